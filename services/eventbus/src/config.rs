//! Configuration of the event backbone, shared by the relay and consumers.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Settings of the event backbone. Defaults suit a local stack; every field
/// can be overridden from the service's configuration file or environment.
#[derive(Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct EventBusConfig {
    /// AMQP URL; may carry a password, so `Debug` masks it (and the kit's
    /// `--print-config` masks every URL password it renders).
    pub url: String,
    /// Topic exchange every event is published to. Queue, retry and
    /// dead-letter names derive from it, so a test isolates itself by
    /// choosing a unique exchange name.
    pub exchange: String,
    /// Deliveries of one message (broker redeliveries and delayed retries
    /// alike) before it is dead-lettered. RabbitMQ 3.10 quorum queues have no
    /// default limit, so it is always set explicitly.
    pub delivery_limit: u32,
    /// Delay before each retry after a transient handler error, in
    /// milliseconds; the last value repeats until `delivery_limit`.
    pub retry_backoff_ms: Vec<u64>,
    /// Unacknowledged deliveries the broker may push to one consumer. A
    /// deep window keeps the workers' batches full while earlier ones commit.
    pub prefetch: u16,
    /// Deliveries of one consumer processed at the same time. Deliveries of
    /// one aggregate always go to the same worker, so their order holds.
    /// More workers than database cores mostly add contention; batches
    /// (below) are the cheaper way to absorb a burst.
    pub consumer_concurrency: usize,
    /// Deliveries already waiting for one worker that are applied in one
    /// transaction (one commit). 1 gives every event its own transaction.
    /// Each event still commits with its own inbox row and is acked after
    /// the commit; a failure in the batch falls back to one by one.
    pub consumer_batch_size: usize,
    /// Outbox rows the relay publishes per batch (one confirm wait per batch).
    pub relay_batch_size: u32,
    /// Fallback poll of the outbox when no NOTIFY arrives, in milliseconds.
    pub relay_poll_interval_ms: u64,
    /// Published outbox rows are deleted after this many seconds.
    pub outbox_retention_secs: u64,
    /// Inbox rows (processed event ids) are deleted after this many seconds;
    /// a duplicate older than that would be applied again.
    pub inbox_retention_secs: u64,
    /// Upper bound of the reconnect backoff, in milliseconds.
    pub reconnect_max_backoff_ms: u64,
}

impl Default for EventBusConfig {
    fn default() -> Self {
        Self {
            url: "amqp://guest:guest@127.0.0.1:5672/%2f".to_owned(),
            exchange: "laissez.events".to_owned(),
            delivery_limit: 5,
            retry_backoff_ms: vec![1_000, 5_000, 30_000],
            prefetch: 512,
            consumer_concurrency: 4,
            consumer_batch_size: 64,
            relay_batch_size: 256,
            relay_poll_interval_ms: 1_000,
            outbox_retention_secs: 7 * 24 * 3600,
            inbox_retention_secs: 30 * 24 * 3600,
            reconnect_max_backoff_ms: 5_000,
        }
    }
}

impl EventBusConfig {
    /// The delay before retry number `attempt` (1 = first retry).
    pub fn retry_delay(&self, attempt: u32) -> Duration {
        let index = (attempt.max(1) - 1) as usize;
        let millis = self
            .retry_backoff_ms
            .get(index)
            .or(self.retry_backoff_ms.last())
            .copied()
            .unwrap_or(1_000);
        Duration::from_millis(millis)
    }

    /// Retry queue levels, one per distinct configured delay.
    pub(crate) fn retry_levels(&self) -> usize {
        self.retry_backoff_ms.len().max(1)
    }

    pub(crate) fn retry_level(&self, attempt: u32) -> usize {
        ((attempt.max(1) - 1) as usize).min(self.retry_levels() - 1)
    }

    /// The URL with its password replaced by `***`, for logs.
    pub fn masked_url(&self) -> String {
        mask_url_password(&self.url)
    }
}

impl fmt::Debug for EventBusConfig {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("EventBusConfig")
            .field("url", &self.masked_url())
            .field("exchange", &self.exchange)
            .field("delivery_limit", &self.delivery_limit)
            .field("retry_backoff_ms", &self.retry_backoff_ms)
            .field("prefetch", &self.prefetch)
            .field("consumer_concurrency", &self.consumer_concurrency)
            .field("consumer_batch_size", &self.consumer_batch_size)
            .field("relay_batch_size", &self.relay_batch_size)
            .field("relay_poll_interval_ms", &self.relay_poll_interval_ms)
            .field("outbox_retention_secs", &self.outbox_retention_secs)
            .field("inbox_retention_secs", &self.inbox_retention_secs)
            .field("reconnect_max_backoff_ms", &self.reconnect_max_backoff_ms)
            .finish()
    }
}

/// `scheme://user:secret@host` → `scheme://user:***@host`; anything without
/// credentials is returned unchanged.
fn mask_url_password(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_owned();
    };
    let authority_start = scheme_end + 3;
    let rest = &url[authority_start..];
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let Some(at) = authority.rfind('@') else {
        return url.to_owned();
    };
    let user_info = &authority[..at];
    let Some(colon) = user_info.find(':') else {
        return url.to_owned();
    };
    format!(
        "{}{}:***{}",
        &url[..authority_start],
        &user_info[..colon],
        &rest[at..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_masks_the_password() {
        let config = EventBusConfig {
            url: "amqp://guest:s3cr3t@rabbit:5672/%2f".to_owned(),
            ..EventBusConfig::default()
        };
        let printed = format!("{config:?}");
        assert!(!printed.contains("s3cr3t"), "{printed}");
        assert!(
            printed.contains("amqp://guest:***@rabbit:5672/%2f"),
            "{printed}"
        );
    }

    #[test]
    fn urls_without_password_are_unchanged() {
        assert_eq!(mask_url_password("amqp://rabbit/%2f"), "amqp://rabbit/%2f");
        assert_eq!(
            mask_url_password("amqp://user@rabbit"),
            "amqp://user@rabbit"
        );
    }

    #[test]
    fn retry_delay_repeats_the_last_step() {
        let config = EventBusConfig {
            retry_backoff_ms: vec![10, 20],
            ..EventBusConfig::default()
        };
        assert_eq!(config.retry_delay(1), Duration::from_millis(10));
        assert_eq!(config.retry_delay(2), Duration::from_millis(20));
        assert_eq!(config.retry_delay(7), Duration::from_millis(20));
        assert_eq!(config.retry_level(7), 1);
    }
}
