//! Documents that follow a case's appointment and production: a letter
//! per booking, revoked when the booking moves or is cancelled, whatever
//! order the broker delivers in; the pickup slip when production starts.

use laissez_kit::Role;
use laissez_proto::render::v1::{ListDocumentsRequest, Verdict};
use laissez_render::sample;
use laissez_render::testing::TestRender;
use uuid::Uuid;

const OWNER: &str = "acct-owner";

/// A letter per booking: a reschedule revokes the old letter and issues
/// the new, a cancellation revokes the last; a booking older than the
/// case's newest appointment fact (delivered out of order) issues nothing.
/// Production's start brings the pickup slip where the agency issues one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn appointment_letters_follow_the_booking_and_production_brings_the_pickup_slip() {
    let render = TestRender::start("letters").await.expect("render starts");
    let case_id = Uuid::now_v7().to_string();
    let mut booked = sample::booked(&case_id, "home_return_permit", 1, "hk-island");
    if let Some(party) = booked.party.as_mut() {
        party.account_id = OWNER.to_owned();
    }
    booked.booking_id = Uuid::now_v7().to_string();
    render.publish("hk-cts", &case_id, &booked).await;
    assert_eq!(render.wait_for_documents(&case_id, 1, 90).await, 1);

    // Rescheduled: a new booking a day later, replacing the first.
    let mut moved = booked.clone();
    moved.booking_id = Uuid::now_v7().to_string();
    moved.previous_starts_at = booked.starts_at;
    if let Some(starts_at) = moved.starts_at.as_mut() {
        starts_at.seconds += 86_400;
    }
    render.publish("hk-cts", &case_id, &moved).await;
    assert_eq!(render.wait_for_documents(&case_id, 2, 90).await, 2);
    let letters = |render: &TestRender| {
        let pool = render.pool.clone();
        let case_id = case_id.clone();
        async move {
            sqlx::query_as::<_, (String, String, String, bool, String)>(
                "SELECT source, number, seal, revoked_at IS NOT NULL, revoked_reason
                   FROM documents WHERE case_id = $1::uuid AND kind = 'appointment_letter'
                  ORDER BY rendered_at",
            )
            .bind(&case_id)
            .fetch_all(&pool)
            .await
            .expect("letters")
        }
    };
    let rows = letters(&render).await;
    assert!(rows[0].3, "the first letter is revoked");
    assert_eq!(rows[0].4, "replaced by a later appointment");
    assert!(!rows[1].3, "the new letter stands");
    assert!(
        rows[1]
            .0
            .starts_with(&format!("appointment:{}:", moved.booking_id))
    );
    assert_ne!(rows[0].1, rows[1].1, "each booking its own number");
    let old = render.verify_seal(&rows[0].2).await;
    assert_eq!(old.verdict(), Verdict::Revoked, "{}", old.reason);
    let new = render.verify_seal(&rows[1].2).await;
    assert_eq!(new.verdict(), Verdict::Valid, "{}", new.reason);
    assert_eq!(new.data.expect("the signed data").agency, "hk-cts");

    // The owner sees both, the old one marked revoked.
    let mine = render
        .client()
        .await
        .list_documents(render.request(
            ListDocumentsRequest {
                case_id: case_id.clone(),
                language: "en".into(),
                ..Default::default()
            },
            OWNER,
            "hk-cts",
            Role::Applicant,
        ))
        .await
        .expect("the owner lists")
        .into_inner()
        .documents;
    assert_eq!(mine.len(), 2);
    assert!(
        mine.iter()
            .all(|document| document.kind == "appointment_letter"
                && document.file_name.starts_with("Appointment letter-"))
    );
    assert_eq!(mine.iter().filter(|document| document.revoked).count(), 1);

    // Cancelled: the standing letter is revoked with the reason.
    let cancelled = laissez_proto::events::v1::AppointmentCancelled {
        case_id: case_id.clone(),
        centre: moved.centre.clone(),
        starts_at: moved.starts_at,
        party: moved.party.clone(),
        booking_id: moved.booking_id.clone(),
        receipt_number: moved.receipt_number.clone(),
        reason: "no_show".into(),
    };
    render.publish("hk-cts", &case_id, &cancelled).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !letters(&render).await[1].3 {
        assert!(
            std::time::Instant::now() < deadline,
            "the letter is revoked"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(
        letters(&render).await[1].4,
        "the appointment was cancelled: no_show"
    );

    // A booking published before the cancellation but delivered after it
    // (its sequence is older): no letter, nothing revived. Then a newer
    // booking does issue one.
    // The case's next event gets sequence `last + 1`.
    let publish_after = |last: i64| {
        let (render, case_id) = (&render, &case_id);
        let mut booking = booked.clone();
        booking.booking_id = Uuid::now_v7().to_string();
        async move {
            sqlx::query(
                "UPDATE outbox_aggregate_sequence SET last_sequence = $2 WHERE aggregate_id = $1",
            )
            .bind(case_id)
            .bind(last)
            .execute(&render.pool)
            .await
            .expect("the case's sequence is set");
            render.publish("hk-cts", case_id, &booking).await;
            booking
        }
    };
    publish_after(1).await;
    let again = publish_after(10).await;
    assert_eq!(render.wait_for_documents(&case_id, 3, 90).await, 3);
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let rows = letters(&render).await;
    assert_eq!(rows.len(), 3, "the stale booking issued nothing");
    assert!(
        rows[2]
            .0
            .starts_with(&format!("appointment:{}:", again.booking_id))
    );
    assert!(!rows[2].3);
    assert_eq!(rows.iter().filter(|row| !row.3).count(), 1);

    // An agency that declares no letter (tw-nia) renders none.
    let tw_case = Uuid::now_v7().to_string();
    let mut tw = sample::booked(&tw_case, "multi_entry_permit", 1, "taipei");
    tw.booking_id = Uuid::now_v7().to_string();
    render.publish("tw-nia", &tw_case, &tw).await;

    // mo-cts's pickup card, once however often production is reported.
    let mo_case = Uuid::now_v7().to_string();
    let mut production = sample::in_production(&mo_case, "home_return_permit", 1);
    production.receipt_number = "MO2026120600001".into();
    if let Some(party) = production.party.as_mut() {
        party.account_id = OWNER.to_owned();
    }
    for _ in 0..2 {
        render.publish("mo-cts", &mo_case, &production).await;
    }
    assert_eq!(render.wait_for_documents(&mo_case, 1, 90).await, 1);
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    assert_eq!(render.wait_for_documents(&mo_case, 2, 0).await, 1);
    assert_eq!(render.wait_for_documents(&tw_case, 1, 0).await, 0);
    let (kind, number, seal_text): (String, String, String) =
        sqlx::query_as("SELECT kind, number, seal FROM documents WHERE case_id = $1::uuid")
            .bind(&mo_case)
            .fetch_one(&render.pool)
            .await
            .expect("the pickup card");
    assert_eq!(
        (kind.as_str(), number.as_str()),
        ("pickup_slip", "MO2026120600001")
    );
    let answer = render.verify_seal(&seal_text).await;
    assert_eq!(answer.verdict(), Verdict::Valid, "{}", answer.reason);
    assert_eq!(
        answer.data.expect("the signed data").number,
        "MO2026120600001"
    );
    render.stop().await;
}
