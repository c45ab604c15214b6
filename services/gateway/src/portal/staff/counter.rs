//! The counter desk on the staff portal (`/portal/{agency}/staff/counter`):
//! the counter (cashier) of a service centre finds an applicant's case by
//! the receipt number on their receipt and sees where it stands. Only a
//! signed-in member of this agency's staff with the counter role gets it;
//! intake scopes the search to the agency, so another agency's receipt
//! number reads as no case. Below each case, its payment order: one that
//! awaits a counter payment takes the money here (method, amount in the
//! order's currency, the cashier's receipt number), once whatever the
//! number of clicks; a paid one shows what was taken and the receipt.
//! Below that, production and collection (`handover`). Before a search,
//! today's appointments at the agency's centres, each receipt number a
//! link to its case here.

use axum::Form;
use axum::extract::{OriginalUri, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use laissez_catalog::format::{Currency, Money as CatalogMoney};
use laissez_proto::common::v1::{Money, PageRequest};
use laissez_proto::intake::v1::{Case, ListCasesRequest};
use laissez_proto::payment::v1::{
    FindOrdersRequest, Order, OrderState, RecordCounterPaymentRequest,
};
use maud::{Markup, html};
use serde::Deserialize;

use crate::core::Core;
use crate::core::csrf::CSRF_FORM_FIELD;
use crate::portal::applicant::parts::when;
use crate::portal::applicant::status;
use crate::portal::shell::i18n::{Lang, Text};
use crate::portal::shell::problems::{self, Problem};
use crate::portal::shell::request::{csrf_token_field, query_value};
use crate::portal::shell::view;
use crate::portal::staff::desk::{Counter, Desk, Staff, StaffPosted, layout};
use crate::portal::staff::handover::{self, HandoverForm};

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
    pub payment: &'static str,
    pub no_order: &'static str,
    pub payment_unavailable: &'static str,
    pub total: &'static str,
    pub by_tariff: &'static str,
    pub method: &'static str,
    pub amount: &'static str,
    pub amount_help: &'static str,
    pub counter_receipt: &'static str,
    pub counter_receipt_help: &'static str,
    pub take: &'static str,
    pub paid: &'static str,
    pub paid_at: &'static str,
    pub recorded: &'static str,
    pub not_payable: &'static str,
    pub err_method: &'static str,
    pub err_amount: &'static str,
    pub err_amount_total: &'static str,
    pub err_counter_receipt: &'static str,
    pub err_order: &'static str,
}

static ZH_HANT: Texts = Texts {
    title: "櫃檯",
    intro: "以收據上的收件編號查詢申請案件。",
    receipt: "收件編號",
    receipt_help: "收據或領證卡上印的編號,例如 TW-2026-000123;或申請人出示的身分證件號碼。",
    find: "查詢",
    err_receipt_missing: "請輸入收件編號",
    err_receipt_form: "收件編號只含英文字母、數字與連字號,最多 40 個字元",
    none_found: "本機關沒有這個收件編號的案件。",
    application_type: "申請類別",
    applicant: "申請人",
    group: "群組編號",
    state: "狀態",
    submitted: "送件時間",
    payment: "繳費",
    no_order: "此案件目前沒有待繳的費用。",
    payment_unavailable: "繳費服務暫時無法回應，請稍後再試。",
    total: "應繳金額",
    by_tariff: "依收費標準於櫃檯收取",
    method: "繳費方式",
    amount: "實收金額",
    amount_help: "以此幣別填寫，例如 200.00",
    counter_receipt: "收據號碼",
    counter_receipt_help: "櫃檯開立的收據號碼。",
    take: "收款",
    paid: "已繳",
    paid_at: "繳費時間",
    recorded: "已記錄收款。",
    not_payable: "此筆費用已不能在櫃檯收取。",
    err_method: "請選擇櫃檯繳費方式",
    err_amount: "請填寫實收金額，例如 200.00",
    err_amount_total: "實收金額須等於應繳金額",
    err_counter_receipt: "請填寫收據號碼（英文字母、數字與連字號，最多 40 個字元）",
    err_order: "找不到這筆待繳費用",
};

