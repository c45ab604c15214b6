//! Validation of form answers against a type's form: required, conditional,
//! kinds, code lists, lengths, patterns, ranges and CEL checks.

use crate::format::{
    ApplicationType, CodeItem, DeliveryOption, FieldKind, FormField, LocalizedText, Stage,
};
use crate::identity_documents::{DocumentError, DocumentKind, IdentityDocumentNumber};
use crate::rules::{self, RuleInput};
use serde::Serialize;
use std::collections::BTreeMap;

/// Why an answer is refused; `field` is the field code.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldViolation {
    pub field: String,
    #[serde(flatten)]
    pub problem: Problem,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum Problem {
    Required,
    WrongKind {
        expected: String,
    },
    NotInCodeList {
        value: String,
    },
    TooShort {
        min: u32,
    },
    TooLong {
        max: u32,
    },
    PatternMismatch,
    OutOfRange,
    NotAnEmail,
    NotAPhoneOfRegion {
        regions: Vec<String>,
    },
    UnknownDeclaration {
        value: String,
    },
    DeclarationNeedsText,
    /// An identity document's number that its kind refuses: `reason` is
    /// `bad_format`, `bad_checksum` or `bad_birth_date`.
    BadDocumentNumber {
        reason: String,
    },
    Check {
        message: LocalizedText,
    },
    RuleError {
        message: String,
    },
}

/// Validates `input.answers` against `fields`; every violation is returned.
pub fn validate_answers(
    fields: &[&FormField],
    code_lists: &BTreeMap<String, Vec<CodeItem>>,
    input: &RuleInput,
) -> Vec<FieldViolation> {
    let mut violations = Vec::new();
    for field in fields {
        let mut push = |problem| {
            violations.push(FieldViolation {
                field: field.code.clone(),
                problem,
            })
        };
        let condition = |rule: &Option<String>, default: bool| match rule {
            Some(rule) => rules::evaluate_bool(rule, input),
            None => Ok(default),
        };
        let visible = match condition(&field.visible_when, true) {
            Ok(visible) => visible,
            Err(error) => {
                push(Problem::RuleError {
                    message: error.to_string(),
                });
                continue;
            }
        };
        if !visible {
            continue;
        }
        let required = match condition(&field.required_when, false) {
            Ok(conditional) => field.required || conditional,
            Err(error) => {
                push(Problem::RuleError {
                    message: error.to_string(),
                });
                continue;
            }
        };
        let value = input
            .answers
            .get(&field.code)
            .filter(|value| !is_blank(value));
        let Some(value) = value else {
            if required {
                push(Problem::Required);
            }
            continue;
        };
        for problem in check_value(field, value, code_lists) {
            push(problem);
        }
        for check in &field.checks {
            match rules::evaluate_bool(&check.rule, input) {
                Ok(true) => {}
                Ok(false) => push(Problem::Check {
                    message: check.message.clone(),
                }),
                Err(error) => push(Problem::RuleError {
                    message: error.to_string(),
                }),
            }
        }
    }
    violations
}

fn is_blank(value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::Null => true,
        serde_json::Value::String(text) => text.trim().is_empty(),
        _ => false,
    }
}

/// Whether `value` is an answer `field` accepts on its own (kind, code
/// list, length, pattern), without the rules that relate it to other
/// answers: what a prefill may put into the field.
pub fn accepts(
    field: &FormField,
    value: &serde_json::Value,
    code_lists: &BTreeMap<String, Vec<CodeItem>>,
) -> bool {
    check_value(field, value, code_lists).is_empty()
}

fn wrong(expected: &str) -> Vec<Problem> {
    vec![Problem::WrongKind {
        expected: expected.to_owned(),
    }]
}

