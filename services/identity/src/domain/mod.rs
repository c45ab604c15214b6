//! Identity's types and rules, free of I/O: requests are parsed into these
//! at the gRPC edge.

pub mod address;
pub mod applicant;
pub mod contact;
pub mod documents;
pub mod login_name;
pub mod names;
pub mod password;
pub mod policy;
pub mod registration;
