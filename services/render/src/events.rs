//! The consumer of the facts documents are rendered from: a submission
//! (acknowledgement), an issued case (electronic permit), a paid order
//! (receipt). Each document is laid out with the templates of the catalog
//! version the case was submitted under. A redelivered or replayed fact
//! renders nothing new.

use laissez_catalog::client::{CatalogError, Catalogs};
use laissez_eventbus::{EnvelopeExt, Handler, HandlerError};
use laissez_proto::events::v1::{CaseProgressed, CaseSubmitted, Envelope, EventMessage, OrderPaid};
use sqlx::PgConnection;

use crate::jobs::{self, BadEvent, Job};
use crate::produce::{Produced, Renderer, produce};

/// The consumer's name: its queue is `<exchange>.render.documents`.
pub const CONSUMER: &str = "render.documents";
pub const BINDINGS: [&str; 3] = [
    "intake.case.submitted",
    "intake.case.progressed",
    "payment.order.paid",
];

pub struct Documents {
    pub catalogs: Catalogs,
    pub renderer: Renderer,
}

/// A fact a document comes from.
enum Fact {
    Submitted(CaseSubmitted),
    Issued(Box<CaseProgressed>),
    Paid(OrderPaid),
}

impl Fact {
    fn catalog_version(&self) -> u32 {
        match self {
            Fact::Submitted(event) => event.catalog_version,
            Fact::Issued(event) => event.catalog_version,
            Fact::Paid(event) => event.catalog_version,
        }
    }

    fn job(&self, agency: &str, catalog: &laissez_catalog::Catalog) -> Result<Job, BadEvent> {
        match self {
            Fact::Submitted(event) => jobs::acknowledgement(agency, event, catalog),
            Fact::Issued(event) => jobs::e_permit(agency, event, catalog),
            Fact::Paid(event) => jobs::receipt(agency, event, catalog),
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
                if progressed.state != "issued" {
                    return Ok(());
                }
                Fact::Issued(Box::new(progressed))
            }
            OrderPaid::EVENT_TYPE => Fact::Paid(event.decode()?),
            _ => return Ok(()),
        };
        let catalog = match self.catalogs.get(agency, fact.catalog_version()).await {
            Ok(catalog) => catalog,
            Err(CatalogError::Unavailable(reason)) => return Err(HandlerError::transient(reason)),
            Err(error) => return Err(HandlerError::permanent(error.to_string())),
        };
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
