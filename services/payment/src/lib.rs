//! The payment service.

pub mod config;
pub mod startup;
