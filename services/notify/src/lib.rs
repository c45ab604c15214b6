//! The notify service: consumes the other services' events and tells the
//! applicant, exactly once per event and recipient, in their language and
//! through the agency's channels: email (SMTP), SMS (an HTTP gateway) and the
//! in-app message centre.
//!
//! - [`events`]: the consumer and the event → notification mapping;
//! - [`catalogs`]: the agencies' templates, senders and names;
//! - [`store`]: deliveries, in-app messages, copies of contacts and cases;
//! - [`service`]: records a notification's deliveries and messages, and
//!   sends pending email and SMS with retries and backoff (`dispatch`);
//! - [`channels`]: SMTP (lettre), the SMS gateway adapter and its simulator;
//! - [`grpc`]: the message centre and the delivery log.

pub mod catalogs;
pub mod channels;
pub mod config;
pub mod domain;
pub mod events;
pub mod grpc;
pub mod metrics;
pub mod service;
pub mod startup;
pub mod store;

#[cfg(feature = "testing")]
pub mod testing;
