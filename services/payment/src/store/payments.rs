//! Payments (one method, one or several orders) and provider notices.

use chrono::{DateTime, Utc};
use laissez_eventbus::Outbox;
use laissez_proto::events::v1::{OrderExpired, SlipExpiring};
use serde::{Deserialize, Serialize};
use sqlx::postgres::PgRow;
use sqlx::types::Json;
use sqlx::{PgConnection, PgPool, Row};
use uuid::Uuid;

use super::Scope;
use crate::domain::{Line, PaymentState};

/// A slip's printed data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlipData {
    pub number: String,
    pub deadline: chrono::NaiveDate,
    pub barcodes: [String; 3],
}

#[derive(Debug, Clone)]
pub struct PaymentRow {
    pub id: Uuid,
    pub agency: String,
    pub account_id: String,
    pub method: String,
    pub connector: String,
    pub provider: String,
    pub provider_txn: Option<String>,
    pub state: PaymentState,
    pub reason: String,
    pub currency: String,
    pub lines: Vec<Line>,
    pub surcharge: i64,
    pub total: i64,
    pub received: i64,
    pub redirect_url: String,
    pub virtual_account: String,
    pub slip: Option<SlipData>,
    pub idempotency_key: String,
    pub request_hash: String,
    pub order_ids: Vec<Uuid>,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub paid_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "p.id, p.agency, p.account_id, p.method, p.connector, p.provider,
     p.provider_txn, p.state, p.reason, p.currency, p.lines, p.surcharge, p.total, p.received,
     p.redirect_url, p.virtual_account, p.slip, p.idempotency_key, p.request_hash,
     ARRAY(SELECT po.order_id FROM payment_orders po WHERE po.payment_id = p.id
           ORDER BY po.order_id) AS order_ids,
     p.created_at, p.expires_at, p.paid_at";

fn from_row(row: &PgRow) -> sqlx::Result<PaymentRow> {
    let state: String = row.try_get("state")?;
    let Json(lines): Json<Vec<Line>> = row.try_get("lines")?;
    let slip: Option<Json<SlipData>> = row.try_get("slip")?;
    Ok(PaymentRow {
        id: row.try_get("id")?,
        agency: row.try_get("agency")?,
        account_id: row.try_get("account_id")?,
        method: row.try_get("method")?,
        connector: row.try_get("connector")?,
        provider: row.try_get("provider")?,
        provider_txn: row.try_get("provider_txn")?,
        state: PaymentState::parse(&state).ok_or_else(|| {
            sqlx::Error::Decode(format!("unknown payment state {state:?}").into())
        })?,
        reason: row.try_get("reason")?,
        currency: row.try_get("currency")?,
        lines,
        surcharge: row.try_get("surcharge")?,
        total: row.try_get("total")?,
        received: row.try_get("received")?,
        redirect_url: row.try_get("redirect_url")?,
        virtual_account: row.try_get("virtual_account")?,
        slip: slip.map(|Json(slip)| slip),
        idempotency_key: row.try_get("idempotency_key")?,
        request_hash: row.try_get("request_hash")?,
        order_ids: row.try_get("order_ids")?,
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
        paid_at: row.try_get("paid_at")?,
    })
}

#[derive(Debug, Clone)]
pub struct NewPayment<'a> {
    pub id: Uuid,
    pub scope_agency: &'a str,
    pub account_id: &'a str,
    pub method: &'a str,
    pub connector: &'a str,
    pub state: PaymentState,
    pub currency: &'a str,
    pub lines: &'a [Line],
    pub surcharge: i64,
    pub total: i64,
    pub slip: Option<&'a SlipData>,
    pub idempotency_key: &'a str,
    pub request_hash: &'a str,
    pub order_ids: &'a [Uuid],
    pub expires_at: Option<DateTime<Utc>>,
}

pub async fn insert(connection: &mut PgConnection, payment: &NewPayment<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO payments (id, agency, account_id, method, connector, state, currency, lines,
             surcharge, total, slip, idempotency_key, request_hash, expires_at,
             paid_at, received)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14,
             CASE WHEN $6 = 'succeeded' THEN now() END,
             CASE WHEN $6 = 'succeeded' THEN $10 ELSE 0 END)",
    )
    .bind(payment.id)
    .bind(payment.scope_agency)
    .bind(payment.account_id)
    .bind(payment.method)
    .bind(payment.connector)
    .bind(payment.state.as_str())
    .bind(payment.currency)
    .bind(Json(payment.lines))
    .bind(payment.surcharge)
    .bind(payment.total)
    .bind(payment.slip.map(Json))
    .bind(payment.idempotency_key)
    .bind(payment.request_hash)
    .bind(payment.expires_at)
    .execute(&mut *connection)
    .await?;
    sqlx::query("INSERT INTO payment_orders (payment_id, order_id) SELECT $1, unnest($2::uuid[])")
        .bind(payment.id)
        .bind(payment.order_ids)
        .execute(connection)
        .await?;
    Ok(())
}

