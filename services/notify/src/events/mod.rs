//! The consumer: every event an applicant should hear about becomes, inside
//! the inbox transaction, one delivery row per recipient and channel and one
//! in-app message. Nothing is sent here: the dispatcher sends after commit.

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
use crate::domain::{Channel, Notification};
use crate::metrics;
use crate::store::{deliveries, messages};
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
        let text = agency
            .render(
                notification.template.unwrap_or(&event.event_type),
                notification.language,
                &notification.values,
            )
            .map_err(HandlerError::permanent)?;
        let sender = agency.sender(notification.language);
        let occurred_at = event
            .occurred_at
            .as_ref()
            .and_then(|at| {
                DateTime::from_timestamp(at.seconds, u32::try_from(at.nanos).unwrap_or(0))
            })
            .unwrap_or_else(Utc::now);
        let subject = text.email_subject.clone().unwrap_or_default();
        let base = deliveries::NewDelivery {
            event_id,
            event_type: event.event_type.clone(),
            agency: event.agency.clone(),
            account_id: notification.account_id.clone(),
            channel: Channel::Email,
            recipient: String::new(),
            language: notification.language.tag().to_owned(),
            sender_name: sender.name,
            sender_address: sender.address,
            subject: subject.clone(),
            body_text: String::new(),
            body_html: None,
            occurred_at,
        };
        let mut queued = false;
        if let (true, Some(body)) = (
            wants(&notification, Channel::Email),
            text.email_text.clone(),
        ) {
            let email = deliveries::NewDelivery {
                recipient: notification.email.trim().to_owned(),
                body_text: body,
                body_html: text.email_html.clone(),
                ..base.clone()
            };
            queued |= deliveries::insert(transaction, &email).await?;
        }
        if let (true, Some(body)) = (wants(&notification, Channel::Sms), text.sms.clone()) {
            let sms = deliveries::NewDelivery {
                channel: Channel::Sms,
                recipient: notification.mobile.trim().to_owned(),
                subject: String::new(),
                body_text: body,
                ..base.clone()
            };
            queued |= deliveries::insert(transaction, &sms).await?;
        }
        if let (true, Some(body)) = (wants(&notification, Channel::InApp), text.in_app.clone()) {
            let message = messages::NewMessage {
                event_id,
                event_type: event.event_type.clone(),
                agency: event.agency.clone(),
                account_id: notification.account_id.clone(),
                case_id: notification.case_id.clone(),
                subject,
                body,
            };
            if messages::insert(transaction, &message).await? {
                metrics::sent(Channel::InApp, &event.agency);
                metrics::latency(Channel::InApp, occurred_at);
            }
        }
        if queued {
            deliveries::notify_dispatcher(transaction).await?;
        }
        Ok(())
    }
}

fn wants(notification: &Notification, channel: Channel) -> bool {
    match channel {
        Channel::Email => notification.channels.email && !notification.email.trim().is_empty(),
        Channel::Sms => notification.channels.sms && !notification.mobile.trim().is_empty(),
        Channel::InApp => notification.channels.in_app && !notification.account_id.is_empty(),
    }
}
