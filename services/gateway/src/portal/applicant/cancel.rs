//! Cancelling an approved case (`…/cases/{case_id}/cancel`): where the
//! type's catalog lets the applicant do it and the case is not yet paid or
//! made, the page says what cancelling means and asks why; intake's
//! `CancelCase` does it and payment releases the case's order.

use axum::extract::{OriginalUri, Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use laissez_proto::intake::v1::{CancelCaseRequest, Case, CaseState};
use maud::html;
use serde::Deserialize;

use crate::core::Core;
use crate::core::csrf::CSRF_FORM_FIELD;
use crate::portal::applicant::cases::{case_facts, not_in_state, outcome};
use crate::portal::applicant::parts::{case_path, state_of};
use crate::portal::applicant::visit::get_case;
use crate::portal::applicant::visit::{PostedCase, Visit, layout};
use crate::portal::shell::page::lang_suffix;
use crate::portal::shell::site::Site;
use crate::portal::shell::view::{self, FormError};

/// Whether the applicant may cancel `case` now: an approved case not yet
/// paid or made, of a type whose catalog lets the applicant cancel it.
pub(super) fn cancellable(site: &Site, case: &Case) -> bool {
    let before_payment = matches!(
        state_of(case),
        CaseState::Approved
            | CaseState::AwaitingPayment
            | CaseState::AwaitingAppointment
            | CaseState::AppointmentBooked
    );
    before_payment
        && site
            .application_type(&case.application_type)
            .and_then(|kind| kind["cancel_by_applicant"].as_bool())
            .unwrap_or(false)
}

/// The longest cancellation reason (intake's limit).
const MAX_CANCEL_REASON_CHARS: usize = 500;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CancelForm {
    csrf_token: String,
    reason: String,
}

fn render_cancel(
    core: &Core,
    visit: &Visit,
    uri: &Uri,
    status: StatusCode,
    case: &Case,
    reason: &str,
    errors: &[FormError],
) -> Response {
    let lang = visit.language.lang;
    let messages = lang.messages();
    let site = &visit.site;
    let back = format!("{}{}", case_path(site, &case.case_id), lang_suffix(uri));
    let error = errors.iter().find(|error| error.field == "reason");
    let content = html! {
        (view::error_summary(lang, errors))
        (case_facts(visit, case))
        p.warning { (messages.cancel_consequence) }
        form method="post" action=(uri.path_and_query().map_or(uri.path(), |pq| pq.as_str())) novalidate {
            input type="hidden" name=(CSRF_FORM_FIELD) value=(core.csrf_token(visit.caller.session_token()));
            div.field.field-error[error.is_some()] {
                label for="reason" { (messages.cancel_reason) }
                p.hint #reason-hint { (messages.cancel_reason_help) }
                @if let Some(error) = error {
                    p.error-message #reason-error { (error.message) }
                }
                textarea #reason name="reason" rows="3" maxlength=(MAX_CANCEL_REASON_CHARS)
                    aria-describedby=(if error.is_some() { "reason-hint reason-error" } else { "reason-hint" })
                    aria-invalid=[error.map(|_| "true")] { (reason) }
            }
            div.actions {
                button.primary #confirm-cancel type="submit" { (messages.cancel_submit) }
                a.button.secondary href=(back) { (messages.keep_case) }
            }
        }
    };
    layout(core, visit, uri, status, messages.cancel_title, content)
}

fn not_cancelled(core: &Core, visit: &Visit, uri: &Uri, case: &Case) -> Response {
    let messages = visit.language.lang.messages();
    let (title, body) = (messages.cancel_failed_title, messages.cancel_failed_body);
    not_in_state(core, visit, uri, case, title, body)
}

/// `GET …/cases/{case_id}/cancel`: what cancelling means, and the reason.
pub async fn cancel_page(
    State(core): State<Core>,
    visit: Visit,
    Path((_, _, case_id)): Path<(String, String, String)>,
    OriginalUri(uri): OriginalUri,
) -> Response {
    let case = match get_case(&core, &visit.caller, &case_id).await {
        Ok(case) => case,
        Err(status) => return visit.refused(&status).into_response(),
    };
    if !cancellable(&visit.site, &case) {
        return not_cancelled(&core, &visit, &uri, &case);
    }
    render_cancel(&core, &visit, &uri, StatusCode::OK, &case, "", &[])
}

/// `POST …/cases/{case_id}/cancel`: the reason (with the session's CSRF
/// token), then intake's `CancelCase`.
pub async fn cancel(
    State(core): State<Core>,
    Path((_, _, case_id)): Path<(String, String, String)>,
    OriginalUri(uri): OriginalUri,
    PostedCase(visit, case, form): PostedCase<CancelForm>,
) -> Response {
    let messages = visit.language.lang.messages();
    let reason = form.reason.trim();
    let malformed = reason.is_empty()
        || reason.chars().count() > MAX_CANCEL_REASON_CHARS
        || reason.chars().any(char::is_control);
    let refuse = |reason: &str| {
        let errors = [FormError {
            field: "reason",
            message: messages.err_cancel_reason,
        }];
        render_cancel(
            &core,
            &visit,
            &uri,
            StatusCode::UNPROCESSABLE_ENTITY,
            &case,
            reason,
            &errors,
        )
    };
    if malformed {
        return refuse(reason);
    }
    let answer = core
        .upstreams
        .intake()
        .cancel_case(core.upstreams.request(
            CancelCaseRequest {
                case_id: case.case_id.clone(),
                reason: reason.to_owned(),
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
            messages.cancelled_title,
            html! { p { (messages.cancelled_body) } },
            &case.case_id,
        ),
        Err(status) if status.code() == tonic::Code::InvalidArgument => refuse(reason),
        Err(status) if status.code() == tonic::Code::FailedPrecondition => {
            let now = get_case(&core, &visit.caller, &case_id)
                .await
                .unwrap_or(case.clone());
            not_cancelled(&core, &visit, &uri, &now)
        }
        Err(status) => visit.refused(&status).into_response(),
    }
}

crate::portal::shell::request::csrf_token_field!(CancelForm);
