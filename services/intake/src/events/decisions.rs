//! Reacting to review's decisions (`review.case.decided`): the case moves
//! through the same state machine as every other change, in the consumer's
//! inbox transaction. A decision that arrives after the case was withdrawn
//! is recorded in the log and dropped (review hears of the withdrawal).

use laissez_catalog::format::Stage;
use laissez_eventbus::{EnvelopeExt, Handler, HandlerError, Outbox};
use laissez_proto::events::v1::{CaseDecided, Decision, Envelope, PaymentRequested};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::domain::{Event, State, state};
use crate::store::cases::{self, CaseRow, TransitionError};
use crate::store::{CatalogCache, Scope, rounds};

/// The consumer's name: its queue is `<exchange>.intake.review-decisions`.
pub const CONSUMER: &str = "intake.review-decisions";
pub const BINDINGS: [&str; 1] = ["review.case.decided"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Applied(State),
    /// No such case in the event's agency.
    UnknownCase,
    /// The case had moved on (e.g. withdrawn first): nothing changed.
    Refused(String),
}

fn event_of(decision: Decision) -> Option<Event> {
    match decision {
        Decision::Approved => Some(Event::Approve),
        Decision::NotAccepted => Some(Event::RefuseAcceptance),
        Decision::NotApproved => Some(Event::RefuseApproval),
        Decision::ReturnedForCorrection => Some(Event::ReturnForCorrection),
        Decision::ReturnedForSupplement => Some(Event::ReturnForSupplement),
        Decision::Unspecified => None,
    }
}

/// What payment needs to open the case's order: the fee's inputs, named
/// by the case's own catalog version.
pub fn payment_requested(
    case: &CaseRow,
    catalog: Option<&laissez_catalog::Catalog>,
) -> PaymentRequested {
    let kind = catalog.and_then(|catalog| catalog.application_type(&case.application_type));
    let answer = |field: &str| {
        case.answers
            .get(field)
            .and_then(|value| value.as_str())
            .unwrap_or_default()
            .to_owned()
    };
    let fee_variant = kind
        .and_then(|kind| kind.fee_variant_field.as_deref())
        .map(answer)
        .unwrap_or_default();
    // A delivery answer counts only when it names one of the type's options.
    let delivery = answer("delivery");
    let delivery = if kind.is_some_and(|kind| kind.delivery_options.contains(&delivery)) {
        delivery
    } else {
        String::new()
    };
    let submitted_on = match (case.submitted_at, catalog) {
        (Some(at), Some(catalog)) => crate::time::agency_date(catalog, at),
        (Some(at), None) => at.date_naive(),
        (None, _) => chrono::Utc::now().date_naive(),
    };
    PaymentRequested {
        case_id: case.id.to_string(),
        receipt_number: case.receipt_number.clone().unwrap_or_default(),
        group_number: case.group_number.clone().unwrap_or_default(),
        application_type: case.application_type.clone(),
        catalog_version: case.catalog_version,
        party: Some(crate::grpc::view::party(case)),
        express: case.express,
        fee_variant,
        date_of_birth: case.applicant.date_of_birth.format("%Y-%m-%d").to_string(),
        delivery,
        submitted_on: submitted_on.format("%Y-%m-%d").to_string(),
        requested_at: Some(crate::time::timestamp(chrono::Utc::now())),
    }
}

/// Applies a decision to the case in `connection`'s transaction.
pub async fn apply_decision(
    connection: &mut PgConnection,
    catalogs: &CatalogCache,
    pool: &sqlx::PgPool,
    agency: &str,
    decided: &CaseDecided,
) -> Result<Outcome, sqlx::Error> {
    let Ok(id) = Uuid::parse_str(&decided.case_id) else {
        return Ok(Outcome::UnknownCase);
    };
    let Some(event) = Decision::try_from(decided.decision).ok().and_then(event_of) else {
        return Ok(Outcome::Refused("the decision is unspecified".into()));
    };
    let scope = Scope {
        agency: agency.to_owned(),
        account: None,
    };
    let Some(mut case) = cases::lock(connection, &scope, id).await? else {
        return Ok(Outcome::UnknownCase);
    };
    let actor = format!("review:{}", decided.decided_by);
    let reason = decided.comment.chars().take(2000).collect::<String>();
    let applied = match cases::apply(connection, &mut case, event, &actor, &reason).await {
        Ok(state) => state,
        Err(TransitionError::Illegal(illegal)) => return Ok(Outcome::Refused(illegal.to_string())),
        Err(TransitionError::Database(error)) => return Err(error),
    };
    let decided_at = decided
        .decided_at
        .as_ref()
        .and_then(crate::time::from_timestamp)
        .unwrap_or_else(chrono::Utc::now);
    match event {
        Event::ReturnForCorrection => {
            rounds::open(connection, id, "correction", &reason, decided_at).await?;
        }
        Event::ReturnForSupplement => {
            rounds::open(connection, id, "supplement", &reason, decided_at).await?;
        }
        Event::Approve => {
            // The type's workflow says whether payment or an appointment follows.
            let catalog = catalogs.get(pool, agency, case.catalog_version).await.ok();
            let workflow: Vec<Stage> = catalog
                .as_ref()
                .and_then(|catalog| {
                    catalog
                        .application_type(&case.application_type)
                        .map(|kind| kind.workflow.clone())
                })
                .unwrap_or_default();
            if let Some(next) = state::after_approval(&workflow) {
                let state = cases::apply(connection, &mut case, next, "intake:workflow", "")
                    .await
                    .map_err(|error| match error {
                        TransitionError::Database(error) => error,
                        TransitionError::Illegal(illegal) => {
                            sqlx::Error::Protocol(illegal.to_string())
                        }
                    })?;
                if state == State::AwaitingPayment {
                    let event = payment_requested(&case, catalog.as_deref());
                    Outbox::enqueue(connection, agency, "case", &event.case_id, &event)
                        .await
                        .map_err(|error| sqlx::Error::Protocol(error.to_string()))?;
                }
                return Ok(Outcome::Applied(state));
            }
        }
        _ => {}
    }
    Ok(Outcome::Applied(applied))
}

pub struct ReviewDecisions {
    pub catalogs: CatalogCache,
    pub pool: sqlx::PgPool,
}

#[async_trait::async_trait]
impl Handler for ReviewDecisions {
    async fn handle(
        &self,
        event: &Envelope,
        transaction: &mut PgConnection,
    ) -> Result<(), HandlerError> {
        let decided: CaseDecided = event.decode()?;
        let outcome = apply_decision(
            transaction,
            &self.catalogs,
            &self.pool,
            &event.agency,
            &decided,
        )
        .await?;
        match outcome {
            Outcome::Applied(state) => {
                tracing::info!(case_id = %decided.case_id, agency = %event.agency, state = state.as_str(), "decision applied");
            }
            Outcome::UnknownCase => {
                tracing::warn!(case_id = %decided.case_id, agency = %event.agency, "decision for an unknown case dropped");
            }
            Outcome::Refused(reason) => {
                tracing::warn!(case_id = %decided.case_id, agency = %event.agency, %reason, "decision not applicable, dropped");
            }
        }
        Ok(())
    }
}
