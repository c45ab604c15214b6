//! The appointment tables. A place is taken by one conditional `UPDATE` of
//! the slot's row (`taken < capacity`), and the row's `CHECK` refuses
//! anything over the capacity even from a statement that forgot the
//! condition: capacity is the database's, never a check-then-write.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;
use sqlx::{PgConnection, PgPool, Row};
use uuid::Uuid;

use super::plan::PlannedSlot;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotRow {
    pub centre: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub day: NaiveDate,
    pub capacity: i32,
    pub taken: i32,
    pub closed: bool,
}

#[derive(Debug, Clone)]
pub struct BookingRow {
    pub id: Uuid,
    pub agency: String,
    pub case_id: Uuid,
    pub account_id: String,
    pub centre: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub day: NaiveDate,
    pub state: String,
    pub hold_expires_at: Option<DateTime<Utc>>,
    pub receipt_number: Option<String>,
    pub applicant_name: Option<String>,
    pub application_type: String,
}

const BOOKING_COLUMNS: &str = "b.id, b.agency, b.case_id, b.account_id, b.centre, b.starts_at, \
     s.ends_at, s.day, b.state, b.hold_expires_at, c.receipt_number, c.applicant->>'name', \
     c.application_type";

/// The tables a booking is read from, aliased as [`BOOKING_COLUMNS`] names them.
const BOOKING_TABLES: &str = "appointment_bookings b \
     JOIN appointment_slots s USING (agency, centre, starts_at) \
     JOIN cases c ON c.id = b.case_id";

fn booking(row: &sqlx::postgres::PgRow) -> Result<BookingRow, sqlx::Error> {
    Ok(BookingRow {
        id: row.try_get(0)?,
        agency: row.try_get(1)?,
        case_id: row.try_get(2)?,
        account_id: row.try_get(3)?,
        centre: row.try_get(4)?,
        starts_at: row.try_get(5)?,
        ends_at: row.try_get(6)?,
        day: row.try_get(7)?,
        state: row.try_get(8)?,
        hold_expires_at: row.try_get(9)?,
        receipt_number: row.try_get(10)?,
        applicant_name: row.try_get(11)?,
        application_type: row.try_get(12)?,
    })
}

/// Opens `slots` of a centre (those already open are left as they are);
/// a slot inside a run-time closure opens closed. Returns how many opened.
pub async fn open_slots(
    connection: &mut PgConnection,
    agency: &str,
    centre: &str,
    slots: &[PlannedSlot],
) -> Result<u64, sqlx::Error> {
    if slots.is_empty() {
        return Ok(0);
    }
    let starts: Vec<_> = slots.iter().map(|slot| slot.starts_at).collect();
    let ends: Vec<_> = slots.iter().map(|slot| slot.ends_at).collect();
    let days: Vec<_> = slots.iter().map(|slot| slot.day).collect();
    let capacities: Vec<i32> = slots
        .iter()
        .map(|slot| i32::try_from(slot.capacity).unwrap_or(i32::MAX))
        .collect();
    let opened = sqlx::query(
        "INSERT INTO appointment_slots (agency, centre, starts_at, ends_at, day, capacity, closed_by)
         SELECT $1, $2, starts_at, ends_at, day, capacity,
             (SELECT c.id FROM appointment_closures c
              WHERE c.agency = $1 AND (c.centre IS NULL OR c.centre = $2)
                AND day BETWEEN c.starts_on AND c.ends_on
              ORDER BY c.declared_at LIMIT 1)
         FROM unnest($3::timestamptz[], $4::timestamptz[], $5::date[], $6::int[])
             AS planned (starts_at, ends_at, day, capacity)
         ON CONFLICT DO NOTHING",
    )
    .bind(agency)
    .bind(centre)
    .bind(&starts)
    .bind(&ends)
    .bind(&days)
    .bind(&capacities)
    .execute(connection)
    .await?;
    Ok(opened.rows_affected())
}

/// The last day a centre's slots are open through, if any.
pub async fn horizon(
    connection: &mut PgConnection,
    agency: &str,
    centre: &str,
) -> Result<Option<NaiveDate>, sqlx::Error> {
    sqlx::query_scalar("SELECT through FROM appointment_horizons WHERE agency = $1 AND centre = $2")
        .bind(agency)
        .bind(centre)
        .fetch_optional(connection)
        .await
}

