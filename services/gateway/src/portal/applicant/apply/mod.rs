//! The application wizard, generated from the agency's catalog: the
//! portal's application types → the type's notice (accepted), who the
//! application is for and, where the type needs one, the existing permit
//! number looked up in the agency's records → the form, section by
//! section → the uploads (with progress where scripts run) → the check
//! page → submission → the receipt number.
//!
//! Intake holds the draft between steps, so the applicant can leave and
//! come back (the case page links back into the wizard). Intake also judges
//! everything: the wizard only turns form values into typed answers and
//! intake's field errors into sentences in the applicant's language, each
//! linked to its field.

mod check;
mod documents;
mod form;
pub mod spec;
pub(crate) mod texts;

use axum::extract::OriginalUri;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use laissez_proto::identity::v1::{Applicant, ListApplicantsRequest};
use laissez_proto::intake::v1::{ApplicantData, CaseState, StartApplicationRequest};
use maud::{Markup, html};
use serde::Deserialize;

pub use check::{check_page, receipt_page, submit};
pub use documents::{delete_document, documents_page, upload};
pub use form::{form_page, save_form};
use spec::{Fault, Place, TypeSpec};
pub use texts::texts;

use crate::api::applicant::fill_applicant;
use crate::core::csrf::CSRF_FORM_FIELD;
use crate::core::problem::ApiError;
use crate::core::{Caller, Core};
use crate::portal::applicant::parts::case_path;
use crate::portal::applicant::visit::{Posted, Visit, layout};
use crate::portal::shell::i18n::{Lang, Text};
use crate::portal::shell::page::{lang_suffix, lookup_failed, unavailable};
use crate::portal::shell::site::Lookup;

/// The errors at the top of a page: announced, focusable, each a link to
/// its field (`href` says where a fault's field is, from this page).
fn fault_summary(lang: Lang, faults: &[Fault], href: impl Fn(&Fault) -> Option<String>) -> Markup {
    html! {
        @if !faults.is_empty() {
            div.error-summary role="alert" aria-labelledby="error-summary-title" tabindex="-1" {
                h2 #error-summary-title { (lang.messages().error_summary) }
                ul {
                    @for fault in faults {
                        li {
                            @if let Some(target) = href(fault) {
                                a href=(target) { (fault.text) }
                            } @else {
                                (fault.text)
                            }
                        }
                    }
                }
            }
        }
    }
}

/// On the page that has the fault's field: a link to it.
fn here(fault: &Fault) -> Option<String> {
    fault.anchor().map(|anchor| format!("#{anchor}"))
}

/// The fault shown next to the element `id`, if any.
fn fault_at<'a>(faults: &'a [Fault], id: &str) -> Option<&'a Fault> {
    faults
        .iter()
        .find(|fault| fault.anchor().as_deref() == Some(id))
}

fn see_other(target: &str) -> Response {
    Redirect::to(target).into_response()
}

/// A wizard page of a case: its address under the case.
fn step_path(visit: &Visit, case_id: &str, step: &str, uri: &Uri) -> String {
    format!(
        "{}cases/{case_id}/{step}{}",
        visit.site.base_path(),
        lang_suffix(uri)
    )
}

/// A wizard page of a case with `extra` added to its query
/// (`uploaded=photo`, `saved=1`, …).
fn step_path_with(visit: &Visit, case_id: &str, step: &str, uri: &Uri, extra: &str) -> String {
    let path = step_path(visit, case_id, step, uri);
    let joiner = if path.contains('?') { '&' } else { '?' };
    format!("{path}{joiner}{extra}")
}

/// A query value of a page's own address.
fn case_page_path(visit: &Visit, case_id: &str, uri: &Uri) -> String {
    format!("{}{}", case_path(&visit.site, case_id), lang_suffix(uri))
}

/// Answers may change: a draft, or a case returned for correction.
fn answers_editable(state: CaseState) -> bool {
    matches!(state, CaseState::Draft | CaseState::ReturnedForCorrection)
}

/// Documents may be added or removed: as above, or returned for supplement.
fn documents_editable(state: CaseState) -> bool {
    answers_editable(state) || state == CaseState::ReturnedForSupplement
}

