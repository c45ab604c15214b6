//! Applying intake's case events to the queue, in the consumer's inbox
//! transaction. Duplicates (same event id) never get here; redelivered or
//! reordered events of one case are put in order with the envelope's
//! aggregate sequence: an event older than the newest one applied is
//! dropped, and a withdrawal that overtakes its submission leaves a
//! tombstone the submission then honours.

use chrono::{DateTime, Utc};
use laissez_kit::AgencyCode;
use laissez_proto::events::v1::{CaseParty, CaseResubmitted, CaseSubmitted, CaseWithdrawn};
use serde_json::json;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::domain::{Lane, ordering, sla, state};
use crate::settings::Settings;
use crate::store::audit::{self, Action};
use crate::time::from_timestamp;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Applied,
    /// Older than what the case already reflects, or no longer applicable.
    Ignored(&'static str),
    /// The case is not here yet (its submission is still on its way).
    NotYetKnown,
    Invalid(&'static str),
}

pub fn party_json(party: Option<&CaseParty>) -> serde_json::Value {
    let party = party.cloned().unwrap_or_default();
    json!({
        "account_id": party.account_id,
        "applicant_id": party.applicant_id,
        "applicant_masked_name": party.applicant_masked_name,
        "language": party.language,
        "email": party.email,
        "mobile": party.mobile,
    })
}

fn is_newer(event_sequence: i64, last_applied: i64) -> bool {
    // Sequence 0 means the producer did not number its events: apply.
    event_sequence == 0 || event_sequence > last_applied
}

pub async fn apply_submitted(
    connection: &mut PgConnection,
    settings: &Settings,
    agency: &AgencyCode,
    event_sequence: i64,
    submitted: &CaseSubmitted,
) -> Result<Outcome, sqlx::Error> {
    let Ok(case_id) = Uuid::parse_str(&submitted.case_id) else {
        return Ok(Outcome::Invalid("case id is not a uuid"));
    };
    let Some(submitted_at) = submitted.submitted_at.as_ref().and_then(from_timestamp) else {
        return Ok(Outcome::Invalid("submitted_at is missing"));
    };
    let tombstone: Option<i64> = sqlx::query_scalar(
        "SELECT event_sequence FROM review_tombstone WHERE case_id = $1 AND agency = $2",
    )
    .bind(case_id)
    .bind(agency)
    .fetch_optional(&mut *connection)
    .await?;
    let withdrawn_first =
        tombstone.is_some_and(|withdrawn| withdrawn == 0 || withdrawn > event_sequence);

    let catalogs = &settings.catalogs;
    let (automatic, needing_proof): (Vec<&String>, Vec<&String>) = submitted
        .priority_reasons
        .iter()
        .partition(|rule| !catalogs.proof_required(agency, &submitted.application_type, rule));
    let lane = if automatic.is_empty() {
        Lane::Normal
    } else {
        Lane::Priority
    };
    let priority_request = if needing_proof.is_empty() {
        "none"
    } else {
        "requested"
    };
    let request_reason = needing_proof
        .iter()
        .map(|rule| rule.as_str())
        .collect::<Vec<_>>()
        .join(",");
    let due_on = catalogs.agency(agency).and_then(|catalog| {
        let kind = catalog.application_type(&submitted.application_type)?;
        let days = sla::processing_days(kind, submitted.express)?;
        let submitted_on = sla::agency_date(&catalog.agency.time_zone, submitted_at);
        sla::due_on(&catalog.calendar, submitted_on, days)
    });
    let queue_key = ordering::queue_key(submitted_at, lane, settings.priority_head_start);
    let case_state = if withdrawn_first {
        state::WITHDRAWN
    } else {
        state::QUEUED
    };
    let snapshot = json!({
        "case_id": submitted.case_id,
        "receipt_number": submitted.receipt_number,
        "group_number": submitted.group_number,
        "application_type": submitted.application_type,
        "catalog_version": submitted.catalog_version,
        "submitted_at": submitted_at,
        "express": submitted.express,
        "priority_reasons": submitted.priority_reasons,
        "applicant_masked_name": submitted.party.as_ref().map(|party| party.applicant_masked_name.clone()).unwrap_or_default(),
        "replies": [],
    });
    let inserted = sqlx::query(
        "INSERT INTO review_case (case_id, agency, receipt_number, group_number, application_type, \
           catalog_version, express, submitted_at, state, lane, priority_reasons, priority_request, \
           priority_request_reason, queue_key, last_event_sequence, party, snapshot, due_on) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) \
         ON CONFLICT (case_id) DO NOTHING",
    )
    .bind(case_id)
    .bind(agency)
    .bind(&submitted.receipt_number)
    .bind(&submitted.group_number)
    .bind(&submitted.application_type)
    .bind(i32::try_from(submitted.catalog_version).unwrap_or(i32::MAX))
    .bind(submitted.express)
    .bind(submitted_at)
    .bind(case_state)
    .bind(lane.as_str())
    .bind(&submitted.priority_reasons)
    .bind(priority_request)
    .bind(&request_reason)
    .bind(queue_key)
    .bind(event_sequence.max(tombstone.unwrap_or(0)))
    .bind(party_json(submitted.party.as_ref()))
    .bind(&snapshot)
    .bind(due_on)
    .execute(&mut *connection)
    .await?
    .rows_affected();
    if inserted == 0 {
        return Ok(Outcome::Ignored("the case is already queued"));
    }
    audit::append(
        connection,
        Action {
            agency,
            actor: "intake",
            action: if withdrawn_first {
                "submitted_after_withdrawal"
            } else {
                "enqueued"
            },
            case_id: Some(case_id),
            detail: json!({
                "lane": lane.as_str(),
                "priority_reasons": submitted.priority_reasons,
                "priority_request": priority_request,
                "due_on": due_on,
            }),
            reason: "",
        },
    )
    .await?;
    Ok(Outcome::Applied)
}

pub async fn apply_resubmitted(
    connection: &mut PgConnection,
    settings: &Settings,
    agency: &AgencyCode,
    event_sequence: i64,
    resubmitted: &CaseResubmitted,
) -> Result<Outcome, sqlx::Error> {
    let Ok(case_id) = Uuid::parse_str(&resubmitted.case_id) else {
        return Ok(Outcome::Invalid("case id is not a uuid"));
    };
    let resubmitted_at = resubmitted
        .resubmitted_at
        .as_ref()
        .and_then(from_timestamp)
        .unwrap_or_else(Utc::now);
    let row: Option<(
        String,
        i64,
        Option<chrono::NaiveDate>,
        Option<chrono::NaiveDate>,
    )> = sqlx::query_as(
        "SELECT state, last_event_sequence, due_on, paused_on FROM review_case \
         WHERE case_id = $1 AND agency = $2 FOR UPDATE",
    )
    .bind(case_id)
    .bind(agency)
    .fetch_optional(&mut *connection)
    .await?;
    let Some((case_state, last_applied, due_on, paused_on)) = row else {
        return Ok(Outcome::NotYetKnown);
    };
    if !is_newer(event_sequence, last_applied) {
        return Ok(Outcome::Ignored("an older event than the case reflects"));
    }
    if case_state != state::RETURNED {
        return Ok(Outcome::Ignored(
            "the case is not waiting for the applicant",
        ));
    }
    let resumed_due = match (settings.catalogs.agency(agency), due_on, paused_on) {
        (Some(catalog), Some(due), Some(paused)) => {
            let resumed_on = sla::agency_date(&catalog.agency.time_zone, resubmitted_at);
            Some(sla::resume(&catalog.calendar, due, paused, resumed_on))
        }
        _ => due_on,
    };
    let reply = json!({
        "round": resubmitted.round,
        "resubmitted_at": resubmitted_at,
        "applicant_reply": resubmitted.applicant_reply,
    });
    sqlx::query(
        "UPDATE review_case SET state = 'queued', lease_owner = NULL, lease_expires_at = NULL, \
           round = GREATEST(round, $3), last_event_sequence = GREATEST(last_event_sequence, $4), \
           due_on = $5, paused_on = NULL, sla_warned = false, \
           snapshot = jsonb_set(snapshot, '{replies}', COALESCE(snapshot->'replies', '[]'::jsonb) || $6::jsonb), \
           updated_at = now() \
         WHERE case_id = $1 AND agency = $2",
    )
    .bind(case_id)
    .bind(agency)
    .bind(i32::try_from(resubmitted.round).unwrap_or(i32::MAX))
    .bind(event_sequence)
    .bind(resumed_due)
    .bind(json!([reply]))
    .execute(&mut *connection)
    .await?;
    audit::append(
        connection,
        Action {
            agency,
            actor: "intake",
            action: "resubmitted",
            case_id: Some(case_id),
            detail: json!({"round": resubmitted.round, "due_on": resumed_due}),
            reason: &resubmitted.applicant_reply,
        },
    )
    .await?;
    Ok(Outcome::Applied)
}

pub async fn apply_withdrawn(
    connection: &mut PgConnection,
    agency: &AgencyCode,
    event_sequence: i64,
    withdrawn: &CaseWithdrawn,
) -> Result<Outcome, sqlx::Error> {
    let Ok(case_id) = Uuid::parse_str(&withdrawn.case_id) else {
        return Ok(Outcome::Invalid("case id is not a uuid"));
    };
    let withdrawn_at: DateTime<Utc> = withdrawn
        .withdrawn_at
        .as_ref()
        .and_then(from_timestamp)
        .unwrap_or_else(Utc::now);
    let row: Option<(String, i64)> = sqlx::query_as(
        "SELECT state, last_event_sequence FROM review_case WHERE case_id = $1 AND agency = $2 FOR UPDATE",
    )
    .bind(case_id)
    .bind(agency)
    .fetch_optional(&mut *connection)
    .await?;
    let Some((case_state, last_applied)) = row else {
        sqlx::query(
            "INSERT INTO review_tombstone (case_id, agency, event_sequence, withdrawn_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (case_id) DO NOTHING",
        )
        .bind(case_id)
        .bind(agency)
        .bind(event_sequence)
        .bind(withdrawn_at)
        .execute(&mut *connection)
        .await?;
        return Ok(Outcome::Applied);
    };
    if !is_newer(event_sequence, last_applied) {
        return Ok(Outcome::Ignored("an older event than the case reflects"));
    }
    if matches!(case_state.as_str(), state::DECIDED | state::WITHDRAWN) {
        return Ok(Outcome::Ignored("the case is already closed"));
    }
    sqlx::query(
        "UPDATE review_case SET state = 'withdrawn', lease_owner = NULL, lease_expires_at = NULL, \
           last_event_sequence = GREATEST(last_event_sequence, $3), updated_at = now() \
         WHERE case_id = $1 AND agency = $2",
    )
    .bind(case_id)
    .bind(agency)
    .bind(event_sequence)
    .execute(&mut *connection)
    .await?;
    audit::append(
        connection,
        Action {
            agency,
            actor: "intake",
            action: "withdrawn",
            case_id: Some(case_id),
            detail: json!({"previous_state": case_state}),
            reason: "",
        },
    )
    .await?;
    Ok(Outcome::Applied)
}
