//! The people an account applies for (辦理人管理), checked field by field.

use chrono::NaiveDate;
use laissez_kit::FieldError;

use super::contact::Email;
use super::documents::{DocumentKind, IdentityDocumentNumber};
use super::registration::parse_date;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relationship {
    Myself,
    Child,
    Parent,
    Spouse,
    Other,
}

impl Relationship {
    pub fn as_str(self) -> &'static str {
        match self {
            Relationship::Myself => "self",
            Relationship::Child => "child",
            Relationship::Parent => "parent",
            Relationship::Spouse => "spouse",
            Relationship::Other => "other",
        }
    }

    pub fn parse(text: &str) -> Option<Relationship> {
        [
            Relationship::Myself,
            Relationship::Child,
            Relationship::Parent,
            Relationship::Spouse,
            Relationship::Other,
        ]
        .into_iter()
        .find(|relationship| relationship.as_str() == text)
    }
}

/// An applicant as a request describes it, before checks.
#[derive(Debug, Clone, Default)]
pub struct ApplicantInput {
    pub relationship: Option<Relationship>,
    pub guardian: bool,
    pub document_type: String,
    pub document_number: String,
    pub valid_long_term: bool,
    pub valid_from: String,
    pub valid_until: String,
    pub surname: String,
    pub given_name: String,
    pub household_place: String,
    pub email: String,
    pub date_of_birth: String,
}

/// An applicant that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicantDetails {
    pub relationship: Relationship,
    pub guardian: bool,
    pub document: IdentityDocumentNumber,
    pub valid_long_term: bool,
    pub valid_from: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
    pub surname: String,
    pub given_name: String,
    pub household_place: String,
    pub email: Option<Email>,
    pub date_of_birth: Option<NaiveDate>,
}

fn name_error(field: &str, value: &str) -> Option<FieldError> {
    let value = value.trim();
    if value.is_empty() {
        return Some(FieldError::new(field, "required", "this field is required"));
    }
    if value.chars().count() > 40 {
        return Some(FieldError::new(field, "too_long", "at most 40 characters"));
    }
    if value
        .chars()
        .any(|c| c.is_control() || c.is_ascii_digit() || "<>{}[]\\/;:\"@#$%^&*_=+|~`".contains(c))
    {
        return Some(FieldError::new(
            field,
            "bad_characters",
            "letters, spaces, apostrophes, dots and hyphens only",
        ));
    }
    None
}

