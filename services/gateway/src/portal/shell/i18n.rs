//! The portal's languages and its message catalogs. A page's language is,
//! in order: `?lang=` (the switcher's links), the `laissez-lang` cookie
//! (set when `?lang=` was used), the browser's `Accept-Language`
//! (negotiated by `fluent-langneg`), and Traditional Chinese. The fixed
//! texts themselves are Fluent messages (`locale`).

use std::sync::LazyLock;

use axum::http::{HeaderMap, Uri, header};
use fluent_langneg::{NegotiationStrategy, negotiate_languages};
use unic_langid::LanguageIdentifier;

use crate::portal::shell::request::{decode_pairs, query_pairs};

use crate::core::credentials::cookie;
use crate::portal::shell::locale::texts;

pub const LANG_COOKIE: &str = "laissez-lang";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    ZhHant,
    ZhHans,
    En,
}

impl Lang {
    pub const ALL: [Lang; 3] = [Lang::ZhHant, Lang::ZhHans, Lang::En];

    /// The catalog's language (its localised texts are read with it).
    pub fn language(self) -> laissez_catalog::format::Language {
        use laissez_catalog::format::Language;
        match self {
            Lang::ZhHant => Language::ZhHant,
            Lang::ZhHans => Language::ZhHans,
            Lang::En => Language::En,
        }
    }

    /// The contracts' `laissez.common.v1.Language` number.
    pub fn proto(self) -> i32 {
        use laissez_proto::common::v1::Language;
        match self {
            Lang::ZhHant => Language::ZhHant as i32,
            Lang::ZhHans => Language::ZhHans as i32,
            Lang::En => Language::En as i32,
        }
    }

    /// The BCP 47 tag, used in `lang` attributes, `?lang=` and the cookie.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::ZhHant => "zh-Hant",
            Lang::ZhHans => "zh-Hans",
            Lang::En => "en",
        }
    }

    /// The language's own name, for the switcher.
    pub fn own_name(self) -> &'static str {
        match self {
            Lang::ZhHant => "繁體中文",
            Lang::ZhHans => "简体中文",
            Lang::En => "English",
        }
    }

    /// One of our tags exactly (case-insensitive).
    pub fn from_tag(tag: &str) -> Option<Lang> {
        Lang::ALL
            .into_iter()
            .find(|lang| lang.tag().eq_ignore_ascii_case(tag.trim()))
    }

    /// The texts every page shares, in this language.
    pub fn messages(self) -> &'static Messages {
        messages(self)
    }
}

/// `lang` of the query string, if it names one of our languages.
pub fn from_query(uri: &Uri) -> Option<Lang> {
    query_pairs(uri)
        .into_iter()
        .filter(|(key, _)| key == "lang")
        .find_map(|(_, value)| Lang::from_tag(&value))
}

/// Our languages as language identifiers, in [`Lang::ALL`]'s order.
static AVAILABLE: LazyLock<[LanguageIdentifier; 3]> =
    LazyLock::new(|| Lang::ALL.map(|lang| lang.tag().parse().expect("our tags are valid")));

/// The best of our languages for an `Accept-Language` header. The header's
/// ranges are read by weight (`q=0` refuses one) and matched to ours with
/// CLDR's likely subtags, so zh-TW, zh-HK and zh-MO are Traditional,
/// zh-CN, zh-SG and a bare zh Simplified, any English English.
pub fn from_accept_language(headers: &HeaderMap) -> Option<Lang> {
    let value = headers.get(header::ACCEPT_LANGUAGE)?.to_str().ok()?;
    let requested: Vec<LanguageIdentifier> = accept_language::parse_with_quality(value)
        .into_iter()
        .filter(|(_, weight)| *weight > 0.0)
        .filter_map(|(range, _)| range.parse().ok())
        .collect();
    let available = &*AVAILABLE;
    let best = negotiate_languages(&requested, available, None, NegotiationStrategy::Lookup);
    let chosen = available.iter().position(|id| Some(&id) == best.first())?;
    Some(Lang::ALL[chosen])
}

/// The language of a request, and whether `?lang=` chose it (then the
/// answer sets the cookie so the choice sticks).
pub fn negotiate(uri: &Uri, headers: &HeaderMap) -> (Lang, bool) {
    if let Some(lang) = from_query(uri) {
        return (lang, true);
    }
    let chosen = cookie(headers, LANG_COOKIE)
        .as_deref()
        .and_then(Lang::from_tag)
        .or_else(|| from_accept_language(headers))
        .unwrap_or(Lang::ZhHant);
    (chosen, false)
}

