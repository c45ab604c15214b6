//! Bootstrap of a gRPC service: health (grpc.health.v1) that follows the
//! dependencies, reflection, deadlines, RPC metrics, caller authentication,
//! an admin HTTP port (`/metrics`, `/healthz`, `/readyz`) and a graceful
//! shutdown that drains in-flight calls within the grace period.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::Duration;

use axum::response::IntoResponse;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tonic::server::NamedService;
use tonic::service::RoutesBuilder;
use tonic_health::ServingStatus;
use tower::ServiceBuilder;

use crate::auth::{AuthLayer, KeyFetcher, KeySet};
use crate::config::CommonConfig;
use crate::health::{DependencyCheck, Readiness};
use crate::metrics::RpcMetricsLayer;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("binding {what} on {addr}: {source}")]
    Bind {
        what: &'static str,
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("reflection: {0}")]
    Reflection(String),
    #[error("grpc server: {0}")]
    Transport(#[from] tonic::transport::Error),
}

/// How a service is hosted: what it depends on, which methods are public,
/// and how tokens are verified.
pub struct ServiceHost {
    name: &'static str,
    config: CommonConfig,
    checks: Vec<DependencyCheck>,
    public_methods: Vec<String>,
    keys: Option<KeySet>,
    check_interval: Duration,
    shutdown: CancellationToken,
}

impl ServiceHost {
    pub fn new(name: &'static str, config: &CommonConfig) -> Self {
        Self {
            name,
            config: config.clone(),
            checks: Vec::new(),
            public_methods: Vec::new(),
            keys: None,
            check_interval: Duration::from_secs(1),
            shutdown: CancellationToken::new(),
        }
    }

    /// A dependency whose loss turns the service NOT_SERVING.
    pub fn depends_on(mut self, check: DependencyCheck) -> Self {
        self.checks.push(check);
        self
    }

    /// Full gRPC paths callable without a caller token.
    pub fn public_methods<I, S>(mut self, methods: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.public_methods
            .extend(methods.into_iter().map(Into::into));
        self
    }

    /// Verify tokens against these keys instead of fetching identity's
    /// (identity itself, and tests).
    pub fn with_keys(mut self, keys: KeySet) -> Self {
        self.keys = Some(keys);
        self
    }

    pub fn with_check_interval(mut self, interval: Duration) -> Self {
        self.check_interval = interval;
        self
    }

    /// Cancelled on SIGTERM/SIGINT (or by a test); consumers stop on it too.
    pub fn with_shutdown(mut self, shutdown: CancellationToken) -> Self {
        self.shutdown = shutdown;
        self
    }

    pub fn shutdown_token(&self) -> CancellationToken {
        self.shutdown.clone()
    }

    /// Binds both ports (port 0 picks a free one) without serving yet.
    pub async fn bind(self) -> Result<BoundHost, Error> {
        let grpc = TcpListener::bind(self.config.grpc.listen)
            .await
            .map_err(|source| Error::Bind {
                what: "grpc",
                addr: self.config.grpc.listen,
                source,
            })?;
        let admin = TcpListener::bind(self.config.admin.listen)
            .await
            .map_err(|source| Error::Bind {
                what: "admin",
                addr: self.config.admin.listen,
                source,
            })?;
        Ok(BoundHost {
            host: self,
            grpc,
            admin,
            routes: RoutesBuilder::default(),
            names: Vec::new(),
        })
    }
}

/// A host with its ports bound, collecting the services it will serve.
pub struct BoundHost {
    host: ServiceHost,
    grpc: TcpListener,
    admin: TcpListener,
    routes: RoutesBuilder,
    names: Vec<&'static str>,
}

impl BoundHost {
    pub fn grpc_addr(&self) -> SocketAddr {
        self.grpc
            .local_addr()
            .unwrap_or(self.host.config.grpc.listen)
    }

    pub fn admin_addr(&self) -> SocketAddr {
        self.admin
            .local_addr()
            .unwrap_or(self.host.config.admin.listen)
    }

    pub fn shutdown_token(&self) -> CancellationToken {
        self.host.shutdown.clone()
    }

    /// Largest message a service should accept or send; apply it to the
    /// generated server with `max_decoding_message_size`.
    pub fn max_message_bytes(&self) -> usize {
        self.host.config.grpc.max_message_bytes
    }

    pub fn add_service<S>(&mut self, service: S) -> &mut Self
    where
        S: tower::Service<http::Request<tonic::body::Body>, Error = Infallible>
            + NamedService
            + Clone
            + Send
            + Sync
            + 'static,
        S::Response: IntoResponse,
        S::Future: Send + 'static,
    {
        self.names.push(S::NAME);
        self.routes.add_service(service);
        self
    }

