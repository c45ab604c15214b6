//! Dependency checks behind readiness: gRPC health turns NOT_SERVING while a
//! dependency the service uses is unreachable, and back when it returns.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use sqlx::PgPool;

type CheckFuture = Pin<Box<dyn Future<Output = bool> + Send>>;

/// One dependency and how to tell whether it answers.
#[derive(Clone)]
pub struct DependencyCheck {
    pub name: &'static str,
    probe: Arc<dyn Fn() -> CheckFuture + Send + Sync>,
}

impl DependencyCheck {
    pub fn new<F, Fut>(name: &'static str, probe: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = bool> + Send + 'static,
    {
        Self {
            name,
            probe: Arc::new(move || Box::pin(probe())),
        }
    }

    /// A state the process already knows, such as the event bus's broker
    /// links: healthy while `connected` says so.
    pub fn flag<F>(name: &'static str, connected: F) -> Self
    where
        F: Fn() -> bool + Send + Sync + 'static,
    {
        Self::new(name, move || std::future::ready(connected()))
    }

    /// `SELECT 1` on the pool.
    pub fn postgres(pool: PgPool) -> Self {
        Self::new("postgres", move || {
            let pool = pool.clone();
            async move { sqlx::query("SELECT 1").execute(&pool).await.is_ok() }
        })
    }

    /// `PING` through a connection manager (which reconnects by itself).
    pub fn redis(connection: redis::aio::ConnectionManager) -> Self {
        Self::new("redis", move || {
            let mut connection = connection.clone();
            async move {
                redis::cmd("PING")
                    .query_async::<String>(&mut connection)
                    .await
                    .is_ok()
            }
        })
    }

    async fn run(&self, timeout: Duration) -> bool {
        tokio::time::timeout(timeout, (self.probe)())
            .await
            .unwrap_or(false)
    }
}

/// The latest verdict of every check, read by `/readyz` and the health service.
#[derive(Clone, Default)]
pub struct Readiness {
    states: Arc<RwLock<BTreeMap<&'static str, bool>>>,
    draining: Arc<AtomicBool>,
}

impl Readiness {
    pub fn is_ready(&self) -> bool {
        !self.draining.load(Ordering::SeqCst)
            && self
                .states
                .read()
                .map(|states| states.values().all(|up| *up))
                .unwrap_or(false)
    }

    pub fn snapshot(&self) -> BTreeMap<&'static str, bool> {
        self.states
            .read()
            .map(|states| states.clone())
            .unwrap_or_default()
    }

    pub fn set_draining(&self) {
        self.draining.store(true, Ordering::SeqCst);
    }

    pub fn is_draining(&self) -> bool {
        self.draining.load(Ordering::SeqCst)
    }

    /// Runs every check once and records the results.
    pub async fn refresh(&self, checks: &[DependencyCheck], timeout: Duration) {
        let results = futures::future::join_all(
            checks
                .iter()
                .map(|check| async move { (check.name, check.run(timeout).await) }),
        )
        .await;
        for (name, up) in &results {
            metrics::gauge!("dependency_up", "dependency" => *name).set(if *up {
                1.0
            } else {
                0.0
            });
        }
        if let Ok(mut states) = self.states.write() {
            for (name, up) in results {
                if states.insert(name, up) != Some(up) {
                    if up {
                        tracing::info!(dependency = name, "dependency is reachable");
                    } else {
                        tracing::warn!(dependency = name, "dependency is unreachable");
                    }
                }
            }
        }
    }
}
