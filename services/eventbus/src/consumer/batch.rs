//! Opportunistic batching: deliveries already waiting for a worker are
//! applied in one transaction (one commit, one WAL flush) instead of one
//! each. Each event still commits atomically with its own inbox row, and is
//! acked only after that commit. If any handler in the batch fails, the
//! whole transaction rolls back and every event of the batch is processed
//! alone, so one failing event never takes the others down with it and gets
//! its own retry or dead-letter decision.

use laissez_proto::events::v1::Envelope;
use lapin::Channel;
use tracing::Instrument;
use uuid::Uuid;

use super::ConsumerContext;
use super::delivery::{
    Applied, Work, consume_span, process, record_in_inbox, settle_applied, settle_failure,
};
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
    let mut outcomes = Vec::with_capacity(ready.len());
    for (index, event) in ready.iter().enumerate() {
        let span = consume_span(
            context,
            &event.work_delivery,
            &event.envelope,
            event.event_id,
        );
        let outcome = async {
            if !record_in_inbox(context, &mut transaction, &event.envelope, event.event_id).await? {
                return Ok::<_, HandlerError>(Applied::Duplicate);
            }
            context
                .handler
                .handle(&event.envelope, &mut transaction)
                .await?;
            Ok(Applied::Committed)
        }
        .instrument(span)
        .await
        .map_err(|error| BatchFailure {
            failed_at: Some(index),
            error,
        })?;
        outcomes.push(outcome);
    }
    transaction.commit().await?;
    Ok(outcomes)
}
