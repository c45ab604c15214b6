//! The counter desk on the staff portal (`/portal/{agency}/staff/counter`):
//! the counter (cashier) of a service centre finds an applicant's case by
//! the receipt number on their receipt and sees where it stands. Only a
//! signed-in member of this agency's staff with the counter role gets it;
//! intake scopes the search to the agency, so another agency's receipt
//! number reads as no case. Taking payments and recording collections
//! arrive here with the payment and after-approval stages.

use axum::extract::{OriginalUri, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use laissez_proto::common::v1::PageRequest;
use laissez_proto::intake::v1::{Case, ListCasesRequest};
use maud::{Markup, html};

use crate::core::Core;
use crate::portal::applicant::parts::when;
use crate::portal::applicant::status;
use crate::portal::shell::i18n::Lang;
use crate::portal::shell::problems::{self, Problem};
use crate::portal::shell::request::query_value;
use crate::portal::staff::desk::{Counter, Desk, Staff, layout};

/// The longest receipt number the desk looks up.
const MAX_RECEIPT_CHARS: usize = 40;

pub struct Texts {
    pub title: &'static str,
    pub intro: &'static str,
    pub receipt: &'static str,
    pub receipt_help: &'static str,
    pub find: &'static str,
    pub err_receipt_missing: &'static str,
    pub err_receipt_form: &'static str,
    pub none_found: &'static str,
    pub application_type: &'static str,
    pub applicant: &'static str,
    pub group: &'static str,
    pub state: &'static str,
    pub submitted: &'static str,
}

static ZH_HANT: Texts = Texts {
    title: "櫃檯",
    intro: "以收據上的收件編號查詢申請案件。",
    receipt: "收件編號",
    receipt_help: "收據上印的編號,例如 TW-2026-000123。",
    find: "查詢",
    err_receipt_missing: "請輸入收件編號",
    err_receipt_form: "收件編號只含英文字母、數字與連字號,最多 40 個字元",
    none_found: "本機關沒有這個收件編號的案件。",
    application_type: "申請類別",
    applicant: "申請人",
    group: "群組編號",
    state: "狀態",
    submitted: "送件時間",
};

static ZH_HANS: Texts = Texts {
    title: "柜台",
    intro: "以收据上的收件编号查询申请案件。",
    receipt: "收件编号",
    receipt_help: "收据上印的编号,例如 TW-2026-000123。",
    find: "查询",
    err_receipt_missing: "请输入收件编号",
    err_receipt_form: "收件编号只含英文字母、数字与连字号,最多 40 个字符",
    none_found: "本机关没有这个收件编号的案件。",
    application_type: "申请类别",
    applicant: "申请人",
    group: "群组编号",
    state: "状态",
    submitted: "送件时间",
};

static EN: Texts = Texts {
    title: "Counter",
    intro: "Find an application by the receipt number on its receipt.",
    receipt: "Receipt number",
    receipt_help: "As printed on the receipt, for example TW-2026-000123.",
    find: "Find",
    err_receipt_missing: "Enter a receipt number",
    err_receipt_form: "A receipt number has only letters, digits and hyphens, at most 40 characters",
    none_found: "This agency has no case with that receipt number.",
    application_type: "Application type",
    applicant: "Applicant",
    group: "Group number",
    state: "State",
    submitted: "Submitted",
};

pub fn texts(lang: Lang) -> &'static Texts {
    match lang {
        Lang::ZhHant => &ZH_HANT,
        Lang::ZhHans => &ZH_HANS,
        Lang::En => &EN,
    }
}

/// A receipt number as typed, or what is wrong with it.
fn receipt_number(typed: &str, texts: &Texts) -> Result<String, Problem> {
    let typed = typed.trim();
    if typed.is_empty() {
        return Err(Problem::new("receipt", texts.err_receipt_missing));
    }
    if typed.chars().count() > MAX_RECEIPT_CHARS
        || !typed.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        return Err(Problem::new("receipt", texts.err_receipt_form));
    }
    Ok(typed.to_ascii_uppercase())
}

