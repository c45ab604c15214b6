//! Hold, book, reschedule, cancel, and attendance at the counter. Each runs
//! in one transaction that locks the case first (so a reschedule racing a
//! cancel of the same case is served one after the other), takes or frees
//! the place in the slot's row, writes the audit, moves the case through
//! its workflow and queues the event the applicant is told by.
//!
//! Where booking sits in the workflow is the catalog's: with `appointment`
//! before `review` (hk-cts, fj) a draft books in the wizard and cannot be
//! submitted without a booking; after it (mo-csm) the case waits in
//! "awaiting appointment" and booking moves it on.

use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use laissez_catalog::Catalog;
use laissez_catalog::format::{ApplicationType, Stage};
use laissez_kit::ServiceError;
use serde_json::json;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::events::{booked_event, cancelled_event, enqueue};
use super::plan;
use super::store::{self, BookingRow, NewBooking, SlotRow};
use crate::domain::{Event, State};
use crate::service::lifecycle;
use crate::store::cases::{self, CaseRow};
use crate::store::{CatalogCache, Scope};
use crate::time::agency_date;

/// The longest date range one search may cover.
pub const MAX_SEARCH_DAYS: i64 = 62;

/// How long the agency's current catalog version is reused before it is
/// looked up again (centres and time zone; a new version shows within it).
const CURRENT_FOR: std::time::Duration = std::time::Duration::from_secs(5);

type Current = std::collections::HashMap<String, (std::time::Instant, Arc<Catalog>)>;

#[derive(Clone)]
pub struct Appointments {
    pub pool: PgPool,
    pub catalogs: CatalogCache,
    current: Arc<std::sync::RwLock<Current>>,
}

/// A slot the applicant chose.
#[derive(Debug, Clone)]
pub struct Choice {
    pub centre: String,
    pub starts_at: DateTime<Utc>,
}

/// What a booking confirms: the case's hold, or a slot at once.
#[derive(Debug, Clone)]
pub enum ToBook {
    Hold(Uuid),
    Slot(Choice),
}

/// What a staff member records at the counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attendance {
    Attended,
    NoShow,
}

/// The case's place in its workflow allows a booking now: before review
/// for a type that books first, while awaiting one for a type that books
/// after review; never for a type whose form names the appointment.
pub fn may_book(kind: &ApplicationType, state: State) -> bool {
    if kind.appointment_by_answers.is_some() {
        return false;
    }
    let at = |stage| kind.workflow.iter().position(|s| *s == stage);
    match (at(Stage::Appointment), at(Stage::Review)) {
        (Some(appointment), Some(review)) if appointment < review => matches!(
            state,
            State::Draft
                | State::Submitted
                | State::UnderReview
                | State::ReturnedForCorrection
                | State::ReturnedForSupplement
        ),
        (Some(_), _) => state == State::AwaitingAppointment,
        (None, _) => false,
    }
}

/// The type books a slot before review: a draft needs a booking to be
/// submitted (a type whose form names the appointment books nothing).
pub fn books_before_review(kind: &ApplicationType) -> bool {
    if kind.appointment_by_answers.is_some() {
        return false;
    }
    let at = |stage| kind.workflow.iter().position(|s| *s == stage);
    matches!((at(Stage::Appointment), at(Stage::Review)), (Some(a), Some(r)) if a < r)
}

impl Appointments {
    pub fn new(pool: PgPool, catalogs: CatalogCache) -> Self {
        Self {
            pool,
            catalogs,
            current: Arc::default(),
        }
    }

    /// The agency's current catalog (centres and time zone), looked up at
    /// most every few seconds: every search and every answer needs it.
    pub async fn current(&self, agency: &str) -> Result<Arc<Catalog>, ServiceError> {
        if let Ok(current) = self.current.read()
            && let Some((at, catalog)) = current.get(agency)
            && at.elapsed() < CURRENT_FOR
        {
            return Ok(catalog.clone());
        }
        let catalog = self.catalogs.current(&self.pool, agency).await?.1;
        if let Ok(mut current) = self.current.write() {
            current.insert(
                agency.to_owned(),
                (std::time::Instant::now(), catalog.clone()),
            );
        }
        Ok(catalog)
    }

