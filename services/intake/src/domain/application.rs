//! Glue between a case and its catalog: starting (notice, permit record,
//! prefill, eligibility), saving answers (read-only fields) and the checks
//! every submission and resubmission runs. No I/O; the catalog crate does
//! the rule work.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use laissez_catalog::format::{ApplicationType, Catalog, CodeItem, FieldKind, Language};
use laissez_catalog::forms::{self, Problem};
use laissez_catalog::rules::RuleInput;
use laissez_catalog::{documents, eligibility};
use laissez_kit::{FieldError, ServiceError};
use serde_json::{Map, Value};

use super::applicant::Applicant;
use super::unanswered::{answer_first, rule_fault, unanswered};

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
    code_lists: &BTreeMap<String, Vec<CodeItem>>,
    today: NaiveDate,
) -> RuleInput {
    RuleInput {
        answers: answers.clone(),
        applicant: applicant.rule_applicant(),
        record: record.cloned().unwrap_or_default(),
        today,
        lists: laissez_catalog::rules::list_codes(code_lists),
    }
}

/// The notice the applicant read at the start: its version and whether
/// they accepted it.
#[derive(Debug, Clone, Copy)]
pub struct NoticeAnswer<'a> {
    pub version: &'a str,
    pub accepted: bool,
}

/// Checks who applies and the notice, then the permit record (the seeds'
/// three distinct errors: no such permit, account mismatch, not eligible).
/// `record` is what the agency's records hold for `permit_number`.
pub fn start(
    application_type: &ApplicationType,
    code_lists: &BTreeMap<String, Vec<CodeItem>>,
    applicant: &Applicant,
    notice: NoticeAnswer<'_>,
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
    if application_type.notice.must_accept && !notice.accepted {
        errors.push(FieldError::new(
            "notice_accepted",
            "required",
            "the notice must be read and accepted",
        ));
    }
    if notice.version != application_type.notice.version {
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
            prefill(
                application_type,
                code_lists,
                applicant,
                None,
                &mut answers,
                &mut read_only,
            );
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
    if permit_number.is_empty() && lookup.optional && errors.is_empty() {
        prefill(
            application_type,
            code_lists,
            applicant,
            None,
            &mut answers,
            &mut read_only,
        );
        return Ok(Start {
            answers,
            read_only_fields: read_only,
            record: None,
        });
    }
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
    prefill(
        application_type,
        code_lists,
        applicant,
        Some(&record.fields),
        &mut answers,
        &mut read_only,
    );
    // Rules that need answers not given yet cannot be judged now; they are
    // judged at submission. A rule that evaluates to false refuses now.
    let input = rule_input(applicant, &answers, Some(&record.fields), code_lists, today);
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

/// The first answers of the fields whose catalog says where they come
/// from (`prefill_from`): the agency's record, the case's applicant or the
/// account holder's registration. What the applicant already told the
/// agency is not asked again; an empty source leaves the field to them, and
/// so does a value of the applicant's the field would not accept (one
/// "name" fills the Chinese name or the English name by the fields'
/// patterns, never the wrong one).
fn prefill(
    application_type: &ApplicationType,
    code_lists: &BTreeMap<String, Vec<CodeItem>>,
    applicant: &Applicant,
    record: Option<&Map<String, Value>>,
    answers: &mut Answers,
    read_only: &mut Vec<String>,
) {
    for field in application_type.fields() {
        let Some((source, key)) = field
            .prefill_from
            .as_deref()
            .and_then(|from| from.split_once('.'))
        else {
            continue;
        };
        let text = |value: &str| {
            let value = value.trim();
            (!value.is_empty()).then(|| Value::String(value.to_owned()))
        };
        let value = match source {
            "record" => record.and_then(|record| record.get(key)).cloned(),
            "profile" => applicant.profile.get(key).and_then(|value| text(value)),
            "applicant" => match key {
                "name" => text(&applicant.name),
                "date_of_birth" => text(&applicant.date_of_birth.format("%Y-%m-%d").to_string()),
                "document_number" => text(&applicant.document_number),
                "contact_email" => text(&applicant.contact_email),
                "contact_mobile" => text(&applicant.contact_mobile),
                _ => None,
            },
            _ => None,
        };
        let fits = |value: &Value| source == "record" || forms::accepts(field, value, code_lists);
        if let Some(value) = value.filter(fits) {
            answers.insert(field.code.clone(), value);
            if field.read_only {
                read_only.push(field.code.clone());
            }
        }
    }
}

/// The permit number answered in the form of a case that started without
/// a record (an optional lookup): the record's fields, or why the number
/// cannot be used (`Ok(None)` when no number is answered). `record` is what
/// the agency's records hold for that number.
pub fn answered_record(
    application_type: &ApplicationType,
    applicant: &Applicant,
    answers: &Answers,
    record: Option<PermitRecord>,
) -> Result<Option<Map<String, Value>>, FieldError> {
    let Some(lookup) = application_type.record_lookup.as_ref() else {
        return Ok(None);
    };
    let answered = answers
        .get(&lookup.by_field)
        .and_then(Value::as_str)
        .map(str::trim)
        .unwrap_or_default();
    if answered.is_empty() {
        return Ok(None);
    }
    let language = applicant.catalog_language();
    let field = format!("answers.{}", lookup.by_field);
    let Some(record) = record else {
        return Err(FieldError::new(
            field,
            "permit_not_found",
            lookup.not_found.get(language),
        ));
    };
    if !same_document(&record.holder_document_number, &applicant.document_number) {
        return Err(FieldError::new(
            field,
            "account_mismatch",
            lookup.mismatch.get(language),
        ));
    }
    Ok(Some(record.fields))
}

/// The permit number a case answers for its (optional) record lookup.
pub fn answered_permit_number<'a>(
    application_type: &ApplicationType,
    answers: &'a Answers,
) -> Option<&'a str> {
    let lookup = application_type.record_lookup.as_ref()?;
    answers
        .get(&lookup.by_field)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|number| !number.is_empty())
}

