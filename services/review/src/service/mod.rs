//! Review's rules over its store: what a reviewer, a supervisor or the
//! applicant may do to a case in the state it is in, each change one
//! transaction that locks the case row first and checks the state it
//! expects, so of any number of concurrent changes to one case exactly one
//! applies. Callers pass checked values (`AgencyCode`, `CaseId`, a
//! [`crate::domain::Verdict`]); the gRPC layer decodes and authorises.

pub mod decisions;
pub mod queue;
