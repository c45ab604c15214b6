//! Builds the gateway and runs it until SIGTERM: the HTTP listener, the
//! admin port, and readiness that follows Redis and every service the
//! gateway calls.

use std::net::SocketAddr;
use std::time::Duration;

use laissez_kit::health::{DependencyCheck, Readiness};
use laissez_kit::redis_store;
use laissez_kit::server::{serve_admin, spawn_health_monitor};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::config::Config;
use crate::core::Core;
use crate::core::edge::Edge;

pub struct Application {
    http: TcpListener,
    admin: TcpListener,
    checks: Vec<DependencyCheck>,
    app: axum::Router,
    core: Core,
    config: Config,
    shutdown: CancellationToken,
}

impl Application {
    pub async fn build(config: Config, shutdown: CancellationToken) -> anyhow::Result<Self> {
        config.validate()?;
        if config.gateway.session.csrf_secret.is_empty() {
            tracing::warn!(
                "no gateway.session.csrf_secret: CSRF tokens use a key of this process only"
            );
        }
        let redis = redis_store::connect(&config.common.redis).await?;
        let core = Core::new(&config, redis.clone())?;
        let edge = Edge {
            rate_limiter: core.rate_limiter.clone(),
            trusted_proxies: config.http.trusted_proxies.clone(),
        };
        // A text missing from `locales/` stops the start, not a page.
        crate::portal::load_texts();
        let app = crate::http::router(core.clone(), edge)?;
        let mut checks = vec![DependencyCheck::redis(redis)];
        checks.extend(core.upstreams.health_checks());
        let http = TcpListener::bind(config.http.listen).await?;
        let admin = TcpListener::bind(config.common.admin.listen).await?;
        Ok(Self {
            http,
            admin,
            checks,
            app,
            core,
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

    /// The shared core, for a portal (or a test) running in the same process.
    pub fn core(&self) -> Core {
        self.core.clone()
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
        let shutdown = self.shutdown.clone();
        tracing::info!(listen = %self.config.http.listen, "serving");
        let grace = Duration::from_secs(self.config.common.shutdown.grace_seconds);
        let server = axum::serve(
            self.http,
            self.app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move { shutdown.cancelled().await });
        let stopped = self.shutdown.clone();
        tokio::select! {
            result = server => result?,
            () = async { stopped.cancelled().await; tokio::time::sleep(grace).await } => {
                tracing::warn!(?grace, "grace period over; stopping with requests still in flight");
            }
        }
        monitor.abort();
        let _ = admin.await;
        tracing::info!("stopped");
        Ok(())
    }
}
