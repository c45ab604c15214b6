//! Transactional outbox: the event row is written in the caller's
//! transaction, next to the state change it describes.

use chrono::{DateTime, Utc};
use laissez_proto::events::v1::{Envelope, EventMessage};
use prost::Message;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::error::Error;
use crate::trace::TraceContext;

/// PostgreSQL channel the relay LISTENs on. NOTIFY is transactional: the
/// relay wakes when the enqueuing transaction commits, not before.
pub const OUTBOX_CHANNEL: &str = "laissez_eventbus_outbox";

/// Writes events into the outbox table of the service's own database.
#[derive(Clone, Copy, Debug, Default)]
pub struct Outbox;

/// What an aggregate's event needs besides its payload.
#[derive(Clone, Copy, Debug)]
pub struct AggregateRef<'a> {
    pub agency: &'a str,
    pub aggregate_type: &'a str,
    pub aggregate_id: &'a str,
}

impl Outbox {
    /// Records `event` in the caller's transaction and returns its id.
    ///
    /// Assigns the aggregate's next sequence number (waiting for any other
    /// open transaction that is enqueuing for the same aggregate), captures
    /// the current trace context, and notifies the relay on commit. If the
    /// transaction rolls back, the event never existed.
    pub async fn enqueue<E: EventMessage>(
        connection: &mut PgConnection,
        agency: &str,
        aggregate_type: &str,
        aggregate_id: &str,
        event: &E,
    ) -> Result<Uuid, Error> {
        Self::enqueue_for(
            connection,
            AggregateRef {
                agency,
                aggregate_type,
                aggregate_id,
            },
            event,
        )
        .await
    }

    /// [`Outbox::enqueue`] with the aggregate named once.
    pub async fn enqueue_for<E: EventMessage>(
        connection: &mut PgConnection,
        aggregate: AggregateRef<'_>,
        event: &E,
    ) -> Result<Uuid, Error> {
        if aggregate.aggregate_type.is_empty() || aggregate.aggregate_id.is_empty() {
            return Err(Error::InvalidEvent(format!(
                "{}: aggregate_type and aggregate_id are required",
                E::EVENT_TYPE
            )));
        }
        let sequence: i64 = sqlx::query_scalar(
            "INSERT INTO outbox_aggregate_sequence (aggregate_type, aggregate_id, last_sequence) \
             VALUES ($1, $2, 1) \
             ON CONFLICT (aggregate_type, aggregate_id) \
             DO UPDATE SET last_sequence = outbox_aggregate_sequence.last_sequence + 1 \
             RETURNING last_sequence",
        )
        .bind(aggregate.aggregate_type)
        .bind(aggregate.aggregate_id)
        .fetch_one(&mut *connection)
        .await?;

        let event_id = Uuid::now_v7();
        let occurred_at = Utc::now();
        let trace = TraceContext::current();
        let envelope = build_envelope(event_id, occurred_at, aggregate, sequence, &trace, event)?;

        // pg_notify in FROM sends the wake-up with the insert, in one round trip.
        sqlx::query(
            "INSERT INTO outbox (id, aggregate_type, aggregate_id, aggregate_sequence, \
                 event_type, agency, payload, traceparent, tracestate, created_at) \
             SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10 \
             FROM pg_notify('laissez_eventbus_outbox', '')",
        )
        .bind(event_id)
        .bind(aggregate.aggregate_type)
        .bind(aggregate.aggregate_id)
        .bind(sequence)
        .bind(E::EVENT_TYPE)
        .bind(aggregate.agency)
        .bind(envelope.encode_to_vec())
        .bind(&trace.traceparent)
        .bind(&trace.tracestate)
        .bind(occurred_at)
        .execute(&mut *connection)
        .await?;

        tracing::debug!(
            %event_id,
            event_type = E::EVENT_TYPE,
            agency = aggregate.agency,
            aggregate_type = aggregate.aggregate_type,
            aggregate_id = aggregate.aggregate_id,
            aggregate_sequence = sequence,
            "event enqueued"
        );
        Ok(event_id)
    }
}

fn build_envelope<E: EventMessage>(
    event_id: Uuid,
    occurred_at: DateTime<Utc>,
    aggregate: AggregateRef<'_>,
    sequence: i64,
    trace: &TraceContext,
    event: &E,
) -> Result<Envelope, Error> {
    let payload = prost_types::Any::from_msg(event)
        .map_err(|error| Error::InvalidEvent(format!("{}: {error}", E::EVENT_TYPE)))?;
    Ok(Envelope {
        event_id: event_id.to_string(),
        event_type: E::EVENT_TYPE.to_owned(),
        agency: aggregate.agency.to_owned(),
        occurred_at: Some(prost_types::Timestamp {
            seconds: occurred_at.timestamp(),
            nanos: i32::try_from(occurred_at.timestamp_subsec_nanos()).unwrap_or(0),
        }),
        aggregate_type: aggregate.aggregate_type.to_owned(),
        aggregate_id: aggregate.aggregate_id.to_owned(),
        aggregate_sequence: u64::try_from(sequence).unwrap_or(0),
        traceparent: trace.traceparent.clone(),
        tracestate: trace.tracestate.clone(),
        payload: Some(payload),
    })
}
