//! The `documents` table.

use chrono::{DateTime, Utc};
use laissez_catalog::format::{DocumentKind, LocalizedText};
use sqlx::postgres::PgRow;
use sqlx::types::Json;
use sqlx::{PgConnection, PgPool, Row};
use uuid::Uuid;

use crate::jobs::Job;
use crate::seal::SealData;

pub struct NewDocument<'a> {
    pub id: Uuid,
    pub job: &'a Job,
    /// Its version among the documents of its (kind, source): 1, then one
    /// more per re-render.
    pub version: i32,
    /// The data it was laid out with.
    pub data: &'a serde_json::Value,
    /// Who re-rendered it and why (empty for the first render).
    pub rendered_by: &'a str,
    pub reason: &'a str,
    pub name: &'a LocalizedText,
    pub sha256: &'a str,
    pub size_bytes: i64,
    pub blob_key: &'a str,
    pub seal: &'a str,
    pub sealed: Option<&'a SealData>,
}

#[derive(Debug, Clone)]
pub struct DocumentRow {
    pub id: Uuid,
    pub agency: String,
    pub account_id: String,
    pub case_id: Uuid,
    pub kind: String,
    pub source: String,
    pub version: i32,
    pub language: String,
    pub data: Option<serde_json::Value>,
    pub superseded_at: Option<DateTime<Utc>>,
    pub number: String,
    pub receipt_number: String,
    pub group_number: String,
    pub application_type: String,
    pub catalog_version: u32,
    pub name: LocalizedText,
    pub sha256: String,
    pub size_bytes: i64,
    pub blob_key: String,
    pub sealed: Option<SealData>,
    pub paid_at: Option<DateTime<Utc>>,
    pub rendered_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "id, agency, account_id, case_id, kind, source, version, language, data, \
     superseded_at, number, receipt_number, group_number, application_type, catalog_version, name, \
     sha256, size_bytes, blob_key, sealed, paid_at, rendered_at, revoked_at";

fn from_row(row: &PgRow) -> Result<DocumentRow, sqlx::Error> {
    let Json(name): Json<LocalizedText> = row.try_get("name")?;
    let sealed: Option<Json<SealData>> = row.try_get("sealed")?;
    let version: i32 = row.try_get("catalog_version")?;
    Ok(DocumentRow {
        id: row.try_get("id")?,
        agency: row.try_get("agency")?,
        account_id: row.try_get("account_id")?,
        case_id: row.try_get("case_id")?,
        kind: row.try_get("kind")?,
        source: row.try_get("source")?,
        version: row.try_get("version")?,
        language: row.try_get("language")?,
        data: row
            .try_get::<Option<Json<serde_json::Value>>, _>("data")?
            .map(|Json(data)| data),
        superseded_at: row.try_get("superseded_at")?,
        number: row.try_get("number")?,
        receipt_number: row.try_get("receipt_number")?,
        group_number: row.try_get("group_number")?,
        application_type: row.try_get("application_type")?,
        catalog_version: u32::try_from(version).unwrap_or(0),
        name,
        sha256: row.try_get("sha256")?,
        size_bytes: row.try_get("size_bytes")?,
        blob_key: row.try_get("blob_key")?,
        sealed: sealed.map(|Json(sealed)| sealed),
        paid_at: row.try_get("paid_at")?,
        rendered_at: row.try_get("rendered_at")?,
        revoked_at: row.try_get("revoked_at")?,
    })
}

pub async fn exists(
    connection: &mut PgConnection,
    kind: DocumentKind,
    source: &str,
) -> sqlx::Result<bool> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM documents WHERE kind = $1 AND source = $2)")
        .bind(kind.as_str())
        .bind(source)
        .fetch_one(connection)
        .await
}

pub async fn insert(connection: &mut PgConnection, new: &NewDocument<'_>) -> sqlx::Result<()> {
    let job = new.job;
    sqlx::query(
        "INSERT INTO documents (id, agency, account_id, case_id, kind, source, number,
             receipt_number, group_number, application_type, catalog_version, language, name,
             sha256, size_bytes, blob_key, seal, sealed, paid_at, version, data, rendered_by, reason)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,
             $19, $20, $21, $22, $23)",
    )
    .bind(new.id)
    .bind(&job.agency)
    .bind(&job.account_id)
    .bind(job.case_id)
    .bind(job.kind.as_str())
    .bind(&job.source)
    .bind(&job.number)
    .bind(&job.receipt_number)
    .bind(&job.group_number)
    .bind(&job.application_type)
    .bind(i32::try_from(job.catalog_version).unwrap_or(i32::MAX))
    .bind(job.language.tag())
    .bind(Json(new.name))
    .bind(new.sha256)
    .bind(new.size_bytes)
    .bind(new.blob_key)
    .bind(new.seal)
    .bind(new.sealed.map(Json))
    .bind(job.paid_at)
    .bind(new.version)
    .bind(Json(new.data))
    .bind(new.rendered_by)
    .bind(new.reason)
    .execute(connection)
    .await
    .map(drop)
}