    /// Serves until the shutdown token is cancelled, then drains.
    pub async fn serve(self) -> Result<(), Error> {
        let BoundHost {
            host,
            grpc,
            admin,
            mut routes,
            names,
        } = self;
        let readiness = Readiness::default();
        let (reporter, health_service) = tonic_health::server::health_reporter();
        let reflection = tonic_reflection::server::Builder::configure()
            .register_encoded_file_descriptor_set(laissez_proto::FILE_DESCRIPTOR_SET)
            .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
            .build_v1()
            .map_err(|error| Error::Reflection(error.to_string()))?;
        routes.add_service(health_service);
        routes.add_service(reflection);

        let keys = match host.keys.clone() {
            Some(keys) => (keys, None),
            None => {
                let keys = KeySet::new();
                let fetcher = KeyFetcher::new(host.config.auth.identity_url.clone(), keys.clone());
                (keys, Some(fetcher))
            }
        };
        let mut auth = AuthLayer::new(keys.0, host.public_methods.clone())
            .with_leeway(i64::try_from(host.config.auth.leeway_seconds).unwrap_or(5));
        if let Some(fetcher) = keys.1.clone() {
            crate::auth::spawn_key_refresh(
                fetcher.clone(),
                Duration::from_secs(60),
                host.shutdown.clone(),
            );
            auth = auth.with_fetcher(fetcher);
        }

        let shutdown = host.shutdown.clone();
        let monitor = spawn_health_monitor(
            host.checks.clone(),
            readiness.clone(),
            Some((reporter, names.clone())),
            host.check_interval,
            shutdown.clone(),
        );
        let admin_task = tokio::spawn(serve_admin(admin, readiness.clone(), shutdown.clone()));

        let service_name = host.name;
        let layers = ServiceBuilder::new()
            .layer(RpcMetricsLayer::new(service_name))
            .layer(auth)
            .into_inner();
        let grace = Duration::from_secs(host.config.shutdown.grace_seconds);
        let server = tonic::transport::Server::builder()
            .timeout(Duration::from_millis(host.config.grpc.default_deadline_ms))
            .trace_fn(move |request| {
                let span = tracing::info_span!(
                    "rpc",
                    otel.name = %request.uri().path(),
                    rpc.system = "grpc",
                    service = service_name,
                );
                crate::telemetry::set_parent_from_headers(&span, request.headers());
                span
            })
            .layer(layers)
            .add_routes(routes.routes())
            .serve_with_incoming_shutdown(
                tonic::transport::server::TcpIncoming::from(grpc).with_nodelay(Some(true)),
                {
                    let shutdown = shutdown.clone();
                    let readiness = readiness.clone();
                    async move {
                        shutdown.cancelled().await;
                        readiness.set_draining();
                        tracing::info!(
                            service = service_name,
                            "shutting down: draining in-flight calls"
                        );
                    }
                },
            );
        tracing::info!(service = service_name, "serving");
        let result = tokio::select! {
            result = server => result.map_err(Error::from),
            () = async { shutdown.cancelled().await; tokio::time::sleep(grace).await } => {
                tracing::warn!(service = service_name, ?grace, "grace period over; stopping with calls still in flight");
                Ok(())
            }
        };
        monitor.abort();
        let _ = admin_task.await;
        tracing::info!(service = service_name, "stopped");
        result
    }
}

/// Re-checks the dependencies every `interval`, keeps `readiness` current
/// and, for gRPC services, the grpc.health.v1 statuses of `names` too.
pub fn spawn_health_monitor(
    checks: Vec<DependencyCheck>,
    readiness: Readiness,
    grpc_health: Option<(tonic_health::server::HealthReporter, Vec<&'static str>)>,
    interval: Duration,
    shutdown: CancellationToken,
) -> tokio::task::JoinHandle<()> {
    async fn report(
        grpc_health: &Option<(tonic_health::server::HealthReporter, Vec<&'static str>)>,
        status: ServingStatus,
    ) {
        if let Some((reporter, names)) = grpc_health {
            reporter.set_service_status("", status).await;
            for name in names {
                reporter.set_service_status(*name, status).await;
            }
        }
    }
    tokio::spawn(async move {
        let mut last = None;
        loop {
            readiness
                .refresh(&checks, interval.max(Duration::from_millis(500)))
                .await;
            let status = if readiness.is_ready() && !shutdown.is_cancelled() {
                ServingStatus::Serving
            } else {
                ServingStatus::NotServing
            };
            if last != Some(status) {
                report(&grpc_health, status).await;
                last = Some(status);
            }
            tokio::select! {
                () = shutdown.cancelled() => {
                    readiness.set_draining();
                    report(&grpc_health, ServingStatus::NotServing).await;
                    return;
                }
                () = tokio::time::sleep(interval) => {}
            }
        }
    })
}

/// Serves the admin port until `shutdown`.
pub async fn serve_admin(listener: TcpListener, readiness: Readiness, shutdown: CancellationToken) {
    let app = crate::admin::router(readiness);
    let result = axum::serve(listener, app)
        .with_graceful_shutdown(async move { shutdown.cancelled().await })
        .await;
    if let Err(error) = result {
        tracing::error!(%error, "admin server failed");
    }
}
