//! Working days across weekends, holidays and closures; express vs normal.

mod common;

use chrono::NaiveTime;
use common::{date, input, load};
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