/// Records what the provider answered when the charge was opened.
pub async fn set_instructions(
    connection: &mut PgConnection,
    id: Uuid,
    provider: &str,
    transaction_id: &str,
    redirect_url: &str,
    virtual_account: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE payments SET provider = $2, provider_txn = $3, redirect_url = $4,
             virtual_account = $5
         WHERE id = $1",
    )
    .bind(id)
    .bind(provider)
    .bind(transaction_id)
    .bind(redirect_url)
    .bind(virtual_account)
    .execute(connection)
    .await?;
    Ok(())
}

/// A payment the provider could not open: failed, with the reason.
pub async fn fail(pool: &PgPool, id: Uuid, reason: &str) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE payments SET state = 'failed', reason = $2 WHERE id = $1 AND state = 'pending'",
    )
    .bind(id)
    .bind(reason)
    .execute(pool)
    .await?;
    Ok(())
}

/// A payment that failed before its provider opened the charge, pending
/// again for another try.
pub async fn reopen(connection: &mut PgConnection, id: Uuid) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE payments SET state = 'pending', reason = '' \
         WHERE id = $1 AND state = 'failed' AND provider_txn IS NULL",
    )
    .bind(id)
    .execute(connection)
    .await?;
    Ok(())
}

pub async fn get(pool: &PgPool, scope: &Scope, id: Uuid) -> sqlx::Result<Option<PaymentRow>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM payments p
         WHERE p.id = $1 AND p.agency = $2 AND ($3::text IS NULL OR p.account_id = $3)"
    )))
    .bind(id)
    .bind(&scope.agency)
    .bind(scope.account.as_deref())
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// The payment an idempotency key already made, if any.
pub async fn by_key(
    connection: &mut PgConnection,
    agency: &str,
    account_id: &str,
    key: &str,
) -> sqlx::Result<Option<PaymentRow>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM payments p
         WHERE p.agency = $1 AND p.account_id = $2 AND p.idempotency_key = $3"
    )))
    .bind(agency)
    .bind(account_id)
    .bind(key)
    .fetch_optional(connection)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// Locks the payment a provider's transaction belongs to.
pub async fn lock_by_transaction(
    connection: &mut PgConnection,
    provider: &str,
    transaction_id: &str,
) -> sqlx::Result<Option<PaymentRow>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM payments p
         WHERE p.provider = $1 AND p.provider_txn = $2
         FOR UPDATE OF p"
    )))
    .bind(provider)
    .bind(transaction_id)
    .fetch_optional(connection)
    .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn settle(
    connection: &mut PgConnection,
    id: Uuid,
    state: PaymentState,
    received: i64,
    reason: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE payments SET state = $2, received = $3, reason = $4,
             paid_at = CASE WHEN $3 > 0 THEN now() ELSE paid_at END
         WHERE id = $1",
    )
    .bind(id)
    .bind(state.as_str())
    .bind(received)
    .bind(reason)
    .execute(connection)
    .await?;
    Ok(())
}

/// Whether a provider notice was applied before.
pub async fn notice_seen(
    pool: &PgPool,
    provider: &str,
    transaction_id: &str,
    event: &str,
) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM provider_notices
             WHERE provider = $1 AND transaction_id = $2 AND event = $3)",
    )
    .bind(provider)
    .bind(transaction_id)
    .bind(event)
    .fetch_one(pool)
    .await
}

/// Records a provider notice once; false when it was seen before.
/// The agency and payment of a notice already recorded (committed), read
/// without a lock: a provider's duplicate costs one indexed read.
pub async fn recorded_notice(
    pool: &PgPool,
    provider: &str,
    transaction_id: &str,
    event: &str,
) -> sqlx::Result<Option<(String, Uuid)>> {
    sqlx::query_as(
        "SELECT p.agency, p.id FROM provider_notices n
         JOIN payments p ON p.provider = n.provider AND p.provider_txn = n.transaction_id
         WHERE n.provider = $1 AND n.transaction_id = $2 AND n.event = $3",
    )
    .bind(provider)
    .bind(transaction_id)
    .bind(event)
    .fetch_optional(pool)
    .await
}