/// The application type of a case, or the not-found page when the current
/// catalog no longer offers it on this portal.
// The refusal is the handler's answer, returned at once.
#[allow(clippy::result_large_err)]
fn type_of<'a>(visit: &'a Visit, uri: &Uri, code: &str) -> Result<TypeSpec<'a>, Response> {
    TypeSpec::find(&visit.site, code)
        .filter(|kind| kind.value["portal"] == visit.site.portal.as_str())
        .ok_or_else(|| lookup_failed(visit.language, uri, Lookup::NotFound))
}

// ------------------------------------------------------------- the types

/// `GET /portal/{agency}/{portal}/apply`: what can be applied for here.
pub async fn types_page(
    State(core): State<Core>,
    visit: Visit,
    OriginalUri(uri): OriginalUri,
) -> Response {
    let lang = visit.language.lang;
    let words = texts(lang);
    let base = visit.site.base_path();
    let suffix = lang_suffix(&uri);
    let types = visit.site.portal_types();
    let content = html! {
        p { (words.apply_intro) }
        @if types.is_empty() {
            p { (words.no_types) }
        } @else {
            ul.application-types {
                @for kind in &types {
                    @let code = kind["code"].as_str().unwrap_or_default();
                    li {
                        a.button.primary id=(format!("apply-{code}")) href=(format!("{base}apply/{code}{suffix}")) {
                            (Text::from_json(&kind["name"]).get(lang))
                        }
                        @if !kind["processing"]["note"].is_null() {
                            p.help { (Text::from_json(&kind["processing"]["note"]).get(lang)) }
                        }
                    }
                }
            }
        }
    };
    layout(&core, &visit, &uri, StatusCode::OK, words.apply, content)
}

// ------------------------------------------------------------- the start

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct StartForm {
    csrf_token: String,
    notice_accepted: Option<String>,
    applicant_id: String,
    permit_number: String,
    /// Sent only when the page asked for them (identity had none).
    applicant_name: Option<String>,
    applicant_date_of_birth: Option<String>,
}

impl StartForm {
    fn applicant_name(&self) -> &str {
        self.applicant_name.as_deref().unwrap_or_default()
    }

    fn applicant_date_of_birth(&self) -> &str {
        self.applicant_date_of_birth.as_deref().unwrap_or_default()
    }

    /// The page this form came from asked for the name and birth date.
    fn asked_for_the_person(&self) -> bool {
        self.applicant_name.is_some() || self.applicant_date_of_birth.is_some()
    }
}

/// The longest value of a start form's text field the wizard passes on.
const MAX_START_TEXT: usize = 200;

/// `GET …/apply/{application_type}`: the notice and the first questions.
pub async fn start_page(
    State(core): State<Core>,
    visit: Visit,
    Path((_, _, code)): Path<(String, String, String)>,
    OriginalUri(uri): OriginalUri,
) -> Response {
    let kind = match type_of(&visit, &uri, &code) {
        Ok(kind) => kind,
        Err(answer) => return answer,
    };
    let managed = match managed_applicants(&core, &visit.caller, &kind).await {
        Ok(managed) => managed,
        Err(()) => return unavailable(visit.language, &uri, Some(&visit.site)),
    };
    let ask_person = holder_incomplete(&core, &visit.caller).await;
    render_start(
        &core,
        &visit,
        &uri,
        StatusCode::OK,
        &kind,
        &managed,
        &StartForm::default(),
        &[],
        ask_person,
    )
}

/// Whether identity lacks the account holder's name or date of birth (some
/// portals do not ask for them at registration): the start form asks then.
async fn holder_incomplete(core: &Core, caller: &Caller) -> bool {
    let mut probe = StartApplicationRequest::default();
    match fill_applicant(core, caller, &mut probe).await {
        Ok(()) => probe.applicant.is_none_or(|holder| {
            holder.name.trim().is_empty() || holder.date_of_birth.trim().is_empty()
        }),
        Err(_) => false,
    }
}

/// The account's managed applicants, when the type may be filed for them.
async fn managed_applicants(
    core: &Core,
    caller: &Caller,
    kind: &TypeSpec<'_>,
) -> Result<Vec<Applicant>, ()> {
    if !kind.for_others() {
        return Ok(Vec::new());
    }
    core.upstreams
        .identity()
        .list_applicants(
            core.upstreams
                .request(ListApplicantsRequest {}, Some(caller.token())),
        )
        .await
        .map(|answer| answer.into_inner().applicants)
        .map_err(|status| {
            tracing::warn!(code = ?status.code(), "managed applicants could not be read");
        })
}

