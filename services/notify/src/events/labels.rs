//! What the events' protocol values read as: the language an event names
//! and a review decision in the applicant's words.

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_come_from_the_contract() {
        assert_eq!(language_from_proto(2), Some(Language::ZhHans));
        assert_eq!(language_from_proto(0), None);
        assert_eq!(language_from_proto(99), None);
    }
}
