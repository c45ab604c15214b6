//! Time at the boundary: UTC in storage, the agency's calendar date for
//! rules and numbers.

use chrono::{DateTime, NaiveDate, Utc};
use laissez_catalog::Catalog;

pub fn timestamp(at: DateTime<Utc>) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: at.timestamp(),
        nanos: i32::try_from(at.timestamp_subsec_nanos()).unwrap_or(0),
    }
}

pub fn from_timestamp(at: &prost_types::Timestamp) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(at.seconds, u32::try_from(at.nanos).ok()?)
}

/// The agency's calendar date at `at` (UTC if the zone is unknown).
pub fn agency_date(catalog: &Catalog, at: DateTime<Utc>) -> NaiveDate {
    match catalog.agency.time_zone.parse::<chrono_tz::Tz>() {
        Ok(zone) => at.with_timezone(&zone).date_naive(),
        Err(_) => at.date_naive(),
    }
}

/// Today's date in the agency's time zone (UTC if the zone is unknown; the
/// catalog loader has checked it).
pub fn agency_today(catalog: &Catalog) -> NaiveDate {
    let now = Utc::now();
    match catalog.agency.time_zone.parse::<chrono_tz::Tz>() {
        Ok(zone) => now.with_timezone(&zone).date_naive(),
        Err(_) => now.date_naive(),
    }
}
