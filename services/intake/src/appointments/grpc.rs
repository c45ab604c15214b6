//! `AppointmentService` over gRPC: protocol types become the module's
//! types here and nowhere else; who may call what is decided here.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use laissez_kit::{Caller, Role, ServiceError};
use laissez_proto::intake::v1 as proto;
use laissez_proto::intake::v1::appointment_service_server::AppointmentService;
use tonic::{Request, Response, Status};

use super::booking::{Appointments, Attendance, Choice, ToBook};
use super::closures::{ClosureRow, Declaration};
use super::plan;
use super::store::{BookingRow, SlotRow};
use crate::grpc::{applicant_scope, caller, case_id, read_scope};
use crate::store::Scope;
use crate::time::{from_timestamp, timestamp};

const COUNTER: [Role; 4] = [
    Role::Counter,
    Role::AgencyAdmin,
    Role::Reviewer,
    Role::SeniorReviewer,
];
const ATTENDANCE: [Role; 2] = [Role::Counter, Role::AgencyAdmin];
const CLOSURES: [Role; 1] = [Role::AgencyAdmin];

fn staff(caller: &Caller, roles: &[Role]) -> Result<Scope, ServiceError> {
    if roles.iter().any(|role| caller.has_role(*role)) {
        Ok(Scope {
            agency: caller.agency.clone(),
            account: None,
        })
    } else {
        Err(ServiceError::PermissionDenied(
            "the caller's role does not allow this call".into(),
        ))
    }
}

fn date(field: &str, text: &str) -> Result<NaiveDate, ServiceError> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| ServiceError::invalid(field, "format", "give a date as YYYY-MM-DD"))
}

fn choice(
    centre: &str,
    starts_at: Option<&prost_types::Timestamp>,
) -> Result<Choice, ServiceError> {
    let centre = centre.trim();
    if centre.is_empty() || centre.len() > 64 {
        return Err(ServiceError::invalid(
            "centre",
            "required",
            "choose a service centre",
        ));
    }
    let starts_at: DateTime<Utc> = starts_at
        .and_then(from_timestamp)
        .ok_or_else(|| ServiceError::invalid("starts_at", "required", "choose a time slot"))?;
    Ok(Choice {
        centre: centre.to_owned(),
        starts_at,
    })
}

fn slot_view(zone: Tz, slot: &SlotRow) -> proto::Slot {
    let (date, time) = plan::local(zone, slot.starts_at);
    proto::Slot {
        centre: slot.centre.clone(),
        starts_at: Some(timestamp(slot.starts_at)),
        ends_at: Some(timestamp(slot.ends_at)),
        date,
        time,
        capacity: u32::try_from(slot.capacity).unwrap_or(0),
        left: u32::try_from(slot.capacity - slot.taken).unwrap_or(0),
    }
}

/// A booking as its caller sees it: the applicant's name for staff only.
fn booking_view(zone: Tz, booking: &BookingRow, for_staff: bool) -> proto::Booking {
    let (date, time) = plan::local(zone, booking.starts_at);
    proto::Booking {
        booking_id: booking.id.to_string(),
        case_id: booking.case_id.to_string(),
        centre: booking.centre.clone(),
        starts_at: Some(timestamp(booking.starts_at)),
        ends_at: Some(timestamp(booking.ends_at)),
        date,
        time,
        state: booking.state.clone(),
        hold_expires_at: booking.hold_expires_at.map(timestamp),
        receipt_number: booking.receipt_number.clone().unwrap_or_default(),
        applicant_name: if for_staff {
            booking.applicant_name.clone().unwrap_or_default()
        } else {
            String::new()
        },
        application_type: booking.application_type.clone(),
    }
}

