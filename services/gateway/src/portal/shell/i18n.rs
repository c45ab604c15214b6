//! The portal's languages and its message catalogs. A page's language is,
//! in order: `?lang=` (the switcher's links), the `laissez-lang` cookie
//! (set when `?lang=` was used), the browser's `Accept-Language`, and
//! Traditional Chinese.

use crate::portal::shell::request::{decode_pairs, query_pairs};
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
    query_pairs(uri)
        .into_iter()
        .filter(|(key, _)| key == "lang")
        .find_map(|(_, value)| Lang::from_tag(&value))
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
    /// The dashboard when the account has no case of any type yet.
    pub no_cases_yet: &'static str,
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
    pub case_title: &'static str,
    pub case_summary: &'static str,
    pub group_number: &'static str,
    pub no_group: &'static str,
    pub application_type: &'static str,
    pub submitted_at: &'static str,
    pub not_submitted: &'static str,
    pub answers: &'static str,
    pub no_answers: &'static str,
    pub documents: &'static str,
    pub no_documents: &'static str,
    pub file_name: &'static str,
    pub document_type: &'static str,
    pub file_size: &'static str,
    pub download: &'static str,
    pub returns: &'static str,
    pub return_round: &'static str,
    pub return_kind: &'static str,
    pub kind_correction: &'static str,
    pub kind_supplement: &'static str,
    pub reviewer_comment: &'static str,
    pub applicant_reply: &'static str,
    pub no_reply: &'static str,
    pub history: &'static str,
    pub time: &'static str,
    pub from_state: &'static str,
    pub to_state: &'static str,
    pub note: &'static str,
    pub open_case: &'static str,
    pub all_cases: &'static str,
    pub back_to_dashboard: &'static str,
    pub back_to_case: &'static str,
    pub filters: &'static str,
    pub date_from: &'static str,
    pub date_to: &'static str,
    pub date_help: &'static str,
    pub any_state: &'static str,
    pub search: &'static str,
    pub clear_filters: &'static str,
    pub found: &'static str,
    pub page_label: &'static str,
    pub page_of: &'static str,
    pub page_end: &'static str,
    pub paging: &'static str,
    pub previous: &'static str,
    pub next: &'static str,
    pub err_group_number: &'static str,
    pub err_receipt_number: &'static str,
    pub err_date_from: &'static str,
    pub err_date_to: &'static str,
    pub err_date_order: &'static str,
    pub err_state: &'static str,
    pub err_page: &'static str,
    pub withdraw: &'static str,
    pub withdraw_title: &'static str,
    pub withdraw_consequence: &'static str,
    pub withdraw_confirm: &'static str,
    pub err_withdraw_confirm: &'static str,
    pub withdraw_submit: &'static str,
    pub keep_case: &'static str,
    pub withdrawn_title: &'static str,
    pub withdrawn_body: &'static str,
    pub withdraw_failed_title: &'static str,
    pub withdraw_failed_body: &'static str,
    pub cancel: &'static str,
    pub cancel_title: &'static str,
    pub cancel_consequence: &'static str,
    pub cancel_reason: &'static str,
    pub cancel_reason_help: &'static str,
    pub err_cancel_reason: &'static str,
    pub cancel_submit: &'static str,
    pub cancelled_title: &'static str,
    pub cancelled_body: &'static str,
    pub cancel_failed_title: &'static str,
    pub cancel_failed_body: &'static str,
    pub returned_correction: &'static str,
    pub returned_supplement: &'static str,
    pub reply: &'static str,
    pub resubmit: &'static str,
    pub resubmitted_title: &'static str,
    pub resubmitted_body: &'static str,
    pub resubmit_failed_title: &'static str,
    pub resubmit_failed_body: &'static str,
    pub err_reply_too_long: &'static str,
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
    no_cases_yet: "您還沒有任何申請案件。可由「我要申辦」開始申請。",
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
    case_title: "申請案件",
    case_summary: "案件資料",
    group_number: "團體編號",
    no_group: "無",
    application_type: "申請項目",
    submitted_at: "送出時間",
    not_submitted: "尚未送出",
    answers: "填寫內容",
    no_answers: "尚未填寫。",
    documents: "上傳文件",
    no_documents: "尚未上傳文件。",
    file_name: "檔名",
    document_type: "文件種類",
    file_size: "大小",
    download: "下載",
    returns: "退件紀錄",
    return_round: "第幾次",
    return_kind: "類別",
    kind_correction: "修正資料",
    kind_supplement: "補件",
    reviewer_comment: "審核意見",
    applicant_reply: "您的回覆",
    no_reply: "（無）",
    history: "處理歷程",
    time: "時間",
    from_state: "原狀態",
    to_state: "新狀態",
    note: "說明",
    open_case: "查看",
    all_cases: "申辦進度查詢",
    back_to_dashboard: "回到我的申辦",
    back_to_case: "回到案件",
    filters: "查詢條件",
    date_from: "送出日期起",
    date_to: "送出日期迄",
    date_help: "格式：YYYY-MM-DD（世界協調時間）",
    any_state: "全部狀態",
    search: "查詢",
    clear_filters: "清除條件",
    found: "符合條件的案件數：",
    page_label: "第",
    page_of: "頁，共",
    page_end: "頁",
    paging: "分頁",
    previous: "上一頁",
    next: "下一頁",
    err_group_number: "團體編號格式不正確。",
    err_receipt_number: "收件編號格式不正確。",
    err_date_from: "請以 YYYY-MM-DD 格式輸入起始日期。",
    err_date_to: "請以 YYYY-MM-DD 格式輸入結束日期。",
    err_date_order: "起始日期不可晚於結束日期。",
    err_state: "請從清單中選擇狀態。",
    err_page: "頁碼不正確。",
    withdraw: "撤回申請",
    withdraw_title: "撤回申請",
    withdraw_consequence: "撤回後，本案將不再審核，也無法恢復。如仍需辦理，必須重新提出申請。",
    withdraw_confirm: "我已了解，確定撤回此申請。",
    err_withdraw_confirm: "請勾選確認後再撤回。",
    withdraw_submit: "確定撤回",
    keep_case: "不撤回，回到案件",
    withdrawn_title: "申請已撤回",
    withdrawn_body: "您的申請已撤回。",
    withdraw_failed_title: "未能撤回申請",
    withdraw_failed_body: "此申請目前的狀態不能撤回。目前狀態：",
    cancel: "取消申請",
    cancel_title: "取消已核准的申請",
    cancel_consequence: "取消後，本案不再辦理，未繳的費用與預約一併取消，且無法恢復。如需改期或改口岸，請取消後重新申請。",
    cancel_reason: "取消原因",
    cancel_reason_help: "例如：改變入境口岸或日期。最多 500 個字。",
    err_cancel_reason: "請填寫取消原因（最多 500 個字）。",
    cancel_submit: "確認取消",
    cancelled_title: "申請已取消",
    cancelled_body: "本案已取消，未繳的費用已一併取消。",
    cancel_failed_title: "無法取消",
    cancel_failed_body: "此申請目前的狀態不能取消。目前狀態：",
    returned_correction: "審核人員退回本案，請修正填寫內容。線上修改尚未開放；您可以附上說明，直接重新送件。",
    returned_supplement: "審核人員要求補件或補充說明。您可以回覆（非必填）後重新送件。",
    reply: "回覆（非必填）",
    resubmit: "重新送件",
    resubmitted_title: "已重新送件",
    resubmitted_body: "您的申請已重新送交審核。",
    resubmit_failed_title: "未能重新送件",
    resubmit_failed_body: "此申請目前的狀態不能重新送件。目前狀態：",
    err_reply_too_long: "回覆過長，請精簡。",
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
    no_cases_yet: "您还没有任何申请案件。可由「我要申办」开始申请。",
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
    case_title: "申请案件",
    case_summary: "案件资料",
    group_number: "团体编号",
    no_group: "无",
    application_type: "申请事项",
    submitted_at: "提交时间",
    not_submitted: "尚未提交",
    answers: "填写内容",
    no_answers: "尚未填写。",
    documents: "上传文件",
    no_documents: "尚未上传文件。",
    file_name: "文件名",
    document_type: "文件类型",
    file_size: "大小",
    download: "下载",
    returns: "退回记录",
    return_round: "轮次",
    return_kind: "类别",
    kind_correction: "修改资料",
    kind_supplement: "补件",
    reviewer_comment: "审核意见",
    applicant_reply: "您的回复",
    no_reply: "（无）",
    history: "处理历程",
    time: "时间",
    from_state: "原状态",
    to_state: "新状态",
    note: "说明",
    open_case: "查看",
    all_cases: "申办进度查询",
    back_to_dashboard: "返回我的办理",
    back_to_case: "返回案件",
    filters: "查询条件",
    date_from: "提交日期起",
    date_to: "提交日期止",
    date_help: "格式：YYYY-MM-DD（协调世界时）",
    any_state: "全部状态",
    search: "查询",
    clear_filters: "清除条件",
    found: "符合条件的案件数：",
    page_label: "第",
    page_of: "页，共",
    page_end: "页",
    paging: "分页",
    previous: "上一页",
    next: "下一页",
    err_group_number: "团体编号格式不正确。",
    err_receipt_number: "受理编号格式不正确。",
    err_date_from: "请以 YYYY-MM-DD 格式输入起始日期。",
    err_date_to: "请以 YYYY-MM-DD 格式输入结束日期。",
    err_date_order: "起始日期不能晚于结束日期。",
    err_state: "请从列表中选择状态。",
    err_page: "页码不正确。",
    withdraw: "撤回申请",
    withdraw_title: "撤回申请",
    withdraw_consequence: "撤回后，本案将不再审核，也无法恢复。如仍需办理，必须重新提出申请。",
    withdraw_confirm: "我已了解，确定撤回此申请。",
    err_withdraw_confirm: "请勾选确认后再撤回。",
    withdraw_submit: "确定撤回",
    keep_case: "不撤回，返回案件",
    withdrawn_title: "申请已撤回",
    withdrawn_body: "您的申请已撤回。",
    withdraw_failed_title: "未能撤回申请",
    withdraw_failed_body: "此申请当前的状态不能撤回。当前状态：",
    cancel: "取消申请",
    cancel_title: "取消已批准的申请",
    cancel_consequence: "取消后，本案不再办理，未缴的费用与预约一并取消，且无法恢复。如需改期或改口岸，请取消后重新申请。",
    cancel_reason: "取消原因",
    cancel_reason_help: "例如：改变入境口岸或日期。最多 500 个字。",
    err_cancel_reason: "请填写取消原因（最多 500 个字）。",
    cancel_submit: "确认取消",
    cancelled_title: "申请已取消",
    cancelled_body: "本案已取消，未缴的费用已一并取消。",
    cancel_failed_title: "无法取消",
    cancel_failed_body: "此申请当前的状态不能取消。当前状态：",
    returned_correction: "审核人员退回本案，请修改填写内容。在线修改尚未开放；您可以附上说明，直接重新提交。",
    returned_supplement: "审核人员要求补件或补充说明。您可以回复（非必填）后重新提交。",
    reply: "回复（非必填）",
    resubmit: "重新提交",
    resubmitted_title: "已重新提交",
    resubmitted_body: "您的申请已重新提交审核。",
    resubmit_failed_title: "未能重新提交",
    resubmit_failed_body: "此申请当前的状态不能重新提交。当前状态：",
    err_reply_too_long: "回复过长，请精简。",
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
    no_cases_yet: "You have no applications yet. Start one with “Apply”.",
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
    case_title: "Application",
    case_summary: "Summary",
    group_number: "Group number",
    no_group: "None",
    application_type: "Application type",
    submitted_at: "Submitted",
    not_submitted: "Not submitted yet",
    answers: "Answers",
    no_answers: "No answers yet.",
    documents: "Documents",
    no_documents: "No documents uploaded.",
    file_name: "File",
    document_type: "Type",
    file_size: "Size",
    download: "Download",
    returns: "Returns",
    return_round: "Round",
    return_kind: "Kind",
    kind_correction: "Correction",
    kind_supplement: "Supplement",
    reviewer_comment: "Reviewer's comment",
    applicant_reply: "Your reply",
    no_reply: "(none)",
    history: "History",
    time: "Time",
    from_state: "From",
    to_state: "To",
    note: "Note",
    open_case: "View",
    all_cases: "Progress of my applications",
    back_to_dashboard: "Back to my applications",
    back_to_case: "Back to the application",
    filters: "Filters",
    date_from: "Submitted from",
    date_to: "Submitted until",
    date_help: "Format: YYYY-MM-DD (UTC)",
    any_state: "Any state",
    search: "Search",
    clear_filters: "Clear filters",
    found: "Applications found: ",
    page_label: "Page ",
    page_of: " of ",
    page_end: "",
    paging: "Pages",
    previous: "Previous",
    next: "Next",
    err_group_number: "The group number is not valid.",
    err_receipt_number: "The receipt number is not valid.",
    err_date_from: "Enter the start date as YYYY-MM-DD.",
    err_date_to: "Enter the end date as YYYY-MM-DD.",
    err_date_order: "The start date must not be after the end date.",
    err_state: "Choose a state from the list.",
    err_page: "The page number is not valid.",
    withdraw: "Withdraw this application",
    withdraw_title: "Withdraw the application",
    withdraw_consequence: "Once withdrawn, the application will not be reviewed and cannot be restored. To apply again you will have to start a new application.",
    withdraw_confirm: "I understand, and I want to withdraw this application.",
    err_withdraw_confirm: "Tick the box to confirm the withdrawal.",
    withdraw_submit: "Withdraw",
    keep_case: "Keep the application",
    withdrawn_title: "Application withdrawn",
    withdrawn_body: "Your application has been withdrawn.",
    withdraw_failed_title: "The application was not withdrawn",
    withdraw_failed_body: "An application in this state can no longer be withdrawn. Its state: ",
    cancel: "Cancel this application",
    cancel_title: "Cancel an approved application",
    cancel_consequence: "Once cancelled, the case stops for good, and its unpaid fee and booking go with it. To change the date or port, cancel and apply again.",
    cancel_reason: "Why you cancel",
    cancel_reason_help: "For example: another port or date. At most 500 characters.",
    err_cancel_reason: "Say why you cancel (at most 500 characters).",
    cancel_submit: "Cancel the application",
    cancelled_title: "Application cancelled",
    cancelled_body: "The case is cancelled, and its unpaid fee with it.",
    cancel_failed_title: "Cannot be cancelled",
    cancel_failed_body: "An application in this state can no longer be cancelled. Its state: ",
    returned_correction: "The reviewer returned the application for correction of its answers. Editing the answers online is not available yet; you can add a reply and resubmit it as it is.",
    returned_supplement: "The reviewer asks for more documents or information. You may reply (optional), then resubmit.",
    reply: "Your reply (optional)",
    resubmit: "Resubmit",
    resubmitted_title: "Application resubmitted",
    resubmitted_body: "Your application has been sent back for review.",
    resubmit_failed_title: "The application was not resubmitted",
    resubmit_failed_body: "An application in this state cannot be resubmitted. Its state: ",
    err_reply_too_long: "The reply is too long; shorten it.",
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