static ZH_HANS: Texts = Texts {
    title: "柜台",
    intro: "以收据上的收件编号查询申请案件。",
    receipt: "收件编号",
    receipt_help: "收据或领证卡上印的编号,例如 TW-2026-000123;或申请人出示的身份证件号码。",
    find: "查询",
    err_receipt_missing: "请输入收件编号",
    err_receipt_form: "收件编号只含英文字母、数字与连字号,最多 40 个字符",
    none_found: "本机关没有这个收件编号的案件。",
    application_type: "申请类别",
    applicant: "申请人",
    group: "群组编号",
    state: "状态",
    submitted: "送件时间",
    payment: "缴费",
    no_order: "此案件目前没有待缴的费用。",
    payment_unavailable: "缴费服务暂时无法响应，请稍后再试。",
    total: "应缴金额",
    by_tariff: "依收费标准于柜台收取",
    method: "缴费方式",
    amount: "实收金额",
    amount_help: "以此币种填写，例如 200.00",
    counter_receipt: "收据号码",
    counter_receipt_help: "柜台开具的收据号码。",
    take: "收款",
    paid: "已缴",
    paid_at: "缴费时间",
    recorded: "已记录收款。",
    not_payable: "此笔费用已不能在柜台收取。",
    err_method: "请选择柜台缴费方式",
    err_amount: "请填写实收金额，例如 200.00",
    err_amount_total: "实收金额须等于应缴金额",
    err_counter_receipt: "请填写收据号码（英文字母、数字与连字号，最多 40 个字符）",
    err_order: "找不到这笔待缴费用",
};

static EN: Texts = Texts {
    title: "Counter",
    intro: "Find an application by the receipt number on its receipt.",
    receipt: "Receipt number",
    receipt_help: "As printed on the receipt or pickup card, for example TW-2026-000123; or the identity document number the applicant shows.",
    find: "Find",
    err_receipt_missing: "Enter a receipt number",
    err_receipt_form: "A receipt number has only letters, digits and hyphens, at most 40 characters",
    none_found: "This agency has no case with that receipt number.",
    application_type: "Application type",
    applicant: "Applicant",
    group: "Group number",
    state: "State",
    submitted: "Submitted",
    payment: "Payment",
    no_order: "Nothing is due for this case yet.",
    payment_unavailable: "The payment service is not answering; try again shortly.",
    total: "Due",
    by_tariff: "By the tariff, at the counter",
    method: "Method",
    amount: "Amount taken",
    amount_help: "In this currency, for example 200.00",
    counter_receipt: "Cashier's receipt number",
    counter_receipt_help: "The number of the receipt the counter hands out.",
    take: "Take payment",
    paid: "Paid",
    paid_at: "Paid at",
    recorded: "The payment is recorded.",
    not_payable: "This order can no longer be paid at the counter.",
    err_method: "Choose a counter method",
    err_amount: "Enter the amount taken, for example 200.00",
    err_amount_total: "The amount taken must equal the amount due",
    err_counter_receipt: "Enter the cashier's receipt number (letters, digits and hyphens, at most 40)",
    err_order: "No such order awaits payment",
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
    if !is_reference(typed) {
        return Err(Problem::new("receipt", texts.err_receipt_form));
    }
    Ok(typed.to_ascii_uppercase())
}