fn closure_view(closure: &ClosureRow) -> proto::Closure {
    proto::Closure {
        closure_id: closure.id.to_string(),
        centre: closure.centre.clone().unwrap_or_default(),
        starts_on: closure.starts_on.to_string(),
        ends_on: closure.ends_on.to_string(),
        reason: closure.reason.clone(),
        declared_by: closure.declared_by.clone(),
        declared_at: Some(timestamp(closure.declared_at)),
        moved: u32::try_from(closure.moved).unwrap_or(0),
        cancelled: u32::try_from(closure.cancelled).unwrap_or(0),
    }
}

impl Appointments {
    async fn zone(&self, agency: &str) -> Result<Tz, ServiceError> {
        let catalog = self.current(agency).await?;
        Ok(plan::zone(&catalog))
    }

    async fn view(&self, caller: &Caller, booking: &BookingRow) -> Result<proto::Booking, Status> {
        let zone = self.zone(&booking.agency).await?;
        Ok(booking_view(
            zone,
            booking,
            !caller.has_role(Role::Applicant),
        ))
    }
}

#[tonic::async_trait]
impl AppointmentService for Appointments {
    async fn search_slots(
        &self,
        request: Request<proto::SearchSlotsRequest>,
    ) -> Result<Response<proto::SearchSlotsResponse>, Status> {
        let caller = caller(&request)?;
        let scope = read_scope(&caller)?;
        let request = request.into_inner();
        let from = date("from_date", &request.from_date)?;
        let to = date("to_date", &request.to_date)?;
        let (zone, slots) = self
            .search(
                &scope.agency,
                request.centre.trim(),
                from,
                to,
                request.only_free,
            )
            .await?;
        Ok(Response::new(proto::SearchSlotsResponse {
            slots: slots.iter().map(|slot| slot_view(zone, slot)).collect(),
        }))
    }

    async fn hold_slot(
        &self,
        request: Request<proto::HoldSlotRequest>,
    ) -> Result<Response<proto::Booking>, Status> {
        let caller = caller(&request)?;
        let scope = applicant_scope(&caller)?;
        let request = request.into_inner();
        let id = case_id(&request.case_id)?;
        let choice = choice(&request.centre, request.starts_at.as_ref())?;
        let held = self.hold(&scope, &caller.account_id, id, &choice).await?;
        Ok(Response::new(self.view(&caller, &held).await?))
    }

    async fn book_appointment(
        &self,
        request: Request<proto::BookAppointmentRequest>,
    ) -> Result<Response<proto::Booking>, Status> {
        let caller = caller(&request)?;
        let scope = applicant_scope(&caller)?;
        let request = request.into_inner();
        let id = case_id(&request.case_id)?;
        let what = if request.hold_id.trim().is_empty() {
            ToBook::Slot(choice(&request.centre, request.starts_at.as_ref())?)
        } else {
            ToBook::Hold(uuid::Uuid::parse_str(request.hold_id.trim()).map_err(|_| {
                ServiceError::invalid("hold_id", "no_hold", "the case holds no such slot")
            })?)
        };
        let booked = self.book(&scope, &caller.account_id, id, &what).await?;
        Ok(Response::new(self.view(&caller, &booked).await?))
    }

    async fn reschedule_appointment(
        &self,
        request: Request<proto::RescheduleAppointmentRequest>,
    ) -> Result<Response<proto::Booking>, Status> {
        let caller = caller(&request)?;
        let scope = applicant_scope(&caller)?;
        let request = request.into_inner();
        let id = case_id(&request.case_id)?;
        let choice = choice(&request.centre, request.starts_at.as_ref())?;
        let moved = self
            .reschedule(&scope, &caller.account_id, id, &choice)
            .await?;
        Ok(Response::new(self.view(&caller, &moved).await?))
    }

    async fn cancel_appointment(
        &self,
        request: Request<proto::CancelAppointmentRequest>,
    ) -> Result<Response<proto::Booking>, Status> {
        let caller = caller(&request)?;
        let scope = applicant_scope(&caller)?;
        let id = case_id(&request.get_ref().case_id)?;
        let cancelled = self.cancel(&scope, &caller.account_id, id).await?;
        Ok(Response::new(self.view(&caller, &cancelled).await?))
    }

