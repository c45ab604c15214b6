use std::time::{Duration, Instant};

use chrono::Utc;
use laissez_eventbus::Outbox;

use crate::support::*;

async fn count(app: &TestApp, sql: &str, case_id: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
        .bind(case_id)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn redelivered_and_reordered_events_change_the_queue_once() {
    let app = start("reorder").await;
    // The same submission twice (a redelivery with a fresh event id).
    let case = NewCase::new(HK, Utc::now());
    app.deliver(HK, 1, &case.event(), &case.case_id).await;
    app.deliver(HK, 1, &case.event(), &case.case_id).await;
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM review_case WHERE case_id = $1::uuid",
            &case.case_id
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM audit_log WHERE case_id = $1::uuid",
            &case.case_id
        )
        .await,
        1
    );

    // A withdrawal that overtakes its submission: the case never queues.
    let overtaken = NewCase::new(HK, Utc::now());
    app.deliver(HK, 2, &withdrawn(&overtaken.case_id), &overtaken.case_id)
        .await;
    app.deliver(HK, 1, &overtaken.event(), &overtaken.case_id)
        .await;
    assert_eq!(case_state(&app.pool, &overtaken.case_id).await, "withdrawn");

    // A stale resubmission (older than the withdrawal) does not reopen it.
    let returned = NewCase::new(HK, Utc::now());
    app.deliver(HK, 1, &returned.event(), &returned.case_id)
        .await;
    sqlx::query("UPDATE review_case SET state = 'returned' WHERE case_id = $1::uuid")
        .bind(&returned.case_id)
        .execute(&app.pool)
        .await
        .unwrap();
    app.deliver(HK, 5, &withdrawn(&returned.case_id), &returned.case_id)
        .await;
    app.deliver(
        HK,
        4,
        &resubmitted(&returned.case_id, 1, Utc::now()),
        &returned.case_id,
    )
    .await;
    assert_eq!(case_state(&app.pool, &returned.case_id).await, "withdrawn");

    // Withdrawn before review ends: it leaves the queue.
    app.deliver(HK, 2, &withdrawn(&case.case_id), &case.case_id)
        .await;
    assert_eq!(case_state(&app.pool, &case.case_id).await, "withdrawn");
    app.stop().await;
}

#[tokio::test]
async fn intake_events_arrive_through_the_broker() {
    let app = start("broker").await;
    let case = NewCase::new(MO, Utc::now());
    // Published from this database's outbox: the relay sends it to the
    // test's exchange like intake's relay would.
    let mut transaction = app.pool.begin().await.unwrap();
    Outbox::enqueue(&mut transaction, MO, "case", &case.case_id, &case.event())
        .await
        .unwrap();
    transaction.commit().await.unwrap();
    let started = Instant::now();
    loop {
        let found = count(
            &app,
            "SELECT count(*) FROM review_case WHERE case_id = $1::uuid",
            &case.case_id,
        )
        .await;
        if found == 1 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the submission never arrived"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(case_state(&app.pool, &case.case_id).await, "queued");
    app.stop().await;
}

#[tokio::test]
async fn an_event_without_a_proper_agency_is_refused_and_changes_nothing() {
    let app = start("badagency").await;
    let case = NewCase::new(HK, Utc::now());
    let event = case.event();
    for agency in ["", "HK-CTS", "hk_cts", "../hk-cts", "hk-cts\0"] {
        let envelope = envelope(agency, 1, &event, &event.case_id);
        let mut transaction = app.pool.begin().await.unwrap();
        let outcome =
            laissez_review::events::intake::apply(&mut transaction, &app.settings, &envelope)
                .await
                .unwrap();
        transaction.commit().await.unwrap();
        assert!(
            matches!(
                outcome,
                laissez_review::store::intake_events::Outcome::Invalid(_)
            ),
            "{agency:?}: {outcome:?}"
        );
    }
    let queued = count(
        &app,
        "SELECT count(*) FROM review_case WHERE case_id = $1::uuid",
        &event.case_id,
    )
    .await;
    assert_eq!(queued, 0);
    app.stop().await;
}
