//! The payment service's configuration.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use laissez_kit::app::ServiceConfig;
use laissez_kit::config::{CommonConfig, Secret};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Config {
    #[serde(flatten)]
    pub common: CommonConfig,
    pub events: laissez_eventbus::EventBusConfig,
    #[serde(default)]
    pub services: ServicesConfig,
    #[serde(default)]
    pub providers: ProvidersConfig,
    #[serde(default)]
    pub payment: PaymentConfig,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            common: CommonConfig::for_service("payment", 50064, 9064),
            events: laissez_eventbus::EventBusConfig::default(),
            services: ServicesConfig::default(),
            providers: ProvidersConfig::default(),
            payment: PaymentConfig::default(),
        }
    }
}

impl ServiceConfig for Config {
    fn common(&self) -> &CommonConfig {
        &self.common
    }
}

/// Where the published catalogs are read (intake keeps every version).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ServicesConfig {
    pub intake: String,
    pub intake_timeout_ms: u64,
}

impl Default for ServicesConfig {
    fn default() -> Self {
        Self {
            intake: "http://127.0.0.1:50062".to_owned(),
            intake_timeout_ms: 5_000,
        }
    }
}

/// One payment provider: its API's base URL and the secret both sides sign
/// with. A provider without both is not offered (its methods answer
/// "unavailable").
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ProviderConfig {
    #[serde(default)]
    pub url: String,
    #[serde(default)]
    pub secret: Secret,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProvidersConfig {
    /// By provider name (`card`, `webatm`, `egov`, `bank`, `cvs`).
    #[serde(default)]
    pub providers: BTreeMap<String, ProviderConfig>,
    /// Where providers post their notices: `<this>/callbacks/<provider>`
    /// (empty: the callback listener's own address).
    pub callback_base_url: String,
    /// The HTTP listener for provider notices.
    pub callback_listen: SocketAddr,
    /// A notice signed longer ago (or further ahead) than this is refused.
    pub signature_tolerance_seconds: i64,
    pub timeout_ms: u64,
}

impl Default for ProvidersConfig {
    fn default() -> Self {
        Self {
            providers: BTreeMap::new(),
            callback_base_url: "http://127.0.0.1:8064".to_owned(),
            callback_listen: SocketAddr::from(([127, 0, 0, 1], 8064)),
            signature_tolerance_seconds: 300,
            timeout_ms: 5_000,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PaymentConfig {
    /// How long a hosted payment page stays payable.
    pub hosted_minutes: i64,
    /// How long a virtual account takes transfers.
    pub transfer_days: i64,
    /// The collector's 3-character collection code on slips (barcode 1).
    pub slip_collection_code: String,
    /// The collector's code heading barcode 2 (with the payment's number, 16).
    pub slip_collector_code: String,
    /// How often expired payments are swept and late notices polled for.
    pub sweep_interval_seconds: u64,
    /// A pending online payment is polled when no notice came this long.
    pub poll_after_seconds: i64,
    /// From this hour (UTC) on, yesterday's settlement files are ready and
    /// the daily reconciliation runs (24: never).
    pub reconcile_from_hour_utc: u32,
}

impl Default for PaymentConfig {
    fn default() -> Self {
        Self {
            hosted_minutes: 30,
            transfer_days: 3,
            slip_collection_code: "Y01".to_owned(),
            slip_collector_code: "NIA".to_owned(),
            sweep_interval_seconds: 30,
            poll_after_seconds: 60,
            reconcile_from_hour_utc: 2,
        }
    }
}
