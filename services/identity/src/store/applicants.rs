//! Managed applicants of an account.

use chrono::NaiveDate;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::domain::applicant::ApplicantDetails;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ApplicantRow {
    pub id: Uuid,
    pub account_id: Uuid,
    pub relationship: String,
    pub guardian: bool,
    pub document_type: String,
    pub document_number: String,
    pub valid_long_term: bool,
    pub valid_from: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
    pub surname: String,
    pub given_name: String,
    pub household_place: String,
    pub email: String,
    pub date_of_birth: Option<NaiveDate>,
}

const COLUMNS: &str = "id, account_id, relationship, guardian, document_type, document_number, valid_long_term, \
     valid_from, valid_until, surname, given_name, household_place, email, date_of_birth";

/// Most applicants one account may keep.
pub const MAX_PER_ACCOUNT: i64 = 50;

pub async fn list(pool: &PgPool, account_id: Uuid) -> sqlx::Result<Vec<ApplicantRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM applicants WHERE account_id = $1 ORDER BY created_at"
    )))
    .bind(account_id)
    .fetch_all(pool)
    .await
}

/// One applicant of this account (another account's is simply not found).
pub async fn get(pool: &PgPool, account_id: Uuid, id: Uuid) -> sqlx::Result<Option<ApplicantRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM applicants WHERE account_id = $1 AND id = $2"
    )))
    .bind(account_id)
    .bind(id)
    .fetch_optional(pool)
    .await
}

pub async fn count(connection: &mut PgConnection, account_id: Uuid) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT count(*) FROM applicants WHERE account_id = $1")
        .bind(account_id)
        .fetch_one(&mut *connection)
        .await
}

pub async fn has_self(
    connection: &mut PgConnection,
    account_id: Uuid,
    except: Option<Uuid>,
) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM applicants WHERE account_id = $1 AND relationship = 'self' \
             AND ($2::uuid IS NULL OR id <> $2))",
    )
    .bind(account_id)
    .bind(except)
    .fetch_one(&mut *connection)
    .await
}

/// Inserts or (with `id` of an existing row of this account) replaces an
/// applicant. None when the document is already listed for this account,
/// or the row to update is not this account's.
pub async fn save(
    connection: &mut PgConnection,
    account_id: Uuid,
    agency: &str,
    id: Option<Uuid>,
    details: &ApplicantDetails,
) -> sqlx::Result<Option<ApplicantRow>> {
    let email = details
        .email
        .as_ref()
        .map(|email| email.as_str().to_owned())
        .unwrap_or_default();
    let query = match id {
        None => format!(
            "INSERT INTO applicants (id, account_id, agency, relationship, guardian, document_type, document_number, \
                 valid_long_term, valid_from, valid_until, surname, given_name, household_place, email, date_of_birth) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) \
             ON CONFLICT (account_id, document_type, document_number) DO NOTHING RETURNING {COLUMNS}"
        ),
        Some(_) => format!(
            "UPDATE applicants SET relationship = $4, guardian = $5, document_type = $6, document_number = $7, \
                 valid_long_term = $8, valid_from = $9, valid_until = $10, surname = $11, given_name = $12, \
                 household_place = $13, email = $14, date_of_birth = $15, updated_at = now() \
             WHERE id = $1 AND account_id = $2 AND $3 = $3 \
               AND NOT EXISTS (SELECT 1 FROM applicants other WHERE other.account_id = $2 AND other.id <> $1 \
                   AND other.document_type = $6 AND other.document_number = $7) \
             RETURNING {COLUMNS}"
        ),
    };
    sqlx::query_as(sqlx::AssertSqlSafe(query))
        .bind(id.unwrap_or_else(Uuid::now_v7))
        .bind(account_id)
        .bind(agency)
        .bind(details.relationship.as_str())
        .bind(details.guardian)
        .bind(details.document.kind().code())
        .bind(details.document.as_str())
        .bind(details.valid_long_term)
        .bind(details.valid_from)
        .bind(details.valid_until)
        .bind(&details.surname)
        .bind(&details.given_name)
        .bind(&details.household_place)
        .bind(email)
        .bind(details.date_of_birth)
        .fetch_optional(&mut *connection)
        .await
}

pub async fn delete(
    connection: &mut PgConnection,
    account_id: Uuid,
    id: Uuid,
) -> sqlx::Result<bool> {
    let result = sqlx::query("DELETE FROM applicants WHERE account_id = $1 AND id = $2")
        .bind(account_id)
        .bind(id)
        .execute(&mut *connection)
        .await?;
    Ok(result.rows_affected() == 1)
}
