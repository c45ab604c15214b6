//! Reacting to review's decisions (`review.case.decided`): the case moves
//! through the same state machine as every other change, in the consumer's
//! inbox transaction. A decision that arrives after the case was withdrawn
//! is recorded in the log and dropped (review hears of the withdrawal).

use laissez_catalog::format::Stage;
use laissez_eventbus::{EnvelopeExt, Handler, HandlerError};
use laissez_proto::events::v1::{CaseDecided, Decision, Envelope};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::domain::{Event, State};
use crate::service::lifecycle::{self, AdvanceError};
use crate::store::cases::{self, TransitionError};
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

/// Applies a decision to the case in `connection`'s transaction.
pub async fn apply_decision(
    connection: &mut PgConnection,
    catalogs: &CatalogCache,
    pool: &sqlx::PgPool,
    agency: &str,
    decided: &CaseDecided,
) -> Result<Outcome, AdvanceError> {
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
        Err(TransitionError::Database(error)) => return Err(error.into()),
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
            // The type's workflow says what follows (payment, an appointment,
            // production, the e-permit).
            let catalog = lifecycle::catalog_of(catalogs, pool, &case).await?;
            let advanced = lifecycle::advance(
                connection,
                catalog.as_deref(),
                &mut case,
                Stage::Review,
                "intake:workflow",
            )
            .await?;
            return Ok(Outcome::Applied(advanced.state));
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
