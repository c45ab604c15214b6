//! Working days across weekends, holidays and closures; express vs normal.

mod common;

use chrono::NaiveTime;
use common::{date, edit, input, load};
use laissez_catalog::calendar::{
    AppointmentOutcome, WorkingDayCalendar, due_date, resolve_appointment,
};
use serde_json::json;

#[test]
fn working_days_skip_weekends() {
    let catalog = load("hk-cts");
    let calendar = WorkingDayCalendar::new(&catalog.calendar);
    // Friday 2026-03-06 + 1 working day = Monday 2026-03-09.
    assert_eq!(
        calendar.add_working_days(date("2026-03-06"), 1),
        Ok(date("2026-03-09"))
    );
    // Monday 2026-03-02 + 12 working days = Wednesday 2026-03-18.
    assert_eq!(
        calendar.add_working_days(date("2026-03-02"), 12),
        Ok(date("2026-03-18"))
    );
    // Zero days from a Saturday is the next working day.
    assert_eq!(
        calendar.add_working_days(date("2026-03-07"), 0),
        Ok(date("2026-03-09"))
    );
}

#[test]
fn working_days_skip_holidays() {
    let catalog = load("hk-cts");
    let calendar = WorkingDayCalendar::new(&catalog.calendar);
    // Lunar New Year 17-19 Feb 2026: Monday 16 Feb + 1 = Friday 20 Feb.
    assert_eq!(
        calendar.add_working_days(date("2026-02-16"), 1),
        Ok(date("2026-02-20"))
    );
    // Easter 2026: Thursday 2 April + 1 skips Good Friday, the weekend, Easter Monday and the Ching Ming day after.
    assert_eq!(
        calendar.add_working_days(date("2026-04-02"), 1),
        Ok(date("2026-04-08"))
    );
}

#[test]
fn mainland_make_up_working_days_count() {
    let catalog = load("fj-exit-entry");
    let calendar = WorkingDayCalendar::new(&catalog.calendar);
    assert!(
        calendar.is_working_day(date("2026-02-14")),
        "Saturday make-up day"
    );
    assert!(
        !calendar.is_working_day(date("2026-02-17")),
        "Spring Festival"
    );
    assert_eq!(
        calendar.add_working_days(date("2026-02-13"), 1),
        Ok(date("2026-02-14"))
    );
}

