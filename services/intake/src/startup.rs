//! Builds the intake service from its configuration and runs it until
//! SIGTERM: database and migrations, the agency catalogs, the outbox relay,
//! the gRPC host.

use std::net::SocketAddr;

use laissez_eventbus::{Relay, TaskHandle};
use laissez_kit::auth::KeySet;
use laissez_kit::config::Environment;
use laissez_kit::db;
use laissez_kit::health::DependencyCheck;
use laissez_kit::server::{BoundHost, ServiceHost};
use tokio_util::sync::CancellationToken;

use laissez_proto::intake::v1::appointment_service_server::AppointmentServiceServer;
use laissez_proto::intake::v1::catalog_admin_service_server::CatalogAdminServiceServer;
use laissez_proto::intake::v1::intake_service_server::IntakeServiceServer;

use crate::appointments::Appointments;
use crate::catalog::{self, CatalogAdmin};
use crate::config::Config;
use crate::events::decisions::{self, ReviewDecisions};
use crate::events::payments::{self, PaymentOrders};
use crate::grpc::Intake;
use crate::store::CatalogCache;

/// The schemas in this service's database, in the order they migrate.
pub fn schemas() -> Vec<db::Schema> {
    vec![
        db::Schema::new("eventbus", &laissez_eventbus::MIGRATOR),
        db::Schema::new("catalog", &laissez_catalog::store::MIGRATOR),
        db::Schema::new("intake", &crate::MIGRATOR),
    ]
}

pub struct Application {
    host: BoundHost,
    relay: TaskHandle,
    decisions: TaskHandle,
    payments: TaskHandle,
    jobs: tokio::task::JoinHandle<()>,
    appointment_jobs: tokio::task::JoinHandle<()>,
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
        if config.catalog.publish_on_start {
            catalog::publish_changed_agencies(&pool, &config.catalog.dir).await?;
        }
        if let Some(dir) = &config.demo.dir {
            anyhow::ensure!(
                config.common.environment != Environment::Production,
                "demo.dir is a development setting and is refused when environment is production"
            );
            let catalogs = CatalogCache::default();
            for (path, demo) in laissez_catalog::demo::load_dir(dir)? {
                let loaded = crate::grpc::load_demo_permit_records(&pool, &catalogs, &demo)
                    .await
                    .map_err(|error| anyhow::anyhow!("{}: {error}", path.display()))?;
                tracing::info!(agency = %demo.agency, permit_records = loaded, "demo records loaded");
            }
        }
        let relay = Relay::spawn(pool.clone(), config.events.clone(), shutdown.clone());
        let catalogs = CatalogCache::default();
        let decisions =
            laissez_eventbus::Consumer::builder(decisions::CONSUMER, decisions::BINDINGS)
                .handler(ReviewDecisions {
                    catalogs: catalogs.clone(),
                    pool: pool.clone(),
                })
                .spawn(pool.clone(), config.events.clone(), shutdown.clone())?;
        let payments = laissez_eventbus::Consumer::builder(payments::CONSUMER, payments::BINDINGS)
            .handler(PaymentOrders {
                catalogs: catalogs.clone(),
                pool: pool.clone(),
            })
            .spawn(pool.clone(), config.events.clone(), shutdown.clone())?;
        let jobs = crate::service::jobs::spawn(
            pool.clone(),
            std::time::Duration::from_secs(config.jobs.interval_seconds.max(1)),
            config.jobs.batch.max(1),
            shutdown.clone(),
        );
        let appointments = Appointments::new(pool.clone(), catalogs.clone());
        let appointment_jobs = crate::appointments::jobs::spawn(
            appointments.clone(),
            std::time::Duration::from_secs(config.jobs.interval_seconds.max(1)),
            config.jobs.batch.max(1),
            shutdown.clone(),
        );
        let blobs = laissez_kit::blob::from_config(&config.common.blob)?;
        let broker = relay.status();
        let mut host = ServiceHost::new("intake", &config.common)
            .depends_on(DependencyCheck::postgres(pool.clone()))
            .depends_on(DependencyCheck::flag("rabbitmq", move || {
                broker.is_connected()
            }))
            .public_methods(CatalogAdmin::public_methods())
            .with_shutdown(shutdown);
        if let Some(keys) = keys {
            host = host.with_keys(keys);
        }
        let mut host = host.bind().await?;
        let max_message_bytes = host.max_message_bytes();
        host.add_service(
            CatalogAdminServiceServer::new(CatalogAdmin::new(pool.clone()))
                .max_decoding_message_size(max_message_bytes)
                .max_encoding_message_size(max_message_bytes),
        );
        host.add_service(
            AppointmentServiceServer::new(appointments)
                .max_decoding_message_size(max_message_bytes)
                .max_encoding_message_size(max_message_bytes),
        );
        host.add_service(
            IntakeServiceServer::new(Intake::new(pool, catalogs, blobs, config.uploads))
                .max_decoding_message_size(max_message_bytes)
                .max_encoding_message_size(max_message_bytes),
        );
        Ok(Self {
            host,
            relay,
            decisions,
            payments,
            jobs,
            appointment_jobs,
        })
    }

    pub fn grpc_addr(&self) -> SocketAddr {
        self.host.grpc_addr()
    }

    pub fn admin_addr(&self) -> SocketAddr {
        self.host.admin_addr()
    }

    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        self.host.serve().await?;
        self.relay.join().await;
        self.decisions.join().await;
        self.payments.join().await;
        let _ = self.jobs.await;
        let _ = self.appointment_jobs.await;
        Ok(())
    }
}
