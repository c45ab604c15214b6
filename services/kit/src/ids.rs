//! The identifiers every service passes around, parsed once where they come
//! in (a request's field, a verified token, an event) so that the layers
//! below take a checked value instead of a bare string.
//!
//! - [`AgencyCode`]: an agency's code (`tw-nia`), the scope of almost every
//!   query. Lower-case ASCII letters, digits and `-`, at most 32 characters,
//!   the rule the catalog checks when it loads an agency.
//! - [`CaseId`], [`AccountId`]: UUIDs. A malformed one is refused naming
//!   the field it came in.
//!
//! Each is stored as its plain value (`sqlx(transparent)`), serialised as a
//! plain string, and displays as itself.

use std::fmt;
use std::ops::Deref;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::ServiceError;

/// The longest agency code accepted.
pub const AGENCY_CODE_MAX: usize = 32;

/// An agency's code, checked: lower-case ASCII letters, digits and `-`,
/// 1 to [`AGENCY_CODE_MAX`] characters, not starting or ending with `-`.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, sqlx::Type,
)]
#[serde(try_from = "String", into = "String")]
#[sqlx(transparent)]
pub struct AgencyCode(String);

/// Why a text is not an identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("required")]
    Empty,
    #[error("too long")]
    TooLong,
    #[error("malformed")]
    Malformed,
}

impl IdError {
    /// The stable code of a field error.
    pub fn code(self) -> &'static str {
        match self {
            Self::Empty => "required",
            Self::TooLong => "too_long",
            Self::Malformed => "malformed",
        }
    }
}

impl AgencyCode {
    /// Parses `text` as the value of `field`: an `InvalidArgument` naming
    /// the field when it is not an agency code.
    pub fn parse(field: &str, text: &str) -> Result<Self, ServiceError> {
        text.parse().map_err(|error: IdError| {
            let message = match error {
                IdError::Empty => "name the agency".to_owned(),
                IdError::TooLong => {
                    format!("an agency code has at most {AGENCY_CODE_MAX} characters")
                }
                IdError::Malformed => {
                    "an agency code is lower-case letters, digits and `-`".to_owned()
                }
            };
            ServiceError::invalid(field, error.code(), message)
        })
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for AgencyCode {
    type Err = IdError;

    fn from_str(text: &str) -> Result<Self, IdError> {
        if text.is_empty() {
            return Err(IdError::Empty);
        }
        if text.len() > AGENCY_CODE_MAX {
            return Err(IdError::TooLong);
        }
        let plain = text
            .bytes()
            .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'-');
        if !plain || text.starts_with('-') || text.ends_with('-') {
            return Err(IdError::Malformed);
        }
        Ok(Self(text.to_owned()))
    }
}

impl TryFrom<String> for AgencyCode {
    type Error = IdError;

    fn try_from(text: String) -> Result<Self, IdError> {
        text.parse()
    }
}

impl From<AgencyCode> for String {
    fn from(code: AgencyCode) -> String {
        code.0
    }
}

impl Deref for AgencyCode {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for AgencyCode {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for AgencyCode {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for AgencyCode {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl fmt::Display for AgencyCode {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

macro_rules! uuid_id {
    ($(#[$meta:meta])* $name:ident, $what:literal) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
            sqlx::Type,
        )]
        #[serde(transparent)]
        #[sqlx(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// Parses `text` as the value of `field`: an `InvalidArgument`
            /// naming the field when it is not a UUID.
            pub fn parse(field: &str, text: &str) -> Result<Self, ServiceError> {
                text.parse().map_err(|error: IdError| {
                    let message = match error {
                        IdError::Empty => concat!("name the ", $what).to_owned(),
                        _ => concat!("not a ", $what, " id").to_owned(),
                    };
                    ServiceError::invalid(field, error.code(), message)
                })
            }

            /// A new, time-ordered id (UUID v7).
            pub fn generate() -> Self {
                Self(Uuid::now_v7())
            }

            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl FromStr for $name {
            type Err = IdError;

            fn from_str(text: &str) -> Result<Self, IdError> {
                if text.is_empty() {
                    return Err(IdError::Empty);
                }
                Uuid::parse_str(text).map(Self).map_err(|_| IdError::Malformed)
            }
        }

        impl From<Uuid> for $name {
            fn from(id: Uuid) -> Self {
                Self(id)
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Uuid {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, formatter)
            }
        }
    };
}

uuid_id!(
    /// A case: one applicant's application in one agency.
    CaseId,
    "case"
);
uuid_id!(
    /// An account: an applicant's or a staff member's.
    AccountId,
    "account"
);

#[cfg(test)]
mod tests {
    use super::*;

    fn field_error(error: ServiceError) -> (String, String) {
        match error {
            ServiceError::InvalidArgument(fields) => {
                (fields[0].field.clone(), fields[0].code.clone())
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn agency_codes_follow_the_catalog_rule() {
        for good in ["tw-nia", "mo-csm", "fj-exit-entry", "a", "x9"] {
            assert_eq!(AgencyCode::parse("agency", good).unwrap().as_str(), good);
        }
        let refused = [
            ("", "required"),
            ("TW-NIA", "malformed"),
            ("tw_nia", "malformed"),
            ("-tw", "malformed"),
            ("tw-", "malformed"),
            ("tw nia", "malformed"),
            ("tw-nia\0", "malformed"),
            ("臺灣", "malformed"),
            ("../etc", "malformed"),
        ];
        for (bad, code) in refused {
            let (field, got) = field_error(AgencyCode::parse("agency", bad).unwrap_err());
            assert_eq!((field.as_str(), got.as_str()), ("agency", code), "{bad:?}");
        }
        let long = "a".repeat(AGENCY_CODE_MAX + 1);
        let (_, code) = field_error(AgencyCode::parse("agency", &long).unwrap_err());
        assert_eq!(code, "too_long");
        assert!(AgencyCode::parse("agency", &"a".repeat(AGENCY_CODE_MAX)).is_ok());
    }

    #[test]
    fn agency_codes_read_as_text_and_refuse_bad_json() {
        let code: AgencyCode = serde_json::from_str("\"hk-cts\"").unwrap();
        assert_eq!(code, "hk-cts");
        assert_eq!(&*code, "hk-cts");
        assert_eq!(serde_json::to_string(&code).unwrap(), "\"hk-cts\"");
        assert!(serde_json::from_str::<AgencyCode>("\"HK\"").is_err());
    }

    #[test]
    fn uuid_ids_name_the_field_they_came_in() {
        let id = CaseId::generate();
        assert_eq!(CaseId::parse("case_id", &id.to_string()).unwrap(), id);
        let (field, code) = field_error(CaseId::parse("case_id", "nope").unwrap_err());
        assert_eq!((field.as_str(), code.as_str()), ("case_id", "malformed"));
        let (field, code) = field_error(AccountId::parse("account_id", "").unwrap_err());
        assert_eq!((field.as_str(), code.as_str()), ("account_id", "required"));
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, format!("\"{id}\""));
        assert_eq!(serde_json::from_str::<CaseId>(&json).unwrap(), id);
    }
}