/// A document number as it is compared everywhere: upper case, without
/// spaces or hyphens (the SQL side writes the same with `upper` and
/// `regexp_replace`).
pub fn normal_document_number(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_uppercase)
        .collect()
}

fn same_document(recorded: &str, given: &str) -> bool {
    !recorded.trim().is_empty() && normal_document_number(recorded) == normal_document_number(given)
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
    let mut errors: Vec<FieldError> = Vec::new();
    let mut unevaluated: Vec<(String, Vec<&str>)> = Vec::new();
    let violations = forms::validate_answers(&fields, &catalog.code_lists, input)
        .into_iter()
        .chain(forms::delivery_violations(
            application_type,
            &catalog.fees.delivery_options,
            input,
        ));
    for violation in violations {
        if let Problem::RuleError { message } = &violation.problem {
            // A visibility, requirement or check rule of the field reads an
            // answer not given yet: ask for that answer instead.
            let rules = fields
                .iter()
                .find(|field| field.code == violation.field)
                .map(|field| {
                    let own = [&field.visible_when, &field.required_when];
                    own.into_iter()
                        .flatten()
                        .map(String::as_str)
                        .chain(field.checks.iter().map(|check| check.rule.as_str()))
                        .collect()
                })
                .unwrap_or_default();
            unevaluated.push((format!("answers.{}", violation.field), rules));
            tracing::debug!(field = %violation.field, %message, "a form rule could not be evaluated");
            continue;
        }
        let (code, message) = describe(&violation.problem, language);
        errors.push(FieldError::new(
            format!("answers.{}", violation.field),
            code,
            message,
        ));
    }
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
        Err(error) => {
            tracing::debug!(document = %error.document, error = %error.error, "a document rule could not be evaluated");
            let rule = application_type
                .documents
                .iter()
                .find(|document| document.code == error.document)
                .and_then(|document| document.when.as_deref());
            unevaluated.push((
                format!("documents.{}", error.document),
                rule.into_iter().collect(),
            ));
        }
    }
    for (place, rules) in unevaluated {
        let missing: BTreeSet<&str> = rules
            .iter()
            .flat_map(|rule| unanswered(rule, &input.answers))
            .collect();
        if missing.is_empty() {
            // Not for want of an answer: the agency's rule itself is at fault.
            tracing::warn!(%place, "a catalog rule could not be evaluated with every answer given");
            errors.push(FieldError::new(place, "rule_error", rule_fault(language)));
            continue;
        }
        for code in missing {
            let field = format!("answers.{code}");
            if errors.iter().any(|error| error.field == field) {
                continue;
            }
            let label = fields
                .iter()
                .find(|candidate| candidate.code == code)
                .map_or(code, |candidate| candidate.label.get(language));
            errors.push(FieldError::new(
                field,
                "required",
                answer_first(label, language),
            ));
        }
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
        Problem::BadDocumentNumber { reason } => {
            let (code, message) = match reason.as_str() {
                "bad_checksum" => ("bad_checksum", "the number's check character is wrong"),
                "bad_birth_date" => (
                    "bad_birth_date",
                    "the birth date inside the number is not a valid date",
                ),
                _ => (
                    "bad_document_format",
                    "the number does not have this document's format",
                ),
            };
            (code, message.into())
        }
        Problem::Check { message } => ("check", message.get(language).to_owned()),
        Problem::RuleError { message } => ("rule_error", message.clone()),
    }
}

#[cfg(test)]
#[path = "application_tests.rs"]
mod tests;
