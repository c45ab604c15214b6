//! Glue between a case and its catalog: starting (notice, permit record,
//! prefill, eligibility), saving answers (read-only fields) and the checks
//! every submission and resubmission runs. No I/O; the catalog crate does
//! the rule work.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use laissez_catalog::format::{ApplicationType, Catalog, FieldKind, Language};
use laissez_catalog::forms::{self, Problem};
use laissez_catalog::rules::RuleInput;
use laissez_catalog::{documents, eligibility};
use laissez_kit::{FieldError, ServiceError};
use serde_json::{Map, Value};

use super::applicant::Applicant;

pub type Answers = Map<String, Value>;

/// The agency's record of the permit an application refers to.
#[derive(Debug, Clone, PartialEq)]
pub struct PermitRecord {
    pub holder_document_number: String,
    pub fields: Map<String, Value>,
}

/// How a new case begins: its first answers and which of them are fixed.
#[derive(Debug, Clone, PartialEq)]
pub struct Start {
    pub answers: Answers,
    pub read_only_fields: Vec<String>,
    pub record: Option<Map<String, Value>>,
}

pub fn rule_input(
    applicant: &Applicant,
    answers: &Answers,
    record: Option<&Map<String, Value>>,
    today: NaiveDate,
) -> RuleInput {
    RuleInput {
        answers: answers.clone(),
        applicant: applicant.rule_applicant(),
        record: record.cloned().unwrap_or_default(),
        today,
    }
}

/// Checks who applies and the notice, then the permit record (the seeds'
/// three distinct errors: no such permit, account mismatch, not eligible).
/// `record` is what the agency's records hold for `permit_number`.
pub fn start(
    application_type: &ApplicationType,
    applicant: &Applicant,
    notice_version: &str,
    notice_accepted: bool,
    permit_number: &str,
    record: Option<PermitRecord>,
    today: NaiveDate,
) -> Result<Start, ServiceError> {
    let language = applicant.catalog_language();
    let mut errors = Vec::new();
    if !application_type
        .who_may_apply
        .relationships
        .contains(&applicant.relationship)
    {
        errors.push(FieldError::new(
            "applicant.relationship",
            "not_allowed",
            format!(
                "this type may be filed for: {}",
                application_type.who_may_apply.relationships.join(", ")
            ),
        ));
    }
    if application_type.notice.must_accept && !notice_accepted {
        errors.push(FieldError::new(
            "notice_accepted",
            "required",
            "the notice must be read and accepted",
        ));
    }
    if notice_version != application_type.notice.version {
        errors.push(FieldError::new(
            "notice_version",
            "outdated",
            format!(
                "the notice accepted is not the current one ({})",
                application_type.notice.version
            ),
        ));
    }
    let mut answers = Answers::new();
    let mut read_only = Vec::new();
    let Some(lookup) = &application_type.record_lookup else {
        return if errors.is_empty() {
            Ok(Start {
                answers,
                read_only_fields: read_only,
                record: None,
            })
        } else {
            Err(ServiceError::InvalidArgument(errors))
        };
    };
    let permit_number = permit_number.trim();
    if permit_number.is_empty() {
        errors.push(FieldError::new(
            "permit_number",
            "required",
            "this type needs the number of an existing permit",
        ));
    }
    if !errors.is_empty() {
        return Err(ServiceError::InvalidArgument(errors));
    }
    let Some(record) = record else {
        return Err(ServiceError::invalid(
            "permit_number",
            "permit_not_found",
            lookup.not_found.get(language),
        ));
    };
    if !same_document(&record.holder_document_number, &applicant.document_number) {
        return Err(ServiceError::invalid(
            "permit_number",
            "account_mismatch",
            lookup.mismatch.get(language),
        ));
    }
    answers.insert(lookup.by_field.clone(), Value::String(permit_number.into()));
    read_only.push(lookup.by_field.clone());
    for field in application_type.fields() {
        let Some(source) = field.prefill_from.as_deref() else {
            continue;
        };
        let value = source
            .strip_prefix("record.")
            .and_then(|key| record.fields.get(key));
        if let Some(value) = value {
            answers.insert(field.code.clone(), value.clone());
            if field.read_only {
                read_only.push(field.code.clone());
            }
        }
    }
    // Rules that need answers not given yet cannot be judged now; they are
    // judged at submission. A rule that evaluates to false refuses now.
    let input = rule_input(applicant, &answers, Some(&record.fields), today);
    let refused: Vec<FieldError> = eligibility::evaluate(application_type, &input)
        .failures
        .into_iter()
        .filter(|failure| failure.error.is_none())
        .map(|failure| {
            FieldError::new(
                format!("eligibility.{}", failure.rule),
                "not_eligible",
                failure.reason.get(language),
            )
        })
        .collect();
    if !refused.is_empty() {
        return Err(ServiceError::InvalidArgument(refused));
    }
    Ok(Start {
        answers,
        read_only_fields: read_only,
        record: Some(record.fields),
    })
}

