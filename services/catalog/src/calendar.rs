//! Working days, due dates and what closures do to appointments.

use crate::format::{ApplicationType, Calendar, ClosureEffect, LocalizedText, Weekday};
use crate::rules::{self, RuleInput};
use chrono::{Days, NaiveDate, NaiveTime};
use serde::Serialize;

/// The agency calendar seen as working days, optionally for one centre.
pub struct WorkingDayCalendar<'a> {
    calendar: &'a Calendar,
    centre: Option<&'a str>,
}

/// Longest search for a working day; beyond it the calendar is broken.
const SEARCH_LIMIT_DAYS: u32 = 3_660;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum Error {
    #[error("no working day within ten years of {0}")]
    NoWorkingDay(NaiveDate),
    #[error("type has no express service")]
    ExpressNotOffered,
    #[error("the agency publishes no processing time for this case")]
    NotPublished,
    #[error(transparent)]
    Rule(#[from] rules::Error),
}

impl<'a> WorkingDayCalendar<'a> {
    pub fn new(calendar: &'a Calendar) -> Self {
        WorkingDayCalendar {
            calendar,
            centre: None,
        }
    }

    pub fn for_centre(calendar: &'a Calendar, centre: &'a str) -> Self {
        WorkingDayCalendar {
            calendar,
            centre: Some(centre),
        }
    }

    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        if self
            .calendar
            .extra_working_days
            .iter()
            .any(|day| day.date == date)
        {
            return !self.is_closed(date);
        }
        !self.calendar.weekends.contains(&Weekday::of(date))
            && !self
                .calendar
                .holidays
                .iter()
                .any(|holiday| holiday.date == date)
            && !self.is_closed(date)
    }

    fn is_closed(&self, date: NaiveDate) -> bool {
        self.calendar.closures.iter().any(|closure| {
            closure.date == date
                && (closure.centres.is_empty()
                    || self
                        .centre
                        .is_some_and(|centre| closure.centres.iter().any(|code| code == centre)))
        })
    }

    /// The `working_days`-th working day after `start` (`start` itself is not
    /// counted); with 0, the first working day from `start` on.
    pub fn add_working_days(
        &self,
        start: NaiveDate,
        working_days: u32,
    ) -> Result<NaiveDate, Error> {
        let mut date = start;
        let mut counted = 0;
        let mut steps = 0;
        if working_days == 0 {
            while !self.is_working_day(date) {
                date = next_day(date, start)?;
                steps += 1;
                if steps > SEARCH_LIMIT_DAYS {
                    return Err(Error::NoWorkingDay(start));
                }
            }
            return Ok(date);
        }
        while counted < working_days {
            date = next_day(date, start)?;
            steps += 1;
            if steps > SEARCH_LIMIT_DAYS + working_days * 7 {
                return Err(Error::NoWorkingDay(start));
            }
            if self.is_working_day(date) {
                counted += 1;
            }
        }
        Ok(date)
    }

    /// The first working day strictly after `date`.
    pub fn next_working_day(&self, date: NaiveDate) -> Result<NaiveDate, Error> {
        self.add_working_days(date, 1)
    }
}

fn next_day(date: NaiveDate, start: NaiveDate) -> Result<NaiveDate, Error> {
    date.checked_add_days(Days::new(1))
        .ok_or(Error::NoWorkingDay(start))
}

/// Working days the type takes for these answers (overrides first).
pub fn processing_days(
    application_type: &ApplicationType,
    input: &RuleInput,
    express: bool,
) -> Result<u32, Error> {
    let processing = &application_type.processing;
    for rule in &processing.overrides {
        if rules::evaluate_bool(&rule.when, input)? {
            return pick(
                Some(rule.normal_working_days),
                rule.express_working_days,
                processing.offers_express(),
                express,
            );
        }
    }
    pick(
        processing.normal_working_days,
        processing.express_working_days,
        processing.offers_express(),
        express,
    )
}

fn pick(
    normal: Option<u32>,
    express_days: Option<u32>,
    offered: bool,
    express: bool,
) -> Result<u32, Error> {
    match (express, offered) {
        (true, false) => Err(Error::ExpressNotOffered),
        (true, true) => express_days.ok_or(Error::NotPublished),
        (false, _) => normal.ok_or(Error::NotPublished),
    }
}

/// Due date of a case of this type submitted (or accepted) on `start`.
pub fn due_date(
    calendar: &Calendar,
    application_type: &ApplicationType,
    input: &RuleInput,
    start: NaiveDate,
    express: bool,
) -> Result<NaiveDate, Error> {
    let days = processing_days(application_type, input, express)?;
    WorkingDayCalendar::new(calendar).add_working_days(start, days)
}

/// What happens to an appointment.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum AppointmentOutcome {
    Unaffected,
    /// Same slot on another day, no rebooking needed.
    Moved {
        date: NaiveDate,
        slot: NaiveTime,
        reason: LocalizedText,
    },
    Cancelled {
        reason: LocalizedText,
    },
}

/// Resolves what a closure does to an appointment at `centre` on `date` at `slot`.
pub fn resolve_appointment(
    calendar: &Calendar,
    centre: &str,
    date: NaiveDate,
    slot: NaiveTime,
) -> Result<AppointmentOutcome, Error> {
    let closure = calendar.closures.iter().find(|closure| {
        closure.date == date
            && (closure.centres.is_empty() || closure.centres.iter().any(|code| code == centre))
    });
    let Some(closure) = closure else {
        return Ok(AppointmentOutcome::Unaffected);
    };
    match closure.effect {
        ClosureEffect::MoveToNextWorkingDaySameSlot => {
            let moved = WorkingDayCalendar::for_centre(calendar, centre).next_working_day(date)?;
            Ok(AppointmentOutcome::Moved {
                date: moved,
                slot,
                reason: closure.reason.clone(),
            })
        }
        ClosureEffect::CancelAndRebook => Ok(AppointmentOutcome::Cancelled {
            reason: closure.reason.clone(),
        }),
    }
}
