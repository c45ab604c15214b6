//! The payment providers' simulator: the card acquirer, the web ATM bank,
//! the e-government platform, the virtual-account bank and the
//! convenience-store collector, each under `/<provider>/`, speaking
//! [`crate::provider`]'s protocol over HTTP like the real ones would:
//!
//! - `POST /<p>/v1/charges`, `GET /<p>/v1/charges/<id>`,
//!   `POST /<p>/v1/charges/<id>/refunds`, `GET /<p>/v1/settlements/<day>`
//!   (signed by the merchant, verified here);
//! - `GET|POST /<p>/pay/<id>`: the hosted page the browser is sent to; its
//!   buttons pay or decline, then the browser goes back to `return_url`;
//! - `POST /<p>/operator/settle`: a transfer or a store payment arrives (by
//!   transaction, account number or slip number; any amount; `silent`
//!   sends no notice, so only polling finds it);
//! - `POST /<p>/operator/faults`: the provider misbehaves until told
//!   otherwise: `status` answers every charge call with that status before
//!   doing anything, `delay_ms` does the work and then answers that late
//!   (an empty body puts it right); `GET /<p>/operator/charges` lists the
//!   provider's charges (reference, amount, status), for counting;
//! - notices to the charge's `callback_url`, signed, each sent
//!   `1 + duplicates` times after random delays (so out of order), retried
//!   with backoff until the merchant answers 2xx.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use rand::Rng;
use serde::Deserialize;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::domain::signature::{self, SIGNATURE_HEADER, TIMESTAMP_HEADER};
use crate::provider::{
    ChargeCreated, ChargeKind, ChargeRequest, ChargeStatus, ChargeStatusKind, FAILED, Notice,
    RefundCreated, RefundRequest, SUCCEEDED, SettlementRow,
};

#[derive(Debug, Clone)]
pub struct SimulatorConfig {
    pub listen: SocketAddr,
    /// How browsers reach the simulator (hosted pages' addresses).
    pub public_url: String,
    /// Each provider's signing secret.
    pub secrets: HashMap<String, String>,
    /// Extra copies of every notice.
    pub duplicates: u32,
    /// Each copy waits a random time up to this before it is sent.
    pub max_delay_ms: u64,
}

#[derive(Debug, Clone)]
struct Charge {
    provider: String,
    request: ChargeRequest,
    transaction_id: String,
    account_number: String,
    status: ChargeStatusKind,
    paid_amount: i64,
    settled_at: Option<DateTime<Utc>>,
    refunds: Vec<(String, i64, DateTime<Utc>)>,
}

#[derive(Default)]
struct Ledger {
    charges: HashMap<String, Charge>,
    sequence: u64,
}

/// How a provider misbehaves (`POST /<p>/operator/faults`).
#[derive(Debug, Clone, Copy, Default, Deserialize)]
pub struct Fault {
    /// Answer every charge call with this status, doing nothing.
    #[serde(default)]
    pub status: Option<u16>,
    /// Do the work, then answer this many milliseconds late.
    #[serde(default)]
    pub delay_ms: u64,
}

struct Inner {
    config: SimulatorConfig,
    public_url: String,
    ledger: Mutex<Ledger>,
    faults: Mutex<HashMap<String, Fault>>,
    http: reqwest::Client,
    /// Notices posted (each copy), for tests and the operator.
    sent: std::sync::atomic::AtomicU64,
}

/// A running simulator.
#[derive(Clone)]
pub struct Simulator {
    inner: Arc<Inner>,
    address: SocketAddr,
}

type Shared = Arc<Inner>;

fn refuse(status: StatusCode, message: &str) -> Response {
    (status, message.to_owned()).into_response()
}

/// A refusal: its status and text.
type Refused = (StatusCode, String);

fn verify(inner: &Inner, provider: &str, headers: &HeaderMap, body: &[u8]) -> Result<(), Refused> {
    let Some(secret) = inner.config.secrets.get(provider) else {
        return Err((StatusCode::NOT_FOUND, "unknown provider".to_owned()));
    };
    let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
    signature::verify(
        secret.as_bytes(),
        header(SIGNATURE_HEADER),
        header(TIMESTAMP_HEADER),
        body,
        Utc::now().timestamp(),
        300,
    )
    .map_err(|error| (StatusCode::UNAUTHORIZED, error.to_string()))
}

