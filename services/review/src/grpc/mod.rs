//! The gRPC surface: it decodes requests into checked values, authorises
//! the caller and maps the answers back; the rules are in `service/`.
//! Every query is scoped to the caller's agency from the verified token, so
//! another agency's case is indistinguishable from a missing one. Roles are
//! read from the token on every call; nothing is cached.

use laissez_kit::Role;
use laissez_kit::auth::{Caller, caller};
use laissez_kit::error::ServiceError;
use laissez_kit::{AgencyCode, CaseId};
use laissez_proto::events::v1::Decision as EventDecision;
use laissez_proto::intake::v1::GetCaseRequest;
use laissez_proto::intake::v1::intake_service_client::IntakeServiceClient;
use laissez_proto::review::v1::review_service_server::ReviewService;
use laissez_proto::review::v1::*;
use sqlx::PgPool;
use tonic::transport::Channel;
use tonic::{Code, Request, Response, Status};

use crate::domain::{Decision, Lane, Verdict};
use crate::service::decisions::{self, Decided, event_decision};
use crate::service::queue;
use crate::settings::Settings;
use crate::store::audit;
use crate::store::cases::{self, Claimed};
use crate::time::timestamp;

const REVIEWERS: &[Role] = &[Role::Reviewer, Role::SeniorReviewer];
const SUPERVISORS: &[Role] = &[Role::SeniorReviewer, Role::AgencyAdmin];
const STAFF: &[Role] = &[
    Role::Reviewer,
    Role::SeniorReviewer,
    Role::AgencyAdmin,
    Role::PlatformOperator,
];
/// Who may read and verify the audit trail.
const AUDITORS: &[Role] = &[
    Role::SeniorReviewer,
    Role::AgencyAdmin,
    Role::PlatformOperator,
];
const PRIORITY_DECIDERS: &[Role] = &[Role::Reviewer, Role::SeniorReviewer, Role::AgencyAdmin];

pub struct Review {
    pool: PgPool,
    settings: Settings,
    intake: IntakeServiceClient<Channel>,
}

impl Review {
    pub fn new(pool: PgPool, settings: Settings, intake: IntakeServiceClient<Channel>) -> Self {
        Self {
            pool,
            settings,
            intake,
        }
    }

    /// Reads the case from intake as the reviewer: the call carries the
    /// reviewer's own token, so intake applies its own agency scope too.
    /// `Err` is a refusal to pass on; `Ok(Err(reason))` means intake could
    /// not answer and the view goes out without it.
    async fn submission<T>(
        &self,
        request: &Request<T>,
        case_id: CaseId,
    ) -> Result<Result<laissez_proto::intake::v1::Case, String>, Status> {
        let mut call = Request::new(GetCaseRequest {
            case_id: case_id.to_string(),
        });
        if let Some(authorization) = request.metadata().get("authorization") {
            call.metadata_mut()
                .insert("authorization", authorization.clone());
        }
        laissez_kit::telemetry::inject_into_metadata(call.metadata_mut());
        match self.intake.clone().get_case(call).await {
            Ok(case) => Ok(Ok(case.into_inner())),
            Err(status)
                if matches!(
                    status.code(),
                    Code::PermissionDenied | Code::Unauthenticated
                ) =>
            {
                Err(status)
            }
            Err(status) => {
                tracing::warn!(%case_id, code = ?status.code(), message = status.message(), "intake did not return the case");
                Ok(Err(if status.code() == Code::NotFound {
                    "intake holds no such case".to_owned()
                } else {
                    "the submitted application and its documents cannot be read from intake right now; try again shortly".to_owned()
                }))
            }
        }
    }
}

fn case_id(text: &str) -> Result<CaseId, Status> {
    // A malformed id is a case that does not exist, like another agency's.
    text.parse()
        .map_err(|_| Status::not_found("case not found"))
}

/// A caller allowed in, and the agency every query of the call is scoped to.
struct Desk {
    caller: Caller,
    agency: AgencyCode,
}

/// The caller, with one of `roles`, acting for an agency.
fn desk<T>(request: &Request<T>, roles: &[Role]) -> Result<Desk, Status> {
    let caller = caller(request)?;
    caller.require_any_role(roles)?;
    acting(caller)
}