    async fn get_appointment(
        &self,
        request: Request<proto::GetAppointmentRequest>,
    ) -> Result<Response<proto::Booking>, Status> {
        let caller = caller(&request)?;
        let scope = read_scope(&caller)?;
        let id = case_id(&request.get_ref().case_id)?;
        let booking = self.get(&scope, id).await?;
        Ok(Response::new(self.view(&caller, &booking).await?))
    }

    async fn list_my_appointments(
        &self,
        request: Request<proto::ListMyAppointmentsRequest>,
    ) -> Result<Response<proto::ListMyAppointmentsResponse>, Status> {
        let caller = caller(&request)?;
        let scope = applicant_scope(&caller)?;
        let account = scope.account.as_deref().unwrap_or_default();
        let bookings = super::store::upcoming(&self.pool, &scope.agency, account, 50)
            .await
            .map_err(ServiceError::from)?;
        let zone = self.zone(&scope.agency).await?;
        Ok(Response::new(proto::ListMyAppointmentsResponse {
            bookings: bookings
                .iter()
                .map(|booking| booking_view(zone, booking, false))
                .collect(),
        }))
    }

    async fn list_day_bookings(
        &self,
        request: Request<proto::ListDayBookingsRequest>,
    ) -> Result<Response<proto::ListDayBookingsResponse>, Status> {
        let caller = caller(&request)?;
        let scope = staff(&caller, &COUNTER)?;
        let request = request.into_inner();
        let day = date("date", &request.date)?;
        let catalog = self.current(&scope.agency).await?;
        if catalog.centre(request.centre.trim()).is_none() {
            return Err(ServiceError::invalid(
                "centre",
                "unknown_centre",
                "the agency has no such service centre",
            )
            .into());
        }
        let zone = plan::zone(&catalog);
        let bookings =
            super::store::day_bookings(&self.pool, &scope.agency, request.centre.trim(), day)
                .await
                .map_err(ServiceError::from)?;
        Ok(Response::new(proto::ListDayBookingsResponse {
            bookings: bookings
                .iter()
                .map(|booking| booking_view(zone, booking, true))
                .collect(),
        }))
    }

    async fn record_attendance(
        &self,
        request: Request<proto::RecordAttendanceRequest>,
    ) -> Result<Response<proto::Booking>, Status> {
        let caller = caller(&request)?;
        let scope = staff(&caller, &ATTENDANCE)?;
        let request = request.into_inner();
        let id = case_id(&request.case_id)?;
        let attendance = if request.attended {
            Attendance::Attended
        } else {
            Attendance::NoShow
        };
        let recorded = self
            .attendance(&scope, &caller.account_id, id, attendance)
            .await?;
        Ok(Response::new(self.view(&caller, &recorded).await?))
    }

    async fn declare_closure(
        &self,
        request: Request<proto::DeclareClosureRequest>,
    ) -> Result<Response<proto::Closure>, Status> {
        let caller = caller(&request)?;
        let scope = staff(&caller, &CLOSURES)?;
        let request = request.into_inner();
        let centre = request.centre.trim();
        let declaration = Declaration {
            centre: (!centre.is_empty()).then(|| centre.to_owned()),
            starts_on: date("starts_on", &request.starts_on)?,
            ends_on: date("ends_on", &request.ends_on)?,
            reason: request.reason,
        };
        let closure = self
            .declare_closure(&scope.agency, &caller.account_id, declaration)
            .await?;
        Ok(Response::new(closure_view(&closure)))
    }

    async fn list_closures(
        &self,
        request: Request<proto::ListClosuresRequest>,
    ) -> Result<Response<proto::ListClosuresResponse>, Status> {
        let caller = caller(&request)?;
        let scope = staff(&caller, &COUNTER)?;
        let closures = self.closures(&scope.agency).await?;
        Ok(Response::new(proto::ListClosuresResponse {
            closures: closures.iter().map(closure_view).collect(),
        }))
    }
}
