//! The notify service's configuration.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use laissez_kit::app::ServiceConfig;
use laissez_kit::config::{CommonConfig, Secret};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Config {
    #[serde(flatten)]
    pub common: CommonConfig,
    pub events: laissez_eventbus::EventBusConfig,
    pub smtp: SmtpConfig,
    pub email: EmailConfig,
    pub sms: SmsConfig,
    pub catalog: CatalogConfig,
    pub dispatch: DispatchConfig,
    pub links: LinksConfig,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            common: CommonConfig::for_service("notify", 50066, 9066),
            events: laissez_eventbus::EventBusConfig::default(),
            smtp: SmtpConfig::default(),
            email: EmailConfig::default(),
            sms: SmsConfig::default(),
            catalog: CatalogConfig::default(),
            dispatch: DispatchConfig::default(),
            links: LinksConfig::default(),
        }
    }
}

impl ServiceConfig for Config {
    fn common(&self) -> &CommonConfig {
        &self.common
    }
}

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain text: the local mail catcher and tests only.
    #[default]
    None,
    /// Plain connection upgraded with STARTTLS (required, not opportunistic).
    Starttls,
    /// TLS from the first byte (SMTPS, usually port 465).
    Tls,
}

/// The relay every email goes through. Defaults to the local stack's mail catcher.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    /// Empty: no authentication.
    pub username: String,
    pub password: Secret,
    /// Connect and command timeout, in milliseconds.
    pub timeout_ms: u64,
    /// Name given in EHLO; empty: the machine's host name.
    pub helo_name: String,
}

impl Default for SmtpConfig {
    fn default() -> Self {
        Self {
            host: "127.0.0.1".to_owned(),
            port: 1025,
            tls: SmtpTls::None,
            username: String::new(),
            password: Secret::default(),
            timeout_ms: 10_000,
            helo_name: String::new(),
        }
    }
}

impl SmtpConfig {
    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.timeout_ms.max(1))
    }
}

/// Senders and languages per agency, where the catalog does not say.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct EmailConfig {
    /// Sender of an agency whose catalog has no contact email.
    pub default_sender: String,
    /// Agency code → sender address, overriding the catalog's contact email.
    pub senders: BTreeMap<String, String>,
    /// Language when the event names none: agency code → `zh-Hant` | `zh-Hans` | `en`.
    pub agency_languages: BTreeMap<String, String>,
    /// Language when neither the event nor `agency_languages` names one.
    pub default_language: String,
}

impl Default for EmailConfig {
    fn default() -> Self {
        Self {
            default_sender: "no-reply@laissez.local".to_owned(),
            senders: BTreeMap::new(),
            agency_languages: BTreeMap::new(),
            default_language: "zh-Hant".to_owned(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum SmsBackend {
    /// Runs the built-in gateway simulator on `simulator_listen` and sends to it.
    #[default]
    Simulator,
    /// A real HTTP SMS gateway at `url`.
    Http,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct SmsConfig {
    pub backend: SmsBackend,
    /// The gateway's send endpoint (JSON POST).
    pub url: String,
    pub api_key: Secret,
    /// Sender id shown on the handset, where the gateway supports it.
    pub sender_id: String,
    pub timeout_ms: u64,
    /// Where the simulator listens (backend `simulator`); its messages are
    /// listed at `GET /messages`.
    pub simulator_listen: SocketAddr,
}

impl Default for SmsConfig {
    fn default() -> Self {
        Self {
            backend: SmsBackend::Simulator,
            url: String::new(),
            api_key: Secret::default(),
            sender_id: "Laissez".to_owned(),
            timeout_ms: 10_000,
            simulator_listen: SocketAddr::from(([127, 0, 0, 1], 9166)),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct CatalogConfig {
    /// Folder with one sub-folder per agency.
    pub dir: PathBuf,
}

impl Default for CatalogConfig {
    fn default() -> Self {
        Self {
            dir: PathBuf::from("deploy/agencies"),
        }
    }
}

/// The dispatcher that sends pending email and SMS deliveries.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct DispatchConfig {
    pub batch_size: u32,
    pub poll_interval_ms: u64,
    /// Delay before the first retry; doubled on each further attempt.
    pub initial_backoff_ms: u64,
    pub max_backoff_ms: u64,
    /// Attempts before a temporarily failing delivery is given up as failed.
    pub max_attempts: u32,
    /// How long a claimed delivery stays with its sender before another
    /// dispatcher may take it over (a sender that died mid-send).
    pub lease_ms: u64,
}

impl Default for DispatchConfig {
    fn default() -> Self {
        Self {
            batch_size: 32,
            poll_interval_ms: 500,
            initial_backoff_ms: 5_000,
            max_backoff_ms: 15 * 60 * 1_000,
            max_attempts: 40,
            lease_ms: 120_000,
        }
    }
}

impl DispatchConfig {
    /// The delay after the `attempts`-th failed attempt (1 = first failure).
    pub fn backoff(&self, attempts: u32) -> Duration {
        let exponent = attempts.saturating_sub(1).min(30);
        let millis = self.initial_backoff_ms.saturating_mul(1_u64 << exponent);
        Duration::from_millis(millis.min(self.max_backoff_ms))
    }
}

/// Links put into messages.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct LinksConfig {
    /// The portal's public base URL; `login_url` is
    /// `<base>/portal/<agency>/<portal>/login`.
    pub portal_base_url: String,
}

impl Default for LinksConfig {
    fn default() -> Self {
        Self {
            portal_base_url: "http://127.0.0.1:8080".to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let dispatch = DispatchConfig {
            initial_backoff_ms: 100,
            max_backoff_ms: 1_000,
            ..DispatchConfig::default()
        };
        assert_eq!(dispatch.backoff(1), Duration::from_millis(100));
        assert_eq!(dispatch.backoff(2), Duration::from_millis(200));
        assert_eq!(dispatch.backoff(4), Duration::from_millis(800));
        assert_eq!(dispatch.backoff(5), Duration::from_millis(1_000));
        assert_eq!(dispatch.backoff(500), Duration::from_millis(1_000));
    }

    #[test]
    fn secrets_are_masked() {
        let mut config = Config::default();
        config.smtp.password = Secret::new("smtp-pass-123");
        config.sms.api_key = Secret::new("sms-key-456");
        let rendered = laissez_kit::config::render(&config);
        assert!(!rendered.contains("smtp-pass-123"), "{rendered}");
        assert!(!rendered.contains("sms-key-456"), "{rendered}");
        assert!(rendered.contains("port = 1025"), "{rendered}");
    }
}
