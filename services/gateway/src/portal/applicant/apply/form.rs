//! The application form: every field of the type's form sections (the
//! photo and signature fields are uploads, on the documents page), typed
//! from the catalog, prefilled from the draft; saved as a draft.

use axum::extract::OriginalUri;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use laissez_proto::identity::v1::Address;
use laissez_proto::intake::v1::{Case, SaveDraftRequest};
use maud::{Markup, html};
use serde_json::{Map, Value};

use crate::core::Core;
use crate::core::csrf::CSRF_FORM_FIELD;
use crate::portal::applicant::apply::spec::{
    Fault, Place, TypeSpec, field_code, field_type, is_upload,
};
use crate::portal::applicant::apply::{
    answers_editable, case_page_path, fault_at, fault_summary, here, see_other, step_path, texts,
    type_of,
};
use crate::portal::applicant::parts::state_of;
use crate::portal::applicant::visit::get_case;
use crate::portal::applicant::visit::{PostedCase, Visit, layout};
use crate::portal::shell::i18n::{Lang, Text};
use crate::portal::shell::site::Site;

/// `GET …/cases/{case_id}/form`.
pub async fn form_page(
    State(core): State<Core>,
    visit: Visit,
    Path((_, _, case_id)): Path<(String, String, String)>,
    OriginalUri(uri): OriginalUri,
) -> Response {
    let case = match get_case(&core, &visit.caller, &case_id).await {
        Ok(case) => case,
        Err(status) => return visit.refused(&status).into_response(),
    };
    if !answers_editable(state_of(&case)) {
        return see_other(&case_page_path(&visit, &case.case_id, &uri));
    }
    let kind = match type_of(&visit, &uri, &case.application_type) {
        Ok(kind) => kind,
        Err(answer) => return answer,
    };
    let answers = stored_answers(&case);
    let saved = crate::portal::shell::request::query_value(&uri, "saved").as_deref() == Some("1");
    let addresses = crate::portal::applicant::addresses::for_form(&core, &visit, &kind).await;
    render(
        &core,
        &visit,
        &uri,
        StatusCode::OK,
        &case,
        &kind,
        &answers,
        &[],
        saved,
        &addresses,
    )
}

fn stored_answers(case: &Case) -> Map<String, Value> {
    serde_json::from_str::<Value>(&case.answers_json)
        .ok()
        .and_then(|value| value.as_object().cloned())
        .unwrap_or_default()
}

#[allow(clippy::too_many_arguments)]
fn render(
    core: &Core,
    visit: &Visit,
    uri: &Uri,
    status: StatusCode,
    case: &Case,
    kind: &TypeSpec<'_>,
    answers: &Map<String, Value>,
    faults: &[Fault],
    saved: bool,
    addresses: &[Address],
) -> Response {
    let lang = visit.language.lang;
    let words = texts(lang);
    let action = step_path(visit, &case.case_id, "form", uri);
    let offered = Offered {
        deliveries: visit.site.delivery_options(kind.code()),
        addresses,
        address_field: kind.courier_address_field(),
    };
    let content = html! {
        (fault_summary(lang, faults, |fault| match &fault.place {
            Place::Upload(_) => Some(format!("{}#upload-{}", step_path(visit, &case.case_id, "documents", uri),
                fault.anchor().unwrap_or_default().trim_start_matches("file-"))),
            _ => here(fault),
        }))
        @if saved {
            p.notice role="status" { (words.saved) }
        }
        h2 { (kind.name().get(lang)) }
        form #answers method="post" action=(action) novalidate {
            input type="hidden" name=(CSRF_FORM_FIELD) value=(core.csrf_token(visit.caller.session_token()));
            @for (title, fields) in kind.sections() {
                @let shown: Vec<_> = fields.into_iter().filter(|field| !is_upload(field)).collect();
                @if !shown.is_empty() {
                    fieldset.section {
                        legend { (title.get(lang)) }
                        @for field in shown {
                            (input(&visit.site, lang, field, &offered, answers.get(field_code(field)),
                                case.read_only_fields.iter().any(|code| code == field_code(field)), faults))
                        }
                    }
                }
            }
            @if kind.offers_express() {
                fieldset.section #express-choice {
                    legend { (words.express) }
                    div.field.checkbox {
                        input #express type="checkbox" name="express" value="1" checked[case.express] aria-describedby="express-hint";
                        label for="express" { (words.express) }
                        p.help #express-hint { (words.express_hint) }
                    }
                }
            }
            div.actions {
                button.secondary #save-draft type="submit" name="action" value="save" { (words.save_draft) }
                button.primary #to-documents type="submit" name="action" value="next" { (words.to_documents) }
            }
        }
        p { a href=(case_page_path(visit, &case.case_id, uri)) { (words.back_to_case) } }
    };
    layout(core, visit, uri, status, words.form_title, content)
}

