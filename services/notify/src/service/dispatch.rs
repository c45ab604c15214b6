//! The dispatcher: sends pending email and SMS deliveries from the table,
//! outside any consumer transaction, so an SMTP or gateway outage delays
//! messages but never blocks the consumer or loses an event. Woken by
//! LISTEN/NOTIFY when the consumer commits, with a polling fallback.

use std::sync::Arc;
use std::time::Duration;

use sqlx::PgPool;
use sqlx::postgres::PgListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::channels::email::{EmailTransport, OutgoingEmail};
use crate::channels::sms::{OutgoingSms, SmsGateway};
use crate::config::DispatchConfig;
use crate::domain::{Channel, SendError};
use crate::metrics;
use crate::store::deliveries::{self, ClaimedDelivery, DELIVERY_CHANNEL};

/// Sends pending deliveries until shut down.
pub struct Dispatcher {
    pool: PgPool,
    config: DispatchConfig,
    email: Arc<dyn EmailTransport>,
    sms: Arc<dyn SmsGateway>,
}

impl Dispatcher {
    pub fn new(
        pool: PgPool,
        config: DispatchConfig,
        email: Arc<dyn EmailTransport>,
        sms: Arc<dyn SmsGateway>,
    ) -> Self {
        Self {
            pool,
            config,
            email,
            sms,
        }
    }

    /// Runs on the current runtime; the in-flight batch finishes after
    /// `shutdown` (every claimed delivery is settled before the task ends).
    pub fn spawn(self, shutdown: CancellationToken) -> JoinHandle<()> {
        tokio::spawn(self.run(shutdown))
    }

    async fn run(self, shutdown: CancellationToken) {
        let poll = Duration::from_millis(self.config.poll_interval_ms.max(10));
        let mut listener = self.listen().await;
        while !shutdown.is_cancelled() {
            let sent = match self.dispatch_batch().await {
                Ok(count) => count,
                Err(error) => {
                    tracing::warn!(%error, "dispatching deliveries failed; retrying");
                    0
                }
            };
            // A full batch means more may be due: go again at once.
            if sent >= self.config.batch_size as usize {
                continue;
            }
            tokio::select! {
                () = shutdown.cancelled() => break,
                () = wait_for_wake(&mut listener, poll) => {}
            }
        }
        tracing::info!("dispatcher stopped");
    }

    async fn listen(&self) -> Option<PgListener> {
        let mut listener = PgListener::connect_with(&self.pool).await.ok()?;
        listener.listen(DELIVERY_CHANNEL).await.ok()?;
        Some(listener)
    }

    /// Claims due deliveries and settles each; returns how many were claimed.
    pub async fn dispatch_batch(&self) -> Result<usize, sqlx::Error> {
        let lease = Duration::from_millis(self.config.lease_ms);
        let claimed = deliveries::claim_due(&self.pool, self.config.batch_size, lease).await?;
        let count = claimed.len();
        for delivery in claimed {
            self.settle(delivery).await?;
        }
        Ok(count)
    }

    async fn settle(&self, delivery: ClaimedDelivery) -> Result<(), sqlx::Error> {
        let channel = Channel::parse(&delivery.channel).unwrap_or(Channel::Email);
        let outcome = match channel {
            Channel::Sms => {
                let sms = OutgoingSms {
                    delivery_id: delivery.id,
                    to: delivery.recipient.clone(),
                    text: delivery.body_text.clone(),
                };
                self.sms.send(&sms).await.map(|_| ())
            }
            Channel::Email | Channel::InApp => {
                let email = OutgoingEmail {
                    delivery_id: delivery.id,
                    sender_name: delivery.sender_name.clone(),
                    sender_address: delivery.sender_address.clone(),
                    recipient: delivery.recipient.clone(),
                    subject: delivery.subject.clone(),
                    text: delivery.body_text.clone(),
                    html: delivery.body_html.clone(),
                };
                self.email.send(&email).await
            }
        };
        let attempts = u32::try_from(delivery.attempts).unwrap_or(u32::MAX);
        match outcome {
            Ok(()) => {
                // Right after the accept: the window for a duplicate is this one statement.
                deliveries::mark_sent(&self.pool, delivery.id).await?;
                metrics::sent(channel, &delivery.agency);
                metrics::latency(channel, delivery.occurred_at);
                tracing::info!(delivery_id = %delivery.id, %channel, agency = %delivery.agency, event_type = %delivery.event_type, "message sent");
            }
            Err(SendError::Temporary(error)) if attempts < self.config.max_attempts => {
                let delay = self.config.backoff(attempts);
                deliveries::schedule_retry(&self.pool, delivery.id, &error, delay).await?;
                metrics::retried(channel, &delivery.agency);
                tracing::info!(delivery_id = %delivery.id, %channel, attempts, ?delay, %error, "temporary failure; retrying later");
            }
            Err(error) => {
                let reason = match &error {
                    SendError::Temporary(message) => {
                        format!("gave up after {attempts} attempts: {message}")
                    }
                    SendError::Permanent(message) => message.clone(),
                };
                deliveries::mark_failed(&self.pool, delivery.id, &reason).await?;
                metrics::failed(channel, &delivery.agency);
                tracing::warn!(delivery_id = %delivery.id, %channel, agency = %delivery.agency, error = %reason, "delivery failed");
            }
        }
        Ok(())
    }
}

async fn wait_for_wake(listener: &mut Option<PgListener>, poll: Duration) {
    match listener {
        Some(connection) => {
            // Either a NOTIFY or the poll interval, whichever comes first; a
            // broken listener reconnects on its own on the next recv.
            if let Ok(Err(error)) = tokio::time::timeout(poll, connection.recv()).await {
                tracing::debug!(%error, "delivery listener lost; polling");
                tokio::time::sleep(poll).await;
            }
        }
        None => tokio::time::sleep(poll).await,
    }
}
