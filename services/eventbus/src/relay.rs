//! The outbox relay: publishes committed outbox rows to the exchange with
//! publisher confirms and marks them published only after the broker
//! confirmed them.
//!
//! Ordering: one relay publishes at a time. The active relay holds a
//! session-level advisory lock on a connection of its own (outside the
//! pool); other replicas are hot standbys that try to take the lock at every
//! poll and become active when the holder stops or its connection dies (the
//! lock dies with it). The active relay publishes in outbox `position` order
//! on a single channel; `position` grows with the aggregate sequence (see the
//! migration), so events of one aggregate reach each queue in order.
//!
//! Pipelining: up to [`PIPELINE_DEPTH`] batches are on the wire at once. The
//! next batch is read and published while the broker confirms the earlier
//! ones; a batch is marked published when all of its confirms are in, oldest
//! batch first. A batch read excludes the rows still in flight, so a row
//! committed late with a lower `position` is simply in a later batch, after
//! everything that committed before it.
//!
//! Failure handling: a broker error rolls the batch back (rows stay
//! unpublished), drops the connection and reconnects with backoff; a commit
//! that fails after the publish makes the batch go out again, which the
//! consumers' inbox absorbs. At-least-once on the wire, exactly once in
//! effect.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use lapin::options::{BasicPublishOptions, ConfirmSelectOptions};
use lapin::types::{AMQPValue, FieldTable, LongString};
use lapin::{BasicProperties, Channel, Connection, PublisherConfirm};
use sqlx::postgres::PgListener;
use sqlx::{Connection as _, PgConnection, PgPool};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::broker::{Backoff, LinkStatus, TaskHandle, connect};
use crate::config::EventBusConfig;
use crate::error::Error;
use crate::outbox::OUTBOX_CHANNEL;
use crate::topology::declare_exchanges;
use crate::trace::TraceContext;

/// Advisory lock key of the active relay ("laissez" in ASCII hex, arbitrary).
const RELAY_LOCK_KEY: i64 = 0x6c61_6973_7365_7a01;
const CONFIRM_TIMEOUT: Duration = Duration::from_secs(30);
const LAG_REFRESH: Duration = Duration::from_secs(1);
const PRUNE_EVERY: Duration = Duration::from_secs(60);
pub(crate) const AGENCY_HEADER: &str = "x-laissez-agency";
pub(crate) const CONTENT_TYPE: &str = "application/x-protobuf";

/// Spawns and supervises the outbox relay.
#[derive(Debug)]
pub struct Relay;

impl Relay {
    /// Starts the relay on the current tokio runtime. It runs until
    /// `shutdown` is cancelled, finishing the batch in flight.
    pub fn spawn(pool: PgPool, config: EventBusConfig, shutdown: CancellationToken) -> TaskHandle {
        let status = LinkStatus::default();
        let wake = Arc::new(Notify::new());
        tokio::spawn(listen_for_commits(
            pool.clone(),
            Arc::clone(&wake),
            shutdown.clone(),
        ));
        let task = tokio::spawn(run(pool, config, shutdown, status.clone(), wake));
        TaskHandle::new(task, status)
    }
}

/// Wakes the relay whenever a transaction that enqueued events commits.
/// The timer in `run` covers notifications lost while reconnecting.
async fn listen_for_commits(pool: PgPool, wake: Arc<Notify>, shutdown: CancellationToken) {
    while !shutdown.is_cancelled() {
        let mut listener = match PgListener::connect_with(&pool).await {
            Ok(listener) => listener,
            Err(error) => {
                tracing::warn!(%error, "outbox relay cannot LISTEN; polling only for now");
                tokio::select! {
                    () = shutdown.cancelled() => return,
                    () = tokio::time::sleep(Duration::from_secs(1)) => continue,
                }
            }
        };
        if let Err(error) = listener.listen(OUTBOX_CHANNEL).await {
            tracing::warn!(%error, "outbox relay LISTEN failed");
            continue;
        }
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return,
                notification = listener.recv() => match notification {
                    Ok(_) => wake.notify_one(),
                    Err(error) => {
                        tracing::warn!(%error, "outbox relay lost its LISTEN connection");
                        // Rows committed meanwhile are found by the next poll.
                        wake.notify_one();
                        break;
                    }
                },
            }
        }
    }
}

