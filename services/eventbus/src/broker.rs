//! Broker connections: connect with a timeout, back off between attempts,
//! and report whether a component is currently connected (for readiness).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use lapin::{Connection, ConnectionProperties};
use tokio_util::sync::CancellationToken;

use crate::config::EventBusConfig;
use crate::error::Error;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const INITIAL_BACKOFF: Duration = Duration::from_millis(100);

/// Whether a relay or consumer currently holds a working broker connection.
/// Cheap to clone; readiness probes read it without touching the network.
#[derive(Clone, Debug, Default)]
pub struct LinkStatus(Arc<AtomicBool>);

impl LinkStatus {
    pub fn is_connected(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    pub(crate) fn set(&self, connected: bool) {
        self.0.store(connected, Ordering::Relaxed);
    }
}

/// Opens a connection, failing after a timeout rather than hanging on a
/// half-open network path.
pub(crate) async fn connect(config: &EventBusConfig, name: &str) -> Result<Connection, Error> {
    let properties = ConnectionProperties::default().with_connection_name(name.to_owned().into());
    match tokio::time::timeout(
        CONNECT_TIMEOUT,
        Connection::connect(&config.url, properties),
    )
    .await
    {
        Ok(result) => Ok(result?),
        Err(_) => Err(Error::BrokerTimeout(CONNECT_TIMEOUT)),
    }
}

/// Opens and closes a connection: the broker is reachable and accepts our
/// credentials. For readiness checks that want a live answer.
pub async fn check_broker(config: &EventBusConfig) -> Result<(), Error> {
    let connection = connect(config, "laissez-eventbus-health").await?;
    connection.close(200, "health check done".into()).await?;
    Ok(())
}

/// Exponential backoff between reconnect attempts, capped by the config.
pub(crate) struct Backoff {
    next: Duration,
    max: Duration,
}

impl Backoff {
    pub(crate) fn new(config: &EventBusConfig) -> Self {
        Self {
            next: INITIAL_BACKOFF,
            max: Duration::from_millis(config.reconnect_max_backoff_ms.max(100)),
        }
    }

    pub(crate) fn reset(&mut self) {
        self.next = INITIAL_BACKOFF;
    }

    /// Sleeps for the current delay (or until shutdown); returns false on
    /// shutdown.
    pub(crate) async fn wait(&mut self, shutdown: &CancellationToken) -> bool {
        let delay = self.next;
        self.next = (self.next * 2).min(self.max);
        tokio::select! {
            () = shutdown.cancelled() => false,
            () = tokio::time::sleep(delay) => true,
        }
    }
}

/// A running relay or consumer.
#[derive(Debug)]
pub struct TaskHandle {
    task: tokio::task::JoinHandle<()>,
    status: LinkStatus,
}

impl TaskHandle {
    pub(crate) fn new(task: tokio::task::JoinHandle<()>, status: LinkStatus) -> Self {
        Self { task, status }
    }

    /// Whether the task currently holds a broker connection.
    pub fn is_connected(&self) -> bool {
        self.status.is_connected()
    }

    /// A clone of the connection flag, for a readiness probe.
    pub fn status(&self) -> LinkStatus {
        self.status.clone()
    }

    /// Waits for the task to stop (after its shutdown token was cancelled).
    pub async fn join(self) {
        if let Err(error) = self.task.await {
            tracing::error!(%error, "event bus task failed");
        }
    }

    /// Stops the task at once, wherever it is (tests simulating a crash).
    pub fn abort(&self) {
        self.task.abort();
    }
}
