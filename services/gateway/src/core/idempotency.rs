//! Idempotency keys for operations that create something.
//!
//! A client that sends `Idempotency-Key: <key>` may repeat the request
//! (a timeout, a lost answer) without creating a second thing. The key is
//! scoped by caller and route and kept in Redis with a fingerprint of the
//! request:
//! - first use: the key is taken (`SET NX`, in flight) and the request runs;
//!   a successful answer is stored for `retention_seconds`; a failed one
//!   frees the key (a failure changed nothing, so it may simply be retried);
//! - same key, same request, answer stored: the stored answer is replayed;
//! - same key, another request: 409;
//! - same key while the first request is still running: 409.
//!
//! An in-flight key left by a crashed gateway frees itself after
//! `in_flight_seconds`.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use redis::aio::ConnectionManager;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::IdempotencySettings;

pub const IDEMPOTENCY_HEADER: &str = "idempotency-key";

/// An answer as stored and replayed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredAnswer {
    pub status: u16,
    pub content_type: String,
    #[serde(with = "base64_bytes")]
    pub body: Vec<u8>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
enum Record {
    InFlight {
        nonce: String,
        fingerprint: String,
    },
    Done {
        fingerprint: String,
        answer: StoredAnswer,
    },
}

/// What to do with a request that carries a key.
pub enum Claim {
    /// The key is ours: run the request, then `complete` or `release`.
    Proceed(Reservation),
    /// The same request was answered before: send this again.
    Replay(StoredAnswer),
    /// The key was used for another request.
    Mismatch,
    /// The first request with this key has not finished yet.
    InFlight,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the idempotency store is unavailable: {0}")]
    Redis(#[from] redis::RedisError),
    #[error("the idempotency record is unreadable")]
    Corrupt,
}

#[derive(Clone)]
pub struct IdempotencyStore {
    redis: ConnectionManager,
    prefix: String,
    settings: IdempotencySettings,
}

/// A key taken by a running request. Dropped without `complete` (an error,
/// a panic, a client that went away), it frees the key in the background.
pub struct Reservation {
    store: IdempotencyStore,
    key: String,
    nonce: String,
    fingerprint: String,
    finished: bool,
}

/// Deletes the record only while it is still the reservation's own.
const RELEASE: &str = r#"
local current = redis.call('GET', KEYS[1])
if current and cjson.decode(current).nonce == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
"#;

/// Stores the answer only while the record is still the reservation's own.
const COMPLETE: &str = r#"
local current = redis.call('GET', KEYS[1])
if current and cjson.decode(current).nonce == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
  return 1
end
return 0
"#;

/// Checks an `Idempotency-Key` value: 1 to 255 visible ASCII characters.
pub fn valid_key(key: &str) -> bool {
    (1..=255).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic())
}

/// The fingerprint of a request: everything that makes it this request.
pub fn fingerprint(parts: &[&[u8]]) -> String {
    let mut hash = Sha256::new();
    for part in parts {
        hash.update((part.len() as u64).to_be_bytes());
        hash.update(part);
    }
    hex::encode(hash.finalize())
}

impl IdempotencyStore {
    pub fn new(redis: ConnectionManager, prefix: &str, settings: IdempotencySettings) -> Self {
        Self {
            redis,
            prefix: prefix.to_owned(),
            settings,
        }
    }

    pub fn max_stored_bytes(&self) -> usize {
        self.settings.max_stored_bytes
    }

    fn redis_key(&self, scope: &str, route: &str, key: &str) -> String {
        let scoped = fingerprint(&[scope.as_bytes(), route.as_bytes(), key.as_bytes()]);
        format!("{}idem:{scoped}", self.prefix)
    }

    /// Takes `key` for `scope` (who calls) and `route`, or says why not.
    pub async fn begin(
        &self,
        scope: &str,
        route: &str,
        key: &str,
        request_fingerprint: &str,
    ) -> Result<Claim, Error> {
        let redis_key = self.redis_key(scope, route, key);
        let nonce = uuid::Uuid::new_v4().simple().to_string();
        let record = serde_json::to_string(&Record::InFlight {
            nonce: nonce.clone(),
            fingerprint: request_fingerprint.to_owned(),
        })
        .map_err(|_| Error::Corrupt)?;
        let mut redis = self.redis.clone();
        // Twice at most: a record can expire between SET NX and GET.
        for _ in 0..2 {
            let taken: bool = redis::cmd("SET")
                .arg(&redis_key)
                .arg(&record)
                .arg("NX")
                .arg("EX")
                .arg(self.settings.in_flight_seconds.max(1))
                .query_async::<Option<String>>(&mut redis)
                .await?
                .is_some();
            if taken {
                return Ok(Claim::Proceed(Reservation {
                    store: self.clone(),
                    key: redis_key,
                    nonce,
                    fingerprint: request_fingerprint.to_owned(),
                    finished: false,
                }));
            }
            let existing: Option<String> = redis::cmd("GET")
                .arg(&redis_key)
                .query_async(&mut redis)
                .await?;
            let Some(existing) = existing else { continue };
            return match serde_json::from_str::<Record>(&existing).map_err(|_| Error::Corrupt)? {
                Record::InFlight { .. } => Ok(Claim::InFlight),
                Record::Done {
                    fingerprint,
                    answer,
                } if fingerprint == request_fingerprint => Ok(Claim::Replay(answer)),
                Record::Done { .. } => Ok(Claim::Mismatch),
            };
        }
        Ok(Claim::InFlight)
    }
}

