//! Money that came but could not pay its orders (a second payment of an
//! order, a late payment of a settled one, an amount that differs) goes
//! back to the payer through its provider, without anyone asking: each
//! sweep locks a few flagged payments, asks their provider for the refund
//! (idempotent by the payment's own reference, so a retry after a crash
//! refunds once), and records it in the ledger and as
//! `payment.order.refunded` in one transaction.

use laissez_eventbus::Outbox;
use laissez_proto::events::v1::OrderRefunded;

use crate::service::{Payments, money};
use crate::store::ledger::{self, Entry, Movement};
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