pub async fn first_notice(
    connection: &mut PgConnection,
    provider: &str,
    transaction_id: &str,
    event: &str,
) -> sqlx::Result<bool> {
    let inserted = sqlx::query(
        "INSERT INTO provider_notices (provider, transaction_id, event) VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING",
    )
    .bind(provider)
    .bind(transaction_id)
    .bind(event)
    .execute(connection)
    .await?;
    Ok(inserted.rows_affected() == 1)
}

/// Expires the pending payments past their deadline, once across replicas
/// (the advisory lock); returns each expired payment's id and agency. An
/// expired slip or transfer account tells its still-open orders'
/// applicant (`payment.order.expired`, in the same transaction); an
/// abandoned hosted page tells no one.
pub async fn expire_due(pool: &PgPool) -> anyhow::Result<Vec<(Uuid, String)>> {
    let mut transaction = pool.begin().await?;
    let locked: bool = sqlx::query_scalar(
        "SELECT pg_try_advisory_xact_lock(hashtextextended('laissez.payment.sweep', 0))",
    )
    .fetch_one(&mut *transaction)
    .await?;
    if !locked {
        return Ok(Vec::new());
    }
    let expired: Vec<(Uuid, String)> = sqlx::query_as(
        "UPDATE payments SET state = 'expired'
         WHERE state = 'pending' AND expires_at < now()
         RETURNING id, agency",
    )
    .fetch_all(&mut *transaction)
    .await?;
    let ids: Vec<Uuid> = expired.iter().map(|(id, _)| *id).collect();
    let told: Vec<(Uuid, String, String, Uuid, String, String)> = sqlx::query_as(
        "SELECT o.id, o.agency, o.account_id, o.case_id, o.receipt_number, p.method
         FROM payments p
         JOIN payment_orders po ON po.payment_id = p.id
         JOIN orders o ON o.id = po.order_id
         WHERE p.id = ANY($1) AND o.state = 'pending'
           AND p.connector IN ('convenience_store', 'virtual_account')",
    )
    .bind(&ids)
    .fetch_all(&mut *transaction)
    .await?;
    for (order_id, agency, account_id, case_id, receipt_number, method) in told {
        let event = OrderExpired {
            order_id: order_id.to_string(),
            case_ids: vec![case_id.to_string()],
            account_id,
            receipt_numbers: vec![receipt_number],
            method,
        };
        Outbox::enqueue(&mut transaction, &agency, "order", &event.order_id, &event).await?;
    }
    transaction.commit().await?;
    Ok(expired)
}

/// Pending online payments with no notice for `after_seconds`, to ask the
/// provider about (each at most once per interval).
pub async fn due_for_polling(
    pool: &PgPool,
    after_seconds: i64,
    limit: i64,
) -> sqlx::Result<Vec<(String, String)>> {
    sqlx::query_as(
        "UPDATE payments SET last_polled_at = now()
         WHERE id IN (
             SELECT id FROM payments
             WHERE state = 'pending' AND provider_txn IS NOT NULL
               AND created_at < now() - make_interval(secs => $1)
               AND (last_polled_at IS NULL OR last_polled_at < now() - make_interval(secs => $1))
             ORDER BY created_at LIMIT $2
             FOR UPDATE SKIP LOCKED)
         RETURNING provider, provider_txn",
    )
    .bind(after_seconds as f64)
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// A flagged payment to give back: its money and whom to tell.
#[derive(Debug, Clone)]
pub struct FlaggedPayment {
    pub id: Uuid,
    pub agency: String,
    pub account_id: String,
    pub provider: String,
    pub provider_txn: String,
    pub received: i64,
    pub currency: String,
    pub reason: String,
    pub order_ids: Vec<Uuid>,
    pub case_ids: Vec<Uuid>,
    pub receipt_numbers: Vec<String>,
}

/// Up to `limit` flagged payments, locked for this transaction (another
/// replica's sweep skips them). One the provider refused `max_attempts`
/// times is left to a person (the metric and the log say so).
pub async fn lock_flagged(
    connection: &mut PgConnection,
    limit: i64,
    max_attempts: i32,
) -> sqlx::Result<Vec<FlaggedPayment>> {
    let rows = sqlx::query(
        "SELECT p.id, p.agency, p.account_id, p.provider, p.provider_txn, p.received,
                p.currency, p.reason,
                ARRAY(SELECT o.id FROM payment_orders po JOIN orders o ON o.id = po.order_id
                      WHERE po.payment_id = p.id ORDER BY o.id) AS order_ids,
                ARRAY(SELECT o.case_id FROM payment_orders po JOIN orders o ON o.id = po.order_id
                      WHERE po.payment_id = p.id ORDER BY o.id) AS case_ids,
                ARRAY(SELECT o.receipt_number FROM payment_orders po JOIN orders o ON o.id = po.order_id
                      WHERE po.payment_id = p.id ORDER BY o.id) AS receipt_numbers
         FROM payments p
         WHERE p.state = 'flagged' AND p.received > 0 AND p.provider_txn IS NOT NULL
           AND p.refund_attempts < $2
         ORDER BY p.refund_attempts, p.created_at
         LIMIT $1
         FOR UPDATE OF p SKIP LOCKED",
    )
    .bind(limit)
    .bind(max_attempts)
    .fetch_all(connection)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(FlaggedPayment {
                id: row.try_get("id")?,
                agency: row.try_get("agency")?,
                account_id: row.try_get("account_id")?,
                provider: row.try_get("provider")?,
                provider_txn: row.try_get("provider_txn")?,
                received: row.try_get("received")?,
                currency: row.try_get("currency")?,
                reason: row.try_get("reason")?,
                order_ids: row.try_get("order_ids")?,
                case_ids: row.try_get("case_ids")?,
                receipt_numbers: row.try_get("receipt_numbers")?,
            })
        })
        .collect()
}