    /// Open slots of `centre` from `from` to `to` (the agency's dates).
    pub async fn search(
        &self,
        agency: &str,
        centre: &str,
        from: NaiveDate,
        to: NaiveDate,
        only_free: bool,
    ) -> Result<(Tz, Vec<SlotRow>), ServiceError> {
        let catalog = self.current(agency).await?;
        known_centre(&catalog, centre)?;
        if to < from {
            return Err(ServiceError::invalid(
                "to_date",
                "before_from",
                "the last day comes before the first",
            ));
        }
        if (to - from).num_days() >= MAX_SEARCH_DAYS {
            return Err(ServiceError::invalid(
                "to_date",
                "too_long",
                format!("search at most {MAX_SEARCH_DAYS} days at once"),
            ));
        }
        let slots =
            store::search(&self.pool, agency, centre, from, to, Utc::now(), only_free).await?;
        Ok((plan::zone(&catalog), slots))
    }

    /// Holds a place in `choice` for the case (its earlier hold released).
    pub async fn hold(
        &self,
        scope: &Scope,
        actor: &str,
        case_id: Uuid,
        choice: &Choice,
    ) -> Result<BookingRow, ServiceError> {
        let catalog = self.case_catalog(scope, case_id).await?;
        known_centre(&catalog, &choice.centre)?;
        let mut transaction = self.pool.begin().await?;
        let case = lock_case(&mut transaction, scope, case_id).await?;
        refuse_unless_open(&catalog, &case)?;
        let rules = &catalog.agency.appointments;
        if store::recent_holds(&mut transaction, &case.account_id).await?
            >= i64::from(rules.holds_per_minute)
        {
            metrics::counter!("intake_appointment_holds_refused_total", "agency" => case.agency.clone())
                .increment(1);
            return Err(ServiceError::ResourceExhausted(
                "too many slots held in the last minute; wait a minute and choose again".into(),
            ));
        }
        let now = Utc::now();
        if let Some(active) = store::lock_active(&mut transaction, case_id).await? {
            if active.state == "booked" {
                return Err(already_booked());
            }
            end(
                &mut transaction,
                &active,
                "cancelled",
                actor,
                "hold_replaced",
            )
            .await?;
        }
        take(&mut transaction, &case.agency, choice, now).await?;
        let hold = store::insert(
            &mut transaction,
            &NewBooking {
                agency: &case.agency,
                case_id,
                account_id: &case.account_id,
                centre: &choice.centre,
                starts_at: choice.starts_at,
                hold_expires_at: Some(now + Duration::minutes(i64::from(rules.hold_minutes))),
            },
        )
        .await?;
        store::audit(&mut transaction, &hold, "held", actor, json!({})).await?;
        transaction.commit().await?;
        metrics::counter!("intake_appointment_holds_total", "agency" => case.agency).increment(1);
        Ok(hold)
    }