fn check_value(
    field: &FormField,
    value: &serde_json::Value,
    code_lists: &BTreeMap<String, Vec<CodeItem>>,
) -> Vec<Problem> {
    match &field.kind {
        FieldKind::Number => match value.as_f64() {
            None => wrong("number"),
            Some(number)
                if field.min.is_some_and(|min| number < min)
                    || field.max.is_some_and(|max| number > max) =>
            {
                vec![Problem::OutOfRange]
            }
            Some(_) => Vec::new(),
        },
        FieldKind::YesNo => {
            if value.is_boolean() {
                Vec::new()
            } else {
                wrong("yes_no")
            }
        }
        FieldKind::Date => match value
            .as_str()
            .map(|text| chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d"))
        {
            Some(Ok(_)) => Vec::new(),
            _ => wrong("date (YYYY-MM-DD)"),
        },
        FieldKind::Choice => match value.as_str() {
            None => wrong("code"),
            Some(code) => {
                let known = field
                    .code_list
                    .as_ref()
                    .and_then(|list| code_lists.get(list))
                    .is_some_and(|items| items.iter().any(|item| item.code == code));
                if known {
                    Vec::new()
                } else {
                    vec![Problem::NotInCodeList {
                        value: code.to_owned(),
                    }]
                }
            }
        },
        FieldKind::Declarations => check_declaration(field, value),
        FieldKind::Signature | FieldKind::Photo => {
            if value.is_string() {
                Vec::new()
            } else {
                wrong("upload reference")
            }
        }
        FieldKind::IdentityDocumentNumber => match value.as_str() {
            None => wrong("text"),
            Some(text) => {
                let mut problems = check_text(field, text.trim());
                // One problem per answer: a number the field's own length
                // or pattern refuses is not checked further.
                if problems.is_empty()
                    && let Some(kind) = field.document_kind.as_deref().and_then(DocumentKind::parse)
                    && let Err(error) = IdentityDocumentNumber::parse(kind, text)
                    && error != DocumentError::Empty
                {
                    problems.push(Problem::BadDocumentNumber {
                        reason: error.code().to_owned(),
                    });
                }
                problems
            }
        },
        FieldKind::Text | FieldKind::Address | FieldKind::Phone | FieldKind::Email => {
            match value.as_str() {
                None => wrong("text"),
                Some(text) => check_text(field, text.trim()),
            }
        }
        // Which codes it takes is the type's (see `delivery_violations`).
        FieldKind::Delivery => match value.as_str() {
            None => wrong("code"),
            Some(_) => Vec::new(),
        },
        FieldKind::Unknown(name) => wrong(name),
    }
}

/// What the delivery choice of `application_type` refuses in
/// `input.answers`: a code the type does not offer, and a blank address
/// when the option chosen sends the document (its stage is `delivery`).
pub fn delivery_violations(
    application_type: &ApplicationType,
    options: &[DeliveryOption],
    input: &RuleInput,
) -> Vec<FieldViolation> {
    let Some(field) = application_type.delivery_field() else {
        return Vec::new();
    };
    let Some(code) = input
        .answers
        .get(&field.code)
        .and_then(|value| value.as_str())
    else {
        return Vec::new();
    };
    if code.trim().is_empty() {
        return Vec::new();
    }
    if !application_type
        .delivery_options
        .iter()
        .any(|option| option == code)
    {
        return vec![FieldViolation {
            field: field.code.clone(),
            problem: Problem::NotInCodeList {
                value: code.to_owned(),
            },
        }];
    }
    let delivered = options
        .iter()
        .any(|option| option.code == code && option.stage == Stage::Delivery);
    match &field.address_field {
        Some(address) if delivered && input.answers.get(address).is_none_or(is_blank) => {
            vec![FieldViolation {
                field: address.clone(),
                problem: Problem::Required,
            }]
        }
        _ => Vec::new(),
    }
}

fn check_text(field: &FormField, text: &str) -> Vec<Problem> {
    let mut problems = Vec::new();
    let length = u32::try_from(text.chars().count()).unwrap_or(u32::MAX);
    if let Some(min) = field.min_length.filter(|min| length < *min) {
        problems.push(Problem::TooShort { min });
    }
    if let Some(max) = field.max_length.filter(|max| length > *max) {
        problems.push(Problem::TooLong { max });
    }
    if let Some(pattern) = &field.pattern {
        // The whole answer, as registration (identity) reads a pattern too.
        let matches = regex::Regex::new(&format!("^(?:{pattern})$"))
            .map(|regex| regex.is_match(text))
            .unwrap_or(false);
        if !matches {
            problems.push(Problem::PatternMismatch);
        }
    }
    if field.kind == FieldKind::Email && !looks_like_email(text) {
        problems.push(Problem::NotAnEmail);
    }
    if field.kind == FieldKind::Phone
        && !field.phone_regions.is_empty()
        && !field
            .phone_regions
            .iter()
            .any(|region| is_mobile_of(region, text))
    {
        problems.push(Problem::NotAPhoneOfRegion {
            regions: field.phone_regions.clone(),
        });
    }
    problems
}

fn check_declaration(field: &FormField, value: &serde_json::Value) -> Vec<Problem> {
    let Some(chosen) = value.get("option").and_then(|option| option.as_str()) else {
        return wrong("declaration {option, text}");
    };
    match field.options.iter().find(|option| option.code == chosen) {
        None => vec![Problem::UnknownDeclaration {
            value: chosen.to_owned(),
        }],
        Some(option) if option.free_text => {
            let text = value
                .get("text")
                .and_then(|text| text.as_str())
                .unwrap_or_default();
            if text.trim().is_empty() {
                vec![Problem::DeclarationNeedsText]
            } else {
                Vec::new()
            }
        }
        Some(_) => Vec::new(),
    }
}

/// A plausible address: one `@`, a local part and a dotted domain.
pub fn looks_like_email(text: &str) -> bool {
    match text.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        }
        None => false,
    }
}

/// Whether `text` is a mobile number of `region` (CN, HK, MO, TW), with or without its country code.
pub fn is_mobile_of(region: &str, text: &str) -> bool {
    let digits: String = text
        .chars()
        .filter(|character| !matches!(character, ' ' | '-' | '(' | ')'))
        .collect();
    let (code, local) = match region {
        "CN" => ("+86", r"^1[3-9][0-9]{9}$"),
        "HK" => ("+852", r"^[4-9][0-9]{7}$"),
        "MO" => ("+853", r"^6[0-9]{7}$"),
        "TW" => ("+886", r"^0?9[0-9]{8}$"),
        _ => return false,
    };
    let national = digits.strip_prefix(code).unwrap_or(&digits);
    regex::Regex::new(local)
        .map(|regex| regex.is_match(national))
        .unwrap_or(false)
}
