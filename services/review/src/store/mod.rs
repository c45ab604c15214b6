//! Review's SQL: the queue and the audit trail.

pub mod audit;
pub mod cases;
pub mod decisions;
pub mod intake_events;