    /// Confirms the case's hold, or books a slot at once; the case moves on
    /// when its workflow was waiting for the booking.
    pub async fn book(
        &self,
        scope: &Scope,
        actor: &str,
        case_id: Uuid,
        what: &ToBook,
    ) -> Result<BookingRow, ServiceError> {
        let catalog = self.case_catalog(scope, case_id).await?;
        if let ToBook::Slot(choice) = what {
            known_centre(&catalog, &choice.centre)?;
        }
        let mut transaction = self.pool.begin().await?;
        let mut case = lock_case(&mut transaction, scope, case_id).await?;
        refuse_unless_open(&catalog, &case)?;
        let now = Utc::now();
        let active = store::lock_active(&mut transaction, case_id).await?;
        let booked = match what {
            ToBook::Hold(hold_id) => {
                let hold = active
                    .filter(|active| active.id == *hold_id && active.state == "held")
                    .ok_or_else(|| {
                        ServiceError::invalid(
                            "hold_id",
                            "no_hold",
                            "the case holds no such slot; choose a slot again",
                        )
                    })?;
                if hold.hold_expires_at.is_some_and(|until| until <= now) {
                    // Released now rather than by the sweep, and kept so.
                    end(&mut transaction, &hold, "expired", actor, "hold_expired").await?;
                    transaction.commit().await?;
                    metrics::counter!("intake_appointment_holds_expired_total", "agency" => hold.agency)
                        .increment(1);
                    return Err(ServiceError::invalid(
                        "hold_id",
                        "hold_expired",
                        "the hold on this slot has expired; choose a slot again",
                    ));
                }
                store::set_state(&mut transaction, hold.id, "booked", None).await?;
                store::by_id(&mut transaction, hold.id)
                    .await?
                    .ok_or(ServiceError::NotFound("booking"))?
            }
            ToBook::Slot(choice) => {
                if let Some(active) = active {
                    if active.state == "booked" {
                        return Err(already_booked());
                    }
                    end(
                        &mut transaction,
                        &active,
                        "cancelled",
                        actor,
                        "hold_replaced",
                    )
                    .await?;
                }
                take(&mut transaction, &case.agency, choice, now).await?;
                store::insert(
                    &mut transaction,
                    &NewBooking {
                        agency: &case.agency,
                        case_id,
                        account_id: &case.account_id,
                        centre: &choice.centre,
                        starts_at: choice.starts_at,
                        hold_expires_at: None,
                    },
                )
                .await?
            }
        };
        store::audit(&mut transaction, &booked, "booked", actor, json!({})).await?;
        if case.state == State::AwaitingAppointment {
            cases::apply(
                &mut transaction,
                &mut case,
                Event::BookAppointment,
                actor,
                "",
            )
            .await
            .map_err(lifecycle::AdvanceError::from)?;
        }
        enqueue(
            &mut transaction,
            &case,
            &booked_event(&case, &booked, None, ""),
        )
        .await?;
        transaction.commit().await?;
        metrics::counter!("intake_appointments_booked_total", "agency" => case.agency).increment(1);
        Ok(booked)
    }

    /// Moves the case's booking to `choice` in one step.
    pub async fn reschedule(
        &self,
        scope: &Scope,
        actor: &str,
        case_id: Uuid,
        choice: &Choice,
    ) -> Result<BookingRow, ServiceError> {
        let catalog = self.case_catalog(scope, case_id).await?;
        known_centre(&catalog, &choice.centre)?;
        let mut transaction = self.pool.begin().await?;
        let case = lock_case(&mut transaction, scope, case_id).await?;
        let old = store::lock_active(&mut transaction, case_id)
            .await?
            .filter(|active| active.state == "booked")
            .ok_or_else(|| {
                ServiceError::FailedPrecondition("the case has no appointment to reschedule".into())
            })?;
        if old.centre == choice.centre && old.starts_at == choice.starts_at {
            return Ok(old);
        }
        let now = Utc::now();
        take(&mut transaction, &case.agency, choice, now).await?;
        let new = move_booking(&mut transaction, &old, choice, actor, "rescheduled").await?;
        enqueue(
            &mut transaction,
            &case,
            &booked_event(&case, &new, Some(old.starts_at), ""),
        )
        .await?;
        transaction.commit().await?;
        metrics::counter!("intake_appointments_rescheduled_total", "agency" => case.agency)
            .increment(1);
        Ok(new)
    }

