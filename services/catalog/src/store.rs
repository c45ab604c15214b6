//! Published catalog versions and announcements in PostgreSQL.
//!
//! The owning service (intake) runs [`MIGRATOR`] on its own database. Every
//! publish validates the files and inserts a new immutable version; cases
//! keep the version number they were submitted under and read it with [`get`].

use crate::format::{Announcement, Catalog, LocalizedText};
use crate::load::{self, LoadErrors};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::types::Json;
use sqlx::{PgPool, Row};
use uuid::Uuid;

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("catalog is invalid")]
    Invalid(#[from] LoadErrors),
    #[error("files declare agency `{found}`, not `{expected}`")]
    AgencyMismatch { expected: String, found: String },
    #[error("not found")]
    NotFound,
    #[error("announcement code `{0}` already exists")]
    DuplicateAnnouncement(String),
    #[error("stored catalog cannot be read: {0}")]
    Corrupt(#[from] serde_json::Error),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

/// One published version, without its content.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VersionInfo {
    pub agency: String,
    pub version: u32,
    pub sha256: String,
    pub published_by: String,
    pub published_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StoredCatalog {
    pub info: VersionInfo,
    pub catalog: Catalog,
}

/// The digest a published version carries: SHA-256 of the catalog's JSON.
/// Equal catalogs have equal fingerprints, whatever their files looked like.
pub fn fingerprint(catalog: &Catalog) -> Result<String, Error> {
    fingerprint_of(&serde_json::to_value(catalog)?)
}

fn fingerprint_of(json: &serde_json::Value) -> Result<String, Error> {
    Ok(hex::encode(Sha256::digest(serde_json::to_vec(json)?)))
}

/// Validates `files` as the catalog of `agency` and stores it as the next version.
pub async fn publish(
    pool: &PgPool,
    agency: &str,
    files: &[(String, Vec<u8>)],
    published_by: &str,
) -> Result<VersionInfo, Error> {
    let catalog = load::load_files(files)?;
    if catalog.agency.code != agency {
        return Err(Error::AgencyMismatch {
            expected: agency.to_owned(),
            found: catalog.agency.code,
        });
    }
    let json = serde_json::to_value(&catalog)?;
    let sha256 = fingerprint_of(&json)?;

    let mut transaction = pool.begin().await?;
    // Serialises publishes of one agency so two never take the same number.
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended('laissez.catalog.' || $1, 0))")
        .bind(agency)
        .execute(&mut *transaction)
        .await?;
    let next: i32 = sqlx::query(
        "SELECT COALESCE(MAX(version), 0) + 1 AS next FROM catalog_versions WHERE agency = $1",
    )
    .bind(agency)
    .fetch_one(&mut *transaction)
    .await?
    .try_get("next")?;
    let row = sqlx::query(
        "INSERT INTO catalog_versions (agency, version, catalog, sha256, published_by)
         VALUES ($1, $2, $3, $4, $5)
         RETURNING agency, version, sha256, published_by, published_at",
    )
    .bind(agency)
    .bind(next)
    .bind(Json(&json))
    .bind(&sha256)
    .bind(published_by)
    .fetch_one(&mut *transaction)
    .await?;
    transaction.commit().await?;
    version_info(&row)
}

fn version_info(row: &sqlx::postgres::PgRow) -> Result<VersionInfo, Error> {
    let version: i32 = row.try_get("version")?;
    Ok(VersionInfo {
        agency: row.try_get("agency")?,
        version: u32::try_from(version).unwrap_or_default(),
        sha256: row.try_get("sha256")?,
        published_by: row.try_get("published_by")?,
        published_at: row.try_get("published_at")?,
    })
}

/// Versions of an agency, newest first.
pub async fn list_versions(pool: &PgPool, agency: &str) -> Result<Vec<VersionInfo>, Error> {
    let rows = sqlx::query(
        "SELECT agency, version, sha256, published_by, published_at FROM catalog_versions
         WHERE agency = $1 ORDER BY version DESC",
    )
    .bind(agency)
    .fetch_all(pool)
    .await?;
    rows.iter().map(version_info).collect()
}

/// Every agency that has published a catalog, in alphabetical order.
pub async fn agencies(pool: &PgPool) -> Result<Vec<String>, Error> {
    Ok(
        sqlx::query_scalar("SELECT DISTINCT agency FROM catalog_versions ORDER BY agency")
            .fetch_all(pool)
            .await?,
    )
}

/// The version an agency currently uses (the latest published).
pub async fn current(pool: &PgPool, agency: &str) -> Result<StoredCatalog, Error> {
    let row = sqlx::query(
        "SELECT agency, version, sha256, published_by, published_at, catalog FROM catalog_versions
         WHERE agency = $1 ORDER BY version DESC LIMIT 1",
    )
    .bind(agency)
    .fetch_optional(pool)
    .await?
    .ok_or(Error::NotFound)?;
    stored(&row)
}

/// A given version, e.g. the one a case was submitted under.
pub async fn get(pool: &PgPool, agency: &str, version: u32) -> Result<StoredCatalog, Error> {
    let version = i32::try_from(version).map_err(|_| Error::NotFound)?;
    let row = sqlx::query(
        "SELECT agency, version, sha256, published_by, published_at, catalog FROM catalog_versions
         WHERE agency = $1 AND version = $2",
    )
    .bind(agency)
    .bind(version)
    .fetch_optional(pool)
    .await?
    .ok_or(Error::NotFound)?;
    stored(&row)
}

fn stored(row: &sqlx::postgres::PgRow) -> Result<StoredCatalog, Error> {
    let Json(value): Json<serde_json::Value> = row.try_get("catalog")?;
    Ok(StoredCatalog {
        info: version_info(row)?,
        catalog: serde_json::from_value(value)?,
    })
}

/// An announcement as stored, with its id.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredAnnouncement {
    pub id: Uuid,
    pub agency: String,
    pub announcement: Announcement,
}

