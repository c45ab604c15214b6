//! The notify service's tables: deliveries (email, SMS), in-app messages,
//! and its copies of contacts and case facts.

pub mod deliveries;
pub mod facts;
pub mod messages;

/// The notify service's own migrations (history in `_migrations_notify`).
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");
