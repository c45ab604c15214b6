//! From a user's session token to the internal token the services verify.
//!
//! Identity's `ExchangeSession` checks the session in Redis and the account
//! in PostgreSQL and signs a token that lives a minute. Reusing that token
//! for its whole life would let a session revoked elsewhere keep working
//! for up to a minute, so the gateway keeps it for `session.cache_ms`
//! (1 s by default) at most: a revoked session stops working within that
//! time, and a busy user costs identity one exchange per second, not one per
//! request. A logout through the gateway drops the entry at once. The cache
//! is keyed by the SHA-256 of the session token and bounded in size.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use laissez_kit::Role;
use laissez_kit::auth::Claims;
use laissez_proto::identity::v1::ExchangeSessionRequest;
use sha2::{Digest, Sha256};

use super::upstream::Upstreams;

/// A signed-in caller: the internal token to call services with and what
/// it says about the caller.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub internal_token: String,
    pub account_id: String,
    pub agency: String,
    pub portal: String,
    pub roles: Vec<Role>,
    pub session_id: String,
}

impl SignedIn {
    pub fn is_staff(&self) -> bool {
        self.roles.iter().any(|role| role.is_staff())
    }

    /// Reads the claims of a token identity has just handed over (on the
    /// gateway's own connection: the services verify the signature).
    fn from_token(internal_token: String) -> Option<Self> {
        let claims = internal_token.split('.').nth(1)?;
        let claims = URL_SAFE_NO_PAD.decode(claims).ok()?;
        let claims: Claims = serde_json::from_slice(&claims).ok()?;
        Some(Self {
            account_id: claims.sub,
            agency: claims.agency,
            portal: claims.portal,
            roles: claims.roles,
            session_id: claims.sid,
            internal_token,
        })
    }
}

struct Cached {
    signed_in: Arc<SignedIn>,
    until: Instant,
}

/// Exchanges session tokens, remembering each answer briefly.
#[derive(Clone)]
pub struct SessionExchanger {
    upstreams: Upstreams,
    cache: Arc<Mutex<HashMap<[u8; 32], Cached>>>,
    reuse_for: Duration,
    capacity: usize,
}

/// Longest session token accepted; identity's are 43 characters.
const MAX_SESSION_TOKEN_BYTES: usize = 256;

impl SessionExchanger {
    pub fn new(upstreams: Upstreams, reuse_for: Duration, capacity: usize) -> Self {
        Self {
            upstreams,
            cache: Arc::new(Mutex::new(HashMap::new())),
            reuse_for,
            capacity: capacity.max(1),
        }
    }

    fn key(session_token: &str) -> [u8; 32] {
        Sha256::digest(session_token.as_bytes()).into()
    }

    /// The caller behind `session_token`; UNAUTHENTICATED when the session
    /// has ended (or never existed).
    pub async fn exchange(&self, session_token: &str) -> Result<Arc<SignedIn>, tonic::Status> {
        if session_token.is_empty() || session_token.len() > MAX_SESSION_TOKEN_BYTES {
            return Err(tonic::Status::unauthenticated(
                "the session has ended; sign in again",
            ));
        }
        let key = Self::key(session_token);
        let now = Instant::now();
        if let Some(found) = self.cached(&key, now) {
            return Ok(found);
        }
        let response = self
            .upstreams
            .identity()
            .exchange_session(self.upstreams.request(
                ExchangeSessionRequest {
                    session_token: session_token.to_owned(),
                },
                None,
            ))
            .await?
            .into_inner();
        let signed_in = SignedIn::from_token(response.internal_token)
            .ok_or_else(|| tonic::Status::internal("identity answered an unreadable token"))?;
        let signed_in = Arc::new(signed_in);
        // Never past the token's own expiry (less a margin for the trip).
        let token_left = response
            .expires_at
            .map(|at| at.seconds - chrono::Utc::now().timestamp() - 5)
            .and_then(|seconds| u64::try_from(seconds).ok())
            .map_or(Duration::ZERO, Duration::from_secs);
        let reuse_for = self.reuse_for.min(token_left);
        if !reuse_for.is_zero() {
            self.remember(key, signed_in.clone(), now + reuse_for);
        }
        Ok(signed_in)
    }

    /// Forgets the session (after a logout), so its next use is checked.
    pub fn forget(&self, session_token: &str) {
        if let Ok(mut cache) = self.cache.lock() {
            cache.remove(&Self::key(session_token));
        }
    }

