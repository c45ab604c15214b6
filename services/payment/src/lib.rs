//! The payment service: orders opened from intake's events and priced with
//! the case's own catalog version, payments through one connector per
//! method, signed provider notices, counter payments, refunds, the ledger;
//! and the providers' simulator.

pub mod callbacks;
pub mod config;
pub mod connectors;
pub mod domain;
pub mod events;
pub mod grpc;
pub mod provider;
mod published;
pub mod reconciliation;
pub mod refunds;
pub mod service;
pub mod simulator;
pub mod startup;
pub mod store;
pub mod sweeper;
#[cfg(feature = "testing")]
pub mod testing;

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");
