//! A notification recorded: rendered from the agency's templates in the
//! recipient's language and written, inside the consumer's transaction, as
//! one delivery row per channel the notification asks for and has an
//! address for, and one in-app message. Rows are keyed by event, channel
//! and recipient, so a redelivered event records nothing twice.

use chrono::{DateTime, Utc};
use laissez_eventbus::HandlerError;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::catalogs::AgencyView;
use crate::domain::{Channel, Notification};
use crate::metrics;
use crate::store::{deliveries, messages};

/// The event a notification answers, as the records name it.
pub struct Heard<'a> {
    pub event_id: Uuid,
    pub event_type: &'a str,
    pub agency: &'a str,
    pub occurred_at: DateTime<Utc>,
}

/// Records `notification` for `heard`; wakes the dispatcher when an e-mail
/// or SMS was queued.
pub async fn record(
    transaction: &mut PgConnection,
    agency: AgencyView<'_>,
    heard: &Heard<'_>,
    notification: &Notification,
) -> Result<(), HandlerError> {
    let text = agency
        .render(
            notification.template.unwrap_or(heard.event_type),
            notification.language,
            &notification.values,
        )
        .map_err(HandlerError::permanent)?;
    let sender = agency.sender(notification.language);
    let subject = text.email_subject.clone().unwrap_or_default();
    let base = deliveries::NewDelivery {
        event_id: heard.event_id,
        event_type: heard.event_type.to_owned(),
        agency: heard.agency.to_owned(),
        account_id: notification.account_id.clone(),
        channel: Channel::Email,
        recipient: String::new(),
        language: notification.language.tag().to_owned(),
        sender_name: sender.name,
        sender_address: sender.address,
        subject: subject.clone(),
        body_text: String::new(),
        body_html: None,
        occurred_at: heard.occurred_at,
    };
    let mut queued = false;
    if let (true, Some(body)) = (wants(notification, Channel::Email), text.email_text.clone()) {
        let email = deliveries::NewDelivery {
            recipient: notification.email.trim().to_owned(),
            body_text: body,
            body_html: text.email_html.clone(),
            ..base.clone()
        };
        queued |= deliveries::insert(transaction, &email).await?;
    }
    if let (true, Some(body)) = (wants(notification, Channel::Sms), text.sms.clone()) {
        let sms = deliveries::NewDelivery {
            channel: Channel::Sms,
            recipient: notification.mobile.trim().to_owned(),
            subject: String::new(),
            body_text: body,
            ..base.clone()
        };
        queued |= deliveries::insert(transaction, &sms).await?;
    }
    if let (true, Some(body)) = (wants(notification, Channel::InApp), text.in_app.clone()) {
        let message = messages::NewMessage {
            event_id: heard.event_id,
            event_type: heard.event_type.to_owned(),
            agency: heard.agency.to_owned(),
            account_id: notification.account_id.clone(),
            case_id: notification.case_id.clone(),
            subject,
            body,
        };
        if messages::insert(transaction, &message).await? {
            metrics::sent(Channel::InApp, heard.agency);
            metrics::latency(Channel::InApp, heard.occurred_at);
        }
    }
    if queued {
        deliveries::notify_dispatcher(transaction).await?;
    }
    Ok(())
}

fn wants(notification: &Notification, channel: Channel) -> bool {
    match channel {
        Channel::Email => notification.channels.email && !notification.email.trim().is_empty(),
        Channel::Sms => notification.channels.sms && !notification.mobile.trim().is_empty(),
        Channel::InApp => notification.channels.in_app && !notification.account_id.is_empty(),
    }
}
