//! The periodic work: pending payments past their deadline expire (one
//! replica sweeps, under an advisory lock), flagged payments are given
//! back (`refunds`), pending online payments whose
//! notice is late are polled at their provider, and once a day, from the
//! configured hour, yesterday is reconciled with every provider.

use std::time::Duration;

use chrono::Timelike;

use tokio_util::sync::CancellationToken;

use crate::provider::{ChargeStatusKind, FAILED, Notice, SUCCEEDED};
use crate::service::Payments;
use crate::store::payments;

/// One pass; returns (expired, polled) counts.
pub async fn run_once(payments: &Payments) -> anyhow::Result<(usize, usize)> {
    let expired = payments::expire_due(&payments.pool).await?;
    let orders_expired = crate::store::orders::expire_due_told(&payments.pool).await?;
    for agency in &orders_expired {
        metrics::counter!("payment_orders_expired_total", "agency" => agency.clone()).increment(1);
    }
    for (_, agency) in &expired {
        metrics::counter!("payment_payments_expired_total", "agency" => agency.clone())
            .increment(1);
    }
    let reminded = payments::remind_expiring(&payments.pool).await?;
    if reminded > 0 {
        tracing::info!(
            reminded,
            "applicants reminded of slips expiring within a day"
        );
    }
    match crate::refunds::refund_flagged(payments).await {
        Ok(0) => {}
        Ok(refunded) => tracing::info!(refunded, "flagged payments given back"),
        Err(error) => tracing::warn!(%error, "flagged payments were not given back"),
    }
    let due = payments::due_for_polling(
        &payments.pool,
        payments.settings.payment.poll_after_seconds.max(1),
        100,
    )
    .await?;
    let mut polled = 0;
    for (provider, transaction_id) in due {
        let Some(client) = payments.connectors.provider(&provider) else {
            continue;
        };
        let status = match client.status(&transaction_id).await {
            Ok(status) => status,
            Err(error) => {
                tracing::warn!(%provider, %transaction_id, %error, "status poll failed");
                continue;
            }
        };
        let event = match status.status {
            ChargeStatusKind::Succeeded => SUCCEEDED,
            ChargeStatusKind::Failed => FAILED,
            ChargeStatusKind::Pending | ChargeStatusKind::Expired => continue,
        };
        let notice = Notice {
            event: event.to_owned(),
            transaction_id: status.transaction_id,
            reference: status.reference,
            merchant: status.merchant,
            amount: status.paid_amount,
            currency: status.currency,
            occurred_at: status.settled_at.unwrap_or_else(chrono::Utc::now),
        };
        match payments.apply_notice(&provider, &notice).await {
            Ok(applied) => {
                polled += 1;
                tracing::info!(%provider, %transaction_id, ?applied, "late notice found by polling");
            }
            Err(error) => {
                tracing::warn!(%provider, %transaction_id, %error, "polled status not applied")
            }
        }
    }
    Ok((expired.len(), polled))
}

pub fn spawn(
    payments: Payments,
    interval: Duration,
    shutdown: CancellationToken,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut reconciled_on = None;
        loop {
            tokio::select! {
                () = shutdown.cancelled() => break,
                _ = ticker.tick() => {
                    if let Err(error) = run_once(&payments).await {
                        tracing::warn!(%error, "payment sweep failed");
                    }
                    let now = chrono::Utc::now();
                    let due = now.hour() >= payments.settings.payment.reconcile_from_hour_utc
                        && reconciled_on != Some(now.date_naive());
                    if due {
                        match crate::reconciliation::run_daily(&payments).await {
                            Ok(runs) => {
                                reconciled_on = Some(now.date_naive());
                                tracing::info!(runs, "daily reconciliation done");
                            }
                            Err(error) => tracing::warn!(%error, "daily reconciliation failed"),
                        }
                    }
                }
            }
        }
    })
}