/// The current path and query with `lang` set to `lang`: where the
/// switcher's link for `lang` goes.
pub fn switch_link(uri: &Uri, lang: Lang) -> String {
    // The other pairs stay as they were written; only `lang` (however it
    // is escaped) is replaced.
    let mut pairs: Vec<&str> = uri
        .query()
        .unwrap_or_default()
        .split('&')
        .filter(|pair| !pair.is_empty())
        .filter(|pair| {
            decode_pairs(pair)
                .first()
                .is_none_or(|(key, _)| key != "lang")
        })
        .collect();
    let chosen = format!("lang={}", lang.tag());
    pairs.push(&chosen);
    format!("{}?{}", uri.path(), pairs.join("&"))
}

/// Text in the three languages (from a catalog or a service).
#[derive(Debug, Clone, Default)]
pub struct Text {
    pub zh_hant: String,
    pub zh_hans: String,
    pub en: String,
}

impl Text {
    /// The text in `lang`, else in another language rather than nothing.
    pub fn get(&self, lang: Lang) -> &str {
        let preferred = match lang {
            Lang::ZhHant => &self.zh_hant,
            Lang::ZhHans => &self.zh_hans,
            Lang::En => &self.en,
        };
        [preferred, &self.zh_hant, &self.zh_hans, &self.en]
            .into_iter()
            .find(|text| !text.trim().is_empty())
            .map_or("", String::as_str)
    }

    /// From the catalog's JSON form `{"zh-Hant": …, "zh-Hans": …, "en": …}`.
    pub fn from_json(value: &serde_json::Value) -> Text {
        let field = |name: &str| value[name].as_str().unwrap_or_default().to_owned();
        Text {
            zh_hant: field("zh-Hant"),
            zh_hans: field("zh-Hans"),
            en: field("en"),
        }
    }

    /// The same text in every language (a code shown as it is).
    pub fn same(text: &str) -> Text {
        Text {
            zh_hant: text.to_owned(),
            zh_hans: text.to_owned(),
            en: text.to_owned(),
        }
    }

    pub fn from_proto(text: Option<&laissez_proto::common::v1::LocalizedText>) -> Text {
        text.map(|text| Text {
            zh_hant: text.zh_hant.clone(),
            zh_hans: text.zh_hans.clone(),
            en: text.en.clone(),
        })
        .unwrap_or_default()
    }
}

texts! {
    /// Every fixed text of the portal, once per language.
    pub struct Messages, fn messages, "portal" {
        skip_to_content,
        language,
        footer,
        not_found_title,
        not_found_body,
        unavailable_title,
        unavailable_body,
        forbidden_title,
        forbidden_body,
        sign_in,
        login_name,
        document_number,
        password,
        captcha,
        captcha_help,
        captcha_image,
        captcha_another,
        error_summary,
        err_credentials,
        err_account_required,
        err_password_required,
        err_captcha_required,
        err_captcha_wrong,
        err_captcha_expired,
        err_too_many,
        err_not_activated,
        err_failed,
        dashboard,
        notice_board,
        no_announcements,
        important,
        published_on,
        my_applications,
        no_applications,
        no_cases,
        /// The dashboard when the account has no case of any type yet.
        no_cases_yet,
        receipt_number,
        not_yet_numbered,
        applicant,
        state,
        sign_out,
        sign_out_everywhere,
        section_new,
        section_awaiting_supplement,
        section_awaiting_payment,
        section_rejected,
        section_group_rejected,
        case_title,
        case_summary,
        group_number,
        no_group,
        application_type,
        submitted_at,
        not_submitted,
        answers,
        no_answers,
        documents,
        no_documents,
        file_name,
        document_type,
        file_size,
        download,
        returns,
        return_round,
        return_kind,
        kind_correction,
        kind_supplement,
        reviewer_comment,
        applicant_reply,
        no_reply,
        history,
        time,
        from_state,
        to_state,
        note,
        open_case,
        all_cases,
        back_to_dashboard,
        back_to_case,
        filters,
        date_from,
        date_to,
        date_help,
        any_state,
        search,
        clear_filters,
        found,
        page_label,
        page_of,
        page_end,
        paging,
        previous,
        next,
        err_group_number,
        err_receipt_number,
        err_date_from,
        err_date_to,
        err_date_order,
        err_state,
        err_page,
        withdraw,
        withdraw_title,
        withdraw_consequence,
        withdraw_confirm,
        err_withdraw_confirm,
        withdraw_submit,
        keep_case,
        withdrawn_title,
        withdrawn_body,
        withdraw_failed_title,
        withdraw_failed_body,
        cancel,
        cancel_title,
        cancel_consequence,
        cancel_reason,
        cancel_reason_help,
        err_cancel_reason,
        cancel_submit,
        cancelled_title,
        cancelled_body,
        cancel_failed_title,
        cancel_failed_body,
        returned_correction,
        returned_supplement,
        reply,
        resubmit,
        resubmitted_title,
        resubmitted_body,
        resubmit_failed_title,
        resubmit_failed_body,
        err_reply_too_long,
    }
}