/// The label of a field: its name, and whether it may be left out.
fn label_text(field: &Value, lang: Lang) -> String {
    let words = texts(lang);
    let mut label = Text::from_json(&field["label"]).get(lang).to_owned();
    if !field["visible_when"].is_null() {
        label.push_str(words.if_applicable);
    } else if field["required"].as_bool() != Some(true) && field["required_when"].is_null() {
        label.push_str(words.optional);
    }
    label
}

/// What the form offers to choose from besides the catalog's code lists:
/// the type's delivery options, and the account's saved addresses for the
/// field a courier delivery goes to.
struct Offered<'a> {
    deliveries: Vec<(String, Text)>,
    addresses: &'a [Address],
    address_field: Option<&'a str>,
}

/// One field as the catalog types it.
fn input(
    site: &Site,
    lang: Lang,
    field: &Value,
    offered: &Offered<'_>,
    value: Option<&Value>,
    read_only: bool,
    faults: &[Fault],
) -> Markup {
    let Offered {
        deliveries,
        addresses,
        address_field,
    } = offered;
    let addresses: &[Address] = if *address_field == Some(field_code(field)) {
        addresses
    } else {
        &[]
    };
    let words = texts(lang);
    let code = field_code(field);
    let id = format!("f-{code}");
    let fault = fault_at(faults, &id);
    let help = (!field["help"].is_null()).then(|| Text::from_json(&field["help"]));
    let mut described = Vec::new();
    if help.is_some() {
        described.push(format!("{id}-help"));
    }
    if read_only {
        described.push(format!("{id}-readonly"));
    }
    if fault.is_some() {
        described.push(format!("{id}-error"));
    }
    let described = (!described.is_empty()).then(|| described.join(" "));
    let label = label_text(field, lang);
    let text_value = match value {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Number(number)) => number.to_string(),
        _ => String::new(),
    };
    let notes = html! {
        @if let Some(help) = &help { p.help id=(format!("{id}-help")) { (help.get(lang)) } }
        @if read_only { p.help id=(format!("{id}-readonly")) { (words.from_records) } }
        @if let Some(fault) = fault { p.error-message id=(format!("{id}-error")) { (fault.text) } }
    };
    let kind = field_type(field);
    if read_only {
        let shown = value
            .map(|value| {
                crate::portal::applicant::apply::spec::display_answer(
                    site,
                    Some(field),
                    value,
                    lang,
                )
            })
            .unwrap_or_default();
        return html! {
            div.field {
                label for=(id) { (label) }
                (notes)
                input id=(id) type="text" value=(shown) readonly aria-describedby=[described.as_deref()];
            }
        };
    }
    match kind {
        "choice" | "delivery" => {
            let options = if kind == "delivery" {
                deliveries.to_vec()
            } else {
                field["code_list"]
                    .as_str()
                    .map(|list| site.code_list(list))
                    .unwrap_or_default()
            };
            html! {
                div.field.field-error[fault.is_some()] {
                    label for=(id) { (label) }
                    (notes)
                    select id=(id) name=(id) aria-describedby=[described.as_deref()]
                        aria-invalid=[fault.map(|_| "true")] {
                        option value="" { (words.choose) }
                        @for (option, name) in &options {
                            option value=(option) selected[*option == text_value] { (name.get(lang)) }
                        }
                    }
                }
            }
        }
        "yes_no" => {
            let chosen = value.and_then(Value::as_bool);
            html! {
                fieldset.field.radios.field-error[fault.is_some()] id=(id)
                    aria-describedby=[described.as_deref()] {
                    legend { (label) }
                    (notes)
                    div.radio {
                        input id=(format!("{id}-yes")) type="radio" name=(id) value="yes" checked[chosen == Some(true)];
                        label for=(format!("{id}-yes")) { (words.yes) }
                    }
                    div.radio {
                        input id=(format!("{id}-no")) type="radio" name=(id) value="no" checked[chosen == Some(false)];
                        label for=(format!("{id}-no")) { (words.no) }
                    }
                }
            }
        }
        "declarations" => {
            let chosen = value
                .and_then(|value| value.get("option"))
                .and_then(Value::as_str)
                .unwrap_or_default();
            let chosen_text = value
                .and_then(|value| value.get("text"))
                .and_then(Value::as_str)
                .unwrap_or_default();
            let options = field["options"].as_array().cloned().unwrap_or_default();
            html! {
                fieldset.field.radios.field-error[fault.is_some()] id=(id)
                    aria-describedby=[described.as_deref()] {
                    legend { (label) }
                    (notes)
                    @for option in &options {
                        @let option_code = option["code"].as_str().unwrap_or_default();
                        @let option_id = format!("{id}-{option_code}");
                        div.radio {
                            input id=(option_id) type="radio" name=(id) value=(option_code) checked[option_code == chosen];
                            label for=(option_id) { (Text::from_json(&option["label"]).get(lang)) }
                        }
                        @if option["free_text"].as_bool() == Some(true) {
                            @let text_id = format!("{option_id}-text");
                            div.field.nested {
                                label for=(text_id) { (words.describe) }
                                input id=(text_id) name=(text_id) type="text"
                                    value=(if option_code == chosen { chosen_text } else { "" });
                            }
                        }
                    }
                }
            }
        }
        _ => {
            let (input_type, autocomplete) = match kind {
                "date" => ("date", "off"),
                "email" => ("email", "email"),
                "phone" => ("tel", "tel"),
                "number" => ("text", "off"),
                _ => ("text", "off"),
            };
            let numeric = (kind == "number").then_some("decimal");
            let max_length = field["max_length"].as_u64().map(|max| max.to_string());
            html! {
                div.field.field-error[fault.is_some()] {
                    label for=(id) { (label) }
                    (notes)
                    @if kind == "address" {
                        textarea id=(id) name=(id) rows="2" aria-describedby=[described.as_deref()]
                            aria-invalid=[fault.map(|_| "true")] { (text_value) }
                        @if !addresses.is_empty() {
                            @let saved_id = format!("{id}-saved");
                            div.field.nested {
                                label for=(saved_id) { (words.saved_address) }
                                select id=(saved_id) name=(saved_id) {
                                    option value="" { (words.keep_typed) }
                                    @for address in addresses {
                                        @let text = crate::portal::applicant::addresses::as_text(address);
                                        option value=(text) { (text.replace('\n', ", ")) }
                                    }
                                }
                                p.help { a href=(format!("{}addresses", site.base_path())) { (words.manage_addresses) } }
                            }
                        }
                    } @else {
                        input id=(id) name=(id) type=(input_type) value=(text_value)
                            autocomplete=(autocomplete) inputmode=[numeric] maxlength=[max_length]
                            aria-describedby=[described.as_deref()]
                            aria-invalid=[fault.map(|_| "true")];
                    }
                }
            }
        }
    }
}

