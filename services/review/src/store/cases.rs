//! The queue: claims, leases and assignments, read models.

use chrono::{DateTime, NaiveDate, Utc};
use laissez_kit::error::ServiceError;
use serde_json::json;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::domain::{Lane, state};
use crate::store::audit::{self, Action};

/// A case row as the handlers need it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CaseRow {
    pub case_id: Uuid,
    pub agency: String,
    pub receipt_number: String,
    pub group_number: String,
    pub application_type: String,
    pub submitted_at: DateTime<Utc>,
    pub state: String,
    pub lane: String,
    pub priority_request: String,
    pub lease_owner: Option<String>,
    pub lease_expires_at: Option<DateTime<Utc>>,
    pub party: serde_json::Value,
    pub snapshot: serde_json::Value,
    pub due_on: Option<NaiveDate>,
    pub pending_decision: Option<String>,
    pub pending_comment: Option<String>,
    pub pending_by: Option<String>,
    pub pending_fee_forfeited: bool,
}

const CASE_COLUMNS: &str = "case_id, agency, receipt_number, group_number, application_type, submitted_at, \
    state, lane, priority_request, lease_owner, lease_expires_at, party, snapshot, due_on, \
    pending_decision, pending_comment, pending_by, pending_fee_forfeited";

/// Locks the case for the rest of the transaction. Another agency's case
/// is reported as not found, like a case that does not exist.
pub async fn lock(
    connection: &mut PgConnection,
    agency: &str,
    case_id: Uuid,
) -> Result<CaseRow, ServiceError> {
    sqlx::query_as::<_, CaseRow>(sqlx::AssertSqlSafe(format!(
        "SELECT {CASE_COLUMNS} FROM review_case WHERE case_id = $1 AND agency = $2 FOR UPDATE"
    )))
    .bind(case_id)
    .bind(agency)
    .fetch_optional(&mut *connection)
    .await?
    .ok_or(ServiceError::NotFound("case"))
}

pub async fn find(pool: &PgPool, agency: &str, case_id: Uuid) -> Result<CaseRow, ServiceError> {
    sqlx::query_as::<_, CaseRow>(sqlx::AssertSqlSafe(format!(
        "SELECT {CASE_COLUMNS} FROM review_case WHERE case_id = $1 AND agency = $2"
    )))
    .bind(case_id)
    .bind(agency)
    .fetch_optional(pool)
    .await?
    .ok_or(ServiceError::NotFound("case"))
}

impl CaseRow {
    /// The caller holds a live lease on the case.
    pub fn require_lease_of(&self, reviewer: &str) -> Result<(), ServiceError> {
        match self.state.as_str() {
            state::LEASED => {}
            state::QUEUED => {
                return Err(ServiceError::FailedPrecondition(
                    "claim the case first".into(),
                ));
            }
            other => {
                return Err(ServiceError::FailedPrecondition(format!(
                    "the case is {other}: no decision can be taken now"
                )));
            }
        }
        if self.lease_owner.as_deref() != Some(reviewer) {
            return Err(ServiceError::PermissionDenied(
                "the case is leased to another reviewer".into(),
            ));
        }
        if self
            .lease_expires_at
            .is_none_or(|expires| expires <= Utc::now())
        {
            return Err(ServiceError::FailedPrecondition(
                "your claim has expired".into(),
            ));
        }
        Ok(())
    }

    pub fn lane(&self) -> Lane {
        Lane::parse(&self.lane)
    }
}

#[derive(Debug, Clone)]
pub struct Claimed {
    pub case_id: Uuid,
    pub reviewer: String,
    pub lease_expires_at: DateTime<Utc>,
    pub lane: Lane,
}

fn lease_seconds(lease: chrono::Duration) -> f64 {
    lease.as_seconds_f64()
}

/// Audits the leases that lapsed (their reviewer went away) as they go back
/// to the queue.
async fn audit_expired(
    connection: &mut PgConnection,
    agency: &str,
    expired: &[Uuid],
) -> Result<(), ServiceError> {
    for case_id in expired {
        audit::append(
            connection,
            Action {
                agency,
                actor: "review:lease-expiry",
                action: "lease_expired",
                case_id: Some(*case_id),
                detail: json!({}),
                reason: "",
            },
        )
        .await?;
    }
    Ok(())
}

