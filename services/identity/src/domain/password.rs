//! Password policy: the agency's rules, a platform floor, the list of the
//! 10,000 most common passwords, and no similarity to the account's name.

use std::collections::HashSet;
use std::fmt;
use std::sync::LazyLock;

use laissez_kit::FieldError;

static COMMON_PASSWORDS: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("../../data/common-passwords.txt")
        .lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .collect()
});

/// How many common passwords are refused.
pub fn common_password_count() -> usize {
    COMMON_PASSWORDS.len()
}

/// A password as typed. `Debug` never shows it.
#[derive(Clone)]
pub struct Password(String);

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

impl Password {
    pub fn new(text: impl Into<String>) -> Self {
        Self(text.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// The rules a new password must meet on one portal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordRules {
    pub min_length: usize,
    pub max_length: usize,
    pub require_lowercase: bool,
    pub require_uppercase: bool,
    pub require_digit: bool,
    pub confirm_twice: bool,
}

impl Default for PasswordRules {
    fn default() -> Self {
        Self {
            min_length: 8,
            max_length: 128,
            require_lowercase: false,
            require_uppercase: false,
            require_digit: false,
            confirm_twice: true,
        }
    }
}

impl PasswordRules {
    /// Raises the minimum to the platform's floor (ASVS 5.0 6.2.1: at least 8).
    pub fn with_floor(mut self, floor: usize) -> Self {
        self.min_length = self.min_length.max(floor);
        self
    }

    /// Every rule `password` breaks, as errors on `field`. `identifiers` are
    /// the account's own names (login name, email local part) the password
    /// must not resemble.
    pub fn check(
        &self,
        field: &str,
        password: &str,
        confirmation: Option<&str>,
        identifiers: &[&str],
    ) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let mut refuse =
            |code: &str, message: String| errors.push(FieldError::new(field, code, message));
        let length = password.chars().count();
        if password.is_empty() {
            refuse("required", "a password is required".to_owned());
            return errors;
        }
        if length < self.min_length {
            refuse(
                "too_short",
                format!("at least {} characters", self.min_length),
            );
        }
        if length > self.max_length {
            refuse(
                "too_long",
                format!("at most {} characters", self.max_length),
            );
        }
        if password.chars().any(char::is_control) {
            refuse(
                "bad_characters",
                "control characters are not allowed".to_owned(),
            );
        }
        if self.require_lowercase && !password.chars().any(|c| c.is_ascii_lowercase()) {
            refuse(
                "needs_lowercase",
                "at least one lower-case letter".to_owned(),
            );
        }
        if self.require_uppercase && !password.chars().any(|c| c.is_ascii_uppercase()) {
            refuse(
                "needs_uppercase",
                "at least one upper-case letter".to_owned(),
            );
        }
        if self.require_digit && !password.chars().any(|c| c.is_ascii_digit()) {
            refuse("needs_digit", "at least one digit".to_owned());
        }
        let lowered = password.to_lowercase();
        if COMMON_PASSWORDS.contains(lowered.as_str()) {
            refuse(
                "too_common",
                "this password is among the most common ones".to_owned(),
            );
        }
        if identifiers
            .iter()
            .any(|identifier| is_similar(&lowered, identifier))
        {
            refuse(
                "similar_to_account",
                "the password must not resemble the account name".to_owned(),
            );
        }
        if self.confirm_twice {
            match confirmation {
                Some(again) if again == password => {}
                _ => errors.push(FieldError::new(
                    format!("{field}_confirmation"),
                    "confirmation_differs",
                    "the two passwords differ",
                )),
            }
        }
        errors
    }
}

/// Contains the name (or its reverse), is contained in it, or is a couple
/// of edits away from it.
fn is_similar(password: &str, identifier: &str) -> bool {
    let identifier = identifier.trim().to_lowercase();
    if identifier.chars().count() < 3 {
        return false;
    }
    let reversed: String = identifier.chars().rev().collect();
    password.contains(&identifier)
        || password.contains(&reversed)
        || (password.chars().count() >= 4 && identifier.contains(password))
        || edit_distance(password, &identifier) <= 2
}

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(errors: &[FieldError]) -> Vec<&str> {
        errors.iter().map(|e| e.code.as_str()).collect()
    }

    #[test]
    fn student_rules_from_the_seed() {
        let rules = PasswordRules {
            require_lowercase: true,
            require_digit: true,
            ..PasswordRules::default()
        };
        assert!(
            rules
                .check("password", "Tr4velling!", Some("Tr4velling!"), &["chen"])
                .is_empty()
        );
        assert_eq!(
            codes(&rules.check("password", "ABCDEFGH", Some("ABCDEFGH"), &[])),
            ["needs_lowercase", "needs_digit"]
        );
        assert_eq!(
            codes(&rules.check("password", "a1", Some("a1"), &[])),
            ["too_short"]
        );
        assert_eq!(
            codes(&rules.check("password", "password1", Some("password1"), &[])),
            ["too_common"]
        );
        assert_eq!(
            codes(&rules.check("password", "chenwei99x", Some("chenwei99x"), &["chenwei"])),
            ["similar_to_account"]
        );
        assert_eq!(
            codes(&rules.check("password", "iewnehc1zz", Some("iewnehc1zz"), &["chenwei"])),
            ["similar_to_account"]
        );
        assert_eq!(
            codes(&rules.check("password", "Tr4velling!", Some("other"), &[])),
            ["confirmation_differs"]
        );
        assert_eq!(codes(&rules.check("password", "", None, &[])), ["required"]);
        assert_eq!(
            codes(&rules.check("password", &"a1".repeat(70), Some(&"a1".repeat(70)), &[])),
            ["too_long"]
        );
    }

    #[test]
    fn at_least_three_thousand_common_passwords() {
        assert!(common_password_count() >= 3_000);
        assert!(!format!("{:?}", Password::new("secret")).contains("secret"));
    }
}
