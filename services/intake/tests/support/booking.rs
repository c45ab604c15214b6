//! Appointments for a test: intake with an `AppointmentService` client,
//! the module's own handle for its jobs, and the calls and checks the
//! appointment tests share.

use super::*;
use chrono::{DateTime, Days, NaiveDate, Utc};
use laissez_intake::appointments::Appointments;
use laissez_intake::store::CatalogCache;
use laissez_kit::Role;
use laissez_proto::intake::v1::appointment_service_client::AppointmentServiceClient;
use laissez_proto::intake::v1::*;
use tonic::Status;
use tonic::transport::Channel;

pub const HK: &str = "hk-cts";
pub const HK_PORTAL: &str = "hk-residents";
pub const CSM: &str = "mo-csm";
pub const CENTRE: &str = "hk-island";

pub struct Booking {
    pub intake: Intake,
    pub client: AppointmentServiceClient<Channel>,
    pub appointments: Appointments,
}

pub async fn start_booking(name: &str) -> Booking {
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
pub async fn with_next_monday(name: &str) -> (Booking, NaiveDate, Vec<Slot>) {
    let booking = start_booking(name).await;
    booking.open(None).await;
    let monday = next_week_monday();
    let slots = booking
        .search(&hk("x"), CENTRE, monday, monday)
        .await
        .unwrap();
    (booking, monday, slots)
}

pub fn hk(account: &str) -> As {
    As {
        account: account.into(),
        agency: HK,
        portal: HK_PORTAL,
        role: Role::Applicant,
    }
}

pub fn ts(at: DateTime<Utc>) -> prost_types::Timestamp {
    laissez_intake::time::timestamp(at)
}

pub fn at(slot: &Slot) -> DateTime<Utc> {
    let stamp = slot.starts_at.as_ref().unwrap();
    DateTime::from_timestamp(stamp.seconds, 0).unwrap()
}

pub fn codes(status: &Status) -> Vec<String> {
    field_errors(status)
        .into_iter()
        .map(|(field, code)| format!("{field}:{code}"))
        .collect()
}

/// The next Monday at least a week from today: a whole future week.
pub fn next_week_monday() -> NaiveDate {
    let mut day = Utc::now().date_naive() + Days::new(7);
    while day.format("%a").to_string() != "Mon" {
        day = day + Days::new(1);
    }
    day
}

impl Booking {
    /// Opens the slots as of `today`, waiting while the service's own job
    /// holds the pass.
    pub async fn open(&self, today: Option<NaiveDate>) -> u64 {
        loop {
            if let Some(opened) = self.appointments.open_slots(today).await.unwrap() {
                return opened;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    pub async fn stop(self) {
        self.intake.stop().await;
    }

    pub async fn draft(&self, who: &As) -> Case {
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

    pub async fn search(
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

    pub async fn book(
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

    /// Declares a closure of the test centre from `from` to `to`.
    pub async fn declare(
        &self,
        who: &As,
        from: NaiveDate,
        to: NaiveDate,
        reason: &str,
    ) -> Result<Closure, Status> {
        self.client
            .clone()
            .declare_closure(self.intake.request(
                who,
                DeclareClosureRequest {
                    centre: CENTRE.into(),
                    starts_on: from.to_string(),
                    ends_on: to.to_string(),
                    reason: reason.into(),
                },
            ))
            .await
            .map(|response| response.into_inner())
    }

    /// Confirms the case's hold.
    pub async fn confirm(
        &self,
        who: &As,
        case_id: &str,
        hold_id: &str,
    ) -> Result<laissez_proto::intake::v1::Booking, Status> {
        self.client
            .clone()
            .book_appointment(self.intake.request(
                who,
                BookAppointmentRequest {
                    case_id: case_id.into(),
                    hold_id: hold_id.into(),
                    ..Default::default()
                },
            ))
            .await
            .map(|response| response.into_inner())
    }

    /// Moves the case's booking to `starts_at` at the test centre.
    pub async fn reschedule(
        &self,
        who: &As,
        case_id: &str,
        starts_at: DateTime<Utc>,
    ) -> Result<laissez_proto::intake::v1::Booking, Status> {
        self.client
            .clone()
            .reschedule_appointment(self.intake.request(
                who,
                RescheduleAppointmentRequest {
                    case_id: case_id.into(),
                    centre: CENTRE.into(),
                    starts_at: Some(ts(starts_at)),
                },
            ))
            .await
            .map(|response| response.into_inner())
    }

    pub async fn hold(
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

    pub async fn taken(&self, centre: &str, starts_at: DateTime<Utc>) -> i32 {
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

    pub async fn outbox(&self, event_type: &str) -> i64 {
        sqlx::query_scalar("SELECT count(*) FROM outbox WHERE event_type = $1")
            .bind(event_type)
            .fetch_one(&self.intake.database.pool)
            .await
            .unwrap()
    }

    /// No slot holds more than its capacity, and every slot's count is its
    /// active holds and bookings.
    pub async fn assert_counts_match(&self) {
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