/// (claimed?, case, lease end, lane): the lapsed leases put back, then the claim.
type ClaimRow = (bool, Uuid, Option<DateTime<Utc>>, Option<String>);

/// Leases the head of the agency's queue (optionally of one type) to
/// `reviewer`. One statement puts the agency's lapsed leases back in the
/// queue and leases the head; both see the same snapshot, so a case whose
/// lease just lapsed is claimable from the next call.
pub async fn claim_next(
    pool: &PgPool,
    agency: &str,
    application_type: Option<&str>,
    reviewer: &str,
    lease: chrono::Duration,
) -> Result<Option<Claimed>, ServiceError> {
    let mut transaction = pool.begin().await?;
    let head = match application_type {
        None => {
            "SELECT case_id FROM review_case WHERE agency = $1 AND state = 'queued' \
             ORDER BY queue_key, case_id LIMIT 1 FOR UPDATE SKIP LOCKED"
        }
        Some(_) => {
            "SELECT case_id FROM review_case WHERE agency = $1 AND application_type = $4 AND state = 'queued' \
             ORDER BY queue_key, case_id LIMIT 1 FOR UPDATE SKIP LOCKED"
        }
    };
    let statement = format!(
        "WITH expired AS (\
           UPDATE review_case SET state = 'queued', lease_owner = NULL, lease_expires_at = NULL, updated_at = now() \
           WHERE agency = $1 AND state = 'leased' AND lease_expires_at < now() \
           RETURNING case_id), \
         claimed AS (\
           UPDATE review_case SET state = 'leased', lease_owner = $2, \
             lease_expires_at = now() + make_interval(secs => $3), updated_at = now() \
           WHERE case_id = ({head}) AND state = 'queued' \
           RETURNING case_id, lease_expires_at, lane) \
         SELECT false, case_id, NULL::timestamptz, NULL::text FROM expired \
         UNION ALL SELECT true, case_id, lease_expires_at, lane FROM claimed"
    );
    let mut claimed = None;
    // A second pass only when leases lapsed and nothing else was queued:
    // the cases just put back are visible to the next statement.
    for _ in 0..2 {
        let rows: Vec<ClaimRow> = sqlx::query_as(sqlx::AssertSqlSafe(statement.as_str()))
            .bind(agency)
            .bind(reviewer)
            .bind(lease_seconds(lease))
            .bind(application_type.unwrap_or_default())
            .fetch_all(&mut *transaction)
            .await?;
        let expired: Vec<Uuid> = rows
            .iter()
            .filter(|(claimed, ..)| !claimed)
            .map(|(_, case_id, ..)| *case_id)
            .collect();
        audit_expired(&mut transaction, agency, &expired).await?;
        claimed = rows
            .into_iter()
            .find_map(|(claimed, case_id, expires, lane)| {
                claimed.then_some((case_id, expires?, lane.unwrap_or_default()))
            });
        if claimed.is_some() || expired.is_empty() {
            break;
        }
    }
    let Some((case_id, lease_expires_at, lane)) = claimed else {
        transaction.commit().await?;
        return Ok(None);
    };
    audit::append(
        &mut transaction,
        Action {
            agency,
            actor: reviewer,
            action: "claimed",
            case_id: Some(case_id),
            detail: json!({"lease_expires_at": lease_expires_at}),
            reason: "",
        },
    )
    .await?;
    transaction.commit().await?;
    Ok(Some(Claimed {
        case_id,
        reviewer: reviewer.to_owned(),
        lease_expires_at,
        lane: Lane::parse(&lane),
    }))
}

/// Gives the case back to the queue. The holder may; a supervisor may too.
pub async fn release(
    pool: &PgPool,
    agency: &str,
    case_id: Uuid,
    actor: &str,
    supervisor: bool,
) -> Result<(), ServiceError> {
    let mut transaction = pool.begin().await?;
    let case = lock(&mut transaction, agency, case_id).await?;
    if case.state != state::LEASED {
        return Err(ServiceError::FailedPrecondition(
            "the case is not claimed".into(),
        ));
    }
    if case.lease_owner.as_deref() != Some(actor) && !supervisor {
        return Err(ServiceError::PermissionDenied(
            "the case is leased to another reviewer".into(),
        ));
    }
    sqlx::query(
        "UPDATE review_case SET state = 'queued', lease_owner = NULL, lease_expires_at = NULL, updated_at = now() \
         WHERE case_id = $1",
    )
    .bind(case_id)
    .execute(&mut *transaction)
    .await?;
    audit::append(
        &mut transaction,
        Action {
            agency,
            actor,
            action: "released",
            case_id: Some(case_id),
            detail: json!({"previous_owner": case.lease_owner}),
            reason: "",
        },
    )
    .await?;
    transaction.commit().await?;
    Ok(())
}

