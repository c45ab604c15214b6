//! The render service's configuration.

use std::path::PathBuf;

use laissez_kit::app::ServiceConfig;
use laissez_kit::config::CommonConfig;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    #[serde(flatten)]
    pub common: CommonConfig,
    pub events: laissez_eventbus::EventBusConfig,
    pub services: ServicesConfig,
    pub render: RenderConfig,
    pub seal: SealConfig,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            common: CommonConfig::for_service("render", 50065, 9065),
            events: laissez_eventbus::EventBusConfig::default(),
            services: ServicesConfig::default(),
            render: RenderConfig::default(),
            seal: SealConfig::default(),
        }
    }
}

impl ServiceConfig for Config {
    fn common(&self) -> &CommonConfig {
        &self.common
    }
}

/// Where the published catalogs (and their templates) are read.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
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

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct RenderConfig {
    /// Font files (or folders of them) templates may use, in fallback order.
    pub fonts: Vec<PathBuf>,
}

impl Default for RenderConfig {
    fn default() -> Self {
        Self {
            fonts: crate::engine::DEFAULT_FONTS
                .iter()
                .map(PathBuf::from)
                .collect(),
        }
    }
}

/// The agencies' seal keys: `<key_dir>/<agency>/<key id>.pem`, PKCS#8
/// P-256 private keys (a mounted secret in Kubernetes). An agency's newest
/// key (greatest key id) signs; older ones still verify what they signed.
/// A `<key id>.pub.pem` without its private key only verifies (a key
/// retired after its private half was destroyed).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct SealConfig {
    pub key_dir: PathBuf,
    /// Create a key for an agency that has none when it first needs one
    /// (local development; never in production).
    pub generate_missing: bool,
}

impl Default for SealConfig {
    fn default() -> Self {
        Self {
            key_dir: PathBuf::from("/etc/laissez/seal-keys"),
            generate_missing: false,
        }
    }
}
