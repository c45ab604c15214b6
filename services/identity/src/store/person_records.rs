//! The agency's person records registrations are matched against.

use std::collections::BTreeMap;

use sqlx::types::Json;
use sqlx::{PgConnection, PgPool};

pub async fn upsert(
    connection: &mut PgConnection,
    agency: &str,
    portal: &str,
    match_key: &str,
    fields: &BTreeMap<String, String>,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO person_records (agency, portal, match_key, fields) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (agency, portal, match_key) DO UPDATE SET fields = EXCLUDED.fields, imported_at = now()",
    )
    .bind(agency)
    .bind(portal)
    .bind(match_key)
    .bind(Json(fields))
    .execute(&mut *connection)
    .await?;
    Ok(())
}

pub async fn find(
    pool: &PgPool,
    agency: &str,
    portal: &str,
    match_key: &str,
) -> sqlx::Result<Option<BTreeMap<String, String>>> {
    let row: Option<Json<BTreeMap<String, String>>> = sqlx::query_scalar(
        "SELECT fields FROM person_records WHERE agency = $1 AND portal = $2 AND match_key = $3",
    )
    .bind(agency)
    .bind(portal)
    .bind(match_key)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|Json(fields)| fields))
}
