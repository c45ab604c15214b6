//! Events intake reacts to. (What it publishes is written through the
//! outbox next to each state change, in `grpc/submit.rs` and, for the
//! payment stage, `decisions.rs`.)

pub mod decisions;
pub mod payments;
