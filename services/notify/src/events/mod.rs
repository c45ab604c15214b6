//! The consumer, the service's edge for events as `grpc` is for calls: it
//! decodes each event, finds the agency's catalog and maps the event to a
//! notification ([`mapping`]); `service::record` turns it, inside the inbox
//! transaction, into one delivery row per recipient and channel and one
//! in-app message. Nothing is sent here: the dispatcher sends after commit.

pub mod labels;
pub mod mapping;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use laissez_eventbus::{
    Consumer, EnvelopeExt, Error as BusError, EventBusConfig, Handler, HandlerError, TaskHandle,
};
use laissez_proto::events::v1::Envelope;
use sqlx::{PgConnection, PgPool};
use tokio_util::sync::CancellationToken;

use crate::catalogs::AgencyCatalogs;
use crate::config::LinksConfig;
use crate::service::record::{Heard, record};
use mapping::{MappingContext, NOTIFIED_EVENTS, map_event};

/// Name of the consumer (and of its queue, `<exchange>.notify.messages`).
pub const CONSUMER_NAME: &str = "notify.messages";

/// Starts the consumer of every notified event.
pub fn spawn_consumer(
    pool: PgPool,
    config: EventBusConfig,
    handler: NotifyHandler,
    shutdown: CancellationToken,
) -> Result<TaskHandle, BusError> {
    Consumer::builder(CONSUMER_NAME, NOTIFIED_EVENTS.iter().copied())
        .handler(handler)
        .spawn(pool, config, shutdown)
}

/// Turns events into deliveries and in-app messages.
pub struct NotifyHandler {
    catalogs: Arc<AgencyCatalogs>,
    links: LinksConfig,
}

impl NotifyHandler {
    pub fn new(catalogs: Arc<AgencyCatalogs>, links: LinksConfig) -> Self {
        Self { catalogs, links }
    }
}

#[async_trait::async_trait]
impl Handler for NotifyHandler {
    async fn handle(
        &self,
        event: &Envelope,
        transaction: &mut PgConnection,
    ) -> Result<(), HandlerError> {
        let Some(event_id) = event.event_uuid() else {
            return Err(HandlerError::permanent(format!(
                "invalid event id {:?}",
                event.event_id
            )));
        };
        // Without the agency's catalog there are no templates; the event waits
        // in the dead-letter queue for a deployment that has it.
        let Some(agency) = self.catalogs.agency(&event.agency) else {
            return Err(HandlerError::permanent(format!(
                "no catalog for agency {:?}",
                event.agency
            )));
        };
        let context = MappingContext {
            agency,
            links: &self.links,
        };
        let Some(notification) = map_event(event, &context, transaction).await? else {
            return Ok(());
        };
        if notification.is_silent() {
            tracing::debug!(event_type = %event.event_type, "event has no recipient");
            return Ok(());
        }
        let occurred_at = event
            .occurred_at
            .as_ref()
            .and_then(|at| {
                DateTime::from_timestamp(at.seconds, u32::try_from(at.nanos).unwrap_or(0))
            })
            .unwrap_or_else(Utc::now);
        let heard = Heard {
            event_id,
            event_type: &event.event_type,
            agency: &event.agency,
            occurred_at,
        };
        record(transaction, agency, &heard, &notification).await
    }
}
