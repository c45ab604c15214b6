//! Dependency checks behind readiness: gRPC health turns NOT_SERVING while a
//! dependency the service uses is unreachable, and back when it returns.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
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

/// Checks after which a dependency that was never reachable is reported as
/// a fault rather than as one still connecting (at one check a second,
/// about ten seconds).
const START_UP_CHECKS: u32 = 10;

/// The latest verdict of every check, read by `/readyz` and the health service.
#[derive(Clone, Default)]
pub struct Readiness {
    states: Arc<RwLock<BTreeMap<&'static str, bool>>>,
    draining: Arc<AtomicBool>,
    /// Rounds of checks so far, and the dependencies ever reachable.
    rounds: Arc<AtomicU32>,
    reached: Arc<RwLock<BTreeSet<&'static str>>>,
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
        let round = self.rounds.fetch_add(1, Ordering::Relaxed) + 1;
        let (Ok(mut states), Ok(mut reached)) = (self.states.write(), self.reached.write()) else {
            return;
        };
        for (name, up) in results {
            let before = states.insert(name, up);
            if up {
                reached.insert(name);
            }
            match (before, up) {
                (Some(before), _) if before == up => {
                    if !up && round == START_UP_CHECKS && !reached.contains(name) {
                        tracing::warn!(dependency = name, "dependency is still unreachable");
                    }
                }
                (_, true) => tracing::info!(dependency = name, "dependency is reachable"),
                // At start-up a link may still be connecting (the event
                // bus's): not reachable yet is no fault.
                (None, false) => tracing::info!(dependency = name, "waiting for dependency"),
                (Some(_), false) => tracing::warn!(dependency = name, "dependency is unreachable"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::sync::atomic::AtomicBool;

    use super::*;

    /// Log lines written while `body` runs (this thread only).
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// Log lines of this thread from now until the guard is dropped.
    fn capture() -> (Captured, tracing::subscriber::DefaultGuard) {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        (captured, tracing::subscriber::set_default(subscriber))
    }

    fn check(name: &'static str, up: Arc<AtomicBool>) -> DependencyCheck {
        DependencyCheck::flag(name, move || up.load(Ordering::SeqCst))
    }

    #[tokio::test]
    async fn a_link_still_connecting_at_start_is_no_warning_but_a_lost_one_is() {
        let (captured, _guard) = capture();
        let up = Arc::new(AtomicBool::new(false));
        let checks = [check("broker", up.clone())];
        let readiness = Readiness::default();
        let logged = || String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        let timeout = Duration::from_millis(100);

        // Connecting at start: information, not a warning; then reachable.
        readiness.refresh(&checks, timeout).await;
        readiness.refresh(&checks, timeout).await;
        up.store(true, Ordering::SeqCst);
        readiness.refresh(&checks, timeout).await;
        assert!(readiness.is_ready());
        assert!(!logged().contains("WARN"), "{}", logged());
        assert!(logged().contains("waiting for dependency"), "{}", logged());

        // Lost after it was reachable: a warning.
        up.store(false, Ordering::SeqCst);
        readiness.refresh(&checks, timeout).await;
        assert!(!readiness.is_ready());
        assert!(logged().contains("WARN"), "{}", logged());
    }

    #[tokio::test]
    async fn a_dependency_never_reached_after_start_up_is_a_warning() {
        let (captured, _guard) = capture();
        let checks = [check("broker", Arc::new(AtomicBool::new(false)))];
        let readiness = Readiness::default();
        for _ in 1..START_UP_CHECKS {
            readiness.refresh(&checks, Duration::from_millis(100)).await;
        }
        let logged = || String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        assert!(!logged().contains("WARN"), "{}", logged());
        readiness.refresh(&checks, Duration::from_millis(100)).await;
        assert!(logged().contains("still unreachable"), "{}", logged());
    }
}
