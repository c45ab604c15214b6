//! SMS codes: six random digits per (portal, mobile, purpose), kept in Redis
//! for a few minutes, void after a few wrong tries, resends throttled.

use redis::aio::ConnectionManager;
use subtle::ConstantTimeEq;

use super::{Keys, sha256_hex};
use crate::config::SmsSettings;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmsCodeError {
    /// Wrong, expired, used up, or never sent: one answer for all.
    WrongOrExpired,
}

/// Counts the attempt first, so parallel guesses cannot exceed the limit.
const TAKE_ATTEMPT: &str = r"
local code = redis.call('HGET', KEYS[1], 'code')
if not code then return false end
local attempts = redis.call('HINCRBY', KEYS[1], 'attempts', 1)
if attempts > tonumber(ARGV[1]) then
  redis.call('DEL', KEYS[1])
  return false
end
return code
";

#[derive(Clone)]
pub struct SmsCodes {
    redis: ConnectionManager,
    keys: Keys,
    settings: SmsSettings,
}

impl SmsCodes {
    pub fn new(redis: ConnectionManager, keys: Keys, settings: SmsSettings) -> Self {
        Self {
            redis,
            keys,
            settings,
        }
    }

    pub fn settings(&self) -> &SmsSettings {
        &self.settings
    }

    fn id(agency: &str, portal: &str, mobile: &str, purpose: &str) -> String {
        sha256_hex(&format!(
            "{agency}\u{1f}{portal}\u{1f}{purpose}\u{1f}{mobile}"
        ))
    }

    /// A fresh code, or None when the number got one too recently or too often.
    pub async fn issue(
        &self,
        agency: &str,
        portal: &str,
        mobile: &str,
        purpose: &str,
    ) -> redis::RedisResult<Option<String>> {
        let id = Self::id(agency, portal, mobile, purpose);
        let mut redis = self.redis.clone();
        let resend_key = self.keys.key("sms-resend", &id);
        let fresh: bool = redis::cmd("SET")
            .arg(&resend_key)
            .arg("1")
            .arg("NX")
            .arg("EX")
            .arg(self.settings.resend_seconds.max(1))
            .query_async::<Option<String>>(&mut redis)
            .await?
            .is_some();
        if !fresh {
            return Ok(None);
        }
        let hour_key = self.keys.key("sms-hour", &id);
        let (sent,): (u64,) = redis::pipe()
            .atomic()
            .incr(&hour_key, 1u64)
            .expire(&hour_key, 3600)
            .arg("NX")
            .ignore()
            .query_async(&mut redis)
            .await?;
        if sent > u64::from(self.settings.codes_per_hour) {
            return Ok(None);
        }
        let code = {
            use rand::Rng;
            format!("{:06}", rand::rngs::OsRng.gen_range(0..1_000_000u32))
        };
        let code_key = self.keys.key("sms-code", &id);
        redis::pipe()
            .atomic()
            .del(&code_key)
            .ignore()
            .hset(&code_key, "code", &code)
            .ignore()
            .hset(&code_key, "attempts", 0)
            .ignore()
            .expire(
                &code_key,
                i64::try_from(self.settings.code_seconds).unwrap_or(600),
            )
            .ignore()
            .query_async::<()>(&mut redis)
            .await?;
        Ok(Some(code))
    }

    /// Checks a code; the right one works once.
    pub async fn verify(
        &self,
        agency: &str,
        portal: &str,
        mobile: &str,
        purpose: &str,
        code: &str,
    ) -> redis::RedisResult<Result<(), SmsCodeError>> {
        let code_key = self
            .keys
            .key("sms-code", &Self::id(agency, portal, mobile, purpose));
        let mut redis = self.redis.clone();
        let stored: Option<String> = redis::Script::new(TAKE_ATTEMPT)
            .key(&code_key)
            .arg(self.settings.max_attempts)
            .invoke_async(&mut redis)
            .await?;
        let Some(stored) = stored else {
            return Ok(Err(SmsCodeError::WrongOrExpired));
        };
        if bool::from(stored.as_bytes().ct_eq(code.trim().as_bytes())) {
            redis::cmd("DEL")
                .arg(&code_key)
                .query_async::<()>(&mut redis)
                .await?;
            Ok(Ok(()))
        } else {
            Ok(Err(SmsCodeError::WrongOrExpired))
        }
    }
}