fn is_unique_violation(error: &sqlx::Error) -> bool {
    error
        .as_database_error()
        .and_then(|database| database.code())
        .is_some_and(|code| code == "23505")
}

pub async fn create_announcement(
    pool: &PgPool,
    agency: &str,
    announcement: &Announcement,
) -> Result<Uuid, Error> {
    let id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO catalog_announcements (id, agency, code, title, body, unit, important, published_on)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id)
    .bind(agency)
    .bind(&announcement.code)
    .bind(Json(&announcement.title))
    .bind(Json(&announcement.body))
    .bind(announcement.unit.as_ref().map(Json))
    .bind(announcement.important)
    .bind(announcement.published_on)
    .execute(pool)
    .await
    .map_err(|error| if is_unique_violation(&error) { Error::DuplicateAnnouncement(announcement.code.clone()) } else { error.into() })?;
    Ok(id)
}

/// Announcements of an agency, newest first.
pub async fn list_announcements(
    pool: &PgPool,
    agency: &str,
) -> Result<Vec<StoredAnnouncement>, Error> {
    let rows = sqlx::query(
        "SELECT id, agency, code, title, body, unit, important, published_on FROM catalog_announcements
         WHERE agency = $1 ORDER BY published_on DESC, code",
    )
    .bind(agency)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            let Json(title): Json<LocalizedText> = row.try_get("title")?;
            let Json(body): Json<LocalizedText> = row.try_get("body")?;
            let unit: Option<Json<LocalizedText>> = row.try_get("unit")?;
            let published_on: NaiveDate = row.try_get("published_on")?;
            Ok(StoredAnnouncement {
                id: row.try_get("id")?,
                agency: row.try_get("agency")?,
                announcement: Announcement {
                    code: row.try_get("code")?,
                    title,
                    body,
                    unit: unit.map(|Json(unit)| unit),
                    important: row.try_get("important")?,
                    published_on,
                },
            })
        })
        .collect()
}

pub async fn update_announcement(
    pool: &PgPool,
    agency: &str,
    id: Uuid,
    announcement: &Announcement,
) -> Result<(), Error> {
    let result = sqlx::query(
        "UPDATE catalog_announcements SET code = $3, title = $4, body = $5, unit = $6, important = $7,
                published_on = $8, updated_at = now()
         WHERE id = $1 AND agency = $2",
    )
    .bind(id)
    .bind(agency)
    .bind(&announcement.code)
    .bind(Json(&announcement.title))
    .bind(Json(&announcement.body))
    .bind(announcement.unit.as_ref().map(Json))
    .bind(announcement.important)
    .bind(announcement.published_on)
    .execute(pool)
    .await
    .map_err(|error| if is_unique_violation(&error) { Error::DuplicateAnnouncement(announcement.code.clone()) } else { error.into() })?;
    if result.rows_affected() == 0 {
        Err(Error::NotFound)
    } else {
        Ok(())
    }
}

pub async fn delete_announcement(pool: &PgPool, agency: &str, id: Uuid) -> Result<(), Error> {
    let result = sqlx::query("DELETE FROM catalog_announcements WHERE id = $1 AND agency = $2")
        .bind(id)
        .bind(agency)
        .execute(pool)
        .await?;
    if result.rows_affected() == 0 {
        Err(Error::NotFound)
    } else {
        Ok(())
    }
}
