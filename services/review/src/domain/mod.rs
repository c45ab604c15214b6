//! Review's rules without I/O: lanes and the aging policy, decisions, the
//! SLA clock and the audit hash.

pub mod audit;
pub mod ordering;
pub mod sla;

use laissez_proto::events::v1::Decision;

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

    pub fn to_proto(self) -> laissez_proto::review::v1::Lane {
        match self {
            Lane::Normal => laissez_proto::review::v1::Lane::Normal,
            Lane::Priority => laissez_proto::review::v1::Lane::Priority,
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

/// What a decision does to the case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecisionKind {
    /// Approve, not accepted, not approved: the case is done.
    Final,
    /// Back to the applicant; the SLA clock pauses.
    Return,
}

pub fn kind_of(decision: Decision) -> Option<DecisionKind> {
    match decision {
        Decision::Approved | Decision::NotAccepted | Decision::NotApproved => {
            Some(DecisionKind::Final)
        }
        Decision::ReturnedForCorrection | Decision::ReturnedForSupplement => {
            Some(DecisionKind::Return)
        }
        Decision::Unspecified => None,
    }
}

/// Rejections need a reason and returns a comment: the applicant reads it.
pub fn needs_comment(decision: Decision) -> bool {
    !matches!(decision, Decision::Approved | Decision::Unspecified)
}

pub fn decision_name(decision: Decision) -> &'static str {
    match decision {
        Decision::Approved => "approved",
        Decision::NotAccepted => "not_accepted",
        Decision::NotApproved => "not_approved",
        Decision::ReturnedForCorrection => "returned_for_correction",
        Decision::ReturnedForSupplement => "returned_for_supplement",
        Decision::Unspecified => "unspecified",
    }
}

pub fn parse_decision(name: &str) -> Decision {
    [
        Decision::Approved,
        Decision::NotAccepted,
        Decision::NotApproved,
        Decision::ReturnedForCorrection,
        Decision::ReturnedForSupplement,
    ]
    .into_iter()
    .find(|decision| decision_name(*decision) == name)
    .unwrap_or(Decision::Unspecified)
}
