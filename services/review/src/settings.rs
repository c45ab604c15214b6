//! What the handlers share: the catalogs and the queue policy.

use chrono::Duration;

use crate::catalogs::Catalogs;
use crate::config::QueueConfig;

#[derive(Clone)]
pub struct Settings {
    pub catalogs: Catalogs,
    pub priority_head_start: Duration,
    pub lease: Duration,
    pub assignment_lease: Duration,
    pub sla_warning_working_days: u32,
}

fn seconds(value: u64) -> Duration {
    Duration::seconds(i64::try_from(value).unwrap_or(i64::MAX / 1_000_000))
}

impl Settings {
    pub fn new(catalogs: Catalogs, queue: &QueueConfig) -> Self {
        Self {
            catalogs,
            priority_head_start: seconds(queue.priority_head_start_hours.saturating_mul(3600)),
            lease: seconds(queue.lease_seconds),
            assignment_lease: seconds(queue.assignment_lease_seconds),
            sla_warning_working_days: queue.sla_warning_working_days,
        }
    }
}