    /// Forgets every cached session of an account (logout everywhere).
    pub fn forget_account(&self, account_id: &str) {
        if let Ok(mut cache) = self.cache.lock() {
            cache.retain(|_, cached| cached.signed_in.account_id != account_id);
        }
    }

    pub fn cached_sessions(&self) -> usize {
        self.cache.lock().map(|cache| cache.len()).unwrap_or(0)
    }

    fn cached(&self, key: &[u8; 32], now: Instant) -> Option<Arc<SignedIn>> {
        let cache = self.cache.lock().ok()?;
        cache
            .get(key)
            .filter(|cached| cached.until > now)
            .map(|cached| cached.signed_in.clone())
    }

    fn remember(&self, key: [u8; 32], signed_in: Arc<SignedIn>, until: Instant) {
        let Ok(mut cache) = self.cache.lock() else {
            return;
        };
        if cache.len() >= self.capacity {
            let now = Instant::now();
            cache.retain(|_, cached| cached.until > now);
        }
        if cache.len() >= self.capacity {
            // Still full of live entries: drop the ones closest to expiry.
            let mut by_expiry: Vec<([u8; 32], Instant)> = cache
                .iter()
                .map(|(key, cached)| (*key, cached.until))
                .collect();
            by_expiry.sort_by_key(|(_, until)| *until);
            let excess = cache.len() + 1 - self.capacity;
            for (key, _) in by_expiry.into_iter().take(excess.max(self.capacity / 10)) {
                cache.remove(&key);
            }
        }
        cache.insert(key, Cached { signed_in, until });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exchanger(capacity: usize) -> SessionExchanger {
        let upstreams = Upstreams::connect_lazy(
            &crate::config::ServicesConfig::default(),
            Duration::from_secs(1),
        )
        .unwrap();
        SessionExchanger::new(upstreams, Duration::from_secs(1), capacity)
    }

    fn caller(account: &str) -> Arc<SignedIn> {
        Arc::new(SignedIn {
            internal_token: format!("token-{account}"),
            account_id: account.to_owned(),
            agency: "tw-nia".to_owned(),
            portal: "mainland-students".to_owned(),
            roles: vec![Role::Applicant],
            session_id: format!("session-{account}"),
        })
    }

    #[tokio::test]
    async fn the_cache_stays_within_its_bound() {
        let sessions = exchanger(10);
        let later = Instant::now() + Duration::from_secs(60);
        for n in 0..25 {
            sessions.remember(
                SessionExchanger::key(&format!("s{n}")),
                caller(&n.to_string()),
                later,
            );
            assert!(sessions.cached_sessions() <= 10);
        }
        // The newest entry is always kept.
        assert!(
            sessions
                .cached(&SessionExchanger::key("s24"), Instant::now())
                .is_some()
        );
    }

    #[tokio::test]
    async fn expired_and_forgotten_entries_are_not_served() {
        let sessions = exchanger(10);
        let now = Instant::now();
        sessions.remember(SessionExchanger::key("old"), caller("a"), now);
        assert!(
            sessions
                .cached(&SessionExchanger::key("old"), now)
                .is_none()
        );
        sessions.remember(
            SessionExchanger::key("live"),
            caller("b"),
            now + Duration::from_secs(60),
        );
        assert!(
            sessions
                .cached(&SessionExchanger::key("live"), now)
                .is_some()
        );
        sessions.forget("live");
        assert!(
            sessions
                .cached(&SessionExchanger::key("live"), now)
                .is_none()
        );
        sessions.remember(
            SessionExchanger::key("c1"),
            caller("c"),
            now + Duration::from_secs(60),
        );
        sessions.forget_account("c");
        assert!(sessions.cached(&SessionExchanger::key("c1"), now).is_none());
    }

    #[test]
    fn claims_are_read_from_the_token() {
        let keys = laissez_kit::auth::testing::TestKeys::new();
        let token = keys.token("acc-1", "fj-exit-entry", "nia-app", &[Role::Applicant]);
        let signed_in = SignedIn::from_token(token).unwrap();
        assert_eq!(signed_in.account_id, "acc-1");
        assert_eq!(signed_in.agency, "fj-exit-entry");
        assert!(!signed_in.is_staff());
        assert!(SignedIn::from_token("not-a-token".to_owned()).is_none());
    }
}
