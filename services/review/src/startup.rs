//! Builds the review service from its configuration and runs it until
//! SIGTERM: database and migrations, the agency catalogs, the outbox relay,
//! the consumer of intake's case events, the maintenance task, the gRPC host.

use std::net::SocketAddr;
use std::time::Duration;

use laissez_eventbus::{Consumer, Relay, TaskHandle};
use laissez_kit::auth::KeySet;
use laissez_kit::db;
use laissez_kit::health::DependencyCheck;
use laissez_kit::server::{BoundHost, ServiceHost};
use laissez_proto::intake::v1::intake_service_client::IntakeServiceClient;
use laissez_proto::review::v1::review_service_server::ReviewServiceServer;
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;
use tonic::transport::{Channel, Endpoint};

use crate::catalogs::Catalogs;
use crate::config::{Config, ServicesConfig};
use crate::events::intake::{self, IntakeCases};
use crate::grpc::Review;
use crate::settings::Settings;

/// A lazily connected client of intake: review starts (and serves queues)
/// while intake is down; only the case view needs it.
fn intake_client(services: &ServicesConfig) -> anyhow::Result<IntakeServiceClient<Channel>> {
    let endpoint = Endpoint::from_shared(services.intake.clone())
        .map_err(|error| anyhow::anyhow!("services.intake {:?}: {error}", services.intake))?
        .connect_timeout(Duration::from_secs(2))
        .timeout(Duration::from_millis(services.intake_timeout_ms.max(1)))
        .tcp_nodelay(true);
    Ok(IntakeServiceClient::new(endpoint.connect_lazy()))
}

/// The schemas in this service's database, in the order they migrate.
pub fn schemas() -> Vec<db::Schema> {
    vec![
        db::Schema::new("eventbus", &laissez_eventbus::MIGRATOR),
        db::Schema::new("review", &crate::MIGRATOR),
    ]
}

pub struct Application {
    host: BoundHost,
    relay: TaskHandle,
    consumer: TaskHandle,
    maintenance: tokio::task::JoinHandle<()>,
    pool: PgPool,
    settings: Settings,
}

impl Application {
    pub async fn build(config: Config, shutdown: CancellationToken) -> anyhow::Result<Self> {
        Self::build_with_keys(config, shutdown, None).await
    }

    /// As [`Application::build`], verifying caller tokens against `keys`
    /// instead of identity's published keys (tests).
    pub async fn build_with_keys(
        config: Config,
        shutdown: CancellationToken,
        keys: Option<KeySet>,
    ) -> anyhow::Result<Self> {
        let pool = db::connect(&config.common.database).await?;
        db::prepare(&pool, &config.common.database, &schemas()).await?;
        let settings = Settings::new(Catalogs::load(&config.catalog.dir), &config.queue);
        let relay = Relay::spawn(pool.clone(), config.events.clone(), shutdown.clone());
        let consumer = Consumer::builder(intake::CONSUMER, intake::BINDINGS)
            .handler(IntakeCases {
                settings: settings.clone(),
            })
            .spawn(pool.clone(), config.events.clone(), shutdown.clone())?;
        let maintenance = crate::maintenance::spawn(
            pool.clone(),
            settings.clone(),
            Duration::from_secs(config.queue.maintenance_interval_seconds.max(1)),
            shutdown.clone(),
        );
        // Ready only when both ends of the broker link are up: an intake
        // event published while the consumer is down is still queued, but a
        // review that cannot consume builds no queues.
        let (relay_link, consumer_link) = (relay.status(), consumer.status());
        let mut host = ServiceHost::new("review", &config.common)
            .depends_on(DependencyCheck::postgres(pool.clone()))
            .depends_on(DependencyCheck::flag("rabbitmq", move || {
                relay_link.is_connected() && consumer_link.is_connected()
            }))
            .with_shutdown(shutdown);
        if let Some(keys) = keys {
            host = host.with_keys(keys);
        }
        let mut host = host.bind().await?;
        let max_message_bytes = host.max_message_bytes();
        let intake = intake_client(&config.services)?;
        host.add_service(
            ReviewServiceServer::new(Review::new(pool.clone(), settings.clone(), intake))
                .max_decoding_message_size(max_message_bytes)
                .max_encoding_message_size(max_message_bytes),
        );
        Ok(Self {
            host,
            relay,
            consumer,
            maintenance,
            pool,
            settings,
        })
    }

    pub fn grpc_addr(&self) -> SocketAddr {
        self.host.grpc_addr()
    }

    pub fn admin_addr(&self) -> SocketAddr {
        self.host.admin_addr()
    }

    /// The service's database (tests and the benchmark seed through it).
    pub fn pool(&self) -> PgPool {
        self.pool.clone()
    }

    pub fn settings(&self) -> Settings {
        self.settings.clone()
    }

    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        self.host.serve().await?;
        self.relay.join().await;
        self.consumer.join().await;
        let _ = self.maintenance.await;
        Ok(())
    }
}
