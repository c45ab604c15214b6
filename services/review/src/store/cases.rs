//! The queue's statements: the case row, claims, leases, read models.

use chrono::{DateTime, NaiveDate, Utc};
use laissez_kit::error::ServiceError;
use laissez_kit::{AgencyCode, CaseId};
use serde_json::json;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::domain::Lane;
use crate::store::audit::{self, Action};

/// A case row as the handlers need it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CaseRow {
    pub case_id: CaseId,
    pub agency: AgencyCode,
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
    agency: &AgencyCode,
    case_id: CaseId,
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

pub async fn find(
    pool: &PgPool,
    agency: &AgencyCode,
    case_id: CaseId,
) -> Result<CaseRow, ServiceError> {
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
    pub fn lane(&self) -> Lane {
        Lane::parse(&self.lane)
    }
}

#[derive(Debug, Clone)]
pub struct Claimed {
    pub case_id: CaseId,
    pub reviewer: String,
    pub lease_expires_at: DateTime<Utc>,
    pub lane: Lane,
}

/// Audits the leases that lapsed (their reviewer went away) as they go back
/// to the queue.
async fn audit_expired(
    connection: &mut PgConnection,
    agency: &AgencyCode,
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
    agency: &AgencyCode,
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
            .bind(lease.as_seconds_f64())
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
        case_id: case_id.into(),
        reviewer: reviewer.to_owned(),
        lease_expires_at,
        lane: Lane::parse(&lane),
    }))
}

/// Puts a claimed case back in the queue.
pub async fn put_back(connection: &mut PgConnection, case_id: CaseId) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE review_case SET state = 'queued', lease_owner = NULL, lease_expires_at = NULL, updated_at = now() \
         WHERE case_id = $1",
    )
    .bind(case_id)
    .execute(connection)
    .await?;
    Ok(())
}

/// Leases the case to `reviewer` for `lease`; returns when the lease ends.
pub async fn lease_to(
    connection: &mut PgConnection,
    case_id: CaseId,
    reviewer: &str,
    lease: chrono::Duration,
) -> Result<DateTime<Utc>, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE review_case SET state = 'leased', lease_owner = $2, \
           lease_expires_at = now() + make_interval(secs => $3), updated_at = now() \
         WHERE case_id = $1 RETURNING lease_expires_at",
    )
    .bind(case_id)
    .bind(reviewer)
    .bind(lease.as_seconds_f64())
    .fetch_one(connection)
    .await
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
    agency: Option<&AgencyCode>,
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
