//! Several relays on one database: one publishes, the others stand by and
//! take over when it stops, without losing, doubling or reordering events.

use std::time::Duration;

use laissez_eventbus::{Consumer, Relay};
use tokio_util::sync::CancellationToken;

use crate::support::{
    RecordProbe, TestBed, assert_aggregates_applied_in_order, enqueue_probe, eventually, probe,
};

const AGGREGATES: usize = 10;
const PER_ROUND: usize = 200;

async fn enqueue_round(bed: &TestBed, round: usize) {
    for number in round * PER_ROUND..(round + 1) * PER_ROUND {
        let aggregate = format!("aggregate-{}", number % AGGREGATES);
        enqueue_probe(&bed.pool, &aggregate, &probe(&format!("probe-{number}"), 0)).await;
    }
}

async fn all_applied(bed: &TestBed, expected: usize) -> bool {
    eventually(Duration::from_secs(30), || async {
        bed.applied_count().await >= expected as i64
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_standby_relay_takes_over_when_the_active_one_stops() {
    let bed = TestBed::new().await;
    let consumer_shutdown = CancellationToken::new();
    let consumer = Consumer::builder("standby", ["platform.probe.emitted"])
        .handler(RecordProbe {
            consumer: "standby".to_owned(),
        })
        .spawn(
            bed.pool.clone(),
            bed.config.clone(),
            consumer_shutdown.clone(),
        )
        .expect("spawn the consumer");
    assert!(
        eventually(Duration::from_secs(10), || async {
            consumer.is_connected()
        })
        .await
    );

    let (stop_a, stop_b, stop_c) = (
        CancellationToken::new(),
        CancellationToken::new(),
        CancellationToken::new(),
    );
    let relay_a = Relay::spawn(bed.pool.clone(), bed.config.clone(), stop_a.clone());
    let relay_b = Relay::spawn(bed.pool.clone(), bed.config.clone(), stop_b.clone());
    enqueue_round(&bed, 0).await;
    assert!(all_applied(&bed, PER_ROUND).await, "two relays, one round");

    // Whichever was active, B is alone after this and must publish.
    stop_a.cancel();
    relay_a.join().await;
    enqueue_round(&bed, 1).await;
    assert!(all_applied(&bed, 2 * PER_ROUND).await, "B alone");

    // B was surely active: C must take its place.
    let relay_c = Relay::spawn(bed.pool.clone(), bed.config.clone(), stop_c.clone());
    stop_b.cancel();
    relay_b.join().await;
    enqueue_round(&bed, 2).await;
    assert!(all_applied(&bed, 3 * PER_ROUND).await, "C took over");

    tokio::time::sleep(Duration::from_millis(500)).await;
    let (total, distinct): (i64, i64) =
        sqlx::query_as("SELECT count(*), count(DISTINCT event_id) FROM applied")
            .fetch_one(&bed.pool)
            .await
            .expect("count effects");
    assert_eq!(
        (total, distinct),
        (3 * PER_ROUND as i64, 3 * PER_ROUND as i64)
    );
    let unpublished: i64 =
        sqlx::query_scalar("SELECT count(*) FROM outbox WHERE published_at IS NULL")
            .fetch_one(&bed.pool)
            .await
            .expect("count unpublished");
    assert_eq!(unpublished, 0);
    assert_aggregates_applied_in_order(&bed).await;

    stop_c.cancel();
    relay_c.join().await;
    consumer_shutdown.cancel();
    consumer.join().await;
    bed.cleanup(&["standby"]).await;
}
