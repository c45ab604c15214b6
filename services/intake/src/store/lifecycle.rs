//! A case's life after approval (`case_lifecycle`): production's due date,
//! the permit's number and validity, the collection deadline and who
//! collected, or where it was sent and its tracking number. Written in the transaction of the transition it belongs to.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sqlx::types::Json;
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

/// Who took the document, as the counter checked them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Collector {
    /// "holder" or "proxy".
    pub kind: String,
    pub name: String,
    pub id_number: String,
    pub relationship: String,
    pub pickup_card: String,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Lifecycle {
    pub production_due_on: Option<NaiveDate>,
    pub produced_at: Option<DateTime<Utc>>,
    pub permit_number: Option<String>,
    pub permit_valid_until: Option<NaiveDate>,
    /// `single`, `double` or `multiple`.
    pub permit_entries: Option<String>,
    pub permit_stay_days: Option<i32>,
    pub ready_at: Option<DateTime<Utc>>,
    pub collect_by: Option<NaiveDate>,
    pub collected_at: Option<DateTime<Utc>>,
    pub collector: Option<Collector>,
    /// Courier delivery: the address it goes to, the courier's tracking
    /// number, and when it was handed over and delivered.
    pub delivery_address: Option<String>,
    pub tracking_number: Option<String>,
    pub dispatched_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
}

macro_rules! lifecycle_column {
    () => {
        "(SELECT to_jsonb(l) FROM (
             SELECT production_due_on, produced_at, permit_number, permit_valid_until,
                    permit_entries, permit_stay_days, ready_at, collect_by, collected_at, collector,
                    delivery_address, tracking_number, dispatched_at, delivered_at
             FROM case_lifecycle WHERE case_id = cases.id) l) AS detail_lifecycle"
    };
}
pub(crate) use lifecycle_column;

pub async fn find(
    executor: impl PgExecutor<'_>,
    case_id: Uuid,
) -> Result<Option<Lifecycle>, sqlx::Error> {
    let found: Option<Option<Json<Lifecycle>>> = sqlx::query_scalar(concat!(
        "SELECT ",
        lifecycle_column!(),
        " FROM cases WHERE cases.id = $1"
    ))
    .bind(case_id)
    .fetch_optional(executor)
    .await?;
    Ok(found.flatten().map(|Json(lifecycle)| lifecycle))
}

/// Production began: it is due on `due_on` (when the agency publishes a
/// processing time).
pub async fn start_production(
    connection: &mut PgConnection,
    case_id: Uuid,
    agency: &str,
    due_on: Option<NaiveDate>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO case_lifecycle (case_id, agency, production_due_on) VALUES ($1, $2, $3)
         ON CONFLICT (case_id) DO UPDATE SET production_due_on = EXCLUDED.production_due_on",
    )
    .bind(case_id)
    .bind(agency)
    .bind(due_on)
    .execute(connection)
    .await?;
    Ok(())
}

pub async fn finish_production(
    connection: &mut PgConnection,
    case_id: Uuid,
    agency: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO case_lifecycle (case_id, agency, produced_at) VALUES ($1, $2, now())
         ON CONFLICT (case_id) DO UPDATE SET produced_at = now()",
    )
    .bind(case_id)
    .bind(agency)
    .execute(connection)
    .await?;
    Ok(())
}

/// What the permit is, fixed when it is issued: its number, last valid
/// day, entries and longest stay per entry (each when known).
#[derive(Debug, Clone, Copy, Default)]
pub struct PermitTerms<'a> {
    pub number: Option<&'a str>,
    pub valid_until: Option<NaiveDate>,
    pub entries: Option<&'a str>,
    pub stay_days: Option<u32>,
}

/// Fixes the permit's terms; what an earlier call fixed stays.
pub async fn fix_permit(
    connection: &mut PgConnection,
    case_id: Uuid,
    agency: &str,
    terms: PermitTerms<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO case_lifecycle
             (case_id, agency, permit_number, permit_valid_until, permit_entries, permit_stay_days)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (case_id) DO UPDATE SET
             permit_number = COALESCE(case_lifecycle.permit_number, EXCLUDED.permit_number),
             permit_valid_until = COALESCE(case_lifecycle.permit_valid_until,
                                           EXCLUDED.permit_valid_until),
             permit_entries = COALESCE(case_lifecycle.permit_entries, EXCLUDED.permit_entries),
             permit_stay_days = COALESCE(case_lifecycle.permit_stay_days,
                                         EXCLUDED.permit_stay_days)",
    )
    .bind(case_id)
    .bind(agency)
    .bind(terms.number)
    .bind(terms.valid_until)
    .bind(terms.entries)
    .bind(terms.stay_days.and_then(|days| i32::try_from(days).ok()))
    .execute(connection)
    .await?;
    Ok(())
}

