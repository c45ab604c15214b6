//! The HTTP edge: the web portal and the JSON API under `/api/v1`. It holds
//! no durable state and calls the services with the caller's internal token.

pub mod config;
pub mod routes;
pub mod startup;