impl IdempotencyStore {
    /// The fingerprint and answer stored for a finished request with this
    /// key, if any (for requests whose fingerprint is known only once their
    /// streamed body has been read).
    pub async fn stored_answer(
        &self,
        scope: &str,
        route: &str,
        key: &str,
    ) -> Result<Option<(String, StoredAnswer)>, Error> {
        let mut redis = self.redis.clone();
        let existing: Option<String> = redis::cmd("GET")
            .arg(self.redis_key(scope, route, key))
            .query_async(&mut redis)
            .await?;
        match existing.map(|text| serde_json::from_str::<Record>(&text)) {
            None | Some(Ok(Record::InFlight { .. })) => Ok(None),
            Some(Ok(Record::Done {
                fingerprint,
                answer,
            })) => Ok(Some((fingerprint, answer))),
            Some(Err(_)) => Err(Error::Corrupt),
        }
    }
}

impl Reservation {
    /// As [`Reservation::complete`], with the fingerprint of the whole
    /// request, known now that its body has been read.
    pub async fn complete_with_fingerprint(mut self, fingerprint: String, answer: StoredAnswer) {
        self.fingerprint = fingerprint;
        self.complete(answer).await;
    }

    /// Stores the answer to replay (when it is small enough), and lets go.
    pub async fn complete(mut self, answer: StoredAnswer) {
        self.finished = true;
        if answer.body.len() > self.store.settings.max_stored_bytes {
            self.release_now().await;
            return;
        }
        let record = Record::Done {
            fingerprint: self.fingerprint.clone(),
            answer,
        };
        let Ok(record) = serde_json::to_string(&record) else {
            self.release_now().await;
            return;
        };
        let mut redis = self.store.redis.clone();
        let stored: Result<i32, _> = redis::Script::new(COMPLETE)
            .key(&self.key)
            .arg(&self.nonce)
            .arg(record)
            .arg(self.store.settings.retention_seconds.max(1))
            .invoke_async(&mut redis)
            .await;
        if let Err(error) = stored {
            tracing::warn!(%error, "could not store an idempotent answer");
        }
    }

    /// Frees the key: the request failed and may be retried.
    pub async fn release(mut self) {
        self.finished = true;
        self.release_now().await;
    }

    async fn release_now(&self) {
        let mut redis = self.store.redis.clone();
        let released: Result<i32, _> = redis::Script::new(RELEASE)
            .key(&self.key)
            .arg(&self.nonce)
            .invoke_async(&mut redis)
            .await;
        if let Err(error) = released {
            tracing::warn!(%error, "could not free an idempotency key; it frees itself later");
        }
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        let store = self.store.clone();
        let key = std::mem::take(&mut self.key);
        let nonce = std::mem::take(&mut self.nonce);
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                let mut redis = store.redis.clone();
                let _ = tokio::time::timeout(
                    Duration::from_secs(5),
                    redis::Script::new(RELEASE)
                        .key(&key)
                        .arg(&nonce)
                        .invoke_async::<i32>(&mut redis),
                )
                .await;
            });
        }
    }
}

mod base64_bytes {
    use super::{Engine, STANDARD};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(deserializer)?;
        STANDARD.decode(text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_short_visible_ascii() {
        assert!(valid_key("3f1c2b7e-0d6a-4c55-9f59-0b8b9f1c0a11"));
        assert!(!valid_key(""));
        assert!(!valid_key("has space"));
        assert!(!valid_key(&"k".repeat(256)));
        assert!(!valid_key("ключ"));
    }

    #[test]
    fn fingerprints_keep_parts_apart() {
        assert_ne!(fingerprint(&[b"ab", b"c"]), fingerprint(&[b"a", b"bc"]));
        assert_eq!(fingerprint(&[b"a", b"b"]), fingerprint(&[b"a", b"b"]));
    }
}
