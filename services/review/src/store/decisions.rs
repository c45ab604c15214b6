//! Decisions, senior sign-off and the priority lane. Every change locks the
//! case row first and checks the state it expects, so of any number of
//! concurrent decisions on one case exactly one applies.

use chrono::{SubsecRound, Utc};
use laissez_eventbus::Outbox;
use laissez_kit::error::ServiceError;
use laissez_proto::events::v1::{CaseDecided, Decision};
use serde_json::json;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::domain::{
    DecisionKind, Lane, decision_name, kind_of, needs_comment, ordering, parse_decision, sla, state,
};
use crate::settings::Settings;
use crate::store::audit::{self, Action};
use crate::store::cases::{self, CaseRow};
use crate::time::timestamp;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decided {
    pub case_id: Uuid,
    pub decision: Decision,
    pub awaiting_sign_off: bool,
}

/// What a reviewer decides: the decision, the comment the applicant reads,
/// and whether a refusal keeps the fee.
#[derive(Debug, Clone, Copy)]
pub struct Verdict<'a> {
    pub decision: Decision,
    pub comment: &'a str,
    /// Only with "not approved": the fee the catalog would refund is kept
    /// (a duplicate, impersonated or falsified application).
    pub fee_forfeited: bool,
}

impl<'a> Verdict<'a> {
    pub fn new(decision: Decision, comment: &'a str) -> Self {
        Self {
            decision,
            comment,
            fee_forfeited: false,
        }
    }
}

fn check_verdict(verdict: &Verdict<'_>) -> Result<DecisionKind, ServiceError> {
    if verdict.fee_forfeited && verdict.decision != Decision::NotApproved {
        return Err(ServiceError::invalid(
            "fee_forfeited",
            "not_a_refusal",
            "only a \"not approved\" decision forfeits the fee",
        ));
    }
    check_decision(verdict.decision, verdict.comment)
}

fn check_decision(decision: Decision, comment: &str) -> Result<DecisionKind, ServiceError> {
    let kind = kind_of(decision)
        .ok_or_else(|| ServiceError::invalid("decision", "required", "choose a decision"))?;
    if needs_comment(decision) && comment.trim().is_empty() {
        return Err(ServiceError::invalid(
            "comment",
            "required",
            "a rejection needs a reason and a return a comment for the applicant",
        ));
    }
    if comment.chars().count() > 2000 {
        return Err(ServiceError::invalid(
            "comment",
            "too_long",
            "at most 2000 characters",
        ));
    }
    Ok(kind)
}

