//! Eligibility with reasons, priority lanes, what the document grants
//! (validity, entries, stay) and senior sign-off.

use crate::format::{ApplicationType, Entries, LocalizedText, ValidityRule};
use crate::rules::{self, RuleInput};
use chrono::{Months, NaiveDate};
use serde::Serialize;

/// A failed rule and the reason shown to the applicant.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Failure {
    pub rule: String,
    pub reason: LocalizedText,
    /// Set when the rule could not be evaluated (e.g. the record lacks a field);
    /// such a rule counts as failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    pub eligible: bool,
    pub failures: Vec<Failure>,
}

/// Evaluates every eligibility rule of the type; all failures are reported.
pub fn evaluate(application_type: &ApplicationType, input: &RuleInput) -> Decision {
    let mut failures = Vec::new();
    for rule in &application_type.eligibility {
        let (passed, error) = match rules::evaluate_bool(&rule.rule, input) {
            Ok(result) => (result, None),
            Err(error) => (false, Some(error.to_string())),
        };
        if !passed {
            failures.push(Failure {
                rule: rule.code.clone(),
                reason: rule.reason.clone(),
                error,
            });
        }
    }
    Decision {
        eligible: failures.is_empty(),
        failures,
    }
}

/// Codes of the priority lanes whose rule holds.
pub fn priority_lanes(
    application_type: &ApplicationType,
    input: &RuleInput,
) -> Result<Vec<String>, rules::Error> {
    let mut lanes = Vec::new();
    for lane in &application_type.priority_lanes {
        if rules::evaluate_bool(&lane.when, input)? {
            lanes.push(lane.code.clone());
        }
    }
    Ok(lanes)
}

/// What the document issued grants, each from its first matching rule;
/// what the type does not declare is `None`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Grant {
    pub valid_months: Option<u32>,
    pub entries: Option<Entries>,
    pub stay_days: Option<u32>,
}

impl Grant {
    /// The last valid day of a document issued on `issued_on`.
    pub fn valid_until(&self, issued_on: NaiveDate) -> Option<NaiveDate> {
        issued_on
            .checked_add_months(Months::new(self.valid_months?))?
            .pred_opt()
    }

    pub fn is_empty(&self) -> bool {
        *self == Grant::default()
    }
}

/// What the document issued for `input` grants. A rule that cannot be
/// evaluated (an answer it reads is missing) does not hold: the next one
/// is tried, so issuing a document never fails on a rule.
pub fn grant(application_type: &ApplicationType, input: &RuleInput) -> Grant {
    let holds = |when: &str| rules::evaluate_bool(when, input).unwrap_or(false);
    Grant {
        valid_months: application_type
            .validity
            .iter()
            .find(|rule| holds(&rule.when))
            .map(ValidityRule::total_months),
        entries: application_type
            .entries
            .iter()
            .find(|rule| holds(&rule.when))
            .map(|rule| rule.entries),
        stay_days: application_type
            .stay_per_entry
            .iter()
            .find(|rule| holds(&rule.when))
            .map(|rule| rule.days),
    }
}

/// Whether a senior officer must sign the decision off.
pub fn senior_sign_off_needed(
    application_type: &ApplicationType,
    input: &RuleInput,
) -> Result<bool, rules::Error> {
    match &application_type.senior_sign_off_when {
        Some(rule) => rules::evaluate_bool(rule, input),
        None => Ok(false),
    }
}
