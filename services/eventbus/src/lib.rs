//! The Laissez event backbone, used by every service.
//!
//! - [`Outbox::enqueue`] writes an event in the caller's transaction;
//! - [`Relay::spawn`] publishes committed events with publisher confirms,
//!   woken by LISTEN/NOTIFY, reconnecting to the broker on its own;
//! - [`Consumer::builder`] runs a handler per event in a transaction that
//!   also records the event id (inbox), acking after commit; transient
//!   failures are retried with backoff, the rest goes to a dead-letter queue;
//! - [`MIGRATOR`] creates the `outbox` and `inbox` tables in the service's
//!   own database.
//!
//! ```no_run
//! use laissez_eventbus::{Consumer, EnvelopeExt, EventBusConfig, Handler, HandlerError, Outbox, Relay};
//! use laissez_proto::events::v1::{CaseSubmitted, Envelope};
//! use sqlx::PgConnection;
//! use tokio_util::sync::CancellationToken;
//!
//! struct OpenReview;
//!
//! #[async_trait::async_trait]
//! impl Handler for OpenReview {
//!     async fn handle(&self, event: &Envelope, transaction: &mut PgConnection) -> Result<(), HandlerError> {
//!         let submitted: CaseSubmitted = event.decode()?;
//!         sqlx::query("INSERT INTO review_queue (case_id, agency) VALUES ($1, $2)")
//!             .bind(&submitted.case_id)
//!             .bind(&event.agency)
//!             .execute(&mut *transaction)
//!             .await?;
//!         Ok(())
//!     }
//! }
//!
//! # async fn example(pool: sqlx::PgPool, submitted: CaseSubmitted) -> Result<(), laissez_eventbus::Error> {
//! laissez_eventbus::MIGRATOR.run(&pool).await.map_err(sqlx::Error::from)?;
//! let config = EventBusConfig::default();
//! let shutdown = CancellationToken::new();
//! let relay = Relay::spawn(pool.clone(), config.clone(), shutdown.clone());
//! let consumer = Consumer::builder("review.intake-cases", ["intake.case.submitted"])
//!     .handler(OpenReview)
//!     .spawn(pool.clone(), config, shutdown.clone())?;
//!
//! let mut transaction = pool.begin().await?;
//! // ... the state change, in `transaction` ...
//! Outbox::enqueue(&mut transaction, "agency-a", "case", &submitted.case_id, &submitted).await?;
//! transaction.commit().await?;
//!
//! shutdown.cancel();
//! relay.join().await;
//! consumer.join().await;
//! # Ok(()) }
//! ```

mod broker;
mod config;
mod consumer;
mod envelope;
mod error;
mod outbox;
mod relay;
pub mod topology;
mod trace;

#[cfg(feature = "testing")]
pub mod testing;

use std::sync::LazyLock;

pub use broker::{LinkStatus, TaskHandle, check_broker};
pub use config::EventBusConfig;
#[cfg(feature = "testing")]
pub use consumer::AfterCommitHook;
pub use consumer::{Consumer, ConsumerBuilder, Handler};
pub use envelope::EnvelopeExt;
pub use error::{DecodeError, Error, HandlerError};
pub use outbox::{AggregateRef, OUTBOX_CHANNEL, Outbox};
pub use relay::Relay;
pub use trace::TraceContext;

/// Migrations of the `outbox` and `inbox` tables. Tracked in a table of
/// their own so they sit beside the service's own `sqlx::migrate!` set
/// without either reporting the other's versions as missing.
pub static MIGRATOR: LazyLock<sqlx::migrate::Migrator> = LazyLock::new(|| {
    let mut migrator = sqlx::migrate!("./migrations");
    migrator.dangerous_set_table_name("_laissez_eventbus_migrations");
    migrator
});
