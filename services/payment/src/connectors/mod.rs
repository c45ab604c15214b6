//! One connector per way of taking money, behind one trait, chosen by the
//! payment method's `connector` in the agency's catalog. The online ones
//! speak the providers' protocol ([`crate::provider`]) through
//! [`ProviderClient`]; the counter connector records what a cashier took.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use laissez_catalog::format::Connector as Kind;

use crate::config::ProvidersConfig;
use crate::domain::signature::{self, SIGNATURE_HEADER, TIMESTAMP_HEADER};
use crate::provider::{
    ChargeCreated, ChargeKind, ChargeRequest, ChargeStatus, RefundCreated, RefundRequest,
    SettlementRow,
};

pub mod card;
pub mod convenience_store;
pub mod counter;
pub mod egov;
pub mod online;
pub mod virtual_account;
pub mod web_atm;

#[derive(Debug, thiserror::Error)]
pub enum ConnectorError {
    #[error("this method is paid at a counter, not online")]
    CounterOnly,
    #[error("the provider is not configured")]
    NotConfigured,
    #[error("the provider could not be reached: {0}")]
    Unreachable(String),
    #[error("the provider refused the request: {0}")]
    Refused(String),
    #[error("the provider's answer cannot be read: {0}")]
    Malformed(String),
}

/// What to charge.
#[derive(Debug, Clone)]
pub struct Start<'a> {
    pub agency: &'a str,
    pub payment_id: &'a str,
    pub amount: i64,
    pub currency: &'a str,
    pub description: &'a str,
    pub return_url: &'a str,
    pub expires_at: DateTime<Utc>,
    /// The slip number, for slips.
    pub slip_number: &'a str,
}

/// What the applicant does next.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Instructions {
    pub provider: String,
    pub transaction_id: String,
    pub redirect_url: String,
    pub virtual_account: String,
}

#[async_trait::async_trait]
pub trait Connector: Send + Sync {
    fn kind(&self) -> Kind;
    /// The provider whose notices settle this connector's payments.
    fn provider(&self) -> &str;
    async fn start(&self, start: &Start<'_>) -> Result<Instructions, ConnectorError>;
    async fn status(&self, transaction_id: &str) -> Result<ChargeStatus, ConnectorError>;
    async fn refund(
        &self,
        transaction_id: &str,
        amount: i64,
        reference: &str,
    ) -> Result<String, ConnectorError>;
}

/// A signed HTTP client of one provider.
#[derive(Clone)]
pub struct ProviderClient {
    pub name: String,
    base_url: String,
    secret: Vec<u8>,
    callback_url: String,
    http: reqwest::Client,
}

impl ProviderClient {
    pub fn new(
        name: &str,
        base_url: &str,
        secret: &[u8],
        callback_url: String,
        timeout: Duration,
    ) -> anyhow::Result<Self> {
        Ok(Self {
            name: name.to_owned(),
            base_url: base_url.trim_end_matches('/').to_owned(),
            secret: secret.to_vec(),
            callback_url,
            http: reqwest::Client::builder().timeout(timeout).build()?,
        })
    }

    pub fn secret(&self) -> &[u8] {
        &self.secret
    }

    fn signed(&self, builder: reqwest::RequestBuilder, body: &[u8]) -> reqwest::RequestBuilder {
        let now = Utc::now().timestamp();
        builder
            .header(TIMESTAMP_HEADER, now.to_string())
            .header(SIGNATURE_HEADER, signature::sign(&self.secret, now, body))
    }

    async fn send<T: serde::de::DeserializeOwned>(
        &self,
        builder: reqwest::RequestBuilder,
        body: Vec<u8>,
    ) -> Result<T, ConnectorError> {
        let response = self
            .signed(builder, &body)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .map_err(|error| ConnectorError::Unreachable(error.to_string()))?;
        let status = response.status();
        if status.is_server_error() {
            return Err(ConnectorError::Unreachable(format!("answered {status}")));
        }
        if !status.is_success() {
            let text = response.text().await.unwrap_or_default();
            return Err(ConnectorError::Refused(format!("{status}: {text}")));
        }
        response
            .json()
            .await
            .map_err(|error| ConnectorError::Unreachable(error.to_string()))
    }

