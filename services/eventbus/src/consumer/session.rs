//! One consumer connection at a time: declare, consume, dispatch deliveries
//! to workers, and start over with backoff when the broker goes away.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use laissez_proto::events::v1::Envelope;
use lapin::options::{
    BasicCancelOptions, BasicConsumeOptions, BasicQosOptions, ConfirmSelectOptions,
    QueueDeclareOptions,
};
use lapin::types::FieldTable;
use lapin::{Channel, Connection};
use prost::Message;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::ConsumerContext;
use super::batch::process_batch;
use super::delivery::Work;
use crate::broker::{Backoff, LinkStatus, connect};
use crate::error::Error;
use crate::topology::declare_consumer;

const INBOX_PRUNE_EVERY: Duration = Duration::from_secs(3600);
/// How often the depths of the consumer's queue and dead-letter queue are read.
const DEPTH_EVERY: Duration = Duration::from_secs(15);
/// How long workers may take to let go after the broker connection failed.
const WORKER_DRAIN_AFTER_FAILURE: Duration = Duration::from_secs(10);

pub(super) async fn run(
    context: Arc<ConsumerContext>,
    shutdown: CancellationToken,
    status: LinkStatus,
) {
    let pruning = tokio::spawn(prune_inbox(Arc::clone(&context), shutdown.clone()));
    let mut backoff = Backoff::new(&context.config);
    while !shutdown.is_cancelled() {
        match session(&context, &shutdown, &status, &mut backoff).await {
            Ok(()) => break,
            Err(error) => {
                status.set(false);
                tracing::warn!(consumer = %context.name, %error, "consumer lost the broker; reconnecting");
                if !backoff.wait(&shutdown).await {
                    break;
                }
            }
        }
    }
    status.set(false);
    pruning.abort();
    tracing::info!(consumer = %context.name, "consumer stopped");
}

async fn session(
    context: &Arc<ConsumerContext>,
    shutdown: &CancellationToken,
    status: &LinkStatus,
    backoff: &mut Backoff,
) -> Result<(), Error> {
    let connection = connect(
        &context.config,
        &format!("laissez-consumer-{}", context.name),
    )
    .await?;
    let outcome = consume(context, &connection, shutdown, status, backoff).await;
    status.set(false);
    // Closing returns unacked deliveries to the queue at once; bounded
    // because a dead connection may never answer.
    let _ = tokio::time::timeout(
        Duration::from_secs(2),
        connection.close(200, "consumer stopping".into()),
    )
    .await;
    outcome
}