/// Who may see which documents: an agency's, and within it one account's
/// (applicants) or all (staff).
#[derive(Debug, Clone)]
pub struct Scope {
    pub agency: String,
    pub account: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub group_number: Option<String>,
    pub receipt_number: Option<String>,
    pub paid_from: Option<DateTime<Utc>>,
    pub paid_to: Option<DateTime<Utc>>,
    pub case_id: Option<Uuid>,
    pub kind: Option<String>,
}

pub async fn list(pool: &PgPool, scope: &Scope, filter: &Filter) -> sqlx::Result<Vec<DocumentRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM documents
         WHERE agency = $1
           AND ($2::text IS NULL OR account_id = $2)
           AND ($3::text IS NULL OR group_number = $3)
           AND ($4::text IS NULL OR receipt_number = $4)
           AND ($5::timestamptz IS NULL OR paid_at >= $5)
           AND ($6::timestamptz IS NULL OR paid_at < $6)
           AND ($7::uuid IS NULL OR case_id = $7)
           AND ($8::text IS NULL OR kind = $8)
           AND superseded_at IS NULL
         ORDER BY rendered_at DESC, id DESC
         LIMIT 200"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(&scope.agency)
        .bind(&scope.account)
        .bind(&filter.group_number)
        .bind(&filter.receipt_number)
        .bind(filter.paid_from)
        .bind(filter.paid_to)
        .bind(filter.case_id)
        .bind(&filter.kind)
        .try_map(|row: PgRow| from_row(&row))
        .fetch_all(pool)
        .await
}

pub async fn find(pool: &PgPool, scope: &Scope, id: Uuid) -> sqlx::Result<Option<DocumentRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM documents
         WHERE id = $1 AND agency = $2 AND ($3::text IS NULL OR account_id = $3)"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .bind(&scope.agency)
        .bind(&scope.account)
        .try_map(|row: PgRow| from_row(&row))
        .fetch_optional(pool)
        .await
}

/// Any document by id, whoever owns it (the public verifier).
pub async fn by_id(pool: &PgPool, id: Uuid) -> sqlx::Result<Option<DocumentRow>> {
    let sql = format!("SELECT {COLUMNS} FROM documents WHERE id = $1");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .try_map(|row: PgRow| from_row(&row))
        .fetch_optional(pool)
        .await
}

pub async fn by_sha256(pool: &PgPool, sha256: &str) -> sqlx::Result<Option<DocumentRow>> {
    let sql = format!("SELECT {COLUMNS} FROM documents WHERE sha256 = $1 LIMIT 1");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(sha256)
        .try_map(|row: PgRow| from_row(&row))
        .fetch_optional(pool)
        .await
}

/// Marks `id` superseded by a newer version, unless it already is: false
/// when another re-render got there first.
pub async fn supersede(connection: &mut PgConnection, id: Uuid) -> sqlx::Result<bool> {
    sqlx::query(
        "UPDATE documents SET superseded_at = now() WHERE id = $1 AND superseded_at IS NULL",
    )
    .bind(id)
    .execute(connection)
    .await
    .map(|done| done.rows_affected() == 1)
}

/// The newest version number of a (kind, source).
pub async fn latest_version(
    connection: &mut PgConnection,
    kind: &str,
    source: &str,
) -> sqlx::Result<i32> {
    sqlx::query_scalar(
        "SELECT COALESCE(max(version), 0) FROM documents WHERE kind = $1 AND source = $2",
    )
    .bind(kind)
    .bind(source)
    .fetch_one(connection)
    .await
}

pub async fn revoke(
    pool: &PgPool,
    agency: &str,
    id: Uuid,
    reason: &str,
) -> sqlx::Result<Option<DocumentRow>> {
    let sql = format!(
        "UPDATE documents SET revoked_at = COALESCE(revoked_at, now()), revoked_reason = $3
         WHERE id = $1 AND agency = $2 RETURNING {COLUMNS}"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .bind(agency)
        .bind(reason)
        .try_map(|row: PgRow| from_row(&row))
        .fetch_optional(pool)
        .await
}

/// Records `sequence` as the newest appointment fact of `case_id`; false
/// when the case has seen this or a newer one.
pub async fn appointment_fact(
    connection: &mut PgConnection,
    case_id: Uuid,
    sequence: i64,
) -> sqlx::Result<bool> {
    sqlx::query(
        "INSERT INTO appointment_facts (case_id, sequence) VALUES ($1, $2)
         ON CONFLICT (case_id) DO UPDATE SET sequence = EXCLUDED.sequence, seen_at = now()
         WHERE appointment_facts.sequence < EXCLUDED.sequence
         RETURNING case_id",
    )
    .bind(case_id)
    .bind(sequence)
    .fetch_optional(connection)
    .await
    .map(|row| row.is_some())
}

/// Revokes the case's appointment letters still in force.
pub async fn revoke_letters(
    connection: &mut PgConnection,
    case_id: Uuid,
    reason: &str,
) -> sqlx::Result<u64> {
    sqlx::query(
        "UPDATE documents SET revoked_at = now(), revoked_reason = $3
         WHERE case_id = $1 AND kind = $2 AND revoked_at IS NULL",
    )
    .bind(case_id)
    .bind(DocumentKind::AppointmentLetter.as_str())
    .bind(reason)
    .execute(connection)
    .await
    .map(|done| done.rows_affected())
}
