//! The events a booking change queues with it (the outbox, in the same
//! transaction), which notify words for the applicant.

use chrono::{DateTime, Utc};
use laissez_eventbus::Outbox;
use laissez_kit::ServiceError;
use laissez_proto::events::v1::{AppointmentBooked, AppointmentCancelled, EventMessage};
use sqlx::PgConnection;

use super::store::BookingRow;
use crate::store::cases::CaseRow;
use crate::time::timestamp;

pub(crate) fn booked_event(
    case: &CaseRow,
    booking: &BookingRow,
    previous: Option<DateTime<Utc>>,
    reason: &str,
) -> AppointmentBooked {
    AppointmentBooked {
        case_id: case.id.to_string(),
        centre: booking.centre.clone(),
        starts_at: Some(timestamp(booking.starts_at)),
        party: Some(crate::grpc::view::party(case)),
        booking_id: booking.id.to_string(),
        receipt_number: case.receipt_number.clone().unwrap_or_default(),
        previous_starts_at: previous.map(timestamp),
        reason: reason.to_owned(),
        application_type: case.application_type.clone(),
        catalog_version: case.catalog_version,
        group_number: case.group_number.clone().unwrap_or_default(),
    }
}

pub(crate) fn cancelled_event(
    case: &CaseRow,
    booking: &BookingRow,
    reason: &str,
) -> AppointmentCancelled {
    AppointmentCancelled {
        case_id: case.id.to_string(),
        centre: booking.centre.clone(),
        starts_at: Some(timestamp(booking.starts_at)),
        party: Some(crate::grpc::view::party(case)),
        booking_id: booking.id.to_string(),
        receipt_number: case.receipt_number.clone().unwrap_or_default(),
        reason: reason.to_owned(),
    }
}

pub(crate) async fn enqueue<E: EventMessage>(
    connection: &mut PgConnection,
    case: &CaseRow,
    event: &E,
) -> Result<(), ServiceError> {
    Outbox::enqueue(
        connection,
        &case.agency,
        "case",
        &case.id.to_string(),
        event,
    )
    .await
    .map(drop)
    .map_err(ServiceError::internal)
}
