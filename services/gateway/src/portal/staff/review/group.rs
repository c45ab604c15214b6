//! Deciding a whole group from a claimed case's page. Cases an applicant
//! submits together share a group number; when the case belongs to a group
//! of more than one case, its page lists the group's cases (intake
//! `ListCases` by group number, read with the reviewer's token) and offers
//! one decision for all of them: not accepted or not approved, with the
//! reason every applicant of the group reads.
//!
//! The decision cannot be taken back, so it takes two steps: the form
//! leads to a confirmation page that repeats the cases, the decision and
//! the reason, and only its button calls review `DecideGroup`. Review
//! decides every case of the group still open (queued or claimed) in one
//! transaction and refuses the whole call when another reviewer holds one
//! of them.

use axum::Form;
use axum::extract::OriginalUri;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use laissez_proto::common::v1::PageRequest;
use laissez_proto::events::v1::Decision;
use laissez_proto::intake::v1::{Case, ListCasesRequest};
use laissez_proto::review::v1::review_service_client::ReviewServiceClient;
use laissez_proto::review::v1::{DecideGroupRequest, GetReviewCaseRequest, ReviewCase};
use maud::{Markup, html};
use serde::Deserialize;

use crate::core::Core;
use crate::core::csrf::CSRF_FORM_FIELD;
use crate::core::upstream::Upstream;
use crate::portal::shell::i18n::{self};
use crate::portal::shell::locale::texts;
use crate::portal::shell::page::lookup_failed;
use crate::portal::shell::problems::{self, Problem};
use crate::portal::shell::site::Lookup;
use crate::portal::staff::desk::{Desk, Reviewers, StaffPosted, layout};

/// The longest reason the form passes on (review's own limit).
const MAX_COMMENT_CHARS: usize = 2000;
/// The most cases of a group the page lists (intake's largest page).
const GROUP_PAGE_SIZE: u32 = 100;

texts! {
    pub struct Texts, fn texts, "review-group" {
        group_title,
        group_intro,
        group_decision,
        not_accepted,
        not_approved,
        group_comment,
        group_comment_help,
        fee_forfeited,
        fee_forfeited_help,
        fee_kept,
        next,
        confirm_title,
        confirm_warning,
        confirm,
        err_decision,
        err_comment_required,
        err_comment_too_long,
        err_fee_forfeited,
        err_not_now,
        err_claimed_by_another,
        back_to_case,
    }
}

/// The decisions a whole group can take here, by their form value.
const GROUP_DECISIONS: [(&str, Decision); 2] = [
    ("not_accepted", Decision::NotAccepted),
    ("not_approved", Decision::NotApproved),
];

fn decision_label(texts: &Texts, decision: Decision) -> &'static str {
    if decision == Decision::NotAccepted {
        texts.not_accepted
    } else {
        texts.not_approved
    }
}

/// The cases of `group_number`, oldest first.
pub(crate) async fn group_cases(
    core: &Core,
    desk: &Desk,
    group_number: &str,
) -> Result<Vec<Case>, tonic::Status> {
    let mut cases = core
        .upstreams
        .intake()
        .list_cases(core.upstreams.request(
            ListCasesRequest {
                group_number: group_number.to_owned(),
                page: Some(PageRequest {
                    page_size: GROUP_PAGE_SIZE,
                    page_token: String::new(),
                }),
                ..ListCasesRequest::default()
            },
            Some(desk.caller.token()),
        ))
        .await?
        .into_inner()
        .cases;
    cases.reverse();
    Ok(cases)
}

/// Whether review may still decide the case (it is queued or claimed).
fn open(case: &ReviewCase) -> bool {
    matches!(case.state.as_str(), "queued" | "leased")
}

fn case_link(desk: &Desk, uri: &Uri, case_id: &str) -> String {
    desk.link(uri, &format!("review/cases/{case_id}"))
}

