//! The agency's permit records, imported over gRPC or from CSV, that
//! applications referring to an existing permit are checked against.

use serde_json::{Map, Value};
use sqlx::types::Json;
use sqlx::{PgConnection, PgExecutor, Row};

/// An agency's record of a permit.
pub async fn permit_record<'e>(
    executor: impl PgExecutor<'e>,
    agency: &str,
    permit_number: &str,
) -> Result<Option<crate::domain::application::PermitRecord>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT holder_document_number, fields FROM permit_records
         WHERE agency = $1 AND permit_number = $2",
    )
    .bind(agency)
    .bind(permit_number)
    .fetch_optional(executor)
    .await?;
    row.map(|row| {
        let Json(fields): Json<Map<String, Value>> = row.try_get("fields")?;
        Ok(crate::domain::application::PermitRecord {
            holder_document_number: row.try_get("holder_document_number")?,
            fields,
        })
    })
    .transpose()
}

pub async fn upsert_permit_record(
    connection: &mut PgConnection,
    agency: &str,
    permit_number: &str,
    holder_document_number: &str,
    fields: &Map<String, Value>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO permit_records (agency, permit_number, holder_document_number, fields)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (agency, permit_number) DO UPDATE
         SET holder_document_number = EXCLUDED.holder_document_number,
             fields = EXCLUDED.fields, imported_at = now()",
    )
    .bind(agency)
    .bind(permit_number)
    .bind(holder_document_number)
    .bind(Json(fields))
    .execute(connection)
    .await?;
    Ok(())
}

/// What the agency's records say `document_number`'s holder holds: each
/// record of theirs as a held document of its `permit_kind`, valid until
/// its `expires_on` (no date: not known to expire). Document numbers match
/// as the start page matches them: case, spaces and hyphens aside.
pub async fn held_documents<'e>(
    executor: impl PgExecutor<'e>,
    agency: &str,
    document_number: &str,
) -> Result<Vec<laissez_catalog::rules::HeldDocument>, sqlx::Error> {
    let normal = crate::domain::application::normal_document_number(document_number);
    if normal.is_empty() {
        return Ok(Vec::new());
    }
    let rows = sqlx::query(
        "SELECT permit_number, fields FROM permit_records
         WHERE agency = $1
           AND upper(regexp_replace(holder_document_number, '[[:space:]-]', '', 'g')) = $2
         ORDER BY permit_number LIMIT 100",
    )
    .bind(agency)
    .bind(&normal)
    .fetch_all(executor)
    .await?;
    rows.into_iter()
        .map(|row| {
            let Json(fields): Json<Map<String, Value>> = row.try_get("fields")?;
            let text = |key: &str| fields.get(key).and_then(Value::as_str).map(str::trim);
            Ok(laissez_catalog::rules::HeldDocument {
                kind: text("permit_kind").unwrap_or_default().to_owned(),
                number: Some(row.try_get("permit_number")?),
                expires_on: text("expires_on")
                    .and_then(|day| chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()),
            })
        })
        .collect()
}
