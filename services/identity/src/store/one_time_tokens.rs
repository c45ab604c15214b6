//! Single-use, expiring link tokens: the link carries 256 random bits, the
//! table only their SHA-256.

use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Activation,
    PasswordReset,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::Activation => "activation",
            Purpose::PasswordReset => "password_reset",
        }
    }
}

fn digest(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// A new token; earlier unused tokens of the same purpose stop working.
pub async fn create(
    connection: &mut PgConnection,
    account_id: Uuid,
    purpose: Purpose,
    lifetime_minutes: u32,
) -> sqlx::Result<String> {
    let token = crate::redis::random_token();
    sqlx::query("UPDATE one_time_tokens SET used_at = now() WHERE account_id = $1 AND purpose = $2 AND used_at IS NULL")
        .bind(account_id)
        .bind(purpose.as_str())
        .execute(&mut *connection)
        .await?;
    sqlx::query(
        "INSERT INTO one_time_tokens (token_hash, account_id, purpose, expires_at) \
         VALUES ($1, $2, $3, now() + make_interval(mins => $4))",
    )
    .bind(digest(&token))
    .bind(account_id)
    .bind(purpose.as_str())
    .bind(i32::try_from(lifetime_minutes).unwrap_or(30))
    .execute(&mut *connection)
    .await?;
    Ok(token)
}

/// The account of a live token, without using it up.
pub async fn peek(pool: &PgPool, token: &str, purpose: Purpose) -> sqlx::Result<Option<Uuid>> {
    if token.is_empty() || token.len() > 128 {
        return Ok(None);
    }
    sqlx::query_scalar(
        "SELECT account_id FROM one_time_tokens \
         WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()",
    )
    .bind(digest(token))
    .bind(purpose.as_str())
    .fetch_optional(pool)
    .await
}

/// Uses the token up; its account if it was live.
pub async fn consume(
    connection: &mut PgConnection,
    token: &str,
    purpose: Purpose,
) -> sqlx::Result<Option<Uuid>> {
    if token.is_empty() || token.len() > 128 {
        return Ok(None);
    }
    sqlx::query_scalar(
        "UPDATE one_time_tokens SET used_at = now() \
         WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now() \
         RETURNING account_id",
    )
    .bind(digest(token))
    .bind(purpose.as_str())
    .fetch_optional(&mut *connection)
    .await
}
