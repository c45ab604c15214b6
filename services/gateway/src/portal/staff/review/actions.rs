//! What a reviewer does to a case besides deciding it, from the claimed
//! case's page: release the claim (review `ReleaseClaim`), hand the case
//! to another reviewer (`Reassign`, senior reviewers), ask for the
//! priority lane and accept or refuse such a request (`RequestPriority`,
//! `ResolvePriority`), and sign off a decision that awaits a second
//! senior reviewer (`SignOff`). Review decides who may do what; the page
//! offers each form where review would take it.
//!
//! A form sent with an error is shown again on its own page (422) with the
//! error summary and a link back to the case; review's refusal because of
//! the case's state reads "not now" (409).

use axum::Form;
use axum::extract::OriginalUri;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use laissez_kit::Role;
use laissez_proto::review::v1::review_service_client::ReviewServiceClient;
use laissez_proto::review::v1::{
    Lane, ReassignRequest, ReleaseClaimRequest, RequestPriorityRequest, ResolvePriorityRequest,
    ReviewCase, SignOffRequest,
};
use maud::{Markup, html};
use serde::Deserialize;
use tonic::transport::Channel;

use crate::core::csrf::CSRF_FORM_FIELD;
use crate::core::upstream::Upstream;
use crate::core::{Caller, Core};
use crate::portal::shell::i18n::Lang;
use crate::portal::shell::locale::texts;
use crate::portal::shell::problems::{self, Problem};
use crate::portal::staff::desk::{Desk, Reviewers, StaffPosted, layout};

/// The longest reason or comment the forms pass on.
const MAX_TEXT_CHARS: usize = 2000;

texts! {
    pub struct Texts, fn texts, "review-actions" {
        actions_title,
        release,
        release_help,
        reassign_title,
        reassign_reviewer,
        reassign_help,
        reassign,
        priority_title,
        priority_reason,
        request_priority,
        resolve_title,
        resolve_choice,
        accept_priority,
        refuse_priority,
        resolve_comment,
        resolve,
        sign_off_title,
        sign_off_choice,
        sign_off_approve,
        sign_off_send_back,
        sign_off_comment,
        sign_off,
        err_reviewer_required,
        err_reason_required,
        err_choice,
        err_too_long,
        err_not_now,
        back_to_case,
    }
}

fn review_client(core: &Core) -> ReviewServiceClient<Channel> {
    ReviewServiceClient::new(core.upstreams.channel(Upstream::Review))
}

/// Whether the case's review history ends with a priority request no one
/// has answered yet.
fn priority_pending(case: &ReviewCase) -> bool {
    case.history
        .iter()
        .rfind(|entry| entry.action.starts_with("priority_"))
        .is_some_and(|entry| entry.action == "priority_requested")
}

/// The action forms of the case page, as `caller` may use them.
pub(crate) fn section(
    core: &Core,
    base: &str,
    suffix: &str,
    caller: &Caller,
    lang: Lang,
    case: &ReviewCase,
) -> Markup {
    let texts = texts(lang);
    let senior = caller.signed_in.roles.contains(&Role::SeniorReviewer);
    let csrf = core.csrf_token(caller.session_token());
    let action = |path: &str| format!("{base}review/cases/{}/{path}{suffix}", case.case_id);
    let in_review = matches!(case.state.as_str(), "queued" | "leased" | "returned");
    let pending = priority_pending(case);
    html! {
        section.case-actions aria-labelledby="actions-title" {
            h2 #actions-title { (texts.actions_title) }
            @if case.state == "leased" {
                (release_form(&action("release"), &csrf, lang))
            }
            @if senior && matches!(case.state.as_str(), "queued" | "leased") {
                (reassign_form(&action("reassign"), &csrf, lang, "", &[]))
            }
            @if in_review && case.lane != Lane::Priority as i32 && !pending {
                (priority_form(&action("priority"), &csrf, lang, "", &[]))
            }
            @if pending {
                (resolve_form(&action("priority/resolve"), &csrf, lang, "", "", &[]))
            }
            @if senior && case.state == "pending_sign_off" {
                (sign_off_form(&action("sign-off"), &csrf, lang, "", "", &[]))
            }
        }
    }
}

fn release_form(action: &str, csrf: &str, lang: Lang) -> Markup {
    let texts = texts(lang);
    html! {
        form method="post" action=(action) {
            input type="hidden" name=(CSRF_FORM_FIELD) value=(csrf);
            p.help #release-help { (texts.release_help) }
            div.actions {
                button.secondary #release type="submit" aria-describedby="release-help" { (texts.release) }
            }
        }
    }
}

