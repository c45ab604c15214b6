//! What the applicant's permit grants: on the check page as the type's
//! catalog rules work it out from the answers so far, and on the case page
//! as intake fixed it at issue (number, validity, entries, stay per entry).

use laissez_catalog::Catalog;
use laissez_catalog::eligibility::{self, Grant};
use laissez_catalog::format::Entries;
use laissez_catalog::rules::{self, RuleInput};
use laissez_proto::intake::v1::{Case, Lifecycle};
use maud::{Markup, html};

use crate::portal::shell::i18n::Lang;
use crate::portal::shell::locale::{Phrase, texts};

texts! {
    pub struct Texts, fn texts, "permit" {
        title,
        number,
        valid_until,
        validity,
        entries,
        stay,
        preview_title,
        preview_hint,
        single,
        double,
        multiple,
        /// `$n` days.
        days: phrase,
        /// `$n` years, and one year.
        years: phrase,
        year,
        /// `$n` months, and one month.
        months: phrase,
        month,
        delivery_title,
        delivery_address,
        tracking_number,
    }
}

impl Texts {
    fn entries_name(&self, entries: Entries) -> &'static str {
        match entries {
            Entries::Single => self.single,
            Entries::Double => self.double,
            Entries::Multiple => self.multiple,
        }
    }

    fn days(&self, days: u32) -> String {
        self.days.with([("n", days.into())])
    }

    /// `30` months as "2 years 6 months" (each part only when not zero).
    fn duration(&self, months: u32) -> String {
        let count = |n: u32, one: &str, many: &Phrase| match n {
            0 => None,
            1 => Some(one.to_owned()),
            n => Some(many.with([("n", n.into())])),
        };
        [
            count(months / 12, self.year, &self.years),
            count(months % 12, self.month, &self.months),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ")
    }
}

/// The permit as intake fixed it, once it has a number or a validity.
pub fn issued(lang: Lang, lifecycle: Option<&Lifecycle>) -> Option<Markup> {
    let lifecycle = lifecycle?;
    if lifecycle.permit_number.is_empty() && lifecycle.permit_valid_until.is_empty() {
        return None;
    }
    let words = texts(lang);
    let entries = Entries::parse(&lifecycle.permit_entries);
    Some(html! {
        section #permit aria-labelledby="permit-title" {
            h2 #permit-title { (words.title) }
            dl.summary.govuk-summary-list {
                @if !lifecycle.permit_number.is_empty() {
                    (row(words.number, &lifecycle.permit_number))
                }
                @if !lifecycle.permit_valid_until.is_empty() {
                    (row(words.valid_until, &lifecycle.permit_valid_until))
                }
                @if let Some(entries) = entries {
                    (row(words.entries, words.entries_name(entries)))
                }
                @if lifecycle.permit_stay_days > 0 {
                    (row(words.stay, &words.days(lifecycle.permit_stay_days)))
                }
            }
        }
    })
}

/// Where the permit is sent and the courier's tracking number, once the
/// case is in its delivery stage.
pub fn delivery(lang: Lang, lifecycle: Option<&Lifecycle>) -> Option<Markup> {
    let lifecycle = lifecycle?;
    if lifecycle.delivery_address.is_empty() && lifecycle.tracking_number.is_empty() {
        return None;
    }
    let words = texts(lang);
    Some(html! {
        section #delivery aria-labelledby="delivery-title" {
            h2 #delivery-title { (words.delivery_title) }
            dl.summary.govuk-summary-list {
                @if !lifecycle.delivery_address.is_empty() {
                    (row(words.delivery_address, &lifecycle.delivery_address))
                }
                @if !lifecycle.tracking_number.is_empty() {
                    (row(words.tracking_number, &lifecycle.tracking_number))
                }
            }
        }
    })
}

/// What the type's rules grant for the answers so far, when they say
/// anything.
pub fn preview(
    lang: Lang,
    catalog: &Catalog,
    case: &Case,
    today: chrono::NaiveDate,
) -> Option<Markup> {
    let kind = catalog.application_type(&case.application_type)?;
    let applicant = case.applicant.as_ref()?;
    let input = RuleInput {
        answers: serde_json::from_str(&case.answers_json).unwrap_or_default(),
        applicant: rules::Applicant {
            date_of_birth: chrono::NaiveDate::parse_from_str(&applicant.date_of_birth, "%Y-%m-%d")
                .ok()?,
            relationship: applicant.relationship.clone(),
            documents_held: Vec::new(),
            attributes: serde_json::Map::new(),
        },
        record: serde_json::Map::new(),
        today,
        lists: rules::list_codes(&catalog.code_lists),
    };
    let grant = eligibility::grant(kind, &input);
    if grant.is_empty() {
        return None;
    }
    Some(preview_section(lang, &grant))
}

fn preview_section(lang: Lang, grant: &Grant) -> Markup {
    let words = texts(lang);
    html! {
        section #grant aria-labelledby="grant-title" {
            h2 #grant-title { (words.preview_title) }
            dl.summary.govuk-summary-list {
                @if let Some(months) = grant.valid_months {
                    (row(words.validity, &words.duration(months)))
                }
                @if let Some(entries) = grant.entries {
                    (row(words.entries, words.entries_name(entries)))
                }
                @if let Some(days) = grant.stay_days {
                    (row(words.stay, &words.days(days)))
                }
            }
            p.hint { (words.preview_hint) }
        }
    }
}

fn row(key: &str, value: &str) -> Markup {
    html! {
        div.govuk-summary-list__row {
            dt.govuk-summary-list__key { (key) }
            dd.govuk-summary-list__value { (value) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(texts(Lang::En).duration(60), "5 years");
        assert_eq!(texts(Lang::En).duration(6), "6 months");
        assert_eq!(texts(Lang::En).duration(18), "1 year 6 months");
        assert_eq!(texts(Lang::En).duration(13), "1 year 1 month");
        assert_eq!(texts(Lang::ZhHant).duration(30), "2 年 6 個月");
    }

    #[test]
    fn the_case_page_shows_the_permit_as_issued() {
        assert!(issued(Lang::En, None).is_none());
        assert!(issued(Lang::En, Some(&Lifecycle::default())).is_none());
        let lifecycle = Lifecycle {
            permit_number: "E1150000042".into(),
            permit_valid_until: "2031-04-30".into(),
            permit_entries: "multiple".into(),
            permit_stay_days: 90,
            ..Lifecycle::default()
        };
        let html = issued(Lang::En, Some(&lifecycle)).unwrap().into_string();
        for expected in ["E1150000042", "2031-04-30", "Multiple", "up to 90 days"] {
            assert!(html.contains(expected), "{expected} in {html}");
        }
        let html = issued(Lang::ZhHant, Some(&lifecycle))
            .unwrap()
            .into_string();
        assert!(
            html.contains("多次") && html.contains("最長 90 日"),
            "{html}"
        );
        // What the type does not say is not shown.
        let bare = Lifecycle {
            permit_number: "T12345".into(),
            ..Lifecycle::default()
        };
        let html = issued(Lang::En, Some(&bare)).unwrap().into_string();
        assert!(
            !html.contains("Entries") && !html.contains("Stay"),
            "{html}"
        );
    }
}
