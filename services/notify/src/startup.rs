//! Builds the notify service from its configuration and runs it until
//! SIGTERM: the agencies' catalogs, database and migrations, the outbox
//! relay, the event consumer, the dispatcher (email + SMS) and the gRPC host.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use laissez_eventbus::{LinkStatus, Relay, TaskHandle};
use laissez_kit::auth::KeySet;
use laissez_kit::db;
use laissez_kit::health::DependencyCheck;
use laissez_kit::server::{BoundHost, ServiceHost};
use laissez_proto::notify::v1::notify_service_server::NotifyServiceServer;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::catalogs::AgencyCatalogs;
use crate::channels::email::SmtpMailer;
use crate::channels::sms::{HttpSmsGateway, SmsGateway};
use crate::channels::sms_simulator::SmsSimulator;
use crate::config::{Config, SmsBackend};
use crate::events::{NotifyHandler, spawn_consumer};
use crate::grpc::NotifyApi;
use crate::service::dispatch::Dispatcher;
use crate::store;

/// What tests (and identity-less setups) replace.
#[derive(Default)]
pub struct Overrides {
    /// Verify caller tokens against these keys instead of fetching identity's.
    pub keys: Option<KeySet>,
}

/// The schemas in this service's database, in the order they migrate.
pub fn schemas() -> Vec<db::Schema> {
    vec![
        db::Schema::new("eventbus", &laissez_eventbus::MIGRATOR),
        db::Schema::new("notify", &store::MIGRATOR),
    ]
}

pub struct Application {
    host: BoundHost,
    relay: TaskHandle,
    consumer: TaskHandle,
    dispatcher: JoinHandle<()>,
    sms_simulator: Option<SmsSimulator>,
}

impl Application {
    pub async fn build(config: Config, shutdown: CancellationToken) -> anyhow::Result<Self> {
        Self::build_with(config, shutdown, Overrides::default()).await
    }

    pub async fn build_with(
        config: Config,
        shutdown: CancellationToken,
        overrides: Overrides,
    ) -> anyhow::Result<Self> {
        // A catalog with a broken template stops the start, not a send.
        let catalogs = AgencyCatalogs::load(&config.catalog.dir, &config.email)?;
        tracing::info!(agencies = ?catalogs.agencies().collect::<Vec<_>>(), "catalogs loaded");

        let pool = db::connect(&config.common.database).await?;
        db::prepare(&pool, &config.common.database, &schemas()).await?;

        let email = SmtpMailer::new(&config.smtp)?;
        let (sms, sms_simulator) = sms_gateway(&config, shutdown.clone()).await?;

        let relay = Relay::spawn(pool.clone(), config.events.clone(), shutdown.clone());
        let handler = NotifyHandler::new(Arc::new(catalogs), config.links.clone());
        let consumer = spawn_consumer(
            pool.clone(),
            config.events.clone(),
            handler,
            shutdown.clone(),
        )?;
        let dispatcher =
            Dispatcher::new(pool.clone(), config.dispatch.clone(), Arc::new(email), sms)
                .spawn(shutdown.clone());

        let links = [relay.status(), consumer.status()];
        let mut host = ServiceHost::new("notify", &config.common)
            .depends_on(DependencyCheck::postgres(pool.clone()))
            .depends_on(DependencyCheck::flag("rabbitmq", move || {
                links.iter().all(LinkStatus::is_connected)
            }))
            .with_shutdown(shutdown);
        if let Some(keys) = overrides.keys {
            host = host.with_keys(keys);
        }
        let mut host = host.bind().await?;
        let max_message_bytes = host.max_message_bytes();
        host.add_service(
            NotifyServiceServer::new(NotifyApi::new(pool))
                .max_decoding_message_size(max_message_bytes)
                .max_encoding_message_size(max_message_bytes),
        );
        Ok(Self {
            host,
            relay,
            consumer,
            dispatcher,
            sms_simulator,
        })
    }

    pub fn grpc_addr(&self) -> SocketAddr {
        self.host.grpc_addr()
    }

    pub fn admin_addr(&self) -> SocketAddr {
        self.host.admin_addr()
    }

    /// Whether the consumer is connected with its queue declared and bound.
    pub fn is_consuming(&self) -> bool {
        self.consumer.status().is_connected()
    }

    /// A handle to check the consumer's link while the application runs.
    pub fn consumer_status(&self) -> LinkStatus {
        self.consumer.status()
    }

    /// The built-in SMS gateway simulator, when `sms.backend` is `simulator`.
    pub fn sms_simulator(&self) -> Option<&SmsSimulator> {
        self.sms_simulator.as_ref()
    }

    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        self.host.serve().await?;
        self.consumer.join().await;
        if let Err(error) = self.dispatcher.await {
            tracing::warn!(%error, "dispatcher task ended abnormally");
        }
        self.relay.join().await;
        Ok(())
    }
}

async fn sms_gateway(
    config: &Config,
    shutdown: CancellationToken,
) -> anyhow::Result<(Arc<dyn SmsGateway>, Option<SmsSimulator>)> {
    let sms = &config.sms;
    let timeout = Duration::from_millis(sms.timeout_ms.max(1));
    match sms.backend {
        SmsBackend::Http => {
            let gateway =
                HttpSmsGateway::new(&sms.url, sms.api_key.clone(), &sms.sender_id, timeout)?;
            Ok((Arc::new(gateway), None))
        }
        SmsBackend::Simulator => {
            let simulator =
                SmsSimulator::start(sms.simulator_listen, sms.api_key.expose(), shutdown)
                    .await
                    .with_context(|| {
                        format!("starting the sms simulator on {}", sms.simulator_listen)
                    })?;
            let gateway = HttpSmsGateway::new(
                &simulator.send_url(),
                sms.api_key.clone(),
                &sms.sender_id,
                timeout,
            )?;
            Ok((Arc::new(gateway), Some(simulator)))
        }
    }
}
