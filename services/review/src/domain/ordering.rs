//! The queue order and its aging policy.
//!
//! Every queued case has one ordering key, and reviewers are served in key
//! order (oldest first):
//!
//! ```text
//! key = submitted_at                     (normal lane)
//! key = submitted_at - priority_head_start (priority lane)
//! ```
//!
//! A priority case is treated as if it had been submitted
//! `priority_head_start` earlier. This is first come, first served within a
//! lane, priority first among cases of similar age, and it cannot starve
//! the normal lane: a normal case submitted at `t` has key `t`, and every
//! case submitted after `t + priority_head_start` (priority or not) has a
//! larger key, so it is served before all of them. Its wait is bounded by
//! the work that arrived before `t + priority_head_start`.
//!
//! The key is a single indexed column, so the head of the queue is found in
//! O(log n) however deep the queue is.

use chrono::{DateTime, Duration, Utc};

use super::Lane;

pub fn queue_key(
    submitted_at: DateTime<Utc>,
    lane: Lane,
    priority_head_start: Duration,
) -> DateTime<Utc> {
    match lane {
        Lane::Normal => submitted_at,
        Lane::Priority => submitted_at - priority_head_start,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_priority_case_jumps_ahead_by_the_head_start_and_no_more() {
        let head_start = Duration::hours(48);
        let now = Utc::now();
        let normal_old = queue_key(now - Duration::hours(49), Lane::Normal, head_start);
        let normal_recent = queue_key(now - Duration::hours(10), Lane::Normal, head_start);
        let priority_new = queue_key(now, Lane::Priority, head_start);
        assert!(priority_new < normal_recent);
        assert!(normal_old < priority_new);
    }
}