#[allow(clippy::too_many_arguments)]
fn render_start(
    core: &Core,
    visit: &Visit,
    uri: &Uri,
    status: StatusCode,
    kind: &TypeSpec<'_>,
    managed: &[Applicant],
    form: &StartForm,
    faults: &[Fault],
    ask_person: bool,
) -> Response {
    let lang = visit.language.lang;
    let words = texts(lang);
    let action = format!(
        "{}apply/{}{}",
        visit.site.base_path(),
        kind.code(),
        lang_suffix(uri)
    );
    let lookup_label = kind.lookup_field().map(|field| {
        kind.field(field).map_or_else(
            || Text::same(field),
            |found| Text::from_json(&found["label"]),
        )
    });
    // Asked only when identity has no name or date of birth to give.
    let ask_person = ask_person
        || faults
            .iter()
            .any(|fault| matches!(&fault.place, Place::Start(id) if id.starts_with("applicant_")))
        || form.asked_for_the_person();
    let notice_fault = fault_at(faults, "notice_accepted");
    let applicant_fault = fault_at(faults, "applicant_id");
    let text_input = |id: &'static str, label: &str, value: &str, help: Option<&str>| {
        let fault = fault_at(faults, id);
        html! {
            div.field.field-error[fault.is_some()] {
                label for=(id) { (label) }
                @if let Some(help) = help { p.help id=(format!("{id}-help")) { (help) } }
                @if let Some(fault) = fault { p.error-message id=(format!("{id}-error")) { (fault.text) } }
                input id=(id) name=(id) type="text" value=(value) autocomplete="off"
                    aria-describedby=[fault.map(|_| format!("{id}-error"))]
                    aria-invalid=[fault.map(|_| "true")];
            }
        }
    };
    let content = html! {
        (fault_summary(lang, faults, here))
        h2 { (kind.name().get(lang)) }
        section #notice aria-labelledby="notice-title" {
            h3 #notice-title { (kind.notice_title().get(lang)) }
            p.notice-text { (kind.notice_text().get(lang)) }
            p.meta { (words.notice_version) " " (kind.notice_version()) }
        }
        form #start method="post" action=(action) novalidate {
            input type="hidden" name=(CSRF_FORM_FIELD) value=(core.csrf_token(visit.caller.session_token()));
            div.field.checkbox.field-error[notice_fault.is_some()] {
                @if let Some(fault) = notice_fault {
                    p.error-message #notice_accepted-error { (fault.text) }
                }
                input #notice_accepted type="checkbox" name="notice_accepted" value="1"
                    checked[form.notice_accepted.is_some()]
                    aria-describedby=[notice_fault.map(|_| "notice_accepted-error")]
                    aria-invalid=[notice_fault.map(|_| "true")];
                label for="notice_accepted" { (words.notice_accept) }
            }
            @if kind.for_others() {
                div.field.field-error[applicant_fault.is_some()] {
                    label for="applicant_id" { (words.applicant_for) }
                    @if let Some(fault) = applicant_fault {
                        p.error-message #applicant_id-error { (fault.text) }
                    }
                    select #applicant_id name="applicant_id"
                        aria-describedby=[applicant_fault.map(|_| "applicant_id-error")]
                        aria-invalid=[applicant_fault.map(|_| "true")] {
                        @if kind.for_self() {
                            option value="" { (words.myself) }
                        }
                        @for person in managed {
                            option value=(person.applicant_id) selected[person.applicant_id == form.applicant_id] {
                                (person.surname) (person.given_name)
                            }
                        }
                    }
                }
            }
            @if let Some(label) = &lookup_label {
                @let hint = kind.lookup_text("hint");
                (text_input(
                    "permit_number",
                    label.get(lang),
                    &form.permit_number,
                    Some(hint.as_ref().map_or(words.permit_help, |hint| hint.get(lang))),
                ))
            }
            @if ask_person {
                (text_input("applicant_name", words.applicant_name, form.applicant_name(), None))
                (text_input("applicant_date_of_birth", words.applicant_date_of_birth, form.applicant_date_of_birth(), None))
            }
            div.actions { button.primary #start-submit type="submit" { (words.start) } }
        }
    };
    layout(core, visit, uri, status, words.start_title, content)
}

