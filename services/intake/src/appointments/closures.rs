//! Closures declared at run time (typhoon signal 8, black rainstorm, an
//! unplanned holiday) for one centre or all, over whole days, without a
//! new catalog. In one transaction the closure is stored, its slots are
//! closed (and slots opened later inside it open closed), and every hold
//! and booking inside it is settled by the agency's rule
//! (`agency.appointments.closure_effect`):
//!
//! - *move*: to the same time on the centre's next open day, else the
//!   first free slot after that, taking places in time order of the
//!   original bookings so nobody jumps the queue; a booking with no free
//!   slot left in the open window is cancelled (the applicant books again);
//! - *cancel*: every booking is cancelled and the applicant books again.
//!
//! Each applicant is told once (one event per booking), and the closure
//! with its counts and each move are kept in the audit.

use chrono::{DateTime, NaiveDate, Utc};
use laissez_catalog::format::ClosureEffect;
use laissez_kit::ServiceError;
use serde_json::json;
use sqlx::{PgConnection, Row};
use uuid::Uuid;

use super::booking::{self, Appointments, Choice};
use super::events;
use super::plan;
use super::store::{self, BookingRow};
use crate::store::Scope;
use crate::store::cases;

/// Longest closure one declaration may cover.
pub const MAX_CLOSURE_DAYS: i64 = 31;
const MAX_REASON_CHARS: usize = 500;

#[derive(Debug, Clone)]
pub struct ClosureRow {
    pub id: Uuid,
    pub agency: String,
    pub centre: Option<String>,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub reason: String,
    pub declared_by: String,
    pub declared_at: DateTime<Utc>,
    pub moved: i32,
    pub cancelled: i32,
}

pub struct Declaration {
    pub centre: Option<String>,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub reason: String,
}

