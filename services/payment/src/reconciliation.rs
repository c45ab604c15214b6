//! Reconciliation runs: an agency's day at one provider (asked for by an
//! administrator, or by the daily job for yesterday), kept, told as
//! `payment.reconciliation.completed` and counted in the metrics.

use chrono::{Duration, NaiveDate, Utc};
use laissez_eventbus::Outbox;
use laissez_kit::ServiceError;
use laissez_proto::events::v1::ReconciliationCompleted;

use crate::connectors::ConnectorError;
use crate::domain::reconcile::{self, DifferenceKind, Movement};
use crate::service::Payments;
use crate::store::reconciliations::{self, NewReconciliation, ReconciliationRow};

/// Who the daily job is in the results.
pub const SYSTEM: &str = "system";

/// A settlement day as asked for: `YYYY-MM-DD`, today (UTC) or earlier.
pub fn parse_day(day: &str) -> Result<NaiveDate, ServiceError> {
    let parsed = NaiveDate::parse_from_str(day.trim(), "%Y-%m-%d")
        .map_err(|_| ServiceError::invalid("day", "invalid_format", "a day as YYYY-MM-DD"))?;
    if parsed > Utc::now().date_naive() {
        return Err(ServiceError::invalid(
            "day",
            "in_future",
            "a day that has ended or is today",
        ));
    }
    Ok(parsed)
}

/// Reconciles `agency`'s `day` at `provider` and keeps the result.
pub async fn reconcile(
    payments: &Payments,
    agency: &str,
    provider: &str,
    day: NaiveDate,
    actor: &str,
) -> Result<ReconciliationRow, ServiceError> {
    let client = payments.connectors.provider(provider).ok_or_else(|| {
        ServiceError::invalid("provider", "unknown", "a provider of the deployment")
    })?;
    let file = client
        .settlement(&day.format("%Y-%m-%d").to_string())
        .await
        .map_err(|error| match error {
            ConnectorError::Malformed(reason) => ServiceError::FailedPrecondition(reason),
            other => ServiceError::Unavailable(other.to_string()),
        })?;
    let settled: Vec<Movement> = file
        .into_iter()
        .filter(|row| row.merchant == agency)
        .map(|row| Movement {
            transaction_id: row.transaction_id,
            reference: row.reference,
            amount: row.amount,
            currency: row.currency,
        })
        .collect();
    let recorded = reconciliations::recorded(&payments.pool, agency, provider, day).await?;
    let outcome = reconcile::compare(&settled, &recorded);
    let mut transaction = payments.pool.begin().await?;
    let saved = reconciliations::save(
        &mut transaction,
        &NewReconciliation {
            agency,
            provider,
            day,
            settled_rows: settled.len(),
            recorded_rows: recorded.len(),
            outcome: &outcome,
            actor,
        },
    )
    .await?;
    let event = ReconciliationCompleted {
        reconciliation_id: saved.id.to_string(),
        provider: provider.to_owned(),
        day: day.format("%Y-%m-%d").to_string(),
        matched: u32::try_from(saved.matched).unwrap_or_default(),
        missing: u32::try_from(saved.missing).unwrap_or_default(),
        extra: u32::try_from(saved.extra).unwrap_or_default(),
        mismatched: u32::try_from(saved.mismatched).unwrap_or_default(),
    };
    Outbox::enqueue(
        &mut transaction,
        agency,
        "reconciliation",
        &event.reconciliation_id,
        &event,
    )
    .await
    .map_err(ServiceError::internal)?;
    transaction.commit().await?;
    for kind in [
        DifferenceKind::Missing,
        DifferenceKind::Extra,
        DifferenceKind::Mismatched,
    ] {
        let found = outcome.count(kind) as u64;
        metrics::counter!("payment_reconciliation_differences_total",
            "agency" => agency.to_owned(), "provider" => provider.to_owned(), "kind" => kind.as_str())
        .increment(found);
    }
    metrics::counter!("payment_reconciliations_total",
        "agency" => agency.to_owned(), "provider" => provider.to_owned())
    .increment(1);
    if !outcome.differences.is_empty() {
        tracing::warn!(%agency, %provider, %day, differences = outcome.differences.len(),
            "the settlement file and the ledger differ");
    }
    Ok(saved)
}

/// The daily job: yesterday (UTC) of every agency with movements at each
/// provider, or named in its file, that has not been reconciled yet.
/// Returns how many runs it made. Replicas share the work through the
/// advisory lock: one runs it, the others skip.
pub async fn run_daily(payments: &Payments) -> anyhow::Result<usize> {
    let day = Utc::now().date_naive() - Duration::days(1);
    let mut lock = payments.pool.begin().await?;
    let locked: bool = sqlx::query_scalar(
        "SELECT pg_try_advisory_xact_lock(hashtextextended('laissez.payment.reconcile', 0))",
    )
    .fetch_one(&mut *lock)
    .await?;
    if !locked {
        return Ok(0);
    }
    let mut runs = 0;
    let providers: Vec<String> = payments
        .connectors
        .providers()
        .map(|client| client.name.clone())
        .collect();
    for provider in providers {
        let mut agencies =
            reconciliations::agencies_with_movements(&payments.pool, &provider, day).await?;
        if let Some(client) = payments.connectors.provider(&provider) {
            match client.settlement(&day.format("%Y-%m-%d").to_string()).await {
                Ok(rows) => agencies.extend(rows.into_iter().map(|row| row.merchant)),
                Err(error) => {
                    tracing::warn!(%provider, %error, "no settlement file for the daily reconciliation");
                    continue;
                }
            }
        }
        agencies.sort();
        agencies.dedup();
        for agency in agencies {
            if reconciliations::exists(&mut lock, &agency, &provider, day).await? {
                continue;
            }
            match reconcile(payments, &agency, &provider, day, SYSTEM).await {
                Ok(_) => runs += 1,
                Err(error) => {
                    tracing::warn!(%agency, %provider, %error, "daily reconciliation failed")
                }
            }
        }
    }
    lock.commit().await?;
    Ok(runs)
}