fn status_of(charge: &Charge) -> ChargeStatus {
    ChargeStatus {
        transaction_id: charge.transaction_id.clone(),
        reference: charge.request.reference.clone(),
        merchant: charge.request.merchant.clone(),
        status: charge.status,
        paid_amount: charge.paid_amount,
        currency: charge.request.currency.clone(),
        settled_at: charge.settled_at,
    }
}

async fn create_charge(
    State(inner): State<Shared>,
    Path(provider): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(refused) = verify(&inner, &provider, &headers, &body) {
        return refused.into_response();
    }
    let fault = fault_of(&inner, &provider);
    if let Some(status) = fault.status {
        return refuse(
            StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            "simulated provider failure",
        );
    }
    let answer = create_charge_now(&inner, &provider, &body);
    if fault.delay_ms > 0 {
        tokio::time::sleep(Duration::from_millis(fault.delay_ms)).await;
    }
    answer
}

fn fault_of(inner: &Inner, provider: &str) -> Fault {
    inner
        .faults
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(provider)
        .copied()
        .unwrap_or_default()
}

fn create_charge_now(inner: &Inner, provider: &str, body: &[u8]) -> Response {
    let provider = provider.to_owned();
    let request: ChargeRequest = match serde_json::from_slice(body) {
        Ok(request) => request,
        Err(error) => return refuse(StatusCode::BAD_REQUEST, &error.to_string()),
    };
    if request.amount <= 0 {
        return refuse(StatusCode::UNPROCESSABLE_ENTITY, "amount must be positive");
    }
    let mut ledger = inner.ledger.lock().unwrap_or_else(PoisonError::into_inner);
    // The merchant's reference is unique per provider: a retried create
    // answers the same charge.
    if let Some(existing) = ledger
        .charges
        .values()
        .find(|charge| charge.provider == provider && charge.request.reference == request.reference)
    {
        return Json(created(inner, existing)).into_response();
    }
    ledger.sequence += 1;
    let transaction_id = format!("{provider}-{:010}", ledger.sequence);
    let account_number = if request.kind == ChargeKind::Transfer {
        format!("9988{:012}", ledger.sequence)
    } else {
        String::new()
    };
    let charge = Charge {
        provider: provider.clone(),
        request,
        transaction_id: transaction_id.clone(),
        account_number,
        status: ChargeStatusKind::Pending,
        paid_amount: 0,
        settled_at: None,
        refunds: Vec::new(),
    };
    let answer = created(inner, &charge);
    ledger.charges.insert(transaction_id, charge);
    (StatusCode::CREATED, Json(answer)).into_response()
}

fn created(inner: &Inner, charge: &Charge) -> ChargeCreated {
    ChargeCreated {
        transaction_id: charge.transaction_id.clone(),
        redirect_url: if charge.request.kind == ChargeKind::Hosted {
            format!(
                "{}/{}/pay/{}",
                inner.public_url, charge.provider, charge.transaction_id
            )
        } else {
            String::new()
        },
        account_number: charge.account_number.clone(),
    }
}