fn acting(caller: &Caller) -> Result<Desk, Status> {
    let agency = caller
        .agency_code()
        .ok_or_else(|| Status::permission_denied("the caller acts for no agency"))?;
    Ok(Desk {
        caller: caller.clone(),
        agency,
    })
}

fn lane(lane: Lane) -> laissez_proto::review::v1::Lane {
    match lane {
        Lane::Normal => laissez_proto::review::v1::Lane::Normal,
        Lane::Priority => laissez_proto::review::v1::Lane::Priority,
    }
}

fn claim(claimed: Claimed) -> Claim {
    Claim {
        case_id: claimed.case_id.to_string(),
        reviewer: claimed.reviewer,
        lease_expires_at: Some(timestamp(claimed.lease_expires_at)),
        lane: lane(claimed.lane) as i32,
    }
}

fn decided(decided: Decided) -> DecideResponse {
    DecideResponse {
        case_id: decided.case_id.to_string(),
        decision: decided
            .decision
            .map_or(EventDecision::Unspecified, event_decision) as i32,
        awaiting_sign_off: decided.awaiting_sign_off,
    }
}

/// The verdict a request asks for, checked.
fn verdict(decision: i32, comment: &str, fee_forfeited: bool) -> Result<Verdict<'_>, Status> {
    let decision = match EventDecision::try_from(decision).unwrap_or(EventDecision::Unspecified) {
        EventDecision::Approved => Some(Decision::Approved),
        EventDecision::NotAccepted => Some(Decision::NotAccepted),
        EventDecision::NotApproved => Some(Decision::NotApproved),
        EventDecision::ReturnedForCorrection => Some(Decision::ReturnedForCorrection),
        EventDecision::ReturnedForSupplement => Some(Decision::ReturnedForSupplement),
        EventDecision::Unspecified => None,
    };
    Ok(Verdict::check(decision, comment, fee_forfeited)?)
}

fn entry(entry: audit::Entry) -> AuditEntry {
    AuditEntry {
        sequence: u64::try_from(entry.sequence).unwrap_or_default(),
        actor: entry.actor,
        action: entry.action,
        case_id: entry.case_id.map(|id| id.to_string()).unwrap_or_default(),
        detail_json: entry.detail_json,
        reason: entry.reason,
        at: Some(timestamp(entry.at)),
        hash: entry.hash,
        previous_hash: entry.previous_hash,
    }
}

#[tonic::async_trait]
impl ReviewService for Review {
    async fn get_queue_summary(
        &self,
        request: Request<GetQueueSummaryRequest>,
    ) -> Result<Response<GetQueueSummaryResponse>, Status> {
        let desk = desk(&request, STAFF)?;
        let rows = cases::summary(&self.pool, Some(&desk.agency))
            .await
            .map_err(ServiceError::from)?;
        let queues = rows
            .into_iter()
            .map(|(_, depth)| QueueSummary {
                application_type: depth.application_type,
                lane: lane(depth.lane) as i32,
                depth: u64::try_from(depth.depth).unwrap_or_default(),
                oldest_submitted_at: depth.oldest_submitted_at.map(timestamp),
            })
            .collect();
        Ok(Response::new(GetQueueSummaryResponse { queues }))
    }

    async fn claim_next(
        &self,
        request: Request<ClaimNextRequest>,
    ) -> Result<Response<Claim>, Status> {
        let desk = desk(&request, REVIEWERS)?;
        let application_type = request.get_ref().application_type.as_str();
        let claimed = cases::claim_next(
            &self.pool,
            &desk.agency,
            (!application_type.is_empty()).then_some(application_type),
            &desk.caller.account_id,
            self.settings.lease,
        )
        .await?;
        match claimed {
            Some(claimed) => Ok(Response::new(claim(claimed))),
            None => Err(Status::not_found("no case is waiting")),
        }
    }

