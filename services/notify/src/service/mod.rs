//! Notify's rules over its store: what a notification becomes (deliveries
//! and an in-app message, [`record`]) and how the deliveries are sent with
//! retries and backoff ([`dispatch`]).

pub mod dispatch;
pub mod record;
