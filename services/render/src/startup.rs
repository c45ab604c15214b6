//! Builds the render service from its configuration and runs it until
//! SIGTERM: database and migrations, the outbox relay, the gRPC host.

use std::net::SocketAddr;

use laissez_eventbus::{Relay, TaskHandle};
use laissez_kit::db;
use laissez_kit::health::DependencyCheck;
use laissez_kit::server::{BoundHost, ServiceHost};
use tokio_util::sync::CancellationToken;

use crate::config::Config;

pub struct Application {
    host: BoundHost,
    relay: TaskHandle,
}

impl Application {
    pub async fn build(config: Config, shutdown: CancellationToken) -> anyhow::Result<Self> {
        let pool = db::connect(&config.common.database).await?;
        db::migrate(&pool, "eventbus", &laissez_eventbus::MIGRATOR).await?;
        let relay = Relay::spawn(pool.clone(), config.events.clone(), shutdown.clone());
        let broker = relay.status();
        let host = ServiceHost::new("render", &config.common)
            .depends_on(DependencyCheck::postgres(pool))
            .depends_on(DependencyCheck::flag("rabbitmq", move || {
                broker.is_connected()
            }))
            .with_shutdown(shutdown)
            .bind()
            .await?;
        Ok(Self { host, relay })
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
        Ok(())
    }
}
