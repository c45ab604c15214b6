//! The consumer of intake's case events: it keeps the queues.

use laissez_eventbus::{EnvelopeExt, Handler, HandlerError};
use laissez_kit::AgencyCode;
use laissez_kit::ids::IdError;
use laissez_proto::events::v1::{CaseResubmitted, CaseSubmitted, CaseWithdrawn, Envelope};
use sqlx::PgConnection;

use crate::settings::Settings;
use crate::store::intake_events::{self, Outcome};

/// The consumer's name: its queue is `<exchange>.review.intake-cases`.
pub const CONSUMER: &str = "review.intake-cases";
pub const BINDINGS: [&str; 3] = [
    "intake.case.submitted",
    "intake.case.resubmitted",
    "intake.case.withdrawn",
];

pub struct IntakeCases {
    pub settings: Settings,
}

/// Applies one envelope in `connection`'s transaction.
pub async fn apply(
    connection: &mut PgConnection,
    settings: &Settings,
    event: &Envelope,
) -> Result<Outcome, HandlerError> {
    let sequence = i64::try_from(event.aggregate_sequence).unwrap_or(i64::MAX);
    let agency = match event.agency.parse::<AgencyCode>() {
        Ok(agency) => agency,
        Err(IdError::Empty) => return Ok(Outcome::Invalid("the event names no agency")),
        Err(_) => return Ok(Outcome::Invalid("the event's agency is not an agency code")),
    };
    let agency = &agency;
    let outcome = match event.event_type.as_str() {
        "intake.case.submitted" => {
            let submitted: CaseSubmitted = event.decode()?;
            intake_events::apply_submitted(connection, settings, agency, sequence, &submitted)
                .await?
        }
        "intake.case.resubmitted" => {
            let resubmitted: CaseResubmitted = event.decode()?;
            intake_events::apply_resubmitted(connection, settings, agency, sequence, &resubmitted)
                .await?
        }
        "intake.case.withdrawn" => {
            let withdrawn: CaseWithdrawn = event.decode()?;
            intake_events::apply_withdrawn(connection, agency, sequence, &withdrawn).await?
        }
        _ => Outcome::Ignored("not an event review keeps queues from"),
    };
    Ok(outcome)
}

#[async_trait::async_trait]
impl Handler for IntakeCases {
    async fn handle(
        &self,
        event: &Envelope,
        transaction: &mut PgConnection,
    ) -> Result<(), HandlerError> {
        match apply(transaction, &self.settings, event).await? {
            Outcome::Applied => {
                tracing::info!(event_type = %event.event_type, case_id = %event.aggregate_id, agency = %event.agency, "queue updated");
                Ok(())
            }
            Outcome::Ignored(reason) => {
                tracing::info!(event_type = %event.event_type, case_id = %event.aggregate_id, reason, "event ignored");
                Ok(())
            }
            // Retried with backoff; dead-lettered if the submission never comes.
            Outcome::NotYetKnown => Err(HandlerError::transient(format!(
                "case {} is not known yet",
                event.aggregate_id
            ))),
            Outcome::Invalid(reason) => Err(HandlerError::permanent(reason)),
        }
    }
}
