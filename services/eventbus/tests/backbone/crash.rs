//! "A consumer killed after its effect and before its ack: the redelivery is
//! dropped by the inbox; no double effect."
//!
//! The kill: a test hook runs after the effect's transaction committed and
//! before the ack; it tells the test and never returns. The test then drops
//! the consumer's broker connection (through the fault proxy, so the broker
//! sees the socket die as it would for a killed process) and aborts the
//! consumer task. A new consumer with the same name plays the restarted
//! process and receives the redelivery.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use laissez_eventbus::testing::FaultProxy;
use laissez_eventbus::{AfterCommitHook, Consumer, EventBusConfig, Relay};
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;

use crate::support::{RecordProbe, TestBed, enqueue_probe, eventually, probe, queue_depth};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn redelivery_after_a_crash_between_commit_and_ack_is_dropped() {
    let bed = TestBed::new().await;
    let proxy = FaultProxy::in_front_of(&bed.config.url)
        .await
        .expect("start the fault proxy");
    let consumer_config = EventBusConfig {
        url: proxy.proxied_url(&bed.config.url),
        consumer_concurrency: 1,
        ..bed.config.clone()
    };
    let shutdown = CancellationToken::new();

    let (committed, committed_seen) = oneshot::channel::<String>();
    let committed = Arc::new(Mutex::new(Some(committed)));
    let crash_after_first_commit: AfterCommitHook = Arc::new(move |envelope| {
        let first = committed.lock().ok().and_then(|mut sender| sender.take());
        match first {
            Some(sender) => {
                let _ = sender.send(envelope.event_id.clone());
                // The "process" is frozen here until the test kills it.
                Box::pin(std::future::pending())
            }
            None => Box::pin(async {}),
        }
    });
    let doomed = Consumer::builder("crashy", ["platform.probe.emitted"])
        .handler(RecordProbe {
            consumer: "crashy".to_owned(),
        })
        .after_commit(crash_after_first_commit)
        .spawn(bed.pool.clone(), consumer_config.clone(), shutdown.clone())
        .expect("spawn the consumer");
    assert!(eventually(Duration::from_secs(10), || async { doomed.is_connected() }).await);
    let relay = Relay::spawn(bed.pool.clone(), bed.config.clone(), shutdown.clone());

    enqueue_probe(&bed.pool, "aggregate-1", &probe("first", 1)).await;
    let event_id = tokio::time::timeout(Duration::from_secs(10), committed_seen)
        .await
        .expect("the effect should commit")
        .expect("hook sender");

    // Kill: the connection dies with the delivery unacked, the task is gone.
    proxy.drop_connections();
    doomed.abort();
    assert_eq!(bed.applied_count().await, 1);

    // The restarted process.
    let restarted = Consumer::builder("crashy", ["platform.probe.emitted"])
        .handler(RecordProbe {
            consumer: "crashy".to_owned(),
        })
        .spawn(bed.pool.clone(), consumer_config.clone(), shutdown.clone())
        .expect("spawn the consumer again");
    // A later event of the same aggregate queues behind the redelivery; once
    // it is applied, the redelivery has been through the inbox.
    enqueue_probe(&bed.pool, "aggregate-1", &probe("second", 2)).await;
    assert!(
        eventually(Duration::from_secs(20), || async {
            bed.applied_count().await >= 2
        })
        .await
    );
    tokio::time::sleep(Duration::from_millis(500)).await;

    let first_effects: i64 =
        sqlx::query_scalar("SELECT count(*) FROM applied WHERE event_id = $1::uuid")
            .bind(&event_id)
            .fetch_one(&bed.pool)
            .await
            .expect("count effects");
    assert_eq!(first_effects, 1, "the redelivered event was applied twice");
    assert_eq!(bed.applied_count().await, 2);
    let inbox_rows: i64 =
        sqlx::query_scalar("SELECT count(*) FROM inbox WHERE consumer = 'crashy'")
            .fetch_one(&bed.pool)
            .await
            .expect("count inbox rows");
    assert_eq!(inbox_rows, 2);
    let queue = format!("{}.crashy", bed.config.exchange);
    assert!(
        eventually(Duration::from_secs(5), || async {
            queue_depth(&queue).await == 0
        })
        .await,
        "the redelivery should have been acked"
    );

    shutdown.cancel();
    relay.join().await;
    restarted.join().await;
    drop(proxy);
    bed.cleanup(&["crashy"]).await;
}
