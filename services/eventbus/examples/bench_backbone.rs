//! End-to-end throughput of the backbone against raw lapin, same machine,
//! same run, same broker topology (quorum queue with delivery limit).
//!
//! Run (needs the local PostgreSQL and RabbitMQ; env overrides as in the tests):
//!
//!     cargo run -p laissez-eventbus --example bench_backbone
//!
//! `BENCH_EVENTS` (default 20000) sets the event count; add `--release` for
//! optimised figures. Prints figures only; asserts nothing about time.
//!
//! - outbox→inbox: N events already committed in the outbox; timed from
//!   starting the relay until the consumer has committed N effects, each in
//!   its own transaction together with its inbox row.
//! - raw lapin: the same N encoded envelopes published to the same kind of
//!   queue in batches of `relay_batch_size` with publisher confirms, and
//!   consumed with the same prefetch, acking each; timed until all consumed.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures::StreamExt;
use laissez_eventbus::topology::{declare_consumer, delete_consumer, delete_exchanges};
use laissez_eventbus::{Consumer, EventBusConfig, Handler, HandlerError, MIGRATOR, Outbox, Relay};
use laissez_proto::events::v1::{Envelope, ProbeEmitted};
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicPublishOptions, BasicQosOptions,
    ConfirmSelectOptions,
};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Connection, ConnectionProperties};
use prost::Message;
use sqlx::postgres::PgPoolOptions;
use sqlx::{AssertSqlSafe, PgConnection, PgPool};
use tokio_util::sync::CancellationToken;

const ROUNDS: usize = 5;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

struct ApplyEffect;

#[async_trait::async_trait]
impl Handler for ApplyEffect {
    async fn handle(
        &self,
        event: &Envelope,
        transaction: &mut PgConnection,
    ) -> Result<(), HandlerError> {
        sqlx::query("INSERT INTO applied (event_id, aggregate_id) VALUES ($1, $2)")
            .bind(&event.event_id)
            .bind(&event.aggregate_id)
            .execute(&mut *transaction)
            .await?;
        Ok(())
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(0.0)
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let events: usize = env_or("BENCH_EVENTS", 20_000);
    let admin_url = std::env::var("LAISSEZ_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    let amqp_url = std::env::var("LAISSEZ_TEST_AMQP_URL")
        .unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".to_owned());
    let suffix = uuid::Uuid::new_v4().simple().to_string();
    let defaults = EventBusConfig::default();
    let config = EventBusConfig {
        url: amqp_url.clone(),
        exchange: format!("bench.{suffix}"),
        consumer_concurrency: env_or("BENCH_CONCURRENCY", defaults.consumer_concurrency),
        prefetch: env_or("BENCH_PREFETCH", defaults.prefetch),
        consumer_batch_size: env_or("BENCH_CONSUMER_BATCH", defaults.consumer_batch_size),
        relay_batch_size: env_or("BENCH_BATCH", defaults.relay_batch_size),
        ..defaults
    };
    println!(
        "bench_backbone: {events} events, relay batch {}, prefetch {}, consumer concurrency {}, consumer batch {}",
        config.relay_batch_size,
        config.prefetch,
        config.consumer_concurrency,
        config.consumer_batch_size
    );

    let database_name = format!("laissez_eventbus_bench_{suffix}");
    let admin = PgPoolOptions::new()
        .max_connections(1)
        .connect(&admin_url)
        .await?;
    sqlx::query(AssertSqlSafe(format!(
        "CREATE DATABASE \"{database_name}\""
    )))
    .execute(&admin)
    .await?;
    let database_url = format!(
        "{}/{database_name}",
        &admin_url[..admin_url.rfind('/').unwrap_or(admin_url.len())]
    );
    let pool = PgPoolOptions::new()
        .max_connections(16)
        .test_before_acquire(env_or("BENCH_TEST_BEFORE_ACQUIRE", true))
        .connect(&database_url)
        .await?;

    let outcome = run(&pool, &config, events).await;

    pool.close().await;
    sqlx::query(AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS \"{database_name}\" WITH (FORCE)"
    )))
    .execute(&admin)
    .await?;
    let connection = Connection::connect(&amqp_url, ConnectionProperties::default()).await?;
    let channel = connection.create_channel().await?;
    for consumer in ["backbone", "raw"] {
        delete_consumer(&channel, &config, consumer).await?;
    }
    delete_exchanges(&channel, &config).await?;
    connection.close(200, "bench done".into()).await?;

    let (backbone_rate, raw_rate) = outcome?;
    println!("median of {ROUNDS} rounds:");
    println!("outbox→inbox events/s:                {backbone_rate:>10.0}");
    println!("raw lapin confirm+consume events/s:   {raw_rate:>10.0}");
    println!(
        "ratio (outbox→inbox / raw):           {:>10.2}",
        backbone_rate / raw_rate
    );
    Ok(())
}

