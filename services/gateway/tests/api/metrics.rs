//! The monitoring reads what the services export: after a Fujian case goes
//! from registration to payment at the counter through every real service,
//! the metrics scraped from the admin port include every metric the
//! deploy/observability rules and dashboards read (its `metrics.txt`). A
//! metric that only moves on a rare event (a failure, a rate limit) is
//! marked `event-only` there and is looked for in the services' code.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::json;

use crate::journey::{eventually, post_with_key};
use crate::payment::{Approved, approved_fj_case};
use crate::support::*;

struct Used {
    scraped: Vec<String>,
    event_only: Vec<String>,
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("the workspace root")
        .to_path_buf()
}

fn used_metrics() -> Used {
    let list = std::fs::read_to_string(workspace().join("deploy/observability/metrics.txt"))
        .expect("deploy/observability/metrics.txt");
    let mut used = Used {
        scraped: Vec::new(),
        event_only: Vec::new(),
    };
    for line in list.lines().filter(|line| !line.starts_with('#')) {
        let mut words = line.split_whitespace();
        let (Some(name), marker) = (words.next(), words.next()) else {
            continue;
        };
        match marker {
            None => used.scraped.push(name.to_owned()),
            Some("event-only:") => used.event_only.push(name.to_owned()),
            // Exported by someone else (cert-manager).
            Some(_) => {}
        }
    }
    used
}

/// Every `.rs` file under `dir`, read.
fn sources(dir: &Path, into: &mut String) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            if !path.ends_with("tests") {
                sources(&path, into);
            }
        } else if path.extension().is_some_and(|extension| extension == "rs") {
            into.push_str(&std::fs::read_to_string(&path).unwrap_or_default());
        }
    }
}

fn exported_names(scrape: &str) -> BTreeSet<String> {
    scrape
        .lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .filter_map(|line| line.split(['{', ' ']).next())
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn every_metric_the_rules_and_dashboards_read_is_exported() {
    let used = used_metrics();
    assert!(used.scraped.len() > 20, "metrics.txt lists too few metrics");

    // Event-only metrics: recorded somewhere in the services' code.
    let mut code = String::new();
    sources(&workspace().join("services"), &mut code);
    for name in &used.event_only {
        let base = ["_bucket", "_count", "_sum"]
            .iter()
            .find_map(|suffix| name.strip_suffix(suffix))
            .unwrap_or(name);
        assert!(
            code.contains(&format!("\"{base}\"")),
            "{name} is read by the monitoring but recorded nowhere in services/"
        );
    }

    // A journey through every service: registration, sign-in, submission,
    // review, the order, payment at the counter, production.
    let stack = Stack::start(Services::ALL).await;
    let Approved {
        applicant,
        case_id,
        receipt,
        counter,
        ..
    } = approved_fj_case(&stack).await;
    let on = &stack;
    let as_applicant = applicant.as_str();
    let order_id = eventually("the order opens", move || async move {
        let listed = on.get("/api/v1/payment/orders", as_applicant).await.ok();
        listed["orders"][0]["order_id"].as_str().map(str::to_owned)
    })
    .await;
    let paid = post_with_key(
        &stack,
        &format!("/api/v1/payment/orders/{order_id}/counter-payments"),
        &counter,
        "take-metrics",
        &json!({"method": "port_counter", "amount": {"minor_units": 20000, "currency": "CNY"}, "counter_receipt": receipt}),
    )
    .await;
    assert_eq!(paid.status, 201, "{}", paid.text());
    let case = case_id.as_str();
    eventually("the case is in production", move || async move {
        let found = on
            .get(&format!("/api/v1/cases/{case}"), as_applicant)
            .await
            .ok();
        (found["state"] == "CASE_STATE_IN_PRODUCTION").then_some(())
    })
    .await;

    // Periodic gauges (queue depths, review queues, job clocks) appear on
    // their next round.
    let metrics_url = format!("http://{}/metrics", stack.admin);
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(60);
    let missing = loop {
        let scrape = stack
            .http
            .get(&metrics_url)
            .send()
            .await
            .expect("the admin port answers")
            .text()
            .await
            .expect("a scrape");
        let exported = exported_names(&scrape);
        let missing: Vec<&String> = used
            .scraped
            .iter()
            .filter(|name| !exported.contains(*name))
            .collect();
        if missing.is_empty() || tokio::time::Instant::now() > deadline {
            break missing;
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    };
    assert!(
        missing.is_empty(),
        "read by deploy/observability but not exported after the journey: {missing:?}"
    );
    stack.stop().await;
}
