//! The portal's languages and its message catalogs. A page's language is,
//! in order: `?lang=` (the switcher's links), the `laissez-lang` cookie
//! (set when `?lang=` was used), the browser's `Accept-Language`, and
//! Traditional Chinese.

use axum::http::{HeaderMap, Uri, header};

use crate::core::credentials::cookie;

pub const LANG_COOKIE: &str = "laissez-lang";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    ZhHant,
    ZhHans,
    En,
}

impl Lang {
    pub const ALL: [Lang; 3] = [Lang::ZhHant, Lang::ZhHans, Lang::En];

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

    /// A browser's language range: zh-Hans, zh-CN and zh-SG are Simplified,
    /// any other Chinese is Traditional, any English is English.
    fn from_range(range: &str) -> Option<Lang> {
        let range = range.trim().to_ascii_lowercase();
        let mut parts = range.split(['-', '_']);
        match parts.next()? {
            "en" => Some(Lang::En),
            "zh" => {
                let rest: Vec<&str> = parts.collect();
                if rest
                    .iter()
                    .any(|part| matches!(*part, "hans" | "cn" | "sg"))
                {
                    Some(Lang::ZhHans)
                } else {
                    Some(Lang::ZhHant)
                }
            }
            _ => None,
        }
    }

    pub fn messages(self) -> &'static Messages {
        match self {
            Lang::ZhHant => &ZH_HANT,
            Lang::ZhHans => &ZH_HANS,
            Lang::En => &EN,
        }
    }
}

/// `lang` of the query string, if it names one of our languages.
pub fn from_query(uri: &Uri) -> Option<Lang> {
    uri.query()?
        .split('&')
        .filter_map(|pair| pair.strip_prefix("lang="))
        .find_map(Lang::from_tag)
}

