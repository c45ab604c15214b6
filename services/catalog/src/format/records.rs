//! `records` in `agency.yaml`: the declared shape of the agency's permit
//! records, which rules read as `record.<field>`, forms prefill from
//! (`prefill_from: record.<field>`) and every import is checked against.

use super::{CodeItem, LocalizedText};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The shapes of the agency's records.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordShapes {
    /// The fields of a permit record. An agency that declares none keeps
    /// no fields beside the permit number and its holder.
    #[serde(default)]
    pub permit: Vec<RecordField>,
}

impl RecordShapes {
    pub fn permit_field(&self, code: &str) -> Option<&RecordField> {
        self.permit.iter().find(|field| field.code == code)
    }
}

/// Record fields with a meaning the platform itself relies on: what the
/// holder's records say they hold (`holds_valid(kind)` in rules).
pub const PERMIT_KIND_FIELD: &str = "permit_kind";
pub const PERMIT_EXPIRY_FIELD: &str = "expires_on";

/// One field of a record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordField {
    pub code: String,
    #[serde(rename = "type")]
    pub kind: RecordFieldKind,
    /// For `choice`: the code list (in `agency.yaml`) its values come from.
    #[serde(default)]
    pub code_list: Option<String>,
    /// Every imported record must give it.
    #[serde(default)]
    pub required: bool,
    /// What the field means, for the staff who import records.
    pub meaning: LocalizedText,
}

/// What a record field holds. An unknown name is kept so the loader can
/// report it with its line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum RecordFieldKind {
    Text,
    Date,
    Boolean,
    Number,
    Choice,
    Unknown(String),
}

impl RecordFieldKind {
    pub const NAMES: [&'static str; 5] = ["text", "date", "boolean", "number", "choice"];

    pub fn name(&self) -> &str {
        match self {
            RecordFieldKind::Text => "text",
            RecordFieldKind::Date => "date",
            RecordFieldKind::Boolean => "boolean",
            RecordFieldKind::Number => "number",
            RecordFieldKind::Choice => "choice",
            RecordFieldKind::Unknown(name) => name,
        }
    }
}

impl From<String> for RecordFieldKind {
    fn from(name: String) -> RecordFieldKind {
        match name.as_str() {
            "text" => RecordFieldKind::Text,
            "date" => RecordFieldKind::Date,
            "boolean" => RecordFieldKind::Boolean,
            "number" => RecordFieldKind::Number,
            "choice" => RecordFieldKind::Choice,
            _ => RecordFieldKind::Unknown(name),
        }
    }
}

impl From<RecordFieldKind> for String {
    fn from(kind: RecordFieldKind) -> String {
        kind.name().to_owned()
    }
}

/// Why an imported value does not fit its field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordValueError {
    #[error("not a field of the agency's permit records (declared: {0})")]
    Undeclared(String),
    #[error("required")]
    Missing,
    #[error("`{0}` is not a date (YYYY-MM-DD)")]
    NotDate(String),
    #[error("`{0}` is not true or false")]
    NotBoolean(String),
    #[error("`{0}` is not a whole number")]
    NotNumber(String),
    #[error("`{value}` is not in the code list `{list}`")]
    NotInList { value: String, list: String },
}

impl RecordField {
    /// The imported text as the typed value rules compare: a date stays an
    /// ISO string (so it compares with `<`), a boolean and a number become
    /// JSON's own.
    pub fn value(
        &self,
        raw: &str,
        code_lists: &BTreeMap<String, Vec<CodeItem>>,
    ) -> Result<serde_json::Value, RecordValueError> {
        let text = raw.trim();
        match &self.kind {
            RecordFieldKind::Text | RecordFieldKind::Unknown(_) => {
                Ok(serde_json::Value::String(raw.to_owned()))
            }
            RecordFieldKind::Date => chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map(|date| serde_json::Value::String(date.to_string()))
                .map_err(|_| RecordValueError::NotDate(text.to_owned())),
            RecordFieldKind::Boolean => match text {
                "true" => Ok(serde_json::Value::Bool(true)),
                "false" => Ok(serde_json::Value::Bool(false)),
                _ => Err(RecordValueError::NotBoolean(text.to_owned())),
            },
            RecordFieldKind::Number => text
                .parse::<i64>()
                .map(serde_json::Value::from)
                .map_err(|_| RecordValueError::NotNumber(text.to_owned())),
            RecordFieldKind::Choice => {
                let list = self.code_list.as_deref().unwrap_or_default();
                let known = code_lists
                    .get(list)
                    .is_some_and(|items| items.iter().any(|item| item.code == text));
                if known {
                    Ok(serde_json::Value::String(text.to_owned()))
                } else {
                    Err(RecordValueError::NotInList {
                        value: text.to_owned(),
                        list: list.to_owned(),
                    })
                }
            }
        }
    }
}

impl RecordShapes {
    /// An imported permit record's fields, typed by the declared shape; the
    /// errors name each field that does not fit (an empty value counts as
    /// not given).
    pub fn permit_values(
        &self,
        fields: impl IntoIterator<Item = (String, String)>,
        code_lists: &BTreeMap<String, Vec<CodeItem>>,
    ) -> Result<serde_json::Map<String, serde_json::Value>, Vec<(String, RecordValueError)>> {
        let mut values = serde_json::Map::new();
        let mut errors = Vec::new();
        for (code, raw) in fields {
            let Some(field) = self.permit_field(&code) else {
                let declared: Vec<&str> = self
                    .permit
                    .iter()
                    .map(|field| field.code.as_str())
                    .collect();
                errors.push((code, RecordValueError::Undeclared(declared.join(", "))));
                continue;
            };
            if raw.trim().is_empty() {
                continue;
            }
            match field.value(&raw, code_lists) {
                Ok(value) => {
                    values.insert(code, value);
                }
                Err(error) => errors.push((code, error)),
            }
        }
        for field in self.permit.iter().filter(|field| field.required) {
            if !values.contains_key(&field.code)
                && !errors.iter().any(|(code, _)| *code == field.code)
            {
                errors.push((field.code.clone(), RecordValueError::Missing));
            }
        }
        if errors.is_empty() {
            Ok(values)
        } else {
            Err(errors)
        }
    }
}