    pub async fn create_charge(
        &self,
        kind: ChargeKind,
        start: &Start<'_>,
    ) -> Result<ChargeCreated, ConnectorError> {
        let request = ChargeRequest {
            merchant: start.agency.to_owned(),
            reference: start.payment_id.to_owned(),
            amount: start.amount,
            currency: start.currency.to_owned(),
            kind,
            description: start.description.to_owned(),
            return_url: start.return_url.to_owned(),
            callback_url: self.callback_url.clone(),
            expires_at: start.expires_at,
            slip_number: start.slip_number.to_owned(),
        };
        let body = serde_json::to_vec(&request).unwrap_or_default();
        let url = format!("{}/v1/charges", self.base_url);
        self.send(self.http.post(url), body).await
    }

    pub async fn status(&self, transaction_id: &str) -> Result<ChargeStatus, ConnectorError> {
        let url = format!("{}/v1/charges/{transaction_id}", self.base_url);
        self.send(self.http.get(url), Vec::new()).await
    }

    pub async fn refund(
        &self,
        transaction_id: &str,
        amount: i64,
        reference: &str,
    ) -> Result<String, ConnectorError> {
        let request = RefundRequest {
            amount,
            refund_reference: reference.to_owned(),
        };
        let body = serde_json::to_vec(&request).unwrap_or_default();
        let url = format!("{}/v1/charges/{transaction_id}/refunds", self.base_url);
        let created: RefundCreated = self.send(self.http.post(url), body).await?;
        Ok(created.refund_id)
    }

    /// The provider's settlement file of `day` (UTC), parsed.
    pub async fn settlement(&self, day: &str) -> Result<Vec<SettlementRow>, ConnectorError> {
        let url = format!("{}/v1/settlements/{day}", self.base_url);
        let response = self
            .signed(self.http.get(url), b"")
            .send()
            .await
            .map_err(|error| ConnectorError::Unreachable(error.to_string()))?;
        if !response.status().is_success() {
            return Err(ConnectorError::Refused(response.status().to_string()));
        }
        let text = response
            .text()
            .await
            .map_err(|error| ConnectorError::Unreachable(error.to_string()))?;
        crate::provider::read_settlement(&text)
            .map_err(|error| ConnectorError::Malformed(format!("settlement file: {error}")))
    }
}

/// Every connector the deployment has, by kind, and every provider client
/// by name (callbacks are verified with its secret).
#[derive(Clone, Default)]
pub struct Connectors {
    by_kind: HashMap<Kind, Arc<dyn Connector>>,
    providers: HashMap<String, ProviderClient>,
}

impl Connectors {
    /// Builds the connectors whose provider is configured (with a URL and a
    /// secret); the counter connector always exists.
    pub fn from_config(config: &ProvidersConfig) -> anyhow::Result<Self> {
        let mut connectors = Connectors::default();
        connectors.insert(Arc::new(counter::Counter));
        let timeout = Duration::from_millis(config.timeout_ms.max(1));
        for (name, provider) in &config.providers {
            if provider.url.is_empty() || provider.secret.expose().is_empty() {
                continue;
            }
            let callback_url = format!(
                "{}/callbacks/{name}",
                config.callback_base_url.trim_end_matches('/')
            );
            let client = ProviderClient::new(
                name,
                &provider.url,
                provider.secret.expose().as_bytes(),
                callback_url,
                timeout,
            )?;
            connectors.providers.insert(name.clone(), client.clone());
            let connector = match name.as_str() {
                card::PROVIDER => card::connector(client),
                web_atm::PROVIDER => web_atm::connector(client),
                egov::PROVIDER => egov::connector(client),
                virtual_account::PROVIDER => virtual_account::connector(client),
                convenience_store::PROVIDER => convenience_store::connector(client),
                other => anyhow::bail!("providers.{other}: no connector takes money this way"),
            };
            connectors.insert(Arc::new(connector));
        }
        Ok(connectors)
    }

    fn insert(&mut self, connector: Arc<dyn Connector>) {
        self.by_kind.insert(connector.kind(), connector);
    }

    pub fn get(&self, kind: Kind) -> Option<Arc<dyn Connector>> {
        self.by_kind.get(&kind).cloned()
    }

    pub fn provider(&self, name: &str) -> Option<&ProviderClient> {
        self.providers.get(name)
    }

    pub fn providers(&self) -> impl Iterator<Item = &ProviderClient> {
        self.providers.values()
    }
}
