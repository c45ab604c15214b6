//! The agency administrator's reconciliation page
//! (`/portal/{agency}/staff/admin/reconciliation`): the results of the
//! daily job and of earlier runs, newest day first, each difference with
//! its transaction and both amounts; and a form to reconcile one
//! provider's day now (a corrected file, a notice applied since).

use axum::Form;
use axum::extract::{OriginalUri, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use laissez_proto::payment::v1::{ListReconciliationsRequest, ReconcileRequest, Reconciliation};
use maud::{Markup, html};
use serde::Deserialize;

use crate::core::Core;
use crate::core::csrf::CSRF_FORM_FIELD;
use crate::portal::applicant::parts::when;
use crate::portal::shell::i18n::Lang;
use crate::portal::shell::problems::{self, Problem};
use crate::portal::shell::request::{csrf_token_field, query_value};
use crate::portal::shell::view;
use crate::portal::staff::desk::{Admins, Desk, Staff, StaffPosted, layout};

/// The providers a deployment's payment service knows (its connectors).
const PROVIDERS: &[&str] = &["card", "webatm", "egov", "bank", "cvs"];

pub struct Texts {
    pub title: &'static str,
    pub intro: &'static str,
    pub run_title: &'static str,
    pub provider: &'static str,
    pub day: &'static str,
    pub day_help: &'static str,
    pub run: &'static str,
    pub ran: &'static str,
    pub none: &'static str,
    pub settled_rows: &'static str,
    pub recorded_rows: &'static str,
    pub matched: &'static str,
    pub missing: &'static str,
    pub extra: &'static str,
    pub mismatched: &'static str,
    pub run_at: &'static str,
    pub actor: &'static str,
    pub transaction: &'static str,
    pub difference: &'static str,
    pub settled: &'static str,
    pub recorded: &'static str,
    pub agrees: &'static str,
    pub unavailable: &'static str,
    pub err_provider: &'static str,
    pub err_day: &'static str,
}

static ZH_HANT: Texts = Texts {
    title: "對帳",
    intro: "每日自動比對前一日各金流業者的清算檔與帳務紀錄；有差異時請逐筆查明。",
    run_title: "立即對帳",
    provider: "金流業者",
    day: "清算日",
    day_help: "YYYY-MM-DD（UTC），今日或之前。",
    run: "對帳",
    ran: "已完成對帳。",
    none: "尚無對帳結果。",
    settled_rows: "清算筆數",
    recorded_rows: "帳務筆數",
    matched: "相符",
    missing: "帳務缺漏",
    extra: "帳務多出",
    mismatched: "金額不符",
    run_at: "執行時間",
    actor: "執行者",
    transaction: "交易編號",
    difference: "差異",
    settled: "清算金額",
    recorded: "帳務金額",
    agrees: "全部相符。",
    unavailable: "金流業者暫時無法提供清算檔，請稍後再試。",
    err_provider: "請選擇金流業者",
    err_day: "請輸入今日或之前的日期（YYYY-MM-DD）",
};

static ZH_HANS: Texts = Texts {
    title: "对账",
    intro: "每日自动比对前一日各支付机构的清算文件与账务记录；有差异时请逐笔查明。",
    run_title: "立即对账",
    provider: "支付机构",
    day: "清算日",
    day_help: "YYYY-MM-DD（UTC），今日或之前。",
    run: "对账",
    ran: "已完成对账。",
    none: "尚无对账结果。",
    settled_rows: "清算笔数",
    recorded_rows: "账务笔数",
    matched: "相符",
    missing: "账务缺漏",
    extra: "账务多出",
    mismatched: "金额不符",
    run_at: "执行时间",
    actor: "执行者",
    transaction: "交易编号",
    difference: "差异",
    settled: "清算金额",
    recorded: "账务金额",
    agrees: "全部相符。",
    unavailable: "支付机构暂时无法提供清算文件，请稍后再试。",
    err_provider: "请选择支付机构",
    err_day: "请输入今日或之前的日期（YYYY-MM-DD）",
};

static EN: Texts = Texts {
    title: "Reconciliation",
    intro: "Every day, each payment provider's settlement file of the day before is compared with the ledger; each difference needs looking into.",
    run_title: "Reconcile now",
    provider: "Provider",
    day: "Settlement day",
    day_help: "YYYY-MM-DD (UTC), today or earlier.",
    run: "Reconcile",
    ran: "The day is reconciled.",
    none: "No reconciliation has run yet.",
    settled_rows: "Settled rows",
    recorded_rows: "Ledger rows",
    matched: "Matched",
    missing: "Missing from the ledger",
    extra: "Not settled",
    mismatched: "Amounts differ",
    run_at: "Run at",
    actor: "By",
    transaction: "Transaction",
    difference: "Difference",
    settled: "Settled",
    recorded: "In the ledger",
    agrees: "Everything agrees.",
    unavailable: "The provider's settlement file is not available now; try again shortly.",
    err_provider: "Choose a provider",
    err_day: "Enter today or an earlier day (YYYY-MM-DD)",
};

pub fn texts(lang: Lang) -> &'static Texts {
    match lang {
        Lang::ZhHant => &ZH_HANT,
        Lang::ZhHans => &ZH_HANS,
        Lang::En => &EN,
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RunForm {
    csrf_token: String,
    provider: String,
    day: String,
}

csrf_token_field!(RunForm);

/// `GET /portal/{agency}/staff/admin/reconciliation`.
pub async fn page(
    State(core): State<Core>,
    Staff(desk, _): Staff<Admins>,
    OriginalUri(uri): OriginalUri,
) -> Response {
    let form = RunForm {
        day: chrono::Utc::now().date_naive().to_string(),
        ..RunForm::default()
    };
    let ran = query_value(&uri, "ran").is_some();
    render(&core, &desk, StatusCode::OK, &form, &[], ran).await
}

/// `POST /portal/{agency}/staff/admin/reconciliation`: one provider's day
/// now; back to the list, or the form with what is wrong.
pub async fn run(
    State(core): State<Core>,
    StaffPosted(desk, Form(form), _): StaffPosted<Admins, Form<RunForm>>,
) -> Response {
    let texts = texts(desk.lang());
    let mut problems = Vec::new();
    if !PROVIDERS.contains(&form.provider.as_str()) {
        problems.push(Problem::new("provider", texts.err_provider));
    }
    if chrono::NaiveDate::parse_from_str(form.day.trim(), "%Y-%m-%d").is_err() {
        problems.push(Problem::new("day", texts.err_day));
    }
    if !problems.is_empty() {
        return render(
            &core,
            &desk,
            StatusCode::UNPROCESSABLE_ENTITY,
            &form,
            &problems,
            false,
        )
        .await;
    }
    let answer = core
        .upstreams
        .payment()
        .reconcile(core.upstreams.request(
            ReconcileRequest {
                provider: form.provider.clone(),
                day: form.day.trim().to_owned(),
            },
            Some(desk.caller.token()),
        ))
        .await;
    match answer {
        Ok(_) => Redirect::to(&desk.link_with(&desk.uri, "admin/reconciliation", &[("ran", "1")]))
            .into_response(),
        Err(status) => {
            let problem = match status.code() {
                tonic::Code::InvalidArgument => {
                    let fields = laissez_kit::error::field_errors(&status);
                    if fields.iter().any(|error| error.field == "provider") {
                        Problem::new("provider", texts.err_provider)
                    } else {
                        Problem::new("day", texts.err_day)
                    }
                }
                tonic::Code::Unavailable | tonic::Code::FailedPrecondition => {
                    Problem::new("provider", texts.unavailable)
                }
                _ => return desk.refused(&status).into_response(),
            };
            render(
                &core,
                &desk,
                StatusCode::UNPROCESSABLE_ENTITY,
                &form,
                &[problem],
                false,
            )
            .await
        }
    }
}

async fn render(
    core: &Core,
    desk: &Desk,
    status: StatusCode,
    form: &RunForm,
    problems: &[Problem],
    ran: bool,
) -> Response {
    let lang = desk.lang();
    let texts = texts(lang);
    let listed = core
        .upstreams
        .payment()
        .list_reconciliations(core.upstreams.request(
            ListReconciliationsRequest {
                provider: String::new(),
                limit: 60,
            },
            Some(desk.caller.token()),
        ))
        .await;
    let runs = match listed {
        Ok(listed) => listed.into_inner().reconciliations,
        Err(status) => return desk.refused(&status).into_response(),
    };
    let content = html! {
        @if !problems.is_empty() { (problems::summary(lang, problems)) }
        @if ran { p.notice #ran role="status" { (texts.ran) } }
        p { (texts.intro) }
        h2 { (texts.run_title) }
        form #reconcile method="post" action=(desk.link(&desk.uri, "admin/reconciliation")) novalidate {
            input type="hidden" name=(CSRF_FORM_FIELD) value=(desk.csrf_token(core));
            div.field {
                label for="provider" { (texts.provider) }
                select #provider name="provider" {
                    @for provider in PROVIDERS {
                        option value=(provider) selected[form.provider == *provider] { (provider) }
                    }
                }
            }
            (problems::input("day", texts.day, "date", &form.day, Some(texts.day_help), problems))
            div.actions { button.primary type="submit" { (texts.run) } }
        }
        @if runs.is_empty() {
            p #no-runs { (texts.none) }
        }
        @for run in &runs { (run_section(desk, lang, run)) }
    };
    layout(core, desk, &desk.uri, status, texts.title, content)
}

fn run_section(desk: &Desk, lang: Lang, run: &Reconciliation) -> Markup {
    let texts = texts(lang);
    let kind = |kind: &str| match kind {
        "missing" => texts.missing,
        "extra" => texts.extra,
        _ => texts.mismatched,
    };
    html! {
        section.reconciliation id=(format!("run-{}-{}", run.provider, run.day)) {
            h3 { (run.day) " · " (run.provider) }
            dl.govuk-summary-list {
                @for (label, value) in [
                    (texts.settled_rows, run.settled_rows),
                    (texts.recorded_rows, run.recorded_rows),
                    (texts.matched, run.matched),
                    (texts.missing, run.missing),
                    (texts.extra, run.extra),
                    (texts.mismatched, run.mismatched),
                ] {
                    div.govuk-summary-list__row {
                        dt.govuk-summary-list__key { (label) }
                        dd.govuk-summary-list__value { (value) }
                    }
                }
                div.govuk-summary-list__row {
                    dt.govuk-summary-list__key { (texts.run_at) }
                    dd.govuk-summary-list__value { (when(&desk.site, run.run_at.as_ref()).unwrap_or_default()) " · " (texts.actor) " " (run.actor) }
                }
            }
            @if run.differences.is_empty() {
                p.agrees { (texts.agrees) }
            } @else {
                div.table-wrap tabindex="0" { table.differences {
                    thead { tr {
                        th scope="col" { (texts.transaction) }
                        th scope="col" { (texts.difference) }
                        th scope="col" { (texts.settled) }
                        th scope="col" { (texts.recorded) }
                    } }
                    tbody { @for difference in &run.differences { tr class=(difference.kind) {
                        td { code { (difference.transaction_id) } }
                        td { (kind(&difference.kind)) }
                        td.amount { (view::money(difference.settled.as_ref())) }
                        td.amount { (view::money(difference.recorded.as_ref())) }
                    } } }
                } }
            }
        }
    }
}