fn cases_table(desk: &Desk, uri: &Uri, cases: &[Case]) -> Markup {
    let lang = desk.lang();
    let messages = lang.messages();
    html! {
        div.table-wrap tabindex="0" { table.group-cases {
            thead { tr {
                th scope="col" { (messages.receipt_number) }
                th scope="col" { (messages.application_type) }
                th scope="col" { (messages.applicant) }
                th scope="col" { (messages.state) }
            } }
            tbody { @for case in cases { tr {
                td { a href=(case_link(desk, uri, &case.case_id)) { (case.receipt_number) } }
                td { (desk.site.type_name(&case.application_type).get(lang)) }
                td { (case.applicant_masked_name) }
                td.state { (i18n::state_name(lang, case.state)) }
            } } }
        } }
    }
}

fn group_form(
    core: &Core,
    desk: &Desk,
    uri: &Uri,
    case_id: &str,
    (decision, comment, forfeited): (&str, &str, bool),
    problems: &[Problem],
) -> Markup {
    let texts = texts(desk.lang());
    let action = desk.link(uri, &format!("review/cases/{case_id}/group-decision"));
    let problem = problems
        .iter()
        .find(|problem| problem.field == "group_decision");
    let forfeit_problem = problems
        .iter()
        .find(|problem| problem.field == "group_fee_forfeited");
    html! {
        form method="post" action=(action) novalidate {
            input type="hidden" name=(CSRF_FORM_FIELD) value=(desk.csrf_token(core));
            fieldset.field.field-error[problem.is_some()] #group_decision
                aria-describedby=[problem.map(|_| "group_decision-error")] {
                legend { (texts.group_decision) }
                @if let Some(problem) = problem {
                    p.error-message #group_decision-error { (problem.message) }
                }
                @for (value, kind) in GROUP_DECISIONS {
                    div.radio {
                        input id=(format!("group_decision-{value}")) type="radio" name="group_decision"
                            value=(value) checked[decision == value];
                        label for=(format!("group_decision-{value}")) { (decision_label(texts, kind)) }
                    }
                }
            }
            div.field.field-error[forfeit_problem.is_some()] {
                @if let Some(problem) = forfeit_problem {
                    p.error-message #group_fee_forfeited-error { (problem.message) }
                }
                div.checkbox {
                    input #group_fee_forfeited type="checkbox" name="group_fee_forfeited" value="yes"
                        aria-describedby="group_fee_forfeited-help" aria-invalid=[forfeit_problem.map(|_| "true")]
                        checked[forfeited];
                    label for="group_fee_forfeited" { (texts.fee_forfeited) }
                }
                p.help #group_fee_forfeited-help { (texts.fee_forfeited_help) }
            }
            p.help #group_comment-help { (texts.group_comment_help) }
            (problems::textarea("group_comment", texts.group_comment, comment, problems))
            div.actions { button.secondary type="submit" { (texts.next) } }
        }
    }
}

