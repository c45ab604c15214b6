//! The platform under load: complete journeys of the five demo agencies,
//! from registration to the end each can reach from outside, run again
//! and again for `BENCH_SECONDS` (300) by `BENCH_WORKERS` workers per
//! agency (1; Fujian's desk takes more), against every service running as
//! its release binary. Prints journeys per minute (each agency and all),
//! errors, p50/p99 of every API operation (the journeys' steps), and each
//! service's peak RSS and CPU time — the figures Kubernetes requests and
//! limits come from.
//!
//! ```sh
//! cargo build --release --workspace --bins
//! cargo run --release -p laissez-integration-tests --example load
//! ```

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use laissez_integration_tests::fujian::{FjDesk, fj_exit_entry};
use laissez_integration_tests::hong_kong::{HkDesk, hk_cts};
use laissez_integration_tests::journeys::{Outside, Timings};
use laissez_integration_tests::macao_csm::{MoCsmDesk, mo_csm};
use laissez_integration_tests::macao_cts::{MoCtsDesk, mo_cts};
use laissez_integration_tests::platform::{Platform, SERVICES};
use laissez_integration_tests::taiwan::{TwDesk, tw_nia};

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

/// Peak RSS (kB) and CPU seconds of a process, from /proc.
fn usage(pid: u32) -> (u64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let peak = status
        .lines()
        .find(|line| line.starts_with("VmHWM:"))
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|kib| kib.parse().ok())
        .unwrap_or(0);
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command's closing parenthesis; utime and stime are
    // the 14th and 15th fields of the whole line.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = fields
        .get(11..13)
        .map(|both| both.iter().filter_map(|t| t.parse::<f64>().ok()).sum())
        .unwrap_or(0.0);
    let per_second = std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .and_then(|text| text.trim().parse::<f64>().ok())
        .unwrap_or(100.0);
    (peak, ticks / per_second)
}

fn percentile(sorted: &[Duration], share: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = ((sorted.len() as f64 - 1.0) * share).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> anyhow::Result<()> {
    let seconds = env_number("BENCH_SECONDS", 300);
    let workers = env_number("BENCH_WORKERS", 1).max(1) as usize;
    let platform = Platform::start().await?;
    eprintln!(
        "platform up (run {}); logs in {}",
        platform.run,
        platform.logs.display()
    );
    let timings = Arc::new(Timings::default());
    let out = Outside::of(&platform).await.timed(timings.clone());
    let fj = Arc::new(FjDesk::open(&out).await);
    let operator = fj.operator.clone();
    let tw = Arc::new(TwDesk::open(&out, &operator).await);
    let hk = Arc::new(HkDesk::open(&out, &operator).await);
    let cts = Arc::new(MoCtsDesk::open(&out, &operator).await);
    let csm = Arc::new(MoCsmDesk::open(&out, &operator).await);

    let agencies = ["fj-exit-entry", "tw-nia", "hk-cts", "mo-cts", "mo-csm"];
    let done: Arc<Vec<AtomicU64>> = Arc::new(agencies.iter().map(|_| AtomicU64::new(0)).collect());
    let errors = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let until = started + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for (index, _) in agencies.iter().enumerate() {
        // Only Fujian's desk approves whatever it claims; the others claim
        // their own case, so one worker each keeps their queues apart.
        let count = if index == 0 { workers } else { 1 };
        for _ in 0..count {
            let (out, done, errors) = (out.clone(), done.clone(), errors.clone());
            let (fj, tw, hk, cts, csm) =
                (fj.clone(), tw.clone(), hk.clone(), cts.clone(), csm.clone());
            tasks.push(tokio::spawn(async move {
                let mut first = true;
                while Instant::now() < until {
                    let (out, fj, tw, hk, cts, csm) = (
                        out.clone(),
                        fj.clone(),
                        tw.clone(),
                        hk.clone(),
                        cts.clone(),
                        csm.clone(),
                    );
                    let typhoon = first;
                    let journey = tokio::spawn(async move {
                        match index {
                            0 => drop(fj_exit_entry(&out, &fj).await),
                            1 => drop(tw_nia(&out, &tw).await),
                            2 => drop(hk_cts(&out, &hk).await),
                            3 => drop(mo_cts(&out, &cts).await),
                            _ => drop(mo_csm(&out, &csm, typhoon).await),
                        }
                    });
                    first = false;
                    match journey.await {
                        Ok(()) => done[index].fetch_add(1, Ordering::Relaxed),
                        Err(_) => errors.fetch_add(1, Ordering::Relaxed),
                    };
                }
            }));
        }
    }
    for task in tasks {
        task.await?;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let minutes = elapsed / 60.0;

    println!(
        "\n== load: {seconds} s, {workers} Fujian worker(s), 1 worker for each other agency =="
    );
    let mut total = 0;
    for (index, agency) in agencies.iter().enumerate() {
        let count = done[index].load(Ordering::Relaxed);
        total += count;
        println!(
            "{agency:<14} {count:>5} journeys  {:>7.1} per minute",
            count as f64 / minutes
        );
    }
    println!(
        "{:<14} {total:>5} journeys  {:>7.1} per minute   errors {}",
        "all",
        total as f64 / minutes,
        errors.load(Ordering::Relaxed)
    );
    println!(
        "\n{:<44} {:>7} {:>10} {:>10}",
        "operation (step)", "calls", "p50", "p99"
    );
    for (operation, times) in timings.sorted() {
        println!(
            "{operation:<44} {:>7} {:>10.1?} {:>10.1?}",
            times.len(),
            percentile(&times, 0.50),
            percentile(&times, 0.99)
        );
    }
    println!(
        "\n{:<10} {:>14} {:>12} {:>10}",
        "service", "peak RSS (MB)", "CPU (s)", "CPU share"
    );
    for service in SERVICES {
        if let Some(pid) = platform.pid(service) {
            let (peak, cpu) = usage(pid);
            println!(
                "{:<10} {:>14.1} {:>12.1} {:>9.0}%",
                service.name(),
                peak as f64 / 1024.0,
                cpu,
                100.0 * cpu / elapsed
            );
        }
    }
    platform.stop().await;
    Ok(())
}