impl ApplicantInput {
    /// Every problem, with fields named `applicant.<field>`.
    pub fn validate(&self, today: NaiveDate) -> Result<ApplicantDetails, Vec<FieldError>> {
        let mut errors = Vec::new();
        let relationship = self.relationship;
        if relationship.is_none() {
            errors.push(FieldError::new(
                "applicant.relationship",
                "required",
                "self, child, parent, spouse or other",
            ));
        }
        if self.guardian
            && matches!(
                relationship,
                Some(Relationship::Myself | Relationship::Parent | Relationship::Spouse)
            )
        {
            errors.push(FieldError::new(
                "applicant.guardian",
                "not_applicable",
                "only a child's or another person's guardian can be named",
            ));
        }
        let kind = DocumentKind::parse(self.document_type.trim());
        if kind.is_none() {
            errors.push(FieldError::new(
                "applicant.document_type",
                "unknown_document_type",
                "not a known document type",
            ));
        }
        let document = kind.and_then(|kind| {
            IdentityDocumentNumber::parse(kind, &self.document_number)
                .map_err(|error| {
                    errors.push(FieldError::new(
                        "applicant.document_number",
                        error.code(),
                        error.message(),
                    ))
                })
                .ok()
        });
        let date = |field: &str, text: &str, errors: &mut Vec<FieldError>| -> Option<NaiveDate> {
            if text.trim().is_empty() {
                return None;
            }
            let parsed = parse_date(text);
            if parsed.is_none() {
                errors.push(FieldError::new(field, "bad_date", "a date as YYYY-MM-DD"));
            }
            parsed
        };
        let valid_from = date("applicant.valid_from", &self.valid_from, &mut errors);
        let valid_until = date("applicant.valid_until", &self.valid_until, &mut errors);
        if self.valid_from.trim().is_empty() {
            errors.push(FieldError::new(
                "applicant.valid_from",
                "required",
                "the document's first day of validity",
            ));
        }
        if !self.valid_long_term && self.valid_until.trim().is_empty() {
            errors.push(FieldError::new(
                "applicant.valid_until",
                "required",
                "the document's last day of validity, unless it is valid long-term",
            ));
        }
        if self.valid_long_term && !self.valid_until.trim().is_empty() {
            errors.push(FieldError::new(
                "applicant.valid_until",
                "not_applicable",
                "a document valid long-term has no last day",
            ));
        }
        if let Some(from) = valid_from
            && from > today
        {
            errors.push(FieldError::new(
                "applicant.valid_from",
                "in_future",
                "the validity cannot start in the future",
            ));
        }
        if let (Some(from), Some(until)) = (valid_from, valid_until)
            && until < from
        {
            errors.push(FieldError::new(
                "applicant.valid_until",
                "before_valid_from",
                "ends before it starts",
            ));
        }
        if let Some(until) = valid_until
            && until < today
        {
            errors.push(FieldError::new(
                "applicant.valid_until",
                "expired",
                "the document has expired",
            ));
        }
        errors.extend(name_error("applicant.surname", &self.surname));
        errors.extend(name_error("applicant.given_name", &self.given_name));
        if self.household_place.chars().count() > 100
            || self.household_place.chars().any(char::is_control)
        {
            errors.push(FieldError::new(
                "applicant.household_place",
                "too_long",
                "at most 100 characters",
            ));
        }
        let email = if self.email.trim().is_empty() {
            None
        } else {
            Email::parse(&self.email, &[])
                .map_err(|error| {
                    errors.push(FieldError::new(
                        "applicant.email",
                        error.code(),
                        error.message(),
                    ))
                })
                .ok()
        };
        let date_of_birth = date("applicant.date_of_birth", &self.date_of_birth, &mut errors);
        if let Some(born) = date_of_birth
            && (born > today || born < NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(born))
        {
            errors.push(FieldError::new(
                "applicant.date_of_birth",
                "out_of_range",
                "not a plausible date of birth",
            ));
        }
        match (relationship, document) {
            (Some(relationship), Some(document)) if errors.is_empty() => Ok(ApplicantDetails {
                relationship,
                guardian: self.guardian,
                document,
                valid_long_term: self.valid_long_term,
                valid_from,
                valid_until,
                surname: self.surname.trim().to_owned(),
                given_name: self.given_name.trim().to_owned(),
                household_place: self.household_place.trim().to_owned(),
                email,
                date_of_birth,
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid() -> ApplicantInput {
        ApplicantInput {
            relationship: Some(Relationship::Child),
            guardian: true,
            document_type: "tw_id_card".into(),
            document_number: "A123456789".into(),
            valid_from: "2020-01-01".into(),
            valid_until: "2030-01-01".into(),
            surname: "陳".into(),
            given_name: "小明".into(),
            ..ApplicantInput::default()
        }
    }

    #[test]
    fn every_field_is_checked() {
        let today = NaiveDate::from_ymd_opt(2025, 6, 1).unwrap();
        assert!(valid().validate(today).is_ok());
        let bad = ApplicantInput {
            relationship: None,
            document_number: "A123456788".into(),
            valid_from: "2026-01-01".into(),
            valid_until: "2019-01-01".into(),
            surname: "".into(),
            given_name: "<script>".into(),
            email: "nope".into(),
            date_of_birth: "1800-01-01".into(),
            ..valid()
        };
        let fields: Vec<String> = bad
            .validate(today)
            .unwrap_err()
            .into_iter()
            .map(|e| format!("{}:{}", e.field, e.code))
            .collect();
        for expected in [
            "applicant.relationship:required",
            "applicant.document_number:bad_checksum",
            "applicant.valid_from:in_future",
            "applicant.valid_until:before_valid_from",
            "applicant.valid_until:expired",
            "applicant.surname:required",
            "applicant.given_name:bad_characters",
            "applicant.email:bad_format",
            "applicant.date_of_birth:out_of_range",
        ] {
            assert!(
                fields.contains(&expected.to_owned()),
                "{expected} missing in {fields:?}"
            );
        }
    }
}
