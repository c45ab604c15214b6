//! The reviewer's pages on the agency's staff portal: the queues with a
//! "claim next" per lane, and a claimed case with its answers, documents
//! (previews from the API's download route), the decision form and the
//! case's audit history.
//!
//! Only a signed-in reviewer (or senior reviewer) of this agency's staff
//! portal gets them; anyone else signed in is refused, a visitor goes to
//! the sign-in, and the review pages of an applicant portal do not exist
//! (the staff desk's way in, shared with the other staff pages).

pub mod actions;
pub mod group;
pub(crate) mod texts;

pub use texts::{Texts, texts};

use axum::Form;
use axum::extract::OriginalUri;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use laissez_proto::events::v1::Decision;
use laissez_proto::intake::v1::Case;
use laissez_proto::review::v1::review_service_client::ReviewServiceClient;
use laissez_proto::review::v1::{
    AuditEntry, ClaimNextRequest, DecideRequest, GetQueueSummaryRequest, GetReviewCaseRequest,
    Lane, ListAuditRequest, ReviewCase,
};
use maud::{Markup, html};
use serde::Deserialize;
use tonic::transport::Channel;

use crate::core::Core;
use crate::core::csrf::CSRF_FORM_FIELD;
use crate::core::upstream::Upstream;
use crate::portal::applicant::parts::{return_rounds, size, when};
use crate::portal::shell::i18n::{self, Lang};
use crate::portal::shell::page::lang_suffix;
use crate::portal::shell::view::{self, FormError};
use crate::portal::staff::desk::{Desk, Reviewers, Staff, StaffPosted, layout};

/// The longest comment the form passes on.
const MAX_COMMENT_CHARS: usize = 2000;
/// Audit entries shown for a case.
const AUDIT_LIMIT: u32 = 200;

/// The decisions the form offers, by their form value.
const DECISIONS: [(&str, Decision); 4] = [
    ("approved", Decision::Approved),
    ("returned_for_correction", Decision::ReturnedForCorrection),
    ("returned_for_supplement", Decision::ReturnedForSupplement),
    ("not_approved", Decision::NotApproved),
];

fn decision_label(texts: &Texts, decision: Decision) -> &'static str {
    match decision {
        Decision::Approved => texts.approve,
        Decision::ReturnedForCorrection => texts.return_correction,
        Decision::ReturnedForSupplement => texts.return_supplement,
        _ => texts.reject,
    }
}

fn review_client(core: &Core) -> ReviewServiceClient<Channel> {
    ReviewServiceClient::new(core.upstreams.channel(Upstream::Review))
}

/// How long ago `at` was, roughly: minutes, hours or days.
fn age(lang: Lang, at: Option<&prost_types::Timestamp>) -> String {
    let Some(at) = at else {
        return String::new();
    };
    let texts = texts(lang);
    let seconds = (chrono::Utc::now().timestamp() - at.seconds).max(0);
    let (count, unit) = match seconds {
        0..3600 => (seconds / 60, texts.minutes),
        3600..172_800 => (seconds / 3600, texts.hours),
        _ => (seconds / 86_400, texts.days),
    };
    if lang == Lang::En {
        format!("{count} {unit}")
    } else {
        format!("{count}{unit}")
    }
}

fn lane_name(texts: &Texts, lane: i32) -> &'static str {
    if lane == Lane::Priority as i32 {
        texts.lane_priority
    } else {
        texts.lane_normal
    }
}

// ------------------------------------------------------------------ queue

