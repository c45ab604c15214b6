//! Builds the payment service from its configuration and runs it until
//! SIGTERM: database and migrations, the outbox relay, the consumer of
//! intake's payment requests, the provider callback listener, the sweeper,
//! the gRPC host.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use laissez_eventbus::{Consumer, Relay, TaskHandle};
use laissez_kit::auth::KeySet;
use laissez_kit::db;
use laissez_kit::health::DependencyCheck;
use laissez_kit::server::{BoundHost, ServiceHost};
use laissez_proto::payment::v1::payment_service_server::PaymentServiceServer;
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;

use crate::config::Config;
use crate::connectors::Connectors;
use crate::events::{self, IntakeCases};
use crate::grpc::Grpc;
use crate::service::{Payments, Settings};
use laissez_catalog::client::Catalogs;

/// The schemas in this service's database, in the order they migrate.
pub fn schemas() -> Vec<db::Schema> {
    vec![
        db::Schema::new("eventbus", &laissez_eventbus::MIGRATOR),
        db::Schema::new("payment", &crate::MIGRATOR),
    ]
}

pub struct Application {
    host: BoundHost,
    relay: TaskHandle,
    consumer: TaskHandle,
    callbacks: tokio::task::JoinHandle<()>,
    callback_addr: SocketAddr,
    sweeper: tokio::task::JoinHandle<()>,
    payments: Payments,
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
        let listener = crate::callbacks::bind(config.providers.callback_listen).await?;
        let callback_addr = listener.local_addr()?;
        let mut providers = config.providers.clone();
        if providers.callback_base_url.is_empty() {
            providers.callback_base_url = format!("http://{callback_addr}");
        }
        let connectors = Connectors::from_config(&providers)?;
        let payments = Payments {
            pool: pool.clone(),
            connectors,
            settings: Arc::new(Settings::new(&config.payment, &config.providers)),
        };
        let catalogs =
            Catalogs::connect_lazy(&config.services.intake, config.services.intake_timeout_ms)?;
        let relay = Relay::spawn(pool.clone(), config.events.clone(), shutdown.clone());
        let consumer = Consumer::builder(events::CONSUMER, events::BINDINGS)
            .handler(IntakeCases {
                catalogs,
                payments: payments.clone(),
            })
            .spawn(pool.clone(), config.events.clone(), shutdown.clone())?;
        let callbacks = crate::callbacks::serve(listener, payments.clone(), shutdown.clone());
        let sweeper = crate::sweeper::spawn(
            payments.clone(),
            Duration::from_secs(config.payment.sweep_interval_seconds.max(1)),
            shutdown.clone(),
        );
        let (relay_link, consumer_link) = (relay.status(), consumer.status());
        let mut host = ServiceHost::new("payment", &config.common)
            .depends_on(DependencyCheck::postgres(pool))
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
            PaymentServiceServer::new(Grpc::new(payments.clone()))
                .max_decoding_message_size(max_message_bytes)
                .max_encoding_message_size(max_message_bytes),
        );
        Ok(Self {
            host,
            relay,
            consumer,
            callbacks,
            callback_addr,
            sweeper,
            payments,
        })
    }

    pub fn grpc_addr(&self) -> SocketAddr {
        self.host.grpc_addr()
    }

    pub fn admin_addr(&self) -> SocketAddr {
        self.host.admin_addr()
    }

    /// Where providers post their notices.
    pub fn callback_addr(&self) -> SocketAddr {
        self.callback_addr
    }

    pub fn pool(&self) -> PgPool {
        self.payments.pool.clone()
    }

    pub fn payments(&self) -> Payments {
        self.payments.clone()
    }

    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        self.host.serve().await?;
        self.relay.join().await;
        self.consumer.join().await;
        let _ = self.callbacks.await;
        let _ = self.sweeper.await;
        Ok(())
    }
}
