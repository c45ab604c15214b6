//! The applicant's cases: the progress query (filters and paging), one
//! case with its answers, documents, returns and history, withdrawal with
//! its two confirmations, and resubmission after a return.
//!
//! A case of another account or agency reads exactly like a missing one:
//! intake scopes every read to the caller and answers `NotFound`.

use axum::extract::OriginalUri;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, NaiveTime};
use laissez_proto::common::v1::PageRequest;
use laissez_proto::intake::v1::{
    Case, CaseState, ListCasesRequest, ResubmitRequest, WithdrawRequest,
};
use maud::{Markup, html};
use serde::Deserialize;

use crate::core::Core;
use crate::core::csrf::CSRF_FORM_FIELD;
use crate::portal::applicant::parts::{
    case_path, receipt, resubmit_form, return_rounds, returned, size, state_of, when,
};
use crate::portal::applicant::visit::get_case;
use crate::portal::applicant::visit::{PostedCase, Visit, layout};
use crate::portal::shell::i18n::{self, Lang};
use crate::portal::shell::page::lang_suffix;
use crate::portal::shell::view::{self, FormError};

/// Cases per page of the progress query.
const PAGE_SIZE: u32 = 10;
/// The longest reply to a return the portal passes on.
const MAX_REPLY_CHARS: usize = 2000;

/// The states intake lets an applicant withdraw from (before a decision).
fn withdrawable(state: CaseState) -> bool {
    matches!(
        state,
        CaseState::Draft
            | CaseState::Submitted
            | CaseState::UnderReview
            | CaseState::ReturnedForCorrection
            | CaseState::ReturnedForSupplement
    )
}

// ------------------------------------------------------------ case page

/// `GET /portal/{agency}/{portal}/cases/{case_id}`.
pub async fn case_page(
    State(core): State<Core>,
    visit: Visit,
    Path((_, _, case_id)): Path<(String, String, String)>,
    OriginalUri(uri): OriginalUri,
) -> Response {
    match get_case(&core, &visit.caller, &case_id).await {
        Ok(case) => render_case(&core, &visit, &uri, StatusCode::OK, &case, &[], "").await,
        Err(status) => visit.refused(&status).into_response(),
    }
}

