//! Backbone tests against a real PostgreSQL and RabbitMQ. Each test has its
//! own database and exchange/queue names, so they run in parallel with each
//! other and with other crates' tests on the same servers.

#[path = "../support/mod.rs"]
mod support;

mod crash;
mod outage;
mod outbox;
mod poison;
mod standby;
