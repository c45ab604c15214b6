//! SMS behind a small trait, with an adapter for HTTP SMS gateways:
//! `POST <url>` with `{"to", "text", "sender", "reference"}` and the API key
//! as a bearer token. 2xx is accepted; 408, 429 and 5xx (and no answer) are
//! temporary; any other 4xx is permanent.

use std::time::Duration;

use async_trait::async_trait;
use laissez_kit::config::Secret;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::SendError;

/// What a gateway answers for an accepted message.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SmsReceipt {
    /// The gateway's id of the message, when it gives one.
    pub gateway_id: String,
}

/// One text message.
#[derive(Debug, Clone)]
pub struct OutgoingSms {
    /// Passed as the idempotency reference: a gateway that honours it sends
    /// a retried message once.
    pub delivery_id: Uuid,
    pub to: String,
    pub text: String,
}

#[async_trait]
pub trait SmsGateway: Send + Sync + 'static {
    async fn send(&self, sms: &OutgoingSms) -> Result<SmsReceipt, SendError>;
}

/// The JSON body of a send request.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SendRequest {
    pub to: String,
    pub text: String,
    #[serde(default)]
    pub sender: String,
    #[serde(default)]
    pub reference: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct SendResponse {
    #[serde(default)]
    pub id: String,
}

#[derive(Debug, thiserror::Error)]
#[error("sms gateway configuration: {0}")]
pub struct ConfigError(String);

/// An HTTP SMS gateway.
pub struct HttpSmsGateway {
    client: reqwest::Client,
    url: String,
    api_key: Secret,
    sender: String,
}

impl HttpSmsGateway {
    pub fn new(
        url: &str,
        api_key: Secret,
        sender: &str,
        timeout: Duration,
    ) -> Result<Self, ConfigError> {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(ConfigError(format!("url {url:?} is not an http(s) url")));
        }
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(|error| ConfigError(error.to_string()))?;
        Ok(Self {
            client,
            url: url.to_owned(),
            api_key,
            sender: sender.to_owned(),
        })
    }
}

#[async_trait]
impl SmsGateway for HttpSmsGateway {
    async fn send(&self, sms: &OutgoingSms) -> Result<SmsReceipt, SendError> {
        let body = SendRequest {
            to: sms.to.clone(),
            text: sms.text.clone(),
            sender: self.sender.clone(),
            reference: sms.delivery_id.to_string(),
        };
        let mut request = self.client.post(&self.url).json(&body);
        if !self.api_key.is_empty() {
            request = request.bearer_auth(self.api_key.expose());
        }
        let response = request
            .send()
            .await
            .map_err(|error| SendError::Temporary(format!("sms gateway unreachable: {error}")))?;
        let status = response.status();
        if status.is_success() {
            let answer: SendResponse = response.json().await.unwrap_or_default();
            return Ok(SmsReceipt {
                gateway_id: answer.id,
            });
        }
        let detail = response.text().await.unwrap_or_default();
        let message = format!(
            "sms gateway answered {status}: {}",
            detail.chars().take(200).collect::<String>()
        );
        if status.is_server_error() || status.as_u16() == 429 || status.as_u16() == 408 {
            Err(SendError::Temporary(message))
        } else {
            Err(SendError::Permanent(message))
        }
    }
}