    /// Cancels the case's hold or booking; the place is free at once.
    pub async fn cancel(
        &self,
        scope: &Scope,
        actor: &str,
        case_id: Uuid,
    ) -> Result<BookingRow, ServiceError> {
        let mut transaction = self.pool.begin().await?;
        let mut case = lock_case(&mut transaction, scope, case_id).await?;
        let active = store::lock_active(&mut transaction, case_id)
            .await?
            .ok_or_else(|| {
                ServiceError::FailedPrecondition("the case has no appointment to cancel".into())
            })?;
        end(&mut transaction, &active, "cancelled", actor, "cancelled").await?;
        if active.state == "booked" {
            release_case(&mut transaction, &mut case, actor).await?;
            let event = cancelled_event(&case, &active, "");
            enqueue(&mut transaction, &case, &event).await?;
            metrics::counter!("intake_appointments_cancelled_total", "agency" => case.agency.clone())
                .increment(1);
        }
        let ended = store::by_id(&mut transaction, active.id)
            .await?
            .ok_or(ServiceError::NotFound("booking"))?;
        transaction.commit().await?;
        Ok(ended)
    }

    /// The case's current hold or booking, else its latest one.
    pub async fn get(&self, scope: &Scope, case_id: Uuid) -> Result<BookingRow, ServiceError> {
        let mut connection = self.pool.acquire().await?;
        cases::find(&mut *connection, scope, case_id)
            .await?
            .ok_or(ServiceError::NotFound("case"))?;
        store::latest(&mut connection, case_id)
            .await?
            .ok_or(ServiceError::NotFound("appointment"))
    }

    /// Staff at the counter: the applicant came (the workflow's next stage
    /// follows) or did not (the case books again).
    pub async fn attendance(
        &self,
        scope: &Scope,
        actor: &str,
        case_id: Uuid,
        attendance: Attendance,
    ) -> Result<BookingRow, ServiceError> {
        let catalog = self.case_catalog(scope, case_id).await?;
        let mut transaction = self.pool.begin().await?;
        let mut case = lock_case(&mut transaction, scope, case_id).await?;
        let booking = store::lock_active(&mut transaction, case_id)
            .await?
            .filter(|active| active.state == "booked")
            .ok_or_else(|| {
                ServiceError::FailedPrecondition("the case has no appointment".into())
            })?;
        let today = agency_date(&catalog, Utc::now());
        if booking.day > today {
            return Err(ServiceError::FailedPrecondition(format!(
                "the appointment is on {}; attendance is recorded on the day",
                booking.day
            )));
        }
        match attendance {
            Attendance::Attended => {
                store::set_state(&mut transaction, booking.id, "attended", None).await?;
                store::audit(&mut transaction, &booking, "attended", actor, json!({})).await?;
                if case.state == State::AppointmentBooked {
                    lifecycle::advance(
                        &mut transaction,
                        Some(&catalog),
                        &mut case,
                        Stage::Appointment,
                        actor,
                    )
                    .await?;
                }
            }
            Attendance::NoShow => {
                store::set_state(&mut transaction, booking.id, "no_show", None).await?;
                store::audit(&mut transaction, &booking, "no_show", actor, json!({})).await?;
                release_case(&mut transaction, &mut case, actor).await?;
                enqueue(
                    &mut transaction,
                    &case,
                    &cancelled_event(&case, &booking, "no_show"),
                )
                .await?;
                metrics::counter!("intake_appointment_no_shows_total", "agency" => case.agency.clone())
                    .increment(1);
            }
        }
        let recorded = store::by_id(&mut transaction, booking.id)
            .await?
            .ok_or(ServiceError::NotFound("booking"))?;
        transaction.commit().await?;
        Ok(recorded)
    }

    /// The catalog the case was started under, read before any row is
    /// locked (no second connection is taken while a transaction waits).
    async fn case_catalog(
        &self,
        scope: &Scope,
        case_id: Uuid,
    ) -> Result<Arc<Catalog>, ServiceError> {
        let case = cases::find(&self.pool, scope, case_id)
            .await?
            .ok_or(ServiceError::NotFound("case"))?;
        self.catalogs
            .get(&self.pool, &case.agency, case.catalog_version)
            .await
    }
}

