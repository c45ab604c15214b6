//! An applicant account's saved delivery addresses.

use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::domain::address::AddressDetails;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AddressRow {
    pub id: Uuid,
    pub recipient: String,
    pub phone: String,
    pub address: String,
    pub is_default: bool,
}

/// Most addresses one account may keep.
pub const MAX_PER_ACCOUNT: i64 = 20;

/// The default first, then the newest first.
pub async fn list(pool: &PgPool, account_id: Uuid) -> sqlx::Result<Vec<AddressRow>> {
    sqlx::query_as(
        "SELECT id, recipient, phone, address, is_default FROM addresses \
         WHERE account_id = $1 ORDER BY is_default DESC, created_at DESC, id DESC",
    )
    .bind(account_id)
    .fetch_all(pool)
    .await
}

pub async fn count(connection: &mut PgConnection, account_id: Uuid) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT count(*) FROM addresses WHERE account_id = $1")
        .bind(account_id)
        .fetch_one(&mut *connection)
        .await
}

/// Inserts, or (with `id`) replaces one of this account's addresses; None
/// when `id` is not this account's. The caller holds the account's lock:
/// a new default first clears the old one.
pub async fn save(
    connection: &mut PgConnection,
    account_id: Uuid,
    agency: &str,
    id: Option<Uuid>,
    details: &AddressDetails,
) -> sqlx::Result<Option<AddressRow>> {
    if details.is_default {
        sqlx::query(
            "UPDATE addresses SET is_default = false WHERE account_id = $1 AND is_default \
             AND ($2::uuid IS NULL OR id <> $2)",
        )
        .bind(account_id)
        .bind(id)
        .execute(&mut *connection)
        .await?;
    }
    let query = match id {
        // The first address of an account is its default.
        None => {
            "INSERT INTO addresses (id, account_id, agency, recipient, phone, address, is_default) \
             VALUES ($1, $2, $3, $4, $5, $6, \
                 $7 OR NOT EXISTS (SELECT 1 FROM addresses WHERE account_id = $2 AND is_default)) \
             RETURNING id, recipient, phone, address, is_default"
        }
        // A default stays the default until another one takes its place.
        Some(_) => {
            "UPDATE addresses SET recipient = $4, phone = $5, address = $6, \
                 is_default = is_default OR $7, updated_at = now() \
             WHERE id = $1 AND account_id = $2 AND agency = $3 \
             RETURNING id, recipient, phone, address, is_default"
        }
    };
    sqlx::query_as(query)
        .bind(id.unwrap_or_else(Uuid::now_v7))
        .bind(account_id)
        .bind(agency)
        .bind(&details.recipient)
        .bind(&details.phone)
        .bind(&details.address)
        .bind(details.is_default)
        .fetch_optional(&mut *connection)
        .await
}

/// Removes one of this account's addresses; when it was the default, the
/// newest remaining one becomes the default. False when not this account's.
pub async fn delete(
    connection: &mut PgConnection,
    account_id: Uuid,
    id: Uuid,
) -> sqlx::Result<bool> {
    let removed: Option<bool> = sqlx::query_scalar(
        "DELETE FROM addresses WHERE account_id = $1 AND id = $2 RETURNING is_default",
    )
    .bind(account_id)
    .bind(id)
    .fetch_optional(&mut *connection)
    .await?;
    if removed == Some(true) {
        sqlx::query(
            "UPDATE addresses SET is_default = true WHERE id = \
                 (SELECT id FROM addresses WHERE account_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1)",
        )
        .bind(account_id)
        .execute(&mut *connection)
        .await?;
    }
    Ok(removed.is_some())
}