async fn run(
    pool: PgPool,
    config: EventBusConfig,
    shutdown: CancellationToken,
    status: LinkStatus,
    wake: Arc<Notify>,
) {
    let mut backoff = Backoff::new(&config);
    let mut housekeeping = Housekeeping::default();
    while !shutdown.is_cancelled() {
        let (connection, channel) = match open_channel(&config).await {
            Ok(opened) => opened,
            Err(error) => {
                tracing::warn!(%error, broker = %config.masked_url(), "outbox relay cannot reach the broker");
                metrics::counter!("laissez_eventbus_relay_publish_failures_total").increment(1);
                if !backoff.wait(&shutdown).await {
                    break;
                }
                continue;
            }
        };
        status.set(true);
        backoff.reset();
        tracing::info!(broker = %config.masked_url(), "outbox relay connected");

        let outcome = publish_until_broker_fails(
            &pool,
            &config,
            &channel,
            &shutdown,
            &wake,
            &mut housekeeping,
        )
        .await;
        status.set(false);
        // Best effort: after a broker error the connection is usually gone.
        let _ = tokio::time::timeout(
            Duration::from_secs(2),
            connection.close(200, "relay stopping".into()),
        )
        .await;
        if let Err(error) = outcome {
            tracing::warn!(%error, "outbox relay lost the broker; reconnecting");
            metrics::counter!("laissez_eventbus_relay_publish_failures_total").increment(1);
            if !backoff.wait(&shutdown).await {
                break;
            }
        }
    }
    tracing::info!("outbox relay stopped");
}

async fn open_channel(config: &EventBusConfig) -> Result<(Connection, Channel), Error> {
    let connection = connect(config, "laissez-outbox-relay").await?;
    let channel = connection.create_channel().await?;
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await?;
    declare_exchanges(&channel, config).await?;
    Ok((connection, channel))
}

/// Publishes until shutdown (Ok) or a broker failure (Err). Database errors
/// are waited out here: the broker connection is still good.
async fn publish_until_broker_fails(
    pool: &PgPool,
    config: &EventBusConfig,
    channel: &Channel,
    shutdown: &CancellationToken,
    wake: &Notify,
    housekeeping: &mut Housekeeping,
) -> Result<(), Error> {
    let poll_interval = Duration::from_millis(config.relay_poll_interval_ms.max(10));
    // A standby keeps its connection between attempts at the lock.
    let mut standby = None;
    while !shutdown.is_cancelled() {
        let leadership = match Leadership::try_acquire(pool, &mut standby).await {
            Ok(leadership) => leadership,
            Err(error) => {
                tracing::warn!(%error, "outbox relay cannot reach the database");
                None
            }
        };
        metrics::gauge!("laissez_eventbus_relay_leading")
            .set(f64::from(u8::from(leadership.is_some())));
        match leadership {
            Some(mut leader) => {
                let outcome = publish_while_leading(
                    &mut leader,
                    config,
                    channel,
                    shutdown,
                    wake,
                    housekeeping,
                    pool,
                )
                .await;
                leader.resign().await;
                metrics::gauge!("laissez_eventbus_relay_leading").set(0.0);
                match outcome {
                    Ok(()) => {}
                    Err(Error::Database(error)) => {
                        tracing::warn!(%error, "outbox relay lost its database connection");
                    }
                    Err(error) => return Err(error),
                }
            }
            None => housekeeping.run_if_due(pool, config).await,
        }
        if !channel.status().connected() {
            return Err(Error::Disconnected("relay channel closed"));
        }
        // A standby (or a relay whose database went away) retries later.
        tokio::select! {
            () = shutdown.cancelled() => break,
            () = tokio::time::sleep(poll_interval) => {}
        }
    }
    Ok(())
}

/// The active relay's lock, held by a connection that is not in the pool (its
/// session settings must not leak to other users, and the lock must live
/// exactly as long as this connection).
struct Leadership {
    connection: PgConnection,
}