async fn render_case(
    core: &Core,
    visit: &Visit,
    uri: &Uri,
    status: StatusCode,
    case: &Case,
    errors: &[FormError],
    reply: &str,
) -> Response {
    let booking = super::appointment::shown_booking(core, visit, case).await;
    let booking = booking.as_ref();
    let lang = visit.language.lang;
    let messages = lang.messages();
    let site = &visit.site;
    let state = state_of(case);
    let suffix = lang_suffix(uri);
    let answers = crate::portal::applicant::apply::spec::labelled_answers(
        site,
        &case.application_type,
        &case.answers_json,
        lang,
    );
    let base = case_path(site, &case.case_id);
    let submitted_at =
        when(site, case.submitted_at.as_ref()).unwrap_or_else(|| messages.not_submitted.to_owned());
    let group = if case.group_number.is_empty() {
        messages.no_group.to_owned()
    } else {
        case.group_number.clone()
    };
    let summary = [
        (messages.receipt_number, html! { (receipt(lang, case)) }),
        (messages.group_number, html! { (group) }),
        (
            messages.application_type,
            html! { (site.type_name(&case.application_type).get(lang)) },
        ),
        (messages.applicant, html! { (case.applicant_masked_name) }),
        (messages.submitted_at, html! { (submitted_at) }),
    ];
    let next = crate::portal::applicant::status::next_step(lang, case.state);
    let content = html! {
        (view::error_summary(lang, errors))
        @if let Some((text, action)) = next {
            section.next-step.govuk-inset-text aria-labelledby="next-step-title" {
                h2.govuk-heading-m #next-step-title { (crate::portal::applicant::status::next_step_title(lang)) }
                p.govuk-body { (text) }
                @if let Some((action, label)) = action {
                    @let href = match action {
                        crate::portal::applicant::status::Action::ContinueForm => format!("{base}/form{suffix}"),
                        crate::portal::applicant::status::Action::AnswerReturn => "#return-title".to_owned(),
                        crate::portal::applicant::status::Action::ApplyAgain => format!("{}apply{suffix}", site.base_path()),
                    };
                    @if action == crate::portal::applicant::status::Action::ContinueForm {
                        a.button.primary.govuk-button #continue href=(href) { (label) }
                    } @else {
                        a.button.primary.govuk-button href=(href) { (label) }
                    }
                }
            }
        }
        section aria-labelledby="summary-title" {
            h2 #summary-title { (messages.case_summary) }
            dl.summary.govuk-summary-list {
                div.govuk-summary-list__row {
                    dt.govuk-summary-list__key { (messages.state) }
                    dd.state.govuk-summary-list__value { (crate::portal::applicant::status::tag(lang, case.state)) }
                }
                @for (key, value) in &summary {
                    div.govuk-summary-list__row {
                        dt.govuk-summary-list__key { (key) }
                        dd.govuk-summary-list__value { (value) }
                    }
                }
                @if let Some(booking) = booking.filter(|booking| booking.state == "booked") {
                    div.govuk-summary-list__row {
                        dt.govuk-summary-list__key { (super::appointment::texts(lang).my_appointment) }
                        dd.govuk-summary-list__value #booking { (super::appointment::booking_line(site, lang, booking)) }
                    }
                }
            }
            @if withdrawable(state) {
                p.actions {
                    a.button.secondary.govuk-button.govuk-button--secondary href=(format!("{base}/withdraw{suffix}")) { (messages.withdraw) }
                }
            }
            @if super::appointment::books_slots(&visit.site, case) && appointment_open(state) {
                @let words = super::appointment::texts(lang);
                p.actions {
                    a.button.secondary.govuk-button.govuk-button--secondary #appointment href=(format!("{base}/appointment{suffix}")) { (words.my_appointment) ": " (words.book_link) }
                }
            }
            @if super::cancel::cancellable(&visit.site, case) {
                p.actions {
                    a.button.secondary.govuk-button.govuk-button--secondary #cancel href=(format!("{base}/cancel{suffix}")) { (messages.cancel) }
                }
            }
        }
        @if let Some(permit) = super::permit::issued(lang, case.lifecycle.as_ref()) {
            (permit)
        }
        @if let Some(delivery) = super::permit::delivery(lang, case.lifecycle.as_ref()) {
            (delivery)
        }
        @if returned(state) {
            section.returned aria-labelledby="return-title" {
                h2 #return-title { (i18n::state_name(lang, case.state)) }
                @if let Some(last) = case.returns.last() {
                    h3 { (messages.reviewer_comment) }
                    blockquote.comment { (last.reviewer_comment) }
                }
                p { @if state == CaseState::ReturnedForCorrection {
                    (messages.returned_correction)
                } @else {
                    (messages.returned_supplement)
                } }
                @let words = crate::portal::applicant::apply::texts(lang);
                p.actions {
                    @if state == CaseState::ReturnedForCorrection {
                        a.button.secondary #edit-answers href=(format!("{base}/form{suffix}")) { (words.edit_answers) }
                        " "
                    }
                    a.button.secondary #add-documents href=(format!("{base}/documents{suffix}")) { (words.add_documents) }
                }
                (resubmit_form(core, visit, case, uri, errors, reply))
            }
        }
        section aria-labelledby="answers-title" {
            h2 #answers-title { (messages.answers) }
            @if answers.is_empty() {
                p { (messages.no_answers) }
            } @else {
                dl.answers.govuk-summary-list {
                    @for (label, value) in &answers {
                        div.govuk-summary-list__row {
                            dt.govuk-summary-list__key { (label) }
                            dd.govuk-summary-list__value { (value) }
                        }
                    }
                }
            }
        }
        section aria-labelledby="documents-title" {
            h2 #documents-title { (messages.documents) }
            @if case.documents.is_empty() {
                p { (messages.no_documents) }
            } @else {
                div.table-wrap tabindex="0" { table {
                    thead { tr {
                        th scope="col" { (messages.document_type) }
                        th scope="col" { (messages.file_name) }
                        th scope="col" { (messages.file_size) }
                        th scope="col" { (messages.download) }
                    } }
                    tbody { @for document in &case.documents { tr {
                        td { (crate::portal::applicant::apply::spec::document_name(site, &case.application_type, &document.requirement, lang)) }
                        td { (document.file_name) }
                        td { (size(document.size_bytes)) " · " (document.media_type) }
                        td { a href=(format!("/api/v1/cases/{}/documents/{}", case.case_id, document.document_id))
                            download=(document.file_name) { (messages.download) " " (document.file_name) } }
                    } } }
                } }
            }
        }
        @if !case.returns.is_empty() {
            (return_rounds(lang, site, &case.returns, true))
        }
        section aria-labelledby="history-title" {
            h2 #history-title { (messages.history) }
            div.table-wrap tabindex="0" { table {
                thead { tr {
                    th scope="col" { (messages.time) }
                    th scope="col" { (messages.from_state) }
                    th scope="col" { (messages.to_state) }
                } }
                tbody { @for change in &case.history { tr {
                    td { (when(site, change.at.as_ref()).unwrap_or_default()) }
                    td { (i18n::state_name(lang, change.from)) }
                    td { (i18n::state_name(lang, change.to)) }
                } } }
            } }
        }
    };
    layout(core, visit, uri, status, messages.case_title, content)
}