pub async fn set_horizon(
    connection: &mut PgConnection,
    agency: &str,
    centre: &str,
    through: NaiveDate,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO appointment_horizons (agency, centre, through) VALUES ($1, $2, $3)
         ON CONFLICT (agency, centre) DO UPDATE SET through = EXCLUDED.through",
    )
    .bind(agency)
    .bind(centre)
    .bind(through)
    .execute(connection)
    .await
    .map(drop)
}

/// Open slots of a centre between two dates, in time order.
pub async fn search(
    pool: &PgPool,
    agency: &str,
    centre: &str,
    from: NaiveDate,
    to: NaiveDate,
    after: DateTime<Utc>,
    only_free: bool,
) -> Result<Vec<SlotRow>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT centre, starts_at, ends_at, day, capacity, taken, closed_by IS NOT NULL
         FROM appointment_slots
         WHERE agency = $1 AND centre = $2 AND day BETWEEN $3 AND $4 AND starts_at > $5
           AND closed_by IS NULL AND (NOT $6 OR taken < capacity)
         ORDER BY starts_at",
    )
    .bind(agency)
    .bind(centre)
    .bind(from)
    .bind(to)
    .bind(after)
    .bind(only_free)
    .fetch_all(pool)
    .await?;
    rows.iter().map(slot).collect()
}

fn slot(row: &sqlx::postgres::PgRow) -> Result<SlotRow, sqlx::Error> {
    Ok(SlotRow {
        centre: row.try_get(0)?,
        starts_at: row.try_get(1)?,
        ends_at: row.try_get(2)?,
        day: row.try_get(3)?,
        capacity: row.try_get(4)?,
        taken: row.try_get(5)?,
        closed: row.try_get(6)?,
    })
}

pub async fn find_slot(
    connection: &mut PgConnection,
    agency: &str,
    centre: &str,
    starts_at: DateTime<Utc>,
) -> Result<Option<SlotRow>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT centre, starts_at, ends_at, day, capacity, taken, closed_by IS NOT NULL
         FROM appointment_slots WHERE agency = $1 AND centre = $2 AND starts_at = $3",
    )
    .bind(agency)
    .bind(centre)
    .bind(starts_at)
    .fetch_optional(connection)
    .await?;
    row.as_ref().map(slot).transpose()
}

/// Takes one place in an open, future slot with a place left; `false`
/// when there is none (the caller reads the slot to say why).
pub async fn take_place(
    connection: &mut PgConnection,
    agency: &str,
    centre: &str,
    starts_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let taken = sqlx::query(
        "UPDATE appointment_slots SET taken = taken + 1
         WHERE agency = $1 AND centre = $2 AND starts_at = $3
           AND closed_by IS NULL AND taken < capacity AND starts_at > $4",
    )
    .bind(agency)
    .bind(centre)
    .bind(starts_at)
    .bind(now)
    .execute(connection)
    .await?;
    Ok(taken.rows_affected() == 1)
}

/// Gives a place back.
pub async fn free_place(
    connection: &mut PgConnection,
    agency: &str,
    centre: &str,
    starts_at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE appointment_slots SET taken = taken - 1
         WHERE agency = $1 AND centre = $2 AND starts_at = $3 AND taken > 0",
    )
    .bind(agency)
    .bind(centre)
    .bind(starts_at)
    .execute(connection)
    .await
    .map(drop)
}

pub struct NewBooking<'a> {
    pub agency: &'a str,
    pub case_id: Uuid,
    pub account_id: &'a str,
    pub centre: &'a str,
    pub starts_at: DateTime<Utc>,
    /// `Some` for a hold, `None` for a booking.
    pub hold_expires_at: Option<DateTime<Utc>>,
}

