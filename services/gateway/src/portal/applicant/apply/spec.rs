//! What the wizard reads from an application type in the agency's catalog
//! (its notice, form sections and fields, documents), how answers show,
//! and how intake's field errors read in the applicant's language.

use laissez_kit::FieldError;
use serde_json::Value;

use crate::portal::applicant::apply::texts::texts;
use crate::portal::shell::i18n::{Lang, Text};
use crate::portal::shell::site::Site;

/// One application type of the catalog.
pub struct TypeSpec<'a> {
    pub value: &'a Value,
}

impl<'a> TypeSpec<'a> {
    pub fn find(site: &'a Site, code: &str) -> Option<Self> {
        site.application_type(code).map(|value| Self { value })
    }

    pub fn code(&self) -> &'a str {
        self.value["code"].as_str().unwrap_or_default()
    }

    pub fn name(&self) -> Text {
        Text::from_json(&self.value["name"])
    }

    /// Whether the applicant may ask for express processing.
    pub fn offers_express(&self) -> bool {
        let processing = &self.value["processing"];
        processing["express_offered"].as_bool() == Some(true)
            || processing["express_working_days"].is_u64()
    }

    pub fn notice_version(&self) -> &'a str {
        self.value["notice"]["version"].as_str().unwrap_or_default()
    }

    pub fn notice_title(&self) -> Text {
        Text::from_json(&self.value["notice"]["title"])
    }

    pub fn notice_text(&self) -> Text {
        Text::from_json(&self.value["notice"]["text"])
    }

    /// Whether one may apply for someone else (a managed applicant).
    pub fn for_others(&self) -> bool {
        self.value["who_may_apply"]["relationships"]
            .as_array()
            .is_some_and(|relationships| relationships.iter().any(|r| r != "self"))
    }

    /// Whether oneself is among those the type may be filed for.
    pub fn for_self(&self) -> bool {
        self.value["who_may_apply"]["relationships"]
            .as_array()
            .is_none_or(|relationships| relationships.iter().any(|r| r == "self"))
    }

    /// The field the type looks the agency's permit records up by.
    pub fn lookup_field(&self) -> Option<&'a str> {
        self.value["record_lookup"]["by_field"].as_str()
    }

    pub fn lookup_text(&self, which: &str) -> Option<Text> {
        let text = &self.value["record_lookup"][which];
        (!text.is_null()).then(|| Text::from_json(text))
    }

    /// The field a courier delivery goes to: the `address_field` of the
    /// type's delivery field.
    pub fn courier_address_field(&self) -> Option<&'a str> {
        self.fields()
            .into_iter()
            .find(|field| field_type(field) == "delivery")?["address_field"]
            .as_str()
    }

    /// The form's sections: title and fields.
    pub fn sections(&self) -> Vec<(Text, Vec<&'a Value>)> {
        self.value["form"]
            .as_array()
            .map(|sections| {
                sections
                    .iter()
                    .map(|section| {
                        let fields = section["fields"]
                            .as_array()
                            .map(|fields| fields.iter().collect())
                            .unwrap_or_default();
                        (Text::from_json(&section["title"]), fields)
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn fields(&self) -> Vec<&'a Value> {
        self.sections()
            .into_iter()
            .flat_map(|(_, fields)| fields)
            .collect()
    }

    pub fn field(&self, code: &str) -> Option<&'a Value> {
        self.fields()
            .into_iter()
            .find(|field| field["code"] == code)
    }

    /// Everything the applicant uploads: the form's photo and signature
    /// fields first, then the documents.
    pub fn uploads(&self) -> Vec<Upload> {
        let mut uploads: Vec<Upload> = self
            .fields()
            .into_iter()
            .filter(|field| is_upload(field))
            .map(|field| Upload {
                code: field["code"].as_str().unwrap_or_default().to_owned(),
                name: Text::from_json(&field["label"]),
                required: field["required"].as_bool().unwrap_or(false),
                conditional: !field["visible_when"].is_null(),
                accepted: vec!["jpeg".to_owned(), "png".to_owned()],
                max_bytes: self.smallest_document_limit(),
                note: None,
                answers_field: true,
            })
            .collect();
        if let Some(documents) = self.value["documents"].as_array() {
            uploads.extend(documents.iter().map(|document| {
                Upload {
                    code: document["code"].as_str().unwrap_or_default().to_owned(),
                    name: Text::from_json(&document["name"]),
                    required: document["required"].as_bool().unwrap_or(false),
                    conditional: !document["when"].is_null(),
                    accepted: document["accepted"]
                        .as_array()
                        .map(|kinds| {
                            kinds
                                .iter()
                                .filter_map(|kind| kind.as_str().map(str::to_owned))
                                .collect()
                        })
                        .unwrap_or_default(),
                    max_bytes: document["max_bytes"].as_u64(),
                    note: (!document["note"].is_null()).then(|| Text::from_json(&document["note"])),
                    answers_field: false,
                }
            }));
        }
        uploads
    }

    /// Photo and signature fields take the type's strictest document limit
    /// (intake caps them at 5 MB when the type has no documents).
    fn smallest_document_limit(&self) -> Option<u64> {
        let smallest = self.value["documents"]
            .as_array()
            .and_then(|documents| {
                documents
                    .iter()
                    .filter_map(|document| document["max_bytes"].as_u64())
                    .min()
            })
            .unwrap_or(5 * 1024 * 1024);
        Some(smallest.min(5 * 1024 * 1024))
    }

    /// An eligibility rule's reason, by the rule's code.
    pub fn eligibility_reason(&self, rule: &str) -> Option<Text> {
        self.value["eligibility"]
            .as_array()?
            .iter()
            .find(|candidate| candidate["code"] == rule)
            .map(|found| Text::from_json(&found["reason"]))
    }
}

/// One thing to upload.
pub struct Upload {
    pub code: String,
    pub name: Text,
    pub required: bool,
    /// Asked for only when a rule of the catalog holds.
    pub conditional: bool,
    /// Content kinds (`jpeg`, `png`, `bmp`, `pdf`).
    pub accepted: Vec<String>,
    pub max_bytes: Option<u64>,
    pub note: Option<Text>,
    /// A photo or signature field, answered with the document's id.
    pub answers_field: bool,
}

impl Upload {
    /// The file picker's `accept`: extensions and media types.
    pub fn accept(&self) -> String {
        self.accepted
            .iter()
            .map(|kind| match kind.as_str() {
                "jpeg" => ".jpg,.jpeg,image/jpeg",
                "png" => ".png,image/png",
                "bmp" => ".bmp,image/bmp",
                "pdf" => ".pdf,application/pdf",
                _ => "",
            })
            .filter(|accept| !accept.is_empty())
            .collect::<Vec<_>>()
            .join(",")
    }

    pub fn kinds(&self) -> String {
        self.accepted
            .iter()
            .map(|kind| kind.to_ascii_uppercase())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

pub fn field_type(field: &Value) -> &str {
    field["type"].as_str().unwrap_or("text")
}

/// Photo and signature fields are answered by an upload.
pub fn is_upload(field: &Value) -> bool {
    matches!(field_type(field), "photo" | "signature")
}

pub fn field_code(field: &Value) -> &str {
    field["code"].as_str().unwrap_or_default()
}

/// An answer as the applicant reads it: a choice by its name, yes/no in
/// words, a declaration by its statement, an upload as "uploaded".
pub fn display_answer(site: &Site, field: Option<&Value>, value: &Value, lang: Lang) -> String {
    let words = texts(lang);
    let Some(field) = field else {
        return plain(value);
    };
    match (field_type(field), value) {
        ("choice", Value::String(code)) => field["code_list"]
            .as_str()
            .and_then(|list| {
                site.code_list(list)
                    .into_iter()
                    .find(|(candidate, _)| candidate == code)
            })
            .map_or_else(|| code.clone(), |(_, name)| name.get(lang).to_owned()),
        ("delivery", Value::String(code)) => site
            .catalog_delivery_name(code)
            .map_or_else(|| code.clone(), |name| name.get(lang).to_owned()),
        ("yes_no", Value::Bool(answer)) => (if *answer { words.yes } else { words.no }).to_owned(),
        ("declarations", Value::Object(chosen)) => {
            let option = chosen.get("option").and_then(Value::as_str).unwrap_or("");
            let statement = field["options"]
                .as_array()
                .and_then(|options| options.iter().find(|candidate| candidate["code"] == option))
                .map_or_else(
                    || option.to_owned(),
                    |found| Text::from_json(&found["label"]).get(lang).to_owned(),
                );
            match chosen.get("text").and_then(Value::as_str) {
                Some(text) if !text.trim().is_empty() => format!("{statement} {text}"),
                _ => statement,
            }
        }
        ("photo" | "signature", Value::String(_)) => words.uploaded.to_owned(),
        _ => plain(value),
    }
}

/// A case's answers as (label, answer) pairs, in the catalog's words.
pub fn labelled_answers(
    site: &Site,
    application_type: &str,
    answers_json: &str,
    lang: Lang,
) -> Vec<(String, String)> {
    let kind = TypeSpec::find(site, application_type);
    let answers = serde_json::from_str::<Value>(answers_json)
        .ok()
        .and_then(|value| value.as_object().cloned())
        .unwrap_or_default();
    // In the order the form asks them; answers the form no longer has last.
    let order: Vec<&str> = kind
        .as_ref()
        .map(|kind| {
            kind.fields()
                .into_iter()
                .filter_map(|field| field["code"].as_str())
                .collect()
        })
        .unwrap_or_default();
    let mut ordered: Vec<(&String, &Value)> = answers.iter().collect();
    ordered.sort_by_key(|(code, _)| {
        order
            .iter()
            .position(|known| known == code)
            .unwrap_or(usize::MAX)
    });
    ordered
        .into_iter()
        .map(|(code, value)| {
            let field = kind.as_ref().and_then(|kind| kind.field(code));
            let label = field.map_or_else(
                || code.clone(),
                |field| Text::from_json(&field["label"]).get(lang).to_owned(),
            );
            (label, display_answer(site, field, value, lang))
        })
        .collect()
}

/// A document's requirement by its name in the catalog (a photo field by
/// its label), else its code.
pub fn document_name(site: &Site, application_type: &str, requirement: &str, lang: Lang) -> String {
    site.document_name(application_type, requirement)
        .map_or_else(|| requirement.to_owned(), |name| name.get(lang).to_owned())
}

fn plain(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Where a fault of the wizard points: a field of the form page, an
/// upload of the documents page, or nowhere in particular.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    Field(String),
    Upload(String),
    Start(String),
    /// The appointment the type books before submission.
    Appointment,
    Nowhere,
}

/// One problem to show, in the applicant's language.
#[derive(Debug, Clone)]
pub struct Fault {
    pub place: Place,
    pub text: String,
}

impl Fault {
    /// The id of the element the fault is about on its own page.
    pub fn anchor(&self) -> Option<String> {
        match &self.place {
            Place::Field(code) => Some(format!("f-{code}")),
            Place::Upload(code) => Some(format!("file-{code}")),
            Place::Start(id) => Some(id.clone()),
            Place::Appointment => Some("slot".to_owned()),
            Place::Nowhere => None,
        }
    }
}

/// Intake's field errors, each named by its field's label and told in
/// the applicant's language.
pub fn faults(site: &Site, kind: &TypeSpec<'_>, errors: &[FieldError], lang: Lang) -> Vec<Fault> {
    let words = texts(lang);
    errors
        .iter()
        .map(|error| {
            let problem_text = match error.code.as_str() {
                "required" => words.p_required,
                "wrong_kind" => words.p_wrong_kind,
                "not_in_list" => words.p_not_in_list,
                "too_short" => words.p_too_short,
                "too_long" => words.p_too_long,
                "pattern" | "bad_document_format" => words.p_pattern,
                "bad_checksum" => words.p_checksum,
                "bad_birth_date" => words.p_birth_date,
                "out_of_range" => words.p_range,
                "not_an_email" => words.p_email,
                "not_a_phone" | "phone_region" => words.p_phone,
                "unknown_declaration" => words.p_declaration,
                "declaration_text" => words.p_declaration_text,
                "unknown_upload" => words.p_upload_missing,
                "read_only" => words.p_read_only,
                "unknown_field" => words.p_unknown,
                _ => words.p_other,
            };
            if let Some(code) = error.field.strip_prefix("answers.") {
                let field = kind.field(code);
                let label = field.map_or_else(
                    || code.to_owned(),
                    |field| Text::from_json(&field["label"]).get(lang).to_owned(),
                );
                let place = match field {
                    Some(field) if is_upload(field) => Place::Upload(code.to_owned()),
                    _ => Place::Field(code.to_owned()),
                };
                // A field's own checks carry the catalog's message, in the
                // language intake chose; it names the problem better.
                let text = if error.code == "check" {
                    format!("{label}: {}", error.message)
                } else {
                    format!("{label} {problem_text}")
                };
                return Fault { place, text };
            }
            if let Some(code) = error.field.strip_prefix("documents.") {
                let name = site
                    .document_name(kind.code(), code)
                    .map_or_else(|| code.to_owned(), |name| name.get(lang).to_owned());
                let problem_text = if error.code == "required" {
                    words.p_must_upload
                } else {
                    problem_text
                };
                return Fault {
                    place: Place::Upload(code.to_owned()),
                    text: format!("{name} {problem_text}"),
                };
            }
            if let Some(rule) = error.field.strip_prefix("eligibility.") {
                let reason = kind
                    .eligibility_reason(rule)
                    .map_or_else(|| error.message.clone(), |text| text.get(lang).to_owned());
                return Fault {
                    place: Place::Nowhere,
                    text: reason,
                };
            }
            match (error.field.as_str(), error.code.as_str()) {
                ("appointment", _) => Fault {
                    place: Place::Appointment,
                    text: crate::portal::applicant::appointment::texts(lang)
                        .err_book_first
                        .to_owned(),
                },
                ("notice_accepted", _) => Fault {
                    place: Place::Start("notice_accepted".into()),
                    text: words.err_notice.to_owned(),
                },
                ("permit_number", code) => {
                    let text = match code {
                        "permit_not_found" => kind.lookup_text("not_found"),
                        "account_mismatch" => kind.lookup_text("mismatch"),
                        _ => None,
                    }
                    .map_or_else(|| error.message.clone(), |text| text.get(lang).to_owned());
                    Fault {
                        place: Place::Start("permit_number".into()),
                        text,
                    }
                }
                ("applicant.name", _) => Fault {
                    place: Place::Start("applicant_name".into()),
                    text: format!("{} {problem_text}", words.applicant_name),
                },
                ("applicant.date_of_birth", _) => Fault {
                    place: Place::Start("applicant_date_of_birth".into()),
                    text: format!("{} {problem_text}", words.applicant_date_of_birth),
                },
                ("applicant.relationship" | "applicant_id", _) => Fault {
                    place: Place::Start("applicant_id".into()),
                    text: words.err_applicant.to_owned(),
                },
                _ => Fault {
                    place: Place::Nowhere,
                    text: error.message.clone(),
                },
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn site() -> Site {
        Site {
            agency: "tw-nia".into(),
            portal: "students".into(),
            agency_name: Text::same("NIA"),
            portal_name: Text::same("Students"),
            captcha: false,
            login_with: "login_name".into(),
            catalog: Arc::new(serde_json::json!({
                "code_lists": {"sex": [{"code": "male", "name": {"en": "Male", "zh-Hant": "男"}}]},
                "application_types": [{
                    "code": "t", "portal": "students",
                    "form": [{"code": "s", "title": {"en": "S"}, "fields": [
                        {"code": "photo", "type": "photo", "required": true, "label": {"en": "Photo"}},
                        {"code": "sex", "type": "choice", "code_list": "sex", "label": {"en": "Sex"}},
                        {"code": "resumed", "type": "yes_no", "label": {"en": "Resumed"}},
                        {"code": "posts", "type": "declarations", "label": {"en": "Posts"}, "options": [
                            {"code": "never", "label": {"en": "Never held one"}},
                            {"code": "held", "free_text": true, "label": {"en": "Held:"}}
                        ]}
                    ]}],
                    "documents": [{"code": "proof", "required": true, "accepted": ["jpeg", "pdf"],
                                   "max_bytes": 524287, "name": {"en": "Proof"}}],
                    "eligibility": [{"code": "window", "reason": {"en": "Too early", "zh-Hant": "太早"}}]
                }]
            })),
        }
    }

    #[test]
    fn answers_read_as_words_not_codes() {
        let site = site();
        let kind = TypeSpec::find(&site, "t").unwrap();
        let show =
            |code: &str, value: Value| display_answer(&site, kind.field(code), &value, Lang::En);
        assert_eq!(show("sex", "male".into()), "Male");
        assert_eq!(show("resumed", Value::Bool(false)), "No");
        assert_eq!(
            show(
                "posts",
                serde_json::json!({"option": "held", "text": "X bureau"})
            ),
            "Held: X bureau"
        );
        assert_eq!(show("photo", "0190-doc".into()), "Uploaded");
        assert_eq!(
            display_answer(&site, kind.field("sex"), &"male".into(), Lang::ZhHant),
            "男"
        );
    }

    #[test]
    fn answers_are_listed_in_the_forms_order() {
        let site = site();
        // Stored in alphabetical order, as JSON objects are; plus an answer
        // to a field the form no longer has.
        let stored = r#"{"old": "x", "photo": "d", "resumed": true, "sex": "male"}"#;
        let labels: Vec<String> = labelled_answers(&site, "t", stored, Lang::En)
            .into_iter()
            .map(|(label, _)| label)
            .collect();
        assert_eq!(labels, ["Photo", "Sex", "Resumed", "old"]);
    }

    #[test]
    fn times_are_shown_in_the_agencys_time_zone() {
        let mut site = site();
        let at = prost_types::Timestamp {
            seconds: 1_796_400_000, // 2026-12-04 16:00:00 UTC
            nanos: 0,
        };
        assert_eq!(
            crate::portal::applicant::parts::when(&site, Some(&at)).as_deref(),
            Some("2026-12-04 16:00 (UTC)")
        );
        site.catalog = Arc::new(serde_json::json!({"agency": {"time_zone": "Asia/Taipei"}}));
        assert_eq!(
            crate::portal::applicant::parts::when(&site, Some(&at)).as_deref(),
            Some("2026-12-05 00:00 (UTC+08:00)")
        );
    }

    #[test]
    fn uploads_are_photo_fields_then_documents() {
        let site = site();
        let kind = TypeSpec::find(&site, "t").unwrap();
        let uploads = kind.uploads();
        let codes: Vec<_> = uploads.iter().map(|upload| upload.code.as_str()).collect();
        assert_eq!(codes, ["photo", "proof"]);
        assert!(uploads[0].answers_field);
        assert_eq!(uploads[0].max_bytes, Some(524287));
        assert_eq!(
            uploads[1].accept(),
            ".jpg,.jpeg,image/jpeg,.pdf,application/pdf"
        );
    }

    #[test]
    fn intake_errors_name_the_field_in_the_applicants_language() {
        let site = site();
        let kind = TypeSpec::find(&site, "t").unwrap();
        let error = |field: &str, code: &str| FieldError::new(field, code, "english");
        let errors = [
            error("answers.sex", "required"),
            error("answers.photo", "unknown_upload"),
            error("documents.proof", "required"),
            error("eligibility.window", "not_eligible"),
        ];
        let faults = faults(&site, &kind, &errors, Lang::En);
        assert_eq!(faults[0].text, "Sex is required");
        assert_eq!(faults[0].anchor().as_deref(), Some("f-sex"));
        assert_eq!(faults[1].place, Place::Upload("photo".into()));
        assert_eq!(faults[2].text, "Proof must be uploaded");
        assert_eq!(faults[3].text, "Too early");
        assert_eq!(faults[3].anchor(), None);
    }
}