// ------------------------------------------------------- progress query

/// The progress query's filters, as the GET form sends them.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CaseQuery {
    group_number: String,
    receipt_number: String,
    from: String,
    to: String,
    state: String,
    page: String,
}

/// A state's name in the query string: `submitted`, `under_review`, …
fn state_param(state: CaseState) -> String {
    state
        .as_str_name()
        .trim_start_matches("CASE_STATE_")
        .to_ascii_lowercase()
}

const FILTER_STATES: [CaseState; 21] = [
    CaseState::Draft,
    CaseState::Submitted,
    CaseState::UnderReview,
    CaseState::ReturnedForCorrection,
    CaseState::ReturnedForSupplement,
    CaseState::Approved,
    CaseState::NotAccepted,
    CaseState::NotApproved,
    CaseState::Withdrawn,
    CaseState::AwaitingPayment,
    CaseState::Paid,
    CaseState::AwaitingAppointment,
    CaseState::AppointmentBooked,
    CaseState::InProduction,
    CaseState::Issued,
    CaseState::ReadyForPickup,
    CaseState::Collected,
    CaseState::Cancelled,
    CaseState::AwaitingDispatch,
    CaseState::Dispatched,
    CaseState::Delivered,
];

fn plausible_number(text: &str) -> bool {
    text.len() <= 64
        && text
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-')
}

fn midnight(date: NaiveDate) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: date.and_time(NaiveTime::MIN).and_utc().timestamp(),
        nanos: 0,
    }
}