/// `GET /portal/{agency}/staff/counter[?receipt=…]`: the search, and the
/// case of the receipt number when one was asked for.
pub async fn desk_page(
    State(core): State<Core>,
    Staff(desk, _): Staff<Counter>,
    OriginalUri(uri): OriginalUri,
) -> Response {
    let texts = texts(desk.lang());
    let Some(typed) = query_value(&uri, "receipt") else {
        return render(&core, &desk, StatusCode::OK, "", &[], None);
    };
    let receipt = match receipt_number(&typed, texts) {
        Ok(receipt) => receipt,
        Err(problem) => {
            return render(
                &core,
                &desk,
                StatusCode::UNPROCESSABLE_ENTITY,
                &typed,
                &[problem],
                None,
            );
        }
    };
    let answer = core
        .upstreams
        .intake()
        .list_cases(core.upstreams.request(
            ListCasesRequest {
                receipt_number: receipt.clone(),
                page: Some(PageRequest {
                    page_size: 10,
                    page_token: String::new(),
                }),
                ..Default::default()
            },
            Some(desk.caller.token()),
        ))
        .await;
    let cases = match answer {
        Ok(answer) => answer.into_inner().cases,
        Err(status) => return desk.refused(&status).into_response(),
    };
    let found: Vec<&Case> = cases
        .iter()
        .filter(|case| case.receipt_number.eq_ignore_ascii_case(&receipt))
        .collect();
    let status = if found.is_empty() {
        StatusCode::NOT_FOUND
    } else {
        StatusCode::OK
    };
    render(&core, &desk, status, &receipt, &[], Some(&found))
}

fn render(
    core: &Core,
    desk: &Desk,
    status: StatusCode,
    typed: &str,
    problems: &[Problem],
    found: Option<&[&Case]>,
) -> Response {
    let lang = desk.lang();
    let texts = texts(lang);
    let content = html! {
        @if !problems.is_empty() { (problems::summary(lang, problems)) }
        p { (texts.intro) }
        form #counter-search method="get" action=(desk.link(&desk.uri, "counter")) novalidate {
            @if let Some(lang) = crate::portal::shell::i18n::from_query(&desk.uri) {
                input type="hidden" name="lang" value=(lang.tag());
            }
            (problems::input("receipt", texts.receipt, "text", typed, Some(texts.receipt_help), problems))
            div.actions { button.primary #find type="submit" { (texts.find) } }
        }
        @if let Some(found) = found {
            @if found.is_empty() {
                p.notice #none-found role="status" { (texts.none_found) }
            } @else {
                @for case in found { (case_summary(desk, lang, case)) }
            }
        }
    };
    layout(core, desk, &desk.uri, status, texts.title, content)
}

fn case_summary(desk: &Desk, lang: Lang, case: &Case) -> Markup {
    let texts = texts(lang);
    html! {
        section.counter-case aria-labelledby=(format!("case-{}", case.case_id)) {
            h2 id=(format!("case-{}", case.case_id)) { (case.receipt_number) }
            dl.govuk-summary-list {
                div.govuk-summary-list__row {
                    dt.govuk-summary-list__key { (texts.application_type) }
                    dd.govuk-summary-list__value { (desk.site.type_name(&case.application_type).get(lang)) }
                }
                div.govuk-summary-list__row {
                    dt.govuk-summary-list__key { (texts.applicant) }
                    dd.govuk-summary-list__value { (case.applicant_masked_name) }
                }
                @if !case.group_number.is_empty() {
                    div.govuk-summary-list__row {
                        dt.govuk-summary-list__key { (texts.group) }
                        dd.govuk-summary-list__value { (case.group_number) }
                    }
                }
                div.govuk-summary-list__row {
                    dt.govuk-summary-list__key { (texts.state) }
                    dd.govuk-summary-list__value.state { (status::tag(lang, case.state)) }
                }
                div.govuk-summary-list__row {
                    dt.govuk-summary-list__key { (texts.submitted) }
                    dd.govuk-summary-list__value { (when(&desk.site, case.submitted_at.as_ref()).unwrap_or_default()) }
                }
            }
        }
    }
}
