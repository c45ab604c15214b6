//! The check page (everything the application says, with links back to
//! change it), submission, and the receipt. A case returned for
//! correction or supplement ends here too, with the reply and resubmission
//! form instead of the submit button.

use axum::extract::OriginalUri;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use laissez_catalog::Catalog;
use laissez_catalog::fees::{self, FeeQuery, FeeQuote};
use laissez_proto::intake::v1::{Case, CaseState, ListCasesRequest, SubmitRequest};
use maud::html;
use serde_json::Value;

use crate::core::Core;
use crate::core::csrf::CSRF_FORM_FIELD;
use crate::portal::applicant::apply::spec::{
    Fault, Place, TypeSpec, display_answer, field_code, is_upload,
};
use crate::portal::applicant::apply::{
    case_page_path, fault_summary, see_other, step_path, texts, type_of,
};
use crate::portal::applicant::parts::{receipt, resubmit_form, returned, size, state_of};
use crate::portal::applicant::visit::get_case;
use crate::portal::applicant::visit::{PostedCase, Visit, layout};
use crate::portal::shell::i18n::Text;

/// `GET …/cases/{case_id}/check`.
pub async fn check_page(
    State(core): State<Core>,
    visit: Visit,
    Path((_, _, case_id)): Path<(String, String, String)>,
    OriginalUri(uri): OriginalUri,
) -> Response {
    let case = match get_case(&core, &visit.caller, &case_id).await {
        Ok(case) => case,
        Err(status) => return visit.refused(&status).into_response(),
    };
    let state = state_of(&case);
    if state != CaseState::Draft && !returned(state) {
        return see_other(&case_page_path(&visit, &case.case_id, &uri));
    }
    let kind = match type_of(&visit, &uri, &case.application_type) {
        Ok(kind) => kind,
        Err(answer) => return answer,
    };
    let group = if state == CaseState::Draft {
        Group {
            drafts: other_drafts(&core, &visit, &case).await,
            ..Group::default()
        }
    } else {
        Group::default()
    };
    render(
        &core,
        &visit,
        &uri,
        StatusCode::OK,
        &case,
        &kind,
        &[],
        &group,
    )
}

/// The applicant's other drafts the case may be submitted with as one
/// group, which of them are ticked, and which of those are not complete.
#[derive(Default)]
struct Group {
    drafts: Vec<Case>,
    ticked: Vec<String>,
    incomplete: Vec<String>,
}

/// Most cases one submission takes besides the case itself (intake's
/// limit is 20 in all).
const MAX_GROUPED: usize = 19;