/// The filters checked: the request to send, or the errors to show.
fn filters(query: &CaseQuery, lang: Lang) -> Result<(ListCasesRequest, u32), Vec<FormError>> {
    let messages = lang.messages();
    let mut errors = Vec::new();
    let group_number = query.group_number.trim();
    if !plausible_number(group_number) {
        errors.push(FormError {
            field: "group_number",
            message: messages.err_group_number,
        });
    }
    let receipt_number = query.receipt_number.trim();
    if !plausible_number(receipt_number) {
        errors.push(FormError {
            field: "receipt_number",
            message: messages.err_receipt_number,
        });
    }
    let date = |text: &str, field: &'static str, message: &'static str, errors: &mut Vec<_>| {
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        let parsed = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok();
        if parsed.is_none() {
            errors.push(FormError { field, message });
        }
        parsed
    };
    let from = date(&query.from, "from", messages.err_date_from, &mut errors);
    let to = date(&query.to, "to", messages.err_date_to, &mut errors);
    if let (Some(from), Some(to)) = (from, to)
        && from > to
    {
        errors.push(FormError {
            field: "from",
            message: messages.err_date_order,
        });
    }
    let state = match query.state.trim() {
        "" => Some(CaseState::Unspecified),
        name => FILTER_STATES
            .into_iter()
            .find(|state| state_param(*state) == name),
    };
    if state.is_none() {
        errors.push(FormError {
            field: "state",
            message: messages.err_state,
        });
    }
    let page = match query.page.trim() {
        "" => Some(1),
        text => text
            .parse::<u32>()
            .ok()
            .filter(|page| (1..=100_000).contains(page)),
    };
    if page.is_none() {
        errors.push(FormError {
            field: "page",
            message: messages.err_page,
        });
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let page = page.unwrap_or(1);
    Ok((
        ListCasesRequest {
            group_number: group_number.to_owned(),
            receipt_number: receipt_number.to_owned(),
            // The end date is inclusive: up to the next midnight.
            from: from.map(midnight),
            to: to.and_then(|to| to.succ_opt()).map(midnight),
            state: state.unwrap_or(CaseState::Unspecified) as i32,
            application_type: String::new(),
            page: Some(PageRequest {
                page_size: PAGE_SIZE,
                page_token: ((page - 1) * PAGE_SIZE).to_string(),
            }),
            document_number: String::new(),
        },
        page,
    ))
}

/// Percent-encodes a query value.
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The list's own address with the same filters on another page.
fn page_link(path: &str, query: &CaseQuery, uri: &Uri, page: u32) -> String {
    let mut pairs: Vec<String> = [
        ("group_number", &query.group_number),
        ("receipt_number", &query.receipt_number),
        ("from", &query.from),
        ("to", &query.to),
        ("state", &query.state),
    ]
    .into_iter()
    .filter(|(_, value)| !value.trim().is_empty())
    .map(|(name, value)| format!("{name}={}", encode(value.trim())))
    .collect();
    pairs.push(format!("page={page}"));
    if let Some(lang) = i18n::from_query(uri) {
        pairs.push(format!("lang={}", lang.tag()));
    }
    format!("{path}?{}", pairs.join("&"))
}

/// `GET /portal/{agency}/{portal}/cases`: the progress query.
pub async fn case_list(
    State(core): State<Core>,
    visit: Visit,
    OriginalUri(uri): OriginalUri,
) -> Response {
    let lang = visit.language.lang;
    let query = Query::<CaseQuery>::try_from_uri(&uri)
        .map(|Query(query)| query)
        .unwrap_or_default();
    let (status, errors, listed) = match filters(&query, lang) {
        Err(errors) => (StatusCode::BAD_REQUEST, errors, None),
        Ok((request, page)) => {
            let answer = core
                .upstreams
                .intake()
                .list_cases(core.upstreams.request(request, Some(visit.caller.token())))
                .await;
            match answer {
                Ok(answer) => (
                    StatusCode::OK,
                    Vec::new(),
                    Some((answer.into_inner(), page)),
                ),
                Err(status) => return visit.refused(&status).into_response(),
            }
        }
    };
    let messages = lang.messages();
    let site = &visit.site;
    let path = uri.path().to_owned();
    let state_error = errors.iter().find(|error| error.field == "state");
    let content = html! {
        (view::error_summary(lang, &errors))
        form.filters method="get" action=(path) {
            fieldset {
                legend { (messages.filters) }
                (view::field("group_number", messages.group_number, "text", &query.group_number, "off", &errors, None))
                (view::field("receipt_number", messages.receipt_number, "text", &query.receipt_number, "off", &errors, None))
                (view::field("from", messages.date_from, "date", &query.from, "off", &errors, Some(messages.date_help)))
                (view::field("to", messages.date_to, "date", &query.to, "off", &errors, Some(messages.date_help)))
                div.field.field-error[state_error.is_some()] {
                    label for="state" { (messages.state) }
                    @if let Some(error) = state_error {
                        p.error-message #state-error { (error.message) }
                    }
                    select #state name="state"
                        aria-describedby=[state_error.map(|_| "state-error")]
                        aria-invalid=[state_error.map(|_| "true")] {
                        option value="" { (messages.any_state) }
                        @for state in FILTER_STATES {
                            @let value = state_param(state);
                            option value=(value) selected[value == query.state.trim()] {
                                (i18n::state_name(lang, state as i32))
                            }
                        }
                    }
                }
                @if let Some(lang) = i18n::from_query(&uri) {
                    input type="hidden" name="lang" value=(lang.tag());
                }
                div.actions {
                    button.primary type="submit" { (messages.search) }
                    a.button.secondary href=(format!("{path}{}", lang_suffix(&uri))) { (messages.clear_filters) }
                }
            }
        }
        @if let Some((listed, page)) = &listed {
            @let total = listed.page.as_ref().map_or(0, |page| page.total_size);
            @let pages = total.div_ceil(u64::from(PAGE_SIZE)).max(1);
            @let more = listed.page.as_ref().is_some_and(|page| !page.next_page_token.is_empty());
            p.count { (messages.found) (total) }
            @if listed.cases.is_empty() {
                p { (messages.no_cases) }
            } @else {
                div.table-wrap tabindex="0" { table {
                    thead { tr {
                        th scope="col" { (messages.receipt_number) }
                        th scope="col" { (messages.group_number) }
                        th scope="col" { (messages.application_type) }
                        th scope="col" { (messages.applicant) }
                        th scope="col" { (messages.state) }
                        th scope="col" { (messages.submitted_at) }
                    } }
                    tbody { @for case in &listed.cases { tr {
                        td { a href=(format!("{}{}", case_path(site, &case.case_id), lang_suffix(&uri))) { (receipt(lang, case)) } }
                        td { (case.group_number) }
                        td { (site.type_name(&case.application_type).get(lang)) }
                        td { (case.applicant_masked_name) }
                        td { (crate::portal::applicant::status::tag(lang, case.state)) }
                        td { (when(site, case.submitted_at.as_ref()).unwrap_or_else(|| messages.not_submitted.to_owned())) }
                    } } }
                } }
            }
            nav.paging aria-label=(messages.paging) {
                p { (messages.page_label) (page) (messages.page_of) (pages) (messages.page_end) }
                ul {
                    @if *page > 1 {
                        li { a rel="prev" href=(page_link(&path, &query, &uri, page - 1)) { (messages.previous) } }
                    }
                    @if more {
                        li { a rel="next" href=(page_link(&path, &query, &uri, page + 1)) { (messages.next) } }
                    }
                }
            }
        }
    };
    layout(&core, &visit, &uri, status, messages.all_cases, content)
}

// ------------------------------------------------------------ withdrawal

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct WithdrawForm {
    csrf_token: String,
    confirm: Option<String>,
}

fn render_withdraw(
    core: &Core,
    visit: &Visit,
    uri: &Uri,
    status: StatusCode,
    case: &Case,
    errors: &[FormError],
) -> Response {
    let lang = visit.language.lang;
    let messages = lang.messages();
    let site = &visit.site;
    let back = format!("{}{}", case_path(site, &case.case_id), lang_suffix(uri));
    let content = html! {
        (view::error_summary(lang, errors))
        (case_facts(visit, case))
        p.warning { (messages.withdraw_consequence) }
        form method="post" action=(uri.path_and_query().map_or(uri.path(), |pq| pq.as_str())) novalidate {
            input type="hidden" name=(CSRF_FORM_FIELD) value=(core.csrf_token(visit.caller.session_token()));
            @let error = errors.iter().find(|error| error.field == "confirm");
            div.field.checkbox.field-error[error.is_some()] {
                @if let Some(error) = error {
                    p.error-message #confirm-error { (error.message) }
                }
                input #confirm type="checkbox" name="confirm" value="1"
                    aria-describedby=[error.map(|_| "confirm-error")]
                    aria-invalid=[error.map(|_| "true")];
                label for="confirm" { (messages.withdraw_confirm) }
            }
            div.actions {
                button.primary type="submit" { (messages.withdraw_submit) }
                a.button.secondary href=(back) { (messages.keep_case) }
            }
        }
    };
    layout(core, visit, uri, status, messages.withdraw_title, content)
}

/// The outcome of a withdrawal or resubmission: what happened, and the
/// way back to the case.
pub(super) fn outcome(
    core: &Core,
    visit: &Visit,
    uri: &Uri,
    status: StatusCode,
    title: &str,
    body: Markup,
    case_id: &str,
) -> Response {
    let lang = visit.language.lang;
    let back = format!("{}{}", case_path(&visit.site, case_id), lang_suffix(uri));
    let content = html! {
        div.outcome role="status" { (body) }
        p { a href=(back) { (lang.messages().back_to_case) } }
    };
    layout(core, visit, uri, status, title, content)
}

/// The case's state does not allow the action: `title`, then `body`
/// followed by the state.
pub(super) fn not_in_state(
    core: &Core,
    visit: &Visit,
    uri: &Uri,
    case: &Case,
    title: &str,
    body: &str,
) -> Response {
    let state = i18n::state_name(visit.language.lang, case.state);
    let body = html! { p.reason { (body) (state) } };
    outcome(
        core,
        visit,
        uri,
        StatusCode::CONFLICT,
        title,
        body,
        &case.case_id,
    )
}

/// The case, as the confirmation pages recall it.
pub(super) fn case_facts(visit: &Visit, case: &Case) -> Markup {
    let lang = visit.language.lang;
    let messages = lang.messages();
    html! {
        dl.summary {
            dt { (messages.receipt_number) } dd { (receipt(lang, case)) }
            dt { (messages.application_type) } dd { (visit.site.type_name(&case.application_type).get(lang)) }
            dt { (messages.state) } dd { (i18n::state_name(lang, case.state)) }
        }
    }
}

fn not_withdrawn(core: &Core, visit: &Visit, uri: &Uri, case: &Case) -> Response {
    let messages = visit.language.lang.messages();
    let (title, body) = (
        messages.withdraw_failed_title,
        messages.withdraw_failed_body,
    );
    not_in_state(core, visit, uri, case, title, body)
}

/// `GET …/cases/{case_id}/withdraw`: the first confirmation, explaining
/// what withdrawing means.
pub async fn withdraw_page(
    State(core): State<Core>,
    visit: Visit,
    Path((_, _, case_id)): Path<(String, String, String)>,
    OriginalUri(uri): OriginalUri,
) -> Response {
    let case = match get_case(&core, &visit.caller, &case_id).await {
        Ok(case) => case,
        Err(status) => return visit.refused(&status).into_response(),
    };
    if !withdrawable(state_of(&case)) {
        return not_withdrawn(&core, &visit, &uri, &case);
    }
    render_withdraw(&core, &visit, &uri, StatusCode::OK, &case, &[])
}

/// `POST …/cases/{case_id}/withdraw`: the second confirmation (the ticked
/// box, with the session's CSRF token), then intake's `Withdraw`.
pub async fn withdraw(
    State(core): State<Core>,
    Path((_, _, case_id)): Path<(String, String, String)>,
    OriginalUri(uri): OriginalUri,
    PostedCase(visit, case, form): PostedCase<WithdrawForm>,
) -> Response {
    let messages = visit.language.lang.messages();
    if form.confirm.is_none() {
        let errors = [FormError {
            field: "confirm",
            message: messages.err_withdraw_confirm,
        }];
        return render_withdraw(
            &core,
            &visit,
            &uri,
            StatusCode::UNPROCESSABLE_ENTITY,
            &case,
            &errors,
        );
    }
    let answer = core
        .upstreams
        .intake()
        .withdraw(core.upstreams.request(
            WithdrawRequest {
                case_id: case.case_id.clone(),
                confirmed: true,
            },
            Some(visit.caller.token()),
        ))
        .await;
    match answer {
        Ok(answer) if answer.get_ref().success => outcome(
            &core,
            &visit,
            &uri,
            StatusCode::OK,
            messages.withdrawn_title,
            html! { p { (messages.withdrawn_body) } },
            &case.case_id,
        ),
        Ok(_) => not_withdrawn(&core, &visit, &uri, &case),
        Err(status) if status.code() == tonic::Code::FailedPrecondition => {
            let now = get_case(&core, &visit.caller, &case_id)
                .await
                .unwrap_or(case);
            not_withdrawn(&core, &visit, &uri, &now)
        }
        Err(status) => visit.refused(&status).into_response(),
    }
}

// -------------------------------------------------------- resubmission

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ResubmitForm {
    csrf_token: String,
    reply: String,
}

/// `POST …/cases/{case_id}/resubmit`: answers a return (with an optional
/// reply) and sends the case back to review.
pub async fn resubmit(
    State(core): State<Core>,
    Path((_, _, _case_id)): Path<(String, String, String)>,
    OriginalUri(uri): OriginalUri,
    PostedCase(visit, case, form): PostedCase<ResubmitForm>,
) -> Response {
    let lang = visit.language.lang;
    let messages = lang.messages();
    let reply = form.reply.trim();
    if reply.chars().count() > MAX_REPLY_CHARS {
        let errors = [FormError {
            field: "reply",
            message: messages.err_reply_too_long,
        }];
        let case_uri: Uri = case_path(&visit.site, &case.case_id)
            .parse()
            .unwrap_or_else(|_| uri.clone());
        return render_case(
            &core,
            &visit,
            &case_uri,
            StatusCode::UNPROCESSABLE_ENTITY,
            &case,
            &errors,
            reply,
        )
        .await;
    }
    let failed = |now: &Case| {
        outcome(
            &core,
            &visit,
            &uri,
            StatusCode::CONFLICT,
            messages.resubmit_failed_title,
            html! { p.reason { (messages.resubmit_failed_body) (i18n::state_name(lang, now.state)) } },
            &now.case_id,
        )
    };
    if !returned(state_of(&case)) {
        return failed(&case);
    }
    let answer = core
        .upstreams
        .intake()
        .resubmit(core.upstreams.request(
            ResubmitRequest {
                case_id: case.case_id.clone(),
                reply: reply.to_owned(),
            },
            Some(visit.caller.token()),
        ))
        .await;
    match answer {
        Ok(_) => outcome(
            &core,
            &visit,
            &uri,
            StatusCode::OK,
            messages.resubmitted_title,
            html! { p { (messages.resubmitted_body) } },
            &case.case_id,
        ),
        Err(status) if status.code() == tonic::Code::FailedPrecondition => failed(&case),
        Err(status) => visit.refused(&status).into_response(),
    }
}

crate::portal::shell::request::csrf_token_field!(ResubmitForm, WithdrawForm);

/// A case that may still book, move or cancel its appointment.
fn appointment_open(state: CaseState) -> bool {
    matches!(
        state,
        CaseState::Draft
            | CaseState::Submitted
            | CaseState::UnderReview
            | CaseState::ReturnedForCorrection
            | CaseState::ReturnedForSupplement
            | CaseState::AwaitingAppointment
            | CaseState::AppointmentBooked
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_are_checked_field_by_field() {
        let query = CaseQuery {
            from: "2026-13-01".into(),
            state: "nonsense".into(),
            ..CaseQuery::default()
        };
        let errors = filters(&query, Lang::En).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|error| error.field).collect();
        assert_eq!(fields, ["from", "state"]);
        let query = CaseQuery {
            from: "2026-01-01".into(),
            to: "2026-01-31".into(),
            state: "under_review".into(),
            page: "3".into(),
            ..CaseQuery::default()
        };
        let (request, page) = filters(&query, Lang::En).unwrap();
        assert_eq!(page, 3);
        assert_eq!(request.state, CaseState::UnderReview as i32);
        assert_eq!(request.page.unwrap().page_token, "20");
        let to = request.to.unwrap().seconds - request.from.unwrap().seconds;
        assert_eq!(to, 31 * 86_400, "the end date is inclusive");
        assert_eq!(encode("a b&c"), "a%20b%26c");
    }
}