/// Letters, digits and hyphens, at most [`MAX_RECEIPT_CHARS`]: receipt
/// numbers, the agency's and the cashier's.
fn is_reference(text: &str) -> bool {
    text.chars().count() <= MAX_RECEIPT_CHARS
        && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// What the desk shows: the search as typed, its problems, what was found
/// (cases, and their orders unless payment did not answer), the payment
/// form as typed, and whether a payment was just recorded.
#[derive(Default)]
pub(super) struct View {
    pub(super) typed: String,
    pub(super) problems: Vec<Problem>,
    pub(super) found: Option<Found>,
    pub(super) taking: TakePaymentForm,
    /// The production or collection form as typed.
    pub(super) handing: HandoverForm,
    /// "recorded", "produced", "collected", "dispatched" or "delivered":
    /// what was just done.
    pub(super) notice: Option<&'static str>,
    /// Today's appointments at the agency's centres (the desk before a search).
    pub(super) today: Option<Markup>,
}

pub(super) struct Found {
    cases: Vec<Case>,
    /// `None` when payment did not answer.
    orders: Option<Vec<Order>>,
}

/// `GET /portal/{agency}/staff/counter[?receipt=…]`: the search, and the
/// case of the receipt number (with its payment order) when one was asked
/// for.
pub async fn desk_page(
    State(core): State<Core>,
    Staff(desk, _): Staff<Counter>,
    OriginalUri(uri): OriginalUri,
) -> Response {
    let Some(typed) = query_value(&uri, "receipt") else {
        let view = View {
            today: Some(super::appointments::today_at_the_counter(&core, &desk).await),
            ..View::default()
        };
        return render(&core, &desk, StatusCode::OK, view);
    };
    let (receipt, found) = match look_up(&core, &desk, &typed).await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    let status = if found.cases.is_empty() {
        StatusCode::NOT_FOUND
    } else {
        StatusCode::OK
    };
    let view = View {
        typed: receipt,
        found: Some(found),
        notice: [
            "recorded",
            "produced",
            "collected",
            "dispatched",
            "delivered",
        ]
        .into_iter()
        .find(|notice| query_value(&uri, notice).is_some()),
        ..View::default()
    };
    render(&core, &desk, status, view)
}

/// The receipt number as typed, checked, and what it finds; or the page
/// that says what is wrong.
pub(super) async fn look_up(
    core: &Core,
    desk: &Desk,
    typed: &str,
) -> Result<(String, Found), Response> {
    let receipt = match receipt_number(typed, texts(desk.lang())) {
        Ok(receipt) => receipt,
        Err(problem) => {
            let view = View {
                typed: typed.to_owned(),
                problems: vec![problem],
                ..View::default()
            };
            return Err(render(core, desk, StatusCode::UNPROCESSABLE_ENTITY, view));
        }
    };
    match find(core, desk, &receipt).await {
        Ok(found) => Ok((receipt, found)),
        Err(status) => Err(desk.refused(&status).into_response()),
    }
}

/// The agency's cases (intake scopes them to the agency) of `typed` as a
/// receipt number or, when none has it, as the applicant's identity
/// document number (the person at the counter shows it, or a pickup
/// slip); and their orders (payment scopes them too).
async fn find(core: &Core, desk: &Desk, typed: &str) -> Result<Found, tonic::Status> {
    let list = |request: ListCasesRequest| async move {
        core.upstreams
            .intake()
            .list_cases(core.upstreams.request(
                ListCasesRequest {
                    page: Some(PageRequest {
                        page_size: 10,
                        page_token: String::new(),
                    }),
                    ..request
                },
                Some(desk.caller.token()),
            ))
            .await
            .map(|response| response.into_inner().cases)
    };
    let mut cases: Vec<Case> = list(ListCasesRequest {
        receipt_number: typed.to_owned(),
        ..Default::default()
    })
    .await?
    .into_iter()
    .filter(|case| case.receipt_number.eq_ignore_ascii_case(typed))
    .collect();
    if cases.is_empty() {
        cases = list(ListCasesRequest {
            document_number: typed.to_owned(),
            ..Default::default()
        })
        .await?;
    }
    let mut receipts: Vec<&str> = cases
        .iter()
        .map(|case| case.receipt_number.as_str())
        .collect();
    receipts.sort_unstable();
    receipts.dedup();
    let mut orders = Some(Vec::new());
    for receipt in receipts {
        let found = core
            .upstreams
            .payment()
            .find_orders(core.upstreams.request(
                FindOrdersRequest {
                    receipt_number: receipt.to_owned(),
                },
                Some(desk.caller.token()),
            ))
            .await;
        match found {
            Ok(found) => {
                if let Some(orders) = orders.as_mut() {
                    orders.extend(found.into_inner().orders);
                }
            }
            Err(status) => {
                tracing::warn!(code = ?status.code(), "the counter desk has no orders");
                orders = None;
                break;
            }
        }
    }
    Ok(Found { cases, orders })
}

/// The payment form of a pending order.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TakePaymentForm {
    csrf_token: String,
    receipt: String,
    order: String,
    method: String,
    amount: String,
    counter_receipt: String,
    key: String,
}

