//! A fuzzer no one here wrote: schemathesis (PyPI, installed by
//! `./deploy/dev.sh deps`) against `/api/v1/openapi.json`, signed in as
//! an applicant, a reviewer and an agency administrator in turn, with all
//! its checks and its stateful phase (it follows the document's links from
//! one operation's answer to the next). The harness raises the gateway's
//! rate limits, so the requests reach the services.

use std::path::PathBuf;
use std::time::Instant;

use laissez_integration_tests::fujian::{FJ, FjDesk, fj_applicant};
use laissez_integration_tests::journeys::Outside;
use laissez_integration_tests::platform::Platform;

/// `$LAISSEZ_SCHEMATHESIS`, else where `./deploy/dev.sh deps` installs it.
fn schemathesis() -> PathBuf {
    if let Some(path) = std::env::var_os("LAISSEZ_SCHEMATHESIS").filter(|path| !path.is_empty()) {
        return PathBuf::from(path);
    }
    let home = std::env::var_os("HOME").unwrap_or_default();
    PathBuf::from(home).join(".cache/laissez-tools/schemathesis/bin/st")
}

/// Examples per operation and phase: enough to reach every operation's
/// edges in a few minutes on two cores.
const EXAMPLES: &str = "25";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schemathesis_finds_no_failure_as_applicant_reviewer_or_administrator() {
    let st = schemathesis();
    assert!(
        st.exists(),
        "the fuzzer needs schemathesis at {}: run `./deploy/dev.sh deps` or set LAISSEZ_SCHEMATHESIS",
        st.display()
    );
    let platform = Platform::start().await.expect("the platform starts");
    let out = Outside::of(&platform).await;
    let applicant = fj_applicant(&out).await;
    let desk = FjDesk::open(&out).await;
    let admin = out
        .staff(&desk.operator, FJ, "fj.admin", &["agency_admin"])
        .await;
    let schema = format!("{}/api/v1/openapi.json", platform.gateway());

    let mut failed = Vec::new();
    for (who, token) in [
        ("applicant", applicant.token.as_str()),
        ("reviewer", desk.reviewer.as_str()),
        ("administrator", admin.as_str()),
    ] {
        let reports = platform.logs.join(format!("schemathesis-{who}"));
        let started = Instant::now();
        let _ = std::fs::create_dir_all(&reports);
        // schemathesis keeps its cache in the folder it runs in: the run's.
        let run = tokio::process::Command::new(&st)
            .current_dir(&reports)
            .arg("--config-file")
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/schemathesis.toml"))
            .args(["run", &schema])
            .args(["--checks", "all"])
            .args(["--phases", "examples,coverage,fuzzing,stateful"])
            .args(["--max-examples", EXAMPLES])
            .args(["--workers", "2"])
            .args(["--seed", "20261207"])
            .args(["--request-timeout", "30"])
            .arg("--header")
            .arg(format!("Authorization: Bearer {token}"))
            .args(["--report", "junit"])
            .arg("--report-dir")
            .arg(&reports)
            .arg("--no-color")
            .output()
            .await
            .expect("schemathesis runs");
        let output = format!(
            "{}{}",
            String::from_utf8_lossy(&run.stdout),
            String::from_utf8_lossy(&run.stderr)
        );
        let _ = std::fs::write(reports.join("output.txt"), &output);
        // The stateful phase's reach (links followed), then the summary.
        let mut summary: Vec<&str> = output
            .lines()
            .filter(|line| line.contains("API Links") || line.contains("Scenarios"))
            .collect();
        let tail: Vec<&str> = output.lines().rev().take(12).collect();
        summary.extend(tail.into_iter().rev());
        println!(
            "schemathesis as {who}: {} in {:.0?}\n{}",
            run.status,
            started.elapsed(),
            summary.join("\n")
        );
        if !run.status.success() {
            failed.push(format!(
                "as {who} (report {}):\n{output}",
                reports.display()
            ));
        }
    }
    if failed.is_empty() {
        platform.stop().await;
    }
    assert!(
        failed.is_empty(),
        "schemathesis failed {}",
        failed.join("\n")
    );
}
