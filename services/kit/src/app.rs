//! The first lines of every service's `main`: flags, configuration,
//! `--print-config`, telemetry and the shutdown signal.

use clap::Parser;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio_util::sync::CancellationToken;

use crate::config::{self, Cli, CommonConfig};
use crate::telemetry::{self, TelemetryGuard};

/// A service's whole configuration: the shared sections plus its own.
pub trait ServiceConfig: Serialize + DeserializeOwned + Default {
    fn common(&self) -> &CommonConfig;
}

/// What a started service process holds on to while it runs.
pub struct Runtime<C> {
    pub config: C,
    /// Cancelled by SIGTERM / Ctrl-C.
    pub shutdown: CancellationToken,
    /// `--migrate-only`: bring the database schema up to date and exit.
    pub migrate_only: bool,
    _telemetry: TelemetryGuard,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Config(#[from] config::Error),
    #[error(transparent)]
    Telemetry(#[from] telemetry::Error),
}

/// Parses the flags and loads the configuration. Returns `None` after
/// printing the configuration when `--print-config` was given.
pub fn start<C: ServiceConfig>(service: &'static str) -> Result<Option<Runtime<C>>, Error> {
    let cli = Cli::parse();
    let config: C = config::load(C::default(), cli.config.as_deref())?;
    if cli.print_config {
        print!("{}", config::render(&config));
        return Ok(None);
    }
    let guard = telemetry::init(service, &config.common().telemetry)?;
    // The metrics recorder before anything records: a metric recorded
    // before it is installed is dropped, not queued (the gateway, which has
    // no RPC layer to install it, lost every request before its first scrape).
    crate::metrics::prometheus();
    let shutdown = CancellationToken::new();
    crate::shutdown::cancel_on_signal(shutdown.clone());
    tracing::info!(
        service,
        environment = ?config.common().environment,
        grpc = %config.common().grpc.listen,
        admin = %config.common().admin.listen,
        "starting"
    );
    Ok(Some(Runtime {
        config,
        shutdown,
        migrate_only: cli.migrate_only,
        _telemetry: guard,
    }))
}