fn reassign_form(
    action: &str,
    csrf: &str,
    lang: Lang,
    reviewer: &str,
    problems: &[Problem],
) -> Markup {
    let texts = texts(lang);
    html! {
        form method="post" action=(action) novalidate {
            h3 { (texts.reassign_title) }
            input type="hidden" name=(CSRF_FORM_FIELD) value=(csrf);
            (problems::input("reassign_to", texts.reassign_reviewer, "text", reviewer, Some(texts.reassign_help), problems))
            div.actions { button.secondary type="submit" { (texts.reassign) } }
        }
    }
}

fn priority_form(
    action: &str,
    csrf: &str,
    lang: Lang,
    reason: &str,
    problems: &[Problem],
) -> Markup {
    let texts = texts(lang);
    html! {
        form method="post" action=(action) novalidate {
            h3 { (texts.priority_title) }
            input type="hidden" name=(CSRF_FORM_FIELD) value=(csrf);
            (problems::textarea("priority_reason", texts.priority_reason, reason, problems))
            div.actions { button.secondary type="submit" { (texts.request_priority) } }
        }
    }
}

/// Two choices as radio buttons in a fieldset, with the fieldset's error.
fn choice(
    id: &str,
    legend: &str,
    options: [(&str, &str); 2],
    chosen: &str,
    problems: &[Problem],
) -> Markup {
    let problem = problems.iter().find(|problem| problem.field == id);
    html! {
        fieldset.field.field-error[problem.is_some()] id=(id)
            aria-describedby=[problem.map(|_| format!("{id}-error"))] {
            legend { (legend) }
            @if let Some(problem) = problem {
                p.error-message id=(format!("{id}-error")) { (problem.message) }
            }
            @for (value, label) in options {
                div.radio {
                    input id=(format!("{id}-{value}")) type="radio" name=(id) value=(value) checked[chosen == value];
                    label for=(format!("{id}-{value}")) { (label) }
                }
            }
        }
    }
}

fn resolve_form(
    action: &str,
    csrf: &str,
    lang: Lang,
    outcome: &str,
    comment: &str,
    problems: &[Problem],
) -> Markup {
    let texts = texts(lang);
    html! {
        form method="post" action=(action) novalidate {
            h3 { (texts.resolve_title) }
            input type="hidden" name=(CSRF_FORM_FIELD) value=(csrf);
            (choice("resolve_outcome", texts.resolve_choice,
                [("accept", texts.accept_priority), ("refuse", texts.refuse_priority)], outcome, problems))
            (problems::textarea("resolve_comment", texts.resolve_comment, comment, problems))
            div.actions { button.secondary type="submit" { (texts.resolve) } }
        }
    }
}

fn sign_off_form(
    action: &str,
    csrf: &str,
    lang: Lang,
    outcome: &str,
    comment: &str,
    problems: &[Problem],
) -> Markup {
    let texts = texts(lang);
    html! {
        form method="post" action=(action) novalidate {
            h3 { (texts.sign_off_title) }
            input type="hidden" name=(CSRF_FORM_FIELD) value=(csrf);
            (choice("sign_off_outcome", texts.sign_off_choice,
                [("approve", texts.sign_off_approve), ("send_back", texts.sign_off_send_back)], outcome, problems))
            (problems::textarea("sign_off_comment", texts.sign_off_comment, comment, problems))
            div.actions { button.primary type="submit" { (texts.sign_off) } }
        }
    }
}

fn case_link(desk: &Desk, uri: &Uri, case_id: &str) -> String {
    desk.link(uri, &format!("review/cases/{case_id}"))
}

/// A form shown again on its own page with its errors.
#[allow(clippy::too_many_arguments)]
fn again(
    core: &Core,
    desk: &Desk,
    uri: &Uri,
    status: StatusCode,
    title: &str,
    case_id: &str,
    form: Markup,
    problems: &[Problem],
) -> Response {
    let lang = desk.lang();
    let content = html! {
        (problems::summary(lang, problems))
        (form)
        p { a href=(case_link(desk, uri, case_id)) { (texts(lang).back_to_case) } }
    };
    layout(core, desk, uri, status, title, content)
}

/// The form's own URL (it posts to itself when shown again).
fn self_action(uri: &Uri) -> String {
    uri.path_and_query()
        .map_or_else(|| uri.path().to_owned(), |pq| pq.as_str().to_owned())
}