async fn run(
    pool: &PgPool,
    config: &EventBusConfig,
    events: usize,
) -> Result<(f64, f64), BoxError> {
    MIGRATOR.run(pool).await?;
    sqlx::query("CREATE TABLE applied (event_id text PRIMARY KEY, aggregate_id text NOT NULL)")
        .execute(pool)
        .await?;
    // Alternating rounds, median of each: the machine is shared, so a
    // single round mostly measures what else ran at that moment.
    let mut backbone_rates = Vec::new();
    let mut raw_rates = Vec::new();
    for round in 0..ROUNDS {
        sqlx::query("TRUNCATE outbox, inbox, applied")
            .execute(pool)
            .await?;
        let payloads = fill_outbox(pool, events).await?;
        let backbone_rate = backbone(pool, config, events).await?;
        let raw_rate = raw_lapin(config, &payloads).await?;
        println!("round {round}: outbox→inbox {backbone_rate:.0}/s, raw lapin {raw_rate:.0}/s");
        backbone_rates.push(backbone_rate);
        raw_rates.push(raw_rate);
    }
    Ok((median(backbone_rates), median(raw_rates)))
}

/// Commits `events` probes into the outbox (untimed), 100 per transaction,
/// over 100 aggregates; returns their encoded envelopes for the raw run.
async fn fill_outbox(pool: &PgPool, events: usize) -> Result<Vec<Vec<u8>>, BoxError> {
    let started = Instant::now();
    for first in (0..events).step_by(100) {
        let mut transaction = pool.begin().await?;
        for number in first..(first + 100).min(events) {
            let probe = ProbeEmitted {
                probe_id: format!("probe-{number}"),
                sequence: number as u64,
                padding: vec![0x5a; 256],
            };
            Outbox::enqueue(
                &mut transaction,
                "agency-bench",
                "probe",
                &format!("aggregate-{}", number % 100),
                &probe,
            )
            .await?;
        }
        transaction.commit().await?;
    }
    println!(
        "(untimed) outbox filled: {:.0} enqueues/s in transactions of 100",
        events as f64 / started.elapsed().as_secs_f64()
    );
    Ok(
        sqlx::query_scalar("SELECT payload FROM outbox ORDER BY position")
            .fetch_all(pool)
            .await?,
    )
}

async fn backbone(pool: &PgPool, config: &EventBusConfig, events: usize) -> Result<f64, BoxError> {
    let shutdown = CancellationToken::new();
    let consumer = Consumer::builder("backbone", ["platform.probe.emitted"])
        .handler(ApplyEffect)
        .spawn(pool.clone(), config.clone(), shutdown.clone())?;
    while !consumer.is_connected() {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let started = Instant::now();
    let relay = Relay::spawn(pool.clone(), config.clone(), shutdown.clone());
    let mut relay_done: Option<Duration> = None;
    loop {
        if relay_done.is_none() {
            let unpublished: i64 =
                sqlx::query_scalar("SELECT count(*) FROM outbox WHERE published_at IS NULL")
                    .fetch_one(pool)
                    .await?;
            if unpublished == 0 {
                relay_done = Some(started.elapsed());
            }
        }
        let applied: i64 = sqlx::query_scalar("SELECT count(*) FROM applied")
            .fetch_one(pool)
            .await?;
        if applied as usize >= events {
            break;
        }
        if started.elapsed() > Duration::from_secs(300) {
            return Err(format!("only {applied} of {events} effects after 300 s").into());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let elapsed = started.elapsed();
    if let Some(relay_done) = relay_done {
        println!(
            "(detail) relay had published all {events} after {:.2} s; effects all committed after {:.2} s",
            relay_done.as_secs_f64(),
            elapsed.as_secs_f64()
        );
    }
    shutdown.cancel();
    relay.join().await;
    consumer.join().await;
    Ok(events as f64 / elapsed.as_secs_f64())
}

async fn raw_lapin(config: &EventBusConfig, payloads: &[Vec<u8>]) -> Result<f64, BoxError> {
    let connection = Connection::connect(&config.url, ConnectionProperties::default()).await?;
    let setup = connection.create_channel().await?;
    let queues = declare_consumer(&setup, config, "raw", &["bench.raw".to_owned()]).await?;

    let consumer_channel = connection.create_channel().await?;
    consumer_channel
        .basic_qos(config.prefetch, BasicQosOptions::default())
        .await?;
    let mut deliveries = consumer_channel
        .basic_consume(
            queues.main.as_str().into(),
            "".into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await?;
    let consumed = Arc::new(AtomicUsize::new(0));
    let expected = payloads.len();
    let consuming = tokio::spawn({
        let consumed = Arc::clone(&consumed);
        async move {
            while let Some(Ok(delivery)) = deliveries.next().await {
                if delivery.ack(BasicAckOptions::default()).await.is_err() {
                    break;
                }
                if consumed.fetch_add(1, Ordering::SeqCst) + 1 >= expected {
                    break;
                }
            }
        }
    });

    let publisher = connection.create_channel().await?;
    publisher
        .confirm_select(ConfirmSelectOptions::default())
        .await?;
    let started = Instant::now();
    for batch in payloads.chunks(config.relay_batch_size as usize) {
        let mut confirms = Vec::with_capacity(batch.len());
        for payload in batch {
            confirms.push(
                publisher
                    .basic_publish(
                        config.exchange.as_str().into(),
                        "bench.raw".into(),
                        BasicPublishOptions::default(),
                        payload,
                        BasicProperties::default().with_delivery_mode(2),
                    )
                    .await?,
            );
        }
        for confirm in confirms {
            if !confirm.await?.is_ack() {
                return Err("raw publish nacked".into());
            }
        }
    }
    consuming.await?;
    let elapsed = started.elapsed();
    connection.close(200, "bench done".into()).await?;
    let _ = Envelope::decode(payloads.first().map(Vec::as_slice).unwrap_or_default());
    Ok(payloads.len() as f64 / elapsed.as_secs_f64())
}