pub async fn insert(
    connection: &mut PgConnection,
    new: &NewBooking<'_>,
) -> Result<BookingRow, sqlx::Error> {
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO appointment_bookings
             (id, agency, case_id, account_id, centre, starts_at, state, hold_expires_at, booked_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, CASE WHEN $8 IS NULL THEN now() END)",
    )
    .bind(id)
    .bind(new.agency)
    .bind(new.case_id)
    .bind(new.account_id)
    .bind(new.centre)
    .bind(new.starts_at)
    .bind(if new.hold_expires_at.is_some() {
        "held"
    } else {
        "booked"
    })
    .bind(new.hold_expires_at)
    .execute(&mut *connection)
    .await?;
    by_id(connection, id).await?.ok_or(sqlx::Error::RowNotFound)
}

pub async fn by_id(
    connection: &mut PgConnection,
    id: Uuid,
) -> Result<Option<BookingRow>, sqlx::Error> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {BOOKING_COLUMNS} FROM {BOOKING_TABLES} WHERE b.id = $1"
    )))
    .bind(id)
    .fetch_optional(connection)
    .await?;
    row.as_ref().map(booking).transpose()
}

/// The case's hold or booking, locked; `None` when it has neither.
pub async fn lock_active(
    connection: &mut PgConnection,
    case_id: Uuid,
) -> Result<Option<BookingRow>, sqlx::Error> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {BOOKING_COLUMNS} FROM {BOOKING_TABLES}
         WHERE b.case_id = $1 AND b.state IN ('held', 'booked') FOR UPDATE OF b"
    )))
    .bind(case_id)
    .fetch_optional(connection)
    .await?;
    row.as_ref().map(booking).transpose()
}

/// The case's hold or booking, else its latest one.
pub async fn latest(
    connection: &mut PgConnection,
    case_id: Uuid,
) -> Result<Option<BookingRow>, sqlx::Error> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {BOOKING_COLUMNS} FROM {BOOKING_TABLES}
         WHERE b.case_id = $1
         ORDER BY b.state IN ('held', 'booked') DESC, b.created_at DESC LIMIT 1"
    )))
    .bind(case_id)
    .fetch_optional(connection)
    .await?;
    row.as_ref().map(booking).transpose()
}

/// Ends a hold or booking in `state` ("booked" turns a hold into a booking).
pub async fn set_state(
    connection: &mut PgConnection,
    id: Uuid,
    state: &str,
    replaced_by: Option<Uuid>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE appointment_bookings SET state = $2, replaced_by = COALESCE($3, replaced_by),
             booked_at = CASE WHEN $2 = 'booked' THEN now() ELSE booked_at END,
             hold_expires_at = CASE WHEN $2 = 'booked' THEN NULL ELSE hold_expires_at END,
             ended_at = CASE WHEN $2 = 'booked' THEN NULL ELSE now() END
         WHERE id = $1",
    )
    .bind(id)
    .bind(state)
    .bind(replaced_by)
    .execute(connection)
    .await
    .map(drop)
}

pub async fn audit(
    connection: &mut PgConnection,
    booking: &BookingRow,
    action: &str,
    actor: &str,
    detail: Value,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO appointment_audit (agency, booking_id, case_id, action, actor, detail)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&booking.agency)
    .bind(booking.id)
    .bind(booking.case_id)
    .bind(action)
    .bind(actor)
    .bind(detail)
    .execute(connection)
    .await
    .map(drop)
}

/// Holds an account took in the last minute (a hold storm is refused).
pub async fn recent_holds(
    connection: &mut PgConnection,
    account_id: &str,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT count(*) FROM appointment_bookings
         WHERE account_id = $1 AND created_at > now() - interval '1 minute'",
    )
    .bind(account_id)
    .fetch_one(connection)
    .await
}

/// Releases the case's hold or booking with the case (withdrawn,
/// cancelled): its place is free at once. Returns whether there was one.
pub async fn release_with_case(
    connection: &mut PgConnection,
    case_id: Uuid,
    actor: &str,
) -> Result<bool, sqlx::Error> {
    let Some(active) = lock_active(&mut *connection, case_id).await? else {
        return Ok(false);
    };
    set_state(&mut *connection, active.id, "cancelled", None).await?;
    free_place(
        &mut *connection,
        &active.agency,
        &active.centre,
        active.starts_at,
    )
    .await?;
    audit(
        connection,
        &active,
        "released_with_case",
        actor,
        Value::Null,
    )
    .await?;
    Ok(true)
}