csrf_token_field!(TakePaymentForm);

/// `typed` as minor units of `currency`: digits, at most the currency's
/// decimals, thousands separators allowed; positive and below 10^8 major
/// units.
fn minor_units(typed: &str, currency: Currency) -> Option<i64> {
    let typed: String = typed.trim().chars().filter(|c| *c != ',').collect();
    let (whole, fraction) = typed.split_once('.').unwrap_or((&typed, ""));
    let decimals = currency.exponent() as usize;
    let digits = |text: &str| text.chars().all(|c| c.is_ascii_digit());
    if whole.is_empty() || whole.len() > 8 || !digits(whole) || !digits(fraction) {
        return None;
    }
    if fraction.len() > decimals {
        return None;
    }
    let scale = 10_i64.pow(currency.exponent());
    let fraction_units = if fraction.is_empty() {
        0
    } else {
        fraction.parse::<i64>().ok()? * 10_i64.pow((decimals - fraction.len()) as u32)
    };
    let units = whole.parse::<i64>().ok()? * scale + fraction_units;
    (units > 0).then_some(units)
}

/// An amount as the catalog writes it, without the currency (the form's
/// value).
fn plain_amount(money: &Money) -> String {
    Currency::parse(&money.currency).map_or_else(
        || money.minor_units.to_string(),
        |currency| {
            let written = CatalogMoney::new(money.minor_units, currency).to_string();
            written
                .split_once(' ')
                .map_or(written.clone(), |(_, amount)| amount.to_owned())
        },
    )
}

/// The form's problems before anything is asked of payment.
fn check_payment(form: &TakePaymentForm, order: &Order, texts: &Texts) -> Vec<Problem> {
    let mut problems = Vec::new();
    let offered = order
        .methods
        .iter()
        .any(|method| method.connector == "counter" && method.code == form.method);
    if !offered {
        problems.push(Problem::new("method", texts.err_method));
    }
    let currency = Currency::parse(&order.currency);
    if currency
        .and_then(|currency| minor_units(&form.amount, currency))
        .is_none()
    {
        problems.push(Problem::new("amount", texts.err_amount));
    }
    let receipt = form.counter_receipt.trim();
    if receipt.is_empty() || !is_reference(receipt) {
        problems.push(Problem::new("counter_receipt", texts.err_counter_receipt));
    }
    problems
}

/// Payment's refusal of a counter payment as the form's problems, when it
/// is about the form.
fn payment_problems(status: &tonic::Status, texts: &Texts) -> Option<Vec<Problem>> {
    match status.code() {
        tonic::Code::InvalidArgument => Some(
            laissez_kit::error::field_errors(status)
                .iter()
                .map(|error| match error.field.as_str() {
                    "method" => Problem::new("method", texts.err_method),
                    "counter_receipt" => Problem::new("counter_receipt", texts.err_counter_receipt),
                    "amount" if error.code == "mismatch" => {
                        Problem::new("amount", texts.err_amount_total)
                    }
                    _ => Problem::new("amount", texts.err_amount),
                })
                .collect(),
        ),
        tonic::Code::FailedPrecondition | tonic::Code::NotFound => {
            Some(vec![Problem::new("order", texts.not_payable)])
        }
        _ => None,
    }
}

