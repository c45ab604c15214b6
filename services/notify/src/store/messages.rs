//! The in-app message centre: one row per event and account, always read
//! and changed within the caller's own agency and account.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

/// An in-app message to record.
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub event_id: Uuid,
    pub event_type: String,
    pub agency: String,
    pub account_id: String,
    pub case_id: String,
    pub subject: String,
    pub body: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MessageRow {
    pub id: Uuid,
    pub event_type: String,
    pub case_id: String,
    pub subject: String,
    pub body: String,
    pub read_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// The owner of a message centre: an account within its agency.
#[derive(Debug, Clone, Copy)]
pub struct Mailbox<'a> {
    pub agency: &'a str,
    pub account_id: &'a str,
}

/// Records the message once per (event, account). Returns whether a row was written.
pub async fn insert(
    connection: &mut PgConnection,
    message: &NewMessage,
) -> Result<bool, sqlx::Error> {
    let inserted = sqlx::query(
        "INSERT INTO in_app_message (id, event_id, event_type, agency, account_id, case_id, subject, body) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (event_id, account_id) DO NOTHING",
    )
    .bind(Uuid::now_v7())
    .bind(message.event_id)
    .bind(&message.event_type)
    .bind(&message.agency)
    .bind(&message.account_id)
    .bind(&message.case_id)
    .bind(&message.subject)
    .bind(&message.body)
    .execute(connection)
    .await?
    .rows_affected();
    Ok(inserted == 1)
}

/// Newest first, after the `before` cursor.
pub async fn list(
    pool: &PgPool,
    mailbox: Mailbox<'_>,
    unread_only: bool,
    before: Option<Uuid>,
    limit: u32,
) -> Result<Vec<MessageRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, event_type, case_id, subject, body, read_at, created_at FROM in_app_message \
         WHERE agency = $1 AND account_id = $2 AND (NOT $3 OR read_at IS NULL) \
           AND ($4::uuid IS NULL OR id < $4) \
         ORDER BY id DESC LIMIT $5",
    )
    .bind(mailbox.agency)
    .bind(mailbox.account_id)
    .bind(unread_only)
    .bind(before)
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await
}

pub async fn unread_count(pool: &PgPool, mailbox: Mailbox<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT count(*) FROM in_app_message WHERE agency = $1 AND account_id = $2 AND read_at IS NULL",
    )
    .bind(mailbox.agency)
    .bind(mailbox.account_id)
    .fetch_one(pool)
    .await
}

/// Marks the given messages (or all, with `ids` `None`) read; ids of other
/// accounts' messages match nothing. Returns how many changed.
pub async fn mark_read(
    pool: &PgPool,
    mailbox: Mailbox<'_>,
    ids: Option<&[Uuid]>,
) -> Result<u64, sqlx::Error> {
    let result = sqlx::query(
        "UPDATE in_app_message SET read_at = now() \
         WHERE agency = $1 AND account_id = $2 AND read_at IS NULL AND ($3::uuid[] IS NULL OR id = ANY($3))",
    )
    .bind(mailbox.agency)
    .bind(mailbox.account_id)
    .bind(ids)
    .execute(pool)
    .await?;
    Ok(result.rows_affected())
}