/// The posted form as typed answers: the draft's answers with every
/// editable, non-upload field replaced by what was sent (an empty value
/// clears it). Numbers that are not numbers are the wizard's own faults.
fn answers_from(
    kind: &TypeSpec<'_>,
    case: &Case,
    posted: &[(String, String)],
    lang: Lang,
) -> (Map<String, Value>, Vec<Fault>) {
    let words = texts(lang);
    let get = |name: &str| {
        posted
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.trim())
            .unwrap_or_default()
    };
    let mut answers = stored_answers(case);
    let mut faults = Vec::new();
    for field in kind.fields() {
        let code = field_code(field);
        if is_upload(field)
            || case
                .read_only_fields
                .iter()
                .any(|read_only| read_only == code)
        {
            continue;
        }
        let id = format!("f-{code}");
        // A saved address chosen from the address book takes the place
        // of what was typed.
        let chosen = if kind.courier_address_field() == Some(code) {
            get(&format!("{id}-saved"))
        } else {
            ""
        };
        let sent = if chosen.is_empty() { get(&id) } else { chosen };
        answers.remove(code);
        if sent.is_empty() {
            continue;
        }
        let value = match field_type(field) {
            "yes_no" => match sent {
                "yes" => Value::Bool(true),
                "no" => Value::Bool(false),
                _ => continue,
            },
            // A whole number stays whole ("10", not "10.0", on every
            // page that shows it).
            "number" => match sent
                .parse::<i64>()
                .map(serde_json::Number::from)
                .ok()
                .or_else(|| {
                    sent.parse::<f64>()
                        .ok()
                        .and_then(serde_json::Number::from_f64)
                }) {
                Some(number) => Value::Number(number),
                None => {
                    let label = Text::from_json(&field["label"]).get(lang).to_owned();
                    faults.push(Fault {
                        place: Place::Field(code.to_owned()),
                        text: format!("{label}: {}", words.err_number),
                    });
                    Value::String(sent.to_owned())
                }
            },
            "declarations" => {
                let text = get(&format!("{id}-{sent}-text"));
                let mut chosen = Map::new();
                chosen.insert("option".into(), Value::String(sent.to_owned()));
                if !text.is_empty() {
                    chosen.insert("text".into(), Value::String(text.to_owned()));
                }
                Value::Object(chosen)
            }
            _ => Value::String(sent.to_owned()),
        };
        answers.insert(code.to_owned(), value);
    }
    (answers, faults)
}

