//! Render started in-process for tests and benchmarks (feature `testing`):
//! its own database, exchange, blob folder and seal key folder (keys made
//! on first use), and an intake of its own serving the demo agencies'
//! catalog versions.

use std::net::SocketAddr;
use std::path::PathBuf;

use laissez_eventbus::Outbox;
use laissez_intake::testing::TestIntake;
use laissez_kit::Role;
use laissez_kit::auth::testing::TestKeys;
use laissez_kit::config::ConnectionUrl;
use laissez_kit::db::TestDatabase;
use laissez_proto::events::v1::EventMessage;
use laissez_proto::render::v1::render_service_client::RenderServiceClient;
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;
use tonic::transport::Channel;
use uuid::Uuid;

use crate::config::Config;
use crate::events;
use crate::produce::Renderer;
use crate::startup::Application;

pub struct TestRender {
    pub grpc_addr: SocketAddr,
    pub pool: PgPool,
    pub keys: TestKeys,
    pub renderer: Renderer,
    pub database: TestDatabase,
    /// The intake it started for itself (none when given one).
    pub intake: Option<TestIntake>,
    /// Blobs and seal keys.
    pub files: tempfile::TempDir,
    events: laissez_eventbus::EventBusConfig,
    shutdown: CancellationToken,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl TestRender {
    /// Render with an intake of its own.
    pub async fn start(name: &str) -> anyhow::Result<Self> {
        let keys = TestKeys::new();
        let intake = TestIntake::start_with(&format!("rn{name}"), 4, keys.clone(), |_| {}).await?;
        let url = format!("http://{}", intake.grpc_addr);
        let mut render = Self::start_with(name, keys, &url, |_| {}).await?;
        render.intake = Some(intake);
        Ok(render)
    }

    /// Render reading catalogs from the intake at `intake_url`, verifying
    /// tokens signed by `keys`, with `tweak` applied to its configuration
    /// last (e.g. to share an event exchange).
    pub async fn start_with(
        name: &str,
        keys: TestKeys,
        intake_url: &str,
        tweak: impl FnOnce(&mut Config),
    ) -> anyhow::Result<Self> {
        let shutdown = CancellationToken::new();
        let files = tempfile::tempdir()?;
        let database = TestDatabase::create(&format!("laissez_render_{name}")).await?;
        let mut config = Config::default();
        config.common.grpc.listen = SocketAddr::from(([127, 0, 0, 1], 0));
        config.common.admin.listen = SocketAddr::from(([127, 0, 0, 1], 0));
        config.common.database.url = ConnectionUrl::new(database.url.clone());
        config.common.database.max_connections = 10;
        config.common.shutdown.grace_seconds = 2;
        config.common.blob.root = files.path().join("blobs");
        config.events.exchange = format!("test.render.{}", Uuid::new_v4().simple());
        config.services.intake = intake_url.to_owned();
        config.seal.key_dir = files.path().join("seal-keys");
        config.seal.generate_missing = true;
        tweak(&mut config);
        let events = config.events.clone();
        let application =
            Application::build_with_keys(config, shutdown.clone(), Some(keys.keys.clone())).await?;
        let grpc_addr = application.grpc_addr();
        let pool = application.pool();
        let renderer = application.renderer();
        let task = tokio::spawn(application.run_until_stopped());
        Ok(Self {
            grpc_addr,
            pool,
            keys,
            renderer,
            database,
            intake: None,
            files,
            events,
            shutdown,
            task,
        })
    }

    pub fn key_dir(&self) -> PathBuf {
        self.files.path().join("seal-keys")
    }

    pub async fn client(&self) -> RenderServiceClient<Channel> {
        RenderServiceClient::connect(format!("http://{}", self.grpc_addr))
            .await
            .expect("render answers")
    }

    /// The public verifier's answer for a seal's text (no token).
    pub async fn verify_seal(&self, text: &str) -> laissez_proto::render::v1::VerifySealResponse {
        self.client()
            .await
            .verify_seal(laissez_proto::render::v1::VerifySealRequest {
                seal: text.to_owned(),
            })
            .await
            .expect("the verifier answers")
            .into_inner()
    }

    /// A request carrying a token for `account` of `agency` with `role`.
    pub fn request<T>(
        &self,
        message: T,
        account: &str,
        agency: &str,
        role: Role,
    ) -> tonic::Request<T> {
        self.keys.request(message, account, agency, role)
    }

    /// Publishes `event` of `agency` on the service's exchange (through its
    /// outbox and relay, as another service would), for its consumer.
    pub async fn publish<E: EventMessage>(
        &self,
        agency: &str,
        aggregate_id: &str,
        event: &E,
    ) -> Uuid {
        let mut transaction = self.pool.begin().await.expect("a transaction");
        let id = Outbox::enqueue(&mut transaction, agency, "test", aggregate_id, event)
            .await
            .expect("the event is queued");
        transaction.commit().await.expect("commit");
        id
    }

    /// Documents stored for `case_id`, waiting up to `seconds` for `count`.
    pub async fn wait_for_documents(&self, case_id: &str, count: i64, seconds: u64) -> i64 {
        let case_id = Uuid::parse_str(case_id).expect("a case id");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(seconds);
        loop {
            let found: i64 =
                sqlx::query_scalar("SELECT count(*) FROM documents WHERE case_id = $1")
                    .bind(case_id)
                    .fetch_one(&self.pool)
                    .await
                    .expect("documents are counted");
            if found >= count || std::time::Instant::now() > deadline {
                return found;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    pub async fn stop(self) {
        self.shutdown.cancel();
        let _ = self.task.await;
        self.database.drop_database().await;
        if let Some(intake) = self.intake {
            let _ = intake.stop().await;
        }
        let _ = laissez_eventbus::topology::remove(&self.events, &[events::CONSUMER]).await;
    }
}
