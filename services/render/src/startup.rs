//! Builds the render service from its configuration and runs it until
//! SIGTERM: database and migrations, fonts, seal keys, the outbox relay,
//! the consumer of the facts documents come from, the gRPC host.

use std::net::SocketAddr;
use std::sync::Arc;

use laissez_catalog::client::Catalogs;
use laissez_eventbus::{Consumer, Relay, TaskHandle};
use laissez_kit::auth::KeySet;
use laissez_kit::db;
use laissez_kit::health::DependencyCheck;
use laissez_kit::server::{BoundHost, ServiceHost};
use laissez_proto::render::v1::render_service_server::RenderServiceServer;
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;

use crate::config::Config;
use crate::engine::Engine;
use crate::events::{self, Documents};
use crate::grpc::Grpc;
use crate::produce::Renderer;
use crate::seal::KeyRing;

/// The schemas in this service's database, in the order they migrate.
pub fn schemas() -> Vec<db::Schema> {
    vec![
        db::Schema::new("eventbus", &laissez_eventbus::MIGRATOR),
        db::Schema::new("render", &crate::MIGRATOR),
    ]
}

pub struct Application {
    host: BoundHost,
    relay: TaskHandle,
    consumer: TaskHandle,
    pool: PgPool,
    renderer: Renderer,
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
        let engine = Arc::new(Engine::load(&config.render.fonts)?);
        let families = engine.families();
        tracing::info!(?families, "fonts loaded");
        let missing: Vec<&str> = laissez_catalog::format::FONT_FAMILIES
            .iter()
            .copied()
            .filter(|family| {
                !families
                    .iter()
                    .any(|loaded| loaded.eq_ignore_ascii_case(family))
            })
            .collect();
        if !missing.is_empty() {
            anyhow::bail!(
                "the fonts templates may name are not all installed (missing {}); `./deploy/dev.sh deps` installs fonts-noto-cjk and fonts-hanazono",
                missing.join(", ")
            );
        }
        let pool = db::connect(&config.common.database).await?;
        db::prepare(&pool, &config.common.database, &schemas()).await?;
        let renderer = Renderer {
            engine,
            keys: Arc::new(KeyRing::new(
                &config.seal.key_dir,
                config.seal.generate_missing,
            )),
            blobs: laissez_kit::blob::from_config(&config.common.blob)?,
        };
        // Every agency's keys read once now: a key that cannot be read
        // shows in the log at start, and each signing key's age is exported
        // (render_seal_signing_key_created_timestamp_seconds) from the start.
        let published = renderer.keys.public_keys();
        tracing::info!(keys = published.len(), "seal keys loaded");
        let catalogs =
            Catalogs::connect_lazy(&config.services.intake, config.services.intake_timeout_ms)?;
        let relay = Relay::spawn(pool.clone(), config.events.clone(), shutdown.clone());
        let consumer = Consumer::builder(events::CONSUMER, events::BINDINGS)
            .handler(Documents {
                catalogs: catalogs.clone(),
                renderer: renderer.clone(),
            })
            .spawn(pool.clone(), config.events.clone(), shutdown.clone())?;
        let (relay_link, consumer_link) = (relay.status(), consumer.status());
        let mut host = ServiceHost::new("render", &config.common)
            .depends_on(DependencyCheck::postgres(pool.clone()))
            .depends_on(DependencyCheck::flag("rabbitmq", move || {
                relay_link.is_connected() && consumer_link.is_connected()
            }))
            .public_methods(Grpc::public_methods())
            .with_shutdown(shutdown);
        if let Some(keys) = keys {
            host = host.with_keys(keys);
        }
        let mut host = host.bind().await?;
        let max_message_bytes = host.max_message_bytes();
        host.add_service(
            RenderServiceServer::new(Grpc::new(pool.clone(), renderer.clone(), catalogs))
                .max_decoding_message_size(max_message_bytes)
                .max_encoding_message_size(max_message_bytes),
        );
        Ok(Self {
            host,
            relay,
            consumer,
            pool,
            renderer,
        })
    }

    pub fn grpc_addr(&self) -> SocketAddr {
        self.host.grpc_addr()
    }

    pub fn admin_addr(&self) -> SocketAddr {
        self.host.admin_addr()
    }

    pub fn pool(&self) -> PgPool {
        self.pool.clone()
    }

    pub fn renderer(&self) -> Renderer {
        self.renderer.clone()
    }

    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        self.host.serve().await?;
        self.relay.join().await;
        self.consumer.join().await;
        Ok(())
    }
}