/// `POST /portal/{agency}/staff/counter/payments`: the money is taken; back
/// to the case with a notice, or the form again with what is wrong.
pub async fn take_payment(
    State(core): State<Core>,
    StaffPosted(desk, Form(form), _): StaffPosted<Counter, Form<TakePaymentForm>>,
) -> Response {
    let texts = texts(desk.lang());
    let (receipt, found) = match look_up(&core, &desk, &form.receipt).await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    let order = found
        .orders
        .iter()
        .flatten()
        .find(|order| order.order_id == form.order)
        .cloned();
    let problems = match order.as_ref() {
        None => vec![Problem::new("order", texts.err_order)],
        Some(order) => check_payment(&form, order, texts),
    };
    let again = |problems: Vec<Problem>, found: Found, form: TakePaymentForm| View {
        typed: receipt.clone(),
        problems,
        found: Some(found),
        taking: form,
        ..View::default()
    };
    let Some(order) = order.filter(|_| problems.is_empty()) else {
        let view = again(problems, found, form);
        return render(&core, &desk, StatusCode::UNPROCESSABLE_ENTITY, view);
    };
    let amount = Currency::parse(&order.currency)
        .and_then(|currency| minor_units(&form.amount, currency))
        .map(|minor_units| Money {
            minor_units,
            currency: order.currency.clone(),
        });
    let recorded = core
        .upstreams
        .payment()
        .record_counter_payment(core.upstreams.request(
            RecordCounterPaymentRequest {
                order_id: order.order_id.clone(),
                method: form.method.clone(),
                amount,
                counter_receipt: form.counter_receipt.trim().to_owned(),
                idempotency_key: form.key.chars().take(100).collect(),
            },
            Some(desk.caller.token()),
        ))
        .await;
    match recorded {
        Ok(_) => Redirect::to(&desk.link_with(
            &desk.uri,
            "counter",
            &[("receipt", &receipt), ("recorded", "1")],
        ))
        .into_response(),
        Err(status) => match payment_problems(&status, texts) {
            Some(problems) => {
                let view = again(problems, found, form);
                render(&core, &desk, StatusCode::UNPROCESSABLE_ENTITY, view)
            }
            None => desk.refused(&status).into_response(),
        },
    }
}

pub(super) fn render(core: &Core, desk: &Desk, status: StatusCode, view: View) -> Response {
    let lang = desk.lang();
    let texts = texts(lang);
    let content = html! {
        @if !view.problems.is_empty() { (problems::summary(lang, &view.problems)) }
        @if let Some(notice) = view.notice {
            p.notice id=(notice) role="status" {
                @match notice {
                    "produced" => (handover::texts(lang).produced),
                    "collected" => (handover::texts(lang).collected),
                    "dispatched" => (handover::texts(lang).dispatched),
                    "delivered" => (handover::texts(lang).delivered),
                    _ => (texts.recorded),
                }
            }
        }
        p { (texts.intro) }
        form #counter-search method="get" action=(desk.link(&desk.uri, "counter")) novalidate {
            @if let Some(lang) = crate::portal::shell::i18n::from_query(&desk.uri) {
                input type="hidden" name="lang" value=(lang.tag());
            }
            (problems::input("receipt", texts.receipt, "text", &view.typed, Some(texts.receipt_help), &view.problems))
            div.actions { button.primary #find type="submit" { (texts.find) } }
        }
        @if let Some(today) = view.today.as_ref() { (today) }
        @if let Some(found) = view.found.as_ref() {
            @if found.cases.is_empty() {
                p.notice #none-found role="status" { (texts.none_found) }
            } @else {
                @for case in &found.cases {
                    (case_summary(desk, lang, case))
                    (payment_section(core, desk, &view, found, case))
                    (handover::section(core, desk, &view, case))
                }
            }
        }
    };
    layout(core, desk, &desk.uri, status, texts.title, content)
}

