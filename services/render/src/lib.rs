//! The render service.

pub mod config;
pub mod startup;
