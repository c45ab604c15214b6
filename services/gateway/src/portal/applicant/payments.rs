//! The applicant's payments: the orders awaiting payment (one per case that
//! reached its payment stage), chosen together — one group or several —
//! with one method; a preview with every line, the method's surcharge and
//! the total before anything is charged; then the provider's page (or the
//! transfer account, or the convenience-store slip) and the result page
//! with date, time and amount. Below, the receipts: paid orders, searchable
//! by group number, receipt number and payment dates.
//!
//! Payment scopes everything to the caller's account: another account's
//! order or payment reads exactly like one that does not exist.

use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use laissez_proto::payment::v1::{
    FeeLine, GetPaymentRequest, LineKind, ListOrdersRequest, Order, OrderState, Payment,
    PaymentMethod, PaymentState, QuoteFeeRequest, StartPaymentRequest,
};
use maud::{Markup, html};
use serde::Deserialize;

use crate::core::Core;
use crate::core::csrf::CSRF_FORM_FIELD;
use crate::portal::applicant::parts::{PaidSearch, PaidSearchLabels, paid_search_form, when};
use crate::portal::applicant::visit::{Posted, Visit, layout};
use crate::portal::shell::i18n::{Lang, Text};
use crate::portal::shell::locale::texts;
use crate::portal::shell::page::lang_suffix;
use crate::portal::shell::view::{self, FormError};

texts! {
    pub struct Texts, fn texts, "payments" {
        title,
        intro,
        none_due,
        choose_orders,
        receipt,
        group,
        item,
        amount,
        at_counter,
        method,
        review,
        preview_title,
        preview_intro,
        included,
        total,
        bank_fee,
        pay,
        change,
        result_title,
        state,
        paid_at,
        pending,
        succeeded,
        failed,
        expired,
        flagged,
        refunded,
        go_to_provider,
        transfer_to,
        slip_title,
        slip_number,
        deadline,
        barcodes,
        slip_download,
        receipts,
        receipts_none,
        from,
        to,
        search,
        err_orders,
        err_method,
        err_refused,
        err_date,
    }
}

fn lines_table(lang: Lang, texts: &Texts, lines: &[FeeLine], orders: &[Order]) -> Markup {
    let receipt_of = |order_id: &str| {
        orders
            .iter()
            .find(|order| order.order_id == order_id)
            .and_then(|order| order.receipt_numbers.first().cloned())
            .unwrap_or_default()
    };
    html! {
        div.table-wrap tabindex="0" { table.fee-lines {
            thead { tr {
                th scope="col" { (texts.receipt) }
                th scope="col" { (texts.item) }
                th scope="col" { (texts.amount) }
            } }
            tbody { @for line in lines { tr {
                td { (receipt_of(&line.order_id)) }
                td { (Text::from_proto(line.label.as_ref()).get(lang))
                    @if line.kind() == LineKind::IncludedSurcharge { " " (texts.included) } }
                td.amount { (view::money(line.amount.as_ref())) }
            } } }
        } }
    }
}

async fn orders(
    core: &Core,
    visit: &Visit,
    request: ListOrdersRequest,
) -> Result<Vec<Order>, tonic::Status> {
    Ok(core
        .upstreams
        .payment()
        .list_orders(core.upstreams.request(request, Some(visit.caller.token())))
        .await?
        .into_inner()
        .orders)
}

/// The receipts search: group, receipt number, payment dates.
pub type ReceiptsQuery = PaidSearch;

fn valid_day(text: &str) -> bool {
    text.trim().is_empty() || chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").is_ok()
}

fn payments_path(visit: &Visit) -> String {
    format!("{}payments", visit.site.base_path())
}

/// `GET /portal/{agency}/{portal}/payments[?group=&receipt=&from=&to=]`.
pub async fn payments_page(
    State(core): State<Core>,
    visit: Visit,
    OriginalUri(uri): OriginalUri,
) -> Response {
    let query = Query::<ReceiptsQuery>::try_from_uri(&uri)
        .map(|Query(query)| query)
        .unwrap_or_default();
    render_choice(&core, &visit, &uri, &query, &[]).await
}

