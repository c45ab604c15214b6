//! Uploaded documents of a case. Deleting keeps the row (with
//! `deleted_at`) so the snapshots of earlier rounds still name their files.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{PgConnection, PgExecutor, Row};
use uuid::Uuid;

use super::cases::{IN_SCOPE, Scope};
use crate::domain::State;

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

/// Stores `document` if the case is in the scope and its documents may
/// change, deleting `replaces` (which must be a live document of the case)
/// with it: one statement, under the case's row lock. With `answers_field`
/// (a photo or signature field of the form) the field is answered with the
/// new document too, while the case's answers may change. `false` when
/// nothing was stored.
pub async fn insert_if_open<'e>(
    executor: impl PgExecutor<'e>,
    scope: &Scope,
    case_id: Uuid,
    replaces: Option<Uuid>,
    document: &DocumentRow,
    answers_field: bool,
) -> Result<bool, sqlx::Error> {
    let inserted: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "WITH target AS (
             SELECT id, agency, state FROM cases
             WHERE {IN_SCOPE} AND state = ANY($4)
             FOR UPDATE
         ), replaced AS (
             UPDATE case_documents SET deleted_at = now()
             WHERE $5::uuid IS NOT NULL AND id = $5 AND deleted_at IS NULL
               AND case_id IN (SELECT id FROM target)
             RETURNING id
         ), inserted AS (
             INSERT INTO case_documents (id, case_id, agency, requirement, file_name, media_type,
                 size_bytes, sha256, blob_key, uploaded_at)
             SELECT $6, target.id, target.agency, $7, $8, $9, $10, $11, $12, $13 FROM target
             WHERE $5::uuid IS NULL OR EXISTS (SELECT 1 FROM replaced)
             RETURNING case_id
         ), answered AS (
             UPDATE cases SET answers = jsonb_set(answers, ARRAY[$7::text], to_jsonb($6::uuid::text))
             WHERE $14 AND id IN (SELECT case_id FROM inserted)
               AND state = ANY($15)
             RETURNING id
         )
         SELECT count(*) FROM inserted"
    )))
    .bind(case_id)
    .bind(&scope.agency)
    .bind(scope.account.as_deref())
    .bind(State::documents_editable_states())
    .bind(replaces)
    .bind(document.id)
    .bind(&document.requirement)
    .bind(&document.file_name)
    .bind(&document.media_type)
    .bind(i64::try_from(document.size_bytes).unwrap_or(i64::MAX))
    .bind(&document.sha256)
    .bind(&document.blob_key)
    .bind(document.uploaded_at)
    .bind(answers_field)
    .bind(State::answers_editable_states())
    .fetch_one(executor)
    .await?;
    Ok(inserted == 1)
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