/// Records the decision: final or returned, the event for intake, notify
/// and payment, the audit entry.
async fn apply(
    connection: &mut PgConnection,
    settings: &Settings,
    case: &CaseRow,
    verdict: Verdict<'_>,
    decided_by: &str,
    signed_off_by: Option<&str>,
) -> Result<(), ServiceError> {
    let kind = check_verdict(&verdict)?;
    let Verdict {
        decision,
        comment,
        fee_forfeited,
    } = verdict;
    let now = Utc::now().trunc_subsecs(6);
    let name = decision_name(decision);
    match kind {
        DecisionKind::Final => {
            sqlx::query(
                "UPDATE review_case SET state = 'decided', decision = $2, decision_comment = $3, \
                   decided_by = $4, decided_at = $5, decision_fee_forfeited = $6, \
                   lease_owner = NULL, lease_expires_at = NULL, \
                   pending_decision = NULL, pending_comment = NULL, pending_by = NULL, \
                   pending_fee_forfeited = false, updated_at = now() \
                 WHERE case_id = $1",
            )
            .bind(case.case_id)
            .bind(name)
            .bind(comment)
            .bind(decided_by)
            .bind(now)
            .bind(fee_forfeited)
            .execute(&mut *connection)
            .await?;
        }
        DecisionKind::Return => {
            let paused_on = settings
                .catalogs
                .agency(&case.agency)
                .map(|catalog| sla::agency_date(&catalog.agency.time_zone, now))
                .unwrap_or_else(|| now.date_naive());
            sqlx::query(
                "UPDATE review_case SET state = 'returned', decision = $2, decision_comment = $3, \
                   decided_by = $4, decided_at = $5, paused_on = $6, lease_owner = NULL, lease_expires_at = NULL, \
                   updated_at = now() \
                 WHERE case_id = $1",
            )
            .bind(case.case_id)
            .bind(name)
            .bind(comment)
            .bind(decided_by)
            .bind(now)
            .bind(paused_on)
            .execute(&mut *connection)
            .await?;
        }
    }
    let party = &case.party;
    let text = |key: &str| {
        party
            .get(key)
            .and_then(|value| value.as_str())
            .unwrap_or_default()
            .to_owned()
    };
    let event = CaseDecided {
        case_id: case.case_id.to_string(),
        receipt_number: case.receipt_number.clone(),
        decision: decision as i32,
        comment: comment.to_owned(),
        decided_by: decided_by.to_owned(),
        decided_at: Some(timestamp(now)),
        application_type: case.application_type.clone(),
        group_number: case.group_number.clone(),
        account_id: text("account_id"),
        language: party
            .get("language")
            .and_then(serde_json::Value::as_i64)
            .and_then(|language| i32::try_from(language).ok())
            .unwrap_or_default(),
        email: text("email"),
        mobile: text("mobile"),
        fee_forfeited,
    };
    Outbox::enqueue(
        &mut *connection,
        &case.agency,
        "case",
        &event.case_id,
        &event,
    )
    .await
    .map_err(ServiceError::internal)?;
    audit::append(
        connection,
        Action {
            agency: &case.agency,
            actor: signed_off_by.unwrap_or(decided_by),
            action: if signed_off_by.is_some() {
                "signed_off"
            } else {
                "decided"
            },
            case_id: Some(case.case_id),
            detail: json!({"decision": name, "decided_by": decided_by, "previous_state": case.state,
                "fee_forfeited": fee_forfeited}),
            reason: comment,
        },
    )
    .await?;
    metrics::counter!("review_decisions_total", "agency" => case.agency.clone(), "decision" => name).increment(1);
    if kind == DecisionKind::Return {
        metrics::counter!("review_returns_total", "agency" => case.agency.clone(), "decision" => name).increment(1);
    }
    let waited = (now - case.submitted_at).as_seconds_f64().max(0.0);
    metrics::histogram!("review_time_to_decision_seconds", "agency" => case.agency.clone(), "application_type" => case.application_type.clone()).record(waited);
    Ok(())
}

/// Decides on a case the caller has claimed, or records it for sign-off.
async fn decide_in(
    connection: &mut PgConnection,
    settings: &Settings,
    case: &CaseRow,
    verdict: Verdict<'_>,
    reviewer: &str,
) -> Result<Decided, ServiceError> {
    let kind = check_verdict(&verdict)?;
    let Verdict {
        decision, comment, ..
    } = verdict;
    if kind == DecisionKind::Final
        && settings
            .catalogs
            .needs_sign_off(&case.agency, &case.application_type)
    {
        sqlx::query(
            "UPDATE review_case SET state = 'pending_sign_off', pending_decision = $2, pending_comment = $3, \
               pending_by = $4, pending_fee_forfeited = $5, lease_owner = NULL, lease_expires_at = NULL, \
               updated_at = now() \
             WHERE case_id = $1",
        )
        .bind(case.case_id)
        .bind(decision_name(decision))
        .bind(comment)
        .bind(reviewer)
        .bind(verdict.fee_forfeited)
        .execute(&mut *connection)
        .await?;
        audit::append(
            connection,
            Action {
                agency: &case.agency,
                actor: reviewer,
                action: "proposed",
                case_id: Some(case.case_id),
                detail: json!({"decision": decision_name(decision)}),
                reason: comment,
            },
        )
        .await?;
        return Ok(Decided {
            case_id: case.case_id,
            decision,
            awaiting_sign_off: true,
        });
    }
    apply(connection, settings, case, verdict, reviewer, None).await?;
    Ok(Decided {
        case_id: case.case_id,
        decision,
        awaiting_sign_off: false,
    })
}