    async fn release_claim(
        &self,
        request: Request<ReleaseClaimRequest>,
    ) -> Result<Response<ReleaseClaimResponse>, Status> {
        let desk = desk(
            &request,
            &[Role::Reviewer, Role::SeniorReviewer, Role::AgencyAdmin],
        )?;
        let id = case_id(&request.get_ref().case_id)?;
        let supervisor = SUPERVISORS.iter().any(|role| desk.caller.has_role(*role));
        queue::release(
            &self.pool,
            &desk.agency,
            id,
            &desk.caller.account_id,
            supervisor,
        )
        .await?;
        Ok(Response::new(ReleaseClaimResponse {}))
    }

    async fn reassign(&self, request: Request<ReassignRequest>) -> Result<Response<Claim>, Status> {
        let desk = desk(&request, SUPERVISORS)?;
        let message = request.get_ref();
        let id = case_id(&message.case_id)?;
        if message.reviewer.is_empty() {
            return Err(ServiceError::invalid("reviewer", "required", "name the reviewer").into());
        }
        let claimed = queue::reassign(
            &self.pool,
            &desk.agency,
            id,
            &message.reviewer,
            &desk.caller.account_id,
            self.settings.assignment_lease,
        )
        .await?;
        Ok(Response::new(claim(claimed)))
    }

    async fn bulk_assign(
        &self,
        request: Request<BulkAssignRequest>,
    ) -> Result<Response<BulkAssignResponse>, Status> {
        let desk = desk(&request, SUPERVISORS)?;
        let message = request.get_ref();
        if message.reviewer.is_empty() {
            return Err(ServiceError::invalid("reviewer", "required", "name the reviewer").into());
        }
        if message.case_ids.is_empty() || message.case_ids.len() > 500 {
            return Err(
                ServiceError::invalid("case_ids", "count", "between 1 and 500 cases").into(),
            );
        }
        let ids = message
            .case_ids
            .iter()
            .map(|id| case_id(id))
            .collect::<Result<Vec<_>, _>>()?;
        let claims = queue::bulk_assign(
            &self.pool,
            &desk.agency,
            &ids,
            &message.reviewer,
            &desk.caller.account_id,
            self.settings.assignment_lease,
        )
        .await?;
        Ok(Response::new(BulkAssignResponse {
            claims: claims.into_iter().map(claim).collect(),
        }))
    }

    async fn get_review_case(
        &self,
        request: Request<GetReviewCaseRequest>,
    ) -> Result<Response<ReviewCase>, Status> {
        let desk = desk(&request, STAFF)?;
        let id = case_id(&request.get_ref().case_id)?;
        let case = cases::find(&self.pool, &desk.agency, id).await?;
        let (submission, submission_error) = match self.submission(&request, id).await? {
            Ok(case) => (Some(case), String::new()),
            Err(reason) => (None, reason),
        };
        let history = audit::list(&self.pool, &desk.agency, Some(id), 0, 1_000)
            .await
            .map_err(ServiceError::from)?
            .into_iter()
            .map(|entry| HistoryEntry {
                action: entry.action,
                actor: entry.actor,
                at: Some(timestamp(entry.at)),
                detail: if entry.reason.is_empty() {
                    entry.detail_json
                } else {
                    format!("{} {}", entry.detail_json, entry.reason)
                },
            })
            .collect();
        let due_at = case
            .due_on
            .and_then(|day| day.and_hms_opt(23, 59, 59))
            .map(|at| timestamp(at.and_utc()));
        Ok(Response::new(ReviewCase {
            case_id: case.case_id.to_string(),
            receipt_number: case.receipt_number,
            group_number: case.group_number,
            application_type: case.application_type,
            snapshot_json: case.snapshot.to_string(),
            history,
            due_at,
            lane: lane(Lane::parse(&case.lane)) as i32,
            state: case.state,
            submission,
            submission_error,
        }))
    }

    async fn decide(
        &self,
        request: Request<DecideRequest>,
    ) -> Result<Response<DecideResponse>, Status> {
        let desk = desk(&request, REVIEWERS)?;
        let message = request.get_ref();
        let id = case_id(&message.case_id)?;
        let result = decisions::decide(
            &self.pool,
            &self.settings,
            &desk.agency,
            id,
            verdict(message.decision, &message.comment, message.fee_forfeited)?,
            &desk.caller.account_id,
        )
        .await?;
        Ok(Response::new(decided(result)))
    }

