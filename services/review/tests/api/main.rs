//! The review service over gRPC, each test with its own database, exchange
//! and service instance.

mod audit;
mod case_view;
mod consumer;
mod decisions;
mod isolation;
mod queue;
mod sla;
mod support;
