//! Submission (group and receipt numbers, snapshot, event), resubmission
//! after a return, and withdrawal. Each runs in one transaction with the
//! case rows locked, and writes its event through the outbox.

use std::collections::BTreeSet;

use laissez_catalog::eligibility;
use laissez_eventbus::Outbox;
use laissez_kit::{Caller, FieldError, ServiceError};
use laissez_proto::events::v1::{CaseResubmitted, CaseSubmitted, CaseWithdrawn};
use laissez_proto::intake::v1 as proto;
use sqlx::PgConnection;

use super::{Intake, applicant_scope, case_id, view};
use crate::domain::application::{self, UploadedDocument};
use crate::domain::{Event, State, state};
use crate::store::cases::{self, CaseRow, TransitionError};
use crate::store::numbers::{self, Counter};
use crate::store::{documents, rounds};
use crate::time::{agency_today, timestamp};

const MAX_CASES_PER_GROUP: usize = 20;
const MAX_REPLY_CHARS: usize = 2000;

pub(crate) fn transition_error(error: TransitionError) -> ServiceError {
    match error {
        TransitionError::Illegal(illegal) => ServiceError::FailedPrecondition(illegal.to_string()),
        TransitionError::Database(error) => error.into(),
    }
}

fn number_error(error: numbers::Error) -> ServiceError {
    match error {
        numbers::Error::Database(error) => error.into(),
        numbers::Error::Format(error) => ServiceError::internal(error),
    }
}

fn refuse_unless(case: &CaseRow, event: Event) -> Result<(), ServiceError> {
    state::transition(case.state, event)
        .map(|_| ())
        .map_err(|illegal| ServiceError::FailedPrecondition(illegal.to_string()))
}

/// Every reason the case cannot go to review, fields prefixed with `prefix`.
async fn check_case(
    intake: &Intake,
    connection: &mut PgConnection,
    case: &CaseRow,
    prefix: &str,
) -> Result<(Vec<FieldError>, Vec<String>), ServiceError> {
    let catalog = intake
        .catalogs
        .get(&intake.pool, &case.agency, case.catalog_version)
        .await?;
    let application_type = catalog
        .application_type(&case.application_type)
        .ok_or(ServiceError::NotFound("application type"))?;
    let uploaded: Vec<UploadedDocument> = documents::live(&mut *connection, case.id)
        .await?
        .into_iter()
        .map(|document| UploadedDocument {
            document_id: document.id.to_string(),
            requirement: document.requirement,
        })
        .collect();
    let input = application::rule_input(
        &case.applicant,
        &case.answers,
        case.record.as_ref(),
        agency_today(&catalog),
    );
    let mut errors = application::submission_errors(
        &catalog,
        application_type,
        &input,
        &uploaded,
        case.applicant.catalog_language(),
    );
    for error in &mut errors {
        error.field = format!("{prefix}{}", error.field);
    }
    let lanes = eligibility::priority_lanes(application_type, &input).unwrap_or_default();
    Ok((errors, lanes))
}

pub async fn submit(
    intake: &Intake,
    caller: &Caller,
    request: proto::SubmitRequest,
) -> Result<proto::SubmitResponse, ServiceError> {
    let scope = applicant_scope(caller)?;
    let ids: BTreeSet<_> = request
        .case_ids
        .iter()
        .map(|id| case_id(id))
        .collect::<Result<_, _>>()?;
    if ids.is_empty() || ids.len() > MAX_CASES_PER_GROUP {
        return Err(ServiceError::invalid(
            "case_ids",
            "count",
            format!("submit 1 to {MAX_CASES_PER_GROUP} cases at once"),
        ));
    }
    let mut transaction = intake.pool.begin().await?;
    // Locked in id order so two submissions of overlapping groups cannot deadlock.
    let mut group = Vec::new();
    for id in &ids {
        let case = cases::lock(&mut transaction, &scope, *id)
            .await?
            .ok_or(ServiceError::NotFound("case"))?;
        refuse_unless(&case, Event::Submit)?;
        group.push(case);
    }
    let mut errors = Vec::new();
    let mut lanes = Vec::new();
    for case in &group {
        let prefix = if group.len() == 1 {
            String::new()
        } else {
            format!("cases[{}].", case.id)
        };
        let (case_errors, case_lanes) = check_case(intake, &mut transaction, case, &prefix).await?;
        errors.extend(case_errors);
        lanes.push(case_lanes);
    }
    if !errors.is_empty() {
        return Err(ServiceError::InvalidArgument(errors));
    }
    // The group's numbers follow the formats of the catalog its first case
    // was started under (cached: no second connection while the rows are locked).
    let catalog = intake
        .catalogs
        .get(&intake.pool, &scope.agency, group[0].catalog_version)
        .await?;
    let today = agency_today(&catalog);
    let formats = &catalog.numbers;
    // Numbers are taken last: the counter rows stay locked until commit.
    let group_number = match &formats.group {
        Some(format) => Some(
            numbers::take(
                &mut transaction,
                &scope.agency,
                Counter::Group,
                format,
                today,
            )
            .await
            .map_err(number_error)?,
        ),
        None => None,
    };
    let mut submitted = Vec::new();
    let mut group_number = group_number;
    for (mut case, priority_reasons) in group.into_iter().zip(lanes) {
        let receipt = numbers::take(
            &mut transaction,
            &scope.agency,
            Counter::Receipt,
            &formats.receipt,
            today,
        )
        .await
        .map_err(number_error)?;
        // Without a group format, the group is named by its first receipt.
        let group = group_number.get_or_insert_with(|| receipt.clone()).clone();
        cases::apply(
            &mut transaction,
            &mut case,
            Event::Submit,
            &caller.account_id,
            "submitted",
        )
        .await
        .map_err(transition_error)?;
        let submitted_at = cases::set_numbers(&mut transaction, case.id, &receipt, &group).await?;
        let documents = documents::live(&mut *transaction, case.id).await?;
        rounds::snapshot(
            &mut transaction,
            case.id,
            0,
            &case.answers,
            &documents,
            case.catalog_version,
            &case.notice_version,
        )
        .await?;
        case.receipt_number = Some(receipt.clone());
        case.group_number = Some(group.clone());
        case.submitted_at = Some(submitted_at);
        let event = CaseSubmitted {
            case_id: case.id.to_string(),
            receipt_number: receipt,
            group_number: group,
            application_type: case.application_type.clone(),
            catalog_version: case.catalog_version,
            submitted_at: Some(timestamp(submitted_at)),
            party: Some(view::party(&case)),
            express: case.express,
            priority_reasons,
        };
        Outbox::enqueue(
            &mut transaction,
            &case.agency,
            "case",
            &event.case_id,
            &event,
        )
        .await
        .map_err(ServiceError::internal)?;
        submitted.push(case);
    }
    transaction.commit().await?;
    Ok(proto::SubmitResponse {
        group_number: group_number.unwrap_or_default(),
        cases: submitted.iter().map(view::summary).collect(),
    })
}

