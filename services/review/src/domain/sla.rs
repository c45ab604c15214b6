//! The SLA clock, in the agency's working days.
//!
//! - Due date: the type's processing days (express or normal) counted from
//!   the submission date in the agency's time zone with the agency calendar.
//! - A return pauses the clock on the day of the return; the resubmission
//!   resumes it. Every working day after the return day up to and including
//!   the resubmission day is added back to the due date: the applicant's
//!   time does not count against the agency.
//! - Types that publish no processing time have no due date.

use chrono::{DateTime, NaiveDate, Utc};
use laissez_catalog::calendar::WorkingDayCalendar;
use laissez_catalog::format::{ApplicationType, Calendar};

/// The calendar date of `at` in the agency's zone (UTC if the zone is unknown).
pub fn agency_date(time_zone: &str, at: DateTime<Utc>) -> NaiveDate {
    match time_zone.parse::<chrono_tz::Tz>() {
        Ok(zone) => at.with_timezone(&zone).date_naive(),
        Err(_) => at.date_naive(),
    }
}

/// Published processing days; `None` when the agency publishes none.
pub fn processing_days(application_type: &ApplicationType, express: bool) -> Option<u32> {
    let processing = &application_type.processing;
    if express {
        processing
            .express_working_days
            .or(processing.normal_working_days)
    } else {
        processing.normal_working_days
    }
}

pub fn due_on(calendar: &Calendar, submitted_on: NaiveDate, days: u32) -> Option<NaiveDate> {
    WorkingDayCalendar::new(calendar)
        .add_working_days(submitted_on, days)
        .ok()
}

/// Working days in `(paused_on, resumed_on]`.
pub fn paused_working_days(
    calendar: &Calendar,
    paused_on: NaiveDate,
    resumed_on: NaiveDate,
) -> u32 {
    let working = WorkingDayCalendar::new(calendar);
    paused_on
        .iter_days()
        .skip(1)
        .take_while(|day| *day <= resumed_on)
        .filter(|day| working.is_working_day(*day))
        .count()
        .try_into()
        .unwrap_or(u32::MAX)
}

/// The due date once the clock resumes on `resumed_on`.
pub fn resume(
    calendar: &Calendar,
    due: NaiveDate,
    paused_on: NaiveDate,
    resumed_on: NaiveDate,
) -> NaiveDate {
    let days = paused_working_days(calendar, paused_on, resumed_on);
    if days == 0 {
        return due;
    }
    WorkingDayCalendar::new(calendar)
        .add_working_days(due, days)
        .unwrap_or(due)
}

/// Working days left before `due` from `today` (negative once breached).
pub fn working_days_left(calendar: &Calendar, today: NaiveDate, due: NaiveDate) -> i64 {
    if today > due {
        return -i64::from(paused_working_days(calendar, due, today));
    }
    i64::from(paused_working_days(calendar, today, due))
}
