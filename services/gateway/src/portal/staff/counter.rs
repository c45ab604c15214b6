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
use crate::portal::shell::locale::texts;
use crate::portal::shell::problems::{self, Problem};
use crate::portal::shell::request::{csrf_token_field, query_value};
use crate::portal::shell::view;
use crate::portal::staff::desk::{Counter, Desk, Staff, StaffPosted, layout};
use crate::portal::staff::handover::{self, HandoverForm};

/// The longest receipt number the desk looks up.
const MAX_RECEIPT_CHARS: usize = 40;

texts! {
    pub struct Texts, fn texts, "counter" {
        title,
        intro,
        receipt,
        receipt_help,
        find,
        err_receipt_missing,
        err_receipt_form,
        none_found,
        application_type,
        applicant,
        group,
        state,
        submitted,
        payment,
        no_order,
        payment_unavailable,
        total,
        by_tariff,
        method,
        amount,
        amount_help,
        counter_receipt,
        counter_receipt_help,
        take,
        paid,
        paid_at,
        recorded,
        not_payable,
        err_method,
        err_amount,
        err_amount_total,
        err_counter_receipt,
        err_order,
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
