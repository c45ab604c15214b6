//! One notify service per test against real PostgreSQL and RabbitMQ: its own
//! database, exchange, SMTP server (on loopback) and SMS simulator.

#![allow(dead_code)]

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use laissez_eventbus::EventBusConfig;
use laissez_eventbus::topology::{delete_consumer, delete_exchanges};
use laissez_kit::Role;
use laissez_kit::auth::testing::TestKeys;
use laissez_kit::db::TestDatabase;
use laissez_notify::config::{Config, SmsBackend};
use laissez_notify::events::CONSUMER_NAME;
use laissez_notify::startup::{Application, Overrides};
use laissez_notify::testing::TestSmtpServer;
use laissez_proto::common::v1::Language;
use laissez_proto::events::v1::{CaseParty, CaseSubmitted, Envelope, EventMessage};
use laissez_proto::notify::v1::notify_service_client::NotifyServiceClient;
use lapin::options::{BasicPublishOptions, ConfirmSelectOptions};
use lapin::{BasicProperties, Connection, ConnectionProperties};
use prost::Message;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tonic::Request;
use tonic::transport::Channel;

pub const AGENCY: &str = "mo-csm";
pub const AGENCY_SENDER: &str = "no-reply@mo-csm.example";

pub fn amqp_url() -> String {
    std::env::var("LAISSEZ_TEST_AMQP_URL")
        .unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".to_owned())
}

pub fn agencies_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../deploy/agencies")
}

/// Logs only when TEST_LOG is set, so parallel tests stay quiet.
fn init_logs() {
    if std::env::var_os("TEST_LOG").is_some() {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_test_writer()
            .try_init();
    }
}

/// What outlives one run of the service: database, broker names, SMTP server.
pub struct TestEnv {
    pub database: TestDatabase,
    pub smtp: TestSmtpServer,
    pub keys: TestKeys,
    pub config: Config,
}

/// One running service.
pub struct RunningApp {
    pub grpc: SocketAddr,
    pub admin: SocketAddr,
    pub sms_url: Option<String>,
    pub sms: Option<laissez_notify::channels::sms_simulator::SmsSimulator>,
    shutdown: CancellationToken,
    task: JoinHandle<anyhow::Result<()>>,
}

impl TestEnv {
    pub async fn new() -> Self {
        init_logs();
        let database = TestDatabase::create("laissez_notify_test")
            .await
            .expect("create the test database");
        let smtp = TestSmtpServer::start()
            .await
            .expect("start the SMTP server");
        let suffix = uuid::Uuid::new_v4().simple().to_string();
        let mut config = Config::default();
        config.common.grpc.listen = "127.0.0.1:0".parse().expect("addr");
        config.common.admin.listen = "127.0.0.1:0".parse().expect("addr");
        config.common.database.url = laissez_kit::config::ConnectionUrl::new(database.url.clone());
        config.common.database.max_connections = 6;
        config.common.shutdown.grace_seconds = 5;
        config.events = EventBusConfig {
            url: amqp_url(),
            exchange: format!("test.{suffix}"),
            retry_backoff_ms: vec![100, 200],
            relay_poll_interval_ms: 200,
            reconnect_max_backoff_ms: 500,
            ..EventBusConfig::default()
        };
        config.smtp.host = "127.0.0.1".into();
        config.smtp.port = smtp.port();
        config.smtp.timeout_ms = 2_000;
        config.sms.backend = SmsBackend::Simulator;
        config.sms.simulator_listen = "127.0.0.1:0".parse().expect("addr");
        config.sms.api_key = laissez_kit::config::Secret::new("test-sms-key");
        config.catalog.dir = agencies_dir();
        config.dispatch.poll_interval_ms = 100;
        config.dispatch.initial_backoff_ms = 100;
        config.dispatch.max_backoff_ms = 400;
        config.dispatch.max_attempts = 1_000;
        config.dispatch.lease_ms = 10_000;
        Self {
            database,
            smtp,
            keys: TestKeys::new(),
            config,
        }
    }

    pub async fn start(&self) -> RunningApp {
        let shutdown = CancellationToken::new();
        let overrides = Overrides {
            keys: Some(self.keys.keys.clone()),
        };
        let application = Application::build_with(self.config.clone(), shutdown.clone(), overrides)
            .await
            .expect("build the notify service");
        let grpc = application.grpc_addr();
        let admin = application.admin_addr();
        let sms = application.sms_simulator().cloned();
        let status = application.consumer_status();
        let task = tokio::spawn(application.run_until_stopped());
        assert!(
            eventually(Duration::from_secs(15), || async { status.is_connected() }).await,
            "the consumer never connected"
        );
        RunningApp {
            grpc,
            admin,
            sms_url: sms.as_ref().map(|simulator| simulator.send_url()),
            sms,
            shutdown,
            task,
        }
    }

    /// Publishes `event` as one envelope; returns it (to publish it again).
    pub async fn publish<E: EventMessage>(&self, aggregate_id: &str, event: &E) -> Envelope {
        let envelope = envelope(AGENCY, aggregate_id, event);
        self.publish_envelope(&envelope).await;
        envelope
    }

