//! Which counter a receipt or group number draws from. A format with a
//! date part restarts its sequence every period of its finest date part
//! (`FJ{yyyy}{mm}{dd}{seq:6}`: every day; `{roc}{seq:9}`: every year); a
//! format without one counts on forever.

use chrono::NaiveDate;

/// The period `date` falls in for `format`: `2026-04-01`, `2026-04`,
/// `2026`, or empty when the format has no date part.
pub fn counter_period(format: &str, date: NaiveDate) -> String {
    let has = |placeholder: &str| format.contains(placeholder);
    let pattern = if has("{dd}") {
        "%Y-%m-%d"
    } else if has("{mm}") {
        "%Y-%m"
    } else if has("{yyyy}") || has("{yy}") || has("{roc}") {
        "%Y"
    } else {
        return String::new();
    };
    date.format(pattern).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_finest_date_part_names_the_period() {
        let date = NaiveDate::from_ymd_opt(2026, 4, 1).unwrap();
        assert_eq!(
            counter_period("FJ{yyyy}{mm}{dd}{seq:6}", date),
            "2026-04-01"
        );
        assert_eq!(
            counter_period("CSM{yyyy}{mm}{dd}{seq:5}", date),
            "2026-04-01"
        );
        assert_eq!(counter_period("R{yy}{mm}-{seq:4}", date), "2026-04");
        assert_eq!(counter_period("{roc}{seq:9}", date), "2026");
        assert_eq!(counter_period("{seq:9}", date), "");
    }
}
