//! The review service: queues of submitted cases per agency, claims,
//! decisions, SLA clocks and a tamper-evident audit trail.

pub mod catalogs;
pub mod config;
pub mod domain;
pub mod events;
pub mod grpc;
pub mod maintenance;
pub mod service;
pub mod settings;
pub mod startup;
pub mod store;
pub mod time;

/// Migrations of the service's own tables (queue, tombstones, audit log).
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");