async fn render_choice(
    core: &Core,
    visit: &Visit,
    uri: &Uri,
    query: &ReceiptsQuery,
    errors: &[FormError],
) -> Response {
    let lang = visit.language.lang;
    let texts = texts(lang);
    let mut errors = errors.to_vec();
    let dates_valid = valid_day(&query.from) && valid_day(&query.to);
    if !dates_valid {
        errors.push(FormError {
            field: "from",
            message: texts.err_date,
        });
    }
    let due = match orders(
        core,
        visit,
        ListOrdersRequest {
            states: vec![OrderState::Pending as i32],
            ..Default::default()
        },
    )
    .await
    {
        Ok(due) => due,
        Err(status) => return visit.refused(&status).into_response(),
    };
    let receipts = if dates_valid {
        let found = orders(
            core,
            visit,
            ListOrdersRequest {
                states: vec![
                    OrderState::Paid as i32,
                    OrderState::PartlyRefunded as i32,
                    OrderState::Refunded as i32,
                ],
                group_number: query.group.trim().chars().take(40).collect(),
                receipt_number: query.receipt.trim().chars().take(40).collect(),
                paid_from: query.from.trim().to_owned(),
                paid_to: query.to.trim().to_owned(),
                ..Default::default()
            },
        )
        .await;
        match found {
            Ok(found) => found,
            Err(status) => return visit.refused(&status).into_response(),
        }
    } else {
        Vec::new()
    };
    // The methods every online-payable order offers, in the catalog's order.
    let mut methods = Vec::new();
    for order in due.iter().filter(|order| order.total.is_some()) {
        for method in &order.methods {
            let known = methods
                .iter()
                .any(|known: &&PaymentMethod| known.code == method.code);
            if method.connector != "counter" && !known {
                methods.push(method);
            }
        }
    }
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let suffix = lang_suffix(uri);
    let content = html! {
        (view::error_summary(lang, &errors))
        p { (texts.intro) }
        h2 { (texts.choose_orders) }
        @if due.is_empty() {
            p #none-due { (texts.none_due) }
        } @else {
            form method="post" action=(format!("{}/quote{suffix}", payments_path(visit))) {
                input type="hidden" name=(CSRF_FORM_FIELD) value=(core.csrf_token(visit.caller.session_token()));
                fieldset #orders {
                    legend { (texts.choose_orders) }
                    @for order in &due {
                        div.choice {
                            @if order.total.is_some() {
                                input type="checkbox" name="order" value=(order.order_id) id=(format!("order-{}", order.order_id));
                            }
                            label for=(format!("order-{}", order.order_id)) {
                                (order.receipt_numbers.first().cloned().unwrap_or_default())
                                " · " (texts.group) " " (order.group_number) " · "
                                @match order.total.as_ref() {
                                    Some(total) => (view::money(Some(total))),
                                    None => (texts.at_counter),
                                }
                            }
                        }
                    }
                }
                @if !methods.is_empty() {
                    fieldset #method {
                        legend { (texts.method) }
                        @for method in &methods {
                            div.choice {
                                input type="radio" name="method" value=(method.code) id=(format!("method-{}", method.code));
                                label for=(format!("method-{}", method.code)) { (Text::from_proto(method.name.as_ref()).get(lang)) }
                                @if let Some(note) = method.note.as_ref() {
                                    p.hint { (Text::from_proto(Some(note)).get(lang)) }
                                }
                            }
                        }
                    }
                    div.actions { button type="submit" { (texts.review) } }
                }
            }
        }
        h2 #receipts { (texts.receipts) }
        (paid_search_form(&payments_path(visit), uri, &PaidSearchLabels {
            group: texts.group,
            receipt: texts.receipt,
            from: texts.from,
            to: texts.to,
            search: texts.search,
        }, query))
        @if receipts.is_empty() {
            p { (texts.receipts_none) }
        } @else {
            div.table-wrap tabindex="0" { table.receipts {
                thead { tr {
                    th scope="col" { (texts.receipt) }
                    th scope="col" { (texts.group) }
                    th scope="col" { (texts.amount) }
                    th scope="col" { (texts.paid_at) }
                } }
                tbody { @for order in &receipts { tr {
                    td { (order.receipt_numbers.first().cloned().unwrap_or_default()) }
                    td { (order.group_number) }
                    td.amount { (view::money(order.paid.as_ref())) }
                    td { (when(&visit.site, order.paid_at.as_ref()).unwrap_or_default()) }
                } } }
            } }
        }
    };
    layout(core, visit, uri, status, texts.title, content)
}

/// The chosen orders and method, from the choice form.
fn chosen(form: &[(String, String)]) -> (Vec<String>, String) {
    let orders = form
        .iter()
        .filter(|(name, _)| name == "order")
        .map(|(_, value)| value.trim().to_owned())
        .filter(|value| !value.is_empty())
        .take(20)
        .collect();
    let method = form
        .iter()
        .find(|(name, _)| name == "method")
        .map(|(_, value)| value.trim().to_owned())
        .unwrap_or_default();
    (orders, method)
}