/// `POST …/cases/{case_id}/form`: saves the draft; "next" goes on to
/// the documents.
pub async fn save_form(
    State(core): State<Core>,
    OriginalUri(uri): OriginalUri,
    PostedCase(visit, case, posted): PostedCase<Vec<(String, String)>>,
) -> Response {
    if !answers_editable(state_of(&case)) {
        return see_other(&case_page_path(&visit, &case.case_id, &uri));
    }
    let kind = match type_of(&visit, &uri, &case.application_type) {
        Ok(kind) => kind,
        Err(answer) => return answer,
    };
    let lang = visit.language.lang;
    let (answers, faults) = answers_from(&kind, &case, &posted, lang);
    let addresses = crate::portal::applicant::addresses::for_form(&core, &visit, &kind).await;
    let form_uri: Uri = step_path(&visit, &case.case_id, "form", &uri)
        .parse()
        .unwrap_or_else(|_| uri.clone());
    let again = |faults: &[Fault]| {
        render(
            &core,
            &visit,
            &form_uri,
            StatusCode::UNPROCESSABLE_ENTITY,
            &case,
            &kind,
            &answers,
            faults,
            false,
            &addresses,
        )
    };
    if !faults.is_empty() {
        return again(&faults);
    }
    // The express box where the type offers it; otherwise whatever the
    // draft has (nothing to choose).
    let express = if kind.offers_express() {
        posted
            .iter()
            .any(|(key, value)| key == "express" && value == "1")
    } else {
        case.express
    };
    let saved = core
        .upstreams
        .intake()
        .save_draft(core.upstreams.request(
            SaveDraftRequest {
                case_id: case.case_id.clone(),
                answers_json: Value::Object(answers.clone()).to_string(),
                express,
            },
            Some(visit.caller.token()),
        ))
        .await;
    match saved {
        Ok(_) => {
            let next = posted
                .iter()
                .any(|(key, value)| key == "action" && value == "next");
            if next {
                see_other(&step_path(&visit, &case.case_id, "documents", &uri))
            } else {
                see_other(&crate::portal::applicant::apply::step_path_with(
                    &visit,
                    &case.case_id,
                    "form",
                    &uri,
                    "saved=1",
                ))
            }
        }
        Err(status) if status.code() == tonic::Code::InvalidArgument => {
            let problem = laissez_kit::Problem::from_status(&status);
            again(&crate::portal::applicant::apply::spec::faults(
                &visit.site,
                &kind,
                &problem.errors,
                lang,
            ))
        }
        Err(status) if status.code() == tonic::Code::FailedPrecondition => {
            see_other(&case_page_path(&visit, &case.case_id, &uri))
        }
        Err(status) => visit.refused(&status).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::portal::shell::i18n::Text;

    #[test]
    fn posted_values_become_typed_answers() {
        let site = Site {
            agency: "a".into(),
            portal: "p".into(),
            agency_name: Text::same("A"),
            portal_name: Text::same("P"),
            captcha: false,
            login_with: "login_name".into(),
            catalog: Arc::new(
                serde_json::json!({"application_types": [{"code": "t", "form": [
                    {"code": "s", "fields": [
                        {"code": "photo", "type": "photo"},
                        {"code": "school", "type": "text", "read_only": true},
                        {"code": "resumed", "type": "yes_no"},
                        {"code": "height", "type": "number"},
                        {"code": "pages", "type": "number"},
                        {"code": "posts", "type": "declarations", "options": [{"code": "held", "free_text": true}]},
                        {"code": "note", "type": "text"}
                    ]}
                ]}]}),
            ),
        };
        let kind = TypeSpec::find(&site, "t").unwrap();
        let case = Case {
            answers_json: r#"{"photo": "doc-1", "school": "NTU", "note": "old"}"#.into(),
            read_only_fields: vec!["school".into()],
            ..Case::default()
        };
        let posted: Vec<(String, String)> = [
            ("f-school", "forged"),
            ("f-resumed", "no"),
            ("f-height", "172.5"),
            ("f-pages", "10"),
            ("f-posts", "held"),
            ("f-posts-held-text", " Bureau "),
            ("f-note", ""),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let (answers, faults) = answers_from(&kind, &case, &posted, Lang::En);
        assert!(faults.is_empty());
        assert_eq!(
            Value::Object(answers),
            serde_json::json!({
                "photo": "doc-1", "school": "NTU", "resumed": false, "height": 172.5,
                "pages": 10, "posts": {"option": "held", "text": "Bureau"}
            })
        );
        assert_eq!(
            answers_from(&kind, &case, &posted, Lang::En).0["pages"].to_string(),
            "10"
        );
        let posted = vec![("f-height".to_owned(), "tall".to_owned())];
        let (_, faults) = answers_from(&kind, &case, &posted, Lang::En);
        assert_eq!(faults[0].place, Place::Field("height".into()));
    }
}
