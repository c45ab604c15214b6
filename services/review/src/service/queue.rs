//! Claims, releases and assignments.

use chrono::Utc;
use laissez_kit::error::ServiceError;
use laissez_kit::{AgencyCode, CaseId};
use serde_json::json;
use sqlx::{PgConnection, PgPool};

use crate::domain::state;
use crate::store::audit::{self, Action};
use crate::store::cases::{self, CaseRow, Claimed};

/// The caller holds a live lease on the case.
pub fn require_lease_of(case: &CaseRow, reviewer: &str) -> Result<(), ServiceError> {
    match case.state.as_str() {
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
    if case.lease_owner.as_deref() != Some(reviewer) {
        return Err(ServiceError::PermissionDenied(
            "the case is leased to another reviewer".into(),
        ));
    }
    if case
        .lease_expires_at
        .is_none_or(|expires| expires <= Utc::now())
    {
        return Err(ServiceError::FailedPrecondition(
            "your claim has expired".into(),
        ));
    }
    Ok(())
}

/// Gives the case back to the queue. The holder may; a supervisor may too.
pub async fn release(
    pool: &PgPool,
    agency: &AgencyCode,
    case_id: CaseId,
    actor: &str,
    supervisor: bool,
) -> Result<(), ServiceError> {
    let mut transaction = pool.begin().await?;
    let case = cases::lock(&mut transaction, agency, case_id).await?;
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
    cases::put_back(&mut transaction, case_id).await?;
    audit::append(
        &mut transaction,
        Action {
            agency,
            actor,
            action: "released",
            case_id: Some(case_id.as_uuid()),
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
    agency: &AgencyCode,
    case_id: CaseId,
    reviewer: &str,
    actor: &str,
    lease: chrono::Duration,
) -> Result<Claimed, ServiceError> {
    let case = cases::lock(connection, agency, case_id).await?;
    if !matches!(case.state.as_str(), state::QUEUED | state::LEASED) {
        return Err(ServiceError::FailedPrecondition(format!(
            "the case is {}: it cannot be assigned",
            case.state
        )));
    }
    let lease_expires_at = cases::lease_to(connection, case_id, reviewer, lease).await?;
    audit::append(
        connection,
        Action {
            agency,
            actor,
            action: "assigned",
            case_id: Some(case_id.as_uuid()),
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
    agency: &AgencyCode,
    case_id: CaseId,
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
    agency: &AgencyCode,
    case_ids: &[CaseId],
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
