//! Submission (group and receipt numbers, snapshot, event), resubmission
//! after a return, and withdrawal. Each runs in one transaction with the
//! case rows locked, and writes its event through the outbox.

use std::collections::BTreeSet;

use laissez_catalog::eligibility;
use laissez_eventbus::Outbox;
use laissez_kit::{Caller, FieldError, ServiceError};
use laissez_proto::events::v1::{CaseResubmitted, CaseSubmitted, CaseWithdrawn};
use laissez_proto::intake::v1 as proto;

use super::{Intake, applicant_scope, case_id, view};
use crate::domain::application::{self, UploadedDocument};
use crate::domain::{Event, State, state};
use crate::service::lifecycle;
use crate::store::cases::{self, CaseRow, TransitionError};
use crate::store::documents::DocumentRow;
use crate::store::numbers::{self, Counter};
use crate::store::{records, rounds};
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

/// What the check of a case (with its live documents, read under its row
/// lock) found: every reason it cannot go to review (fields prefixed), its
/// priority lanes, and the documents it was checked with (those the
/// snapshot names).
struct Checked {
    errors: Vec<FieldError>,
    lanes: Vec<String>,
    documents: Vec<DocumentRow>,
}

async fn check_case(
    intake: &Intake,
    connection: &mut sqlx::PgConnection,
    case: &CaseRow,
    documents: Vec<DocumentRow>,
    prefix: &str,
) -> Result<Checked, ServiceError> {
    let catalog = intake
        .catalogs
        .get(&intake.pool, &case.agency, case.catalog_version)
        .await?;
    let application_type = catalog
        .application_type(&case.application_type)
        .ok_or(ServiceError::NotFound("application type"))?;
    let uploaded: Vec<UploadedDocument> = documents
        .iter()
        .map(|document| UploadedDocument {
            document_id: document.id.to_string(),
            requirement: document.requirement.clone(),
        })
        .collect();
    // A case that started without a record (an optional lookup) is checked
    // against the permit its form names, if it names one.
    let mut record_error = None;
    let answered_record = match (
        &case.record,
        application::answered_permit_number(application_type, &case.answers),
    ) {
        (None, Some(number)) => {
            let found = records::permit_record(&mut *connection, &case.agency, number).await?;
            match application::answered_record(
                application_type,
                &case.applicant,
                &case.answers,
                found,
            ) {
                Ok(fields) => fields,
                Err(error) => {
                    record_error = Some(error);
                    None
                }
            }
        }
        _ => None,
    };
    let mut input = application::rule_input(
        &case.applicant,
        &case.answers,
        case.record.as_ref().or(answered_record.as_ref()),
        &catalog.code_lists,
        agency_today(&catalog),
    );
    // What the applicant holds, as the agency's records say: rules such as
    // "no travel permit while a valid passport is held" read it.
    input.applicant.documents_held = records::held_documents(
        &mut *connection,
        &case.agency,
        &case.applicant.document_number,
    )
    .await?;
    let mut errors = application::submission_errors(
        &catalog,
        application_type,
        &input,
        &uploaded,
        case.applicant.catalog_language(),
    );
    errors.extend(record_error);
    // A type that books before review is submitted with its booking.
    if crate::appointments::booking::books_before_review(application_type)
        && crate::appointments::store::lock_active(&mut *connection, case.id)
            .await?
            .is_none_or(|booking| booking.state != "booked")
    {
        errors.push(FieldError::new(
            "appointment",
            "required",
            "book an appointment at a service centre before submitting",
        ));
    }
    for error in &mut errors {
        error.field = format!("{prefix}{}", error.field);
    }
    let lanes = eligibility::priority_lanes(application_type, &input).unwrap_or_default();
    Ok(Checked {
        errors,
        lanes,
        documents,
    })
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
    let mut errors = Vec::new();
    let mut checks = Vec::new();
    for id in &ids {
        let (case, documents) = cases::lock_with_documents(&mut transaction, &scope, *id)
            .await?
            .ok_or(ServiceError::NotFound("case"))?;
        refuse_unless(&case, Event::Submit)?;
        let prefix = if ids.len() == 1 {
            String::new()
        } else {
            format!("cases[{}].", case.id)
        };
        let mut checked = check_case(intake, &mut transaction, &case, documents, &prefix).await?;
        errors.append(&mut checked.errors);
        checks.push(checked);
        group.push(case);
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
    // Numbers are taken last, the group's and every receipt in one
    // statement: the counter rows stay locked until commit.
    let receipts_wanted = (
        Counter::Receipt,
        formats.receipt.as_str(),
        group.len() as u64,
    );
    let wanted = match &formats.group {
        Some(format) => vec![(Counter::Group, format.as_str(), 1), receipts_wanted],
        None => vec![receipts_wanted],
    };
    let mut taken = numbers::take_many(&mut transaction, &scope.agency, &wanted, today)
        .await
        .map_err(number_error)?;
    let receipts = taken.pop().unwrap_or_default();
    // Without a group format, the group is named by its first receipt.
    let group_number = taken
        .pop()
        .and_then(|mut numbers| numbers.pop())
        .or_else(|| receipts.first().cloned())
        .unwrap_or_default();
    let mut submitted = Vec::new();
    for ((mut case, checked), receipt) in group.into_iter().zip(checks).zip(receipts) {
        cases::apply_submitting(
            &mut transaction,
            &mut case,
            Event::Submit,
            &caller.account_id,
            "submitted",
            Some(cases::Submission {
                round: 0,
                documents: &checked.documents,
                numbers: Some(cases::Numbers {
                    receipt: &receipt,
                    group: &group_number,
                }),
            }),
        )
        .await
        .map_err(transition_error)?;
        // A type that takes its fee when the case is lodged: the case waits
        // for it, and review hears of it once it is paid.
        let case_catalog = intake
            .catalogs
            .get(&intake.pool, &scope.agency, case.catalog_version)
            .await?;
        if case_catalog
            .application_type(&case.application_type)
            .is_some_and(lifecycle::pays_before_review)
        {
            lifecycle::await_lodging_fee(
                &mut transaction,
                &case_catalog,
                &mut case,
                "intake:workflow",
                &checked.lanes,
            )
            .await?;
            submitted.push(case);
            continue;
        }
        let event = CaseSubmitted {
            case_id: case.id.to_string(),
            receipt_number: receipt,
            group_number: group_number.clone(),
            application_type: case.application_type.clone(),
            catalog_version: case.catalog_version,
            submitted_at: case.submitted_at.map(timestamp),
            party: Some(view::party(&case)),
            express: case.express,
            priority_reasons: checked.lanes,
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
        group_number,
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
    let (mut case, documents) = cases::lock_with_documents(&mut transaction, &scope, id)
        .await?
        .ok_or(ServiceError::NotFound("case"))?;
    refuse_unless(&case, Event::Resubmit)?;
    let checked = check_case(intake, &mut transaction, &case, documents, "").await?;
    if !checked.errors.is_empty() {
        return Err(ServiceError::InvalidArgument(checked.errors));
    }
    let round = rounds::close(&mut transaction, id, reply)
        .await?
        .ok_or_else(|| ServiceError::FailedPrecondition("the case has no open return".into()))?;
    cases::apply_submitting(
        &mut transaction,
        &mut case,
        Event::Resubmit,
        &caller.account_id,
        "resubmitted",
        Some(cases::Submission {
            round,
            documents: &checked.documents,
            numbers: None,
        }),
    )
    .await
    .map_err(transition_error)?;
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
    let (case, details) = cases::find_detailed(&mut *transaction, &scope, id)
        .await?
        .ok_or(ServiceError::NotFound("case"))?;
    transaction.commit().await?;
    Ok(view::detail(&case, &details))
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
