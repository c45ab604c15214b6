//! Signing keys of internal tokens: kept in PostgreSQL (so every replica
//! signs with the same key), made on first start, rotated by age. A retired
//! key is still published until every token it signed has expired.

use std::sync::{Arc, RwLock};

use chrono::{DateTime, Duration, Utc};
use laissez_kit::auth::token::{AUDIENCE, ISSUER};
use laissez_kit::auth::{Claims, KeySet, Role, TokenSigner};
use sqlx::PgPool;

use crate::store::signing_keys::{self, SigningKeyRow};

/// A key as published: verifiers accept it until `not_after` (None: current).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedKey {
    pub key_id: String,
    pub public_key: Vec<u8>,
    pub not_after: Option<DateTime<Utc>>,
}

struct Ring {
    current: TokenSigner,
    published: Vec<PublishedKey>,
}

#[derive(Clone)]
pub struct KeyRing {
    pool: PgPool,
    keys: KeySet,
    ring: Arc<RwLock<Option<Ring>>>,
    rotate_after: Duration,
    token_lifetime: Duration,
}

/// Extra time a retired key stays published after its last token expired
/// (clock skew and the verifiers' leeway).
const GRACE: Duration = Duration::seconds(60);
const ROTATION_LOCK: i64 = 0x1d_e7_17_00;

impl KeyRing {
    /// Loads the keys, making or rotating the current one if needed.
    pub async fn load(
        pool: PgPool,
        keys: KeySet,
        rotate_after_hours: i64,
        token_lifetime_seconds: i64,
    ) -> anyhow::Result<Self> {
        let ring = Self {
            pool,
            keys,
            ring: Arc::new(RwLock::new(None)),
            rotate_after: Duration::hours(rotate_after_hours.max(1)),
            token_lifetime: Duration::seconds(token_lifetime_seconds),
        };
        ring.refresh().await?;
        Ok(ring)
    }

    /// Re-reads the keys (another replica may have rotated) and rotates when due.
    pub async fn refresh(&self) -> anyhow::Result<()> {
        let rows = signing_keys::all(&self.pool).await?;
        let due = rows
            .first()
            .is_none_or(|newest| Utc::now() - newest.created_at >= self.rotate_after);
        if due {
            self.rotate().await?;
        } else {
            self.install(rows)?;
        }
        Ok(())
    }

    /// Makes a new current key now (one replica at a time).
    pub async fn rotate(&self) -> anyhow::Result<()> {
        let mut transaction = self.pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(ROTATION_LOCK)
            .execute(&mut *transaction)
            .await?;
        let newest: Option<DateTime<Utc>> =
            sqlx::query_scalar("SELECT max(created_at) FROM signing_keys")
                .fetch_one(&mut *transaction)
                .await?;
        // Another replica may have rotated while we waited for the lock.
        let recent = newest.is_some_and(|at| Utc::now() - at < Duration::seconds(1));
        if !recent {
            let key_id = format!("k{}", Utc::now().format("%Y%m%d%H%M%S%3f"));
            let signer = TokenSigner::generate(key_id.clone());
            signing_keys::insert(
                &mut transaction,
                &key_id,
                &signer.secret_bytes(),
                &signer.public_key(),
            )
            .await?;
        }
        transaction.commit().await?;
        let rows = signing_keys::all(&self.pool).await?;
        self.install(rows)?;
        // Keys no longer published signed no live token: forget them.
        let keep: Vec<String> = self.published().into_iter().map(|key| key.key_id).collect();
        signing_keys::delete_except(&self.pool, &keep).await?;
        Ok(())
    }

    fn install(&self, rows: Vec<SigningKeyRow>) -> anyhow::Result<()> {
        let Some(newest) = rows.first() else {
            anyhow::bail!("no signing key");
        };
        let secret: [u8; 32] = newest
            .secret_key
            .as_slice()
            .try_into()
            .map_err(|_| anyhow::anyhow!("bad signing key"))?;
        let current = TokenSigner::new(newest.key_id.clone(), secret);
        let now = Utc::now();
        let mut published = Vec::new();
        // A key retires when its successor is made; its tokens live on until then + lifetime.
        let mut successor_created: Option<DateTime<Utc>> = None;
        for row in &rows {
            let not_after = successor_created.map(|at| at + self.token_lifetime + GRACE);
            if not_after.is_none_or(|until| until > now) {
                published.push(PublishedKey {
                    key_id: row.key_id.clone(),
                    public_key: row.public_key.clone(),
                    not_after,
                });
            }
            successor_created = Some(row.created_at);
        }
        self.keys.replace(
            published
                .iter()
                .map(|key| (key.key_id.clone(), key.public_key.clone()))
                .collect(),
        )?;
        if let Ok(mut ring) = self.ring.write() {
            *ring = Some(Ring { current, published });
        }
        Ok(())
    }

    pub fn current_key_id(&self) -> String {
        self.ring
            .read()
            .ok()
            .and_then(|ring| ring.as_ref().map(|ring| ring.current.key_id().to_owned()))
            .unwrap_or_default()
    }

    /// The keys verifiers must accept now.
    pub fn published(&self) -> Vec<PublishedKey> {
        self.ring
            .read()
            .ok()
            .and_then(|ring| ring.as_ref().map(|ring| ring.published.clone()))
            .unwrap_or_default()
    }

    pub fn key_set(&self) -> KeySet {
        self.keys.clone()
    }

    /// A signed internal token and its expiry (unix seconds).
    pub fn mint(
        &self,
        subject: &str,
        agency: &str,
        portal: &str,
        roles: &[Role],
        session_id: &str,
    ) -> anyhow::Result<(String, i64)> {
        let ring = self
            .ring
            .read()
            .map_err(|_| anyhow::anyhow!("key ring poisoned"))?;
        let ring = ring
            .as_ref()
            .ok_or_else(|| anyhow::anyhow!("no signing key"))?;
        let now = Utc::now().timestamp();
        let expires_at = now + self.token_lifetime.num_seconds();
        let claims = Claims {
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            sub: subject.into(),
            agency: agency.into(),
            portal: portal.into(),
            roles: roles.to_vec(),
            sid: session_id.into(),
            iat: now,
            exp: expires_at,
            jti: uuid::Uuid::new_v4().to_string(),
        };
        Ok((ring.current.sign(&claims), expires_at))
    }

    /// Refreshes every `every` until `shutdown`.
    pub fn spawn_refresh(
        &self,
        every: std::time::Duration,
        shutdown: tokio_util::sync::CancellationToken,
    ) -> tokio::task::JoinHandle<()> {
        let ring = self.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    () = shutdown.cancelled() => return,
                    () = tokio::time::sleep(every) => {}
                }
                if let Err(error) = ring.refresh().await {
                    tracing::warn!(%error, "refreshing the signing keys failed");
                }
            }
        })
    }
}