fn known_centre(catalog: &Catalog, centre: &str) -> Result<(), ServiceError> {
    match catalog.centre(centre) {
        Some(_) => Ok(()),
        None => Err(ServiceError::invalid(
            "centre",
            "unknown_centre",
            "the agency has no such service centre",
        )),
    }
}

fn already_booked() -> ServiceError {
    ServiceError::FailedPrecondition(
        "the case already has an appointment; reschedule or cancel it".into(),
    )
}

async fn lock_case(
    connection: &mut PgConnection,
    scope: &Scope,
    case_id: Uuid,
) -> Result<CaseRow, ServiceError> {
    cases::lock(connection, scope, case_id)
        .await?
        .ok_or(ServiceError::NotFound("case"))
}

fn refuse_unless_open(catalog: &Catalog, case: &CaseRow) -> Result<(), ServiceError> {
    let open = catalog
        .application_type(&case.application_type)
        .is_some_and(|kind| may_book(kind, case.state));
    if open {
        Ok(())
    } else {
        Err(ServiceError::FailedPrecondition(format!(
            "a case that is {} cannot book an appointment",
            case.state.as_str().replace('_', " ")
        )))
    }
}

/// Takes a place in the chosen slot, or says why there is none.
async fn take(
    connection: &mut PgConnection,
    agency: &str,
    choice: &Choice,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    if store::take_place(connection, agency, &choice.centre, choice.starts_at, now).await? {
        return Ok(());
    }
    let slot = store::find_slot(connection, agency, &choice.centre, choice.starts_at).await?;
    let (code, message) = match slot {
        None => ("no_slot", "the centre has no appointment slot at that time"),
        Some(slot) if slot.closed => ("slot_closed", "the centre is closed at that time"),
        Some(slot) if slot.starts_at <= now => ("slot_past", "that time has passed"),
        Some(_) => ("slot_full", "the slot is full; choose another time"),
    };
    Err(ServiceError::invalid("starts_at", code, message))
}

/// Ends a hold or booking and frees its place, with its audit entry.
async fn end(
    connection: &mut PgConnection,
    booking: &BookingRow,
    state: &str,
    actor: &str,
    action: &str,
) -> Result<(), ServiceError> {
    store::set_state(&mut *connection, booking.id, state, None).await?;
    store::free_place(
        &mut *connection,
        &booking.agency,
        &booking.centre,
        booking.starts_at,
    )
    .await?;
    store::audit(connection, booking, action, actor, json!({})).await?;
    Ok(())
}

/// `old`'s booking moves to `choice` (whose place the caller took): `old`
/// ends as moved and names its successor, its place is freed.
pub(super) async fn move_booking(
    connection: &mut PgConnection,
    old: &BookingRow,
    choice: &Choice,
    actor: &str,
    action: &str,
) -> Result<BookingRow, ServiceError> {
    store::set_state(&mut *connection, old.id, "moved", None).await?;
    let new = store::insert(
        &mut *connection,
        &NewBooking {
            agency: &old.agency,
            case_id: old.case_id,
            account_id: &old.account_id,
            centre: &choice.centre,
            starts_at: choice.starts_at,
            hold_expires_at: None,
        },
    )
    .await?;
    store::set_state(&mut *connection, old.id, "moved", Some(new.id)).await?;
    store::free_place(&mut *connection, &old.agency, &old.centre, old.starts_at).await?;
    store::audit(
        connection,
        &new,
        action,
        actor,
        json!({"from": old.starts_at, "from_centre": old.centre, "replaces": old.id}),
    )
    .await?;
    Ok(new)
}

/// A case whose workflow waited on its booking waits for a new one.
pub(super) async fn release_case(
    connection: &mut PgConnection,
    case: &mut CaseRow,
    actor: &str,
) -> Result<(), ServiceError> {
    if case.state == State::AppointmentBooked {
        cases::apply(connection, case, Event::ReleaseAppointment, actor, "")
            .await
            .map_err(lifecycle::AdvanceError::from)?;
    }
    Ok(())
}
