//! The render service: documents laid out from each agency's Typst
//! templates when their fact arrives (a submission, an issued permit, a
//! payment), stored once with their SHA-256, sealed with the agency's
//! ECDSA P-256 key, downloadable by their owner and verifiable by anyone.

pub mod config;
pub mod engine;
pub mod events;
pub mod grpc;
pub mod jobs;
pub mod produce;
pub mod rerender;
pub mod sample;
pub mod seal;
pub mod startup;
pub mod store;
#[cfg(feature = "testing")]
pub mod testing;
pub mod tools;

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");
