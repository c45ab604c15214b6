//! The consumer of the facts documents are rendered from: a submission
//! (acknowledgement), an issued case (electronic permit), a paid order
//! (receipt), a convenience-store slip opened (payment slip), a booking
//! (appointment letter), production started (pickup slip). Each document is laid out
//! with the templates of the catalog version the case was submitted
//! under. A redelivered or replayed fact renders nothing new; a booking
//! that is moved or cancelled revokes the letter it had.

use laissez_catalog::client::{CatalogError, Catalogs};
use laissez_catalog::format::DocumentKind;
use laissez_eventbus::{EnvelopeExt, Handler, HandlerError};
use laissez_proto::events::v1::{
    AppointmentBooked, AppointmentCancelled, CaseProgressed, CaseSubmitted, Envelope, EventMessage,
    OrderPaid, SlipIssued,
};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::jobs::{self, BadEvent, Job};
use crate::produce::{Produced, Renderer, produce};
use crate::store;

/// The consumer's name: its queue is `<exchange>.render.documents`.
pub const CONSUMER: &str = "render.documents";
pub const BINDINGS: [&str; 6] = [
    "intake.case.submitted",
    "intake.case.progressed",
    "payment.order.paid",
    "payment.slip.issued",
    "intake.appointment.booked",
    "intake.appointment.cancelled",
];

pub struct Documents {
    pub catalogs: Catalogs,
    pub renderer: Renderer,
}

/// A fact a document comes from.
enum Fact {
    Submitted(CaseSubmitted),
    Issued(Box<CaseProgressed>),
    InProduction(Box<CaseProgressed>),
    Paid(OrderPaid),
    Slip(Box<SlipIssued>),
    Booked(Box<AppointmentBooked>),
}

impl Fact {
    fn kind(&self) -> DocumentKind {
        match self {
            Fact::Submitted(_) => DocumentKind::Acknowledgement,
            Fact::Issued(_) => DocumentKind::EPermit,
            Fact::InProduction(_) => DocumentKind::PickupSlip,
            Fact::Paid(_) => DocumentKind::Receipt,
            Fact::Slip(_) => DocumentKind::PaymentSlip,
            Fact::Booked(_) => DocumentKind::AppointmentLetter,
        }
    }

    fn application_type(&self) -> &str {
        match self {
            Fact::Submitted(event) => &event.application_type,
            Fact::Issued(event) | Fact::InProduction(event) => &event.application_type,
            Fact::Paid(event) => &event.application_type,
            Fact::Slip(event) => &event.application_type,
            Fact::Booked(event) => &event.application_type,
        }
    }

    fn catalog_version(&self) -> u32 {
        match self {
            Fact::Submitted(event) => event.catalog_version,
            Fact::Issued(event) | Fact::InProduction(event) => event.catalog_version,
            Fact::Paid(event) => event.catalog_version,
            Fact::Slip(event) => event.catalog_version,
            Fact::Booked(event) => event.catalog_version,
        }
    }

    fn job(&self, agency: &str, catalog: &laissez_catalog::Catalog) -> Result<Job, BadEvent> {
        match self {
            Fact::Submitted(event) => jobs::acknowledgement(agency, event, catalog),
            Fact::Issued(event) => jobs::e_permit(agency, event, catalog),
            Fact::InProduction(event) => jobs::pickup_slip(agency, event, catalog),
            Fact::Paid(event) => jobs::receipt(agency, event, catalog),
            Fact::Slip(event) => jobs::payment_slip(agency, event, catalog),
            Fact::Booked(event) => jobs::appointment_letter(agency, event, catalog),
        }
    }
}

fn bad(error: BadEvent) -> HandlerError {
    HandlerError::permanent(error.0)
}