#[test]
fn a_typhoon_closure_is_not_a_working_day_and_moves_appointments() {
    let catalog = load("mo-csm");
    let calendar = WorkingDayCalendar::new(&catalog.calendar);
    // Tuesday 2026-09-15 is the demo typhoon closure.
    assert!(!calendar.is_working_day(date("2026-09-15")));
    assert_eq!(
        calendar.add_working_days(date("2026-09-14"), 1),
        Ok(date("2026-09-16"))
    );
    let slot = NaiveTime::from_hms_opt(9, 30, 0).expect("time");
    match resolve_appointment(&catalog.calendar, "consular-hall", date("2026-09-15"), slot) {
        Ok(AppointmentOutcome::Moved {
            date: moved,
            slot: same,
            reason,
        }) => {
            assert_eq!(moved, date("2026-09-16"));
            assert_eq!(same, slot);
            assert!(reason.en.contains("Typhoon"));
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(
        resolve_appointment(&catalog.calendar, "consular-hall", date("2026-09-14"), slot),
        Ok(AppointmentOutcome::Unaffected)
    );
}

#[test]
fn closure_before_a_weekend_and_holiday_moves_further() {
    let mut catalog = load("mo-csm");
    // A closure on Friday 2026-09-25 (before the weekend and the 26 Sept holiday) moves to Monday 28.
    catalog.calendar.closures[0].date = date("2026-09-25");
    let slot = NaiveTime::from_hms_opt(14, 30, 0).expect("time");
    let outcome = resolve_appointment(&catalog.calendar, "consular-hall", date("2026-09-25"), slot)
        .expect("outcome");
    assert!(
        matches!(outcome, AppointmentOutcome::Moved { date: moved, .. } if moved == date("2026-09-28"))
    );
}

#[test]
fn express_versus_normal_due_dates() {
    let catalog = load("hk-cts");
    let permit = catalog
        .application_type("home_return_permit")
        .expect("type");
    let answers = input(json!({"reason": "renewal"}), "1990-01-01", "2026-03-02");
    assert_eq!(
        due_date(
            &catalog.calendar,
            permit,
            &answers,
            date("2026-03-02"),
            false
        ),
        Ok(date("2026-03-18"))
    );
    assert_eq!(
        due_date(
            &catalog.calendar,
            permit,
            &answers,
            date("2026-03-02"),
            true
        ),
        Ok(date("2026-03-09"))
    );

    let temporary = catalog.application_type("temporary_permit").expect("type");
    let border = input(
        json!({"channel": "border_same_day"}),
        "1990-01-01",
        "2026-03-02",
    );
    assert_eq!(
        due_date(
            &catalog.calendar,
            temporary,
            &border,
            date("2026-03-02"),
            false
        ),
        Ok(date("2026-03-02"))
    );

    let csm = load("mo-csm");
    let passport = csm.application_type("passport_renewal").expect("type");
    let none = input(json!({}), "1990-01-01", "2026-03-02");
    assert_eq!(
        due_date(&csm.calendar, passport, &none, date("2026-03-02"), true),
        Err(laissez_catalog::calendar::Error::ExpressNotOffered)
    );
    assert_eq!(
        due_date(&csm.calendar, passport, &none, date("2026-03-02"), false),
        Ok(date("2026-03-16"))
    );
}

/// Macao's two agencies keep one list of public holidays: both name the
/// shared calendar, and what each adds is its own.
#[test]
fn agencies_of_one_jurisdiction_share_its_public_holidays() {
    let csm = load("mo-csm");
    let cts = load("mo-cts");
    assert_eq!(csm.calendar.jurisdiction.as_deref(), Some("macao"));
    assert_eq!(csm.calendar.holidays, cts.calendar.holidays);
    assert_eq!(csm.calendar.holidays.len(), 40);
    // National Day is a holiday for both; their own weekends still differ.
    let national_day = date("2026-10-01");
    assert!(!WorkingDayCalendar::new(&csm.calendar).is_working_day(national_day));
    assert!(!WorkingDayCalendar::new(&cts.calendar).is_working_day(national_day));
    let saturday = date("2026-03-07");
    assert!(!WorkingDayCalendar::new(&csm.calendar).is_working_day(saturday));
    assert!(WorkingDayCalendar::new(&cts.calendar).is_working_day(saturday));
    // The shared folder is not an agency.
    let all = laissez_catalog::load::load_all(&common::agency_dir("mo-csm").join(".."));
    assert!(!all.contains_key("_jurisdictions"), "{:?}", all.keys());
    assert!(all.values().all(Result::is_ok));
}

/// An agency that repeats or renames a shared holiday, or works on one, is
/// warned with the line (its own day wins); an unknown jurisdiction is an
/// error.
#[test]
fn an_agency_that_disagrees_with_its_jurisdiction_is_warned() {
    let mut files = common::files("mo-cts");
    edit(
        &mut files,
        "calendar.yaml",
        "weekends: [sun]\n",
        "weekends: [sun]\nholidays:\n  - {date: 2026-10-01, name: {zh-Hant: 國慶, zh-Hans: 国庆, en: National Day holiday}}\n  - {date: 2026-07-15, name: {zh-Hant: 處慶日, zh-Hans: 处庆日, en: Office anniversary}}\nextra_working_days:\n  - {date: 2026-10-02, name: {zh-Hant: 補班, zh-Hans: 补班, en: Make-up day}}\n",
    );
    let catalog = laissez_catalog::load_files(&files).expect("it still loads");
    let warnings = laissez_catalog::load::calendar_warnings(&files);
    let fields: Vec<(&str, Option<usize>)> = warnings
        .iter()
        .map(|warning| (warning.field.as_str(), warning.line))
        .collect();
    assert_eq!(
        fields,
        [
            ("holidays[0].date", Some(6)),
            ("extra_working_days[0].date", Some(9))
        ],
        "{warnings:?}"
    );
    assert!(
        warnings[0].message.contains("\"National Day\""),
        "{}",
        warnings[0]
    );
    assert!(warnings[1].message.contains("the agency works that day"));
    // The agency's own days win: its name, and its working day.
    let calendar = WorkingDayCalendar::new(&catalog.calendar);
    assert!(calendar.is_working_day(date("2026-10-02")));
    assert!(!calendar.is_working_day(date("2026-07-15")));
    let national_day = catalog
        .calendar
        .holidays
        .iter()
        .find(|day| day.date == date("2026-10-01"))
        .expect("still a holiday");
    assert_eq!(national_day.name.en, "National Day holiday");
    // The demo agencies agree with Macao's calendar.
    assert!(laissez_catalog::load::calendar_warnings(&common::files("mo-csm")).is_empty());

    let mut files = common::files("mo-cts");
    edit(
        &mut files,
        "calendar.yaml",
        "jurisdiction: macao",
        "jurisdiction: macau",
    );
    let errors = laissez_catalog::load_files(&files).expect_err("unknown").0;
    let error = errors
        .iter()
        .find(|error| error.field == "jurisdiction")
        .unwrap_or_else(|| panic!("{errors:?}"));
    assert_eq!(error.file, "calendar.yaml");
    assert_eq!(error.line, Some(3));
    assert!(
        error.message.contains("unknown jurisdiction `macau`"),
        "{error}"
    );
}
