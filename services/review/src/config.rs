//! The review service's configuration.

use std::path::PathBuf;

use laissez_kit::app::ServiceConfig;
use laissez_kit::config::CommonConfig;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Config {
    #[serde(flatten)]
    pub common: CommonConfig,
    pub events: laissez_eventbus::EventBusConfig,
    #[serde(default)]
    pub catalog: CatalogConfig,
    #[serde(default)]
    pub queue: QueueConfig,
    #[serde(default)]
    pub services: ServicesConfig,
}

/// The agency catalogs (processing days, calendars, priority rules, sign-off).
/// Loaded from the folder at start-up until review reads intake's versions.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CatalogConfig {
    pub dir: PathBuf,
}

impl Default for CatalogConfig {
    fn default() -> Self {
        Self {
            dir: PathBuf::from("deploy/agencies"),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct QueueConfig {
    /// How long a claim lasts without a decision.
    pub lease_seconds: u64,
    /// How long a supervisor's assignment lasts.
    pub assignment_lease_seconds: u64,
    /// Aging policy: a priority case counts as submitted this much earlier.
    pub priority_head_start_hours: u64,
    /// Warn when a case is this many working days (or fewer) from its due date.
    pub sla_warning_working_days: u32,
    /// How often queue gauges and SLA warnings are refreshed.
    pub maintenance_interval_seconds: u64,
}

impl Default for QueueConfig {
    fn default() -> Self {
        Self {
            lease_seconds: 900,
            assignment_lease_seconds: 8 * 3600,
            priority_head_start_hours: 72,
            sla_warning_working_days: 2,
            maintenance_interval_seconds: 30,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ServicesConfig {
    /// Intake's gRPC address: the reviewers' case view reads the submitted
    /// case (answers, documents, returns) from it with the reviewer's token.
    pub intake: String,
    /// How long a call to intake may take before the case view gives up.
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

impl Default for Config {
    fn default() -> Self {
        Self {
            common: CommonConfig::for_service("review", 50063, 9063),
            events: laissez_eventbus::EventBusConfig::default(),
            catalog: CatalogConfig::default(),
            queue: QueueConfig::default(),
            services: ServicesConfig::default(),
        }
    }
}

impl ServiceConfig for Config {
    fn common(&self) -> &CommonConfig {
        &self.common
    }
}
