//! Builds the gateway and runs it until SIGTERM: the HTTP listener, the
//! admin port, and readiness that follows Redis.

use std::net::SocketAddr;
use std::time::Duration;

use laissez_kit::health::{DependencyCheck, Readiness};
use laissez_kit::redis_store;
use laissez_kit::server::{serve_admin, spawn_health_monitor};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::config::Config;

pub struct Application {
    http: TcpListener,
    admin: TcpListener,
    checks: Vec<DependencyCheck>,
    config: Config,
    shutdown: CancellationToken,
}

impl Application {
    pub async fn build(config: Config, shutdown: CancellationToken) -> anyhow::Result<Self> {
        let redis = redis_store::connect(&config.common.redis).await?;
        let http = TcpListener::bind(config.http.listen).await?;
        let admin = TcpListener::bind(config.common.admin.listen).await?;
        Ok(Self {
            http,
            admin,
            checks: vec![DependencyCheck::redis(redis)],
            config,
            shutdown,
        })
    }

    pub fn http_addr(&self) -> SocketAddr {
        self.http.local_addr().unwrap_or(self.config.http.listen)
    }

    pub fn admin_addr(&self) -> SocketAddr {
        self.admin
            .local_addr()
            .unwrap_or(self.config.common.admin.listen)
    }

    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let readiness = Readiness::default();
        let monitor = spawn_health_monitor(
            self.checks,
            readiness.clone(),
            None,
            Duration::from_secs(1),
            self.shutdown.clone(),
        );
        let admin = tokio::spawn(serve_admin(self.admin, readiness, self.shutdown.clone()));
        let app = crate::routes::router(self.config.http.max_body_bytes);
        let shutdown = self.shutdown.clone();
        tracing::info!(listen = %self.config.http.listen, "serving");
        axum::serve(self.http, app)
            .with_graceful_shutdown(async move { shutdown.cancelled().await })
            .await?;
        monitor.abort();
        let _ = admin.await;
        tracing::info!("stopped");
        Ok(())
    }
}