/// The best of our languages for an `Accept-Language` header, by weight.
pub fn from_accept_language(headers: &HeaderMap) -> Option<Lang> {
    let value = headers.get(header::ACCEPT_LANGUAGE)?.to_str().ok()?;
    let mut best: Option<(f32, Lang)> = None;
    for item in value.split(',') {
        let mut parts = item.split(';');
        let range = parts.next().unwrap_or_default();
        let weight = parts
            .find_map(|param| param.trim().strip_prefix("q="))
            .and_then(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        if weight <= 0.0 {
            continue;
        }
        if let Some(lang) = Lang::from_range(range)
            && best.is_none_or(|(best_weight, _)| weight > best_weight)
        {
            best = Some((weight, lang));
        }
    }
    best.map(|(_, lang)| lang)
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
    let mut pairs: Vec<&str> = uri
        .query()
        .unwrap_or_default()
        .split('&')
        .filter(|pair| !pair.is_empty() && *pair != "lang" && !pair.starts_with("lang="))
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

    pub fn from_proto(text: Option<&laissez_proto::common::v1::LocalizedText>) -> Text {
        text.map(|text| Text {
            zh_hant: text.zh_hant.clone(),
            zh_hans: text.zh_hans.clone(),
            en: text.en.clone(),
        })
        .unwrap_or_default()
    }
}

/// Every fixed text of the portal, once per language.
pub struct Messages {
    pub skip_to_content: &'static str,
    pub language: &'static str,
    pub footer: &'static str,
    pub not_found_title: &'static str,
    pub not_found_body: &'static str,
    pub unavailable_title: &'static str,
    pub unavailable_body: &'static str,
    pub forbidden_title: &'static str,
    pub forbidden_body: &'static str,
    pub sign_in: &'static str,
    pub login_name: &'static str,
    pub document_number: &'static str,
    pub password: &'static str,
    pub captcha: &'static str,
    pub captcha_help: &'static str,
    pub captcha_image: &'static str,
    pub captcha_another: &'static str,
    pub error_summary: &'static str,
    pub err_credentials: &'static str,
    pub err_account_required: &'static str,
    pub err_password_required: &'static str,
    pub err_captcha_required: &'static str,
    pub err_captcha_wrong: &'static str,
    pub err_captcha_expired: &'static str,
    pub err_too_many: &'static str,
    pub err_not_activated: &'static str,
    pub err_failed: &'static str,
    pub dashboard: &'static str,
    pub notice_board: &'static str,
    pub no_announcements: &'static str,
    pub important: &'static str,
    pub published_on: &'static str,
    pub my_applications: &'static str,
    pub no_applications: &'static str,
    pub no_cases: &'static str,
    pub receipt_number: &'static str,
    pub not_yet_numbered: &'static str,
    pub applicant: &'static str,
    pub state: &'static str,
    pub sign_out: &'static str,
    pub sign_out_everywhere: &'static str,
    pub section_new: &'static str,
    pub section_awaiting_supplement: &'static str,
    pub section_awaiting_payment: &'static str,
    pub section_rejected: &'static str,
    pub section_group_rejected: &'static str,
}

pub static ZH_HANT: Messages = Messages {
    skip_to_content: "跳到主要內容",
    language: "語言",
    footer: "Laissez 線上申辦平台",
    not_found_title: "找不到網頁",
    not_found_body: "您要找的網頁不存在。請檢查網址。",
    unavailable_title: "暫時無法服務",
    unavailable_body: "系統暫時無法處理您的要求，請稍後再試。",
    forbidden_title: "無法處理此表單",
    forbidden_body: "表單已過期或來自其他網站。請重新載入頁面後再試。",
    sign_in: "登入",
    login_name: "登入帳號",
    document_number: "證件號碼",
    password: "密碼",
    captcha: "驗證碼",
    captcha_help: "請輸入圖片中的字元。",
    captcha_image: "驗證碼圖片",
    captcha_another: "換一張",
    error_summary: "請修正以下問題",
    err_credentials: "帳號或密碼錯誤。",
    err_account_required: "請輸入帳號。",
    err_password_required: "請輸入密碼。",
    err_captcha_required: "請輸入驗證碼。",
    err_captcha_wrong: "驗證碼錯誤，請輸入新圖片中的字元。",
    err_captcha_expired: "驗證碼已失效，請輸入新圖片中的字元。",
    err_too_many: "嘗試次數過多，請稍後再試。",
    err_not_activated: "帳號尚未啟用，請依通知完成啟用。",
    err_failed: "暫時無法登入，請稍後再試。",
    dashboard: "我的申辦",
    notice_board: "公告",
    no_announcements: "目前沒有公告。",
    important: "重要",
    published_on: "發布日期",
    my_applications: "申請案件",
    no_applications: "此入口目前沒有可申辦的項目。",
    no_cases: "沒有案件。",
    receipt_number: "收件編號",
    not_yet_numbered: "尚未編號",
    applicant: "申請人",
    state: "狀態",
    sign_out: "登出",
    sign_out_everywhere: "同時登出所有裝置",
    section_new: "新申請",
    section_awaiting_supplement: "待補件",
    section_awaiting_payment: "待繳費",
    section_rejected: "不予受理／不予許可",
    section_group_rejected: "團體案件未獲許可",
};

pub static ZH_HANS: Messages = Messages {
    skip_to_content: "跳到主要内容",
    language: "语言",
    footer: "Laissez 在线申办平台",
    not_found_title: "找不到网页",
    not_found_body: "您要找的网页不存在。请检查网址。",
    unavailable_title: "暂时无法服务",
    unavailable_body: "系统暂时无法处理您的请求，请稍后再试。",
    forbidden_title: "无法处理此表单",
    forbidden_body: "表单已过期或来自其他网站。请重新加载页面后再试。",
    sign_in: "登录",
    login_name: "登录账号",
    document_number: "证件号码",
    password: "密码",
    captcha: "验证码",
    captcha_help: "请输入图片中的字符。",
    captcha_image: "验证码图片",
    captcha_another: "换一张",
    error_summary: "请修正以下问题",
    err_credentials: "账号或密码错误。",
    err_account_required: "请输入账号。",
    err_password_required: "请输入密码。",
    err_captcha_required: "请输入验证码。",
    err_captcha_wrong: "验证码错误，请输入新图片中的字符。",
    err_captcha_expired: "验证码已失效，请输入新图片中的字符。",
    err_too_many: "尝试次数过多，请稍后再试。",
    err_not_activated: "账号尚未激活，请按通知完成激活。",
    err_failed: "暂时无法登录，请稍后再试。",
    dashboard: "我的办理",
    notice_board: "公告",
    no_announcements: "目前没有公告。",
    important: "重要",
    published_on: "发布日期",
    my_applications: "申请案件",
    no_applications: "此入口目前没有可办理的事项。",
    no_cases: "没有案件。",
    receipt_number: "受理编号",
    not_yet_numbered: "尚未编号",
    applicant: "申请人",
    state: "状态",
    sign_out: "退出登录",
    sign_out_everywhere: "同时退出所有设备",
    section_new: "新申请",
    section_awaiting_supplement: "待补件",
    section_awaiting_payment: "待缴费",
    section_rejected: "不予受理／不予批准",
    section_group_rejected: "团体案件未获批准",
};

pub static EN: Messages = Messages {
    skip_to_content: "Skip to main content",
    language: "Language",
    footer: "Laissez online applications",
    not_found_title: "Page not found",
    not_found_body: "The page you are looking for does not exist. Check the address.",
    unavailable_title: "Service unavailable",
    unavailable_body: "We cannot handle your request right now. Please try again later.",
    forbidden_title: "This form cannot be accepted",
    forbidden_body: "The form has expired or came from another site. Reload the page and try again.",
    sign_in: "Sign in",
    login_name: "Login name",
    document_number: "Document number",
    password: "Password",
    captcha: "Verification code",
    captcha_help: "Type the characters shown in the image.",
    captcha_image: "Verification code image",
    captcha_another: "Another image",
    error_summary: "There is a problem",
    err_credentials: "The account or password is wrong.",
    err_account_required: "Enter your account.",
    err_password_required: "Enter your password.",
    err_captcha_required: "Enter the verification code.",
    err_captcha_wrong: "The verification code was wrong; type the characters of the new image.",
    err_captcha_expired: "The verification code expired; type the characters of the new image.",
    err_too_many: "Too many attempts. Please try again later.",
    err_not_activated: "The account is not activated yet; follow the activation message.",
    err_failed: "Signing in is not possible right now. Please try again later.",
    dashboard: "My applications",
    notice_board: "Notice board",
    no_announcements: "There are no announcements.",
    important: "Important",
    published_on: "Published",
    my_applications: "Applications",
    no_applications: "This portal offers no applications yet.",
    no_cases: "No applications.",
    receipt_number: "Receipt number",
    not_yet_numbered: "Not numbered yet",
    applicant: "Applicant",
    state: "State",
    sign_out: "Sign out",
    sign_out_everywhere: "Also sign out on all other devices",
    section_new: "New applications",
    section_awaiting_supplement: "Awaiting documents",
    section_awaiting_payment: "Awaiting payment",
    section_rejected: "Not accepted or not approved",
    section_group_rejected: "Group applications not approved",
};

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
