//! Texts the service fills into templates itself: decision names, times in
//! the agency's zone, languages from the contracts.

use chrono::{DateTime, Utc};
use laissez_catalog::format::Language;
use laissez_proto::common::v1::Language as ProtoLanguage;
use laissez_proto::events::v1::Decision;

/// The language an event names, if any.
pub fn language_from_proto(value: i32) -> Option<Language> {
    match ProtoLanguage::try_from(value).ok()? {
        ProtoLanguage::ZhHant => Some(Language::ZhHant),
        ProtoLanguage::ZhHans => Some(Language::ZhHans),
        ProtoLanguage::En => Some(Language::En),
        ProtoLanguage::Unspecified => None,
    }
}

/// What the applicant reads for a review decision.
pub fn decision_label(decision: Decision, language: Language) -> &'static str {
    use Language::{En, ZhHans, ZhHant};
    match (decision, language) {
        (Decision::Approved, ZhHant) => "核准",
        (Decision::Approved, ZhHans) => "批准",
        (Decision::Approved, En) => "approved",
        (Decision::NotAccepted, ZhHant) => "不予受理",
        (Decision::NotAccepted, ZhHans) => "不予受理",
        (Decision::NotAccepted, En) => "not accepted",
        (Decision::NotApproved, ZhHant) => "審核不通過",
        (Decision::NotApproved, ZhHans) => "审核不通过",
        (Decision::NotApproved, En) => "not approved",
        (Decision::ReturnedForCorrection, ZhHant) => "退回補正",
        (Decision::ReturnedForCorrection, ZhHans) => "退回补正",
        (Decision::ReturnedForCorrection, En) => "returned for correction",
        (Decision::ReturnedForSupplement, ZhHant) => "待補充材料",
        (Decision::ReturnedForSupplement, ZhHans) => "待补充材料",
        (Decision::ReturnedForSupplement, En) => "supplementary documents needed",
        (Decision::Unspecified, ZhHant) => "已審核",
        (Decision::Unspecified, ZhHans) => "已审核",
        (Decision::Unspecified, En) => "decided",
    }
}

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

    #[test]
    fn languages_come_from_the_contract() {
        assert_eq!(language_from_proto(2), Some(Language::ZhHans));
        assert_eq!(language_from_proto(0), None);
        assert_eq!(language_from_proto(99), None);
    }
}