/// `GET /portal/{agency}/staff/review`: the queues by lane.
pub async fn queue_page(
    State(core): State<Core>,
    Staff(desk, _): Staff<Reviewers>,
    OriginalUri(uri): OriginalUri,
) -> Response {
    let answer = review_client(&core)
        .get_queue_summary(
            core.upstreams
                .request(GetQueueSummaryRequest {}, Some(desk.caller.token())),
        )
        .await;
    let queues = match answer {
        Ok(answer) => answer.into_inner().queues,
        Err(status) => return desk.refused(&status).into_response(),
    };
    let lang = desk.language.lang;
    let texts = texts(lang);
    let action = format!("{}review/claim{}", desk.site.base_path(), lang_suffix(&uri));
    let csrf_token = core.csrf_token(desk.caller.session_token());
    let content = html! {
        p { (texts.queue_intro) }
        @if queues.is_empty() {
            p { (texts.no_queues) }
        } @else {
            div.table-wrap tabindex="0" { table {
                thead { tr {
                    th scope="col" { (texts.application_type) }
                    th scope="col" { (texts.lane) }
                    th scope="col" { (texts.depth) }
                    th scope="col" { (texts.oldest) }
                    th scope="col" { (texts.claim_next) }
                } }
                tbody { @for queue in &queues { tr.queue {
                    td { (desk.site.type_name(&queue.application_type).get(lang)) }
                    td { (lane_name(texts, queue.lane)) }
                    td.depth { (queue.depth) }
                    td { (age(lang, queue.oldest_submitted_at.as_ref())) }
                    td {
                        form method="post" action=(action) {
                            input type="hidden" name=(CSRF_FORM_FIELD) value=(csrf_token);
                            input type="hidden" name="application_type" value=(queue.application_type);
                            button.primary type="submit" { (texts.claim_next) }
                        }
                    }
                } } }
            } }
        }
    };
    layout(
        &core,
        &desk,
        &uri,
        StatusCode::OK,
        texts.queue_title,
        content,
    )
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ClaimForm {
    csrf_token: String,
    application_type: String,
}

/// `POST /portal/{agency}/staff/review/claim`: claims the next case of a
/// queue and opens it.
pub async fn claim(
    State(core): State<Core>,
    OriginalUri(uri): OriginalUri,
    StaffPosted(desk, Form(form), _): StaffPosted<Reviewers, Form<ClaimForm>>,
) -> Response {
    let answer = review_client(&core)
        .claim_next(core.upstreams.request(
            ClaimNextRequest {
                application_type: form.application_type.trim().to_owned(),
            },
            Some(desk.caller.token()),
        ))
        .await;
    match answer {
        Ok(claim) => Redirect::to(&format!(
            "{}review/cases/{}{}",
            desk.site.base_path(),
            claim.into_inner().case_id,
            lang_suffix(&uri)
        ))
        .into_response(),
        Err(status)
            if matches!(
                status.code(),
                tonic::Code::NotFound | tonic::Code::FailedPrecondition
            ) =>
        {
            let texts = texts(desk.language.lang);
            let content = html! {
                p { (texts.nothing_to_claim_body) }
                p { a href=(format!("{}review{}", desk.site.base_path(), lang_suffix(&uri))) { (texts.back_to_queue) } }
            };
            layout(
                &core,
                &desk,
                &uri,
                StatusCode::CONFLICT,
                texts.nothing_to_claim_title,
                content,
            )
        }
        Err(status) => desk.refused(&status).into_response(),
    }
}

// ------------------------------------------------------------------- case

async fn get_review_case(
    core: &Core,
    desk: &Desk,
    case_id: &str,
) -> Result<ReviewCase, tonic::Status> {
    Ok(review_client(core)
        .get_review_case(core.upstreams.request(
            GetReviewCaseRequest {
                case_id: case_id.to_owned(),
            },
            Some(desk.caller.token()),
        ))
        .await?
        .into_inner())
}

/// The case's audit entries, or `None` when the reviewer may not read the
/// audit (senior reviewers may).
async fn audit_of(
    core: &Core,
    desk: &Desk,
    case_id: &str,
) -> Result<Option<Vec<AuditEntry>>, tonic::Status> {
    let answer = review_client(core)
        .list_audit(core.upstreams.request(
            ListAuditRequest {
                case_id: case_id.to_owned(),
                limit: AUDIT_LIMIT,
                after_sequence: 0,
            },
            Some(desk.caller.token()),
        ))
        .await;
    match answer {
        Ok(answer) => Ok(Some(answer.into_inner().entries)),
        Err(status) if status.code() == tonic::Code::PermissionDenied => Ok(None),
        Err(status) => Err(status),
    }
}

/// `GET /portal/{agency}/staff/review/cases/{case_id}`.
pub async fn case_page(
    State(core): State<Core>,
    Staff(desk, _): Staff<Reviewers>,
    Path((_, _, case_id)): Path<(String, String, String)>,
    OriginalUri(uri): OriginalUri,
) -> Response {
    show_case(
        &core,
        &desk,
        &uri,
        &case_id,
        StatusCode::OK,
        &[],
        &DecisionForm::default(),
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn show_case(
    core: &Core,
    desk: &Desk,
    uri: &Uri,
    case_id: &str,
    status: StatusCode,
    errors: &[FormError],
    form: &DecisionForm,
) -> Response {
    let case = match get_review_case(core, desk, case_id).await {
        Ok(case) => case,
        Err(status) => return desk.refused(&status).into_response(),
    };
    let audit = match audit_of(core, desk, case_id).await {
        Ok(audit) => audit,
        Err(status) => return desk.refused(&status).into_response(),
    };
    let group = group_of(core, desk, &case).await;
    let content = case_content(
        core,
        desk,
        uri,
        (&case, group.as_slice()),
        audit.as_deref(),
        errors,
        form,
    );
    layout(
        core,
        desk,
        uri,
        status,
        texts(desk.language.lang).case_title,
        content,
    )
}

/// The cases submitted together with `case` (itself included); none
/// when it was filed alone, or when intake cannot say just now (the page
/// then shows the case without its group).
async fn group_of(core: &Core, desk: &Desk, case: &ReviewCase) -> Vec<Case> {
    if case.group_number.is_empty() {
        return Vec::new();
    }
    crate::portal::staff::review::group::group_cases(core, desk, &case.group_number)
        .await
        .unwrap_or_else(|status| {
            tracing::warn!(code = ?status.code(), "intake did not list the case's group");
            Vec::new()
        })
}

#[allow(clippy::too_many_arguments)]
fn case_content(
    core: &Core,
    desk: &Desk,
    uri: &Uri,
    (case, group): (&ReviewCase, &[Case]),
    audit: Option<&[AuditEntry]>,
    errors: &[FormError],
    form: &DecisionForm,
) -> Markup {
    let (decision, comment) = (form.decision.as_str(), form.comment.as_str());
    let lang = desk.language.lang;
    let messages = lang.messages();
    let texts = texts(lang);
    let site = &desk.site;
    let suffix = lang_suffix(uri);
    let submission = case.submission.as_ref();
    let answers = submission
        .map(|submission| {
            crate::portal::applicant::apply::spec::labelled_answers(
                site,
                &case.application_type,
                &submission.answers_json,
                lang,
            )
        })
        .unwrap_or_default();
    let decision_action = format!(
        "{}review/cases/{}/decision{suffix}",
        site.base_path(),
        case.case_id
    );
    let decision_error = errors.iter().find(|error| error.field == "decision");
    let comment_error = errors.iter().find(|error| error.field == "comment");
    let forfeit_error = errors.iter().find(|error| error.field == "fee_forfeited");
    html! {
        (view::error_summary(lang, errors))
        section aria-labelledby="summary-title" {
            h2 #summary-title { (messages.case_summary) }
            dl.summary {
                dt { (messages.receipt_number) } dd { (case.receipt_number) }
                dt { (messages.group_number) } dd {
                    @if case.group_number.is_empty() { (messages.no_group) } @else { (case.group_number) }
                }
                dt { (messages.application_type) } dd { (site.type_name(&case.application_type).get(lang)) }
                dt { (texts.lane) } dd { (lane_name(texts, case.lane)) }
                dt { (texts.review_state) } dd.review-state { (case.state) }
                @if let Some(submission) = submission {
                    dt { (messages.state) } dd.state { (i18n::state_name(lang, submission.state)) }
                    dt { (messages.applicant) } dd { (submission.applicant_masked_name) }
                    dt { (messages.submitted_at) } dd { (when(site, submission.submitted_at.as_ref()).unwrap_or_default()) }
                }
                dt { (texts.due_at) } dd { (when(site, case.due_at.as_ref()).unwrap_or_default()) }
            }
        }
        @if submission.is_none() {
            p.notice role="status" { (texts.submission_missing) }
        }
        section aria-labelledby="answers-title" {
            h2 #answers-title { (messages.answers) }
            @if answers.is_empty() {
                p { (messages.no_answers) }
            } @else {
                dl.answers { @for (label, value) in &answers { dt { (label) } dd { (value) } } }
            }
        }
        section aria-labelledby="documents-title" {
            h2 #documents-title { (messages.documents) }
            @let documents = submission.map(|submission| submission.documents.as_slice()).unwrap_or_default();
            @if documents.is_empty() {
                p { (messages.no_documents) }
            } @else {
                ul.documents { @for document in documents {
                    @let href = format!("/api/v1/cases/{}/documents/{}", case.case_id, document.document_id);
                    @let preview = format!("{href}?disposition=inline");
                    @let name = crate::portal::applicant::apply::spec::document_name(site, &case.application_type, &document.requirement, lang);
                    li.document {
                        p {
                            strong { (name) } " · " (document.file_name) " · "
                            (size(document.size_bytes)) " · " (document.media_type)
                        }
                        @if document.media_type.starts_with("image/") {
                            a href=(preview) { img.thumbnail src=(preview) alt=(format!("{name}: {}", document.file_name)) width="160"; }
                        }
                        p {
                            a href=(preview) { (texts.preview) " " (document.file_name) }
                            " · "
                            a href=(href) download=(document.file_name) { (messages.download) }
                        }
                    }
                } }
            }
        }
        @if let Some(submission) = submission && !submission.returns.is_empty() {
            (return_rounds(lang, site, &submission.returns, false))
        }
        (crate::portal::staff::review::actions::section(core, &site.base_path(), &suffix, &desk.caller, lang, case))
        (crate::portal::staff::review::group::section(core, desk, uri, case, group))
        section aria-labelledby="decision-title" {
            h2 #decision-title { (texts.decision_title) }
            form method="post" action=(decision_action) novalidate {
                input type="hidden" name=(CSRF_FORM_FIELD) value=(core.csrf_token(desk.caller.session_token()));
                fieldset.field.field-error[decision_error.is_some()] #decision
                    aria-describedby=[decision_error.map(|_| "decision-error")] {
                    legend { (texts.decision) }
                    @if let Some(error) = decision_error {
                        p.error-message #decision-error { (error.message) }
                    }
                    @for (value, kind) in DECISIONS {
                        div.radio {
                            input id=(format!("decision-{value}")) type="radio" name="decision" value=(value)
                                checked[decision == value];
                            label for=(format!("decision-{value}")) { (decision_label(texts, kind)) }
                        }
                    }
                }
                // Where the catalog refunds a fee when a case is not
                // approved, the reviewer may keep it (fraud).
                @if site.refunds_when_not_approved() {
                    div.field.field-error[forfeit_error.is_some()] {
                        @if let Some(error) = forfeit_error {
                            p.error-message #fee-forfeited-error { (error.message) }
                        }
                        div.checkbox {
                            input #fee_forfeited type="checkbox" name="fee_forfeited" value="yes"
                                aria-describedby="fee-forfeited-help" checked[form.forfeits_fee()];
                            label for="fee_forfeited" { (texts.fee_forfeited) }
                        }
                        p.help #fee-forfeited-help { (texts.fee_forfeited_help) }
                    }
                }
                div.field.field-error[comment_error.is_some()] {
                    label for="comment" { (texts.comment) }
                    p.help #comment-help { (texts.comment_help) }
                    @if let Some(error) = comment_error {
                        p.error-message #comment-error { (error.message) }
                    }
                    textarea #comment name="comment" rows="4"
                        aria-describedby=(if comment_error.is_some() { "comment-help comment-error" } else { "comment-help" })
                        aria-invalid=[comment_error.map(|_| "true")] { (comment) }
                }
                div.actions { button.primary type="submit" { (texts.decide) } }
            }
        }
        section aria-labelledby="audit-title" {
            h2 #audit-title { (texts.audit_title) }
            @match audit {
                Some(entries) => {
                    div.table-wrap tabindex="0" { table.audit {
                        thead { tr {
                            th scope="col" { (messages.time) }
                            th scope="col" { (texts.actor) }
                            th scope="col" { (texts.action) }
                            th scope="col" { (texts.detail) }
                        } }
                        tbody { @for entry in entries { tr {
                            td { (when(site, entry.at.as_ref()).unwrap_or_default()) }
                            td { (entry.actor) }
                            td.action { (entry.action) }
                            td.detail { (entry.detail_json) @if !entry.reason.is_empty() { " " (entry.reason) } }
                        } } }
                    } }
                }
                None => {
                    p { (texts.audit_restricted) }
                    div.table-wrap tabindex="0" { table.audit {
                        thead { tr {
                            th scope="col" { (messages.time) }
                            th scope="col" { (texts.actor) }
                            th scope="col" { (texts.action) }
                            th scope="col" { (texts.detail) }
                        } }
                        tbody { @for entry in &case.history { tr {
                            td { (when(site, entry.at.as_ref()).unwrap_or_default()) }
                            td { (entry.actor) }
                            td.action { (entry.action) }
                            td.detail { (entry.detail) }
                        } } }
                    } }
                }
            }
        }
        p { a href=(format!("{}review{suffix}", site.base_path())) { (texts.back_to_queue) } }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DecisionForm {
    csrf_token: String,
    decision: String,
    comment: String,
    /// "yes" when the box "fee not refunded" is ticked.
    fee_forfeited: String,
}

impl DecisionForm {
    fn forfeits_fee(&self) -> bool {
        self.fee_forfeited == "yes"
    }
}

/// `POST /portal/{agency}/staff/review/cases/{case_id}/decision`: records
/// the decision and shows the case again (303), or the form with its
/// errors.
pub async fn decide(
    State(core): State<Core>,
    Path((_, _, case_id)): Path<(String, String, String)>,
    OriginalUri(uri): OriginalUri,
    StaffPosted(desk, Form(form), _): StaffPosted<Reviewers, Form<DecisionForm>>,
) -> Response {
    let texts = texts(desk.language.lang);
    let comment = form.comment.trim();
    let decision = DECISIONS
        .iter()
        .find(|(value, _)| *value == form.decision)
        .map(|(_, decision)| *decision);
    let mut errors = Vec::new();
    match decision {
        None => errors.push(FormError {
            field: "decision",
            message: texts.err_decision,
        }),
        Some(decision) if decision != Decision::Approved && comment.is_empty() => {
            errors.push(FormError {
                field: "comment",
                message: texts.err_comment_required,
            });
        }
        Some(_) => {}
    }
    if comment.chars().count() > MAX_COMMENT_CHARS {
        errors.push(FormError {
            field: "comment",
            message: texts.err_comment_too_long,
        });
    }
    if form.forfeits_fee() && decision.is_some_and(|decision| decision != Decision::NotApproved) {
        errors.push(FormError {
            field: "fee_forfeited",
            message: texts.err_fee_forfeited,
        });
    }
    let again = async |status: StatusCode, errors: Vec<FormError>| {
        show_case(&core, &desk, &uri, &case_id, status, &errors, &form).await
    };
    let Some(decision) = decision.filter(|_| errors.is_empty()) else {
        return again(StatusCode::UNPROCESSABLE_ENTITY, errors).await;
    };
    let answer = review_client(&core)
        .decide(core.upstreams.request(
            DecideRequest {
                case_id: case_id.clone(),
                decision: decision as i32,
                comment: comment.to_owned(),
                fee_forfeited: form.forfeits_fee(),
            },
            Some(desk.caller.token()),
        ))
        .await;
    match answer {
        Ok(_) => Redirect::to(&format!(
            "{}review/cases/{case_id}{}",
            desk.site.base_path(),
            lang_suffix(&uri)
        ))
        .into_response(),
        Err(status)
            if matches!(
                status.code(),
                tonic::Code::FailedPrecondition
                    | tonic::Code::InvalidArgument
                    | tonic::Code::Aborted
            ) =>
        {
            let field_comment = laissez_kit::Problem::from_status(&status)
                .errors
                .iter()
                .any(|error| error.field == "comment");
            let error = if field_comment {
                FormError {
                    field: "comment",
                    message: texts.err_comment_required,
                }
            } else {
                FormError {
                    field: "decision",
                    message: texts.err_decision_refused,
                }
            };
            again(StatusCode::UNPROCESSABLE_ENTITY, vec![error]).await
        }
        Err(status) => desk.refused(&status).into_response(),
    }
}

crate::portal::shell::request::csrf_token_field!(ClaimForm, DecisionForm);
