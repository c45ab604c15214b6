//! Sessions: a 256-bit random token goes to the client, Redis keeps only its
//! SHA-256. Idle and absolute timeouts; per-account index so every session
//! of an account can be revoked at once (keys are deleted: immediate).

use std::collections::HashMap;

use redis::aio::ConnectionManager;

use super::{Keys, now_seconds, random_id, random_token, sha256_hex};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub session_id: String,
    pub account_id: String,
    pub agency: String,
    pub portal: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub absolute_expires_at: i64,
    pub idle_expires_at: i64,
    pub source_ip: String,
    pub user_agent: String,
    /// The second factor was passed (always true for applicant sessions).
    pub second_factor: bool,
}

pub struct NewSession<'a> {
    pub account_id: &'a str,
    pub agency: &'a str,
    pub portal: &'a str,
    pub source_ip: &'a str,
    pub user_agent: &'a str,
    pub second_factor: bool,
}

#[derive(Clone)]
pub struct SessionStore {
    redis: ConnectionManager,
    keys: Keys,
    idle_seconds: i64,
    absolute_seconds: i64,
}

const TOUCH: &str = r"
local data = redis.call('HGETALL', KEYS[1])
if #data == 0 then return {} end
local now = tonumber(ARGV[1])
local absolute = tonumber(redis.call('HGET', KEYS[1], 'absolute_expires_at'))
if absolute == nil or now >= absolute then
  redis.call('DEL', KEYS[1])
  return {}
end
local ttl = math.min(tonumber(ARGV[2]), absolute - now)
redis.call('HSET', KEYS[1], 'last_seen_at', ARGV[1])
redis.call('EXPIRE', KEYS[1], ttl)
local id = redis.call('HGET', KEYS[1], 'session_id')
redis.call('EXPIRE', ARGV[3] .. id, ttl)
table.insert(data, 'idle_expires_at')
table.insert(data, tostring(now + ttl))
return data
";

const REVOKE: &str = r"
local hash = redis.call('GET', KEYS[1])
if hash then redis.call('DEL', ARGV[1] .. hash) end
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[2])
return hash and 1 or 0
";

const REVOKE_ALL: &str = r"
local ids = redis.call('SMEMBERS', KEYS[1])
for _, id in ipairs(ids) do
  local hash = redis.call('GET', ARGV[2] .. id)
  if hash then redis.call('DEL', ARGV[1] .. hash) end
  redis.call('DEL', ARGV[2] .. id)
end
redis.call('DEL', KEYS[1])
return #ids
";

impl SessionStore {
    pub fn new(
        redis: ConnectionManager,
        keys: Keys,
        idle_seconds: u64,
        absolute_seconds: u64,
    ) -> Self {
        Self {
            redis,
            keys,
            idle_seconds: i64::try_from(idle_seconds).unwrap_or(1800),
            absolute_seconds: i64::try_from(absolute_seconds).unwrap_or(43_200),
        }
    }

    fn session_key(&self, token_hash: &str) -> String {
        self.keys.key("session", token_hash)
    }

    fn id_key(&self, session_id: &str) -> String {
        self.keys.key("session-id", session_id)
    }

    fn account_key(&self, account_id: &str) -> String {
        self.keys.key("account-sessions", account_id)
    }

    /// A new session (always a new token: no fixation). Returns the token.
    pub async fn create(
        &self,
        new: &NewSession<'_>,
    ) -> redis::RedisResult<(String, SessionRecord)> {
        let token = random_token();
        let token_hash = sha256_hex(&token);
        let now = now_seconds();
        let record = SessionRecord {
            session_id: random_id(),
            account_id: new.account_id.to_owned(),
            agency: new.agency.to_owned(),
            portal: new.portal.to_owned(),
            created_at: now,
            last_seen_at: now,
            absolute_expires_at: now + self.absolute_seconds,
            idle_expires_at: now + self.idle_seconds.min(self.absolute_seconds),
            source_ip: new.source_ip.chars().take(64).collect(),
            user_agent: new.user_agent.chars().take(256).collect(),
            second_factor: new.second_factor,
        };
        let ttl = self.idle_seconds.min(self.absolute_seconds);
        let fields: Vec<(&str, String)> = vec![
            ("session_id", record.session_id.clone()),
            ("account_id", record.account_id.clone()),
            ("agency", record.agency.clone()),
            ("portal", record.portal.clone()),
            ("created_at", record.created_at.to_string()),
            ("last_seen_at", record.last_seen_at.to_string()),
            (
                "absolute_expires_at",
                record.absolute_expires_at.to_string(),
            ),
            ("source_ip", record.source_ip.clone()),
            ("user_agent", record.user_agent.clone()),
            (
                "second_factor",
                if record.second_factor { "1" } else { "0" }.to_owned(),
            ),
        ];
        let session_key = self.session_key(&token_hash);
        let account_key = self.account_key(new.account_id);
        let mut redis = self.redis.clone();
        redis::pipe()
            .atomic()
            .hset_multiple(&session_key, &fields)
            .ignore()
            .expire(&session_key, ttl)
            .ignore()
            .set_ex(
                self.id_key(&record.session_id),
                &token_hash,
                u64::try_from(ttl).unwrap_or(1800),
            )
            .ignore()
            .sadd(&account_key, &record.session_id)
            .ignore()
            .expire(&account_key, self.absolute_seconds)
            .ignore()
            .query_async::<()>(&mut redis)
            .await?;
        Ok((token, record))
    }

