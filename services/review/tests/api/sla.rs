use chrono::{NaiveDate, TimeZone, Utc};
use laissez_proto::events::v1::Decision;
use laissez_proto::review::v1::*;

use crate::support::*;

fn date(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

async fn due_on(app: &TestApp, case_id: &str) -> Option<NaiveDate> {
    sqlx::query_scalar("SELECT due_on FROM review_case WHERE case_id = $1::uuid")
        .bind(case_id)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_sla_clock_pauses_across_a_return_and_a_resubmission_over_a_holiday() {
    let app = start("sla").await;
    // Hong Kong, Home Return Permit: 12 working days. Submitted Monday
    // 2026-06-15 10:00 HKT; 2026-06-19 (Tuen Ng) is a holiday.
    let submitted_at = Utc.with_ymd_and_hms(2026, 6, 15, 2, 0, 0).unwrap();
    let case = app.submit(&NewCase::new(HK, submitted_at)).await;
    // 16,17,18 | 19 holiday | 22..26 | 29,30 | 1 Jul holiday | 2,3 → the 12th working day is 3 Jul.
    assert_eq!(due_on(&app, &case).await, Some(date("2026-07-03")));

    let reviewer = As::reviewer("r1", HK);
    app.client
        .clone()
        .claim_next(app.request(&reviewer, ClaimNextRequest::default()))
        .await
        .unwrap();
    app.client
        .clone()
        .decide(app.request(
            &reviewer,
            DecideRequest {
                case_id: case.clone(),
                decision: Decision::ReturnedForCorrection as i32,
                comment: "wrong photo".into(),
                fee_forfeited: false,
            },
        ))
        .await
        .unwrap();
    // The return happened on Friday 2026-06-26 (the test cannot wait for it).
    sqlx::query("UPDATE review_case SET paused_on = '2026-06-26' WHERE case_id = $1::uuid")
        .bind(&case)
        .execute(&app.pool)
        .await
        .unwrap();
    // Resubmitted Thursday 2026-07-02 09:00 HKT: paused working days are
    // 29 Jun, 30 Jun, 2 Jul (1 Jul is a holiday, the weekend does not count) = 3.
    let resubmitted_at = Utc.with_ymd_and_hms(2026, 7, 2, 1, 0, 0).unwrap();
    app.deliver(HK, 3, &resubmitted(&case, 1, resubmitted_at), &case)
        .await;
    // 3 Jul + 3 working days: 6, 7, 8 Jul.
    assert_eq!(due_on(&app, &case).await, Some(date("2026-07-08")));
    assert_eq!(case_state(&app.pool, &case).await, "queued");
    app.stop().await;
}

#[tokio::test]
async fn cases_near_or_past_their_due_date_are_flagged() {
    let app = start("slawarn").await;
    let overdue = app
        .submit(&NewCase::new(HK, Utc::now() - chrono::Duration::days(60)))
        .await;
    let fresh = app.submit(&NewCase::new(HK, Utc::now())).await;
    laissez_review::maintenance::check_sla(&app.pool, &app.settings)
        .await
        .unwrap();
    let flags = |case: String| {
        let pool = app.pool.clone();
        async move {
            sqlx::query_as::<_, (bool, bool)>(
                "SELECT sla_warned, sla_breached FROM review_case WHERE case_id = $1::uuid",
            )
            .bind(case)
            .fetch_one(&pool)
            .await
            .unwrap()
        }
    };
    assert_eq!(flags(overdue).await, (true, true));
    assert_eq!(flags(fresh).await, (false, false));
    app.stop().await;
}
