//! A periodic task for the dashboards: queue depth and the age of the
//! oldest waiting case per agency, type and lane; SLA warnings (logged once
//! per case) and breaches.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::Utc;
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;

use crate::catalogs::Catalogs;
use crate::domain::{Lane, sla};
use crate::settings::Settings;
use crate::store::cases;

pub fn spawn(
    pool: PgPool,
    settings: Settings,
    interval: Duration,
    shutdown: CancellationToken,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(interval);
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return,
                _ = ticker.tick() => {}
            }
            if let Err(error) = refresh_queue_gauges(&pool, &settings.catalogs).await {
                tracing::warn!(%error, "queue gauges not refreshed");
            }
            if let Err(error) = check_sla(&pool, &settings).await {
                tracing::warn!(%error, "SLA check failed");
            }
        }
    })
}

/// Every queue of every agency's application types, in both lanes, even
/// empty: an emptied queue reads 0, not its last depth.
pub async fn refresh_queue_gauges(pool: &PgPool, catalogs: &Catalogs) -> Result<(), sqlx::Error> {
    let now = Utc::now();
    let mut queues: BTreeMap<(String, String, &'static str), (f64, f64)> = BTreeMap::new();
    for catalog in catalogs.all() {
        for kind in &catalog.application_types {
            for lane in [Lane::Normal, Lane::Priority] {
                let key = (
                    catalog.agency.code.clone(),
                    kind.code.clone(),
                    lane.as_str(),
                );
                queues.insert(key, (0.0, 0.0));
            }
        }
    }
    for (agency, depth) in cases::summary(pool, None).await? {
        let age = depth
            .oldest_submitted_at
            .map(|oldest| (now - oldest).as_seconds_f64().max(0.0))
            .unwrap_or(0.0);
        let key = (agency, depth.application_type, depth.lane.as_str());
        queues.insert(key, (depth.depth as f64, age));
    }
    for ((agency, application_type, lane), (depth, age)) in queues {
        let labels = [
            ("agency", agency),
            ("application_type", application_type),
            ("lane", lane.to_owned()),
        ];
        metrics::gauge!("review_queue_depth", &labels).set(depth);
        metrics::gauge!("review_queue_oldest_age_seconds", &labels).set(age);
    }
    Ok(())
}

/// Cases still with the agency (queued, claimed, awaiting sign-off) whose due
/// date is near or past: a warning once, a breach counted once.
pub async fn check_sla(pool: &PgPool, settings: &Settings) -> Result<(), sqlx::Error> {
    let rows: Vec<(uuid::Uuid, String, String, chrono::NaiveDate, bool, bool)> = sqlx::query_as(
        "SELECT case_id, agency, receipt_number, due_on, sla_warned, sla_breached FROM review_case \
         WHERE state IN ('queued', 'leased', 'pending_sign_off') AND due_on IS NOT NULL \
           AND NOT sla_breached AND due_on <= current_date + 30",
    )
    .fetch_all(pool)
    .await?;
    for (case_id, agency, receipt_number, due_on, warned, _) in rows {
        let Some(catalog) = settings.catalogs.agency(&agency) else {
            continue;
        };
        let today = sla::agency_date(&catalog.agency.time_zone, Utc::now());
        let left = sla::working_days_left(&catalog.calendar, today, due_on);
        if today > due_on {
            tracing::warn!(%agency, %case_id, %receipt_number, %due_on, "SLA breached");
            metrics::counter!("review_sla_breaches_total", "agency" => agency.clone()).increment(1);
            sqlx::query(
                "UPDATE review_case SET sla_breached = true, sla_warned = true WHERE case_id = $1",
            )
            .bind(case_id)
            .execute(pool)
            .await?;
        } else if !warned && left <= i64::from(settings.sla_warning_working_days) {
            tracing::warn!(%agency, %case_id, %receipt_number, %due_on, working_days_left = left, "SLA breach near");
            metrics::counter!("review_sla_warnings_total", "agency" => agency.clone()).increment(1);
            sqlx::query("UPDATE review_case SET sla_warned = true WHERE case_id = $1")
                .bind(case_id)
                .execute(pool)
                .await?;
        }
    }
    Ok(())
}
