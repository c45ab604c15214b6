//! The Laissez service kit: what every service binary is built from.
//!
//! A service's `main` reads like a table of contents:
//! configuration → telemetry → dependencies → [`server::ServiceHost`] →
//! serve until SIGTERM → drain. The event backbone lives in its sibling
//! crate `laissez-eventbus`.

pub mod admin;
pub mod app;
pub mod auth;
pub mod blob;
pub mod config;
pub mod db;
pub mod error;
pub mod health;
pub mod ids;
pub mod metrics;
pub mod redis_store;
pub mod server;
pub mod shutdown;
pub mod telemetry;
pub mod time;

pub use auth::{Caller, Role, caller};
pub use error::{FieldError, Problem, ServiceError};
pub use ids::{AccountId, AgencyCode, CaseId};