impl Leadership {
    /// Tries the lock on `standby`'s connection (opened when there is none);
    /// without the lock, the connection goes back to `standby` for the next
    /// try, and a failed one is dropped.
    async fn try_acquire(
        pool: &PgPool,
        standby: &mut Option<PgConnection>,
    ) -> Result<Option<Self>, sqlx::Error> {
        let mut connection = match standby.take() {
            Some(connection) => connection,
            None => PgConnection::connect_with(&pool.connect_options()).await?,
        };
        let acquired: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
            .bind(RELAY_LOCK_KEY)
            .fetch_one(&mut connection)
            .await?;
        if !acquired {
            *standby = Some(connection);
            return Ok(None);
        }
        // Losing a "published" mark in a crash only means the rows go out
        // again, which the consumers' inbox absorbs; so marks need not wait
        // for their WAL flush.
        sqlx::query("SET synchronous_commit = off")
            .execute(&mut connection)
            .await?;
        Ok(Some(Self { connection }))
    }

    /// Closing the connection releases the lock.
    async fn resign(self) {
        let _ = tokio::time::timeout(Duration::from_secs(2), self.connection.close()).await;
    }
}

/// How many published batches may await their confirms at once.
pub const PIPELINE_DEPTH: usize = 4;

struct InFlight {
    ids: Vec<Uuid>,
    confirms: Vec<PublisherConfirm>,
}

/// The active relay's loop: keep up to [`PIPELINE_DEPTH`] batches in flight,
/// mark the oldest once confirmed. Returns Ok on shutdown (after the batches
/// in flight are confirmed and marked), a database error to give up the lock
/// and a broker error to reconnect.
async fn publish_while_leading(
    leader: &mut Leadership,
    config: &EventBusConfig,
    channel: &Channel,
    shutdown: &CancellationToken,
    wake: &Notify,
    housekeeping: &mut Housekeeping,
    pool: &PgPool,
) -> Result<(), Error> {
    let poll_interval = Duration::from_millis(config.relay_poll_interval_ms.max(10));
    let batch_size = config.relay_batch_size.max(1);
    let mut in_flight: VecDeque<InFlight> = VecDeque::with_capacity(PIPELINE_DEPTH);
    loop {
        housekeeping.run_if_due(pool, config).await;
        let stopping = shutdown.is_cancelled();
        let mut caught_up = false;
        while !stopping && in_flight.len() < PIPELINE_DEPTH {
            let excluded: Vec<Uuid> = in_flight
                .iter()
                .flat_map(|batch| batch.ids.iter().copied())
                .collect();
            let rows = read_batch(&mut leader.connection, batch_size, &excluded).await?;
            if rows.is_empty() {
                caught_up = true;
                break;
            }
            let full = rows.len() >= batch_size as usize;
            in_flight.push_back(publish(config, channel, &rows).await?);
            if !full {
                caught_up = true;
                break;
            }
        }
        match in_flight.pop_front() {
            Some(batch) => {
                let published = confirm_and_mark(&mut leader.connection, batch).await?;
                metrics::counter!("laissez_eventbus_relay_published_total").increment(published);
                tracing::debug!(published, "outbox batch published");
            }
            None if stopping => return Ok(()),
            None => {
                // An idle relay would otherwise only notice a dead connection
                // at its next publish, and readiness would report a broker
                // that is gone.
                if !channel.status().connected() {
                    return Err(Error::Disconnected("relay channel closed"));
                }
                if caught_up {
                    tokio::select! {
                        () = shutdown.cancelled() => {}
                        () = wake.notified() => {}
                        () = tokio::time::sleep(poll_interval) => {}
                    }
                }
            }
        }
    }
}

type OutboxRow = (Uuid, String, String, Vec<u8>, String, String, DateTime<Utc>);

/// The oldest unpublished rows that are not in flight. No row locks: the
/// advisory lock already makes this the only relay.
async fn read_batch(
    connection: &mut PgConnection,
    batch_size: u32,
    excluded: &[Uuid],
) -> Result<Vec<OutboxRow>, Error> {
    Ok(sqlx::query_as(
        "SELECT id, event_type, agency, payload, traceparent, tracestate, created_at \
         FROM outbox WHERE published_at IS NULL AND NOT (id = ANY($2)) \
         ORDER BY position LIMIT $1",
    )
    .bind(i64::from(batch_size))
    .bind(excluded)
    .fetch_all(connection)
    .await?)
}

