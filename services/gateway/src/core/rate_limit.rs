//! Per-address rate limits, counted in Redis so that every replica of the
//! gateway shares them: a fixed window per address and bucket (`INCR` +
//! `EXPIRE` in one script). The general bucket covers every request; the
//! sign-in bucket additionally covers sign-in, registration, reset and code
//! requests, which identity cannot throttle by address on its own.
//!
//! When Redis does not answer the request is let through (and logged):
//! losing the limiter must not take the portal down with it; identity still
//! throttles logins per account and address.

use std::net::IpAddr;

use redis::aio::ConnectionManager;

use crate::config::RateLimitSettings;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bucket {
    General,
    SignIn,
}

impl Bucket {
    fn name(self) -> &'static str {
        match self {
            Bucket::General => "all",
            Bucket::SignIn => "sign-in",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    Limited { retry_after_seconds: u64 },
}

const COUNT: &str = r"
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
";

#[derive(Clone)]
pub struct RateLimiter {
    redis: ConnectionManager,
    prefix: String,
    settings: RateLimitSettings,
    script: redis::Script,
}

impl RateLimiter {
    pub fn new(redis: ConnectionManager, prefix: &str, settings: RateLimitSettings) -> Self {
        Self {
            redis,
            prefix: prefix.to_owned(),
            settings,
            script: redis::Script::new(COUNT),
        }
    }

    fn limit(&self, bucket: Bucket) -> u64 {
        match bucket {
            Bucket::General => self.settings.requests_per_window,
            Bucket::SignIn => self.settings.sign_in_requests_per_window,
        }
    }

    /// Counts one request of `client` in `bucket`.
    pub async fn check(&self, bucket: Bucket, client: IpAddr) -> Verdict {
        if !self.settings.enabled {
            return Verdict::Allowed;
        }
        let window = self.settings.window_seconds.max(1);
        let now = u64::try_from(chrono::Utc::now().timestamp()).unwrap_or(0);
        let index = now / window;
        let key = format!("{}rl:{}:{client}:{index}", self.prefix, bucket.name());
        let mut redis = self.redis.clone();
        let counted: Result<u64, _> = self
            .script
            .key(&key)
            .arg(window + 1)
            .invoke_async(&mut redis)
            .await;
        match counted {
            Ok(count) if count > self.limit(bucket) => {
                metrics::counter!("gateway_rate_limited_total", "bucket" => bucket.name())
                    .increment(1);
                Verdict::Limited {
                    retry_after_seconds: ((index + 1) * window).saturating_sub(now).max(1),
                }
            }
            Ok(_) => Verdict::Allowed,
            Err(error) => {
                tracing::warn!(%error, "rate limiter unavailable; letting the request through");
                Verdict::Allowed
            }
        }
    }
}
