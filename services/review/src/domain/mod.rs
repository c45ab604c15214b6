//! Review's rules without I/O or protocol types: lanes and the aging
//! policy, decisions and what each needs, the SLA clock and the audit hash.

pub mod audit;
pub mod decision;
pub mod ordering;
pub mod sla;

pub use decision::{Decision, DecisionKind, Verdict};

/// Where a case waits in its agency's queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    Normal,
    Priority,
}

impl Lane {
    pub fn as_str(self) -> &'static str {
        match self {
            Lane::Normal => "normal",
            Lane::Priority => "priority",
        }
    }

    pub fn parse(text: &str) -> Lane {
        if text == "priority" {
            Lane::Priority
        } else {
            Lane::Normal
        }
    }
}

/// A case's state in review (intake keeps the applicant-facing state).
pub mod state {
    pub const QUEUED: &str = "queued";
    pub const LEASED: &str = "leased";
    pub const RETURNED: &str = "returned";
    pub const PENDING_SIGN_OFF: &str = "pending_sign_off";
    pub const DECIDED: &str = "decided";
    pub const WITHDRAWN: &str = "withdrawn";
}
