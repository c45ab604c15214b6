//! Login names: what an account signs in with on its portal (a chosen name,
//! an email, or a document number, as the portal declares).

/// A login name, trimmed and in lower case (so `Chen` and `chen` are one account).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LoginName(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginNameError {
    Empty,
    TooShort(usize),
    TooLong(usize),
    BadCharacters,
}

impl LoginNameError {
    pub fn code(self) -> &'static str {
        match self {
            LoginNameError::Empty => "required",
            LoginNameError::TooShort(_) => "too_short",
            LoginNameError::TooLong(_) => "too_long",
            LoginNameError::BadCharacters => "bad_characters",
        }
    }

    pub fn message(self) -> String {
        match self {
            LoginNameError::Empty => "a login name is required".to_owned(),
            LoginNameError::TooShort(min) => format!("at least {min} characters"),
            LoginNameError::TooLong(max) => format!("at most {max} characters"),
            LoginNameError::BadCharacters => {
                "only letters, digits and . _ - @ + are allowed".to_owned()
            }
        }
    }
}

impl LoginName {
    pub const DEFAULT_MIN: usize = 4;
    pub const DEFAULT_MAX: usize = 64;

    pub fn parse(text: &str) -> Result<LoginName, LoginNameError> {
        Self::parse_with(text, Self::DEFAULT_MIN, Self::DEFAULT_MAX)
    }

    pub fn parse_with(text: &str, min: usize, max: usize) -> Result<LoginName, LoginNameError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(LoginNameError::Empty);
        }
        if !text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-@+".contains(c))
        {
            return Err(LoginNameError::BadCharacters);
        }
        let length = text.chars().count();
        if length < min {
            return Err(LoginNameError::TooShort(min));
        }
        if length > max.min(Self::DEFAULT_MAX * 2) {
            return Err(LoginNameError::TooLong(max));
        }
        Ok(LoginName(text.to_ascii_lowercase()))
    }

    /// For lookups of a login attempt: never fails, so that a malformed name
    /// takes the same path (and time) as an unknown one.
    pub fn normalise_attempt(text: &str) -> String {
        text.trim().to_ascii_lowercase().chars().take(256).collect()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_names() {
        assert_eq!(
            LoginName::parse(" Chen.Da-Wen ").unwrap().as_str(),
            "chen.da-wen"
        );
        assert_eq!(LoginName::parse("abc"), Err(LoginNameError::TooShort(4)));
        assert_eq!(
            LoginName::parse("陳大文1234"),
            Err(LoginNameError::BadCharacters)
        );
        assert_eq!(
            LoginName::parse("a b c d"),
            Err(LoginNameError::BadCharacters)
        );
        assert_eq!(LoginName::parse(""), Err(LoginNameError::Empty));
        assert_eq!(
            LoginName::parse_with(&"a".repeat(31), 4, 30),
            Err(LoginNameError::TooLong(30))
        );
    }
}
