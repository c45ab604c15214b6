//! Settling one delivery: inbox check, handler, commit, then ack — or a
//! delayed retry, or the dead-letter queue.

use std::time::{Duration, Instant};

use laissez_proto::events::v1::Envelope;
use lapin::message::Delivery;
use lapin::options::{BasicAckOptions, BasicPublishOptions};
use lapin::types::{AMQPValue, FieldTable, LongString};
use lapin::{BasicProperties, Channel};
use tracing::Instrument;
use uuid::Uuid;

use super::ConsumerContext;
use crate::envelope::EnvelopeExt;
use crate::error::{Error, HandlerError};
use crate::topology::dead_letter_exchange;
use crate::trace::{TraceContext, parent_from_headers, set_span_parent};

/// Handler attempts so far, carried across delayed retries (a republished
/// message starts a fresh broker delivery count).
pub(crate) const ATTEMPT_HEADER: &str = "x-laissez-attempt";
/// Why the consumer dead-lettered a message, for whoever reads the DLQ.
pub(crate) const DEAD_LETTER_REASON_HEADER: &str = "x-laissez-dead-letter-reason";
const CONFIRM_TIMEOUT: Duration = Duration::from_secs(30);

pub(super) struct Work {
    pub(super) delivery: Delivery,
    pub(super) envelope: Result<Envelope, prost::DecodeError>,
}

pub(super) enum Applied {
    Committed,
    Duplicate,
}

/// Settles one delivery. An error means the broker is unreachable and the
/// delivery is unsettled (the broker redelivers it).
pub(super) async fn process(
    context: &ConsumerContext,
    publish_channel: &Channel,
    work: Work,
) -> Result<(), Error> {
    let Work { delivery, envelope } = work;
    let envelope = match envelope {
        Ok(envelope) => envelope,
        Err(error) => {
            tracing::warn!(consumer = %context.name, %error, "undecodable message dead-lettered");
            return dead_letter(
                context,
                publish_channel,
                &delivery,
                &format!("undecodable: {error}"),
            )
            .await;
        }
    };
    let Some(event_id) = envelope.event_uuid() else {
        tracing::warn!(consumer = %context.name, event_id = %envelope.event_id, "message without a valid event id dead-lettered");
        return dead_letter(context, publish_channel, &delivery, "invalid event id").await;
    };

    let span = consume_span(context, &delivery, &envelope, event_id);

    // Delivery lag, per agency: from the state change that produced the
    // event to its handling here (the event delivery SLO).
    if let Some(occurred_at) = &envelope.occurred_at {
        let occurred = occurred_at.seconds as f64 + f64::from(occurred_at.nanos) / 1e9;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0.0, |elapsed| elapsed.as_secs_f64());
        metrics::histogram!(
            "laissez_eventbus_delivery_lag_seconds",
            "consumer" => context.name.clone(),
            // Written by the producing service from its own verified
            // state, so the values are the platform's agency codes.
            "agency" => if envelope.agency.is_empty() { "none".to_owned() } else { envelope.agency.clone() }
        )
        .record((now - occurred).max(0.0));
    }

    async {
        let started = Instant::now();
        let outcome = apply(context, &envelope, event_id).await;
        metrics::histogram!("laissez_eventbus_handler_seconds", "consumer" => context.name.clone())
            .record(started.elapsed().as_secs_f64());
        match outcome {
            Ok(applied) => settle_applied(context, &delivery, &envelope, applied).await,
            Err(error) => settle_failure(context, publish_channel, &delivery, error).await,
        }
    }
    .instrument(span)
    .await
}

/// Sends a failed event to its delayed retry or to the dead-letter queue.
pub(super) async fn settle_failure(
    context: &ConsumerContext,
    publish_channel: &Channel,
    delivery: &Delivery,
    error: HandlerError,
) -> Result<(), Error> {
    match error {
        HandlerError::Permanent(error) => {
            tracing::warn!(%error, "handler failed permanently; dead-lettering");
            dead_letter(
                context,
                publish_channel,
                delivery,
                &format!("permanent: {error}"),
            )
            .await
        }
        HandlerError::Transient(error) => {
            retry_or_dead_letter(context, publish_channel, delivery, &error.to_string()).await
        }
    }
}

/// Acks an event whose effect committed (or that the inbox found applied).
pub(super) async fn settle_applied(
    context: &ConsumerContext,
    delivery: &Delivery,
    envelope: &Envelope,
    applied: Applied,
) -> Result<(), Error> {
    match applied {
        Applied::Committed => {
            #[cfg(feature = "testing")]
            if let Some(hook) = &context.after_commit {
                hook(envelope).await;
            }
            #[cfg(not(feature = "testing"))]
            let _ = envelope;
            delivery.ack(BasicAckOptions::default()).await?;
            count(context, "applied");
        }
        Applied::Duplicate => {
            tracing::debug!(event_id = %envelope.event_id, "duplicate event dropped by the inbox");
            delivery.ack(BasicAckOptions::default()).await?;
            count(context, "duplicate");
        }
    }
    Ok(())
}

/// The consumer span, a child of the producer's trace context.
pub(super) fn consume_span(
    context: &ConsumerContext,
    delivery: &Delivery,
    envelope: &Envelope,
    event_id: Uuid,
) -> tracing::Span {
    let span = tracing::info_span!(
        "eventbus.consume",
        otel.kind = "consumer",
        consumer = %context.name,
        event_type = %envelope.event_type,
        %event_id,
        agency = %envelope.agency,
        redelivered = delivery.redelivered,
    );
    let fallback = TraceContext {
        traceparent: envelope.traceparent.clone(),
        tracestate: envelope.tracestate.clone(),
    };
    set_span_parent(
        &span,
        parent_from_headers(delivery.properties.headers().as_ref(), &fallback),
    );

    span
}

