//! Shared test setup: a fresh database per test, unique exchange and queue
//! names, and cleanup of both.

#![allow(dead_code)]

use std::future::Future;
use std::time::{Duration, Instant};

use laissez_eventbus::topology::{delete_consumer, delete_exchanges};
use laissez_eventbus::{EventBusConfig, MIGRATOR};
use sqlx::postgres::PgPoolOptions;
use sqlx::{AssertSqlSafe, Connection, PgConnection, PgPool};

pub fn admin_database_url() -> String {
    std::env::var("LAISSEZ_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

pub fn amqp_url() -> String {
    std::env::var("LAISSEZ_TEST_AMQP_URL")
        .unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".to_owned())
}

/// Logs only when TEST_LOG is set, so parallel tests stay quiet.
pub fn init_logs() {
    if std::env::var_os("TEST_LOG").is_some() {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_test_writer()
            .try_init();
    }
}

/// One test's database and broker names.
pub struct TestBed {
    pub pool: PgPool,
    pub config: EventBusConfig,
    database_name: String,
}

impl TestBed {
    pub async fn new() -> Self {
        init_logs();
        let suffix = uuid::Uuid::new_v4().simple().to_string();
        let database_name = format!("laissez_eventbus_test_{suffix}");
        let mut admin = PgConnection::connect(&admin_database_url())
            .await
            .expect("connect to the admin database");
        sqlx::query(AssertSqlSafe(format!(
            "CREATE DATABASE \"{database_name}\""
        )))
        .execute(&mut admin)
        .await
        .expect("create the test database");
        let _ = admin.close().await;

        let pool = PgPoolOptions::new()
            .max_connections(20)
            .connect(&database_url_for(&database_name))
            .await
            .expect("connect to the test database");
        MIGRATOR.run(&pool).await.expect("run eventbus migrations");
        sqlx::query(
            "CREATE TABLE applied (\
               position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, \
               consumer text NOT NULL, event_id uuid NOT NULL, \
               aggregate_id text NOT NULL, aggregate_sequence bigint NOT NULL, \
               probe_id text NOT NULL)",
        )
        .execute(&pool)
        .await
        .expect("create the effects table");

        let config = EventBusConfig {
            url: amqp_url(),
            exchange: format!("test.{suffix}"),
            retry_backoff_ms: vec![100, 200],
            relay_poll_interval_ms: 200,
            reconnect_max_backoff_ms: 500,
            ..EventBusConfig::default()
        };
        Self {
            pool,
            config,
            database_name,
        }
    }

    pub async fn applied_count(&self) -> i64 {
        sqlx::query_scalar("SELECT count(*) FROM applied")
            .fetch_one(&self.pool)
            .await
            .expect("count effects")
    }

    /// Deletes the consumers' queues and the exchanges, then the database;
    /// each step bounded in time, since the next suite purges leftovers.
    pub async fn cleanup(self, consumers: &[&str]) {
        let config = self.config.clone();
        let topology = async move {
            let connection =
                lapin::Connection::connect(&amqp_url(), lapin::ConnectionProperties::default())
                    .await?;
            let channel = connection.create_channel().await?;
            for consumer in consumers {
                let _ = delete_consumer(&channel, &config, consumer).await;
            }
            let _ = delete_exchanges(&channel, &config).await;
            connection.close(200, "test done".into()).await
        };
        let _ = tokio::time::timeout(BROKER_WAIT, topology).await;
        self.pool.close().await;
        let database_name = self.database_name;
        let drop = async move {
            let mut admin = PgConnection::connect(&admin_database_url()).await?;
            sqlx::query(AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS \"{database_name}\" WITH (FORCE)"
            )))
            .execute(&mut admin)
            .await?;
            admin.close().await
        };
        let _ = tokio::time::timeout(BROKER_WAIT, drop).await;
    }
}

/// How long one clean-up step may take before a test leaves it to the next suite's purge.
const BROKER_WAIT: Duration = Duration::from_secs(20);