pub async fn resubmit(
    intake: &Intake,
    caller: &Caller,
    request: proto::ResubmitRequest,
) -> Result<proto::Case, ServiceError> {
    let scope = applicant_scope(caller)?;
    let id = case_id(&request.case_id)?;
    let reply = request.reply.trim();
    if reply.chars().count() > MAX_REPLY_CHARS {
        return Err(ServiceError::invalid(
            "reply",
            "too_long",
            format!("at most {MAX_REPLY_CHARS} characters"),
        ));
    }
    let mut transaction = intake.pool.begin().await?;
    let mut case = cases::lock(&mut transaction, &scope, id)
        .await?
        .ok_or(ServiceError::NotFound("case"))?;
    refuse_unless(&case, Event::Resubmit)?;
    let (errors, _) = check_case(intake, &mut transaction, &case, "").await?;
    if !errors.is_empty() {
        return Err(ServiceError::InvalidArgument(errors));
    }
    let round = rounds::close(&mut transaction, id, reply)
        .await?
        .ok_or_else(|| ServiceError::FailedPrecondition("the case has no open return".into()))?;
    cases::apply(
        &mut transaction,
        &mut case,
        Event::Resubmit,
        &caller.account_id,
        "resubmitted",
    )
    .await
    .map_err(transition_error)?;
    let documents = documents::live(&mut *transaction, id).await?;
    rounds::snapshot(
        &mut transaction,
        id,
        round,
        &case.answers,
        &documents,
        case.catalog_version,
        &case.notice_version,
    )
    .await?;
    let event = CaseResubmitted {
        case_id: id.to_string(),
        receipt_number: case.receipt_number.clone().unwrap_or_default(),
        round,
        resubmitted_at: Some(timestamp(chrono::Utc::now())),
        party: Some(view::party(&case)),
        applicant_reply: reply.to_owned(),
    };
    Outbox::enqueue(
        &mut transaction,
        &case.agency,
        "case",
        &event.case_id,
        &event,
    )
    .await
    .map_err(ServiceError::internal)?;
    transaction.commit().await?;
    view::detail(&intake.pool, &case).await
}

pub async fn withdraw(
    intake: &Intake,
    caller: &Caller,
    request: proto::WithdrawRequest,
) -> Result<proto::WithdrawResponse, ServiceError> {
    let scope = applicant_scope(caller)?;
    let id = case_id(&request.case_id)?;
    if !request.confirmed {
        return Err(ServiceError::invalid(
            "confirmed",
            "confirmation_required",
            "confirm the withdrawal statement to withdraw",
        ));
    }
    let mut transaction = intake.pool.begin().await?;
    let mut case = cases::lock(&mut transaction, &scope, id)
        .await?
        .ok_or(ServiceError::NotFound("case"))?;
    let was = case.state;
    cases::apply(
        &mut transaction,
        &mut case,
        Event::Withdraw,
        &caller.account_id,
        "withdrawn by the applicant",
    )
    .await
    .map_err(transition_error)?;
    // A draft was never seen outside intake: nobody needs to hear of it.
    if was != State::Draft {
        let event = CaseWithdrawn {
            case_id: id.to_string(),
            receipt_number: case.receipt_number.clone().unwrap_or_default(),
            withdrawn_at: Some(timestamp(chrono::Utc::now())),
            party: Some(view::party(&case)),
        };
        Outbox::enqueue(
            &mut transaction,
            &case.agency,
            "case",
            &event.case_id,
            &event,
        )
        .await
        .map_err(ServiceError::internal)?;
    }
    transaction.commit().await?;
    Ok(proto::WithdrawResponse {
        success: true,
        reason: String::new(),
    })
}
