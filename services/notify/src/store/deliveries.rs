//! Email and SMS deliveries: written by the consumer in the inbox
//! transaction, claimed and settled by the dispatcher.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::domain::{Channel, DeliveryStatus};

/// PostgreSQL channel the dispatcher listens on; notified on commit.
pub const DELIVERY_CHANNEL: &str = "laissez_notify_delivery";

/// A delivery to record, rendered and addressed.
#[derive(Debug, Clone)]
pub struct NewDelivery {
    pub event_id: Uuid,
    pub event_type: String,
    pub agency: String,
    pub account_id: String,
    pub channel: Channel,
    pub recipient: String,
    pub language: String,
    pub sender_name: String,
    pub sender_address: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: Option<String>,
    pub occurred_at: DateTime<Utc>,
}

/// A delivery claimed for sending.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ClaimedDelivery {
    pub id: Uuid,
    pub event_type: String,
    pub agency: String,
    pub channel: String,
    pub recipient: String,
    pub sender_name: String,
    pub sender_address: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: Option<String>,
    pub attempts: i32,
    pub occurred_at: DateTime<Utc>,
}

/// A delivery as staff see it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DeliveryRow {
    pub id: Uuid,
    pub event_id: Uuid,
    pub event_type: String,
    pub agency: String,
    pub channel: String,
    pub recipient: String,
    pub status: String,
    pub attempts: i32,
    pub last_error: String,
    pub updated_at: DateTime<Utc>,
}

/// Records a delivery once per (event, recipient, channel); a second insert
/// for the same key is a no-op. Returns whether a row was written.
pub async fn insert(
    connection: &mut PgConnection,
    delivery: &NewDelivery,
) -> Result<bool, sqlx::Error> {
    let inserted = sqlx::query(
        "INSERT INTO delivery (id, event_id, event_type, agency, account_id, channel, recipient, language, \
           sender_name, sender_address, subject, body_text, body_html, occurred_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) \
         ON CONFLICT (event_id, recipient, channel) DO NOTHING",
    )
    .bind(Uuid::now_v7())
    .bind(delivery.event_id)
    .bind(&delivery.event_type)
    .bind(&delivery.agency)
    .bind(&delivery.account_id)
    .bind(delivery.channel.as_str())
    .bind(&delivery.recipient)
    .bind(&delivery.language)
    .bind(&delivery.sender_name)
    .bind(&delivery.sender_address)
    .bind(&delivery.subject)
    .bind(&delivery.body_text)
    .bind(&delivery.body_html)
    .bind(delivery.occurred_at)
    .execute(&mut *connection)
    .await?
    .rows_affected();
    Ok(inserted == 1)
}

/// Wakes the dispatcher when the surrounding transaction commits.
pub async fn notify_dispatcher(connection: &mut PgConnection) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_notify('laissez_notify_delivery', '')")
        .execute(connection)
        .await?;
    Ok(())
}

/// Takes up to `limit` due deliveries for `lease`: their next attempt moves
/// past the lease, so no other dispatcher takes them meanwhile, and one
/// whose sender died is retried once the lease is over.
pub async fn claim_due(
    pool: &PgPool,
    limit: u32,
    lease: Duration,
) -> Result<Vec<ClaimedDelivery>, sqlx::Error> {
    let lease_ms = i64::try_from(lease.as_millis()).unwrap_or(i64::MAX);
    sqlx::query_as(
        "UPDATE delivery SET attempts = attempts + 1, \
           next_attempt_at = now() + make_interval(secs => $2::double precision / 1000), updated_at = now() \
         WHERE id IN (SELECT id FROM delivery WHERE status = 'pending' AND next_attempt_at <= now() \
                      ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED) \
         RETURNING id, event_type, agency, channel, recipient, sender_name, sender_address, subject, \
           body_text, body_html, attempts, occurred_at",
    )
    .bind(i64::from(limit.max(1)))
    .bind(lease_ms)
    .fetch_all(pool)
    .await
}

pub async fn mark_sent(pool: &PgPool, id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE delivery SET status = 'sent', sent_at = now(), updated_at = now(), last_error = '' \
         WHERE id = $1",
    )
    .bind(id)
    .execute(pool)
    .await?;
    Ok(())
}

pub async fn mark_failed(pool: &PgPool, id: Uuid, error: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE delivery SET status = 'failed', last_error = $2, updated_at = now() WHERE id = $1",
    )
    .bind(id)
    .bind(error)
    .execute(pool)
    .await?;
    Ok(())
}

pub async fn schedule_retry(
    pool: &PgPool,
    id: Uuid,
    error: &str,
    delay: Duration,
) -> Result<(), sqlx::Error> {
    let delay_ms = i64::try_from(delay.as_millis()).unwrap_or(i64::MAX);
    sqlx::query(
        "UPDATE delivery SET last_error = $2, updated_at = now(), \
           next_attempt_at = now() + make_interval(secs => $3::double precision / 1000) \
         WHERE id = $1",
    )
    .bind(id)
    .bind(error)
    .bind(delay_ms)
    .execute(pool)
    .await?;
    Ok(())
}

/// Deliveries newest first, after the `before` cursor; `agency` `None` is
/// every agency (platform operators).
pub async fn list(
    pool: &PgPool,
    agency: Option<&str>,
    status: Option<DeliveryStatus>,
    before: Option<Uuid>,
    limit: u32,
) -> Result<Vec<DeliveryRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, event_id, event_type, agency, channel, recipient, status, attempts, last_error, updated_at \
         FROM delivery \
         WHERE ($1::text IS NULL OR agency = $1) AND ($2::text IS NULL OR status = $2) \
           AND ($3::uuid IS NULL OR id < $3) \
         ORDER BY id DESC LIMIT $4",
    )
    .bind(agency)
    .bind(status.map(DeliveryStatus::as_str))
    .bind(before)
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await
}