/// Inserts the inbox row; false when the event was already applied.
async fn record_in_inbox(
    context: &ConsumerContext,
    transaction: &mut sqlx::PgConnection,
    envelope: &Envelope,
    event_id: Uuid,
) -> Result<bool, sqlx::Error> {
    let inserted = sqlx::query(
        "INSERT INTO inbox (consumer, event_id, event_type) VALUES ($1, $2, $3) \
         ON CONFLICT (consumer, event_id) DO NOTHING",
    )
    .bind(&context.name)
    .bind(event_id)
    .bind(&envelope.event_type)
    .execute(&mut *transaction)
    .await?
    .rows_affected();
    Ok(inserted == 1)
}

/// Inbox row first: a concurrent or later duplicate waits on, then skips,
/// the row instead of running the handler. Infrastructure errors count as
/// transient.
async fn apply(
    context: &ConsumerContext,
    envelope: &Envelope,
    event_id: Uuid,
) -> Result<Applied, HandlerError> {
    let mut transaction = context.pool.begin().await?;
    if !record_in_inbox(context, &mut transaction, envelope, event_id).await? {
        transaction.rollback().await?;
        return Ok(Applied::Duplicate);
    }
    context.handler.handle(envelope, &mut transaction).await?;
    transaction.commit().await?;
    Ok(Applied::Committed)
}

async fn retry_or_dead_letter(
    context: &ConsumerContext,
    publish_channel: &Channel,
    delivery: &Delivery,
    error: &str,
) -> Result<(), Error> {
    let attempt = attempt_of(delivery.properties.headers().as_ref());
    if attempt >= context.config.delivery_limit {
        tracing::warn!(attempt, error, "delivery limit reached; dead-lettering");
        return dead_letter(
            context,
            publish_channel,
            delivery,
            &format!(
                "delivery limit {} reached: {error}",
                context.config.delivery_limit
            ),
        )
        .await;
    }
    let level = context.config.retry_level(attempt);
    let retry_queue = context.queues.retry.get(level).cloned().unwrap_or_default();
    tracing::info!(attempt, error, delay = ?context.config.retry_delay(attempt), "transient failure; retrying later");
    let mut headers = delivery.properties.headers().clone().unwrap_or_default();
    headers.insert(
        ATTEMPT_HEADER.into(),
        AMQPValue::LongLongInt(i64::from(attempt) + 1),
    );
    // Through the default exchange straight into the delay queue.
    republish(publish_channel, "", &retry_queue, delivery, headers).await?;
    delivery.ack(BasicAckOptions::default()).await?;
    count(context, "retried");
    Ok(())
}

/// Publishes the message to the dead-letter exchange with the reason, then
/// acks the original. (A plain reject would dead-letter too, without the
/// reason.)
async fn dead_letter(
    context: &ConsumerContext,
    publish_channel: &Channel,
    delivery: &Delivery,
    reason: &str,
) -> Result<(), Error> {
    let mut headers = delivery.properties.headers().clone().unwrap_or_default();
    headers.insert(
        DEAD_LETTER_REASON_HEADER.into(),
        AMQPValue::LongString(LongString::from(reason.to_owned())),
    );
    headers.insert(
        "x-laissez-consumer".into(),
        AMQPValue::LongString(LongString::from(context.name.clone())),
    );
    let exchange = dead_letter_exchange(&context.config);
    republish(
        publish_channel,
        &exchange,
        &context.queues.main,
        delivery,
        headers,
    )
    .await?;
    delivery.ack(BasicAckOptions::default()).await?;
    count(context, "dead_lettered");
    Ok(())
}

async fn republish(
    channel: &Channel,
    exchange: &str,
    routing_key: &str,
    delivery: &Delivery,
    headers: FieldTable,
) -> Result<(), Error> {
    let properties: BasicProperties = delivery.properties.clone().with_headers(headers);
    let confirm = channel
        .basic_publish(
            exchange.into(),
            routing_key.into(),
            BasicPublishOptions::default(),
            &delivery.data,
            properties,
        )
        .await?;
    let confirmation = tokio::time::timeout(CONFIRM_TIMEOUT, confirm)
        .await
        .map_err(|_| Error::BrokerTimeout(CONFIRM_TIMEOUT))??;
    if confirmation.is_ack() {
        Ok(())
    } else {
        Err(Error::Disconnected("republish was not confirmed"))
    }
}

fn attempt_of(headers: Option<&FieldTable>) -> u32 {
    let value = headers.and_then(|headers| headers.inner().get(ATTEMPT_HEADER));
    let attempt = match value {
        Some(AMQPValue::LongLongInt(value)) => *value,
        Some(AMQPValue::LongInt(value)) => i64::from(*value),
        Some(AMQPValue::ShortInt(value)) => i64::from(*value),
        _ => 1,
    };
    u32::try_from(attempt.max(1)).unwrap_or(u32::MAX)
}

pub(super) fn count(context: &ConsumerContext, outcome: &'static str) {
    metrics::counter!(
        "laissez_eventbus_consumed_total",
        "consumer" => context.name.clone(),
        "outcome" => outcome,
    )
    .increment(1);
}
