//! Texts the service fills into templates itself: times in the agency's
//! zone, masked recipients.

use chrono::{DateTime, Utc};

/// `2026-03-01 14:30` in the agency's time zone (UTC when the zone is unknown).
pub fn format_time(at: DateTime<Utc>, time_zone: &str) -> String {
    match time_zone.parse::<chrono_tz::Tz>() {
        Ok(zone) => at.with_timezone(&zone).format("%Y-%m-%d %H:%M").to_string(),
        Err(_) => at.format("%Y-%m-%d %H:%M UTC").to_string(),
    }
}

/// `a***@example.org`, `+8536***12`: enough to recognise, not to harvest.
pub fn mask_recipient(recipient: &str) -> String {
    if let Some((local, domain)) = recipient.split_once('@') {
        let first: String = local.chars().take(1).collect();
        return format!("{first}***@{domain}");
    }
    let characters: Vec<char> = recipient.chars().collect();
    if characters.len() <= 6 {
        return "***".to_owned();
    }
    let head: String = characters[..4].iter().collect();
    let tail: String = characters[characters.len() - 2..].iter().collect();
    format!("{head}***{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_shown_in_the_agency_zone() {
        let at = DateTime::parse_from_rfc3339("2026-03-01T06:30:00Z")
            .map(|time| time.with_timezone(&Utc))
            .unwrap_or_default();
        assert_eq!(format_time(at, "Asia/Macau"), "2026-03-01 14:30");
        assert_eq!(format_time(at, "Nowhere/Else"), "2026-03-01 06:30 UTC");
    }

    #[test]
    fn recipients_are_masked() {
        assert_eq!(mask_recipient("alice@example.org"), "a***@example.org");
        assert_eq!(mask_recipient("+85361234512"), "+853***12");
        assert_eq!(mask_recipient("12345"), "***");
    }
}