pub async fn make_ready(
    connection: &mut PgConnection,
    case_id: Uuid,
    agency: &str,
    collect_by: Option<NaiveDate>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO case_lifecycle (case_id, agency, ready_at, collect_by) VALUES ($1, $2, now(), $3)
         ON CONFLICT (case_id) DO UPDATE SET ready_at = now(), collect_by = EXCLUDED.collect_by",
    )
    .bind(case_id)
    .bind(agency)
    .bind(collect_by)
    .execute(connection)
    .await?;
    Ok(())
}

/// A submitted case waits for its lodging fee with the priority lanes it
/// was submitted with.
pub async fn hold_for_lodging(
    connection: &mut PgConnection,
    case_id: Uuid,
    agency: &str,
    lanes: &[String],
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO case_lifecycle (case_id, agency, lodging_lanes) VALUES ($1, $2, $3)
         ON CONFLICT (case_id) DO UPDATE SET lodging_lanes = EXCLUDED.lodging_lanes",
    )
    .bind(case_id)
    .bind(agency)
    .bind(lanes)
    .execute(connection)
    .await?;
    Ok(())
}

/// The lodging fee is paid: the time is kept, and the lanes the case was
/// submitted with are returned (`None` if it was never held).
pub async fn take_lodging(
    connection: &mut PgConnection,
    case_id: Uuid,
) -> Result<Option<Vec<String>>, sqlx::Error> {
    let lanes: Option<Option<Vec<String>>> = sqlx::query_scalar(
        "UPDATE case_lifecycle SET lodged_at = now() WHERE case_id = $1 RETURNING lodging_lanes",
    )
    .bind(case_id)
    .fetch_optional(connection)
    .await?;
    Ok(lanes.flatten())
}

/// The document is made and waits to be sent to `address`.
pub async fn await_dispatch(
    connection: &mut PgConnection,
    case_id: Uuid,
    agency: &str,
    address: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO case_lifecycle (case_id, agency, delivery_address) VALUES ($1, $2, $3)
         ON CONFLICT (case_id) DO UPDATE SET delivery_address = EXCLUDED.delivery_address",
    )
    .bind(case_id)
    .bind(agency)
    .bind(address)
    .execute(connection)
    .await?;
    Ok(())
}

/// The courier took the document under `tracking_number`.
pub async fn record_dispatch(
    connection: &mut PgConnection,
    case_id: Uuid,
    tracking_number: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE case_lifecycle SET dispatched_at = now(), tracking_number = $2 WHERE case_id = $1",
    )
    .bind(case_id)
    .bind(tracking_number)
    .execute(connection)
    .await?;
    Ok(())
}

pub async fn record_delivery(
    connection: &mut PgConnection,
    case_id: Uuid,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE case_lifecycle SET delivered_at = now() WHERE case_id = $1")
        .bind(case_id)
        .execute(connection)
        .await?;
    Ok(())
}

pub async fn record_collection(
    connection: &mut PgConnection,
    case_id: Uuid,
    collector: &Collector,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE case_lifecycle SET collected_at = now(), collector = $2 WHERE case_id = $1",
    )
    .bind(case_id)
    .bind(Json(collector))
    .execute(connection)
    .await?;
    Ok(())
}

/// Up to `limit` cases of any agency (with their last day to collect)
/// still ready for pickup after that day (`collect_by` before `today`),
/// locked for the caller's transaction; rows another transaction holds
/// are skipped, so replicas running side by side never take the same case.
pub async fn lock_uncollected(
    connection: &mut PgConnection,
    today: NaiveDate,
    limit: i64,
) -> Result<Vec<(Uuid, String, NaiveDate)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT cases.id, cases.agency, lifecycle.collect_by FROM case_lifecycle lifecycle
         JOIN cases ON cases.id = lifecycle.case_id
         WHERE lifecycle.collect_by < $1
           AND lifecycle.collected_at IS NULL AND cases.state = 'ready_for_pickup'
         ORDER BY lifecycle.collect_by LIMIT $2
         FOR UPDATE OF cases SKIP LOCKED",
    )
    .bind(today)
    .bind(limit)
    .fetch_all(connection)
    .await
}

/// Per agency with a published catalog, how many cases are still in
/// production after their due date (`production_due_on` before `today`),
/// none included.
pub async fn overdue_productions(
    executor: impl PgExecutor<'_>,
    today: NaiveDate,
) -> Result<Vec<(String, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT agencies.agency, count(cases.id)
         FROM (SELECT DISTINCT agency FROM catalog_versions) agencies
         LEFT JOIN case_lifecycle lifecycle
                ON lifecycle.agency = agencies.agency AND lifecycle.production_due_on < $1
         LEFT JOIN cases ON cases.id = lifecycle.case_id AND cases.state = 'in_production'
         GROUP BY agencies.agency ORDER BY agencies.agency",
    )
    .bind(today)
    .fetch_all(executor)
    .await
}