impl Appointments {
    /// Declares a closure for the agency and settles the bookings inside it.
    pub async fn declare_closure(
        &self,
        agency: &str,
        actor: &str,
        declaration: Declaration,
    ) -> Result<ClosureRow, ServiceError> {
        let catalog = self.current(agency).await?;
        if let Some(centre) = &declaration.centre
            && catalog.centre(centre).is_none()
        {
            return Err(ServiceError::invalid(
                "centre",
                "unknown_centre",
                "the agency has no such service centre",
            ));
        }
        let reason = declaration.reason.trim();
        if reason.is_empty() || reason.chars().count() > MAX_REASON_CHARS {
            return Err(ServiceError::invalid(
                "reason",
                "length",
                format!("say why in 1 to {MAX_REASON_CHARS} characters"),
            ));
        }
        if declaration.ends_on < declaration.starts_on {
            return Err(ServiceError::invalid(
                "ends_on",
                "before_start",
                "the last day comes before the first",
            ));
        }
        if (declaration.ends_on - declaration.starts_on).num_days() >= MAX_CLOSURE_DAYS {
            return Err(ServiceError::invalid(
                "ends_on",
                "too_long",
                format!("declare at most {MAX_CLOSURE_DAYS} days at once"),
            ));
        }
        let effect = catalog.agency.appointments.closure_effect;
        let zone = plan::zone(&catalog);
        let mut transaction = self.pool.begin().await?;
        // One closure of an agency at a time: two closures moving the same
        // bookings would otherwise each see the other's targets as free.
        sqlx::query("SELECT pg_advisory_xact_lock(hashtext('intake:closures:' || $1))")
            .bind(agency)
            .execute(&mut *transaction)
            .await?;
        let id = Uuid::new_v4();
        sqlx::query(
            "INSERT INTO appointment_closures
                 (id, agency, centre, starts_on, ends_on, reason, declared_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id)
        .bind(agency)
        .bind(&declaration.centre)
        .bind(declaration.starts_on)
        .bind(declaration.ends_on)
        .bind(reason)
        .bind(actor)
        .execute(&mut *transaction)
        .await?;
        sqlx::query(
            "UPDATE appointment_slots SET closed_by = $1
             WHERE agency = $2 AND ($3::text IS NULL OR centre = $3)
               AND day BETWEEN $4 AND $5 AND closed_by IS NULL",
        )
        .bind(id)
        .bind(agency)
        .bind(&declaration.centre)
        .bind(declaration.starts_on)
        .bind(declaration.ends_on)
        .execute(&mut *transaction)
        .await?;
        let inside = bookings_inside(&mut transaction, id).await?;
        let (mut moved, mut cancelled) = (0, 0);
        for old in inside {
            if old.state == "held" {
                store::set_state(&mut transaction, old.id, "expired", None).await?;
                store::free_place(&mut transaction, &old.agency, &old.centre, old.starts_at)
                    .await?;
                store::audit(
                    &mut transaction,
                    &old,
                    "hold_closed",
                    actor,
                    json!({"closure": id}),
                )
                .await?;
                continue;
            }
            // A draft booking in the wizard is its applicant's alone to see.
            let scope = Scope {
                agency: agency.to_owned(),
                account: Some(old.account_id.clone()),
            };
            let Some(case) = cases::lock(&mut transaction, &scope, old.case_id).await? else {
                continue;
            };
            match self
                .settle(
                    &mut transaction,
                    effect,
                    zone,
                    id,
                    reason,
                    actor,
                    &old,
                    case,
                )
                .await?
            {
                Settled::Moved => moved += 1,
                Settled::Cancelled => cancelled += 1,
            }
        }
        let row = sqlx::query(
            "UPDATE appointment_closures SET moved = $2, cancelled = $3 WHERE id = $1
             RETURNING id, agency, centre, starts_on, ends_on, reason, declared_by, declared_at,
                 moved, cancelled",
        )
        .bind(id)
        .bind(moved)
        .bind(cancelled)
        .fetch_one(&mut *transaction)
        .await?;
        let closure = closure(&row)?;
        transaction.commit().await?;
        metrics::counter!("intake_appointment_closures_total", "agency" => agency.to_owned())
            .increment(1);
        metrics::counter!("intake_appointments_moved_total", "agency" => agency.to_owned())
            .increment(u64::try_from(moved).unwrap_or(0));
        metrics::counter!("intake_appointments_cancelled_total", "agency" => agency.to_owned())
            .increment(u64::try_from(cancelled).unwrap_or(0));
        tracing::info!(%agency, closure = %id, moved, cancelled, "closure declared");
        Ok(closure)
    }

    /// Moves or cancels one booking inside closure `closure`.
    #[allow(clippy::too_many_arguments)]
    async fn settle(
        &self,
        connection: &mut PgConnection,
        effect: ClosureEffect,
        zone: chrono_tz::Tz,
        closure: Uuid,
        reason: &str,
        actor: &str,
        old: &BookingRow,
        mut case: cases::CaseRow,
    ) -> Result<Settled, ServiceError> {
        let target = match effect {
            ClosureEffect::MoveToNextWorkingDaySameSlot => {
                rollover_target(&mut *connection, zone, old).await?
            }
            ClosureEffect::CancelAndRebook => None,
        };
        match target {
            Some(starts_at) => {
                let choice = Choice {
                    centre: old.centre.clone(),
                    starts_at,
                };
                let new = booking::move_booking(
                    &mut *connection,
                    old,
                    &choice,
                    actor,
                    "moved_by_closure",
                )
                .await?;
                let event = events::booked_event(&case, &new, Some(old.starts_at), reason);
                events::enqueue(&mut *connection, &case, &event).await?;
                Ok(Settled::Moved)
            }
            None => {
                store::set_state(&mut *connection, old.id, "cancelled", None).await?;
                store::free_place(&mut *connection, &old.agency, &old.centre, old.starts_at)
                    .await?;
                store::audit(
                    &mut *connection,
                    old,
                    "cancelled_by_closure",
                    actor,
                    json!({"closure": closure}),
                )
                .await?;
                booking::release_case(&mut *connection, &mut case, actor).await?;
                let event = events::cancelled_event(&case, old, reason);
                events::enqueue(&mut *connection, &case, &event).await?;
                Ok(Settled::Cancelled)
            }
        }
    }

    /// The agency's closures, latest first (at most 200).
    pub async fn closures(&self, agency: &str) -> Result<Vec<ClosureRow>, ServiceError> {
        let rows = sqlx::query(
            "SELECT id, agency, centre, starts_on, ends_on, reason, declared_by, declared_at,
                 moved, cancelled
             FROM appointment_closures WHERE agency = $1
             ORDER BY starts_on DESC, declared_at DESC LIMIT 200",
        )
        .bind(agency)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(closure).collect::<Result<_, _>>()?)
    }
}