/// The flagged payment's money is back with the payer.
pub async fn mark_refunded(
    connection: &mut PgConnection,
    id: Uuid,
    provider_refund: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE payments SET state = 'refunded', provider_refund = $2, refunded_at = now()
         WHERE id = $1 AND state = 'flagged'",
    )
    .bind(id)
    .bind(provider_refund)
    .execute(connection)
    .await?;
    Ok(())
}

/// One more failed attempt to give a flagged payment back.
pub async fn count_refund_attempt(connection: &mut PgConnection, id: Uuid) -> sqlx::Result<()> {
    sqlx::query("UPDATE payments SET refund_attempts = refund_attempts + 1 WHERE id = $1")
        .bind(id)
        .execute(connection)
        .await?;
    Ok(())
}

/// Reminds, once, the applicants whose slip or transfer account expires
/// within a day unpaid (`payment.slip.expiring`, in the same transaction);
/// one replica at a time. Returns how many were reminded.
pub async fn remind_expiring(pool: &PgPool) -> anyhow::Result<usize> {
    let mut transaction = pool.begin().await?;
    let locked: bool = sqlx::query_scalar(
        "SELECT pg_try_advisory_xact_lock(hashtextextended('laissez.payment.remind', 0))",
    )
    .fetch_one(&mut *transaction)
    .await?;
    if !locked {
        return Ok(0);
    }
    let due = sqlx::query(
        "UPDATE payments p SET reminded_at = now()
         WHERE p.state = 'pending' AND p.reminded_at IS NULL
           AND p.connector IN ('convenience_store', 'virtual_account')
           AND p.expires_at > now() AND p.expires_at < now() + interval '1 day'
         RETURNING p.id, p.agency, p.account_id, p.method, p.expires_at, p.total, p.currency,
             ARRAY(SELECT o.id FROM payment_orders po JOIN orders o ON o.id = po.order_id
                   WHERE po.payment_id = p.id ORDER BY o.id) AS order_ids,
             ARRAY(SELECT o.case_id FROM payment_orders po JOIN orders o ON o.id = po.order_id
                   WHERE po.payment_id = p.id ORDER BY o.id) AS case_ids,
             ARRAY(SELECT o.receipt_number FROM payment_orders po JOIN orders o ON o.id = po.order_id
                   WHERE po.payment_id = p.id ORDER BY o.id) AS receipt_numbers",
    )
    .fetch_all(&mut *transaction)
    .await?;
    for row in &due {
        let id: Uuid = row.try_get("id")?;
        let agency: String = row.try_get("agency")?;
        let expires_at: DateTime<Utc> = row.try_get("expires_at")?;
        let order_ids: Vec<Uuid> = row.try_get("order_ids")?;
        let case_ids: Vec<Uuid> = row.try_get("case_ids")?;
        let currency: String = row.try_get("currency")?;
        let event = SlipExpiring {
            payment_id: id.to_string(),
            order_ids: order_ids.iter().map(ToString::to_string).collect(),
            case_ids: case_ids.iter().map(ToString::to_string).collect(),
            account_id: row.try_get("account_id")?,
            receipt_numbers: row.try_get("receipt_numbers")?,
            method: row.try_get("method")?,
            expires_at: Some(prost_types::Timestamp {
                seconds: expires_at.timestamp(),
                nanos: 0,
            }),
            amount: Some(laissez_proto::common::v1::Money {
                minor_units: row.try_get("total")?,
                currency,
            }),
        };
        Outbox::enqueue(
            &mut transaction,
            &agency,
            "payment",
            &event.payment_id,
            &event,
        )
        .await?;
    }
    transaction.commit().await?;
    Ok(due.len())
}
