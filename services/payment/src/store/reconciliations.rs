//! Reconciliation results, and the ledger's side of one provider's day.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::types::Json;
use sqlx::{PgConnection, PgPool, Row};
use uuid::Uuid;

use crate::domain::reconcile::{Difference, Movement, Outcome};

#[derive(Debug, Clone)]
pub struct ReconciliationRow {
    pub id: Uuid,
    pub agency: String,
    pub provider: String,
    pub day: NaiveDate,
    pub settled_rows: i32,
    pub recorded_rows: i32,
    pub matched: i32,
    pub missing: i32,
    pub extra: i32,
    pub mismatched: i32,
    pub differences: Vec<Difference>,
    pub actor: String,
    pub run_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, agency, provider, day, settled_rows, recorded_rows, matched, missing,
     extra, mismatched, differences, actor, run_at";

fn row_of(row: &sqlx::postgres::PgRow) -> sqlx::Result<ReconciliationRow> {
    let Json(differences): Json<Vec<Difference>> = row.try_get("differences")?;
    Ok(ReconciliationRow {
        id: row.try_get("id")?,
        agency: row.try_get("agency")?,
        provider: row.try_get("provider")?,
        day: row.try_get("day")?,
        settled_rows: row.try_get("settled_rows")?,
        recorded_rows: row.try_get("recorded_rows")?,
        matched: row.try_get("matched")?,
        missing: row.try_get("missing")?,
        extra: row.try_get("extra")?,
        mismatched: row.try_get("mismatched")?,
        differences,
        actor: row.try_get("actor")?,
        run_at: row.try_get("run_at")?,
    })
}

/// The ledger's movements of `agency` through `provider` on `day` (UTC),
/// one per ledger row (a payment's orders and surcharge are separate rows).
pub async fn recorded(
    pool: &PgPool,
    agency: &str,
    provider: &str,
    day: NaiveDate,
) -> sqlx::Result<Vec<Movement>> {
    let rows: Vec<(String, Option<Uuid>, i64, String)> = sqlx::query_as(
        "SELECT provider_txn, payment_id, amount, currency FROM ledger
         WHERE agency = $1 AND provider = $2 AND provider_txn <> ''
           AND at >= $3::date AND at < $3::date + 1",
    )
    .bind(agency)
    .bind(provider)
    .bind(day)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(transaction_id, payment_id, amount, currency)| Movement {
            transaction_id,
            reference: payment_id.map(|id| id.to_string()).unwrap_or_default(),
            amount,
            currency,
        })
        .collect())
}

/// What one run found, to keep.
pub struct NewReconciliation<'a> {
    pub agency: &'a str,
    pub provider: &'a str,
    pub day: NaiveDate,
    pub settled_rows: usize,
    pub recorded_rows: usize,
    pub outcome: &'a Outcome,
    pub actor: &'a str,
}

/// Keeps a run's result, replacing an earlier run of the same day.
pub async fn save(
    connection: &mut PgConnection,
    run: &NewReconciliation<'_>,
) -> sqlx::Result<ReconciliationRow> {
    use crate::domain::reconcile::DifferenceKind::{Extra, Mismatched, Missing};
    let count = |value: usize| i32::try_from(value).unwrap_or(i32::MAX);
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO reconciliations
             (id, agency, provider, day, settled_rows, recorded_rows, matched, missing, extra,
              mismatched, differences, actor)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         ON CONFLICT (agency, provider, day) DO UPDATE SET
             settled_rows = EXCLUDED.settled_rows, recorded_rows = EXCLUDED.recorded_rows,
             matched = EXCLUDED.matched, missing = EXCLUDED.missing, extra = EXCLUDED.extra,
             mismatched = EXCLUDED.mismatched, differences = EXCLUDED.differences,
             actor = EXCLUDED.actor, run_at = now()
         RETURNING {COLUMNS}"
    )))
    .bind(Uuid::now_v7())
    .bind(run.agency)
    .bind(run.provider)
    .bind(run.day)
    .bind(count(run.settled_rows))
    .bind(count(run.recorded_rows))
    .bind(count(run.outcome.matched))
    .bind(count(run.outcome.count(Missing)))
    .bind(count(run.outcome.count(Extra)))
    .bind(count(run.outcome.count(Mismatched)))
    .bind(Json(&run.outcome.differences))
    .bind(run.actor)
    .fetch_one(connection)
    .await?;
    row_of(&row)
}

/// The agency's reconciliations, newest day first (of one provider when
/// given).
pub async fn list(
    pool: &PgPool,
    agency: &str,
    provider: Option<&str>,
    limit: i64,
) -> sqlx::Result<Vec<ReconciliationRow>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM reconciliations
         WHERE agency = $1 AND ($2::text IS NULL OR provider = $2)
         ORDER BY day DESC, provider LIMIT $3"
    )))
    .bind(agency)
    .bind(provider)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.iter().map(row_of).collect()
}

/// Whether `agency`'s day through `provider` was reconciled already.
pub async fn exists(
    connection: &mut PgConnection,
    agency: &str,
    provider: &str,
    day: NaiveDate,
) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM reconciliations WHERE agency = $1 AND provider = $2 AND day = $3)",
    )
    .bind(agency)
    .bind(provider)
    .bind(day)
    .fetch_one(connection)
    .await
}

/// The agencies with ledger movements through `provider` on `day`.
pub async fn agencies_with_movements(
    pool: &PgPool,
    provider: &str,
    day: NaiveDate,
) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(
        "SELECT DISTINCT agency FROM ledger
         WHERE provider = $1 AND provider_txn <> '' AND at >= $2::date AND at < $2::date + 1",
    )
    .bind(provider)
    .bind(day)
    .fetch_all(pool)
    .await
}
