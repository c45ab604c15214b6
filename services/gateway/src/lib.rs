//! The HTTP edge: the JSON API under `/api/v1` and the web portal under
//! `/portal`. It holds no durable state and calls the services with the
//! caller's internal token. `core` is what both faces share; `api` is the
//! JSON API, `portal` the server-rendered pages.

pub mod api;
pub mod config;
pub mod core;
pub mod http;
pub mod portal;
pub mod startup;
