//! Login throttling in Redis, keyed by login name (whether or not such an
//! account exists, so a refusal reveals nothing) and by source address.
//! Every attempt counts as a failure up front (parallel guesses cannot slip
//! through) and a success wipes the name's record. The windows slide: an
//! attacker can slow a user down, never lock them out for good, and a
//! password reset clears the record too.

use redis::aio::ConnectionManager;

use super::{Keys, now_millis, random_id, sha256_hex};
use crate::config::ThrottleSettings;

const HOUR_MS: i64 = 3_600_000;

/// Atomically: drop failures older than the window, refuse when the source
/// or the name is over its cap or inside its progressive delay, otherwise
/// count this attempt. Returns {verdict, wait ms}: 0 allowed, 1 name, 2 source.
const ATTEMPT: &str = r"
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - window)
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[6]) then
  local oldest = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
  return {2, tonumber(oldest[2]) + window - now}
end
local failures = redis.call('ZCARD', KEYS[1])
if failures >= tonumber(ARGV[3]) then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return {1, tonumber(oldest[2]) + window - now}
end
local free = tonumber(ARGV[4])
if failures >= free then
  local last = redis.call('ZREVRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  local delay = math.min(1000 * (2 ^ (failures - free)), tonumber(ARGV[5]))
  local ready = tonumber(last[2]) + delay
  if now < ready then return {1, ready - now} end
end
redis.call('ZADD', KEYS[1], now, ARGV[7])
redis.call('PEXPIRE', KEYS[1], window)
redis.call('ZADD', KEYS[2], now, ARGV[7])
redis.call('PEXPIRE', KEYS[2], window)
return {0, 0}
";

/// Why an attempt was refused before the password was even looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Too many recent failures for this login name.
    LoginName { retry_after_seconds: u64 },
    /// Too many recent failures from this source.
    Source { retry_after_seconds: u64 },
}

impl Refusal {
    pub fn message(self) -> String {
        match self {
            Refusal::LoginName {
                retry_after_seconds,
            }
            | Refusal::Source {
                retry_after_seconds,
            } => {
                format!("too many attempts; try again in {retry_after_seconds} s")
            }
        }
    }
}

#[derive(Clone)]
pub struct Throttle {
    redis: ConnectionManager,
    keys: Keys,
    settings: ThrottleSettings,
}

impl Throttle {
    pub fn new(redis: ConnectionManager, keys: Keys, settings: ThrottleSettings) -> Self {
        Self {
            redis,
            keys,
            settings,
        }
    }

    fn name_key(&self, agency: &str, portal: &str, login_name: &str) -> String {
        self.keys.key(
            "login-failures",
            &sha256_hex(&format!("{agency}\u{1f}{portal}\u{1f}{login_name}")),
        )
    }

    fn source_key(&self, source: &str) -> String {
        self.keys.key("source-failures", &sha256_hex(source))
    }

    /// Counts a login attempt (returning its ticket), or refuses it.
    pub async fn attempt(
        &self,
        agency: &str,
        portal: &str,
        login_name: &str,
        source: &str,
    ) -> redis::RedisResult<Result<String, Refusal>> {
        let mut redis = self.redis.clone();
        let ticket = random_id();
        let (verdict, wait_ms): (i64, i64) = redis::Script::new(ATTEMPT)
            .key(self.name_key(agency, portal, login_name))
            .key(self.source_key(source))
            .arg(now_millis())
            .arg(HOUR_MS)
            .arg(self.settings.account_failures_per_hour)
            .arg(self.settings.free_failures)
            .arg(self.settings.max_delay_seconds.saturating_mul(1000))
            .arg(self.settings.source_failures_per_hour)
            .arg(&ticket)
            .invoke_async(&mut redis)
            .await?;
        let retry_after_seconds = u64::try_from(wait_ms.max(0))
            .unwrap_or(0)
            .div_ceil(1000)
            .max(1);
        Ok(match verdict {
            0 => Ok(ticket),
            2 => Err(Refusal::Source {
                retry_after_seconds,
            }),
            _ => Err(Refusal::LoginName {
                retry_after_seconds,
            }),
        })
    }

    /// A successful login: the name starts afresh and the attempt no longer
    /// counts against its source.
    pub async fn succeeded(
        &self,
        agency: &str,
        portal: &str,
        login_name: &str,
        source: &str,
        ticket: &str,
    ) -> redis::RedisResult<()> {
        let mut redis = self.redis.clone();
        redis::pipe()
            .del(self.name_key(agency, portal, login_name))
            .ignore()
            .zrem(self.source_key(source), ticket)
            .ignore()
            .query_async::<()>(&mut redis)
            .await
    }

    /// After a password reset: the name starts afresh.
    pub async fn clear(
        &self,
        agency: &str,
        portal: &str,
        login_name: &str,
    ) -> redis::RedisResult<()> {
        let mut redis = self.redis.clone();
        redis::cmd("DEL")
            .arg(self.name_key(agency, portal, login_name))
            .query_async::<()>(&mut redis)
            .await
    }

    /// A fixed-window counter for other requests (registrations, SMS codes,
    /// reset emails): true while `key` stays within `limit` per hour.
    pub async fn within_hourly_limit(
        &self,
        kind: &str,
        key: &str,
        limit: u32,
    ) -> redis::RedisResult<bool> {
        let mut redis = self.redis.clone();
        let counter = self.keys.key(kind, &sha256_hex(key));
        let (count,): (u64,) = redis::pipe()
            .atomic()
            .incr(&counter, 1u64)
            .expire(&counter, 3600)
            .arg("NX")
            .ignore()
            .query_async(&mut redis)
            .await?;
        Ok(count <= u64::from(limit))
    }
}