/// The group section of a case page: nothing for a case filed alone, the
/// group's cases, and the form while review may still decide the case.
pub(crate) fn section(
    core: &Core,
    desk: &Desk,
    uri: &Uri,
    case: &ReviewCase,
    group: &[Case],
) -> Markup {
    let texts = texts(desk.lang());
    html! {
        @if group.len() > 1 {
            section.group aria-labelledby="group-title" {
                h2 #group-title { (texts.group_title) " " (case.group_number) }
                p { (texts.group_intro) }
                (cases_table(desk, uri, group))
                @if open(case) {
                    (group_form(core, desk, uri, &case.case_id, ("", "", false), &[]))
                }
            }
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct GroupDecisionForm {
    csrf_token: String,
    group_decision: String,
    group_comment: String,
    /// `yes` when a "not approved" group keeps the fees it paid.
    group_fee_forfeited: String,
    /// Sent by the confirmation page's button only.
    confirmed: String,
}

impl GroupDecisionForm {
    fn forfeits_fee(&self) -> bool {
        self.group_fee_forfeited == "yes"
    }
}

/// The form's decision and reason, checked as review would.
fn checked(texts: &Texts, form: &GroupDecisionForm) -> (Option<Decision>, Vec<Problem>) {
    let mut problems = Vec::new();
    let decision = GROUP_DECISIONS
        .iter()
        .find(|(value, _)| *value == form.group_decision)
        .map(|(_, decision)| *decision);
    if decision.is_none() {
        problems.push(Problem::new("group_decision", texts.err_decision));
    }
    if form.forfeits_fee() && decision.is_some_and(|decision| decision != Decision::NotApproved) {
        problems.push(Problem::new("group_fee_forfeited", texts.err_fee_forfeited));
    }
    let comment = form.group_comment.trim();
    if comment.is_empty() {
        problems.push(Problem::new("group_comment", texts.err_comment_required));
    } else if comment.chars().count() > MAX_COMMENT_CHARS {
        problems.push(Problem::new("group_comment", texts.err_comment_too_long));
    }
    (decision, problems)
}

/// Review's refusal of the group decision as a problem on the form, or
/// `None` when it is not about the form.
fn refusal_problem(texts: &Texts, status: &tonic::Status) -> Option<(StatusCode, Problem)> {
    match status.code() {
        tonic::Code::InvalidArgument => {
            let violations = laissez_kit::Problem::from_status(status).errors;
            let violation = violations.first()?;
            let problem = match (violation.field.as_str(), violation.code.as_str()) {
                ("comment", "too_long") => {
                    Problem::new("group_comment", texts.err_comment_too_long)
                }
                ("comment", _) => Problem::new("group_comment", texts.err_comment_required),
                ("fee_forfeited", _) => {
                    Problem::new("group_fee_forfeited", texts.err_fee_forfeited)
                }
                _ => Problem::new("group_decision", texts.err_decision),
            };
            Some((StatusCode::UNPROCESSABLE_ENTITY, problem))
        }
        // Another reviewer holds a case of the group: the caller's role
        // was checked on the way in.
        tonic::Code::PermissionDenied => Some((
            StatusCode::CONFLICT,
            Problem::new("group_decision", texts.err_claimed_by_another),
        )),
        tonic::Code::FailedPrecondition | tonic::Code::Aborted | tonic::Code::NotFound => Some((
            StatusCode::CONFLICT,
            Problem::new("group_decision", texts.err_not_now),
        )),
        _ => None,
    }
}

/// `POST …/review/cases/{case_id}/group-decision`: the form's step shows
/// the confirmation (or the form again with its errors); the confirmation's
/// step decides the group and shows the case again (303).
pub async fn decide_group(
    State(core): State<Core>,
    Path((_, _, case_id)): Path<(String, String, String)>,
    OriginalUri(uri): OriginalUri,
    StaffPosted(desk, Form(form), _): StaffPosted<Reviewers, Form<GroupDecisionForm>>,
) -> Response {
    let mut review = ReviewServiceClient::new(core.upstreams.channel(Upstream::Review));
    let case = match review
        .get_review_case(core.upstreams.request(
            GetReviewCaseRequest {
                case_id: case_id.clone(),
            },
            Some(desk.caller.token()),
        ))
        .await
    {
        Ok(case) => case.into_inner(),
        Err(status) => return desk.refused(&status).into_response(),
    };
    if case.group_number.is_empty() {
        return lookup_failed(desk.language, &uri, Lookup::NotFound);
    }
    let group = match group_cases(&core, &desk, &case.group_number).await {
        Ok(group) if group.len() > 1 => group,
        Ok(_) => return lookup_failed(desk.language, &uri, Lookup::NotFound),
        Err(status) => return desk.refused(&status).into_response(),
    };
    let lang = desk.lang();
    let texts = texts(lang);
    let shown = (
        form.group_decision.as_str(),
        form.group_comment.as_str(),
        form.forfeits_fee(),
    );
    let again = |status: StatusCode, problems: &[Problem]| {
        let content = html! {
            (problems::summary(lang, problems))
            (cases_table(&desk, &uri, &group))
            (group_form(&core, &desk, &uri, &case_id, shown, problems))
            p { a href=(case_link(&desk, &uri, &case_id)) { (texts.back_to_case) } }
        };
        layout(&core, &desk, &uri, status, texts.group_title, content)
    };
    let (decision, problems) = checked(texts, &form);
    let Some(decision) = decision.filter(|_| problems.is_empty()) else {
        return again(StatusCode::UNPROCESSABLE_ENTITY, &problems);
    };
    let comment = form.group_comment.trim();
    if form.confirmed != "1" {
        let content = html! {
            p.warning { (texts.confirm_warning) }
            dl.summary {
                dt { (lang.messages().group_number) } dd { (case.group_number) }
                dt { (texts.group_decision) } dd.group-decision { (decision_label(texts, decision)) }
                dt { (texts.group_comment) } dd.group-comment { (comment) }
                @if form.forfeits_fee() {
                    dt { (texts.fee_forfeited) } dd.group-fee { (texts.fee_kept) }
                }
            }
            (cases_table(&desk, &uri, &group))
            form method="post" action=(desk.link(&uri, &format!("review/cases/{case_id}/group-decision"))) {
                input type="hidden" name=(CSRF_FORM_FIELD) value=(desk.csrf_token(&core));
                input type="hidden" name="group_decision" value=(form.group_decision);
                input type="hidden" name="group_comment" value=(comment);
                @if form.forfeits_fee() {
                    input type="hidden" name="group_fee_forfeited" value="yes";
                }
                input type="hidden" name="confirmed" value="1";
                div.actions {
                    button.primary type="submit" { (texts.confirm) }
                    a.button.secondary href=(case_link(&desk, &uri, &case_id)) { (texts.back_to_case) }
                }
            }
        };
        return layout(
            &core,
            &desk,
            &uri,
            StatusCode::OK,
            texts.confirm_title,
            content,
        );
    }
    let answer = review
        .decide_group(core.upstreams.request(
            DecideGroupRequest {
                group_number: case.group_number.clone(),
                decision: decision as i32,
                comment: comment.to_owned(),
                fee_forfeited: form.forfeits_fee(),
            },
            Some(desk.caller.token()),
        ))
        .await;
    match answer {
        Ok(_) => Redirect::to(&case_link(&desk, &uri, &case_id)).into_response(),
        Err(status) => match refusal_problem(texts, &status) {
            Some((code, problem)) => again(code, &[problem]),
            None => desk.refused(&status).into_response(),
        },
    }
}

crate::portal::shell::request::csrf_token_field!(GroupDecisionForm);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::portal::shell::i18n::Lang;

    #[test]
    fn review_refusals_land_on_the_group_form() {
        let texts = texts(Lang::En);
        let missing: tonic::Status =
            laissez_kit::ServiceError::InvalidArgument(vec![laissez_kit::FieldError::new(
                "comment", "required", "x",
            )])
            .into();
        let (code, problem) = refusal_problem(texts, &missing).unwrap();
        assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(problem.field, "group_comment");
        let held = tonic::Status::permission_denied("leased to another reviewer");
        let (code, problem) = refusal_problem(texts, &held).unwrap();
        assert_eq!(code, StatusCode::CONFLICT);
        assert_eq!(problem.message, texts.err_claimed_by_another);
        assert!(refusal_problem(texts, &tonic::Status::unavailable("down")).is_none());
        let forfeit: tonic::Status =
            laissez_kit::ServiceError::InvalidArgument(vec![laissez_kit::FieldError::new(
                "fee_forfeited",
                "invalid",
                "x",
            )])
            .into();
        let (_, problem) = refusal_problem(texts, &forfeit).unwrap();
        assert_eq!(problem.field, "group_fee_forfeited");
    }

    #[test]
    fn only_a_group_not_approved_keeps_its_fees() {
        let texts = texts(Lang::En);
        let form = |decision: &str| GroupDecisionForm {
            group_decision: decision.to_owned(),
            group_comment: "Falsified documents".to_owned(),
            group_fee_forfeited: "yes".to_owned(),
            ..GroupDecisionForm::default()
        };
        let (decision, problems) = checked(texts, &form("not_approved"));
        assert_eq!(decision, Some(Decision::NotApproved));
        assert!(problems.is_empty());
        let (_, problems) = checked(texts, &form("not_accepted"));
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].field, "group_fee_forfeited");
        assert_eq!(problems[0].message, texts.err_fee_forfeited);
    }
}
