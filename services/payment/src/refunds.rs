//! Refunds. A staff member's (`Refund`: by amount with a reason) and a fee
//! refunded when its case was not approved (`events.rs`) both go through
//! [`Payments::refund_locked`]: the connector that took the money, the
//! `refunds` row, the ledger and `payment.order.refunded` in one
//! transaction.
//!
//! Money that came but could not pay its orders (a second payment of an
//! order, a late payment of a settled one, an amount that differs) goes
//! back to the payer through its provider, without anyone asking: each
//! sweep locks a few flagged payments, asks their provider for the refund
//! (idempotent by the payment's own reference, so a retry after a crash
//! refunds once), and records it in the ledger and as
//! `payment.order.refunded` in one transaction.

use laissez_catalog::format::Connector as Kind;
use laissez_eventbus::Outbox;
use laissez_kit::ServiceError;
use laissez_proto::events::v1::OrderRefunded;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::domain::OrderState;
use crate::service::{Payments, idempotency_key, money};
use crate::store::Scope;
use crate::store::ledger::{self, Entry, Movement};
use crate::store::orders::{self, OrderRow};
use crate::store::payments::{self, FlaggedPayment};

/// At most this many refunds per sweep (each is a call to a provider made
/// while its row is locked).
const PER_SWEEP: i64 = 10;

/// After this many refusals a flagged payment waits for a person.
const MAX_ATTEMPTS: i32 = 20;

/// The reason the applicant reads.
const REASON: &str = "payment not needed: refunded automatically";

/// Gives back the flagged payments of one sweep; returns how many.
pub async fn refund_flagged(payments: &Payments) -> anyhow::Result<usize> {
    let mut transaction = payments.pool.begin().await?;
    let flagged = payments::lock_flagged(&mut transaction, PER_SWEEP, MAX_ATTEMPTS).await?;
    let mut refunded = 0;
    for payment in flagged {
        let Some(client) = payments.connectors.provider(&payment.provider) else {
            tracing::warn!(payment_id = %payment.id, provider = %payment.provider,
                "a flagged payment's provider is not configured");
            payments::count_refund_attempt(&mut transaction, payment.id).await?;
            continue;
        };
        let reference = format!("flagged-{}", payment.id);
        match client
            .refund(&payment.provider_txn, payment.received, &reference)
            .await
        {
            Ok(provider_refund) => {
                record(&mut transaction, &payment, &provider_refund).await?;
                refunded += 1;
            }
            Err(error) => {
                tracing::warn!(payment_id = %payment.id, %error, "a flagged payment was not refunded yet");
                payments::count_refund_attempt(&mut transaction, payment.id).await?;
                metrics::counter!("payment_flagged_refund_failures_total",
                    "agency" => payment.agency.clone(), "provider" => payment.provider.clone())
                .increment(1);
            }
        }
    }
    transaction.commit().await?;
    Ok(refunded)
}

async fn record(
    connection: &mut sqlx::PgConnection,
    payment: &FlaggedPayment,
    provider_refund: &str,
) -> anyhow::Result<()> {
    ledger::append(
        connection,
        &Movement {
            agency: &payment.agency,
            order_id: None,
            payment_id: Some(payment.id),
            entry: Entry::Refund,
            amount: -payment.received,
            currency: &payment.currency,
            provider: &payment.provider,
            provider_txn: &payment.provider_txn,
            reference: &payment.reason,
            actor: "system",
        },
    )
    .await?;
    payments::mark_refunded(connection, payment.id, provider_refund).await?;
    let event = OrderRefunded {
        order_id: payment
            .order_ids
            .first()
            .map(ToString::to_string)
            .unwrap_or_default(),
        amount: Some(money(payment.received, &payment.currency)),
        reason: REASON.to_owned(),
        account_id: payment.account_id.clone(),
        case_ids: payment.case_ids.iter().map(ToString::to_string).collect(),
        receipt_numbers: payment.receipt_numbers.clone(),
    };
    Outbox::enqueue(
        connection,
        &payment.agency,
        "payment",
        &payment.id.to_string(),
        &event,
    )
    .await?;
    metrics::counter!("payment_flagged_refunds_total",
        "agency" => payment.agency.clone(), "provider" => payment.provider.clone())
    .increment(1);
    Ok(())
}

