//! Keeps a [`KeySet`] in step with identity's published signing keys.

use std::sync::Arc;
use std::time::{Duration, Instant};

use laissez_proto::identity::v1::GetSigningKeysRequest;
use laissez_proto::identity::v1::identity_service_client::IdentityServiceClient;
use tokio::sync::Mutex;
use tokio_util::sync::CancellationToken;

use super::KeySet;

/// Fetches identity's public keys on demand (an unknown key id) and on a
/// timer, at most once per `min_interval` so a flood of forged key ids
/// cannot turn into a flood of fetches.
#[derive(Clone)]
pub struct KeyFetcher {
    identity_url: String,
    keys: KeySet,
    last_fetch: Arc<Mutex<Option<Instant>>>,
    min_interval: Duration,
}

impl KeyFetcher {
    pub fn new(identity_url: impl Into<String>, keys: KeySet) -> Self {
        Self {
            identity_url: identity_url.into(),
            keys,
            last_fetch: Arc::new(Mutex::new(None)),
            min_interval: Duration::from_secs(2),
        }
    }

    pub fn keys(&self) -> &KeySet {
        &self.keys
    }

    /// Refreshes unless a refresh happened within the minimum interval.
    pub async fn refresh(&self) {
        let mut last = self.last_fetch.lock().await;
        if last.is_some_and(|at| at.elapsed() < self.min_interval) {
            return;
        }
        *last = Some(Instant::now());
        if let Err(error) = self.fetch().await {
            tracing::warn!(%error, identity = %self.identity_url, "could not fetch token verification keys");
        }
    }

    async fn fetch(&self) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let endpoint = tonic::transport::Endpoint::from_shared(self.identity_url.clone())?
            .connect_timeout(Duration::from_secs(2))
            .timeout(Duration::from_secs(5));
        let mut client = IdentityServiceClient::new(endpoint.connect().await?);
        let response = client
            .get_signing_keys(GetSigningKeysRequest {})
            .await?
            .into_inner();
        let keys = response
            .keys
            .into_iter()
            .map(|key| (key.key_id, key.public_key))
            .collect();
        self.keys.replace(keys)?;
        Ok(())
    }
}

/// Refreshes the keys every `every` until `shutdown`, so keys identity has
/// retired disappear and new ones arrive before their first token.
pub fn spawn_key_refresh(
    fetcher: KeyFetcher,
    every: Duration,
    shutdown: CancellationToken,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            fetcher.refresh().await;
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = tokio::time::sleep(every) => {}
            }
        }
    })
}