pub async fn decide(
    pool: &PgPool,
    settings: &Settings,
    agency: &str,
    case_id: Uuid,
    verdict: Verdict<'_>,
    reviewer: &str,
) -> Result<Decided, ServiceError> {
    check_verdict(&verdict)?;
    let mut transaction = pool.begin().await?;
    let case = cases::lock(&mut transaction, agency, case_id).await?;
    case.require_lease_of(reviewer)?;
    let decided = decide_in(&mut transaction, settings, &case, verdict, reviewer).await?;
    transaction.commit().await?;
    Ok(decided)
}

/// The same decision on every open case of a group, in one transaction.
/// Closed cases (decided, withdrawn, returned) are left alone; an open case
/// claimed by another reviewer refuses the whole call.
pub async fn decide_group(
    pool: &PgPool,
    settings: &Settings,
    agency: &str,
    group_number: &str,
    verdict: Verdict<'_>,
    reviewer: &str,
) -> Result<Vec<Decided>, ServiceError> {
    check_verdict(&verdict)?;
    if group_number.is_empty() {
        return Err(ServiceError::invalid(
            "group_number",
            "required",
            "name the group",
        ));
    }
    let mut transaction = pool.begin().await?;
    let case_ids: Vec<Uuid> = sqlx::query_scalar(
        "SELECT case_id FROM review_case WHERE agency = $1 AND group_number = $2 \
         AND state IN ('queued', 'leased') ORDER BY case_id FOR UPDATE",
    )
    .bind(agency)
    .bind(group_number)
    .fetch_all(&mut *transaction)
    .await?;
    if case_ids.is_empty() {
        return Err(ServiceError::NotFound("open case in the group"));
    }
    let mut decided = Vec::with_capacity(case_ids.len());
    for case_id in case_ids {
        let case = cases::lock(&mut transaction, agency, case_id).await?;
        let others_lease = case.state == state::LEASED
            && case.lease_owner.as_deref() != Some(reviewer)
            && case
                .lease_expires_at
                .is_some_and(|expires| expires > Utc::now());
        if others_lease {
            return Err(ServiceError::PermissionDenied(format!(
                "case {} of the group is leased to another reviewer",
                case.receipt_number
            )));
        }
        decided.push(decide_in(&mut transaction, settings, &case, verdict, reviewer).await?);
    }
    transaction.commit().await?;
    Ok(decided)
}

/// A senior reviewer confirms (or sends back) a proposed final decision.
/// Four eyes: the proposer cannot sign their own decision off.
pub async fn sign_off(
    pool: &PgPool,
    settings: &Settings,
    agency: &str,
    case_id: Uuid,
    approve: bool,
    comment: &str,
    senior: &str,
) -> Result<Decided, ServiceError> {
    let mut transaction = pool.begin().await?;
    let case = cases::lock(&mut transaction, agency, case_id).await?;
    if case.state != state::PENDING_SIGN_OFF {
        return Err(ServiceError::FailedPrecondition(
            "the case awaits no sign-off".into(),
        ));
    }
    let proposer = case.pending_by.clone().unwrap_or_default();
    if proposer == senior {
        return Err(ServiceError::PermissionDenied(
            "a decision is signed off by another senior reviewer".into(),
        ));
    }
    let decision = parse_decision(case.pending_decision.as_deref().unwrap_or_default());
    if approve {
        let proposed_comment = case.pending_comment.clone().unwrap_or_default();
        let verdict = Verdict {
            decision,
            comment: &proposed_comment,
            fee_forfeited: case.pending_fee_forfeited,
        };
        apply(
            &mut transaction,
            settings,
            &case,
            verdict,
            &proposer,
            Some(senior),
        )
        .await?;
        transaction.commit().await?;
        return Ok(Decided {
            case_id,
            decision,
            awaiting_sign_off: false,
        });
    }
    // Sent back: the proposer holds the case again to reconsider.
    sqlx::query(
        "UPDATE review_case SET state = 'leased', lease_owner = $2, \
           lease_expires_at = now() + make_interval(secs => $3), \
           pending_decision = NULL, pending_comment = NULL, pending_by = NULL, \
           pending_fee_forfeited = false, updated_at = now() \
         WHERE case_id = $1",
    )
    .bind(case_id)
    .bind(&proposer)
    .bind(settings.lease.as_seconds_f64())
    .execute(&mut *transaction)
    .await?;
    audit::append(
        &mut transaction,
        Action {
            agency,
            actor: senior,
            action: "sign_off_refused",
            case_id: Some(case_id),
            detail: json!({"proposed": decision_name(decision), "proposer": proposer}),
            reason: comment,
        },
    )
    .await?;
    transaction.commit().await?;
    Ok(Decided {
        case_id,
        decision: Decision::Unspecified,
        awaiting_sign_off: false,
    })
}

