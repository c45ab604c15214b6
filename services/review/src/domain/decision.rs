//! A reviewer's decision and what it needs before it is recorded.

use laissez_kit::error::ServiceError;

/// The longest comment a decision carries (the applicant reads it).
pub const COMMENT_MAX: usize = 2000;

/// What a reviewer decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Approved,
    NotAccepted,
    NotApproved,
    ReturnedForCorrection,
    ReturnedForSupplement,
}

/// What a decision does to the case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecisionKind {
    /// Approve, not accepted, not approved: the case is done.
    Final,
    /// Back to the applicant; the SLA clock pauses.
    Return,
}

const ALL: [Decision; 5] = [
    Decision::Approved,
    Decision::NotAccepted,
    Decision::NotApproved,
    Decision::ReturnedForCorrection,
    Decision::ReturnedForSupplement,
];

impl Decision {
    pub fn kind(self) -> DecisionKind {
        match self {
            Self::Approved | Self::NotAccepted | Self::NotApproved => DecisionKind::Final,
            Self::ReturnedForCorrection | Self::ReturnedForSupplement => DecisionKind::Return,
        }
    }

    /// Rejections need a reason and returns a comment: the applicant reads it.
    pub fn needs_comment(self) -> bool {
        self != Self::Approved
    }

    /// The name stored in the case row and the audit.
    pub fn name(self) -> &'static str {
        match self {
            Self::Approved => "approved",
            Self::NotAccepted => "not_accepted",
            Self::NotApproved => "not_approved",
            Self::ReturnedForCorrection => "returned_for_correction",
            Self::ReturnedForSupplement => "returned_for_supplement",
        }
    }

    /// The decision a stored name names.
    pub fn parse(name: &str) -> Option<Self> {
        ALL.into_iter().find(|decision| decision.name() == name)
    }
}

/// What a reviewer decides: the decision, the comment the applicant reads,
/// and whether a refusal keeps the fee.
#[derive(Debug, Clone, Copy)]
pub struct Verdict<'a> {
    pub decision: Decision,
    pub comment: &'a str,
    /// Only with "not approved": the fee the catalog would refund is kept
    /// (a duplicate, impersonated or falsified application).
    pub fee_forfeited: bool,
}

impl<'a> Verdict<'a> {
    /// A verdict as the request gives it; `None` is no decision chosen.
    /// Refused naming the field when the comment or the forfeit does not
    /// fit the decision.
    pub fn check(
        decision: Option<Decision>,
        comment: &'a str,
        fee_forfeited: bool,
    ) -> Result<Self, ServiceError> {
        let decision = decision
            .ok_or_else(|| ServiceError::invalid("decision", "required", "choose a decision"))?;
        if fee_forfeited && decision != Decision::NotApproved {
            return Err(ServiceError::invalid(
                "fee_forfeited",
                "not_a_refusal",
                "only a \"not approved\" decision forfeits the fee",
            ));
        }
        if decision.needs_comment() && comment.trim().is_empty() {
            return Err(ServiceError::invalid(
                "comment",
                "required",
                "a rejection needs a reason and a return a comment for the applicant",
            ));
        }
        if comment.chars().count() > COMMENT_MAX {
            return Err(ServiceError::invalid(
                "comment",
                "too_long",
                format!("at most {COMMENT_MAX} characters"),
            ));
        }
        Ok(Self {
            decision,
            comment,
            fee_forfeited,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(error: ServiceError) -> String {
        match error {
            ServiceError::InvalidArgument(fields) => {
                format!("{}:{}", fields[0].field, fields[0].code)
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn names_round_trip() {
        for decision in ALL {
            assert_eq!(Decision::parse(decision.name()), Some(decision));
        }
        assert_eq!(Decision::parse("unspecified"), None);
    }

    #[test]
    fn a_verdict_names_what_is_wrong() {
        assert_eq!(
            field(Verdict::check(None, "", false).unwrap_err()),
            "decision:required"
        );
        assert_eq!(
            field(Verdict::check(Some(Decision::NotAccepted), " ", false).unwrap_err()),
            "comment:required"
        );
        assert_eq!(
            field(Verdict::check(Some(Decision::Approved), "", true).unwrap_err()),
            "fee_forfeited:not_a_refusal"
        );
        let long = "字".repeat(COMMENT_MAX + 1);
        assert_eq!(
            field(Verdict::check(Some(Decision::Approved), &long, false).unwrap_err()),
            "comment:too_long"
        );
        assert!(Verdict::check(Some(Decision::Approved), "", false).is_ok());
        assert!(Verdict::check(Some(Decision::NotApproved), "forged", true).is_ok());
    }
}
