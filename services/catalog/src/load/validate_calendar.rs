//! Checks of an agency's calendar and of the shared calendar of its
//! jurisdiction, and the calendar the two make together.

use super::checks::Report;
use super::{Parts, SourceFile};
use crate::format::Calendar;
use std::collections::BTreeSet;

/// The jurisdiction a calendar names comes with the agency's files.
pub(crate) fn check_jurisdiction(
    report: &mut Report<'_>,
    source: &SourceFile,
    calendar: &Calendar,
    parts: &Parts<'_>,
) {
    let Some(code) = &calendar.jurisdiction else {
        return;
    };
    if !parts
        .jurisdictions
        .iter()
        .any(|(_, shared, _)| shared == code)
    {
        report.at(
            source,
            "jurisdiction",
            format!(
                "unknown jurisdiction `{code}`: no {}/{code}.yaml beside the agency folders",
                super::JURISDICTIONS_DIR
            ),
        );
    }
}

pub(crate) fn check_shared_calendar(
    report: &mut Report<'_>,
    source: &SourceFile,
    shared: &crate::format::JurisdictionCalendar,
) {
    report.text(source, "name", &shared.name);
    check_days(report, source, &shared.holidays, &shared.extra_working_days);
}

/// Holidays are unique and named; a working day is not also a holiday.
fn check_days(
    report: &mut Report<'_>,
    source: &SourceFile,
    holidays: &[crate::format::Holiday],
    extra_working_days: &[crate::format::Holiday],
) {
    let mut seen = BTreeSet::new();
    for (index, holiday) in holidays.iter().enumerate() {
        if !seen.insert(holiday.date) {
            report.at(
                source,
                format!("holidays[{index}].date"),
                format!("duplicate holiday {}", holiday.date),
            );
        }
        report.text(source, &format!("holidays[{index}].name"), &holiday.name);
    }
    for (index, day) in extra_working_days.iter().enumerate() {
        if seen.contains(&day.date) {
            report.at(
                source,
                format!("extra_working_days[{index}].date"),
                format!("{} is also a holiday", day.date),
            );
        }
    }
}

/// The agency's calendar with its jurisdiction's shared days: the shared
/// holidays and working days, then the agency's own. An own holiday on a
/// shared date keeps the agency's name; an own working day on a shared
/// holiday makes that day a working day for the agency (both are warned
/// about by [`super::calendar_warnings`]).
pub(crate) fn merged_calendar(calendar: &Calendar, parts: &Parts<'_>) -> Calendar {
    let Some((_, _, shared)) = calendar.jurisdiction.as_ref().and_then(|code| {
        parts
            .jurisdictions
            .iter()
            .find(|(_, candidate, _)| candidate == code)
    }) else {
        return calendar.clone();
    };
    let own_days: BTreeSet<chrono::NaiveDate> = calendar
        .holidays
        .iter()
        .chain(&calendar.extra_working_days)
        .map(|day| day.date)
        .collect();
    let mut merged = calendar.clone();
    merged.holidays.extend(
        shared
            .holidays
            .iter()
            .filter(|day| !own_days.contains(&day.date))
            .cloned(),
    );
    merged.extra_working_days.extend(
        shared
            .extra_working_days
            .iter()
            .filter(|day| !own_days.contains(&day.date))
            .cloned(),
    );
    merged.holidays.sort_by_key(|day| day.date);
    merged.extra_working_days.sort_by_key(|day| day.date);
    merged
}

pub(crate) fn check_calendar(
    report: &mut Report<'_>,
    source: &SourceFile,
    calendar: &Calendar,
    centres: &BTreeSet<&str>,
) {
    check_days(
        report,
        source,
        &calendar.holidays,
        &calendar.extra_working_days,
    );
    for (index, closure) in calendar.closures.iter().enumerate() {
        report.text(
            source,
            &format!("closures[{index}].reason"),
            &closure.reason,
        );
        for (centre_index, centre) in closure.centres.iter().enumerate() {
            if !centres.contains(centre.as_str()) {
                report.at(
                    source,
                    format!("closures[{index}].centres[{centre_index}]"),
                    format!("unknown centre `{centre}`"),
                );
            }
        }
    }
}
