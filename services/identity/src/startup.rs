//! Builds the identity service from its configuration and runs it until
//! SIGTERM: catalogs, database and migrations, Redis, signing keys, the
//! outbox relay, the gRPC host.

use std::net::SocketAddr;
use std::time::Duration;

use laissez_eventbus::{Relay, TaskHandle};
use laissez_kit::auth::KeySet;
use laissez_kit::db;
use laissez_kit::health::DependencyCheck;
use laissez_kit::redis_store;
use laissez_kit::server::{BoundHost, ServiceHost};
use laissez_proto::identity::v1::identity_service_server::IdentityServiceServer;
use tokio_util::sync::CancellationToken;

use crate::config::Config;
use crate::domain::policy::AgencyDirectory;
use crate::grpc::{IdentityApi, PUBLIC_METHODS};
use crate::passwords::PasswordHasher;
use crate::service::{Identity, bootstrap_operator};
use crate::tokens::KeyRing;

/// The schemas in this service's database, in the order they migrate.
pub fn schemas() -> Vec<db::Schema> {
    vec![
        db::Schema::new("eventbus", &laissez_eventbus::MIGRATOR),
        db::Schema::new("identity", &crate::store::MIGRATOR),
    ]
}

pub struct Application {
    host: BoundHost,
    relay: TaskHandle,
    identity: Identity,
    key_refresh: tokio::task::JoinHandle<()>,
}

impl Application {
    /// Loads the agency catalogs from `catalog.dir`.
    pub async fn build(config: Config, shutdown: CancellationToken) -> anyhow::Result<Self> {
        let directory = crate::catalog_policies::load_directory(&config.catalog.dir)?;
        Self::build_with_directory(config, directory, shutdown).await
    }

    /// With agency policies given in code (tests).
    pub async fn build_with_directory(
        config: Config,
        directory: AgencyDirectory,
        shutdown: CancellationToken,
    ) -> anyhow::Result<Self> {
        config.validate()?;
        let settings = &config.identity;
        if settings.dev_captcha_answer.is_some() {
            tracing::warn!("development captcha: every captcha has the configured fixed answer");
        }
        let pool = db::connect(&config.common.database).await?;
        db::prepare(&pool, &config.common.database, &schemas()).await?;
        let redis = redis_store::connect(&config.common.redis).await?;
        let hasher = PasswordHasher::new(settings.argon2)?;
        let keys = KeyRing::load(
            pool.clone(),
            KeySet::new(),
            settings.signing_key_rotation_hours,
            settings.internal_token_seconds,
        )
        .await?;
        let key_refresh = keys.spawn_refresh(Duration::from_secs(30), shutdown.clone());
        let identity = Identity::new(
            pool.clone(),
            directory,
            settings.clone(),
            hasher,
            redis.clone(),
            keys.clone(),
        );
        if let Some(operator) = &settings.bootstrap_operator {
            bootstrap_operator(&identity, operator)
                .await
                .map_err(|error| anyhow::anyhow!("bootstrap operator: {error}"))?;
        }

        if let Some(dir) = &config.demo.dir {
            load_demo(&identity, dir).await?;
        }

        let relay = Relay::spawn(pool.clone(), config.events.clone(), shutdown.clone());
        let broker = relay.status();
        let mut host = ServiceHost::new("identity", &config.common)
            .depends_on(DependencyCheck::postgres(pool))
            .depends_on(DependencyCheck::redis(redis))
            .depends_on(DependencyCheck::flag("rabbitmq", move || {
                broker.is_connected()
            }))
            .public_methods(PUBLIC_METHODS)
            .with_keys(keys.key_set())
            .with_shutdown(shutdown)
            .bind()
            .await?;
        let max = host.max_message_bytes();
        host.add_service(
            IdentityServiceServer::new(IdentityApi::new(identity.clone()))
                .max_decoding_message_size(max)
                .max_encoding_message_size(max),
        );
        Ok(Self {
            host,
            relay,
            identity,
            key_refresh,
        })
    }

    pub fn grpc_addr(&self) -> SocketAddr {
        self.host.grpc_addr()
    }

    pub fn admin_addr(&self) -> SocketAddr {
        self.host.admin_addr()
    }

    /// The use cases, for tests and tools running in the same process.
    pub fn identity(&self) -> Identity {
        self.identity.clone()
    }

    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        self.host.serve().await?;
        self.key_refresh.abort();
        self.relay.join().await;
        Ok(())
    }
}

/// Loads the demo people of every file in `dir` (development stacks only).
async fn load_demo(identity: &Identity, dir: &std::path::Path) -> anyhow::Result<()> {
    for (path, demo) in laissez_catalog::demo::load_dir(dir)? {
        let loaded = identity
            .load_demo(&demo)
            .await
            .map_err(|error| anyhow::anyhow!("{}: {error}", path.display()))?;
        tracing::info!(
            agency = %demo.agency,
            staff = loaded.staff,
            applicants = loaded.applicants,
            person_records = loaded.person_records,
            "demo people loaded"
        );
    }
    Ok(())
}
