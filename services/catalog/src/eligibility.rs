//! Eligibility with reasons, priority lanes, validity and senior sign-off.

use crate::format::{ApplicationType, LocalizedText};
use crate::rules::{self, RuleInput};
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

/// Validity in years of the document issued (first matching rule), if declared.
pub fn validity_years(
    application_type: &ApplicationType,
    input: &RuleInput,
) -> Result<Option<u32>, rules::Error> {
    for rule in &application_type.validity {
        if rules::evaluate_bool(&rule.when, input)? {
            return Ok(Some(rule.years));
        }
    }
    Ok(None)
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
