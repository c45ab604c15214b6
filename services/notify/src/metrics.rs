//! The service's domain metrics, rendered on the admin port's `/metrics`.
//!
//! - `notify_messages_sent_total{channel,agency}`
//! - `notify_messages_failed_total{channel,agency}` (given up: permanent, or out of attempts)
//! - `notify_messages_retried_total{channel,agency}` (a temporary failure, retried later)
//! - `notify_delivery_latency_seconds{channel}`: from the event's occurred-at to the send

use chrono::{DateTime, Utc};

use crate::domain::Channel;

pub fn sent(channel: Channel, agency: &str) {
    metrics::counter!("notify_messages_sent_total", "channel" => channel.as_str(), "agency" => agency.to_owned())
        .increment(1);
}

pub fn failed(channel: Channel, agency: &str) {
    metrics::counter!("notify_messages_failed_total", "channel" => channel.as_str(), "agency" => agency.to_owned())
        .increment(1);
}

pub fn retried(channel: Channel, agency: &str) {
    metrics::counter!("notify_messages_retried_total", "channel" => channel.as_str(), "agency" => agency.to_owned())
        .increment(1);
}

pub fn latency(channel: Channel, occurred_at: DateTime<Utc>) {
    let seconds = (Utc::now() - occurred_at).num_milliseconds().max(0) as f64 / 1000.0;
    metrics::histogram!("notify_delivery_latency_seconds", "channel" => channel.as_str())
        .record(seconds);
}
