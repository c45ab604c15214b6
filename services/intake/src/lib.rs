//! The intake service.

pub mod appointments;
pub mod catalog;
pub mod config;
pub mod domain;
pub mod events;
pub mod grpc;
pub mod service;
pub mod startup;
pub mod store;
#[cfg(feature = "testing")]
pub mod testing;
pub mod time;
pub mod uploads;

/// Migrations of the service's own tables (cases, documents, numbers).
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");