async fn consume(
    context: &Arc<ConsumerContext>,
    connection: &Connection,
    shutdown: &CancellationToken,
    status: &LinkStatus,
    backoff: &mut Backoff,
) -> Result<(), Error> {
    let consume_channel = connection.create_channel().await?;
    // Retries and dead letters are republished with confirms, on a channel
    // of their own so confirm mode does not touch the consuming channel.
    let publish_channel = connection.create_channel().await?;
    publish_channel
        .confirm_select(ConfirmSelectOptions::default())
        .await?;
    declare_consumer(
        &consume_channel,
        &context.config,
        &context.name,
        &context.binding_keys,
    )
    .await?;
    consume_channel
        .basic_qos(context.config.prefetch.max(1), BasicQosOptions::default())
        .await?;
    let mut deliveries = consume_channel
        .basic_consume(
            context.queues.main.as_str().into(),
            "".into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await?;
    status.set(true);
    backoff.reset();
    tracing::info!(consumer = %context.name, queue = %context.queues.main, "consumer connected");
    // Stops with the session, whichever way it ends.
    let depths = shutdown.child_token();
    let _stop_depths = depths.clone().drop_guard();
    tokio::spawn(report_depths(
        Arc::clone(context),
        connection.create_channel().await?,
        depths,
    ));

    let broker_failed = CancellationToken::new();
    let (senders, mut workers) = start_workers(context, &publish_channel, shutdown, &broker_failed);
    let outcome = loop {
        tokio::select! {
            biased;
            () = shutdown.cancelled() => break Ok(()),
            () = broker_failed.cancelled() => break Err(Error::Disconnected("acknowledgement failed")),
            next = deliveries.next() => match next {
                Some(Ok(delivery)) => {
                    let envelope = Envelope::decode(delivery.data.as_slice());
                    let worker = pick_worker(envelope.as_ref().ok(), senders.len());
                    if senders[worker].send(Work { delivery, envelope }).await.is_err() {
                        break Err(Error::Disconnected("consumer worker stopped"));
                    }
                }
                Some(Err(error)) => break Err(error.into()),
                None => break Err(Error::Disconnected("delivery stream ended")),
            },
        }
    };
    if outcome.is_ok() {
        // Stop the broker from pushing more; unstarted deliveries are
        // returned to the queue when the connection closes.
        let _ = consume_channel
            .basic_cancel(deliveries.tag(), BasicCancelOptions::default())
            .await;
    }
    if outcome.is_err() {
        // Readiness reflects the loss at once; workers stop taking queued
        // deliveries, which the broker has already requeued.
        status.set(false);
        broker_failed.cancel();
    }
    drop(senders);
    // Workers finish the delivery they are on, then return. After a broker
    // failure a worker may be waiting on the dead connection (an ack, a
    // confirm): it is given up after a bound so the consumer can reconnect.
    // Its deliveries go back to the queue with the connection, and the
    // inbox drops whatever of them it had already applied.
    let drained = async { while workers.join_next().await.is_some() {} };
    if outcome.is_ok() {
        drained.await;
    } else if tokio::time::timeout(WORKER_DRAIN_AFTER_FAILURE, drained)
        .await
        .is_err()
    {
        tracing::warn!(consumer = %context.name, "a worker hung on the lost connection; abandoning it");
        workers.shutdown().await;
    }
    if outcome.is_ok() {
        // A clean stop closes its channels before the connection: closing
        // the connection over open channels makes lapin report each of them
        // as an error although nothing went wrong.
        for channel in [&consume_channel, &publish_channel] {
            let _ = tokio::time::timeout(
                Duration::from_secs(2),
                channel.close(200, "consumer stopping".into()),
            )
            .await;
        }
    }
    outcome
}

/// Starts `consumer_concurrency` workers, each processing its deliveries in
/// order. The JoinSet aborts them if the session is dropped.
fn start_workers(
    context: &Arc<ConsumerContext>,
    publish_channel: &Channel,
    shutdown: &CancellationToken,
    broker_failed: &CancellationToken,
) -> (Vec<mpsc::Sender<Work>>, JoinSet<()>) {
    let worker_count = context.config.consumer_concurrency.max(1);
    let capacity = usize::from(context.config.prefetch.max(1));
    let batch_size = context.config.consumer_batch_size.max(1);
    let mut senders = Vec::with_capacity(worker_count);
    let mut workers = JoinSet::new();
    for _ in 0..worker_count {
        let (sender, mut receiver) = mpsc::channel::<Work>(capacity);
        senders.push(sender);
        let context = Arc::clone(context);
        let publish_channel = publish_channel.clone();
        let shutdown = shutdown.clone();
        let broker_failed = broker_failed.clone();
        workers.spawn(async move {
            while let Some(first) = receiver.recv().await {
                if shutdown.is_cancelled() || broker_failed.is_cancelled() {
                    // Not started: left unacked, redelivered to the next consumer.
                    continue;
                }
                // Whatever is already waiting joins the batch; nothing waits for more.
                let mut batch = vec![first];
                while batch.len() < batch_size {
                    match receiver.try_recv() {
                        Ok(work) => batch.push(work),
                        Err(_) => break,
                    }
                }
                if let Err(error) = process_batch(&context, &publish_channel, batch).await {
                    tracing::warn!(consumer = %context.name, %error, "delivery not settled");
                    broker_failed.cancel();
                }
            }
        });
    }
    (senders, workers)
}

/// Deliveries of one aggregate always go to the same worker, so a consumer
/// applies them in publication order even with several workers.
fn pick_worker(envelope: Option<&Envelope>, worker_count: usize) -> usize {
    let Some(envelope) = envelope else {
        return 0;
    };
    let mut hasher = DefaultHasher::new();
    envelope.aggregate_type.hash(&mut hasher);
    envelope.aggregate_id.hash(&mut hasher);
    usize::try_from(hasher.finish() % worker_count as u64).unwrap_or(0)
}

/// Inbox rows only need to outlive any plausible redelivery.
async fn prune_inbox(context: Arc<ConsumerContext>, shutdown: CancellationToken) {
    let retention_secs = context.config.inbox_retention_secs as f64;
    loop {
        let result = sqlx::query(
            "DELETE FROM inbox WHERE consumer = $1 \
             AND received_at < now() - make_interval(secs => $2)",
        )
        .bind(&context.name)
        .bind(retention_secs)
        .execute(&context.pool)
        .await;
        if let Err(error) = result {
            tracing::debug!(consumer = %context.name, %error, "cannot prune the inbox");
        }
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(INBOX_PRUNE_EVERY) => {}
        }
    }
}

/// Publishes the consumer's backlog (`laissez_eventbus_queue_messages`) and
/// dead letters (`laissez_eventbus_dead_letter_messages`) as gauges, read
/// with passive declares on a channel of its own, until `stop`.
async fn report_depths(context: Arc<ConsumerContext>, channel: Channel, stop: CancellationToken) {
    let passive = QueueDeclareOptions {
        passive: true,
        ..QueueDeclareOptions::default()
    };
    let mut tick = tokio::time::interval(DEPTH_EVERY);
    loop {
        tokio::select! {
            () = stop.cancelled() => break,
            _ = tick.tick() => {}
        }
        for (queue, gauge) in [
            (&context.queues.main, "laissez_eventbus_queue_messages"),
            (
                &context.queues.dead_letter,
                "laissez_eventbus_dead_letter_messages",
            ),
        ] {
            match channel
                .queue_declare(queue.as_str().into(), passive, FieldTable::default())
                .await
            {
                Ok(declared) => metrics::gauge!(gauge, "consumer" => context.name.clone())
                    .set(f64::from(declared.message_count())),
                Err(error) => {
                    // A failed passive declare closes the channel; the
                    // session's own failure handling reconnects.
                    tracing::debug!(consumer = %context.name, %error, "queue depth unreadable");
                    return;
                }
            }
        }
    }
    let _ = channel.close(200, "depth reporting stopped".into()).await;
}