/// What to answer when review refuses: a field error or "not now" on the
/// form shown again, or the page of the refusal.
#[allow(clippy::too_many_arguments)]
fn after_refusal(
    core: &Core,
    desk: &Desk,
    uri: &Uri,
    status: &tonic::Status,
    title: &str,
    case_id: &str,
    field: &str,
    form: impl Fn(&[Problem]) -> Markup,
) -> Response {
    let texts = texts(desk.lang());
    let (code, problem) = match status.code() {
        tonic::Code::InvalidArgument
            if !laissez_kit::Problem::from_status(status).errors.is_empty() =>
        {
            let message = match field {
                "reassign_to" => texts.err_reviewer_required,
                "priority_reason" => texts.err_reason_required,
                _ => texts.err_choice,
            };
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                Problem::new(field, message),
            )
        }
        tonic::Code::FailedPrecondition | tonic::Code::Aborted => {
            (StatusCode::CONFLICT, Problem::new(field, texts.err_not_now))
        }
        _ => return desk.refused(status).into_response(),
    };
    let problems = [problem];
    again(
        core,
        desk,
        uri,
        code,
        title,
        case_id,
        form(&problems),
        &problems,
    )
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ActionForm {
    csrf_token: String,
    reassign_to: String,
    priority_reason: String,
    resolve_outcome: String,
    resolve_comment: String,
    sign_off_outcome: String,
    sign_off_comment: String,
}

/// `POST …/review/cases/{case_id}/release`: back to the queues (303).
pub async fn release(
    State(core): State<Core>,
    Path((_, _, case_id)): Path<(String, String, String)>,
    OriginalUri(uri): OriginalUri,
    StaffPosted(desk, Form(_form), _): StaffPosted<Reviewers, Form<ActionForm>>,
) -> Response {
    let answer = review_client(&core)
        .release_claim(core.upstreams.request(
            ReleaseClaimRequest {
                case_id: case_id.clone(),
            },
            Some(desk.caller.token()),
        ))
        .await;
    let lang = desk.lang();
    let csrf = desk.csrf_token(&core);
    let show = |_: &[Problem]| release_form(&self_action(&uri), &csrf, lang);
    match answer {
        Ok(_) => Redirect::to(&desk.link(&uri, "review")).into_response(),
        Err(status) => after_refusal(
            &core,
            &desk,
            &uri,
            &status,
            texts(lang).release,
            &case_id,
            "release",
            show,
        ),
    }
}

/// `POST …/review/cases/{case_id}/reassign` (senior reviewers).
pub async fn reassign(
    State(core): State<Core>,
    Path((_, _, case_id)): Path<(String, String, String)>,
    OriginalUri(uri): OriginalUri,
    StaffPosted(desk, Form(form), _): StaffPosted<Reviewers, Form<ActionForm>>,
) -> Response {
    let lang = desk.lang();
    let texts = texts(lang);
    let csrf = desk.csrf_token(&core);
    let reviewer = form.reassign_to.trim();
    let show =
        |problems: &[Problem]| reassign_form(&self_action(&uri), &csrf, lang, reviewer, problems);
    if reviewer.is_empty() {
        let problems = [Problem::new("reassign_to", texts.err_reviewer_required)];
        return again(
            &core,
            &desk,
            &uri,
            StatusCode::UNPROCESSABLE_ENTITY,
            texts.reassign_title,
            &case_id,
            show(&problems),
            &problems,
        );
    }
    let answer = review_client(&core)
        .reassign(core.upstreams.request(
            ReassignRequest {
                case_id: case_id.clone(),
                reviewer: reviewer.to_owned(),
            },
            Some(desk.caller.token()),
        ))
        .await;
    match answer {
        Ok(_) => Redirect::to(&case_link(&desk, &uri, &case_id)).into_response(),
        Err(status) => after_refusal(
            &core,
            &desk,
            &uri,
            &status,
            texts.reassign_title,
            &case_id,
            "reassign_to",
            show,
        ),
    }
}

/// `POST …/review/cases/{case_id}/priority`: asks for the priority lane.
pub async fn request_priority(
    State(core): State<Core>,
    Path((_, _, case_id)): Path<(String, String, String)>,
    OriginalUri(uri): OriginalUri,
    StaffPosted(desk, Form(form), _): StaffPosted<Reviewers, Form<ActionForm>>,
) -> Response {
    let lang = desk.lang();
    let texts = texts(lang);
    let csrf = desk.csrf_token(&core);
    let reason = form.priority_reason.trim();
    let show = |problems: &[Problem]| {
        priority_form(
            &self_action(&uri),
            &csrf,
            lang,
            &form.priority_reason,
            problems,
        )
    };
    let problem = if reason.is_empty() {
        Some(texts.err_reason_required)
    } else if reason.chars().count() > MAX_TEXT_CHARS {
        Some(texts.err_too_long)
    } else {
        None
    };
    if let Some(message) = problem {
        let problems = [Problem::new("priority_reason", message)];
        return again(
            &core,
            &desk,
            &uri,
            StatusCode::UNPROCESSABLE_ENTITY,
            texts.priority_title,
            &case_id,
            show(&problems),
            &problems,
        );
    }
    let answer = review_client(&core)
        .request_priority(core.upstreams.request(
            RequestPriorityRequest {
                case_id: case_id.clone(),
                reason: reason.to_owned(),
                evidence_document_ids: Vec::new(),
            },
            Some(desk.caller.token()),
        ))
        .await;
    match answer {
        Ok(_) => Redirect::to(&case_link(&desk, &uri, &case_id)).into_response(),
        Err(status) => after_refusal(
            &core,
            &desk,
            &uri,
            &status,
            texts.priority_title,
            &case_id,
            "priority_reason",
            show,
        ),
    }
}