    /// The session of `token` if it is alive; extends its idle timeout.
    pub async fn validate(&self, token: &str) -> redis::RedisResult<Option<SessionRecord>> {
        if token.is_empty() || token.len() > 128 {
            return Ok(None);
        }
        let mut redis = self.redis.clone();
        let data: Vec<String> = redis::Script::new(TOUCH)
            .key(self.session_key(&sha256_hex(token)))
            .arg(now_seconds())
            .arg(self.idle_seconds)
            .arg(self.keys.key("session-id", ""))
            .invoke_async(&mut redis)
            .await?;
        Ok(parse_record(&data))
    }

    /// Whether the session is alive (not revoked, not expired); no touch.
    pub async fn is_alive(&self, session_id: &str) -> redis::RedisResult<bool> {
        let mut redis = self.redis.clone();
        redis::cmd("EXISTS")
            .arg(self.id_key(session_id))
            .query_async::<bool>(&mut redis)
            .await
    }

    pub async fn mark_second_factor(&self, session_id: &str) -> redis::RedisResult<()> {
        let mut redis = self.redis.clone();
        let hash: Option<String> = redis::cmd("GET")
            .arg(self.id_key(session_id))
            .query_async(&mut redis)
            .await?;
        if let Some(hash) = hash {
            redis::cmd("HSET")
                .arg(self.session_key(&hash))
                .arg("second_factor")
                .arg("1")
                .query_async::<()>(&mut redis)
                .await?;
        }
        Ok(())
    }

    /// The account's live sessions (stale ids are dropped from the index).
    pub async fn list(&self, account_id: &str) -> redis::RedisResult<Vec<SessionRecord>> {
        let mut redis = self.redis.clone();
        let account_key = self.account_key(account_id);
        let ids: Vec<String> = redis::cmd("SMEMBERS")
            .arg(&account_key)
            .query_async(&mut redis)
            .await?;
        let mut sessions = Vec::new();
        for id in ids {
            let hash: Option<String> = redis::cmd("GET")
                .arg(self.id_key(&id))
                .query_async(&mut redis)
                .await?;
            let data: HashMap<String, String> = match &hash {
                Some(hash) => {
                    redis::cmd("HGETALL")
                        .arg(self.session_key(hash))
                        .query_async(&mut redis)
                        .await?
                }
                None => HashMap::new(),
            };
            let flat: Vec<String> = data.into_iter().flat_map(|(k, v)| [k, v]).collect();
            match parse_record(&flat) {
                Some(record) => sessions.push(record),
                None => {
                    redis::cmd("SREM")
                        .arg(&account_key)
                        .arg(&id)
                        .query_async::<()>(&mut redis)
                        .await?
                }
            }
        }
        sessions.sort_by_key(|session| std::cmp::Reverse(session.created_at));
        Ok(sessions)
    }

    /// Revokes one session of `account_id`; false when there was none.
    pub async fn revoke(&self, account_id: &str, session_id: &str) -> redis::RedisResult<bool> {
        let mut redis = self.redis.clone();
        // Only sessions in the account's own index can be revoked through it.
        let owned: bool = redis::cmd("SISMEMBER")
            .arg(self.account_key(account_id))
            .arg(session_id)
            .query_async(&mut redis)
            .await?;
        if !owned {
            return Ok(false);
        }
        let revoked: i64 = redis::Script::new(REVOKE)
            .key(self.id_key(session_id))
            .key(self.account_key(account_id))
            .arg(self.keys.key("session", ""))
            .arg(session_id)
            .invoke_async(&mut redis)
            .await?;
        Ok(revoked == 1)
    }

    /// Revokes every session of the account at once.
    pub async fn revoke_all(&self, account_id: &str) -> redis::RedisResult<u64> {
        let mut redis = self.redis.clone();
        redis::Script::new(REVOKE_ALL)
            .key(self.account_key(account_id))
            .arg(self.keys.key("session", ""))
            .arg(self.keys.key("session-id", ""))
            .invoke_async(&mut redis)
            .await
    }
}

fn parse_record(flat: &[String]) -> Option<SessionRecord> {
    if flat.is_empty() {
        return None;
    }
    let map: HashMap<&str, &str> = flat
        .chunks(2)
        .filter_map(|pair| match pair {
            [key, value] => Some((key.as_str(), value.as_str())),
            _ => None,
        })
        .collect();
    let text = |key: &str| {
        map.get(key)
            .map(|value| (*value).to_owned())
            .unwrap_or_default()
    };
    let number = |key: &str| {
        map.get(key)
            .and_then(|value| value.parse::<i64>().ok())
            .unwrap_or(0)
    };
    let session_id = text("session_id");
    if session_id.is_empty() {
        return None;
    }
    let absolute = number("absolute_expires_at");
    Some(SessionRecord {
        session_id,
        account_id: text("account_id"),
        agency: text("agency"),
        portal: text("portal"),
        created_at: number("created_at"),
        last_seen_at: number("last_seen_at"),
        absolute_expires_at: absolute,
        idle_expires_at: map
            .get("idle_expires_at")
            .and_then(|v| v.parse().ok())
            .unwrap_or(absolute),
        source_ip: text("source_ip"),
        user_agent: text("user_agent"),
        second_factor: text("second_factor") == "1",
    })
}
