//! What moves appointments besides the applicant: closures that roll a
//! full week over a full week, reminders once, a hold storm, and the
//! workflow moved by booking and attendance after review.

mod support;

use chrono::{DateTime, Days, NaiveDate, Utc};
use laissez_kit::Role;
use laissez_proto::intake::v1::*;
use support::booking::*;
use support::*;
use tonic::Code;

#[tokio::test]
async fn a_closure_over_a_full_week_rolls_every_booking_past_a_full_next_week() {
    let booking = start_booking("appt_closure").await;
    booking.open(None).await;
    let monday = next_week_monday();
    let pool = &booking.intake.database.pool;
    // A small centre: one place at 09:00 and 09:15, none at other times.
    sqlx::query(
        "UPDATE appointment_slots SET capacity = CASE
             WHEN to_char(starts_at AT TIME ZONE 'Asia/Hong_Kong', 'HH24:MI') IN ('09:00', '09:15')
             THEN 1 ELSE 0 END
         WHERE agency = $1 AND centre = $2",
    )
    .bind(HK)
    .bind(CENTRE)
    .execute(pool)
    .await
    .unwrap();
    let fortnight = booking
        .search(&hk("x"), CENTRE, monday, monday + Days::new(13))
        .await
        .unwrap()
        .into_iter()
        .filter(|slot| slot.capacity == 1)
        .collect::<Vec<_>>();
    let mut first_week = Vec::new();
    for (n, slot) in fortnight.iter().enumerate() {
        let who = hk(&format!("week-{n}"));
        let case = booking.draft(&who).await;
        booking
            .book(&who, &case.case_id, CENTRE, at(slot))
            .await
            .unwrap();
        if NaiveDate::parse_from_str(&slot.date, "%Y-%m-%d").unwrap() < monday + Days::new(7) {
            first_week.push((case.case_id, at(slot)));
        }
    }
    let admin = As::staff(HK, Role::AgencyAdmin);
    let closure = booking
        .declare(
            &admin,
            monday,
            monday + Days::new(6),
            "Typhoon signal No. 8",
        )
        .await
        .unwrap();
    assert_eq!(
        (closure.moved as usize, closure.cancelled),
        (first_week.len(), 0),
        "everyone moved, nobody lost"
    );
    // Each moved into the third week, in the order they were booked.
    let mut previous = None;
    for (case_id, old) in &first_week {
        let now: DateTime<Utc> = sqlx::query_scalar(
            "SELECT starts_at FROM appointment_bookings WHERE case_id = $1::uuid AND state = 'booked'",
        )
        .bind(case_id)
        .fetch_one(pool)
        .await
        .unwrap();
        assert!(now > *old + chrono::Duration::days(7), "{old} -> {now}");
        if let Some(previous) = previous {
            assert!(now > previous);
        }
        previous = Some(now);
    }
    assert_eq!(
        booking.outbox("intake.appointment.booked").await as usize,
        fortnight.len() + first_week.len(),
        "one message per moved booking"
    );
    let audited: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM appointment_audit WHERE action = 'moved_by_closure'",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(audited as usize, first_week.len());
    booking.assert_counts_match().await;
    let listed = booking
        .client
        .clone()
        .list_closures(
            booking
                .intake
                .request(&As::staff(HK, Role::Counter), ListClosuresRequest {}),
        )
        .await
        .unwrap()
        .into_inner()
        .closures;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].reason, "Typhoon signal No. 8");
    booking.stop().await;
}

