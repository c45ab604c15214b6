//! Faults mid-journey: with Fujian journeys in flight, each service in turn
//! is killed with SIGKILL and started again. Every journey still ends with
//! the permit collected, and counting from outside finds every effect once:
//! no order, acknowledgement or message lost or doubled, receipt numbers
//! unique, the review audit chain intact.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use laissez_integration_tests::effects::{count_fj, message_kinds};
use laissez_integration_tests::fujian::{FjDesk, fj_exit_entry, in_flight, landed};
use laissez_integration_tests::journeys::Outside;
use laissez_integration_tests::platform::{Platform, SERVICES};

/// Journeys in flight while one service is down.
const IN_FLIGHT: usize = 2;

#[tokio::test]
async fn every_journey_ends_and_nothing_is_lost_or_doubled_when_each_service_is_killed_in_turn() {
    let platform = Arc::new(Platform::start().await.expect("the platform starts"));
    let out = Outside::of(&platform).await;
    let desk = Arc::new(FjDesk::open(&out).await);

    // A quiet journey first: the messages a case's applicant receives.
    let quiet = fj_exit_entry(&out, &desk).await;
    let expected: BTreeSet<String> = message_kinds(&out, &quiet).await;
    assert!(!expected.is_empty(), "a quiet journey sends messages");
    let mut cases = vec![quiet];

    for service in SERVICES {
        let journeys = in_flight(&out, &desk, IN_FLIGHT);
        // Let the journeys get going, then pull the plug mid-flight.
        tokio::time::sleep(Duration::from_secs(3)).await;
        let pid = platform.pid(service);
        platform.kill(service);
        eprintln!("killed laissez-{} (pid {pid:?})", service.name());
        tokio::time::sleep(Duration::from_secs(2)).await;
        platform
            .restart(service)
            .await
            .unwrap_or_else(|error| panic!("restarting {}: {error:#}", service.name()));
        cases.extend(landed(journeys).await);
    }

    let ledger = count_fj(&out, &desk.auditor, &cases, &expected).await;
    eprintln!("counted: {ledger}");
    assert!(ledger.is_clean(), "{ledger:#?}");
    assert_eq!(ledger.cases, 1 + SERVICES.len() * IN_FLIGHT);
    // One invitation e-mail per staff member, through all of it.
    for login in ["fj.reviewer", "fj.counter", "fj.senior"] {
        let mails = out.mail.to(&format!("{login}@agency.example")).await;
        assert_eq!(mails.len(), 1, "{login}: {mails:#?}");
    }
    Arc::into_inner(platform)
        .expect("the journeys are over")
        .stop()
        .await;
}