/// Holds past their time, released: state `expired`, place freed, audited.
/// At most `limit`; returns how many.
pub async fn expire_holds(
    connection: &mut PgConnection,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<(String, Uuid)>, sqlx::Error> {
    let rows = sqlx::query(
        "WITH due AS (
             SELECT id FROM appointment_bookings
             WHERE state = 'held' AND hold_expires_at <= $1
             ORDER BY hold_expires_at LIMIT $2 FOR UPDATE SKIP LOCKED
         ), expired AS (
             UPDATE appointment_bookings b SET state = 'expired', ended_at = now()
             FROM due WHERE b.id = due.id
             RETURNING b.id, b.agency, b.case_id, b.centre, b.starts_at
         ), freed AS (
             UPDATE appointment_slots s SET taken = s.taken - e.places
             FROM (SELECT agency, centre, starts_at, count(*)::int AS places
                   FROM expired GROUP BY 1, 2, 3) e
             WHERE (s.agency, s.centre, s.starts_at) = (e.agency, e.centre, e.starts_at)
         ), audited AS (
             INSERT INTO appointment_audit (agency, booking_id, case_id, action, actor)
             SELECT agency, id, case_id, 'hold_expired', 'intake:holds' FROM expired
         )
         SELECT agency, id FROM expired",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(connection)
    .await?;
    rows.iter()
        .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
        .collect()
}

/// An account's bookings that have not started yet, soonest first.
pub async fn upcoming(
    pool: &PgPool,
    agency: &str,
    account_id: &str,
    limit: i64,
) -> Result<Vec<BookingRow>, sqlx::Error> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {BOOKING_COLUMNS} FROM {BOOKING_TABLES}
         WHERE b.agency = $1 AND b.account_id = $2 AND b.state = 'booked'
           AND b.starts_at > now()
         ORDER BY b.starts_at
         LIMIT $3"
    )))
    .bind(agency)
    .bind(account_id)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.iter().map(booking).collect()
}

/// A centre's bookings on one day, in time order.
pub async fn day_bookings(
    pool: &PgPool,
    agency: &str,
    centre: &str,
    day: NaiveDate,
) -> Result<Vec<BookingRow>, sqlx::Error> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {BOOKING_COLUMNS} FROM {BOOKING_TABLES}
         WHERE b.agency = $1 AND b.centre = $2 AND s.day = $3
           AND b.state IN ('booked', 'attended', 'no_show')
         ORDER BY b.starts_at, b.booked_at"
    )))
    .bind(agency)
    .bind(centre)
    .bind(day)
    .fetch_all(pool)
    .await?;
    rows.iter().map(booking).collect()
}

/// Booked appointments on `day` not yet reminded, locked, at most `limit`.
pub async fn lock_unreminded(
    connection: &mut PgConnection,
    agency: &str,
    day: NaiveDate,
    limit: i64,
) -> Result<Vec<BookingRow>, sqlx::Error> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {BOOKING_COLUMNS} FROM {BOOKING_TABLES}
         WHERE b.agency = $1 AND s.day = $2 AND b.state = 'booked' AND b.reminded_at IS NULL
         ORDER BY b.starts_at LIMIT $3 FOR UPDATE OF b SKIP LOCKED"
    )))
    .bind(agency)
    .bind(day)
    .bind(limit)
    .fetch_all(connection)
    .await?;
    rows.iter().map(booking).collect()
}

pub async fn mark_reminded(connection: &mut PgConnection, id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE appointment_bookings SET reminded_at = now() WHERE id = $1")
        .bind(id)
        .execute(connection)
        .await
        .map(drop)
}

/// Free places per centre from `from` to `to` (open slots only).
pub async fn free_places(
    pool: &PgPool,
    agency: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(String, i64)>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT centre, COALESCE(sum(capacity - taken), 0)::bigint FROM appointment_slots
         WHERE agency = $1 AND day BETWEEN $2 AND $3 AND closed_by IS NULL GROUP BY centre",
    )
    .bind(agency)
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
        .collect()
}
