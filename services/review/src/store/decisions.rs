//! The statements that record decisions, sign-off and the priority lane.
//! Each runs inside the caller's transaction, on a case row it has locked;
//! what may be recorded is decided in `service::decisions`.

use chrono::{DateTime, NaiveDate, Utc};
use laissez_kit::{AgencyCode, CaseId};
use sqlx::PgConnection;

use crate::domain::{Lane, Verdict};

/// A final decision: the case is done and leaves every lease and proposal.
pub async fn record_final(
    connection: &mut PgConnection,
    case_id: CaseId,
    verdict: &Verdict<'_>,
    decided_by: &str,
    at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE review_case SET state = 'decided', decision = $2, decision_comment = $3, \
           decided_by = $4, decided_at = $5, decision_fee_forfeited = $6, \
           lease_owner = NULL, lease_expires_at = NULL, \
           pending_decision = NULL, pending_comment = NULL, pending_by = NULL, \
           pending_fee_forfeited = false, updated_at = now() \
         WHERE case_id = $1",
    )
    .bind(case_id)
    .bind(verdict.decision.name())
    .bind(verdict.comment)
    .bind(decided_by)
    .bind(at)
    .bind(verdict.fee_forfeited)
    .execute(connection)
    .await?;
    Ok(())
}

/// A return to the applicant: the SLA clock pauses on `paused_on`.
pub async fn record_return(
    connection: &mut PgConnection,
    case_id: CaseId,
    verdict: &Verdict<'_>,
    decided_by: &str,
    at: DateTime<Utc>,
    paused_on: NaiveDate,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE review_case SET state = 'returned', decision = $2, decision_comment = $3, \
           decided_by = $4, decided_at = $5, paused_on = $6, lease_owner = NULL, lease_expires_at = NULL, \
           updated_at = now() \
         WHERE case_id = $1",
    )
    .bind(case_id)
    .bind(verdict.decision.name())
    .bind(verdict.comment)
    .bind(decided_by)
    .bind(at)
    .bind(paused_on)
    .execute(connection)
    .await?;
    Ok(())
}

/// A final decision proposed for a senior's sign-off.
pub async fn record_proposal(
    connection: &mut PgConnection,
    case_id: CaseId,
    verdict: &Verdict<'_>,
    reviewer: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE review_case SET state = 'pending_sign_off', pending_decision = $2, pending_comment = $3, \
           pending_by = $4, pending_fee_forfeited = $5, lease_owner = NULL, lease_expires_at = NULL, \
           updated_at = now() \
         WHERE case_id = $1",
    )
    .bind(case_id)
    .bind(verdict.decision.name())
    .bind(verdict.comment)
    .bind(reviewer)
    .bind(verdict.fee_forfeited)
    .execute(connection)
    .await?;
    Ok(())
}

/// A proposal sent back: the proposer holds the case again for `lease`.
pub async fn send_back(
    connection: &mut PgConnection,
    case_id: CaseId,
    proposer: &str,
    lease: chrono::Duration,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE review_case SET state = 'leased', lease_owner = $2, \
           lease_expires_at = now() + make_interval(secs => $3), \
           pending_decision = NULL, pending_comment = NULL, pending_by = NULL, \
           pending_fee_forfeited = false, updated_at = now() \
         WHERE case_id = $1",
    )
    .bind(case_id)
    .bind(proposer)
    .bind(lease.as_seconds_f64())
    .execute(connection)
    .await?;
    Ok(())
}

/// The open (queued or claimed) cases of a group, locked in one order.
pub async fn lock_open_group(
    connection: &mut PgConnection,
    agency: &AgencyCode,
    group_number: &str,
) -> Result<Vec<CaseId>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT case_id FROM review_case WHERE agency = $1 AND group_number = $2 \
         AND state IN ('queued', 'leased') ORDER BY case_id FOR UPDATE",
    )
    .bind(agency)
    .bind(group_number)
    .fetch_all(connection)
    .await
}

/// The applicant's request for the green channel, with its evidence.
pub async fn record_priority_request(
    connection: &mut PgConnection,
    case_id: CaseId,
    reason: &str,
    evidence: &[String],
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE review_case SET priority_request = 'requested', priority_request_reason = $2, \
           priority_evidence = $3, updated_at = now() WHERE case_id = $1",
    )
    .bind(case_id)
    .bind(reason)
    .bind(evidence)
    .execute(connection)
    .await?;
    Ok(())
}

/// The answer to a priority request: its status, the lane and the key the
/// queue orders by.
pub async fn record_priority_answer(
    connection: &mut PgConnection,
    case_id: CaseId,
    status: &str,
    lane: Lane,
    queue_key: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE review_case SET priority_request = $2, lane = $3, queue_key = $4, updated_at = now() \
         WHERE case_id = $1",
    )
    .bind(case_id)
    .bind(status)
    .bind(lane.as_str())
    .bind(queue_key)
    .execute(connection)
    .await?;
    Ok(())
}
