//! The notify service against real PostgreSQL, RabbitMQ, an SMTP server on
//! loopback and the SMS gateway simulator. Each test has its own database,
//! exchange and SMTP port, so tests run in parallel.

mod support;

mod catalog;
mod exactly_once;
mod language;
mod mail_catcher;
mod mapping;
mod message_centre;
mod outage;
mod payment_messages;
mod progress_messages;
mod rejection;
mod sms;