/// Leases an open case (queued or leased) to `reviewer` for `lease`.
async fn assign_in(
    connection: &mut PgConnection,
    agency: &str,
    case_id: Uuid,
    reviewer: &str,
    actor: &str,
    lease: chrono::Duration,
) -> Result<Claimed, ServiceError> {
    let case = lock(connection, agency, case_id).await?;
    if !matches!(case.state.as_str(), state::QUEUED | state::LEASED) {
        return Err(ServiceError::FailedPrecondition(format!(
            "the case is {}: it cannot be assigned",
            case.state
        )));
    }
    let (lease_expires_at,): (DateTime<Utc>,) = sqlx::query_as(
        "UPDATE review_case SET state = 'leased', lease_owner = $2, \
           lease_expires_at = now() + make_interval(secs => $3), updated_at = now() \
         WHERE case_id = $1 RETURNING lease_expires_at",
    )
    .bind(case_id)
    .bind(reviewer)
    .bind(lease_seconds(lease))
    .fetch_one(&mut *connection)
    .await?;
    audit::append(
        connection,
        Action {
            agency,
            actor,
            action: "assigned",
            case_id: Some(case_id),
            detail: json!({"to": reviewer, "previous_owner": case.lease_owner}),
            reason: "",
        },
    )
    .await?;
    Ok(Claimed {
        case_id,
        reviewer: reviewer.to_owned(),
        lease_expires_at,
        lane: case.lane(),
    })
}

pub async fn reassign(
    pool: &PgPool,
    agency: &str,
    case_id: Uuid,
    reviewer: &str,
    actor: &str,
    lease: chrono::Duration,
) -> Result<Claimed, ServiceError> {
    let mut transaction = pool.begin().await?;
    let claimed = assign_in(&mut transaction, agency, case_id, reviewer, actor, lease).await?;
    transaction.commit().await?;
    Ok(claimed)
}

/// Assigns every listed case, all or nothing.
pub async fn bulk_assign(
    pool: &PgPool,
    agency: &str,
    case_ids: &[Uuid],
    reviewer: &str,
    actor: &str,
    lease: chrono::Duration,
) -> Result<Vec<Claimed>, ServiceError> {
    let mut ordered = case_ids.to_vec();
    // One lock order for every caller: no deadlock between two bulk calls.
    ordered.sort();
    ordered.dedup();
    let mut transaction = pool.begin().await?;
    let mut claims = Vec::with_capacity(ordered.len());
    for case_id in ordered {
        claims.push(assign_in(&mut transaction, agency, case_id, reviewer, actor, lease).await?);
    }
    transaction.commit().await?;
    Ok(claims)
}

#[derive(Debug, Clone)]
pub struct QueueDepth {
    pub application_type: String,
    pub lane: Lane,
    pub depth: i64,
    pub oldest_submitted_at: Option<DateTime<Utc>>,
}

/// Waiting cases per type and lane (claimed cases are not waiting).
pub async fn summary(
    pool: &PgPool,
    agency: Option<&str>,
) -> Result<Vec<(String, QueueDepth)>, sqlx::Error> {
    type Row = (String, String, String, i64, Option<DateTime<Utc>>);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT agency, application_type, lane, count(*), min(submitted_at) FROM review_case \
         WHERE state = 'queued' AND ($1::text IS NULL OR agency = $1) \
         GROUP BY agency, application_type, lane ORDER BY agency, application_type, lane",
    )
    .bind(agency)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(agency, application_type, lane, depth, oldest)| {
            (
                agency,
                QueueDepth {
                    application_type,
                    lane: Lane::parse(&lane),
                    depth,
                    oldest_submitted_at: oldest,
                },
            )
        })
        .collect())
}
