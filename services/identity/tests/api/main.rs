//! The identity service over gRPC, against real PostgreSQL and Redis.

mod helpers;

mod account;
mod addresses;
mod applicants;
mod demo;
mod enumeration;
mod login;
mod registration;
mod staff;
mod tokens;
