//! Test support for this crate's tests and for other crates' integration
//! tests (feature `testing`): an SMTP server on loopback and a MIME reader.

pub mod mime;
pub mod smtp;

pub use mime::ParsedEmail;
pub use smtp::{ReceivedEmail, TestSmtpServer};
