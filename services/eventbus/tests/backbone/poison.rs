//! "A poison message reaches the dead-letter queue after the delivery limit;
//! other messages keep flowing."

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use laissez_eventbus::topology::{ConsumerQueues, declare_consumer};
use laissez_eventbus::{Consumer, EnvelopeExt, EventBusConfig, Handler, HandlerError, Relay};
use laissez_proto::events::v1::{Envelope, ProbeEmitted};
use lapin::options::{BasicGetOptions, BasicNackOptions, BasicPublishOptions};
use lapin::types::AMQPValue;
use lapin::{BasicProperties, Connection, ConnectionProperties};
use sqlx::PgConnection;
use tokio_util::sync::CancellationToken;

use crate::support::{
    TestBed, amqp_url, enqueue_probe, eventually, probe, queue_depth, record_probe,
};

/// Applies good probes; fails on the poison ones.
struct PoisonSensitive {
    transient_attempts: Arc<AtomicU32>,
}

#[async_trait::async_trait]
impl Handler for PoisonSensitive {
    async fn handle(
        &self,
        event: &Envelope,
        transaction: &mut PgConnection,
    ) -> Result<(), HandlerError> {
        let probe: ProbeEmitted = event.decode()?;
        match probe.probe_id.as_str() {
            "poison-transient" => {
                self.transient_attempts.fetch_add(1, Ordering::SeqCst);
                Err(HandlerError::transient("downstream keeps timing out"))
            }
            "poison-permanent" => Err(HandlerError::permanent("case does not exist")),
            _ => record_probe("poison", event, &probe, transaction).await,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn poison_messages_reach_the_dead_letter_queue_while_others_flow() {
    let bed = TestBed::new().await;
    let config = EventBusConfig {
        delivery_limit: 3,
        retry_backoff_ms: vec![100, 300],
        ..bed.config.clone()
    };
    let shutdown = CancellationToken::new();
    let transient_attempts = Arc::new(AtomicU32::new(0));
    let consumer = Consumer::builder("poison", ["platform.probe.#"])
        .handler(PoisonSensitive {
            transient_attempts: Arc::clone(&transient_attempts),
        })
        .spawn(bed.pool.clone(), config.clone(), shutdown.clone())
        .expect("spawn the consumer");
    assert!(
        eventually(Duration::from_secs(10), || async {
            consumer.is_connected()
        })
        .await
    );
    let relay = Relay::spawn(bed.pool.clone(), config.clone(), shutdown.clone());

    // Bytes that are no Envelope, straight onto the exchange.
    let connection = Connection::connect(&amqp_url(), ConnectionProperties::default())
        .await
        .expect("connect");
    let channel = connection.create_channel().await.expect("channel");
    channel
        .basic_publish(
            config.exchange.as_str().into(),
            "platform.probe.emitted".into(),
            BasicPublishOptions::default(),
            b"\xff\xffnot a protobuf envelope",
            BasicProperties::default(),
        )
        .await
        .expect("publish garbage");

    for number in 0..20_u64 {
        if number == 5 {
            enqueue_probe(&bed.pool, "poison-1", &probe("poison-transient", number)).await;
        }
        if number == 10 {
            enqueue_probe(&bed.pool, "poison-2", &probe("poison-permanent", number)).await;
        }
        enqueue_probe(
            &bed.pool,
            &format!("good-{number}"),
            &probe(&format!("good-{number}"), number),
        )
        .await;
    }

    let queues = ConsumerQueues::for_consumer(&config, "poison");
    assert!(
        eventually(Duration::from_secs(10), || async {
            bed.applied_count().await == 20
        })
        .await,
        "good events must not wait behind the poison ones"
    );
    assert!(
        eventually(Duration::from_secs(20), || async {
            queue_depth(&queues.dead_letter).await == 3
        })
        .await,
        "three poison messages should be dead-lettered"
    );
    assert_eq!(
        transient_attempts.load(Ordering::SeqCst),
        3,
        "one attempt per allowed delivery"
    );

    let mut reasons = Vec::new();
    while let Some(message) = channel
        .basic_get(
            queues.dead_letter.as_str().into(),
            BasicGetOptions { no_ack: true },
        )
        .await
        .expect("basic.get")
    {
        let reason = message
            .delivery
            .properties
            .headers()
            .as_ref()
            .and_then(|headers| headers.inner().get("x-laissez-dead-letter-reason").cloned());
        if let Some(AMQPValue::LongString(reason)) = reason {
            reasons.push(String::from_utf8_lossy(reason.as_bytes()).into_owned());
        }
    }
    reasons.sort();
    assert_eq!(reasons.len(), 3, "{reasons:?}");
    assert!(
        reasons[0].starts_with("delivery limit 3 reached"),
        "{reasons:?}"
    );
    assert!(
        reasons[1].starts_with("permanent: case does not exist"),
        "{reasons:?}"
    );
    assert!(reasons[2].starts_with("undecodable"), "{reasons:?}");
    assert_eq!(bed.applied_count().await, 20);
    assert_eq!(queue_depth(&queues.main).await, 0);

    let _ = connection.close(200, "done".into()).await;
    shutdown.cancel();
    relay.join().await;
    consumer.join().await;
    bed.cleanup(&["poison"]).await;
}

/// The broker-side limit: a message whose consumers keep dying (here: nack
/// with requeue, which counts as a delivery on a quorum queue) is
/// dead-lettered by RabbitMQ itself once `x-delivery-limit` is exceeded.
#[tokio::test]
async fn broker_dead_letters_a_message_redelivered_past_the_limit() {
    let bed = TestBed::new().await;
    let config = EventBusConfig {
        delivery_limit: 2,
        ..bed.config.clone()
    };
    let connection = Connection::connect(&amqp_url(), ConnectionProperties::default())
        .await
        .expect("connect");
    let channel = connection.create_channel().await.expect("channel");
    let queues = declare_consumer(
        &channel,
        &config,
        "limit",
        &["platform.probe.emitted".to_owned()],
    )
    .await
    .expect("declare");
    channel
        .basic_publish(
            config.exchange.as_str().into(),
            "platform.probe.emitted".into(),
            BasicPublishOptions::default(),
            b"whatever",
            BasicProperties::default(),
        )
        .await
        .expect("publish");

    let mut deliveries = 0;
    for _ in 0..50 {
        match channel
            .basic_get(
                queues.main.as_str().into(),
                BasicGetOptions { no_ack: false },
            )
            .await
            .expect("basic.get")
        {
            Some(message) => {
                deliveries += 1;
                message
                    .delivery
                    .nack(BasicNackOptions {
                        requeue: true,
                        ..BasicNackOptions::default()
                    })
                    .await
                    .expect("nack");
            }
            None => {
                if queue_depth(&queues.dead_letter).await == 1 {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
    assert_eq!(queue_depth(&queues.dead_letter).await, 1);
    assert!(
        (2..=3).contains(&deliveries),
        "{deliveries} deliveries for a limit of 2"
    );
    let _ = connection.close(200, "done".into()).await;
    bed.cleanup(&["limit"]).await;
}
