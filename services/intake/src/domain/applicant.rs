//! The person an application is for, as the gateway passes it after asking
//! identity (intake never reads identity's tables), kept with the case.

use chrono::NaiveDate;
use laissez_catalog::format::Language;
use laissez_kit::{FieldError, ServiceError};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Applicant {
    /// Identity's managed-applicant id; the account id when applying for oneself.
    pub applicant_id: String,
    pub name: String,
    pub date_of_birth: NaiveDate,
    pub relationship: String,
    pub document_number: String,
    pub contact_email: String,
    pub contact_mobile: String,
    /// `laissez.common.v1.Language` value.
    pub language: i32,
    /// The account holder's registration fields, for prefill when applying
    /// for oneself. Never stored with the case.
    #[serde(skip)]
    pub profile: std::collections::BTreeMap<String, String>,
}

const RELATIONSHIPS: [&str; 4] = ["self", "child", "parent", "other"];

/// The applicant as a request gives it, unchecked.
#[derive(Debug, Clone, Default)]
pub struct ApplicantAnswers {
    pub applicant_id: String,
    pub name: String,
    /// `YYYY-MM-DD`.
    pub date_of_birth: String,
    pub relationship: String,
    pub document_number: String,
    pub contact_email: String,
    pub contact_mobile: String,
    /// `laissez.common.v1.Language` value.
    pub language: i32,
    pub profile: std::collections::BTreeMap<String, String>,
}

impl Applicant {
    /// Checks the request's applicant; every problem is reported at once.
    pub fn parse(
        data: Option<ApplicantAnswers>,
        account_id: &str,
    ) -> Result<Applicant, ServiceError> {
        let Some(data) = data else {
            return Err(ServiceError::invalid(
                "applicant",
                "required",
                "the applicant's data is required",
            ));
        };
        let mut errors = Vec::new();
        let name = data.name.trim().to_owned();
        if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
            errors.push(FieldError::new(
                "applicant.name",
                "invalid",
                "a name of 1 to 100 printable characters is required",
            ));
        }
        let date_of_birth = NaiveDate::parse_from_str(data.date_of_birth.trim(), "%Y-%m-%d");
        if date_of_birth.is_err() {
            errors.push(FieldError::new(
                "applicant.date_of_birth",
                "invalid",
                "a date of birth as YYYY-MM-DD is required",
            ));
        }
        let relationship = if data.relationship.is_empty() {
            "self".to_owned()
        } else {
            data.relationship.clone()
        };
        if !RELATIONSHIPS.contains(&relationship.as_str()) {
            errors.push(FieldError::new(
                "applicant.relationship",
                "invalid",
                "relationship must be self, child, parent or other",
            ));
        }
        let applicant_id = if relationship == "self" && data.applicant_id.is_empty() {
            account_id.to_owned()
        } else {
            data.applicant_id.trim().to_owned()
        };
        if applicant_id.is_empty() || applicant_id.len() > 100 {
            errors.push(FieldError::new(
                "applicant.applicant_id",
                "required",
                "a managed applicant needs identity's applicant id",
            ));
        }
        if data.document_number.len() > 64 {
            errors.push(FieldError::new(
                "applicant.document_number",
                "too_long",
                "at most 64 characters",
            ));
        }
        let relationship_is_self = relationship == "self";
        match date_of_birth {
            Ok(date_of_birth) if errors.is_empty() => Ok(Applicant {
                applicant_id,
                name,
                date_of_birth,
                relationship,
                document_number: data.document_number.trim().to_owned(),
                contact_email: data.contact_email,
                contact_mobile: data.contact_mobile,
                language: data.language,
                // Only the account holder's own registration prefills.
                profile: if relationship_is_self {
                    data.profile
                } else {
                    Default::default()
                },
            }),
            _ => Err(ServiceError::InvalidArgument(errors)),
        }
    }

    /// The name as shown in lists: first character, the rest masked (陳**).
    pub fn masked_name(&self) -> String {
        let mut characters = self.name.chars();
        let first = characters.next().map(String::from).unwrap_or_default();
        let rest = characters.filter(|c| !c.is_whitespace()).count().max(1);
        format!("{first}{}", "*".repeat(rest))
    }

    pub fn catalog_language(&self) -> Language {
        Language::from_wire(self.language).unwrap_or(Language::En)
    }

    pub fn rule_applicant(&self) -> laissez_catalog::rules::Applicant {
        laissez_catalog::rules::Applicant {
            date_of_birth: self.date_of_birth,
            relationship: self.relationship.clone(),
            documents_held: Vec::new(),
            attributes: serde_json::Map::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data() -> ApplicantAnswers {
        ApplicantAnswers {
            name: "陳大文".into(),
            date_of_birth: "1999-03-23".into(),
            document_number: "A123".into(),
            ..Default::default()
        }
    }

    #[test]
    fn masks_all_but_the_first_character() {
        let applicant = Applicant::parse(Some(data()), "account-1").unwrap();
        assert_eq!(applicant.masked_name(), "陳**");
        assert_eq!(applicant.applicant_id, "account-1");
        assert_eq!(applicant.relationship, "self");
    }

    #[test]
    fn reports_every_bad_field() {
        let error = Applicant::parse(
            Some(ApplicantAnswers {
                name: String::new(),
                date_of_birth: "23/03/1999".into(),
                relationship: "cousin".into(),
                ..Default::default()
            }),
            "account-1",
        )
        .unwrap_err();
        let ServiceError::InvalidArgument(fields) = error else {
            panic!("expected invalid argument");
        };
        assert_eq!(fields.len(), 4, "{fields:?}");
    }
}
