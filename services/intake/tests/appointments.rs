//! Appointments against the real database: slots opened from the catalog,
//! search in the agency's time, hold and book, capacity under 1,000
//! concurrent bookings, expired holds, bad slots, a reschedule racing a
//! cancel, the workflow moved by booking and attendance, closures that
//! roll a full week over a full week, reminders once, a hold storm.

mod support;

use chrono::{DateTime, Days, NaiveDate, Utc};
use laissez_intake::appointments::Appointments;
use laissez_intake::store::CatalogCache;
use laissez_kit::Role;
use laissez_proto::intake::v1::appointment_service_client::AppointmentServiceClient;
use laissez_proto::intake::v1::*;
use support::*;
use tonic::transport::Channel;
use tonic::{Code, Status};

const HK: &str = "hk-cts";
const HK_PORTAL: &str = "hk-residents";
const CSM: &str = "mo-csm";
const CENTRE: &str = "hk-island";

struct Booking {
    intake: Intake,
    client: AppointmentServiceClient<Channel>,
    appointments: Appointments,
}

async fn start_booking(name: &str) -> Booking {
    let intake = start(name).await;
    let channel = tonic::transport::Endpoint::from_shared(format!("http://{}", intake.grpc_addr))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let appointments = Appointments::new(intake.database.pool.clone(), CatalogCache::default());
    Booking {
        client: AppointmentServiceClient::new(channel),
        intake,
        appointments,
    }
}

/// Intake with its slots open, the next whole week's Monday and its
/// slots at the test centre.
async fn with_next_monday(name: &str) -> (Booking, NaiveDate, Vec<Slot>) {
    let booking = start_booking(name).await;
    booking.open(None).await;
    let monday = next_week_monday();
    let slots = booking
        .search(&hk("x"), CENTRE, monday, monday)
        .await
        .unwrap();
    (booking, monday, slots)
}

fn hk(account: &str) -> As {
    As {
        account: account.into(),
        agency: HK,
        portal: HK_PORTAL,
        role: Role::Applicant,
    }
}

fn ts(at: DateTime<Utc>) -> prost_types::Timestamp {
    laissez_intake::time::timestamp(at)
}

fn at(slot: &Slot) -> DateTime<Utc> {
    let stamp = slot.starts_at.as_ref().unwrap();
    DateTime::from_timestamp(stamp.seconds, 0).unwrap()
}

fn codes(status: &Status) -> Vec<String> {
    field_errors(status)
        .into_iter()
        .map(|(field, code)| format!("{field}:{code}"))
        .collect()
}

/// The next Monday at least a week from today: a whole future week.
fn next_week_monday() -> NaiveDate {
    let mut day = Utc::now().date_naive() + Days::new(7);
    while day.format("%a").to_string() != "Mon" {
        day = day + Days::new(1);
    }
    day
}

