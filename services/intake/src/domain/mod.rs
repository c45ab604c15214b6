//! Types and rules of a case, without I/O.

pub mod applicant;
pub mod application;
pub mod numbering;
pub mod state;
mod unanswered;

pub use applicant::Applicant;
pub use state::{Event, IllegalTransition, State};
