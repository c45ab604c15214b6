//! The intake service's configuration.

use std::path::PathBuf;

use laissez_kit::app::ServiceConfig;
use laissez_kit::config::CommonConfig;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CatalogConfig {
    /// The agency catalogs: one folder per agency.
    pub dir: PathBuf,
    /// Publish each agency folder at start-up when it differs from the
    /// agency's current version (the local stack loads the demo agencies
    /// this way; production publishes through the admin API instead).
    pub publish_on_start: bool,
}

/// Limits on uploaded documents beyond the catalog's per-document size.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct UploadConfig {
    /// Live documents one case may hold.
    pub max_documents_per_case: u64,
    /// Total bytes of one case's live documents.
    pub max_bytes_per_case: u64,
    /// Largest image, in pixels, judged from the header before decoding.
    pub max_image_pixels: u64,
    /// Most bytes the streams of one PDF may inflate to.
    pub max_pdf_inflated_bytes: u64,
}

impl Default for UploadConfig {
    fn default() -> Self {
        Self {
            max_documents_per_case: 30,
            max_bytes_per_case: 50 * 1024 * 1024,
            max_image_pixels: 40_000_000,
            max_pdf_inflated_bytes: 64 * 1024 * 1024,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Config {
    #[serde(flatten)]
    pub common: CommonConfig,
    pub events: laissez_eventbus::EventBusConfig,
    pub catalog: CatalogConfig,
    #[serde(default)]
    pub uploads: UploadConfig,
    /// Development only: the demo permit records loaded at start-up.
    #[serde(default)]
    pub demo: laissez_catalog::demo::DemoConfig,
    #[serde(default)]
    pub jobs: JobsConfig,
}

/// The scheduled work (`jobs`).
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct JobsConfig {
    /// Seconds between two passes.
    pub interval_seconds: u64,
    /// Most cases one pass handles.
    pub batch: i64,
}

impl Default for JobsConfig {
    fn default() -> Self {
        Self {
            interval_seconds: 300,
            batch: 100,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            common: CommonConfig::for_service("intake", 50062, 9062),
            events: laissez_eventbus::EventBusConfig::default(),
            catalog: CatalogConfig {
                dir: PathBuf::from("deploy/agencies"),
                publish_on_start: true,
            },
            uploads: UploadConfig::default(),
            demo: Default::default(),
            jobs: JobsConfig::default(),
        }
    }
}

impl ServiceConfig for Config {
    fn common(&self) -> &CommonConfig {
        &self.common
    }
}