fn payment_section(core: &Core, desk: &Desk, view: &View, found: &Found, case: &Case) -> Markup {
    let lang = desk.lang();
    let texts = texts(lang);
    let Some(orders) = found.orders.as_ref() else {
        return html! {
            section.counter-payment {
                h3 { (texts.payment) }
                p.notice role="status" { (texts.payment_unavailable) }
            }
        };
    };
    let orders: Vec<&Order> = orders
        .iter()
        .filter(|order| order.case_ids.contains(&case.case_id))
        .collect();
    html! {
        section.counter-payment {
            h3 { (texts.payment) }
            @if orders.is_empty() {
                p #no-order { (texts.no_order) }
            }
            @for order in orders {
                dl.govuk-summary-list {
                    div.govuk-summary-list__row {
                        dt.govuk-summary-list__key { (texts.total) }
                        dd.govuk-summary-list__value.order-total {
                            @match order.total.as_ref() {
                                Some(total) => (view::money(Some(total))),
                                None => { (texts.by_tariff) " (" (order.currency) ")" },
                            }
                        }
                    }
                    @if order.state() != OrderState::Pending {
                        div.govuk-summary-list__row {
                            dt.govuk-summary-list__key { (texts.state) }
                            dd.govuk-summary-list__value.order-state {
                                @if order.paid_at.is_some() { (texts.paid) " " (view::money(order.paid.as_ref())) }
                                @else { (texts.not_payable) }
                            }
                        }
                        @if let Some(paid_at) = when(&desk.site, order.paid_at.as_ref()) {
                            div.govuk-summary-list__row {
                                dt.govuk-summary-list__key { (texts.paid_at) }
                                dd.govuk-summary-list__value { (paid_at) }
                            }
                        }
                        @if !order.counter_receipt.is_empty() {
                            div.govuk-summary-list__row {
                                dt.govuk-summary-list__key { (texts.counter_receipt) }
                                dd.govuk-summary-list__value.counter-receipt { (order.counter_receipt) }
                            }
                        }
                    }
                }
                @if order.state() == OrderState::Pending
                    && order.methods.iter().any(|method| method.connector == "counter") {
                    (payment_form(core, desk, view, order))
                }
            }
        }
    }
}

fn payment_form(core: &Core, desk: &Desk, view: &View, order: &Order) -> Markup {
    let lang = desk.lang();
    let texts = texts(lang);
    let typed = (view.taking.order == order.order_id).then_some(&view.taking);
    let amount = match (typed, order.total.as_ref()) {
        (Some(typed), _) => typed.amount.clone(),
        (None, Some(total)) => plain_amount(total),
        (None, None) => String::new(),
    };
    let method = typed.map(|typed| typed.method.as_str()).unwrap_or_default();
    let counter_receipt = typed
        .map(|typed| typed.counter_receipt.as_str())
        .unwrap_or_default();
    let key = typed
        .map(|typed| typed.key.clone())
        .filter(|key| !key.is_empty())
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let methods: Vec<_> = order
        .methods
        .iter()
        .filter(|method| method.connector == "counter")
        .collect();
    let amount_help = format!("{} · {}", order.currency, texts.amount_help);
    html! {
        form.take-payment method="post" action=(desk.link(&desk.uri, "counter/payments")) novalidate {
            input type="hidden" name=(CSRF_FORM_FIELD) value=(desk.csrf_token(core));
            input type="hidden" name="receipt" value=(view.typed);
            input type="hidden" name="order" value=(order.order_id);
            input type="hidden" name="key" value=(key);
            fieldset.field #method {
                legend { (texts.method) }
                @for (index, choice) in methods.iter().enumerate() {
                    div.choice {
                        input type="radio" name="method" value=(choice.code)
                            id=(format!("method-{}", choice.code))
                            checked[choice.code == method || (method.is_empty() && index == 0)];
                        label for=(format!("method-{}", choice.code)) { (Text::from_proto(choice.name.as_ref()).get(lang)) }
                    }
                }
            }
            (problems::input("amount", texts.amount, "text", &amount, Some(&amount_help), &view.problems))
            (problems::input("counter_receipt", texts.counter_receipt, "text", counter_receipt, Some(texts.counter_receipt_help), &view.problems))
            div.actions { button.primary #take type="submit" { (texts.take) } }
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_amounts_become_minor_units_of_the_currency() {
        assert_eq!(minor_units("200", Currency::Cny), Some(20000));
        assert_eq!(minor_units(" 200.5 ", Currency::Cny), Some(20050));
        assert_eq!(minor_units("1,000.00", Currency::Mop), Some(100000));
        assert_eq!(minor_units("1000", Currency::Twd), Some(1000));
        for wrong in [
            "",
            "0",
            "0.00",
            "-5",
            "12.345",
            "1e3",
            "abc",
            "1.2.3",
            "123456789",
        ] {
            assert_eq!(minor_units(wrong, Currency::Cny), None, "{wrong}");
        }
        assert_eq!(minor_units("10.5", Currency::Twd), None);
    }
}
