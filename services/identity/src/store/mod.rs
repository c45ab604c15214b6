//! Identity's tables in its own PostgreSQL database.

pub mod accounts;
pub mod addresses;
pub mod applicants;
pub mod audit;
pub mod one_time_tokens;
pub mod person_records;
pub mod signing_keys;

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");