fn choice_errors(texts: &'static Texts, status: &tonic::Status) -> Option<Vec<FormError>> {
    let fields = laissez_kit::error::field_errors(status);
    match status.code() {
        tonic::Code::InvalidArgument => Some(
            fields
                .iter()
                .map(|error| {
                    if error.field == "order_ids" {
                        FormError {
                            field: "orders",
                            message: texts.err_orders,
                        }
                    } else {
                        FormError {
                            field: "method",
                            message: texts.err_method,
                        }
                    }
                })
                .collect(),
        ),
        tonic::Code::FailedPrecondition | tonic::Code::Unavailable | tonic::Code::AlreadyExists => {
            Some(vec![FormError {
                field: "method",
                message: texts.err_refused,
            }])
        }
        _ => None,
    }
}

/// `POST /portal/{agency}/{portal}/payments/quote`: the preview.
pub async fn quote(
    State(core): State<Core>,
    OriginalUri(uri): OriginalUri,
    Posted(visit, form): Posted<Vec<(String, String)>>,
) -> Response {
    let lang = visit.language.lang;
    let texts = texts(lang);
    let (order_ids, method) = chosen(&form);
    let query = ReceiptsQuery::default();
    if order_ids.is_empty() {
        let errors = [FormError {
            field: "orders",
            message: texts.err_orders,
        }];
        return render_choice(&core, &visit, &uri, &query, &errors).await;
    }
    if method.is_empty() {
        let errors = [FormError {
            field: "method",
            message: texts.err_method,
        }];
        return render_choice(&core, &visit, &uri, &query, &errors).await;
    }
    let quoted = core
        .upstreams
        .payment()
        .quote_fee(core.upstreams.request(
            QuoteFeeRequest {
                order_ids: order_ids.clone(),
                method: method.clone(),
            },
            Some(visit.caller.token()),
        ))
        .await;
    let quote = match quoted {
        Ok(quote) => quote.into_inner(),
        Err(status) => {
            return match choice_errors(texts, &status) {
                Some(errors) => render_choice(&core, &visit, &uri, &query, &errors).await,
                None => visit.refused(&status).into_response(),
            };
        }
    };
    let due = orders(
        &core,
        &visit,
        ListOrdersRequest {
            states: vec![OrderState::Pending as i32],
            ..Default::default()
        },
    )
    .await
    .unwrap_or_default();
    let suffix = lang_suffix(&uri);
    let content = html! {
        p { (texts.preview_intro) }
        (lines_table(lang, texts, &quote.lines, &due))
        p.total #total { strong { (texts.total) " " (view::money(quote.total.as_ref())) } }
        @if quote.plus_bank_fee { p.hint { (texts.bank_fee) } }
        @for note in &quote.notes { p.hint { (Text::from_proto(Some(note)).get(lang)) } }
        form method="post" action=(format!("{}/start{suffix}", payments_path(&visit))) {
            input type="hidden" name=(CSRF_FORM_FIELD) value=(core.csrf_token(visit.caller.session_token()));
            @for order in &order_ids { input type="hidden" name="order" value=(order); }
            input type="hidden" name="method" value=(method);
            input type="hidden" name="key" value=(uuid::Uuid::new_v4().to_string());
            div.actions {
                button type="submit" { (texts.pay) }
                a.secondary href=(format!("{}{suffix}", payments_path(&visit))) { (texts.change) }
            }
        }
    };
    layout(
        &core,
        &visit,
        &uri,
        StatusCode::OK,
        texts.preview_title,
        content,
    )
}

/// Where the provider sends the browser back: this site's own address.
fn return_url(visit: &Visit, headers: &HeaderMap) -> String {
    let host = headers
        .get("host")
        .and_then(|value| value.to_str().ok())
        .unwrap_or("127.0.0.1");
    let scheme = headers
        .get("x-forwarded-proto")
        .and_then(|value| value.to_str().ok())
        .filter(|scheme| *scheme == "https")
        .unwrap_or("http");
    format!("{scheme}://{host}{}/return", payments_path(visit))
}

