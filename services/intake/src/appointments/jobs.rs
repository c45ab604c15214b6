//! The appointment jobs, one pass every interval on every replica:
//!
//! - opening slots for the rolling window (`agency.appointments.window_days`)
//!   from each agency's current catalog: one replica at a time (a
//!   transaction-scoped advisory lock; the others skip the pass), each
//!   centre from where it was last opened, so a pass is cheap once caught up;
//! - releasing holds past their time (`SKIP LOCKED`, bounded per pass);
//! - reminders for the next day's bookings (the agency's date), each once:
//!   the booking is marked in the transaction that queues its event;
//! - the free-capacity gauges per centre for the next 7 days.

use std::time::Duration;

use chrono::{Days, NaiveDate, Utc};
use laissez_kit::ServiceError;
use laissez_proto::events::v1::AppointmentReminder;
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;

use super::booking::Appointments;
use super::events;
use super::plan;
use super::store;
use crate::store::Scope;
use crate::store::cases;
use crate::time::{agency_date, timestamp};

/// Agencies with a published catalog.
async fn agencies(pool: &PgPool) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT DISTINCT agency FROM catalog_versions ORDER BY agency")
        .fetch_all(pool)
        .await
}

impl Appointments {
    /// Opens every centre's slots through `today` + the agency's window
    /// (`today` as each agency's date when `None`). Returns the slots
    /// opened, or `None` when another replica holds the job.
    pub async fn open_slots(&self, today: Option<NaiveDate>) -> Result<Option<u64>, ServiceError> {
        let mut transaction = self.pool.begin().await?;
        let mine: bool = sqlx::query_scalar(
            "SELECT pg_try_advisory_xact_lock(hashtext('intake:appointment-slots'))",
        )
        .fetch_one(&mut *transaction)
        .await?;
        if !mine {
            return Ok(None);
        }
        let mut opened = 0;
        for agency in agencies(&self.pool).await? {
            let catalog = self.current(&agency).await?;
            let today = today.unwrap_or_else(|| agency_date(&catalog, Utc::now()));
            let window = u64::from(catalog.agency.appointments.window_days.max(1));
            let Some(last) = today.checked_add_days(Days::new(window - 1)) else {
                continue;
            };
            for centre in &catalog.centres {
                let from = match store::horizon(&mut transaction, &agency, &centre.code).await? {
                    Some(through) if through >= today => through.succ_opt().unwrap_or(through),
                    _ => today,
                };
                let mut planned = Vec::new();
                for day in from.iter_days().take_while(|day| *day <= last) {
                    planned.extend(plan::slots_of_day(&catalog, centre, day));
                }
                opened +=
                    store::open_slots(&mut transaction, &agency, &centre.code, &planned).await?;
                if from <= last {
                    store::set_horizon(&mut transaction, &agency, &centre.code, last).await?;
                }
            }
        }
        transaction.commit().await?;
        Ok(Some(opened))
    }

    /// Releases at most `limit` holds past their time; returns how many.
    pub async fn expire_holds(&self, limit: i64) -> Result<usize, ServiceError> {
        let mut transaction = self.pool.begin().await?;
        let expired = store::expire_holds(&mut transaction, Utc::now(), limit).await?;
        transaction.commit().await?;
        for (agency, _) in &expired {
            metrics::counter!("intake_appointment_holds_expired_total", "agency" => agency.clone())
                .increment(1);
        }
        Ok(expired.len())
    }

    /// Queues the reminder of every booking on the day after `today` (each
    /// agency's date when `None`), at most `limit` per agency; returns how many.
    pub async fn send_reminders(
        &self,
        today: Option<NaiveDate>,
        limit: i64,
    ) -> Result<usize, ServiceError> {
        let mut sent = 0;
        for agency in agencies(&self.pool).await? {
            let catalog = self.current(&agency).await?;
            let today = today.unwrap_or_else(|| agency_date(&catalog, Utc::now()));
            let Some(tomorrow) = today.succ_opt() else {
                continue;
            };
            let mut transaction = self.pool.begin().await?;
            let due = store::lock_unreminded(&mut transaction, &agency, tomorrow, limit).await?;
            for reminded in due {
                let scope = Scope {
                    agency: agency.clone(),
                    account: Some(reminded.account_id.clone()),
                };
                let Some(case) = cases::find(&mut *transaction, &scope, reminded.case_id).await?
                else {
                    continue;
                };
                store::mark_reminded(&mut transaction, reminded.id).await?;
                let event = AppointmentReminder {
                    case_id: case.id.to_string(),
                    centre: reminded.centre.clone(),
                    starts_at: Some(timestamp(reminded.starts_at)),
                    party: Some(crate::grpc::view::party(&case)),
                    booking_id: reminded.id.to_string(),
                    receipt_number: case.receipt_number.clone().unwrap_or_default(),
                };
                events::enqueue(&mut transaction, &case, &event).await?;
                sent += 1;
            }
            transaction.commit().await?;
        }
        Ok(sent)
    }

    /// Sets `intake_appointment_free_places{agency,centre}` for the next 7 days.
    pub async fn count_free_places(&self) -> Result<(), ServiceError> {
        for agency in agencies(&self.pool).await? {
            let catalog = self.current(&agency).await?;
            let today = agency_date(&catalog, Utc::now());
            let week = today.checked_add_days(Days::new(6)).unwrap_or(today);
            for (centre, free) in store::free_places(&self.pool, &agency, today, week).await? {
                metrics::gauge!("intake_appointment_free_places",
                    "agency" => agency.clone(), "centre" => centre)
                .set(free as f64);
            }
        }
        Ok(())
    }
}

/// Runs the passes every `interval` until shutdown, with their metrics:
/// when each last ran, and its failures.
pub fn spawn(
    appointments: Appointments,
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
                    let passes = [
                        ("appointment_slots", appointments.open_slots(None).await.map(|_| ())),
                        ("appointment_holds", appointments.expire_holds(batch).await.map(drop)),
                        ("appointment_reminders",
                            appointments.send_reminders(None, batch).await.map(drop)),
                        ("appointment_capacity", appointments.count_free_places().await),
                    ];
                    for (job, outcome) in passes {
                        match outcome {
                            Ok(()) => metrics::gauge!("intake_job_last_run_timestamp_seconds",
                                "job" => job).set(Utc::now().timestamp() as f64),
                            Err(error) => {
                                metrics::counter!("intake_job_failures_total", "job" => job)
                                    .increment(1);
                                tracing::warn!(%error, job, "an appointment job failed");
                            }
                        }
                    }
                }
            }
        }
    })
}