#[tokio::test]
async fn reminders_go_once_and_a_hold_storm_is_refused() {
    let (booking, monday, slots) = with_next_monday("appt_remind").await;
    let who = hk("reminded");
    let case = booking.draft(&who).await;
    booking
        .book(&who, &case.case_id, CENTRE, at(&slots[0]))
        .await
        .unwrap();
    let sunday = monday - Days::new(1);
    assert_eq!(
        booking
            .appointments
            .send_reminders(Some(sunday - Days::new(1)), 100)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        booking
            .appointments
            .send_reminders(Some(sunday), 100)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        booking
            .appointments
            .send_reminders(Some(sunday), 100)
            .await
            .unwrap(),
        0
    );
    assert_eq!(booking.outbox("intake.appointment.reminder").await, 1);
    // The day's list for the counter names the applicant.
    let day = booking
        .client
        .clone()
        .list_day_bookings(booking.intake.request(
            &As::staff(HK, Role::Counter),
            ListDayBookingsRequest {
                centre: CENTRE.into(),
                date: monday.to_string(),
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .bookings;
    assert_eq!(day.len(), 1);
    assert_eq!(day[0].applicant_name, "CHAN TAI MAN");
    // One account choosing slot after slot is stopped after ten a minute.
    let storm = hk("storm");
    let case = booking.draft(&storm).await;
    let mut refused = None;
    for slot in &slots[1..20] {
        if let Err(status) = booking.hold(&storm, &case.case_id, at(slot)).await {
            refused = Some(status);
            break;
        }
    }
    assert_eq!(
        refused.map(|status| status.code()),
        Some(Code::ResourceExhausted)
    );
    booking.assert_counts_match().await;
    booking.stop().await;
}

#[tokio::test]
async fn after_review_the_case_waits_for_its_booking_and_attendance_moves_it_on() {
    let booking = start_booking("appt_flow").await;
    booking.open(None).await;
    let pool = &booking.intake.database.pool;
    let who = As {
        account: "macao-1".into(),
        agency: CSM,
        portal: "consular-app",
        role: Role::Applicant,
    };
    let start = |account: &'static str| {
        let who = As {
            account: account.into(),
            ..who.clone()
        };
        let booking = &booking;
        async move {
            let case = booking
                .intake
                .client
                .clone()
                .start_application(booking.intake.request(
                    &who,
                    StartApplicationRequest {
                        application_type: "passport_endorsement".into(),
                        notice_version: "2024-01".into(),
                        notice_accepted: true,
                        applicant: Some(applicant("陳大文", "E12345678")),
                        ..Default::default()
                    },
                ))
                .await
                .unwrap()
                .into_inner();
            // As review's approval leaves it: the workflow's next stage.
            sqlx::query(
                "UPDATE cases SET state = 'awaiting_appointment', submitted_at = now(),
                     receipt_number = 'R-' || right(id::text, 12) WHERE id = $1::uuid",
            )
            .bind(&case.case_id)
            .execute(&booking.intake.database.pool)
            .await
            .unwrap();
            (who, case.case_id)
        }
    };
    let (came, came_case) = start("macao-1").await;
    let (missed, missed_case) = start("macao-2").await;
    let centre = "consulate";
    let centre = {
        let catalog: String =
            sqlx::query_scalar("SELECT centre FROM appointment_slots WHERE agency = $1 LIMIT 1")
                .bind(CSM)
                .fetch_one(pool)
                .await
                .unwrap_or_else(|_| centre.into());
        catalog
    };
    // A slot on a later day in Macao time: after 16:00 UTC the first
    // future slot is already "today" there, and attendance would be due.
    let first: DateTime<Utc> = sqlx::query_scalar(
        "SELECT min(starts_at) FROM appointment_slots
          WHERE agency = $1 AND day > (now() AT TIME ZONE 'Asia/Macau')::date",
    )
    .bind(CSM)
    .fetch_one(pool)
    .await
    .unwrap();
    for (who, case_id) in [(&came, &came_case), (&missed, &missed_case)] {
        let booked = booking.book(who, case_id, &centre, first).await.unwrap();
        assert_eq!(booked.state, "booked");
        let case = booking.intake.get(who, case_id).await.unwrap();
        assert_eq!(case.state(), CaseState::AppointmentBooked);
    }
    let counter = As::staff(CSM, Role::Counter);
    let attend = |case_id: &str, attended: bool| {
        let mut client = booking.client.clone();
        let request = booking.intake.request(
            &counter,
            RecordAttendanceRequest {
                case_id: case_id.into(),
                attended,
            },
        );
        async move { client.record_attendance(request).await }
    };
    // Not before the day.
    let early = attend(&came_case, true).await.unwrap_err();
    assert_eq!(early.code(), Code::FailedPrecondition);
    // The day comes (the slot's date moved to today).
    sqlx::query("UPDATE appointment_slots SET day = (now() AT TIME ZONE 'Asia/Macau')::date WHERE agency = $1 AND starts_at = $2")
        .bind(CSM)
        .bind(first)
        .execute(pool)
        .await
        .unwrap();
    let recorded = attend(&came_case, true).await.unwrap().into_inner();
    assert_eq!(recorded.state, "attended");
    let case = booking.intake.get(&came, &came_case).await.unwrap();
    assert_eq!(
        case.state(),
        CaseState::InProduction,
        "the workflow's next stage"
    );
    let recorded = attend(&missed_case, false).await.unwrap().into_inner();
    assert_eq!(recorded.state, "no_show");
    let case = booking.intake.get(&missed, &missed_case).await.unwrap();
    assert_eq!(case.state(), CaseState::AwaitingAppointment, "books again");
    assert_eq!(booking.outbox("intake.appointment.cancelled").await, 1);
    // An applicant cannot record attendance.
    let denied = booking
        .client
        .clone()
        .record_attendance(booking.intake.request(
            &missed,
            RecordAttendanceRequest {
                case_id: missed_case.clone(),
                attended: true,
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(denied.code(), Code::PermissionDenied);
    booking.stop().await;
}
