//! Inbox consumers: each consumer owns a durable quorum queue, applies every
//! event in its own database transaction together with an inbox row, and
//! acknowledges only after the commit.

mod batch;
mod delivery;
mod session;

use std::sync::Arc;

use async_trait::async_trait;
use laissez_proto::events::v1::Envelope;
use sqlx::{PgConnection, PgPool};
use tokio_util::sync::CancellationToken;

use crate::broker::{LinkStatus, TaskHandle};
use crate::config::EventBusConfig;
use crate::error::{Error, HandlerError};

/// What a consumer does with an event.
///
/// `transaction` is the open transaction the crate commits after the handler
/// returns `Ok`, together with the inbox row that makes redeliveries no-ops.
/// Write the effect through it (`.execute(&mut *transaction)`) and nowhere
/// else, or a redelivery could apply it twice. Do not commit it.
#[async_trait]
pub trait Handler: Send + Sync + 'static {
    async fn handle(
        &self,
        event: &Envelope,
        transaction: &mut PgConnection,
    ) -> Result<(), HandlerError>;
}

/// Test-only hook run after the effect committed and before the ack.
#[cfg(feature = "testing")]
pub type AfterCommitHook =
    Arc<dyn Fn(&Envelope) -> futures::future::BoxFuture<'static, ()> + Send + Sync>;

/// Entry point: `Consumer::builder(name, bindings).handler(h).spawn(...)`.
#[derive(Debug)]
pub struct Consumer;

impl Consumer {
    /// `name` identifies the consumer (its queue is `<exchange>.<name>` and
    /// its inbox rows carry it); `binding_keys` are topic patterns such as
    /// `intake.case.submitted` or `payment.order.*`.
    pub fn builder<I, S>(name: impl Into<String>, binding_keys: I) -> ConsumerBuilder
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        ConsumerBuilder {
            name: name.into(),
            binding_keys: binding_keys.into_iter().map(Into::into).collect(),
            handler: None,
            #[cfg(feature = "testing")]
            after_commit: None,
        }
    }
}

/// Collects a consumer's name, bindings and handler.
pub struct ConsumerBuilder {
    name: String,
    binding_keys: Vec<String>,
    handler: Option<Arc<dyn Handler>>,
    #[cfg(feature = "testing")]
    after_commit: Option<AfterCommitHook>,
}

impl ConsumerBuilder {
    pub fn handler(mut self, handler: impl Handler) -> Self {
        self.handler = Some(Arc::new(handler));
        self
    }

    /// Runs `hook` after an effect committed and before its ack, e.g. to
    /// simulate a crash in that window.
    #[cfg(feature = "testing")]
    pub fn after_commit(mut self, hook: AfterCommitHook) -> Self {
        self.after_commit = Some(hook);
        self
    }

    /// Starts consuming on the current tokio runtime until `shutdown` is
    /// cancelled. `pool` is the service's database, migrated with
    /// [`crate::MIGRATOR`]. Broker connection losses are retried forever.
    pub fn spawn(
        self,
        pool: PgPool,
        config: EventBusConfig,
        shutdown: CancellationToken,
    ) -> Result<TaskHandle, Error> {
        let handler = self.handler.ok_or_else(|| {
            Error::Configuration(format!("consumer {} has no handler", self.name))
        })?;
        if self.name.is_empty() || self.name.contains(char::is_whitespace) {
            return Err(Error::Configuration(format!(
                "consumer name {:?} must be non-empty without spaces",
                self.name
            )));
        }
        if self.binding_keys.is_empty() {
            return Err(Error::Configuration(format!(
                "consumer {} binds no routing key",
                self.name
            )));
        }
        let status = LinkStatus::default();
        let context = Arc::new(ConsumerContext {
            queues: crate::topology::ConsumerQueues::for_consumer(&config, &self.name),
            name: self.name,
            binding_keys: self.binding_keys,
            handler,
            pool,
            config,
            #[cfg(feature = "testing")]
            after_commit: self.after_commit,
        });
        let task = tokio::spawn(session::run(context, shutdown, status.clone()));
        Ok(TaskHandle::new(task, status))
    }
}

/// Everything a consumer's sessions and workers share.
pub(crate) struct ConsumerContext {
    pub(crate) name: String,
    pub(crate) binding_keys: Vec<String>,
    pub(crate) queues: crate::topology::ConsumerQueues,
    pub(crate) handler: Arc<dyn Handler>,
    pub(crate) pool: PgPool,
    pub(crate) config: EventBusConfig,
    #[cfg(feature = "testing")]
    pub(crate) after_commit: Option<AfterCommitHook>,
}