/// The account's drafts (its own and its managed applicants') other than
/// `case`; none when they cannot be listed (the page still submits alone).
async fn other_drafts(core: &Core, visit: &Visit, case: &Case) -> Vec<Case> {
    let listed = core
        .upstreams
        .intake()
        .list_cases(core.upstreams.request(
            ListCasesRequest {
                state: CaseState::Draft as i32,
                ..ListCasesRequest::default()
            },
            Some(visit.caller.token()),
        ))
        .await;
    match listed {
        Ok(response) => response
            .into_inner()
            .cases
            .into_iter()
            .filter(|other| other.case_id != case.case_id)
            .take(MAX_GROUPED)
            .collect(),
        Err(status) => {
            tracing::debug!(%status, "the other drafts could not be listed");
            Vec::new()
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn render(
    core: &Core,
    visit: &Visit,
    uri: &Uri,
    status: StatusCode,
    case: &Case,
    kind: &TypeSpec<'_>,
    faults: &[Fault],
    group: &Group,
) -> Response {
    let lang = visit.language.lang;
    let words = texts(lang);
    let messages = lang.messages();
    let answers = serde_json::from_str::<Value>(&case.answers_json).unwrap_or(Value::Null);
    let form_path = step_path(visit, &case.case_id, "form", uri);
    let documents_path = step_path(visit, &case.case_id, "documents", uri);
    let state = state_of(case);
    let answers_editable = crate::portal::applicant::apply::answers_editable(state);
    let content = html! {
        (fault_summary(lang, faults, |fault| match &fault.place {
            Place::Field(code) => Some(format!("{form_path}#f-{code}")),
            Place::Upload(code) => Some(format!("{documents_path}#upload-{code}")),
            Place::Appointment => Some(step_path(visit, &case.case_id, "appointment", uri)),
            _ => None,
        }))
        p { @if returned(state) { (words.check_returned) } @else { (words.check_intro) } }
        h2 { (kind.name().get(lang)) }
        @for (title, fields) in kind.sections() {
            @let shown: Vec<_> = fields.into_iter().filter(|field| !is_upload(field)).collect();
            @if !shown.is_empty() {
                section.check-section {
                    h3 { (title.get(lang)) }
                    dl.answers {
                        @for field in shown {
                            @let value = &answers[field_code(field)];
                            dt { (Text::from_json(&field["label"]).get(lang)) }
                            dd { (display_answer(&visit.site, Some(field), value, lang)) }
                        }
                    }
                }
            }
        }
        @if answers_editable {
            p { a #change-answers href=(form_path) { (words.change_answers) } }
        }
        section aria-labelledby="documents-title" {
            h2 #documents-title { (messages.documents) }
            @if case.documents.is_empty() {
                p { (words.nothing_uploaded) }
            } @else {
                ul.documents {
                    @for document in &case.documents {
                        li {
                            (crate::portal::applicant::apply::spec::document_name(&visit.site, &case.application_type, &document.requirement, lang))
                            ": " (document.file_name) " (" (size(document.size_bytes)) ")"
                        }
                    }
                }
            }
            p { a #change-documents href=(documents_path) { (words.change_documents) } }
        }
        @if let Some(grant) = grant_preview(visit, case) {
            (grant)
        }
        @match fee_preview(visit, case) {
            Preview::Priced(quotes) => section #fees aria-labelledby="fees-title" {
                h2 #fees-title { (words.fees_title) }
                @for quote in &quotes {
                    div.table-wrap tabindex="0" { table.fees data-currency=(quote.total.currency.code()) {
                        thead { tr {
                            th scope="col" { (words.fees_item) }
                            th scope="col" { (words.fees_amount) }
                        } }
                        tbody {
                            @for line in quote.lines.iter().filter(|line| line.kind.is_charged()) {
                                tr { td { (line.display_label().get(lang.language())) } td.amount { (line.amount.to_string()) } }
                            }
                        }
                        tfoot { tr { th scope="row" { (words.fees_total) } td.amount.total { (quote.total.to_string()) } } }
                    } }
                }
                p.hint { (words.fees_note) }
            },
            Preview::AtTheCounter => section #fees aria-labelledby="fees-title" {
                h2 #fees-title { (words.fees_title) }
                p { (words.fees_tariff) }
            },
            Preview::Unknown => {},
        }
        @if crate::portal::applicant::appointment::books_slots(&visit.site, case) {
            @let booking = crate::portal::applicant::appointment::texts(lang);
            section aria-labelledby="appointment-title" {
                h2 #appointment-title { (booking.my_appointment) }
                p { a #book-appointment href=(step_path(visit, &case.case_id, "appointment", uri)) { (booking.book_link) } }
            }
        }
        @if returned(state) {
            (resubmit_form(core, visit, case, uri, &[], ""))
        } @else {
            form #submit method="post" action=(step_path(visit, &case.case_id, "submit", uri)) {
                input type="hidden" name=(CSRF_FORM_FIELD) value=(core.csrf_token(visit.caller.session_token()));
                @if !group.drafts.is_empty() {
                    fieldset.section #group {
                        legend { (words.group_title) }
                        p.help { (words.group_hint) }
                        @if !group.incomplete.is_empty() {
                            div.error-message #group-incomplete role="alert" {
                                p { (words.group_incomplete) }
                                ul { @for other in group.drafts.iter().filter(|other| group.incomplete.contains(&other.case_id)) {
                                    li { a href=(step_path(visit, &other.case_id, "check", uri)) { (draft_label(visit, other)) } }
                                } }
                            }
                        }
                        @for other in &group.drafts {
                            @let id = format!("with-{}", other.case_id);
                            div.field.checkbox {
                                input id=(id) type="checkbox" name="with" value=(other.case_id)
                                    checked[group.ticked.contains(&other.case_id)];
                                label for=(id) { (draft_label(visit, other)) }
                            }
                        }
                    }
                }
                div.actions { button.primary #submit-application type="submit" { (words.submit) } }
            }
        }
    };
    layout(core, visit, uri, status, words.check_title, content)
}

/// A draft as the group choice names it: its type and applicant.
fn draft_label(visit: &Visit, case: &Case) -> String {
    let lang = visit.language.lang;
    format!(
        "{} · {}",
        visit.site.type_name(&case.application_type).get(lang),
        case.applicant_masked_name
    )
}

/// What the check page says about fees.
enum Preview {
    /// The quote in each of the agency's currencies (main one first).
    Priced(Vec<FeeQuote>),
    /// The catalog publishes no fee: paid at the counter by the tariff.
    AtTheCounter,
    /// Nothing to say yet (a needed answer is missing, or the catalog
    /// could not be read): the page says nothing rather than a wrong sum.
    Unknown,
}

/// The agency's current catalog, typed.
fn typed_catalog(visit: &Visit) -> Option<Catalog> {
    serde_json::from_value::<Catalog>((*visit.site.catalog).clone()).ok()
}

/// Today in the agency's time zone.
fn agency_today(visit: &Visit) -> chrono::NaiveDate {
    match visit.site.time_zone() {
        Some(zone) => chrono::Utc::now().with_timezone(&zone).date_naive(),
        None => chrono::Utc::now().date_naive(),
    }
}

/// What the permit will grant (validity, entries, stay per entry), as
/// the type's rules read the answers so far.
fn grant_preview(visit: &Visit, case: &Case) -> Option<maud::Markup> {
    let catalog = typed_catalog(visit)?;
    crate::portal::applicant::permit::preview(
        visit.language.lang,
        &catalog,
        case,
        agency_today(visit),
    )
}

/// The fees the application will be asked for, as the agency's current
/// catalog prices its answers (the same inputs intake gives payment:
/// the fee-variant answer, the applicant's date of birth, express and the
/// answers the fee reads, the delivery choice among them).
fn fee_preview(visit: &Visit, case: &Case) -> Preview {
    let Some(catalog) = typed_catalog(visit) else {
        return Preview::Unknown;
    };
    let Some(kind) = catalog.application_type(&case.application_type) else {
        return Preview::Unknown;
    };
    let answers = serde_json::from_str::<Value>(&case.answers_json)
        .ok()
        .and_then(|answers| answers.as_object().cloned())
        .unwrap_or_default();
    let answer = |code: &str| answers.get(code).and_then(Value::as_str).map(str::to_owned);
    let today = agency_today(visit);
    let query = |currency| FeeQuery {
        application_type: case.application_type.clone(),
        answers: answers.clone(),
        variant: kind.fee_variant_field.as_deref().and_then(answer),
        date_of_birth: case.applicant.as_ref().and_then(|applicant| {
            chrono::NaiveDate::parse_from_str(&applicant.date_of_birth, "%Y-%m-%d").ok()
        }),
        on: today,
        express: case.express,
        delivery: None,
        payment_method: None,
        currency: Some(currency),
    };
    let currencies =
        std::iter::once(catalog.agency.currency).chain(catalog.agency.secondary_currency);
    let mut quotes = Vec::new();
    for currency in currencies {
        match fees::quote(&catalog, &query(currency)) {
            Ok(quote) => quotes.push(quote),
            Err(fees::Error::NotPublished(_)) => return Preview::AtTheCounter,
            Err(_) if !quotes.is_empty() => break,
            Err(_) => return Preview::Unknown,
        }
    }
    Preview::Priced(quotes)
}

/// `POST …/cases/{case_id}/submit`: intake numbers the case and snapshots
/// it, or says everything that is missing.
pub async fn submit(
    State(core): State<Core>,
    OriginalUri(uri): OriginalUri,
    PostedCase(visit, case, form): PostedCase<Vec<(String, String)>>,
) -> Response {
    if state_of(&case) != CaseState::Draft {
        return see_other(&case_page_path(&visit, &case.case_id, &uri));
    }
    // The drafts ticked to go with it (intake checks they are this
    // account's drafts: another's reads as no case).
    let mut ticked: Vec<String> = Vec::new();
    for (name, value) in &form {
        let value = value.trim();
        if name == "with"
            && value != case.case_id
            && !value.is_empty()
            && value.len() <= 64
            && !ticked.iter().any(|known| known == value)
            && ticked.len() < MAX_GROUPED
        {
            ticked.push(value.to_owned());
        }
    }
    let kind = match type_of(&visit, &uri, &case.application_type) {
        Ok(kind) => kind,
        Err(answer) => return answer,
    };
    let submitted = core
        .upstreams
        .intake()
        .submit(
            core.upstreams.request(
                SubmitRequest {
                    case_ids: std::iter::once(case.case_id.clone())
                        .chain(ticked.iter().cloned())
                        .collect(),
                },
                Some(visit.caller.token()),
            ),
        )
        .await;
    match submitted {
        Ok(_) => see_other(&step_path(&visit, &case.case_id, "receipt", &uri)),
        Err(status) if status.code() == tonic::Code::InvalidArgument => {
            let problem = laissez_kit::Problem::from_status(&status);
            let lang = visit.language.lang;
            // In a group intake names each case's problems under
            // `cases[<id>].`: this case's are shown as its own, the
            // others' cases are listed as not complete.
            let own_prefix = format!("cases[{}].", case.case_id);
            let mut own = Vec::new();
            let mut incomplete: Vec<String> = Vec::new();
            for error in problem.errors {
                if let Some(field) = error.field.strip_prefix(&own_prefix) {
                    own.push(laissez_kit::FieldError {
                        field: field.to_owned(),
                        ..error
                    });
                } else if let Some(rest) = error.field.strip_prefix("cases[") {
                    let other = rest.split(']').next().unwrap_or_default().to_owned();
                    if !incomplete.contains(&other) {
                        incomplete.push(other);
                    }
                } else {
                    own.push(error);
                }
            }
            let faults =
                crate::portal::applicant::apply::spec::faults(&visit.site, &kind, &own, lang);
            let group = Group {
                drafts: other_drafts(&core, &visit, &case).await,
                ticked,
                incomplete,
            };
            let check_uri: Uri = step_path(&visit, &case.case_id, "check", &uri)
                .parse()
                .unwrap_or_else(|_| uri.clone());
            render(
                &core,
                &visit,
                &check_uri,
                StatusCode::UNPROCESSABLE_ENTITY,
                &case,
                &kind,
                &faults,
                &group,
            )
        }
        Err(status) if status.code() == tonic::Code::FailedPrecondition => {
            see_other(&case_page_path(&visit, &case.case_id, &uri))
        }
        Err(status) => visit.refused(&status).into_response(),
    }
}

/// `GET …/cases/{case_id}/receipt`: the receipt and group numbers.
pub async fn receipt_page(
    State(core): State<Core>,
    visit: Visit,
    Path((_, _, case_id)): Path<(String, String, String)>,
    OriginalUri(uri): OriginalUri,
) -> Response {
    let case = match get_case(&core, &visit.caller, &case_id).await {
        Ok(case) => case,
        Err(status) => return visit.refused(&status).into_response(),
    };
    if case.receipt_number.is_empty() {
        return see_other(&case_page_path(&visit, &case.case_id, &uri));
    }
    let lang = visit.language.lang;
    let words = texts(lang);
    let messages = lang.messages();
    let suffix = crate::portal::applicant::apply::lang_suffix(&uri);
    let content = html! {
        div.outcome role="status" {
            dl.summary {
                dt { (messages.receipt_number) }
                dd #receipt-number { (receipt(lang, &case)) }
                dt { (messages.group_number) }
                dd #group-number { (case.group_number) }
                dt { (messages.application_type) }
                dd { (visit.site.type_name(&case.application_type).get(lang)) }
                dt { (messages.applicant) }
                dd { (case.applicant_masked_name) }
            }
            p { (words.receipt_body) }
        }
        p {
            a.button.primary #view-case href=(case_page_path(&visit, &case.case_id, &uri)) { (words.view_case) }
            " "
            a.button.secondary href=(format!("{}{suffix}", visit.site.base_path())) { (words.to_dashboard) }
        }
    };
    layout(
        &core,
        &visit,
        &uri,
        StatusCode::OK,
        words.receipt_title,
        content,
    )
}