enum Settled {
    Moved,
    Cancelled,
}

fn closure(row: &sqlx::postgres::PgRow) -> Result<ClosureRow, sqlx::Error> {
    Ok(ClosureRow {
        id: row.try_get(0)?,
        agency: row.try_get(1)?,
        centre: row.try_get(2)?,
        starts_on: row.try_get(3)?,
        ends_on: row.try_get(4)?,
        reason: row.try_get(5)?,
        declared_by: row.try_get(6)?,
        declared_at: row.try_get(7)?,
        moved: row.try_get(8)?,
        cancelled: row.try_get(9)?,
    })
}

/// The holds and bookings in the closure's slots, in the order they were
/// to be served, locked.
async fn bookings_inside(
    connection: &mut PgConnection,
    closure: Uuid,
) -> Result<Vec<BookingRow>, sqlx::Error> {
    let ids: Vec<Uuid> = sqlx::query_scalar(
        "SELECT b.id FROM appointment_bookings b
         JOIN appointment_slots s USING (agency, centre, starts_at)
         WHERE s.closed_by = $1 AND b.state IN ('held', 'booked')
         ORDER BY b.starts_at, b.booked_at NULLS LAST, b.created_at
         FOR UPDATE OF b",
    )
    .bind(closure)
    .fetch_all(&mut *connection)
    .await?;
    let mut bookings = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(booking) = store::by_id(&mut *connection, id).await? {
            bookings.push(booking);
        }
    }
    Ok(bookings)
}

/// Where a booking inside a closure goes: the same wall-clock time on the
/// centre's next open day if it has a place, else the first free slot
/// after that time; the place is taken here. `None` when the open window
/// has no free slot left.
async fn rollover_target(
    connection: &mut PgConnection,
    zone: chrono_tz::Tz,
    old: &BookingRow,
) -> Result<Option<DateTime<Utc>>, ServiceError> {
    let next_day: Option<NaiveDate> = sqlx::query_scalar(
        "SELECT min(day) FROM appointment_slots
         WHERE agency = $1 AND centre = $2 AND day > $3 AND closed_by IS NULL",
    )
    .bind(&old.agency)
    .bind(&old.centre)
    .bind(old.day)
    .fetch_one(&mut *connection)
    .await?;
    let Some(next_day) = next_day else {
        return Ok(None);
    };
    let time = old.starts_at.with_timezone(&zone).time();
    let now = Utc::now();
    let same_time = plan::instant(zone, next_day, time);
    if let Some(same_time) = same_time
        && store::take_place(&mut *connection, &old.agency, &old.centre, same_time, now).await?
    {
        return Ok(Some(same_time));
    }
    let after = same_time.unwrap_or(old.starts_at);
    let first_free: Option<DateTime<Utc>> = sqlx::query_scalar(
        "UPDATE appointment_slots SET taken = taken + 1
         WHERE (agency, centre, starts_at) = (
             SELECT agency, centre, starts_at FROM appointment_slots
             WHERE agency = $1 AND centre = $2 AND starts_at > $3 AND day > $4
               AND closed_by IS NULL AND taken < capacity
             ORDER BY starts_at LIMIT 1 FOR UPDATE)
           AND taken < capacity
         RETURNING starts_at",
    )
    .bind(&old.agency)
    .bind(&old.centre)
    .bind(after)
    .bind(old.day)
    .fetch_optional(&mut *connection)
    .await?;
    Ok(first_free)
}
