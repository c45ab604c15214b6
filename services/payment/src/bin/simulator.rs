//! `laissez-payment-sim`: the payment providers' simulator for the local
//! stack (see `laissez_payment::simulator`). Secrets come from the
//! environment, one per provider: `LAISSEZ_SIM_SECRET_CARD`, `…_WEBATM`,
//! `…_EGOV`, `…_BANK`, `…_CVS`.

use std::collections::HashMap;
use std::net::SocketAddr;

use clap::Parser;
use laissez_payment::provider::PROVIDERS;
use laissez_payment::simulator::{Simulator, SimulatorConfig};
use tokio_util::sync::CancellationToken;

#[derive(Parser)]
#[command(about = "Simulated payment providers that speak the providers' protocol")]
struct Arguments {
    #[arg(long, default_value = "127.0.0.1:8090")]
    listen: SocketAddr,
    /// How browsers reach the simulator (hosted pages).
    #[arg(long, default_value = "")]
    public_url: String,
    /// Extra copies of every notice (duplicates on purpose).
    #[arg(long, default_value_t = 2)]
    duplicates: u32,
    /// Each notice waits a random time up to this (out of order on purpose).
    #[arg(long, default_value_t = 400)]
    max_delay_ms: u64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let arguments = Arguments::parse();
    let mut secrets = HashMap::new();
    for provider in PROVIDERS {
        let name = format!("LAISSEZ_SIM_SECRET_{}", provider.to_ascii_uppercase());
        match std::env::var(&name) {
            Ok(secret) if !secret.is_empty() => {
                secrets.insert(provider.to_owned(), secret);
            }
            _ => eprintln!("{name} is not set: provider {provider} is off"),
        }
    }
    let shutdown = CancellationToken::new();
    let simulator = Simulator::start(
        SimulatorConfig {
            listen: arguments.listen,
            public_url: arguments.public_url,
            secrets,
            duplicates: arguments.duplicates,
            max_delay_ms: arguments.max_delay_ms,
        },
        shutdown.clone(),
    )
    .await?;
    println!("payment simulator on http://{}", simulator.address());
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate.recv() => {}
    }
    shutdown.cancel();
    Ok(())
}