/// The applicant (or staff on their behalf) asks for the green channel.
pub async fn request_priority(
    pool: &PgPool,
    agency: &str,
    case_id: Uuid,
    reason: &str,
    evidence: &[String],
    actor: &str,
    applicant: Option<&str>,
) -> Result<(Lane, String), ServiceError> {
    if reason.trim().is_empty() {
        return Err(ServiceError::invalid(
            "reason",
            "required",
            "say why the case is urgent",
        ));
    }
    let mut transaction = pool.begin().await?;
    let case = cases::lock(&mut transaction, agency, case_id).await?;
    if let Some(account) = applicant
        && case
            .party
            .get("account_id")
            .and_then(|value| value.as_str())
            != Some(account)
    {
        return Err(ServiceError::NotFound("case"));
    }
    if !matches!(
        case.state.as_str(),
        state::QUEUED | state::LEASED | state::RETURNED
    ) {
        return Err(ServiceError::FailedPrecondition(
            "the case is no longer in review".into(),
        ));
    }
    if case.lane() == Lane::Priority {
        return Ok((Lane::Priority, case.priority_request));
    }
    sqlx::query(
        "UPDATE review_case SET priority_request = 'requested', priority_request_reason = $2, \
           priority_evidence = $3, updated_at = now() WHERE case_id = $1",
    )
    .bind(case_id)
    .bind(reason)
    .bind(evidence)
    .execute(&mut *transaction)
    .await?;
    audit::append(
        &mut transaction,
        Action {
            agency,
            actor,
            action: "priority_requested",
            case_id: Some(case_id),
            detail: json!({"evidence_document_ids": evidence}),
            reason,
        },
    )
    .await?;
    transaction.commit().await?;
    Ok((Lane::Normal, "requested".to_owned()))
}

/// Staff accept (the case moves to the priority lane) or refuse the request.
pub async fn resolve_priority(
    pool: &PgPool,
    settings: &Settings,
    agency: &str,
    case_id: Uuid,
    accept: bool,
    comment: &str,
    actor: &str,
) -> Result<(Lane, String), ServiceError> {
    let mut transaction = pool.begin().await?;
    let case = cases::lock(&mut transaction, agency, case_id).await?;
    if case.priority_request != "requested" {
        return Err(ServiceError::FailedPrecondition(
            "no priority request is waiting".into(),
        ));
    }
    let (lane, status) = if accept {
        (Lane::Priority, "accepted")
    } else {
        (case.lane(), "refused")
    };
    let queue_key = ordering::queue_key(case.submitted_at, lane, settings.priority_head_start);
    sqlx::query(
        "UPDATE review_case SET priority_request = $2, lane = $3, queue_key = $4, updated_at = now() WHERE case_id = $1",
    )
    .bind(case_id)
    .bind(status)
    .bind(lane.as_str())
    .bind(queue_key)
    .execute(&mut *transaction)
    .await?;
    audit::append(
        &mut transaction,
        Action {
            agency,
            actor,
            action: if accept {
                "priority_accepted"
            } else {
                "priority_refused"
            },
            case_id: Some(case_id),
            detail: json!({"lane": lane.as_str()}),
            reason: comment,
        },
    )
    .await?;
    transaction.commit().await?;
    Ok((lane, status.to_owned()))
}