#[async_trait::async_trait]
impl Handler for Documents {
    async fn handle(
        &self,
        event: &Envelope,
        transaction: &mut PgConnection,
    ) -> Result<(), HandlerError> {
        if let Some(occurred) = event.occurred_at.as_ref() {
            let lag = chrono::Utc::now().timestamp_millis() - occurred.seconds * 1000;
            metrics::histogram!("render_queue_lag_seconds").record(lag.max(0) as f64 / 1000.0);
        }
        let agency = event.agency.as_str();
        if agency.is_empty() {
            return Err(HandlerError::permanent("the event names no agency"));
        }
        let fact = match event.event_type.as_str() {
            CaseSubmitted::EVENT_TYPE => Fact::Submitted(event.decode()?),
            CaseProgressed::EVENT_TYPE => {
                let progressed: CaseProgressed = event.decode()?;
                match progressed.state.as_str() {
                    "issued" => Fact::Issued(Box::new(progressed)),
                    "in_production" => Fact::InProduction(Box::new(progressed)),
                    _ => return Ok(()),
                }
            }
            OrderPaid::EVENT_TYPE => Fact::Paid(event.decode()?),
            SlipIssued::EVENT_TYPE => Fact::Slip(Box::new(event.decode()?)),
            AppointmentBooked::EVENT_TYPE => {
                let booked: AppointmentBooked = event.decode()?;
                let reason = "replaced by a later appointment";
                if !appointment_fact(transaction, event, &booked.case_id, reason).await? {
                    return Ok(());
                }
                if booked.catalog_version == 0 {
                    // Published before bookings named their catalog version.
                    tracing::warn!(case_id = %booked.case_id, "a booking without a catalog version: no letter");
                    return Ok(());
                }
                Fact::Booked(Box::new(booked))
            }
            AppointmentCancelled::EVENT_TYPE => {
                let cancelled: AppointmentCancelled = event.decode()?;
                let reason = match cancelled.reason.as_str() {
                    "" => "the appointment was cancelled".to_owned(),
                    why => format!("the appointment was cancelled: {why}"),
                };
                appointment_fact(transaction, event, &cancelled.case_id, &reason).await?;
                return Ok(());
            }
            _ => return Ok(()),
        };
        let catalog = match self.catalogs.get(agency, fact.catalog_version()).await {
            Ok(catalog) => catalog,
            Err(CatalogError::Unavailable(reason)) => return Err(HandlerError::transient(reason)),
            Err(error) => return Err(HandlerError::permanent(error.to_string())),
        };
        if catalog
            .document(fact.kind(), fact.application_type())
            .is_none()
        {
            tracing::debug!(
                kind = fact.kind().as_str(),
                agency,
                "the agency issues no such document"
            );
            return Ok(());
        }
        let job = fact.job(agency, &catalog).map_err(bad)?;
        let (kind, source) = (job.kind, job.source.clone());
        match produce(transaction, &self.renderer, &catalog, job).await? {
            Produced::Rendered(document_id) => {
                tracing::info!(%document_id, kind = kind.as_str(), %source, agency, "document rendered");
            }
            Produced::AlreadyRendered => {
                tracing::info!(kind = kind.as_str(), %source, agency, "document already rendered");
            }
            Produced::NotIssued => {
                tracing::debug!(kind = kind.as_str(), %source, agency, "the agency issues no such document");
            }
        }
        Ok(())
    }
}

/// Records an appointment fact of the case as its newest and revokes the
/// case's earlier letters with `reason`; false when a newer fact was seen
/// already (the broker delivered out of order): then nothing changes.
async fn appointment_fact(
    transaction: &mut PgConnection,
    event: &Envelope,
    case_id: &str,
    reason: &str,
) -> Result<bool, HandlerError> {
    let case_id = Uuid::parse_str(case_id)
        .map_err(|_| HandlerError::permanent(format!("case id {case_id:?} is malformed")))?;
    let sequence = i64::try_from(event.aggregate_sequence)
        .map_err(|_| HandlerError::permanent("the aggregate sequence is out of range"))?;
    let newest = store::appointment_fact(&mut *transaction, case_id, sequence)
        .await
        .map_err(|error| HandlerError::transient(error.to_string()))?;
    if !newest {
        tracing::info!(%case_id, sequence, "an older appointment fact: nothing to change");
        return Ok(false);
    }
    let revoked = store::revoke_letters(&mut *transaction, case_id, reason)
        .await
        .map_err(|error| HandlerError::transient(error.to_string()))?;
    if revoked > 0 {
        tracing::info!(%case_id, revoked, reason, "appointment letters revoked");
    }
    Ok(true)
}
