//! Intake's scheduled work: a case still ready for pickup after its last
//! day to collect (the catalog's `uncollected_cancel_after_months`) is
//! cancelled and its party told; and the cases still in production after
//! their due date are counted for the SLA dashboards. Every replica runs the pass; each locks
//! the cases it takes (`SKIP LOCKED`) and commits them with their history
//! and event in one transaction, so a case is cancelled once, a crash
//! half-way loses nothing, and a restart simply runs the next pass.

use std::time::Duration;

use chrono::{NaiveDate, Utc};
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;

use crate::domain::Event;
use crate::service::lifecycle::{self, AdvanceError};
use crate::store::Scope;
use crate::store::cases;
use crate::store::lifecycle as stored;

/// The actor the case history names for the job.
pub const ACTOR: &str = "intake:uncollected";

/// One pass as of `today`: cancels at most `limit` uncollected cases;
/// returns how many. `today` is compared with each case's last day to
/// collect, which is a date of the agency's calendar: the scheduler passes
/// the UTC date, which is never ahead of the demo agencies' dates, so a
/// case is never cancelled early (at most a few hours late).
pub async fn cancel_uncollected(
    pool: &PgPool,
    today: NaiveDate,
    limit: i64,
) -> Result<usize, AdvanceError> {
    let mut transaction = pool.begin().await?;
    let due = stored::lock_uncollected(&mut transaction, today, limit).await?;
    let mut cancelled = 0;
    for (id, agency, collect_by) in due {
        let scope = Scope {
            agency: agency.clone(),
            account: None,
        };
        let Some(mut case) = cases::lock(&mut transaction, &scope, id).await? else {
            continue;
        };
        let reason = format!("not collected by {}", collect_by.format("%Y-%m-%d"));
        cases::apply(&mut transaction, &mut case, Event::Cancel, ACTOR, &reason).await?;
        // The event carries no reason: its last day to collect says why.
        lifecycle::announce(&mut transaction, &case, "").await?;
        metrics::counter!("intake_uncollected_cancelled_total", "agency" => agency).increment(1);
        cancelled += 1;
    }
    transaction.commit().await?;
    Ok(cancelled)
}

/// Sets `intake_production_overdue{agency}` to the cases of each agency
/// still in production after their due date, as of `today` (0 for an
/// agency with none, so a cleared backlog reads 0); returns the agencies
/// with any.
pub async fn count_overdue_productions(
    pool: &PgPool,
    today: NaiveDate,
) -> Result<Vec<(String, i64)>, sqlx::Error> {
    let mut overdue = stored::overdue_productions(pool, today).await?;
    for (agency, count) in &overdue {
        metrics::gauge!("intake_production_overdue", "agency" => agency.clone()).set(*count as f64);
    }
    overdue.retain(|(_, count)| *count > 0);
    Ok(overdue)
}

/// Runs a pass every `interval` until shutdown, with its metrics: when it
/// last ran, cases handled, failures.
pub fn spawn(
    pool: PgPool,
    interval: Duration,
    batch: i64,
    shutdown: CancellationToken,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = shutdown.cancelled() => break,
                _ = ticker.tick() => {
                    let job = "uncollected";
                    match cancel_uncollected(&pool, Utc::now().date_naive(), batch).await {
                        Ok(0) => {}
                        Ok(cancelled) => tracing::info!(cancelled, "uncollected cases cancelled"),
                        Err(error) => {
                            metrics::counter!("intake_job_failures_total", "job" => job).increment(1);
                            tracing::warn!(%error, "the uncollected-case pass failed");
                        }
                    }
                    if let Err(error) = count_overdue_productions(&pool, Utc::now().date_naive()).await {
                        metrics::counter!("intake_job_failures_total", "job" => "production_overdue").increment(1);
                        tracing::warn!(%error, "overdue productions were not counted");
                    }
                    metrics::gauge!("intake_job_last_run_timestamp_seconds", "job" => job)
                        .set(Utc::now().timestamp() as f64);
                }
            }
        }
    })
}
