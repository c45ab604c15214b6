//! Booking against the real database: slots opened from the catalog,
//! search in the agency's time, hold and book, capacity under 1,000
//! concurrent bookings, expired holds, bad slots, a reschedule racing a
//! cancel.

mod support;

use chrono::{DateTime, Days, Utc};
use laissez_kit::Role;
use laissez_proto::intake::v1::*;
use support::booking::*;
use support::*;
use tonic::Code;

#[tokio::test]
async fn slots_open_from_the_catalog_and_are_searched_in_agency_time() {
    let booking = start_booking("appt_open").await;
    booking.open(None).await;
    let open: i64 = sqlx::query_scalar("SELECT count(*) FROM appointment_slots")
        .fetch_one(&booking.intake.database.pool)
        .await
        .unwrap();
    assert!(open > 5 * 40 * 32, "every centre, 60 days: {open}");
    // A second pass has nothing left to open.
    assert_eq!(booking.open(None).await, 0);
    let monday = next_week_monday();
    let who = hk("hk-open");
    let slots = booking.search(&who, CENTRE, monday, monday).await.unwrap();
    assert_eq!(slots.len(), 32, "09:00 to 17:00 in 15 minutes");
    assert_eq!((slots[0].time.as_str(), slots[0].left), ("09:00", 6));
    assert_eq!(slots[0].date, monday.to_string());
    assert_eq!(slots[31].time, "16:45");
    // Bad searches name their field.
    let unknown = booking
        .search(&who, "xiamen_wutong", monday, monday)
        .await
        .unwrap_err();
    assert_eq!(codes(&unknown), ["centre:unknown_centre"]);
    let long = booking
        .search(&who, CENTRE, monday, monday + Days::new(90))
        .await
        .unwrap_err();
    assert_eq!(codes(&long), ["to_date:too_long"]);
    let malformed = booking
        .client
        .clone()
        .search_slots(booking.intake.request(
            &who,
            SearchSlotsRequest {
                centre: CENTRE.into(),
                from_date: "next monday".into(),
                to_date: "2026-13-40".into(),
                only_free: true,
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(codes(&malformed), ["from_date:format"]);
    booking.stop().await;
}

#[tokio::test]
async fn a_thousand_concurrent_bookings_fill_six_places_exactly() {
    let booking = start_booking("appt_race").await;
    booking.open(None).await;
    let monday = next_week_monday();
    let slot = at(&booking
        .search(&hk("x"), CENTRE, monday, monday)
        .await
        .unwrap()[4]);
    let mut drafts = Vec::new();
    for chunk in (0..1_000).collect::<Vec<_>>().chunks(50) {
        let started = futures::future::join_all(chunk.iter().map(|n| {
            let who = hk(&format!("racer-{n}"));
            let booking = &booking;
            async move {
                let case = booking.draft(&who).await;
                (who, case.case_id)
            }
        }))
        .await;
        drafts.extend(started);
    }
    let outcomes = futures::future::join_all(
        drafts
            .iter()
            .map(|(who, case_id)| booking.book(who, case_id, CENTRE, slot)),
    )
    .await;
    let booked = outcomes.iter().filter(|outcome| outcome.is_ok()).count();
    let full = outcomes
        .iter()
        .filter_map(|outcome| outcome.as_ref().err())
        .filter(|status| codes(status) == ["starts_at:slot_full"])
        .count();
    assert_eq!((booked, full), (6, 994));
    assert_eq!(booking.taken(CENTRE, slot).await, 6);
    assert_eq!(booking.outbox("intake.appointment.booked").await, 6);
    booking.assert_counts_match().await;
    booking.stop().await;
}

#[tokio::test]
async fn a_hold_becomes_the_booking_submission_needs_and_an_expired_hold_is_refused() {
    let (booking, _, slots) = with_next_monday("appt_hold").await;
    let who = hk("holder");
    let case = booking.draft(&who).await;
    // Without a booking the draft cannot be submitted.
    let refused = booking
        .intake
        .submit(&who, &[&case.case_id])
        .await
        .unwrap_err();
    assert!(codes(&refused).contains(&"appointment:required".to_owned()));
    let hold = booking
        .hold(&who, &case.case_id, at(&slots[0]))
        .await
        .unwrap();
    assert_eq!(hold.state, "held");
    assert!(hold.hold_expires_at.is_some());
    // Choosing another slot releases the first hold.
    let hold = booking
        .hold(&who, &case.case_id, at(&slots[1]))
        .await
        .unwrap();
    assert_eq!(booking.taken(CENTRE, at(&slots[0])).await, 0);
    assert_eq!(booking.taken(CENTRE, at(&slots[1])).await, 1);
    let booked = booking
        .confirm(&who, &case.case_id, &hold.booking_id)
        .await
        .unwrap();
    assert_eq!(
        (booked.state.as_str(), booked.time.as_str()),
        ("booked", "09:15")
    );
    let refused = booking
        .intake
        .submit(&who, &[&case.case_id])
        .await
        .unwrap_err();
    assert!(
        !codes(&refused)
            .iter()
            .any(|code| code.starts_with("appointment"))
    );
    // Booking again is refused: reschedule instead.
    let again = booking
        .book(&who, &case.case_id, CENTRE, at(&slots[2]))
        .await
        .unwrap_err();
    assert_eq!(again.code(), Code::FailedPrecondition);

    // A hold that expires while the applicant confirms.
    let late = hk("late");
    let late_case = booking.draft(&late).await;
    let hold = booking
        .hold(&late, &late_case.case_id, at(&slots[3]))
        .await
        .unwrap();
    sqlx::query("UPDATE appointment_bookings SET hold_expires_at = now() - interval '1 second' WHERE id = $1::uuid")
        .bind(&hold.booking_id)
        .execute(&booking.intake.database.pool)
        .await
        .unwrap();
    let expired = booking
        .confirm(&late, &late_case.case_id, &hold.booking_id)
        .await
        .unwrap_err();
    assert_eq!(codes(&expired), ["hold_id:hold_expired"]);
    assert_eq!(booking.taken(CENTRE, at(&slots[3])).await, 0);
    // The sweep releases what nobody confirms.
    let swept = hk("swept");
    let swept_case = booking.draft(&swept).await;
    booking
        .hold(&swept, &swept_case.case_id, at(&slots[5]))
        .await
        .unwrap();
    sqlx::query("UPDATE appointment_bookings SET hold_expires_at = now() - interval '1 second' WHERE state = 'held'")
        .execute(&booking.intake.database.pool)
        .await
        .unwrap();
    assert_eq!(booking.appointments.expire_holds(100).await.unwrap(), 1);
    assert_eq!(booking.appointments.expire_holds(100).await.unwrap(), 0);
    assert_eq!(booking.taken(CENTRE, at(&slots[5])).await, 0);
    // Withdrawing the booked draft frees its place at once.
    booking
        .intake
        .client
        .clone()
        .withdraw(booking.intake.request(
            &who,
            WithdrawRequest {
                case_id: case.case_id.clone(),
                confirmed: true,
            },
        ))
        .await
        .unwrap();
    assert_eq!(booking.taken(CENTRE, at(&slots[1])).await, 0);
    booking.assert_counts_match().await;
    booking.stop().await;
}

#[tokio::test]
async fn past_closed_foreign_and_other_accounts_slots_are_refused_and_change_nothing() {
    let booking = start_booking("appt_bad").await;
    booking.open(None).await;
    let who = hk("bad");
    let case = booking.draft(&who).await;
    // A slot of yesterday, as an earlier pass opened it.
    let past = Utc::now() - chrono::Duration::days(1);
    let past = DateTime::from_timestamp(past.timestamp() - past.timestamp() % 900, 0).unwrap();
    sqlx::query(
        "INSERT INTO appointment_slots (agency, centre, starts_at, ends_at, day, capacity)
         VALUES ($1, $2, $3, $3 + interval '15 minutes', ($3 AT TIME ZONE 'Asia/Hong_Kong')::date, 6)
         ON CONFLICT DO NOTHING",
    )
    .bind(HK)
    .bind(CENTRE)
    .bind(past)
    .execute(&booking.intake.database.pool)
    .await
    .unwrap();
    let refused = booking
        .book(&who, &case.case_id, CENTRE, past)
        .await
        .unwrap_err();
    assert_eq!(codes(&refused), ["starts_at:slot_past"]);
    let monday = next_week_monday();
    let slots = booking.search(&who, CENTRE, monday, monday).await.unwrap();
    let odd = at(&slots[0]) + chrono::Duration::minutes(7);
    let refused = booking
        .book(&who, &case.case_id, CENTRE, odd)
        .await
        .unwrap_err();
    assert_eq!(codes(&refused), ["starts_at:no_slot"]);
    let refused = booking
        .book(&who, &case.case_id, "xiamen_wutong", at(&slots[0]))
        .await
        .unwrap_err();
    assert_eq!(codes(&refused), ["centre:unknown_centre"]);
    let other = booking
        .book(&hk("someone-else"), &case.case_id, CENTRE, at(&slots[0]))
        .await
        .unwrap_err();
    assert_eq!(other.code(), Code::NotFound);
    let staff = As::staff(HK, Role::AgencyAdmin);
    let closure = booking
        .declare(&staff, monday, monday, "Black rainstorm signal")
        .await
        .unwrap();
    assert_eq!((closure.moved, closure.cancelled), (0, 0));
    let refused = booking
        .book(&who, &case.case_id, CENTRE, at(&slots[0]))
        .await
        .unwrap_err();
    assert_eq!(codes(&refused), ["starts_at:slot_closed"]);
    assert!(
        booking
            .search(&who, CENTRE, monday, monday)
            .await
            .unwrap()
            .is_empty()
    );
    // Only an agency administrator declares; bad declarations name their field.
    let denied = booking
        .declare(&who, monday, monday, "x")
        .await
        .unwrap_err();
    assert_eq!(denied.code(), Code::PermissionDenied);
    let hostile = "<script>alert(1)</script>".repeat(40);
    let backwards = booking
        .declare(&staff, monday + Days::new(2), monday, &hostile)
        .await
        .unwrap_err();
    assert_eq!(codes(&backwards), ["reason:length"]);
    let none: i64 = sqlx::query_scalar("SELECT count(*) FROM appointment_bookings")
        .fetch_one(&booking.intake.database.pool)
        .await
        .unwrap();
    assert_eq!(none, 0);
    booking.stop().await;
}

#[tokio::test]
async fn a_reschedule_racing_a_cancel_never_leaves_two_bookings_or_a_lost_place() {
    let (booking, _, slots) = with_next_monday("appt_resched").await;
    for round in 0..10 {
        let who = hk(&format!("mover-{round}"));
        let case = booking.draft(&who).await;
        booking
            .book(&who, &case.case_id, CENTRE, at(&slots[0]))
            .await
            .unwrap();
        let reschedule = booking.reschedule(&who, &case.case_id, at(&slots[1]));
        let mut client = booking.client.clone();
        let cancel = client.cancel_appointment(booking.intake.request(
            &who,
            CancelAppointmentRequest {
                case_id: case.case_id.clone(),
            },
        ));
        let (moved, cancelled) = tokio::join!(reschedule, cancel);
        assert!(cancelled.is_ok(), "{cancelled:?}");
        if let Err(status) = moved {
            assert_eq!(status.code(), Code::FailedPrecondition);
        }
        let active: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM appointment_bookings WHERE case_id = $1::uuid AND state IN ('held', 'booked')",
        )
        .bind(&case.case_id)
        .fetch_one(&booking.intake.database.pool)
        .await
        .unwrap();
        assert_eq!(active, 0);
    }
    assert_eq!(booking.taken(CENTRE, at(&slots[0])).await, 0);
    assert_eq!(booking.taken(CENTRE, at(&slots[1])).await, 0);
    // A plain reschedule moves the booking in one step.
    let who = hk("plain");
    let case = booking.draft(&who).await;
    booking
        .book(&who, &case.case_id, CENTRE, at(&slots[2]))
        .await
        .unwrap();
    let moved = booking
        .reschedule(&who, &case.case_id, at(&slots[3]))
        .await
        .unwrap();
    assert_eq!(
        (moved.state.as_str(), moved.time.as_str()),
        ("booked", "09:45")
    );
    assert_eq!(booking.taken(CENTRE, at(&slots[2])).await, 0);
    assert_eq!(booking.taken(CENTRE, at(&slots[3])).await, 1);
    booking.assert_counts_match().await;
    booking.stop().await;
}
