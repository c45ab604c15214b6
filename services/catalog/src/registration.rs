//! Checks of a portal's registration policy that do not need the database.

use crate::format::{PasswordRules, RegistrationPolicy};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PasswordProblem {
    TooShort,
    NeedsLowercase,
    NeedsUppercase,
    NeedsDigit,
    ConfirmationDiffers,
}

/// Every rule the password breaks.
pub fn check_password(
    rules: &PasswordRules,
    password: &str,
    confirmation: Option<&str>,
) -> Vec<PasswordProblem> {
    let mut problems = Vec::new();
    if (password.chars().count() as u64) < u64::from(rules.min_length) {
        problems.push(PasswordProblem::TooShort);
    }
    if rules.require_lowercase
        && !password
            .chars()
            .any(|character| character.is_ascii_lowercase())
    {
        problems.push(PasswordProblem::NeedsLowercase);
    }
    if rules.require_uppercase
        && !password
            .chars()
            .any(|character| character.is_ascii_uppercase())
    {
        problems.push(PasswordProblem::NeedsUppercase);
    }
    if rules.require_digit && !password.chars().any(|character| character.is_ascii_digit()) {
        problems.push(PasswordProblem::NeedsDigit);
    }
    if rules.confirm_twice && confirmation.is_some_and(|again| again != password) {
        problems.push(PasswordProblem::ConfirmationDiffers);
    }
    problems
}

/// Whether the policy refuses this email's domain (`*.cn` refuses `x.cn` and `a.b.cn`).
pub fn email_domain_forbidden(policy: &RegistrationPolicy, email: &str) -> bool {
    let Some((_, domain)) = email.rsplit_once('@') else {
        return false;
    };
    let domain = domain.trim().to_ascii_lowercase();
    policy.forbidden_email_domains.iter().any(|pattern| {
        let pattern = pattern.to_ascii_lowercase();
        match pattern.strip_prefix("*.") {
            Some(suffix) => domain.ends_with(&format!(".{suffix}")) || domain == suffix,
            None => domain == pattern,
        }
    })
}
