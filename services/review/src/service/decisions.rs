//! Decisions, senior sign-off and the priority lane.

use chrono::{SubsecRound, Utc};
use laissez_eventbus::Outbox;
use laissez_kit::error::ServiceError;
use laissez_kit::{AgencyCode, CaseId};
use laissez_proto::events::v1::{CaseDecided, Decision as EventDecision};
use serde_json::json;
use sqlx::{PgConnection, PgPool};

use crate::domain::{Decision, DecisionKind, Lane, Verdict, ordering, sla, state};
use crate::service::queue::require_lease_of;
use crate::settings::Settings;
use crate::store::audit::{self, Action};
use crate::store::cases::{self, CaseRow};
use crate::store::decisions as statements;
use crate::time::timestamp;

/// What became of a decision. `decision` is `None` when a proposal was
/// sent back by the senior reviewer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decided {
    pub case_id: CaseId,
    pub decision: Option<Decision>,
    pub awaiting_sign_off: bool,
}

/// The decision as the published event carries it.
pub fn event_decision(decision: Decision) -> EventDecision {
    match decision {
        Decision::Approved => EventDecision::Approved,
        Decision::NotAccepted => EventDecision::NotAccepted,
        Decision::NotApproved => EventDecision::NotApproved,
        Decision::ReturnedForCorrection => EventDecision::ReturnedForCorrection,
        Decision::ReturnedForSupplement => EventDecision::ReturnedForSupplement,
    }
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
    let now = Utc::now().trunc_subsecs(6);
    let decision = verdict.decision;
    let name = decision.name();
    let kind = decision.kind();
    match kind {
        DecisionKind::Final => {
            statements::record_final(&mut *connection, case.case_id, &verdict, decided_by, now)
                .await?;
        }
        DecisionKind::Return => {
            let paused_on = settings
                .catalogs
                .agency(&case.agency)
                .map(|catalog| sla::agency_date(&catalog.agency.time_zone, now))
                .unwrap_or_else(|| now.date_naive());
            statements::record_return(
                &mut *connection,
                case.case_id,
                &verdict,
                decided_by,
                now,
                paused_on,
            )
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
        decision: event_decision(decision) as i32,
        comment: verdict.comment.to_owned(),
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
        fee_forfeited: verdict.fee_forfeited,
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
            case_id: Some(case.case_id.as_uuid()),
            detail: json!({"decision": name, "decided_by": decided_by, "previous_state": case.state,
                "fee_forfeited": verdict.fee_forfeited}),
            reason: verdict.comment,
        },
    )
    .await?;
    let agency = case.agency.to_string();
    metrics::counter!("review_decisions_total", "agency" => agency.clone(), "decision" => name)
        .increment(1);
    if kind == DecisionKind::Return {
        metrics::counter!("review_returns_total", "agency" => agency.clone(), "decision" => name)
            .increment(1);
    }
    let waited = (now - case.submitted_at).as_seconds_f64().max(0.0);
    metrics::histogram!("review_time_to_decision_seconds", "agency" => agency, "application_type" => case.application_type.clone()).record(waited);
    Ok(())
}

/// Decides on a case the caller has claimed, or records it for sign-off
/// where the catalog asks for one.
async fn decide_in(
    connection: &mut PgConnection,
    settings: &Settings,
    case: &CaseRow,
    verdict: Verdict<'_>,
    reviewer: &str,
) -> Result<Decided, ServiceError> {
    let decision = verdict.decision;
    if decision.kind() == DecisionKind::Final
        && settings
            .catalogs
            .needs_sign_off(&case.agency, &case.application_type)
    {
        statements::record_proposal(&mut *connection, case.case_id, &verdict, reviewer).await?;
        audit::append(
            connection,
            Action {
                agency: &case.agency,
                actor: reviewer,
                action: "proposed",
                case_id: Some(case.case_id.as_uuid()),
                detail: json!({"decision": decision.name()}),
                reason: verdict.comment,
            },
        )
        .await?;
        return Ok(Decided {
            case_id: case.case_id,
            decision: Some(decision),
            awaiting_sign_off: true,
        });
    }
    apply(connection, settings, case, verdict, reviewer, None).await?;
    Ok(Decided {
        case_id: case.case_id,
        decision: Some(decision),
        awaiting_sign_off: false,
    })
}

pub async fn decide(
    pool: &PgPool,
    settings: &Settings,
    agency: &AgencyCode,
    case_id: CaseId,
    verdict: Verdict<'_>,
    reviewer: &str,
) -> Result<Decided, ServiceError> {
    let mut transaction = pool.begin().await?;
    let case = cases::lock(&mut transaction, agency, case_id).await?;
    require_lease_of(&case, reviewer)?;
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
    agency: &AgencyCode,
    group_number: &str,
    verdict: Verdict<'_>,
    reviewer: &str,
) -> Result<Vec<Decided>, ServiceError> {
    if group_number.is_empty() {
        return Err(ServiceError::invalid(
            "group_number",
            "required",
            "name the group",
        ));
    }
    let mut transaction = pool.begin().await?;
    let case_ids = statements::lock_open_group(&mut transaction, agency, group_number).await?;
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
    agency: &AgencyCode,
    case_id: CaseId,
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
    let proposed = case.pending_decision.as_deref().unwrap_or_default();
    let decision = Decision::parse(proposed).ok_or_else(|| {
        ServiceError::internal(anyhow::anyhow!(
            "case {case_id} awaits sign-off of an unknown decision {proposed:?}"
        ))
    })?;
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
            decision: Some(decision),
            awaiting_sign_off: false,
        });
    }
    // Sent back: the proposer holds the case again to reconsider.
    statements::send_back(&mut transaction, case_id, &proposer, settings.lease).await?;
    audit::append(
        &mut transaction,
        Action {
            agency,
            actor: senior,
            action: "sign_off_refused",
            case_id: Some(case_id.as_uuid()),
            detail: json!({"proposed": decision.name(), "proposer": proposer}),
            reason: comment,
        },
    )
    .await?;
    transaction.commit().await?;
    Ok(Decided {
        case_id,
        decision: None,
        awaiting_sign_off: false,
    })
}

/// The applicant (or staff on their behalf) asks for the green channel.
/// `applicant` is the asking applicant's account: another's case is not
/// found.
pub async fn request_priority(
    pool: &PgPool,
    agency: &AgencyCode,
    case_id: CaseId,
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
    statements::record_priority_request(&mut transaction, case_id, reason, evidence).await?;
    audit::append(
        &mut transaction,
        Action {
            agency,
            actor,
            action: "priority_requested",
            case_id: Some(case_id.as_uuid()),
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
    agency: &AgencyCode,
    case_id: CaseId,
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
    statements::record_priority_answer(&mut transaction, case_id, status, lane, queue_key).await?;
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
            case_id: Some(case_id.as_uuid()),
            detail: json!({"lane": lane.as_str()}),
            reason: comment,
        },
    )
    .await?;
    transaction.commit().await?;
    Ok((lane, status.to_owned()))
}
