//! Events intake reacts to. (What it publishes is written through the
//! outbox next to each state change, in `grpc/submit.rs`.)

pub mod decisions;
