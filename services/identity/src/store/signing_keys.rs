//! The Ed25519 keys that sign internal tokens.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

#[derive(Clone, sqlx::FromRow)]
pub struct SigningKeyRow {
    pub key_id: String,
    pub secret_key: Vec<u8>,
    pub public_key: Vec<u8>,
    pub created_at: DateTime<Utc>,
}

/// Newest first.
pub async fn all(pool: &PgPool) -> sqlx::Result<Vec<SigningKeyRow>> {
    sqlx::query_as("SELECT key_id, secret_key, public_key, created_at FROM signing_keys ORDER BY created_at DESC, key_id DESC")
        .fetch_all(pool)
        .await
}

pub async fn insert(
    connection: &mut sqlx::PgConnection,
    key_id: &str,
    secret_key: &[u8],
    public_key: &[u8],
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO signing_keys (key_id, secret_key, public_key) VALUES ($1, $2, $3)")
        .bind(key_id)
        .bind(secret_key)
        .bind(public_key)
        .execute(&mut *connection)
        .await?;
    Ok(())
}

pub async fn delete_except(pool: &PgPool, keep: &[String]) -> sqlx::Result<u64> {
    if keep.is_empty() {
        return Ok(0);
    }
    let result = sqlx::query("DELETE FROM signing_keys WHERE NOT (key_id = ANY ($1))")
        .bind(keep)
        .execute(pool)
        .await?;
    Ok(result.rows_affected())
}
