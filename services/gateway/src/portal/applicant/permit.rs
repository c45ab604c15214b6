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

pub struct Texts {
    pub title: &'static str,
    pub number: &'static str,
    pub valid_until: &'static str,
    pub validity: &'static str,
    pub entries: &'static str,
    pub stay: &'static str,
    pub preview_title: &'static str,
    pub preview_hint: &'static str,
    single: &'static str,
    double: &'static str,
    multiple: &'static str,
    /// `{n}` days.
    days: &'static str,
    /// `{n}` years, and one year.
    years: &'static str,
    year: &'static str,
    /// `{n}` months, and one month.
    months: &'static str,
    month: &'static str,
    delivery_title: &'static str,
    delivery_address: &'static str,
    tracking_number: &'static str,
}

const ZH_HANT: Texts = Texts {
    title: "證件資料",
    number: "證號",
    valid_until: "有效期至",
    validity: "有效期",
    entries: "入出境次數",
    stay: "每次停留",
    preview_title: "核准後所發證件",
    preview_hint: "以上依目前填寫內容估算，發證時確定。",
    single: "單次",
    double: "二次",
    multiple: "多次",
    days: "最長 {n} 日",
    years: "{n} 年",
    year: "1 年",
    months: "{n} 個月",
    month: "1 個月",
    delivery_title: "郵寄證件",
    delivery_address: "郵寄地址",
    tracking_number: "速遞追蹤編號",
};

const ZH_HANS: Texts = Texts {
    title: "证件资料",
    number: "证号",
    valid_until: "有效期至",
    validity: "有效期",
    entries: "出入境次数",
    stay: "每次停留",
    preview_title: "获批后所发证件",
    preview_hint: "以上按目前填写内容估算，发证时确定。",
    single: "一次",
    double: "两次",
    multiple: "多次",
    days: "最长 {n} 天",
    years: "{n} 年",
    year: "1 年",
    months: "{n} 个月",
    month: "1 个月",
    delivery_title: "邮寄证件",
    delivery_address: "邮寄地址",
    tracking_number: "速递追踪编号",
};

const EN: Texts = Texts {
    title: "Your permit",
    number: "Permit number",
    valid_until: "Valid until",
    validity: "Validity",
    entries: "Entries",
    stay: "Stay per entry",
    preview_title: "What the permit will grant",
    preview_hint: "Worked out from your answers so far; fixed when the permit is issued.",
    single: "Single",
    double: "Double",
    multiple: "Multiple",
    days: "up to {n} days",
    years: "{n} years",
    year: "1 year",
    months: "{n} months",
    month: "1 month",
    delivery_title: "Delivery",
    delivery_address: "Delivery address",
    tracking_number: "Courier tracking number",
};

pub fn texts(lang: Lang) -> &'static Texts {
    match lang {
        Lang::ZhHant => &ZH_HANT,
        Lang::ZhHans => &ZH_HANS,
        Lang::En => &EN,
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
        self.days.replace("{n}", &days.to_string())
    }

    /// `30` months as "2 years 6 months" (each part only when not zero).
    fn duration(&self, months: u32) -> String {
        let count = |n: u32, one: &str, many: &str| match n {
            0 => None,
            1 => Some(one.to_owned()),
            n => Some(many.replace("{n}", &n.to_string())),
        };
        [
            count(months / 12, self.year, self.years),
            count(months % 12, self.month, self.months),
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
        assert_eq!(EN.duration(60), "5 years");
        assert_eq!(EN.duration(6), "6 months");
        assert_eq!(EN.duration(18), "1 year 6 months");
        assert_eq!(EN.duration(13), "1 year 1 month");
        assert_eq!(ZH_HANT.duration(30), "2 年 6 個月");
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