/// A case state's name.
pub fn state_name(lang: Lang, state: i32) -> &'static str {
    use laissez_proto::intake::v1::CaseState as S;
    let (hant, hans, en) = match S::try_from(state).unwrap_or(S::Unspecified) {
        S::Unspecified => ("—", "—", "—"),
        S::Draft => ("草稿", "草稿", "Draft"),
        S::Submitted => ("已送出", "已提交", "Submitted"),
        S::UnderReview => ("審核中", "审核中", "Under review"),
        S::ReturnedForCorrection => ("退回修正", "退回修改", "Returned for correction"),
        S::ReturnedForSupplement => ("待補件", "待补件", "Documents requested"),
        S::Approved => ("已許可", "已批准", "Approved"),
        S::NotAccepted => ("不予受理", "不予受理", "Not accepted"),
        S::NotApproved => ("不予許可", "不予批准", "Not approved"),
        S::Withdrawn => ("已撤回", "已撤回", "Withdrawn"),
        S::AwaitingPayment => ("待繳費", "待缴费", "Awaiting payment"),
        S::Paid => ("已繳費", "已缴费", "Paid"),
        S::AwaitingAppointment => ("待預約", "待预约", "Awaiting appointment"),
        S::AppointmentBooked => ("已預約", "已预约", "Appointment booked"),
        S::InProduction => ("製證中", "制证中", "In production"),
        S::Issued => ("已發證", "已发证", "Issued"),
        S::ReadyForPickup => ("待領取", "待领取", "Ready for pickup"),
        S::Collected => ("已領取", "已领取", "Collected"),
        S::Cancelled => ("已註銷", "已注销", "Cancelled"),
        S::AwaitingDispatch => ("待寄出", "待寄出", "Awaiting dispatch"),
        S::Dispatched => ("已寄出", "已寄出", "Dispatched"),
        S::Delivered => ("已送達", "已送达", "Delivered"),
    };
    match lang {
        Lang::ZhHant => hant,
        Lang::ZhHans => hans,
        Lang::En => en,
    }
}

/// A dashboard section's heading.
pub fn section_name(lang: Lang, section: &str) -> &'static str {
    let messages = lang.messages();
    match section {
        "awaiting_supplement" => messages.section_awaiting_supplement,
        "awaiting_payment" => messages.section_awaiting_payment,
        "rejected" => messages.section_rejected,
        "group_rejected" => messages.section_group_rejected,
        _ => messages.section_new,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn accept(value: &str) -> Option<Lang> {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT_LANGUAGE,
            HeaderValue::from_str(value).unwrap(),
        );
        from_accept_language(&headers)
    }

    #[test]
    fn accept_language_is_read_by_weight() {
        assert_eq!(accept("en-GB,en;q=0.8"), Some(Lang::En));
        assert_eq!(accept("zh-CN,zh;q=0.9,en;q=0.8"), Some(Lang::ZhHans));
        assert_eq!(accept("fr;q=1, zh-TW;q=0.5, en;q=0.4"), Some(Lang::ZhHant));
        assert_eq!(accept("de, zh-Hans-CN;q=0.3"), Some(Lang::ZhHans));
        assert_eq!(accept("fr, de"), None);
        assert_eq!(accept("en;q=0, zh-HK"), Some(Lang::ZhHant));
        assert_eq!(accept("zh-MO, en;q=0.5"), Some(Lang::ZhHant));
        assert_eq!(accept("zh-SG"), Some(Lang::ZhHans));
        assert_eq!(accept("zh-Hant"), Some(Lang::ZhHant));
        assert_eq!(accept("*"), None);
    }

    #[test]
    fn the_switcher_keeps_the_path_and_the_rest_of_the_query() {
        let uri: Uri = "/portal/a/b/login?x=1&lang=en&y=%20z".parse().unwrap();
        assert_eq!(
            switch_link(&uri, Lang::ZhHans),
            "/portal/a/b/login?x=1&y=%20z&lang=zh-Hans"
        );
        assert_eq!(from_query(&uri), Some(Lang::En));
        let bare: Uri = "/portal/a/b/".parse().unwrap();
        assert_eq!(switch_link(&bare, Lang::En), "/portal/a/b/?lang=en");
        // An escaped `lang` is the same parameter, and an escaped value
        // chooses too.
        let escaped: Uri = "/p?%6Cang=zh-Hans&page=2".parse().unwrap();
        assert_eq!(switch_link(&escaped, Lang::En), "/p?page=2&lang=en");
        assert_eq!(from_query(&escaped), Some(Lang::ZhHans));
        let value: Uri = "/p?lang=zh%2DHant".parse().unwrap();
        assert_eq!(from_query(&value), Some(Lang::ZhHant));
    }

    #[test]
    fn text_falls_back_rather_than_showing_nothing() {
        let text = Text {
            zh_hant: "移民署".into(),
            zh_hans: String::new(),
            en: "NIA".into(),
        };
        assert_eq!(text.get(Lang::En), "NIA");
        assert_eq!(text.get(Lang::ZhHans), "移民署");
    }
}