impl Payments {
    /// Gives money back through the connector that took it.
    pub async fn refund(
        &self,
        scope: &Scope,
        actor: &str,
        request: &laissez_proto::payment::v1::RefundRequest,
    ) -> Result<OrderRow, ServiceError> {
        let id = Uuid::parse_str(request.order_id.trim())
            .map_err(|_| ServiceError::NotFound("order"))?;
        let reason = request.reason.trim();
        if reason.is_empty() || reason.chars().count() > 500 {
            return Err(ServiceError::invalid(
                "reason",
                "required",
                "a reason of at most 500 characters",
            ));
        }
        let key = idempotency_key(&request.idempotency_key)?;
        let mut transaction = self.pool.begin().await?;
        let mut locked = orders::lock(&mut transaction, scope, &[id]).await?;
        let order = locked.pop().ok_or(ServiceError::NotFound("order"))?;
        let asked = request.amount.as_ref().map(|money| money.minor_units);
        self.refund_locked(&mut transaction, &order, asked, reason, key, actor)
            .await?;
        transaction.commit().await?;
        orders::get(&self.pool, scope, id)
            .await?
            .ok_or(ServiceError::NotFound("order"))
    }

    /// Refunds `asked` (absent: what remains) of `order`, locked in
    /// `connection`'s transaction, through the connector that took the
    /// money; true when it refunded, false when `key` had refunded it
    /// already. The ledger line and `payment.order.refunded` are written
    /// in the same transaction.
    pub async fn refund_locked(
        &self,
        connection: &mut PgConnection,
        order: &OrderRow,
        asked: Option<i64>,
        reason: &str,
        key: &str,
        actor: &str,
    ) -> Result<bool, ServiceError> {
        let id = order.id;
        let seen: Option<i64> = sqlx::query_scalar(
            "SELECT amount FROM refunds WHERE order_id = $1 AND idempotency_key = $2",
        )
        .bind(id)
        .bind(key)
        .fetch_optional(&mut *connection)
        .await?;
        if let Some(amount) = seen {
            if asked.is_some_and(|asked| asked != amount) {
                return Err(ServiceError::AlreadyExists(
                    "idempotency_key was used for another refund".into(),
                ));
            }
            return Ok(false);
        }
        if !order.refundable {
            return Err(ServiceError::FailedPrecondition(
                "this agency does not refund paid fees".into(),
            ));
        }
        if !matches!(order.state, OrderState::Paid | OrderState::PartlyRefunded) {
            return Err(ServiceError::FailedPrecondition(format!(
                "the order is {}, nothing to refund",
                order.state.as_str()
            )));
        }
        let remaining = order.paid_amount - order.refunded_amount;
        let amount = asked.unwrap_or(remaining);
        if amount <= 0 || amount > remaining {
            return Err(ServiceError::invalid(
                "amount",
                "out_of_range",
                format!("between 1 and {remaining}"),
            ));
        }
        let payment_id = order.payment_id.ok_or_else(|| {
            ServiceError::internal(anyhow::anyhow!("paid order {id} has no payment"))
        })?;
        let agency = Scope {
            agency: order.agency.clone(),
            account: None,
        };
        let payment = payments::get(&self.pool, &agency, payment_id)
            .await?
            .ok_or(ServiceError::NotFound("payment"))?;
        let kind =
            serde_json::from_value::<Kind>(serde_json::Value::String(payment.connector.clone()))
                .map_err(ServiceError::internal)?;
        let connector = self
            .connectors
            .get(kind)
            .ok_or_else(|| ServiceError::Unavailable("the provider is not available now".into()))?;
        let refund_id = Uuid::now_v7();
        let provider_refund = connector
            .refund(
                payment.provider_txn.as_deref().unwrap_or_default(),
                amount,
                &refund_id.to_string(),
            )
            .await
            .map_err(|error| ServiceError::Unavailable(error.to_string()))?;
        sqlx::query(
            "INSERT INTO refunds (id, order_id, amount, reason, idempotency_key, provider_refund, actor)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(refund_id)
        .bind(id)
        .bind(amount)
        .bind(reason)
        .bind(key)
        .bind(&provider_refund)
        .bind(actor)
        .execute(&mut *connection)
        .await?;
        orders::add_refund(&mut *connection, id, amount).await?;
        ledger::append(
            &mut *connection,
            &Movement {
                agency: &order.agency,
                order_id: Some(id),
                payment_id: Some(payment_id),
                entry: Entry::Refund,
                amount: -amount,
                currency: &order.currency,
                provider: &payment.provider,
                provider_txn: payment.provider_txn.as_deref().unwrap_or_default(),
                reference: reason,
                actor,
            },
        )
        .await?;
        let event = OrderRefunded {
            order_id: id.to_string(),
            amount: Some(money(amount, &order.currency)),
            reason: reason.to_owned(),
            account_id: order.account_id.clone(),
            case_ids: vec![order.case_id.to_string()],
            receipt_numbers: vec![order.receipt_number.clone()],
        };
        Outbox::enqueue(
            &mut *connection,
            &order.agency,
            "order",
            &event.order_id,
            &event,
        )
        .await
        .map_err(ServiceError::internal)?;
        metrics::counter!("payment_orders_refunded_total", "agency" => order.agency.clone())
            .increment(1);
        Ok(true)
    }
}
