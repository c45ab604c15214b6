//! The identity service: agencies' portals, applicant and staff accounts,
//! managed applicants, sessions and captchas (Redis), and the internal
//! tokens every other service verifies.

pub mod catalog_policies;
pub mod config;
pub mod domain;
pub mod events;
pub mod grpc;
pub mod passwords;
pub mod redis;
pub mod service;
pub mod startup;
pub mod store;
pub mod tokens;
pub mod totp;