    async fn decide_group(
        &self,
        request: Request<DecideGroupRequest>,
    ) -> Result<Response<DecideGroupResponse>, Status> {
        let desk = desk(&request, REVIEWERS)?;
        let message = request.get_ref();
        let results = decisions::decide_group(
            &self.pool,
            &self.settings,
            &desk.agency,
            &message.group_number,
            verdict(message.decision, &message.comment, message.fee_forfeited)?,
            &desk.caller.account_id,
        )
        .await?;
        Ok(Response::new(DecideGroupResponse {
            decisions: results.into_iter().map(decided).collect(),
        }))
    }

    async fn sign_off(
        &self,
        request: Request<SignOffRequest>,
    ) -> Result<Response<DecideResponse>, Status> {
        let desk = desk(&request, &[Role::SeniorReviewer])?;
        let message = request.get_ref();
        let id = case_id(&message.case_id)?;
        let result = decisions::sign_off(
            &self.pool,
            &self.settings,
            &desk.agency,
            id,
            message.approve,
            &message.comment,
            &desk.caller.account_id,
        )
        .await?;
        Ok(Response::new(decided(result)))
    }

    async fn request_priority(
        &self,
        request: Request<RequestPriorityRequest>,
    ) -> Result<Response<RequestPriorityResponse>, Status> {
        let desk = acting(caller(&request)?)?;
        let caller = &desk.caller;
        let applicant = if caller.has_role(Role::Applicant) {
            Some(caller.account_id.as_str())
        } else {
            caller.require_any_role(PRIORITY_DECIDERS)?;
            None
        };
        let message = request.get_ref();
        let id = case_id(&message.case_id)?;
        let (lane, status) = decisions::request_priority(
            &self.pool,
            &desk.agency,
            id,
            &message.reason,
            &message.evidence_document_ids,
            &desk.caller.account_id,
            applicant,
        )
        .await?;
        Ok(Response::new(RequestPriorityResponse {
            lane: self::lane(lane) as i32,
            status,
        }))
    }

    async fn resolve_priority(
        &self,
        request: Request<ResolvePriorityRequest>,
    ) -> Result<Response<RequestPriorityResponse>, Status> {
        let desk = desk(&request, PRIORITY_DECIDERS)?;
        let message = request.get_ref();
        let id = case_id(&message.case_id)?;
        let (lane, status) = decisions::resolve_priority(
            &self.pool,
            &self.settings,
            &desk.agency,
            id,
            message.accept,
            &message.comment,
            &desk.caller.account_id,
        )
        .await?;
        Ok(Response::new(RequestPriorityResponse {
            lane: self::lane(lane) as i32,
            status,
        }))
    }

    async fn list_audit(
        &self,
        request: Request<ListAuditRequest>,
    ) -> Result<Response<ListAuditResponse>, Status> {
        let desk = desk(&request, AUDITORS)?;
        let message = request.get_ref();
        let case = if message.case_id.is_empty() {
            None
        } else {
            Some(case_id(&message.case_id)?)
        };
        let limit = i64::from(if message.limit == 0 {
            100
        } else {
            message.limit.min(1_000)
        });
        let entries = audit::list(
            &self.pool,
            &desk.agency,
            case,
            i64::try_from(message.after_sequence).unwrap_or(i64::MAX),
            limit,
        )
        .await
        .map_err(ServiceError::from)?;
        Ok(Response::new(ListAuditResponse {
            entries: entries.into_iter().map(entry).collect(),
        }))
    }

    async fn verify_audit_chain(
        &self,
        request: Request<VerifyAuditChainRequest>,
    ) -> Result<Response<VerifyAuditChainResponse>, Status> {
        let desk = desk(&request, AUDITORS)?;
        let verification = audit::verify(&self.pool, &desk.agency)
            .await
            .map_err(ServiceError::from)?;
        Ok(Response::new(VerifyAuditChainResponse {
            intact: verification.first_bad_sequence.is_none(),
            entries_checked: verification.entries_checked,
            first_bad_sequence: verification
                .first_bad_sequence
                .and_then(|sequence| u64::try_from(sequence).ok())
                .unwrap_or_default(),
        }))
    }
}
