//! "1,000 outbox events with RabbitMQ stopped and restarted in the middle".
//!
//! The shared broker cannot be stopped (other tests use it), so the relay
//! and the consumer reach it through a `FaultProxy`. `cut()` closes every
//! proxied connection and refuses new ones: to both the clients and the
//! broker that is what a broker stop looks like (sockets close, unacked
//! deliveries are requeued, unconfirmed publishes are lost or not).
//! `restore()` is the broker coming back. The relay and consumer are the
//! same tasks throughout: no restart of the "service".

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use laissez_eventbus::testing::FaultProxy;
use laissez_eventbus::{Consumer, EventBusConfig, Outbox, Relay};
use tokio_util::sync::CancellationToken;

use crate::support::{
    RecordProbe, TestBed, assert_aggregates_applied_in_order, eventually, probe, queue_depth,
};

const EVENTS: usize = 1_000;
const AGGREGATES: usize = 20;
const EVENTS_PER_TRANSACTION: usize = 5;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thousand_events_survive_a_broker_outage_exactly_once() {
    let bed = TestBed::new().await;
    let proxy = FaultProxy::in_front_of(&bed.config.url)
        .await
        .expect("start the fault proxy");
    let config = EventBusConfig {
        url: proxy.proxied_url(&bed.config.url),
        relay_batch_size: 50,
        ..bed.config.clone()
    };
    let shutdown = CancellationToken::new();
    let consumer = Consumer::builder("outage", ["platform.probe.emitted"])
        .handler(RecordProbe {
            consumer: "outage".to_owned(),
        })
        .spawn(bed.pool.clone(), config.clone(), shutdown.clone())
        .expect("spawn the consumer");
    // The queue must exist before the first publish, or events are unroutable.
    assert!(
        eventually(Duration::from_secs(10), || async {
            consumer.is_connected()
        })
        .await
    );
    let relay = Relay::spawn(bed.pool.clone(), config.clone(), shutdown.clone());

    let enqueued = Arc::new(AtomicUsize::new(0));
    let producer = tokio::spawn({
        let pool = bed.pool.clone();
        let enqueued = Arc::clone(&enqueued);
        async move {
            for first in (0..EVENTS).step_by(EVENTS_PER_TRANSACTION) {
                let mut transaction = pool.begin().await.expect("begin");
                for number in first..first + EVENTS_PER_TRANSACTION {
                    let aggregate_id = format!("aggregate-{}", number % AGGREGATES);
                    let event = probe(&format!("probe-{number}"), number as u64);
                    Outbox::enqueue(
                        &mut transaction,
                        "agency-test",
                        "probe",
                        &aggregate_id,
                        &event,
                    )
                    .await
                    .expect("enqueue");
                }
                transaction.commit().await.expect("commit");
                enqueued.fetch_add(EVENTS_PER_TRANSACTION, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(4)).await;
            }
        }
    });

    // Broker "stops" once 40% of the events exist, while the rest keep coming.
    assert!(
        eventually(Duration::from_secs(20), || async {
            enqueued.load(Ordering::SeqCst) >= EVENTS * 2 / 5
        })
        .await
    );
    proxy.cut();
    let applied_at_cut = bed.applied_count().await;
    assert!(
        eventually(Duration::from_secs(10), || async {
            !relay.is_connected() && !consumer.is_connected()
        })
        .await,
        "relay and consumer should notice the outage"
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    // Broker "restarts".
    proxy.restore();
    producer.await.expect("producer");

    // Generous: on a loaded machine the broker may take a while to notice
    // the dead connections and hand their unacked deliveries back.
    let all_applied = eventually(Duration::from_secs(90), || async {
        bed.applied_count().await >= EVENTS as i64
    })
    .await;
    // Late duplicates would show up as extra rows: give them a moment.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let (total, distinct): (i64, i64) =
        sqlx::query_as("SELECT count(*), count(DISTINCT event_id) FROM applied")
            .fetch_one(&bed.pool)
            .await
            .expect("count effects");
    let unpublished: i64 =
        sqlx::query_scalar("SELECT count(*) FROM outbox WHERE published_at IS NULL")
            .fetch_one(&bed.pool)
            .await
            .expect("count unpublished");
    let ready_in_queue = queue_depth(&format!("{}.outage", bed.config.exchange)).await;
    eprintln!(
        "outage test: {applied_at_cut} applied when the broker went away, \
         {total} effects ({distinct} distinct) at the end, {unpublished} unpublished, \
         {ready_in_queue} ready in the queue; relay connected: {}, consumer connected: {}",
        relay.is_connected(),
        consumer.is_connected()
    );
    assert!(all_applied, "only {total} of {EVENTS} effects applied");
    assert_eq!(total, EVENTS as i64, "an event was applied twice");
    assert_eq!(distinct, EVENTS as i64, "an event was lost");
    assert_eq!(unpublished, 0);
    assert!(
        relay.is_connected() && consumer.is_connected(),
        "reconnected without a restart"
    );
    assert_aggregates_applied_in_order(&bed).await;

    shutdown.cancel();
    relay.join().await;
    consumer.join().await;
    drop(proxy);
    bed.cleanup(&["outage"]).await;
}
