//! Opportunistic batching: deliveries already waiting for a worker are
//! applied in one transaction (one commit, one WAL flush) instead of one
//! each. Each event still commits atomically with its own inbox row, and is
//! acked only after that commit. If any handler in the batch fails, the
//! whole transaction rolls back and every event of the batch is processed
//! alone, so one failing event never takes the others down with it and gets
//! its own retry or dead-letter decision.

use std::collections::HashSet;

use laissez_proto::events::v1::Envelope;
use lapin::Channel;
use tracing::Instrument;
use uuid::Uuid;

use super::ConsumerContext;
use super::delivery::{Applied, Work, consume_span, process, settle_applied, settle_failure};
use crate::envelope::EnvelopeExt;
use crate::error::{Error, HandlerError};

struct Ready {
    work_delivery: lapin::message::Delivery,
    envelope: Envelope,
    event_id: Uuid,
}

/// Settles a batch of deliveries of one worker, in order.
pub(super) async fn process_batch(
    context: &ConsumerContext,
    publish_channel: &Channel,
    batch: Vec<Work>,
) -> Result<(), Error> {
    if batch.len() == 1 {
        for work in batch {
            process(context, publish_channel, work).await?;
        }
        return Ok(());
    }
    // Malformed messages are settled (dead-lettered) on their own.
    let mut ready = Vec::with_capacity(batch.len());
    for work in batch {
        match work.envelope {
            Ok(envelope) => match envelope.event_uuid() {
                Some(event_id) => ready.push(Ready {
                    work_delivery: work.delivery,
                    envelope,
                    event_id,
                }),
                None => {
                    let work = Work {
                        delivery: work.delivery,
                        envelope: Ok(envelope),
                    };
                    process(context, publish_channel, work).await?;
                }
            },
            Err(error) => {
                let work = Work {
                    delivery: work.delivery,
                    envelope: Err(error),
                };
                process(context, publish_channel, work).await?;
            }
        }
    }

    match apply_together(context, &ready).await {
        Ok(outcomes) => {
            for (event, applied) in ready.iter().zip(outcomes) {
                settle_applied(context, &event.work_delivery, &event.envelope, applied).await?;
            }
        }
        Err(BatchFailure { failed_at, error }) => {
            tracing::debug!(consumer = %context.name, %error, "batch rolled back; applying its events one by one");
            let mut failure = Some(error);
            for (index, event) in ready.into_iter().enumerate() {
                if Some(index) == failed_at
                    && let Some(error) = failure.take()
                {
                    // Its handler already ran for this delivery: settle
                    // the failure instead of running it a second time.
                    let span = consume_span(
                        context,
                        &event.work_delivery,
                        &event.envelope,
                        event.event_id,
                    );
                    settle_failure(context, publish_channel, &event.work_delivery, error)
                        .instrument(span)
                        .await?;
                    continue;
                }
                let work = Work {
                    delivery: event.work_delivery,
                    envelope: Ok(event.envelope),
                };
                process(context, publish_channel, work).await?;
            }
        }
    }
    Ok(())
}

/// Why a batch rolled back: the handler of event `failed_at`, or the
/// transaction itself (`None`: begin or commit failed).
struct BatchFailure {
    failed_at: Option<usize>,
    error: HandlerError,
}

impl From<sqlx::Error> for BatchFailure {
    fn from(error: sqlx::Error) -> Self {
        Self {
            failed_at: None,
            error: error.into(),
        }
    }
}

async fn apply_together(
    context: &ConsumerContext,
    ready: &[Ready],
) -> Result<Vec<Applied>, BatchFailure> {
    let mut transaction = context.pool.begin().await?;
    let mut fresh = record_batch_in_inbox(context, &mut transaction, ready).await?;
    let mut outcomes = Vec::with_capacity(ready.len());
    for (index, event) in ready.iter().enumerate() {
        // `remove`: a second copy of one event in the same batch is a duplicate.
        if !fresh.remove(&event.event_id) {
            outcomes.push(Applied::Duplicate);
            continue;
        }
        let span = consume_span(
            context,
            &event.work_delivery,
            &event.envelope,
            event.event_id,
        );
        context
            .handler
            .handle(&event.envelope, &mut transaction)
            .instrument(span)
            .await
            .map_err(|error| BatchFailure {
                failed_at: Some(index),
                error,
            })?;
        outcomes.push(Applied::Committed);
    }
    transaction.commit().await?;
    Ok(outcomes)
}

/// One statement for the whole batch's inbox rows; returns the ids that were
/// not there yet. Rows go in in id order, so two batches that share an id
/// (a redelivery) lock in the same order and never deadlock.
async fn record_batch_in_inbox(
    context: &ConsumerContext,
    transaction: &mut sqlx::PgConnection,
    ready: &[Ready],
) -> Result<HashSet<Uuid>, sqlx::Error> {
    let ids: Vec<Uuid> = ready.iter().map(|event| event.event_id).collect();
    let types: Vec<&str> = ready
        .iter()
        .map(|event| event.envelope.event_type.as_str())
        .collect();
    let inserted: Vec<Uuid> = sqlx::query_scalar(
        "INSERT INTO inbox (consumer, event_id, event_type) \
         SELECT $1, event_id, event_type FROM unnest($2::uuid[], $3::text[]) AS batch (event_id, event_type) \
         ORDER BY event_id \
         ON CONFLICT (consumer, event_id) DO NOTHING \
         RETURNING event_id",
    )
    .bind(&context.name)
    .bind(&ids)
    .bind(&types)
    .fetch_all(&mut *transaction)
    .await?;
    Ok(inserted.into_iter().collect())
}
