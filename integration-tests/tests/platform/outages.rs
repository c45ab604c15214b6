//! The servers the platform stands on, lost mid-journey and brought back
//! through fault proxies (the machine's shared servers keep running for
//! the other suites): RabbitMQ, PostgreSQL and Redis each cut for ten
//! seconds with Fujian journeys in flight, and the mail server refusing
//! for a minute while a member of staff is invited. Every journey ends,
//! and counting from outside finds every effect exactly once.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use laissez_integration_tests::effects::{count_fj, message_kinds};
use laissez_integration_tests::fujian::{FJ, FjDesk, fj_exit_entry, in_flight, landed};
use laissez_integration_tests::journeys::Outside;
use laissez_integration_tests::platform::{Options, Platform};

const IN_FLIGHT: usize = 2;
const OUTAGE: Duration = Duration::from_secs(10);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn journeys_ride_out_the_broker_the_database_and_redis_going_away_and_mail_refused() {
    let platform = Arc::new(
        Platform::start_with(Options { proxied: true })
            .await
            .expect("the platform starts"),
    );
    let out = Outside::of(&platform).await;
    let desk = Arc::new(FjDesk::open(&out).await);
    let quiet = fj_exit_entry(&out, &desk).await;
    let expected: BTreeSet<String> = message_kinds(&out, &quiet).await;
    let mut cases = vec![quiet];

    let proxies = platform.proxies().expect("proxied");
    for (name, proxy) in [
        ("RabbitMQ", &proxies.rabbitmq),
        ("PostgreSQL", &proxies.postgres),
        ("Redis", &proxies.redis),
    ] {
        let journeys = in_flight(&out, &desk, IN_FLIGHT);
        tokio::time::sleep(Duration::from_secs(3)).await;
        eprintln!("{name}: cut for {OUTAGE:?}");
        proxy.cut();
        tokio::time::sleep(OUTAGE).await;
        proxy.restore();
        cases.extend(landed(journeys).await);
        eprintln!("{name}: {IN_FLIGHT} journeys ended after the outage");
    }

    // The mail server refuses for a minute while someone is invited; the
    // invitation arrives once it is back, and only once.
    proxies.smtp.cut();
    out.staff_invitation(&desk.operator, FJ, "fj.late", &["counter"])
        .await;
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert!(
        out.mail.to("fj.late@agency.example").await.is_empty(),
        "no mail while the server refuses"
    );
    proxies.smtp.restore();
    let arrived = laissez_integration_tests::outside::eventually(
        "the invitation after the mail server is back",
        180,
        || async {
            let mails = out.mail.to("fj.late@agency.example").await;
            (!mails.is_empty()).then_some(mails)
        },
    )
    .await;
    // Give a duplicate the time to show itself.
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(
        out.mail.to("fj.late@agency.example").await.len(),
        1,
        "{arrived:#?}"
    );

    let ledger = count_fj(&out, &desk.auditor, &cases, &expected).await;
    eprintln!("counted: {ledger}");
    assert!(ledger.is_clean(), "{ledger:#?}");
    for login in ["fj.reviewer", "fj.counter", "fj.senior"] {
        let mails = out.mail.to(&format!("{login}@agency.example")).await;
        assert_eq!(mails.len(), 1, "{login}: {mails:#?}");
    }
    Arc::into_inner(platform)
        .expect("the journeys are over")
        .stop()
        .await;
}