fn database_url_for(database_name: &str) -> String {
    let admin = admin_database_url();
    match admin.rfind('/') {
        Some(slash) => format!("{}/{database_name}", &admin[..slash]),
        None => admin,
    }
}

/// Polls `condition` until it holds or `timeout` passes; returns whether it held.
pub async fn eventually<F, Fut>(timeout: Duration, mut condition: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if condition().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    condition().await
}

/// Messages ready in `queue` (passive declare).
pub async fn queue_depth(queue: &str) -> u32 {
    tokio::time::timeout(BROKER_WAIT, queue_depth_now(queue))
        .await
        .expect("the broker answered a passive declare in time")
}

async fn queue_depth_now(queue: &str) -> u32 {
    let connection =
        lapin::Connection::connect(&amqp_url(), lapin::ConnectionProperties::default())
            .await
            .expect("connect to the broker");
    let channel = connection.create_channel().await.expect("open a channel");
    let depth = channel
        .queue_declare(
            queue.into(),
            lapin::options::QueueDeclareOptions {
                passive: true,
                ..Default::default()
            },
            lapin::types::FieldTable::default(),
        )
        .await
        .map(|queue| queue.message_count())
        .unwrap_or(0);
    let _ = connection.close(200, "done".into()).await;
    depth
}

/// Records every applied probe in the `applied` table, in the handler's
/// transaction.
pub struct RecordProbe {
    pub consumer: String,
}

#[async_trait::async_trait]
impl laissez_eventbus::Handler for RecordProbe {
    async fn handle(
        &self,
        event: &laissez_proto::events::v1::Envelope,
        transaction: &mut PgConnection,
    ) -> Result<(), laissez_eventbus::HandlerError> {
        use laissez_eventbus::EnvelopeExt;
        let probe: laissez_proto::events::v1::ProbeEmitted = event.decode()?;
        record_probe(&self.consumer, event, &probe, transaction).await
    }
}

pub async fn record_probe(
    consumer: &str,
    event: &laissez_proto::events::v1::Envelope,
    probe: &laissez_proto::events::v1::ProbeEmitted,
    transaction: &mut PgConnection,
) -> Result<(), laissez_eventbus::HandlerError> {
    use laissez_eventbus::EnvelopeExt;
    sqlx::query(
        "INSERT INTO applied (consumer, event_id, aggregate_id, aggregate_sequence, probe_id) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(consumer)
    .bind(event.event_uuid())
    .bind(&event.aggregate_id)
    .bind(i64::try_from(event.aggregate_sequence).unwrap_or(-1))
    .bind(&probe.probe_id)
    .execute(&mut *transaction)
    .await?;
    Ok(())
}

pub fn probe(probe_id: &str, sequence: u64) -> laissez_proto::events::v1::ProbeEmitted {
    laissez_proto::events::v1::ProbeEmitted {
        probe_id: probe_id.to_owned(),
        sequence,
        padding: Vec::new(),
    }
}

/// Enqueues one probe event in its own transaction.
pub async fn enqueue_probe(
    pool: &PgPool,
    aggregate_id: &str,
    probe: &laissez_proto::events::v1::ProbeEmitted,
) {
    let mut transaction = pool.begin().await.expect("begin");
    laissez_eventbus::Outbox::enqueue(
        &mut transaction,
        "agency-test",
        "probe",
        aggregate_id,
        probe,
    )
    .await
    .expect("enqueue");
    transaction.commit().await.expect("commit");
}

/// Every aggregate's events were applied in sequence order.
pub async fn assert_aggregates_applied_in_order(bed: &TestBed) {
    let rows: Vec<(String, i64)> =
        sqlx::query_as("SELECT aggregate_id, aggregate_sequence FROM applied ORDER BY position")
            .fetch_all(&bed.pool)
            .await
            .expect("read effects");
    let mut last = std::collections::HashMap::<String, i64>::new();
    for (aggregate_id, sequence) in rows {
        let previous = last.insert(aggregate_id.clone(), sequence).unwrap_or(0);
        assert_eq!(
            sequence,
            previous + 1,
            "{aggregate_id}: sequence {sequence} applied after {previous}"
        );
    }
}
