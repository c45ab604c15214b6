//! Which slots a centre opens on a day, from the catalog alone: the
//! centre's opening hours, slot length and capacity, the agency's public
//! holidays, make-up working days and planned closures, in its time zone.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use laissez_catalog::Catalog;
use laissez_catalog::format::{OpeningHours, ServiceCentre, Weekday};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedSlot {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub day: NaiveDate,
    pub capacity: u32,
}

/// The agency's time zone (UTC if the catalog names none it knows; the
/// catalog loader has checked it).
pub fn zone(catalog: &Catalog) -> Tz {
    catalog.agency.time_zone.parse().unwrap_or(Tz::UTC)
}

/// The slots `centre` opens on `day`: none on a public holiday or a
/// planned closure; a make-up working day on a weekend keeps Monday's
/// hours when the centre has none for that weekday.
pub fn slots_of_day(catalog: &Catalog, centre: &ServiceCentre, day: NaiveDate) -> Vec<PlannedSlot> {
    let calendar = &catalog.calendar;
    let make_up = calendar
        .extra_working_days
        .iter()
        .any(|extra| extra.date == day);
    let holiday = calendar.holidays.iter().any(|holiday| holiday.date == day);
    let closed = calendar.closures.iter().any(|closure| {
        closure.date == day
            && (closure.centres.is_empty() || closure.centres.contains(&centre.code))
    });
    if (holiday && !make_up) || closed || centre.slot_minutes == 0 {
        return Vec::new();
    }
    let weekday = Weekday::of(day);
    let mut windows: Vec<&OpeningHours> = centre
        .opening_hours
        .iter()
        .filter(|hours| hours.days.contains(&weekday))
        .collect();
    if windows.is_empty() && make_up {
        windows = centre
            .opening_hours
            .iter()
            .filter(|hours| hours.days.contains(&Weekday::Mon))
            .collect();
    }
    let zone = zone(catalog);
    let length = Duration::minutes(i64::from(centre.slot_minutes));
    let mut slots = Vec::new();
    for window in windows {
        let mut start = window.opens;
        loop {
            let (end, wrapped) = start.overflowing_add_signed(length);
            if wrapped != 0 || end > window.closes {
                break;
            }
            if let (Some(starts_at), Some(ends_at)) =
                (instant(zone, day, start), instant(zone, day, end))
            {
                slots.push(PlannedSlot {
                    starts_at,
                    ends_at,
                    day,
                    capacity: centre.slot_capacity,
                });
            }
            start = end;
        }
    }
    slots.sort_by_key(|slot| slot.starts_at);
    slots.dedup_by_key(|slot| slot.starts_at);
    slots
}

/// `time` on `day` in `zone` as an instant (the earlier one when a clock
/// change repeats it; none when it skips it).
pub fn instant(zone: Tz, day: NaiveDate, time: NaiveTime) -> Option<DateTime<Utc>> {
    zone.from_local_datetime(&day.and_time(time))
        .earliest()
        .map(|local| local.with_timezone(&Utc))
}

/// The agency's date and wall-clock time of `at`, as shown to people.
pub fn local(zone: Tz, at: DateTime<Utc>) -> (String, String) {
    let local = at.with_timezone(&zone);
    (
        format!(
            "{:04}-{:02}-{:02}",
            local.year(),
            local.month(),
            local.day()
        ),
        local.format("%H:%M").to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use laissez_catalog::load::load_dir;

    fn catalog(code: &str) -> Catalog {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../deploy/agencies")
            .join(code);
        load_dir(&dir).unwrap()
    }

    #[test]
    fn a_weekday_has_the_centres_hours_cut_into_slots() {
        let hk = catalog("hk-cts");
        let centre = hk.centre("hk-island").unwrap();
        // Monday 2026-12-07: 09:00-17:00 in 15 minutes.
        let day = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        let slots = slots_of_day(&hk, centre, day);
        assert_eq!(slots.len(), 32);
        assert_eq!(local(zone(&hk), slots[0].starts_at).1, "09:00");
        assert_eq!(local(zone(&hk), slots[31].ends_at).1, "17:00");
        assert!(slots.iter().all(|slot| slot.capacity == 6));
        // Saturday mornings only.
        let saturday = NaiveDate::from_ymd_opt(2026, 12, 12).unwrap();
        assert_eq!(slots_of_day(&hk, centre, saturday).len(), 16);
        let sunday = NaiveDate::from_ymd_opt(2026, 12, 13).unwrap();
        assert!(slots_of_day(&hk, centre, sunday).is_empty());
    }

    #[test]
    fn holidays_and_planned_closures_open_nothing() {
        let csm = catalog("mo-csm");
        let centre = &csm.centres[0];
        let christmas = NaiveDate::from_ymd_opt(2026, 12, 25).unwrap();
        assert!(slots_of_day(&csm, centre, christmas).is_empty());
        let typhoon = NaiveDate::from_ymd_opt(2026, 9, 15).unwrap();
        assert!(slots_of_day(&csm, centre, typhoon).is_empty());
    }
}