impl Booking {
    /// Opens the slots as of `today`, waiting while the service's own job
    /// holds the pass.
    async fn open(&self, today: Option<NaiveDate>) -> u64 {
        loop {
            if let Some(opened) = self.appointments.open_slots(today).await.unwrap() {
                return opened;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    async fn stop(self) {
        self.intake.stop().await;
    }

    async fn draft(&self, who: &As) -> Case {
        self.intake
            .client
            .clone()
            .start_application(self.intake.request(
                who,
                StartApplicationRequest {
                    application_type: "home_return_permit".into(),
                    notice_version: "2024-07-10".into(),
                    notice_accepted: true,
                    applicant: Some(applicant("CHAN TAI MAN", "A1234563")),
                    ..Default::default()
                },
            ))
            .await
            .unwrap()
            .into_inner()
    }

    async fn search(
        &self,
        who: &As,
        centre: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<Slot>, Status> {
        self.client
            .clone()
            .search_slots(self.intake.request(
                who,
                SearchSlotsRequest {
                    centre: centre.into(),
                    from_date: from.to_string(),
                    to_date: to.to_string(),
                    only_free: false,
                },
            ))
            .await
            .map(|response| response.into_inner().slots)
    }

    async fn book(
        &self,
        who: &As,
        case_id: &str,
        centre: &str,
        starts_at: DateTime<Utc>,
    ) -> Result<laissez_proto::intake::v1::Booking, Status> {
        self.client
            .clone()
            .book_appointment(self.intake.request(
                who,
                BookAppointmentRequest {
                    case_id: case_id.into(),
                    centre: centre.into(),
                    starts_at: Some(ts(starts_at)),
                    ..Default::default()
                },
            ))
            .await
            .map(|response| response.into_inner())
    }

    async fn hold(
        &self,
        who: &As,
        case_id: &str,
        starts_at: DateTime<Utc>,
    ) -> Result<laissez_proto::intake::v1::Booking, Status> {
        self.client
            .clone()
            .hold_slot(self.intake.request(
                who,
                HoldSlotRequest {
                    case_id: case_id.into(),
                    centre: CENTRE.into(),
                    starts_at: Some(ts(starts_at)),
                },
            ))
            .await
            .map(|response| response.into_inner())
    }

    async fn taken(&self, centre: &str, starts_at: DateTime<Utc>) -> i32 {
        sqlx::query_scalar(
            "SELECT taken FROM appointment_slots WHERE agency = $1 AND centre = $2 AND starts_at = $3",
        )
        .bind(HK)
        .bind(centre)
        .bind(starts_at)
        .fetch_one(&self.intake.database.pool)
        .await
        .unwrap()
    }

    async fn outbox(&self, event_type: &str) -> i64 {
        sqlx::query_scalar("SELECT count(*) FROM outbox WHERE event_type = $1")
            .bind(event_type)
            .fetch_one(&self.intake.database.pool)
            .await
            .unwrap()
    }

    /// No slot holds more than its capacity, and every slot's count is its
    /// active holds and bookings.
    async fn assert_counts_match(&self) {
        let wrong: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM appointment_slots s
             WHERE s.taken > s.capacity OR s.taken <> (
                 SELECT count(*) FROM appointment_bookings b
                 WHERE (b.agency, b.centre, b.starts_at) = (s.agency, s.centre, s.starts_at)
                   AND b.state IN ('held', 'booked'))",
        )
        .fetch_one(&self.intake.database.pool)
        .await
        .unwrap();
        assert_eq!(wrong, 0, "slot counts disagree with their bookings");
    }
}

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
        .client
        .clone()
        .book_appointment(booking.intake.request(
            &who,
            BookAppointmentRequest {
                case_id: case.case_id.clone(),
                hold_id: hold.booking_id.clone(),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
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
        .client
        .clone()
        .book_appointment(booking.intake.request(
            &late,
            BookAppointmentRequest {
                case_id: late_case.case_id.clone(),
                hold_id: hold.booking_id.clone(),
                ..Default::default()
            },
        ))
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
        .client
        .clone()
        .declare_closure(booking.intake.request(
            &staff,
            DeclareClosureRequest {
                centre: CENTRE.into(),
                starts_on: monday.to_string(),
                ends_on: monday.to_string(),
                reason: "Black rainstorm signal".into(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
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
        .client
        .clone()
        .declare_closure(booking.intake.request(
            &who,
            DeclareClosureRequest {
                centre: CENTRE.into(),
                starts_on: monday.to_string(),
                ends_on: monday.to_string(),
                reason: "x".into(),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(denied.code(), Code::PermissionDenied);
    let backwards = booking
        .client
        .clone()
        .declare_closure(booking.intake.request(
            &staff,
            DeclareClosureRequest {
                centre: CENTRE.into(),
                starts_on: (monday + Days::new(2)).to_string(),
                ends_on: monday.to_string(),
                reason: "<script>alert(1)</script>".repeat(40),
            },
        ))
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
        let mut client = booking.client.clone();
        let reschedule = client.reschedule_appointment(booking.intake.request(
            &who,
            RescheduleAppointmentRequest {
                case_id: case.case_id.clone(),
                centre: CENTRE.into(),
                starts_at: Some(ts(at(&slots[1]))),
            },
        ));
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
        .client
        .clone()
        .reschedule_appointment(booking.intake.request(
            &who,
            RescheduleAppointmentRequest {
                case_id: case.case_id.clone(),
                centre: CENTRE.into(),
                starts_at: Some(ts(at(&slots[3]))),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (moved.state.as_str(), moved.time.as_str()),
        ("booked", "09:45")
    );
    assert_eq!(booking.taken(CENTRE, at(&slots[2])).await, 0);
    assert_eq!(booking.taken(CENTRE, at(&slots[3])).await, 1);
    booking.assert_counts_match().await;
    booking.stop().await;
}

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
    let closure = booking
        .client
        .clone()
        .declare_closure(booking.intake.request(
            &As::staff(HK, Role::AgencyAdmin),
            DeclareClosureRequest {
                centre: CENTRE.into(),
                starts_on: monday.to_string(),
                ends_on: (monday + Days::new(6)).to_string(),
                reason: "Typhoon signal No. 8".into(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
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
    let first: DateTime<Utc> = sqlx::query_scalar(
        "SELECT min(starts_at) FROM appointment_slots WHERE agency = $1 AND starts_at > now()",
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