/// `POST …/apply/{application_type}`: starts the application (intake
/// checks the notice, who it is for and the permit number) and goes on to
/// its form.
pub async fn start(
    State(core): State<Core>,
    Path((_, _, code)): Path<(String, String, String)>,
    OriginalUri(uri): OriginalUri,
    Posted(visit, form): Posted<StartForm>,
) -> Response {
    let kind = match type_of(&visit, &uri, &code) {
        Ok(kind) => kind,
        Err(answer) => return answer,
    };
    let managed = match managed_applicants(&core, &visit.caller, &kind).await {
        Ok(managed) => managed,
        Err(()) => return unavailable(visit.language, &uri, Some(&visit.site)),
    };
    let lang = visit.language.lang;
    let words = texts(lang);
    let refuse = |faults: Vec<Fault>| {
        render_start(
            &core,
            &visit,
            &uri,
            StatusCode::UNPROCESSABLE_ENTITY,
            &kind,
            &managed,
            &form,
            &faults,
            // The form carries the name and birth date if the page asked.
            false,
        )
    };
    let mut faults = Vec::new();
    if form.notice_accepted.is_none() {
        faults.push(Fault {
            place: Place::Start("notice_accepted".into()),
            text: words.err_notice.to_owned(),
        });
    }
    let applicant_id = if kind.for_others() {
        form.applicant_id.trim().to_owned()
    } else {
        String::new()
    };
    let chosen_known = applicant_id.is_empty()
        || managed
            .iter()
            .any(|person| person.applicant_id == applicant_id);
    if !chosen_known || (applicant_id.is_empty() && !kind.for_self()) {
        faults.push(Fault {
            place: Place::Start("applicant_id".into()),
            text: words.err_applicant.to_owned(),
        });
    }
    let too_long = |text: &str| text.chars().count() > MAX_START_TEXT;
    for (id, value, label) in [
        (
            "permit_number",
            form.permit_number.as_str(),
            kind.lookup_field().unwrap_or("permit_number"),
        ),
        (
            "applicant_name",
            form.applicant_name(),
            words.applicant_name,
        ),
        (
            "applicant_date_of_birth",
            form.applicant_date_of_birth(),
            words.applicant_date_of_birth,
        ),
    ] {
        if too_long(value) {
            faults.push(Fault {
                place: Place::Start(id.into()),
                text: format!("{label} {}", words.p_too_long),
            });
        }
    }
    if !faults.is_empty() {
        return refuse(faults);
    }
    let mut request = StartApplicationRequest {
        application_type: kind.code().to_owned(),
        applicant_id,
        notice_version: kind.notice_version().to_owned(),
        notice_accepted: true,
        permit_number: form.permit_number.trim().to_owned(),
        applicant: Some(ApplicantData {
            name: form.applicant_name().trim().to_owned(),
            date_of_birth: form.applicant_date_of_birth().trim().to_owned(),
            ..ApplicantData::default()
        }),
    };
    match fill_applicant(&core, &visit.caller, &mut request).await {
        Ok(()) => {}
        Err(ApiError::Upstream(status)) if status.code() == tonic::Code::NotFound => {
            return refuse(vec![Fault {
                place: Place::Start("applicant_id".into()),
                text: words.err_applicant.to_owned(),
            }]);
        }
        Err(error) => {
            tracing::warn!(status = %error.status(), "the applicant's data could not be read");
            return unavailable(visit.language, &uri, Some(&visit.site));
        }
    }
    let answer = core
        .upstreams
        .intake()
        .start_application(core.upstreams.request(request, Some(visit.caller.token())))
        .await;
    match answer {
        Ok(case) => see_other(&step_path(&visit, &case.get_ref().case_id, "form", &uri)),
        Err(status) if status.code() == tonic::Code::InvalidArgument => {
            let problem = laissez_kit::Problem::from_status(&status);
            refuse(spec::faults(&visit.site, &kind, &problem.errors, lang))
        }
        Err(status) => visit.refused(&status).into_response(),
    }
}

crate::portal::shell::request::csrf_token_field!(StartForm);