async fn charge_status(
    State(inner): State<Shared>,
    Path((provider, transaction_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    if let Err(refused) = verify(&inner, &provider, &headers, b"") {
        return refused.into_response();
    }
    if let Some(status) = fault_of(&inner, &provider).status {
        return refuse(
            StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            "simulated provider failure",
        );
    }
    let ledger = inner.ledger.lock().unwrap_or_else(PoisonError::into_inner);
    match ledger.charges.get(&transaction_id) {
        Some(charge) if charge.provider == provider => Json(status_of(charge)).into_response(),
        _ => refuse(StatusCode::NOT_FOUND, "no such charge"),
    }
}

async fn refund(
    State(inner): State<Shared>,
    Path((provider, transaction_id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(refused) = verify(&inner, &provider, &headers, &body) {
        return refused.into_response();
    }
    let request: RefundRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(error) => return refuse(StatusCode::BAD_REQUEST, &error.to_string()),
    };
    let mut ledger = inner.ledger.lock().unwrap_or_else(PoisonError::into_inner);
    let Some(charge) = ledger
        .charges
        .get_mut(&transaction_id)
        .filter(|charge| charge.provider == provider)
    else {
        return refuse(StatusCode::NOT_FOUND, "no such charge");
    };
    if let Some((id, _, _)) = charge
        .refunds
        .iter()
        .find(|(id, _, _)| *id == format!("rf-{}", request.refund_reference))
    {
        return Json(RefundCreated {
            refund_id: id.clone(),
        })
        .into_response();
    }
    let refunded: i64 = charge.refunds.iter().map(|(_, amount, _)| amount).sum();
    if charge.status != ChargeStatusKind::Succeeded
        || request.amount <= 0
        || refunded + request.amount > charge.paid_amount
    {
        return refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            "nothing to refund for that amount",
        );
    }
    let refund_id = format!("rf-{}", request.refund_reference);
    charge
        .refunds
        .push((refund_id.clone(), request.amount, Utc::now()));
    (StatusCode::CREATED, Json(RefundCreated { refund_id })).into_response()
}

async fn settlements(
    State(inner): State<Shared>,
    Path((provider, day)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    if let Err(refused) = verify(&inner, &provider, &headers, b"") {
        return refused.into_response();
    }
    let Ok(day) = chrono::NaiveDate::parse_from_str(&day, "%Y-%m-%d") else {
        return refuse(StatusCode::BAD_REQUEST, "a day as YYYY-MM-DD");
    };
    let ledger = inner.ledger.lock().unwrap_or_else(PoisonError::into_inner);
    let mut rows = Vec::new();
    for charge in ledger
        .charges
        .values()
        .filter(|charge| charge.provider == provider)
    {
        if let Some(settled_at) = charge.settled_at
            && settled_at.date_naive() == day
            && charge.status == ChargeStatusKind::Succeeded
        {
            rows.push(SettlementRow {
                transaction_id: charge.transaction_id.clone(),
                reference: charge.request.reference.clone(),
                merchant: charge.request.merchant.clone(),
                amount: charge.paid_amount,
                currency: charge.request.currency.clone(),
                settled_at,
            });
        }
        for (_, amount, at) in &charge.refunds {
            if at.date_naive() == day {
                rows.push(SettlementRow {
                    transaction_id: charge.transaction_id.clone(),
                    reference: charge.request.reference.clone(),
                    merchant: charge.request.merchant.clone(),
                    amount: -amount,
                    currency: charge.request.currency.clone(),
                    settled_at: *at,
                });
            }
        }
    }
    rows.sort_by_key(|row| row.settled_at);
    match crate::provider::write_settlement(&rows) {
        Ok(text) => ([("content-type", "text/csv; charset=utf-8")], text).into_response(),
        Err(error) => refuse(StatusCode::INTERNAL_SERVER_ERROR, &error.to_string()),
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

async fn hosted_page(
    State(inner): State<Shared>,
    Path((provider, transaction_id)): Path<(String, String)>,
) -> Response {
    let ledger = inner.ledger.lock().unwrap_or_else(PoisonError::into_inner);
    let Some(charge) = ledger
        .charges
        .get(&transaction_id)
        .filter(|charge| charge.provider == provider && charge.request.kind == ChargeKind::Hosted)
    else {
        return refuse(StatusCode::NOT_FOUND, "no such payment page");
    };
    let state = match charge.status {
        ChargeStatusKind::Pending => "",
        _ => "<p id=\"done\">This payment is closed.</p>",
    };
    Html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{provider} — pay</title></head>\
         <body><h1>{provider} (simulated provider)</h1>\
         <p>Merchant: {merchant}</p><p>Description: {description}</p>\
         <p id=\"amount\">{currency} {amount}</p>{state}\
         <form method=\"post\"><button name=\"action\" value=\"pay\" id=\"pay\">Pay</button>\
         <button name=\"action\" value=\"decline\" id=\"decline\">Decline</button></form></body></html>",
        merchant = escape(&charge.request.merchant),
        description = escape(&charge.request.description),
        currency = escape(&charge.request.currency),
        amount = charge.request.amount,
    ))
    .into_response()
}

#[derive(Deserialize)]
struct PageAction {
    action: String,
}

async fn hosted_action(
    State(inner): State<Shared>,
    Path((provider, transaction_id)): Path<(String, String)>,
    Form(form): Form<PageAction>,
) -> Response {
    let succeeded = form.action == "pay";
    let settled = settle_charge(
        &inner,
        &provider,
        Lookup::Transaction(&transaction_id),
        None,
        succeeded,
        false,
    );
    match settled {
        Ok(return_url) if !return_url.is_empty() => Redirect::to(&return_url).into_response(),
        Ok(_) => Html("<p>Done. You may close this page.</p>").into_response(),
        Err(refused) => refused.into_response(),
    }
}

enum Lookup<'a> {
    Transaction(&'a str),
    Account(&'a str),
    Slip(&'a str),
}

/// Settles a pending charge and sends its notices; returns its return URL.
fn settle_charge(
    inner: &Shared,
    provider: &str,
    lookup: Lookup<'_>,
    amount: Option<i64>,
    succeeded: bool,
    silent: bool,
) -> Result<String, Refused> {
    let mut ledger = inner.ledger.lock().unwrap_or_else(PoisonError::into_inner);
    let charge = ledger.charges.values_mut().find(|charge| {
        charge.provider == provider
            && match lookup {
                Lookup::Transaction(id) => charge.transaction_id == id,
                Lookup::Account(number) => !number.is_empty() && charge.account_number == number,
                Lookup::Slip(number) => !number.is_empty() && charge.request.slip_number == number,
            }
    });
    let Some(charge) = charge else {
        return Err((StatusCode::NOT_FOUND, "no such charge".to_owned()));
    };
    if charge.status != ChargeStatusKind::Pending {
        return Err((StatusCode::CONFLICT, "the charge is closed".to_owned()));
    }
    let now = Utc::now();
    if succeeded {
        charge.status = ChargeStatusKind::Succeeded;
        charge.paid_amount = amount.unwrap_or(charge.request.amount);
        charge.settled_at = Some(now);
    } else {
        charge.status = ChargeStatusKind::Failed;
    }
    let notice = Notice {
        event: if succeeded { SUCCEEDED } else { FAILED }.to_owned(),
        transaction_id: charge.transaction_id.clone(),
        reference: charge.request.reference.clone(),
        merchant: charge.request.merchant.clone(),
        amount: charge.paid_amount,
        currency: charge.request.currency.clone(),
        occurred_at: now,
    };
    let callback_url = charge.request.callback_url.clone();
    // The browser comes back with the merchant's reference, as providers do.
    let return_url = if charge.request.return_url.is_empty() {
        String::new()
    } else {
        let separator = if charge.request.return_url.contains('?') {
            '&'
        } else {
            '?'
        };
        format!(
            "{}{separator}reference={}",
            charge.request.return_url, charge.request.reference
        )
    };
    drop(ledger);
    if !silent {
        deliver(inner.clone(), provider.to_owned(), callback_url, notice);
    }
    Ok(return_url)
}

/// Sends a notice `1 + duplicates` times, each after a random delay and
/// retried with backoff until the merchant answers 2xx (at most 8 tries).
fn deliver(inner: Shared, provider: String, callback_url: String, notice: Notice) {
    let Some(secret) = inner.config.secrets.get(&provider).cloned() else {
        return;
    };
    let body = serde_json::to_vec(&notice).unwrap_or_default();
    for _ in 0..=inner.config.duplicates {
        let (inner, secret, body, callback_url) = (
            inner.clone(),
            secret.clone(),
            body.clone(),
            callback_url.clone(),
        );
        let delay = rand::thread_rng().gen_range(0..=inner.config.max_delay_ms);
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(delay)).await;
            let mut backoff = Duration::from_millis(100);
            for _ in 0..8 {
                let now = Utc::now().timestamp();
                let sent = inner
                    .http
                    .post(&callback_url)
                    .header(TIMESTAMP_HEADER, now.to_string())
                    .header(
                        SIGNATURE_HEADER,
                        signature::sign(secret.as_bytes(), now, &body),
                    )
                    .header("content-type", "application/json")
                    .body(body.clone())
                    .send()
                    .await;
                inner
                    .sent
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if sent.is_ok_and(|response| response.status().is_success()) {
                    return;
                }
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(10));
            }
            tracing::warn!(%callback_url, "notice not accepted after 8 tries");
        });
    }
}

#[derive(Debug, Deserialize)]
pub struct SettleRequest {
    #[serde(default)]
    pub transaction_id: String,
    #[serde(default)]
    pub account_number: String,
    #[serde(default)]
    pub slip_number: String,
    /// What arrived (the charge's amount when absent).
    #[serde(default)]
    pub amount: Option<i64>,
    /// Send no notice: only a status poll finds the payment.
    #[serde(default)]
    pub silent: bool,
    /// Decline instead of paying.
    #[serde(default)]
    pub decline: bool,
}

async fn operator_faults(
    State(inner): State<Shared>,
    Path(provider): Path<String>,
    body: Bytes,
) -> Response {
    let fault: Fault = if body.iter().all(u8::is_ascii_whitespace) {
        Fault::default()
    } else {
        match serde_json::from_slice(&body) {
            Ok(fault) => fault,
            Err(error) => return refuse(StatusCode::BAD_REQUEST, &error.to_string()),
        }
    };
    inner
        .faults
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(provider, fault);
    (StatusCode::OK, "set").into_response()
}

async fn operator_charges(State(inner): State<Shared>, Path(provider): Path<String>) -> Response {
    let ledger = inner.ledger.lock().unwrap_or_else(PoisonError::into_inner);
    let charges: Vec<serde_json::Value> = ledger
        .charges
        .values()
        .filter(|charge| charge.provider == provider)
        .map(|charge| {
            serde_json::json!({
                "transaction_id": charge.transaction_id,
                "reference": charge.request.reference,
                "amount": charge.request.amount,
                "paid_amount": charge.paid_amount,
                "status": format!("{:?}", charge.status),
            })
        })
        .collect();
    Json(charges).into_response()
}

async fn operator_settle(
    State(inner): State<Shared>,
    Path(provider): Path<String>,
    Json(request): Json<SettleRequest>,
) -> Response {
    let lookup = if !request.transaction_id.is_empty() {
        Lookup::Transaction(&request.transaction_id)
    } else if !request.account_number.is_empty() {
        Lookup::Account(&request.account_number)
    } else {
        Lookup::Slip(&request.slip_number)
    };
    match settle_charge(
        &inner,
        &provider,
        lookup,
        request.amount,
        !request.decline,
        request.silent,
    ) {
        Ok(_) => (StatusCode::OK, "settled").into_response(),
        Err(refused) => refused.into_response(),
    }
}

fn router(inner: Shared) -> Router {
    Router::new()
        .route("/{provider}/v1/charges", post(create_charge))
        .route(
            "/{provider}/v1/charges/{transaction_id}",
            get(charge_status),
        )
        .route(
            "/{provider}/v1/charges/{transaction_id}/refunds",
            post(refund),
        )
        .route("/{provider}/v1/settlements/{day}", get(settlements))
        .route(
            "/{provider}/pay/{transaction_id}",
            get(hosted_page).post(hosted_action),
        )
        .route("/{provider}/operator/settle", post(operator_settle))
        .route("/{provider}/operator/faults", post(operator_faults))
        .route("/{provider}/operator/charges", get(operator_charges))
        .with_state(inner)
}

impl Simulator {
    pub async fn start(
        config: SimulatorConfig,
        shutdown: CancellationToken,
    ) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(config.listen)
            .await
            .map_err(|error| anyhow::anyhow!("simulator listen {}: {error}", config.listen))?;
        let address = listener.local_addr()?;
        let public_url = if config.public_url.is_empty() {
            format!("http://{address}")
        } else {
            config.public_url.trim_end_matches('/').to_owned()
        };
        let inner = Arc::new(Inner {
            config,
            public_url,
            ledger: Mutex::default(),
            faults: Mutex::default(),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()?,
            sent: std::sync::atomic::AtomicU64::new(0),
        });
        let app = router(inner.clone());
        tokio::spawn(async move {
            let served = axum::serve(listener, app)
                .with_graceful_shutdown(async move { shutdown.cancelled().await })
                .await;
            if let Err(error) = served {
                tracing::error!(%error, "the payment simulator stopped");
            }
        });
        Ok(Self { inner, address })
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The base URL of one provider, for `providers.<name>.url`.
    pub fn provider_url(&self, provider: &str) -> String {
        format!("http://{}/{provider}", self.address)
    }

    /// Notices posted so far (every copy and retry).
    pub fn notices_sent(&self) -> u64 {
        self.inner.sent.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Settles a charge as the provider's operator would (tests).
    pub fn settle(
        &self,
        provider: &str,
        transaction_id: &str,
        amount: Option<i64>,
        silent: bool,
    ) -> Result<(), String> {
        settle_charge(
            &self.inner,
            provider,
            Lookup::Transaction(transaction_id),
            amount,
            true,
            silent,
        )
        .map(|_| ())
        .map_err(|(status, text)| format!("{status}: {text}"))
    }
}