fn same_document(recorded: &str, given: &str) -> bool {
    let normal = |text: &str| -> String {
        text.chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .flat_map(char::to_uppercase)
            .collect()
    };
    !recorded.trim().is_empty() && normal(recorded) == normal(given)
}

/// The answers a draft save keeps: the new answers, with read-only fields
/// unchanged (changing one is an error) and unknown fields refused.
pub fn merge_answers(
    application_type: &ApplicationType,
    stored: &Answers,
    read_only_fields: &[String],
    incoming: Answers,
) -> Result<Answers, ServiceError> {
    let known: BTreeSet<&str> = application_type
        .fields()
        .map(|field| field.code.as_str())
        .collect();
    let mut errors = Vec::new();
    for (code, value) in &incoming {
        if !known.contains(code.as_str()) {
            errors.push(FieldError::new(
                format!("answers.{code}"),
                "unknown_field",
                "the form has no such field",
            ));
        } else if read_only_fields.contains(code) && stored.get(code) != Some(value) {
            errors.push(FieldError::new(
                format!("answers.{code}"),
                "read_only",
                "this field comes from the agency's records and cannot be changed",
            ));
        }
    }
    if !errors.is_empty() {
        return Err(ServiceError::InvalidArgument(errors));
    }
    let mut merged = incoming;
    for code in read_only_fields {
        if let Some(value) = stored.get(code) {
            merged.insert(code.clone(), value.clone());
        }
    }
    Ok(merged)
}

/// A document already uploaded to the case.
#[derive(Debug, Clone, PartialEq)]
pub struct UploadedDocument {
    pub document_id: String,
    pub requirement: String,
}

/// Every reason the case cannot be submitted: form answers, documents,
/// upload references of photo/signature fields, and eligibility.
pub fn submission_errors(
    catalog: &Catalog,
    application_type: &ApplicationType,
    input: &RuleInput,
    uploaded: &[UploadedDocument],
    language: Language,
) -> Vec<FieldError> {
    let fields: Vec<_> = application_type.fields().collect();
    let mut errors: Vec<FieldError> = forms::validate_answers(&fields, &catalog.code_lists, input)
        .into_iter()
        .map(|violation| {
            let (code, message) = describe(&violation.problem, language);
            FieldError::new(format!("answers.{}", violation.field), code, message)
        })
        .collect();
    for field in &fields {
        if !matches!(field.kind, FieldKind::Photo | FieldKind::Signature) {
            continue;
        }
        if let Some(Value::String(reference)) = input.answers.get(&field.code)
            && !uploaded.iter().any(|doc| &doc.document_id == reference)
        {
            errors.push(FieldError::new(
                format!("answers.{}", field.code),
                "unknown_upload",
                "upload the file first and answer with its document id",
            ));
        }
    }
    match documents::documents_for(application_type, input) {
        Ok(required) => {
            for document in required.iter().filter(|document| document.required) {
                if !uploaded.iter().any(|doc| doc.requirement == document.code) {
                    errors.push(FieldError::new(
                        format!("documents.{}", document.code),
                        "required",
                        format!("{} must be uploaded", document.name.get(language)),
                    ));
                }
            }
        }
        Err(error) => errors.push(FieldError::new(
            format!("documents.{}", error.document),
            "rule_error",
            error.error.to_string(),
        )),
    }
    for failure in eligibility::evaluate(application_type, input).failures {
        errors.push(FieldError::new(
            format!("eligibility.{}", failure.rule),
            "not_eligible",
            failure.reason.get(language),
        ));
    }
    errors
}

fn describe(problem: &Problem, language: Language) -> (&'static str, String) {
    match problem {
        Problem::Required => ("required", "this field is required".into()),
        Problem::WrongKind { expected } => ("wrong_kind", format!("expected {expected}")),
        Problem::NotInCodeList { value } => ("not_in_list", format!("{value:?} is not a choice")),
        Problem::TooShort { min } => ("too_short", format!("at least {min} characters")),
        Problem::TooLong { max } => ("too_long", format!("at most {max} characters")),
        Problem::PatternMismatch => ("pattern", "the format is not accepted".into()),
        Problem::OutOfRange => ("out_of_range", "the number is out of range".into()),
        Problem::NotAnEmail => ("not_an_email", "not an email address".into()),
        Problem::NotAPhoneOfRegion { regions } => (
            "phone_region",
            format!("a mobile number of {} is required", regions.join(", ")),
        ),
        Problem::UnknownDeclaration { value } => (
            "unknown_declaration",
            format!("{value:?} is not a statement"),
        ),
        Problem::DeclarationNeedsText => ("declaration_text", "describe the post held".into()),
        Problem::Check { message } => ("check", message.get(language).to_owned()),
        Problem::RuleError { message } => ("rule_error", message.clone()),
    }
}