/// Hands a batch to the broker without waiting for its confirms.
async fn publish(
    config: &EventBusConfig,
    channel: &Channel,
    rows: &[OutboxRow],
) -> Result<InFlight, Error> {
    let mut batch = InFlight {
        ids: Vec::with_capacity(rows.len()),
        confirms: Vec::with_capacity(rows.len()),
    };
    for (event_id, event_type, agency, payload, traceparent, tracestate, created_at) in rows {
        let trace = TraceContext {
            traceparent: traceparent.clone(),
            tracestate: tracestate.clone(),
        };
        let properties = event_properties(*event_id, event_type, agency, *created_at, &trace);
        let confirm = channel
            .basic_publish(
                config.exchange.as_str().into(),
                event_type.as_str().into(),
                BasicPublishOptions::default(),
                payload,
                properties,
            )
            .await?;
        batch.ids.push(*event_id);
        batch.confirms.push(confirm);
    }
    Ok(batch)
}

/// Waits for every confirm of `batch`, then marks its rows published.
async fn confirm_and_mark(connection: &mut PgConnection, batch: InFlight) -> Result<u64, Error> {
    for (event_id, confirm) in batch.ids.iter().zip(batch.confirms) {
        let confirmation = tokio::time::timeout(CONFIRM_TIMEOUT, confirm)
            .await
            .map_err(|_| Error::BrokerTimeout(CONFIRM_TIMEOUT))??;
        if !confirmation.is_ack() {
            return Err(Error::PublishNotConfirmed {
                event_id: *event_id,
            });
        }
    }
    sqlx::query("UPDATE outbox SET published_at = now() WHERE id = ANY($1)")
        .bind(&batch.ids)
        .execute(connection)
        .await?;
    Ok(batch.ids.len() as u64)
}

/// AMQP properties of an event: persistent, the event id as message id (for
/// broker-side tracing), the type, the agency and the trace context.
pub(crate) fn event_properties(
    event_id: Uuid,
    event_type: &str,
    agency: &str,
    created_at: DateTime<Utc>,
    trace: &TraceContext,
) -> BasicProperties {
    let mut headers = FieldTable::default();
    headers.insert(
        AGENCY_HEADER.into(),
        AMQPValue::LongString(LongString::from(agency.to_owned())),
    );
    trace.inject_into(&mut headers);
    BasicProperties::default()
        .with_message_id(event_id.to_string().into())
        .with_type(event_type.into())
        .with_content_type(CONTENT_TYPE.into())
        .with_delivery_mode(2)
        .with_timestamp(u64::try_from(created_at.timestamp()).unwrap_or(0))
        .with_headers(headers)
}

/// The outbox lag gauge and the pruning of published rows, each on its own
/// clock so a busy relay does not query them per batch.
#[derive(Default)]
struct Housekeeping {
    lag_refreshed: Option<Instant>,
    pruned: Option<Instant>,
}

impl Housekeeping {
    async fn run_if_due(&mut self, pool: &PgPool, config: &EventBusConfig) {
        if self
            .lag_refreshed
            .is_none_or(|at| at.elapsed() >= LAG_REFRESH)
        {
            self.lag_refreshed = Some(Instant::now());
            match sqlx::query_scalar::<_, Option<f64>>(
                "SELECT EXTRACT(EPOCH FROM now() - min(created_at))::float8 \
                 FROM outbox WHERE published_at IS NULL",
            )
            .fetch_one(pool)
            .await
            {
                Ok(lag) => {
                    metrics::gauge!("laissez_eventbus_outbox_lag_seconds").set(lag.unwrap_or(0.0));
                }
                Err(error) => tracing::debug!(%error, "cannot measure the outbox lag"),
            }
        }
        if self.pruned.is_none_or(|at| at.elapsed() >= PRUNE_EVERY) {
            self.pruned = Some(Instant::now());
            let retention_secs = i64::try_from(config.outbox_retention_secs).unwrap_or(i64::MAX);
            // Bounded per round so a large backlog never holds long locks.
            if let Err(error) = sqlx::query(
                "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox \
                 WHERE published_at < now() - make_interval(secs => $1) LIMIT 10000)",
            )
            .bind(retention_secs as f64)
            .execute(pool)
            .await
            {
                tracing::debug!(%error, "cannot prune the outbox");
            }
        }
    }
}
