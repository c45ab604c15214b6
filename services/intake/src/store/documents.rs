//! Uploaded documents of a case. Deleting keeps the row (with
//! `deleted_at`) so the snapshots of earlier rounds still name their files.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{PgConnection, PgExecutor, Row};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentRow {
    pub id: Uuid,
    pub requirement: String,
    pub file_name: String,
    pub media_type: String,
    pub size_bytes: u64,
    pub sha256: String,
    pub blob_key: String,
    pub uploaded_at: DateTime<Utc>,
}

const COLUMNS: &str =
    "id, requirement, file_name, media_type, size_bytes, sha256, blob_key, uploaded_at";

fn from_row(row: &sqlx::postgres::PgRow) -> Result<DocumentRow, sqlx::Error> {
    let size: i64 = row.try_get("size_bytes")?;
    Ok(DocumentRow {
        id: row.try_get("id")?,
        requirement: row.try_get("requirement")?,
        file_name: row.try_get("file_name")?,
        media_type: row.try_get("media_type")?,
        size_bytes: u64::try_from(size).unwrap_or_default(),
        sha256: row.try_get("sha256")?,
        blob_key: row.try_get("blob_key")?,
        uploaded_at: row.try_get("uploaded_at")?,
    })
}

/// The case's current documents, oldest first.
pub async fn live<'e>(
    executor: impl PgExecutor<'e>,
    case_id: Uuid,
) -> Result<Vec<DocumentRow>, sqlx::Error> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM case_documents
         WHERE case_id = $1 AND deleted_at IS NULL ORDER BY uploaded_at, id"
    )))
    .bind(case_id)
    .fetch_all(executor)
    .await?;
    rows.iter().map(from_row).collect()
}

/// A live document of the case.
pub async fn find<'e>(
    executor: impl PgExecutor<'e>,
    case_id: Uuid,
    id: Uuid,
) -> Result<Option<DocumentRow>, sqlx::Error> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM case_documents
         WHERE case_id = $1 AND id = $2 AND deleted_at IS NULL"
    )))
    .bind(case_id)
    .bind(id)
    .fetch_optional(executor)
    .await?
    .as_ref()
    .map(from_row)
    .transpose()
}

pub async fn insert(
    connection: &mut PgConnection,
    case_id: Uuid,
    agency: &str,
    document: &DocumentRow,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO case_documents (id, case_id, agency, requirement, file_name, media_type,
             size_bytes, sha256, blob_key, uploaded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(document.id)
    .bind(case_id)
    .bind(agency)
    .bind(&document.requirement)
    .bind(&document.file_name)
    .bind(&document.media_type)
    .bind(i64::try_from(document.size_bytes).unwrap_or(i64::MAX))
    .bind(&document.sha256)
    .bind(&document.blob_key)
    .bind(document.uploaded_at)
    .execute(connection)
    .await?;
    Ok(())
}

pub async fn mark_deleted(
    connection: &mut PgConnection,
    case_id: Uuid,
    id: Uuid,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "UPDATE case_documents SET deleted_at = now()
         WHERE case_id = $1 AND id = $2 AND deleted_at IS NULL",
    )
    .bind(case_id)
    .bind(id)
    .execute(connection)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Whether any document row (live, or kept for a snapshot) still uses the blob.
pub async fn blob_in_use<'e>(
    executor: impl PgExecutor<'e>,
    blob_key: &str,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM case_documents
                        WHERE blob_key = $1 AND (deleted_at IS NULL OR id IN (
                            SELECT (doc ->> 'id')::uuid FROM case_snapshots s,
                                   jsonb_array_elements(s.documents) doc
                            WHERE s.case_id = case_documents.case_id)))",
    )
    .bind(blob_key)
    .fetch_one(executor)
    .await
}

/// Count and total size of the case's live documents (the per-case quota).
pub async fn usage<'e>(
    executor: impl PgExecutor<'e>,
    case_id: Uuid,
) -> Result<(u64, u64), sqlx::Error> {
    let row = sqlx::query(
        "SELECT count(*) AS n, COALESCE(sum(size_bytes), 0)::bigint AS bytes
         FROM case_documents WHERE case_id = $1 AND deleted_at IS NULL",
    )
    .bind(case_id)
    .fetch_one(executor)
    .await?;
    let count: i64 = row.try_get("n")?;
    let bytes: i64 = row.try_get("bytes")?;
    Ok((
        u64::try_from(count).unwrap_or_default(),
        u64::try_from(bytes).unwrap_or_default(),
    ))
}