/// A two-choice form's outcome (`first` is yes) and comment, checked;
/// `prefix` names its fields.
fn outcome_problems(
    texts: &Texts,
    prefix: &str,
    (outcome, comment): (&str, &str),
    (first, second): (&str, &str),
) -> (Option<bool>, Vec<Problem>) {
    let mut problems = Vec::new();
    let chosen = match outcome {
        value if value == first => Some(true),
        value if value == second => Some(false),
        _ => {
            problems.push(Problem::new(format!("{prefix}_outcome"), texts.err_choice));
            None
        }
    };
    if comment.trim().chars().count() > MAX_TEXT_CHARS {
        problems.push(Problem::new(
            format!("{prefix}_comment"),
            texts.err_too_long,
        ));
    }
    (chosen, problems)
}

/// `POST …/review/cases/{case_id}/priority/resolve`: accepts or refuses
/// the waiting request.
pub async fn resolve_priority(
    State(core): State<Core>,
    Path((_, _, case_id)): Path<(String, String, String)>,
    OriginalUri(uri): OriginalUri,
    StaffPosted(desk, Form(form), _): StaffPosted<Reviewers, Form<ActionForm>>,
) -> Response {
    let lang = desk.lang();
    let texts = texts(lang);
    let csrf = desk.csrf_token(&core);
    let show = |problems: &[Problem]| {
        resolve_form(
            &self_action(&uri),
            &csrf,
            lang,
            &form.resolve_outcome,
            &form.resolve_comment,
            problems,
        )
    };
    let (accept, problems) = outcome_problems(
        texts,
        "resolve",
        (form.resolve_outcome.as_str(), form.resolve_comment.as_str()),
        ("accept", "refuse"),
    );
    let Some(accept) = accept.filter(|_| problems.is_empty()) else {
        return again(
            &core,
            &desk,
            &uri,
            StatusCode::UNPROCESSABLE_ENTITY,
            texts.resolve_title,
            &case_id,
            show(&problems),
            &problems,
        );
    };
    let answer = review_client(&core)
        .resolve_priority(core.upstreams.request(
            ResolvePriorityRequest {
                case_id: case_id.clone(),
                accept,
                comment: form.resolve_comment.trim().to_owned(),
            },
            Some(desk.caller.token()),
        ))
        .await;
    match answer {
        Ok(_) => Redirect::to(&case_link(&desk, &uri, &case_id)).into_response(),
        Err(status) => after_refusal(
            &core,
            &desk,
            &uri,
            &status,
            texts.resolve_title,
            &case_id,
            "resolve_outcome",
            show,
        ),
    }
}

/// `POST …/review/cases/{case_id}/sign-off` (senior reviewers): signs off
/// or sends back a decision another reviewer proposed.
pub async fn sign_off(
    State(core): State<Core>,
    Path((_, _, case_id)): Path<(String, String, String)>,
    OriginalUri(uri): OriginalUri,
    StaffPosted(desk, Form(form), _): StaffPosted<Reviewers, Form<ActionForm>>,
) -> Response {
    let lang = desk.lang();
    let texts = texts(lang);
    let csrf = desk.csrf_token(&core);
    let show = |problems: &[Problem]| {
        sign_off_form(
            &self_action(&uri),
            &csrf,
            lang,
            &form.sign_off_outcome,
            &form.sign_off_comment,
            problems,
        )
    };
    let (approve, problems) = outcome_problems(
        texts,
        "sign_off",
        (
            form.sign_off_outcome.as_str(),
            form.sign_off_comment.as_str(),
        ),
        ("approve", "send_back"),
    );
    let Some(approve) = approve.filter(|_| problems.is_empty()) else {
        return again(
            &core,
            &desk,
            &uri,
            StatusCode::UNPROCESSABLE_ENTITY,
            texts.sign_off_title,
            &case_id,
            show(&problems),
            &problems,
        );
    };
    let answer = review_client(&core)
        .sign_off(core.upstreams.request(
            SignOffRequest {
                case_id: case_id.clone(),
                approve,
                comment: form.sign_off_comment.trim().to_owned(),
            },
            Some(desk.caller.token()),
        ))
        .await;
    match answer {
        Ok(_) => Redirect::to(&case_link(&desk, &uri, &case_id)).into_response(),
        Err(status) => after_refusal(
            &core,
            &desk,
            &uri,
            &status,
            texts.sign_off_title,
            &case_id,
            "sign_off_outcome",
            show,
        ),
    }
}

crate::portal::shell::request::csrf_token_field!(ActionForm);