/// `POST /portal/{agency}/{portal}/payments/start`: the payment opens; the
/// browser goes to the provider's page, or to the result page (transfer
/// account, slip).
pub async fn start(
    State(core): State<Core>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Posted(visit, form): Posted<Vec<(String, String)>>,
) -> Response {
    let texts = texts(visit.language.lang);
    let (order_ids, method) = chosen(&form);
    let key = form
        .iter()
        .find(|(name, _)| name == "key")
        .map(|(_, value)| value.clone())
        .unwrap_or_default();
    let started = core
        .upstreams
        .payment()
        .start_payment(core.upstreams.request(
            StartPaymentRequest {
                order_ids,
                method,
                idempotency_key: key,
                return_url: return_url(&visit, &headers),
            },
            Some(visit.caller.token()),
        ))
        .await;
    match started {
        Ok(payment) => {
            let payment = payment.into_inner();
            if payment.redirect_url.is_empty() {
                Redirect::to(&format!(
                    "{}/{}{}",
                    payments_path(&visit),
                    payment.payment_id,
                    lang_suffix(&uri)
                ))
                .into_response()
            } else {
                Redirect::to(&payment.redirect_url).into_response()
            }
        }
        Err(status) => match choice_errors(texts, &status) {
            Some(errors) => {
                render_choice(&core, &visit, &uri, &ReceiptsQuery::default(), &errors).await
            }
            None => visit.refused(&status).into_response(),
        },
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReturnQuery {
    reference: String,
}

/// `GET /portal/{agency}/{portal}/payments/return?reference=…`: back from
/// the provider's page, on to the result page.
pub async fn returned(visit: Visit, OriginalUri(uri): OriginalUri) -> Response {
    let query = Query::<ReturnQuery>::try_from_uri(&uri)
        .map(|Query(query)| query)
        .unwrap_or_default();
    let reference: String = query
        .reference
        .chars()
        .filter(|c| c.is_ascii_hexdigit() || *c == '-')
        .take(36)
        .collect();
    if reference.is_empty() {
        return Redirect::to(&payments_path(&visit)).into_response();
    }
    Redirect::to(&format!("{}/{reference}", payments_path(&visit))).into_response()
}

fn state_text(texts: &Texts, payment: &Payment) -> &'static str {
    match payment.state() {
        PaymentState::Succeeded => texts.succeeded,
        PaymentState::Failed => texts.failed,
        PaymentState::Expired => texts.expired,
        PaymentState::Flagged => texts.flagged,
        PaymentState::Refunded => texts.refunded,
        PaymentState::Pending | PaymentState::Unspecified => texts.pending,
    }
}

/// `GET /portal/{agency}/{portal}/payments/{payment_id}`: the result page.
pub async fn payment_page(
    State(core): State<Core>,
    visit: Visit,
    Path((_, _, payment_id)): Path<(String, String, String)>,
    OriginalUri(uri): OriginalUri,
) -> Response {
    let found = core
        .upstreams
        .payment()
        .get_payment(
            core.upstreams
                .request(GetPaymentRequest { payment_id }, Some(visit.caller.token())),
        )
        .await;
    let payment = match found {
        Ok(payment) => payment.into_inner(),
        Err(status) => return visit.refused(&status).into_response(),
    };
    let lang = visit.language.lang;
    let texts = texts(lang);
    let content = html! {
        dl.summary {
            dt { (texts.state) } dd #payment-state { (state_text(texts, &payment)) }
            dt { (texts.method) } dd { (payment.method) }
            dt { (texts.total) } dd #payment-total { (view::money(payment.total.as_ref())) }
            @if let Some(paid_at) = when(&visit.site, payment.paid_at.as_ref()) {
                dt { (texts.paid_at) } dd #paid-at { (paid_at) }
            }
        }
        (lines_table(lang, texts, &payment.lines, &[]))
        @if payment.state() == PaymentState::Pending && !payment.redirect_url.is_empty() {
            p { a.button href=(payment.redirect_url) { (texts.go_to_provider) } }
        }
        @if !payment.virtual_account.is_empty() {
            p { (texts.transfer_to) " " strong #virtual-account { (payment.virtual_account) } }
        }
        @if let Some(slip) = payment.slip.as_ref() {
            section #slip {
                h2 { (texts.slip_title) }
                dl {
                    dt { (texts.slip_number) } dd { (slip.slip_number) }
                    dt { (texts.deadline) } dd { (slip.deadline) }
                    dt { (texts.barcodes) }
                    @for barcode in &slip.barcodes { dd.barcode { code { (barcode) } } }
                }
                p.hint { a #slip-download href=(format!("{}documents{}", visit.site.base_path(), lang_suffix(&uri))) { (texts.slip_download) } }
            }
        }
        p { a href=(format!("{}{}", payments_path(&visit), lang_suffix(&uri))) { (texts.title) } }
    };
    layout(
        &core,
        &visit,
        &uri,
        StatusCode::OK,
        texts.result_title,
        content,
    )
}
