//! The outbound channels: email over SMTP and SMS through a gateway.

pub mod email;
pub mod sms;
pub mod sms_simulator;