    /// Publishes `envelope` with a confirm. A broker that never answers
    /// (a lost confirm, a blocked connection) fails the test after a few
    /// bounded attempts instead of hanging the suite; publishing the same
    /// envelope again is safe, the consumer takes each event id once.
    pub async fn publish_envelope(&self, envelope: &Envelope) {
        for attempt in 1..=PUBLISH_ATTEMPTS {
            let publish = publish_once(&self.config.events.exchange, envelope);
            if tokio::time::timeout(BROKER_WAIT, publish).await.is_ok() {
                return;
            }
            eprintln!(
                "publishing {} got no confirm within {BROKER_WAIT:?} (attempt {attempt})",
                envelope.event_id
            );
        }
        panic!(
            "the broker never confirmed event {} in {PUBLISH_ATTEMPTS} attempts",
            envelope.event_id
        );
    }

    pub async fn count(&self, sql: &'static str) -> i64 {
        sqlx::query_scalar(sql)
            .fetch_one(&self.database.pool)
            .await
            .expect("count")
    }

    pub fn token(&self, account: &str, roles: &[Role]) -> String {
        self.keys.token(account, AGENCY, "consular-app", roles)
    }

    /// Removes the run's queues, exchanges and database; each step bounded
    /// in time, since what it removes is purged before the next suite anyway.
    pub async fn cleanup(self) {
        let events = self.config.events.clone();
        let topology = async move {
            let connection =
                Connection::connect(&amqp_url(), ConnectionProperties::default()).await?;
            let channel = connection.create_channel().await?;
            let _ = delete_consumer(&channel, &events, CONSUMER_NAME).await;
            let _ = delete_exchanges(&channel, &events).await;
            connection.close(200, "test done".into()).await
        };
        let _ = tokio::time::timeout(BROKER_WAIT, topology).await;
        let _ = tokio::time::timeout(BROKER_WAIT, self.database.drop_database()).await;
    }
}

impl RunningApp {
    pub async fn stop(self) {
        self.shutdown.cancel();
        let result = tokio::time::timeout(Duration::from_secs(15), self.task).await;
        assert!(
            matches!(result, Ok(Ok(Ok(())))),
            "the service did not stop cleanly: {result:?}"
        );
    }

    pub async fn client(&self) -> NotifyServiceClient<Channel> {
        NotifyServiceClient::connect(format!("http://{}", self.grpc))
            .await
            .expect("connect")
    }
}

/// How long one exchange with the broker may take before a test gives up on it.
const BROKER_WAIT: Duration = Duration::from_secs(20);
const PUBLISH_ATTEMPTS: u32 = 3;

async fn publish_once(exchange: &str, envelope: &Envelope) {
    let connection = Connection::connect(&amqp_url(), ConnectionProperties::default())
        .await
        .expect("connect to the broker");
    let channel = connection.create_channel().await.expect("channel");
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await
        .expect("confirms");
    let confirm = channel
        .basic_publish(
            exchange.into(),
            envelope.event_type.as_str().into(),
            BasicPublishOptions::default(),
            &envelope.encode_to_vec(),
            BasicProperties::default()
                .with_message_id(envelope.event_id.as_str().into())
                .with_delivery_mode(2),
        )
        .await
        .expect("publish");
    let confirmation = confirm.await.expect("confirm");
    assert!(confirmation.is_ack(), "the broker refused the event");
    let _ = connection.close(200, "published".into()).await;
}

pub fn envelope<E: EventMessage>(agency: &str, aggregate_id: &str, event: &E) -> Envelope {
    let now = chrono::Utc::now();
    Envelope {
        event_id: uuid::Uuid::now_v7().to_string(),
        event_type: E::EVENT_TYPE.to_owned(),
        agency: agency.to_owned(),
        occurred_at: Some(prost_types::Timestamp {
            seconds: now.timestamp(),
            nanos: i32::try_from(now.timestamp_subsec_nanos()).unwrap_or(0),
        }),
        aggregate_type: "case".to_owned(),
        aggregate_id: aggregate_id.to_owned(),
        aggregate_sequence: 1,
        traceparent: String::new(),
        tracestate: String::new(),
        payload: Some(prost_types::Any::from_msg(event).expect("pack the event")),
    }
}

pub fn with_token<T>(message: T, token: &str) -> Request<T> {
    let mut request = Request::new(message);
    request.metadata_mut().insert(
        "authorization",
        format!("Bearer {token}").parse().expect("header"),
    );
    request
}

/// A submitted case of `account`, told in `language` to `email`.
pub fn case_submitted(
    case_id: &str,
    account: &str,
    email: &str,
    language: Language,
) -> CaseSubmitted {
    CaseSubmitted {
        case_id: case_id.to_owned(),
        receipt_number: format!("CSM{case_id}"),
        group_number: String::new(),
        application_type: "passport_renewal".to_owned(),
        catalog_version: 1,
        submitted_at: None,
        party: Some(CaseParty {
            account_id: account.to_owned(),
            applicant_id: format!("applicant-{account}"),
            applicant_masked_name: "陳**".to_owned(),
            language: language as i32,
            email: email.to_owned(),
            mobile: "+85361234567".to_owned(),
        }),
        express: false,
        priority_reasons: Vec::new(),
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
