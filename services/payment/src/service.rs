//! What the payment service does, whoever asks (gRPC, the provider
//! listener, the sweeper): quote, start a payment, apply a provider's
//! notice, record a counter payment, refund.

use std::sync::Arc;

use chrono::{Duration, Utc};
use laissez_catalog::format::{Connector as Kind, PaymentMethod};
use laissez_eventbus::Outbox;
use laissez_kit::ServiceError;
use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::config::{PaymentConfig, ProvidersConfig};
use crate::connectors::{Connector, ConnectorError, Connectors, Start};
use crate::domain::signature::{self, SignatureError};
use crate::domain::{self, Line, LineKind, OrderState, PaymentState, slip};
use crate::provider::{self, Notice};
use crate::published;
use crate::store::Scope;
use crate::store::ledger::{self, Entry, Movement};
use crate::store::orders::{self, OrderRow};
use crate::store::payments::{self, NewPayment, PaymentRow, SlipData};

/// Most orders one payment may cover.
pub const MAX_ORDERS: usize = 20;
/// How a payment's reason begins when its provider could not be reached
/// to open the charge: the same request may open it again.
const UNREACHABLE: &str = "the provider could not be reached";

/// A started payment on its way to the provider.
struct Opening<'a> {
    id: Uuid,
    orders: &'a [OrderRow],
    quote: &'a Quote,
    slip: Option<&'a SlipData>,
    expires_at: chrono::DateTime<Utc>,
    return_url: &'a str,
}

/// The connector of a quote's method, or Unavailable.
fn connector_of(payments: &Payments, quote: &Quote) -> Result<Arc<dyn Connector>, ServiceError> {
    payments
        .connectors
        .get(quote.method.connector)
        .ok_or_else(|| {
            ServiceError::Unavailable(format!(
                "{} payments are not available now",
                quote.method.code
            ))
        })
}

#[derive(Clone)]
pub struct Payments {
    pub pool: PgPool,
    pub connectors: Connectors,
    pub settings: Arc<Settings>,
}

pub struct Settings {
    pub payment: PaymentConfig,
    pub signature_tolerance_seconds: i64,
}

impl Settings {
    pub fn new(payment: &PaymentConfig, providers: &ProvidersConfig) -> Self {
        Self {
            payment: payment.clone(),
            signature_tolerance_seconds: providers.signature_tolerance_seconds,
        }
    }
}

/// A priced choice of orders and method, before anything is charged.
#[derive(Debug, Clone)]
pub struct Quote {
    pub method: PaymentMethod,
    pub currency: String,
    pub lines: Vec<Line>,
    pub surcharge: i64,
    pub total: i64,
}

pub fn money(amount: i64, currency: &str) -> laissez_proto::common::v1::Money {
    laissez_proto::common::v1::Money {
        minor_units: amount,
        currency: currency.to_owned(),
    }
}

/// Parses order ids; the field is named in the error.
pub fn order_ids(ids: &[String]) -> Result<Vec<Uuid>, ServiceError> {
    if ids.is_empty() {
        return Err(ServiceError::invalid(
            "order_ids",
            "required",
            "choose at least one order",
        ));
    }
    if ids.len() > MAX_ORDERS {
        return Err(ServiceError::invalid(
            "order_ids",
            "too_many",
            format!("at most {MAX_ORDERS} orders are paid at once"),
        ));
    }
    let mut parsed = Vec::with_capacity(ids.len());
    for id in ids {
        // An id that cannot exist answers like one that does not.
        let id = Uuid::parse_str(id.trim()).map_err(|_| ServiceError::NotFound("order"))?;
        if !parsed.contains(&id) {
            parsed.push(id);
        }
    }
    parsed.sort();
    Ok(parsed)
}

/// Prices `orders` (all pending, one currency) paid with `method_code`.
pub fn price(orders: &[OrderRow], method_code: &str) -> Result<Quote, ServiceError> {
    let method_code = method_code.trim();
    if method_code.is_empty() {
        return Err(ServiceError::invalid(
            "method",
            "required",
            "choose a payment method",
        ));
    }
    let Some(first) = orders.first() else {
        return Err(ServiceError::NotFound("order"));
    };
    for order in orders {
        if order.state != OrderState::Pending {
            return Err(ServiceError::FailedPrecondition(format!(
                "order {} is {}, not awaiting payment",
                order.id,
                order.state.as_str()
            )));
        }
        if order.currency != first.currency {
            return Err(ServiceError::invalid(
                "order_ids",
                "mixed_currencies",
                "orders in different currencies are paid separately",
            ));
        }
    }
    let method = first
        .methods
        .iter()
        .find(|method| method.code == method_code)
        .filter(|_| {
            orders.iter().all(|order| {
                order
                    .methods
                    .iter()
                    .any(|method| method.code == method_code)
            })
        })
        .cloned()
        .ok_or_else(|| {
            ServiceError::invalid(
                "method",
                "not_offered",
                format!("{method_code:?} is not a way these orders can be paid"),
            )
        })?;
    let mut lines = Vec::new();
    let mut subtotal = 0;
    for order in orders {
        let Some(total) = order.total else {
            return Err(ServiceError::FailedPrecondition(format!(
                "order {} is priced at the counter",
                order.id
            )));
        };
        subtotal += total;
        lines.extend(order.lines.iter().cloned().map(|mut line| {
            line.order_id = Some(order.id);
            line
        }));
    }
    let currency = domain::currency(&first.currency).ok_or_else(|| {
        ServiceError::internal(anyhow::anyhow!("unknown currency {}", first.currency))
    })?;
    let surcharge_line = laissez_catalog::fees::surcharge_line(&method, subtotal, currency)
        .map_err(|error| ServiceError::FailedPrecondition(error.to_string()))?;
    let mut surcharge = 0;
    if let Some(line) = surcharge_line {
        let kind = LineKind::of(line.kind);
        if kind.is_charged() {
            surcharge = line.amount.minor_units;
        }
        lines.push(Line {
            kind,
            code: line.code,
            label: line.label,
            amount: line.amount.minor_units,
            order_id: None,
        });
    }
    Ok(Quote {
        method,
        currency: first.currency.clone(),
        lines,
        surcharge,
        total: subtotal + surcharge,
    })
}

/// What a start request is, for idempotency: the same key with another
/// request is refused.
fn request_hash(order_ids: &[Uuid], method: &str, return_url: &str) -> String {
    let mut digest = Sha256::new();
    for id in order_ids {
        digest.update(id.as_bytes());
    }
    digest.update(method.as_bytes());
    digest.update([0]);
    digest.update(return_url.as_bytes());
    hex::encode(digest.finalize())
}

pub(crate) fn idempotency_key(key: &str) -> Result<&str, ServiceError> {
    let key = key.trim();
    if key.is_empty() || key.len() > 100 || key.chars().any(char::is_control) {
        return Err(ServiceError::invalid(
            "idempotency_key",
            "invalid_format",
            "an idempotency key of 1 to 100 printable characters",
        ));
    }
    Ok(key)
}

/// A notice's outcome, for the provider's answer and the metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// The orders are paid.
    Paid,
    /// Seen before: nothing changed.
    Duplicate,
    /// The provider declined the charge.
    Failed,
    /// Money came that cannot pay its orders: recorded, flagged for refund.
    Flagged,
}

#[derive(Debug, thiserror::Error)]
pub enum NoticeError {
    #[error("unknown provider")]
    UnknownProvider,
    #[error("signature: {0}")]
    Signature(#[from] SignatureError),
    #[error("the body is not a notice: {0}")]
    Malformed(String),
    /// No payment has this transaction (yet): the provider retries.
    #[error("no payment has this transaction")]
    UnknownTransaction,
    #[error("the notice names another merchant")]
    WrongMerchant,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl Payments {
    pub async fn quote(
        &self,
        scope: &Scope,
        ids: &[String],
        method: &str,
    ) -> Result<Quote, ServiceError> {
        let ids = order_ids(ids)?;
        let mut connection = self.pool.acquire().await?;
        let orders = orders::lock(&mut connection, scope, &ids).await?;
        if orders.len() != ids.len() {
            return Err(ServiceError::NotFound("order"));
        }
        price(&orders, method)
    }

    /// Opens a payment of `ids` with `method` for the scope's account.
    pub async fn start(
        &self,
        scope: &Scope,
        ids: &[String],
        method: &str,
        key: &str,
        return_url: &str,
    ) -> Result<PaymentRow, ServiceError> {
        let ids = order_ids(ids)?;
        let key = idempotency_key(key)?;
        let return_url = return_url.trim();
        if return_url.len() > 1000
            || !(return_url.is_empty()
                || return_url.starts_with("http://")
                || return_url.starts_with("https://"))
        {
            return Err(ServiceError::invalid(
                "return_url",
                "invalid_format",
                "an http(s) address of at most 1000 characters",
            ));
        }
        let account = scope
            .account
            .as_deref()
            .ok_or_else(|| ServiceError::PermissionDenied("only applicants pay online".into()))?;
        let hash = request_hash(&ids, method.trim(), return_url);
        let mut transaction = self.pool.begin().await?;
        if let Some(existing) =
            payments::by_key(&mut transaction, &scope.agency, account, key).await?
        {
            if existing.request_hash != hash {
                return Err(ServiceError::AlreadyExists(
                    "idempotency_key was used for another payment".into(),
                ));
            }
            if !(existing.state == PaymentState::Failed
                && existing.provider_txn.is_none()
                && existing.reason.starts_with(UNREACHABLE))
            {
                return Ok(existing);
            }
            // The provider could not be reached when this payment started:
            // the same request opens it again under the same payment, so
            // a provider that did open the charge answers that one.
            let ids: Vec<Uuid> = existing.order_ids.clone();
            let orders = orders::lock(&mut transaction, scope, &ids).await?;
            let quote = price(&orders, &existing.method)?;
            payments::reopen(&mut transaction, existing.id).await?;
            transaction.commit().await?;
            let opening = Opening {
                id: existing.id,
                orders: &orders,
                quote: &quote,
                slip: existing.slip.as_ref(),
                expires_at: existing.expires_at.unwrap_or_else(Utc::now),
                return_url,
            };
            return self
                .open_at_provider(scope, connector_of(self, &quote)?.as_ref(), opening)
                .await;
        }
        let orders = orders::lock(&mut transaction, scope, &ids).await?;
        if orders.len() != ids.len() {
            return Err(ServiceError::NotFound("order"));
        }
        let counter_only = orders
            .first()
            .and_then(|order| {
                order
                    .methods
                    .iter()
                    .find(|offered| offered.code == method.trim())
            })
            .is_some_and(|offered| offered.connector == Kind::Counter);
        if counter_only {
            return Err(ServiceError::invalid(
                "method",
                "counter_only",
                "this method is paid at the counter",
            ));
        }
        let quote = price(&orders, method)?;
        let kind = quote.method.connector;
        let connector = connector_of(self, &quote)?;
        let id = Uuid::now_v7();
        let now = Utc::now();
        let settings = &self.settings.payment;
        let (expires_at, slip) = match kind {
            Kind::ConvenienceStore => {
                let days = i64::from(quote.method.slip_valid_days.unwrap_or(5));
                let deadline = (now + Duration::days(days)).date_naive();
                let sequence: i64 = sqlx::query_scalar("SELECT nextval('slip_numbers')")
                    .fetch_one(&mut *transaction)
                    .await?;
                let collector = &settings.slip_collector_code;
                let width = 16usize.saturating_sub(collector.len());
                let number = format!("{collector}{sequence:0width$}");
                let slip::Barcodes(barcodes) = slip::barcodes(
                    deadline,
                    &settings.slip_collection_code,
                    &number,
                    quote.total,
                )
                .map_err(ServiceError::internal)?;
                let end_of_deadline = deadline
                    .and_hms_opt(23, 59, 59)
                    .map_or(now + Duration::days(days), |at| at.and_utc());
                (
                    end_of_deadline,
                    Some(SlipData {
                        number,
                        deadline,
                        barcodes,
                    }),
                )
            }
            Kind::VirtualAccount => (now + Duration::days(settings.transfer_days), None),
            _ => (now + Duration::minutes(settings.hosted_minutes), None),
        };
        let order_ids: Vec<Uuid> = orders.iter().map(|order| order.id).collect();
        payments::insert(
            &mut transaction,
            &NewPayment {
                id,
                scope_agency: &scope.agency,
                account_id: account,
                method: &quote.method.code,
                connector: kind.as_str(),
                state: PaymentState::Pending,
                currency: &quote.currency,
                lines: &quote.lines,
                surcharge: quote.surcharge,
                total: quote.total,
                slip: slip.as_ref(),
                idempotency_key: key,
                request_hash: &hash,
                order_ids: &order_ids,
                expires_at: Some(expires_at),
            },
        )
        .await?;
        transaction.commit().await?;
        let opening = Opening {
            id,
            orders: &orders,
            quote: &quote,
            slip: slip.as_ref(),
            expires_at,
            return_url,
        };
        self.open_at_provider(scope, connector.as_ref(), opening)
            .await
    }

    /// Opens a started payment's charge at its provider: its instructions
    /// (and a slip's event) on success; on failure the payment fails, and
    /// one that failed because the provider could not be reached can be
    /// started again with the same key.
    async fn open_at_provider(
        &self,
        scope: &Scope,
        connector: &dyn Connector,
        opening: Opening<'_>,
    ) -> Result<PaymentRow, ServiceError> {
        let Opening {
            id,
            orders,
            quote,
            slip,
            expires_at,
            return_url,
        } = opening;
        let now = Utc::now();
        let payment_id = id.to_string();
        let description = orders
            .iter()
            .map(|order| order.receipt_number.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        let started = connector
            .start(&Start {
                agency: &scope.agency,
                payment_id: &payment_id,
                amount: quote.total,
                currency: &quote.currency,
                description: &description,
                return_url,
                expires_at,
                slip_number: slip.map_or("", |slip| slip.number.as_str()),
            })
            .await;
        match started {
            Ok(instructions) => {
                let mut transaction = self.pool.begin().await?;
                payments::set_instructions(
                    &mut transaction,
                    id,
                    &instructions.provider,
                    &instructions.transaction_id,
                    &instructions.redirect_url,
                    &instructions.virtual_account,
                )
                .await?;
                if let Some(slip) = slip {
                    let event = published::slip_issued(id, orders, quote, slip, now);
                    Outbox::enqueue(
                        &mut transaction,
                        &scope.agency,
                        "payment",
                        &payment_id,
                        &event,
                    )
                    .await
                    .map_err(ServiceError::internal)?;
                }
                transaction.commit().await?;
                metrics::counter!("payment_payments_started_total", "agency" => scope.agency.clone(), "method" => quote.method.code.clone()).increment(1);
            }
            Err(error) => {
                tracing::warn!(payment_id = %id, %error, "the provider did not open the charge");
                let reason = match &error {
                    ConnectorError::Unreachable(detail) => format!("{UNREACHABLE}: {detail}"),
                    other => other.to_string(),
                };
                payments::fail(&self.pool, id, &reason).await?;
                return Err(match error {
                    ConnectorError::Refused(reason) => ServiceError::FailedPrecondition(format!(
                        "the provider refused the payment: {reason}"
                    )),
                    other => ServiceError::Unavailable(other.to_string()),
                });
            }
        }
        payments::get(&self.pool, scope, id)
            .await?
            .ok_or(ServiceError::NotFound("payment"))
    }

    /// Verifies a provider's notice and applies it once.
    pub async fn handle_notice(
        &self,
        provider: &str,
        signature: Option<&str>,
        timestamp: Option<&str>,
        body: &[u8],
    ) -> Result<Applied, NoticeError> {
        let client = self
            .connectors
            .provider(provider)
            .ok_or(NoticeError::UnknownProvider)?;
        let verified = signature::verify(
            client.secret(),
            signature,
            timestamp,
            body,
            Utc::now().timestamp(),
            self.settings.signature_tolerance_seconds,
        );
        if let Err(error) = verified {
            metrics::counter!("payment_callback_verification_failures_total", "provider" => provider.to_owned(), "reason" => format!("{error:?}")).increment(1);
            return Err(error.into());
        }
        let notice: Notice = serde_json::from_slice(body)
            .map_err(|error| NoticeError::Malformed(error.to_string()))?;
        let applied = self.apply_notice(provider, &notice).await;
        // The callback SLO counts verified notices by the agency they are
        // for (the signed merchant code): applied, or failed on our side.
        metrics::counter!(
            "payment_callbacks_total",
            "agency" => laissez_kit::metrics::agency_label(Some(&notice.merchant)),
            "provider" => provider.to_owned(),
            "result" => if applied.is_ok() { "ok" } else { "error" }
        )
        .increment(1);
        let applied = applied?;
        metrics::counter!("payment_callbacks_applied_total", "provider" => provider.to_owned(), "outcome" => format!("{applied:?}")).increment(1);
        Ok(applied)
    }

    /// Applies a verified notice (or a polled status) in one transaction.
    pub async fn apply_notice(
        &self,
        provider: &str,
        notice: &Notice,
    ) -> Result<Applied, NoticeError> {
        // Providers repeat themselves: a notice already applied for the
        // payment it names is answered from one read, with no transaction
        // and no wait for the payment's lock. Anything else (first copies,
        // and a repeat that names another merchant or payment) takes the
        // locked path, which decides.
        let recorded =
            payments::recorded_notice(&self.pool, provider, &notice.transaction_id, &notice.event)
                .await?;
        if recorded.is_some_and(|(agency, payment_id)| {
            agency == notice.merchant && payment_id.to_string() == notice.reference
        }) {
            return Ok(Applied::Duplicate);
        }
        let mut transaction = self.pool.begin().await?;
        let applied = apply_in(&mut transaction, provider, notice).await?;
        transaction.commit().await?;
        Ok(applied)
    }

    /// Money a cashier took for an order.
    pub async fn record_counter_payment(
        &self,
        scope: &Scope,
        cashier: &str,
        request: &laissez_proto::payment::v1::RecordCounterPaymentRequest,
    ) -> Result<OrderRow, ServiceError> {
        let id = Uuid::parse_str(request.order_id.trim())
            .map_err(|_| ServiceError::NotFound("order"))?;
        let receipt = request.counter_receipt.trim();
        if !domain::valid_reference(receipt) {
            return Err(ServiceError::invalid(
                "counter_receipt",
                "invalid_format",
                "the cashier's receipt number: letters, digits and hyphens, at most 40",
            ));
        }
        let key = idempotency_key(if request.idempotency_key.is_empty() {
            receipt
        } else {
            &request.idempotency_key
        })?;
        let mut transaction = self.pool.begin().await?;
        let mut locked = orders::lock(&mut transaction, scope, &[id]).await?;
        let order = locked.pop().ok_or(ServiceError::NotFound("order"))?;
        let hash = request_hash(&[id], request.method.trim(), receipt);
        if let Some(existing) =
            payments::by_key(&mut transaction, &scope.agency, &order.account_id, key).await?
        {
            if existing.request_hash == hash {
                return Ok(order);
            }
            return Err(ServiceError::AlreadyExists(
                "idempotency_key was used for another payment".into(),
            ));
        }
        if order.state != OrderState::Pending {
            return Err(ServiceError::FailedPrecondition(format!(
                "the order is {}, not awaiting payment",
                order.state.as_str()
            )));
        }
        let method = order
            .methods
            .iter()
            .find(|method| {
                method.code == request.method.trim() && method.connector == Kind::Counter
            })
            .cloned()
            .ok_or_else(|| {
                ServiceError::invalid(
                    "method",
                    "not_offered",
                    "not a counter method of this order",
                )
            })?;
        let amount = request
            .amount
            .as_ref()
            .map(|money| (money.minor_units, money.currency.as_str()));
        let taken = match (order.total, amount) {
            (_, Some((_, currency))) if !currency.is_empty() && currency != order.currency => {
                return Err(ServiceError::invalid(
                    "amount.currency",
                    "mismatch",
                    format!("the order is in {}", order.currency),
                ));
            }
            (Some(total), None) => total,
            (Some(total), Some((taken, _))) if taken == total => total,
            (Some(total), Some(_)) => {
                return Err(ServiceError::invalid(
                    "amount",
                    "mismatch",
                    format!("the order's total is {total}"),
                ));
            }
            (None, Some((taken, _))) if taken > 0 && taken < 100_000_000 => taken,
            (None, _) => {
                return Err(ServiceError::invalid(
                    "amount",
                    "required",
                    "the amount taken by the tariff",
                ));
            }
        };
        let payment_id = Uuid::now_v7();
        let lines = vec![Line {
            kind: LineKind::Fee,
            code: order.application_type.clone(),
            label: method.name.clone(),
            amount: taken,
            order_id: Some(order.id),
        }];
        payments::insert(
            &mut transaction,
            &NewPayment {
                id: payment_id,
                scope_agency: &scope.agency,
                account_id: &order.account_id,
                method: &method.code,
                connector: Kind::Counter.as_str(),
                state: PaymentState::Succeeded,
                currency: &order.currency,
                lines: &lines,
                surcharge: 0,
                total: taken,
                slip: None,
                idempotency_key: key,
                request_hash: &hash,
                order_ids: &[order.id],
                expires_at: None,
            },
        )
        .await?;
        let actor = format!("counter:{cashier}");
        pay_order(
            &mut transaction,
            &order,
            &Settlement {
                payment_id,
                amount: taken,
                counter_receipt: receipt,
                provider: "",
                provider_txn: "",
                actor: &actor,
            },
        )
        .await?;
        transaction.commit().await?;
        metrics::counter!("payment_orders_paid_total", "agency" => scope.agency.clone(), "method" => method.code.clone()).increment(1);
        orders::get(&self.pool, scope, id)
            .await?
            .ok_or(ServiceError::NotFound("order"))
    }
}

/// How an order was paid.
#[derive(Clone, Copy)]
struct Settlement<'a> {
    payment_id: Uuid,
    amount: i64,
    counter_receipt: &'a str,
    provider: &'a str,
    provider_txn: &'a str,
    actor: &'a str,
}

/// Marks an order paid and writes its ledger line and its event.
async fn pay_order(
    connection: &mut PgConnection,
    order: &OrderRow,
    settlement: &Settlement<'_>,
) -> sqlx::Result<()> {
    let Settlement {
        payment_id,
        amount,
        counter_receipt,
        provider,
        provider_txn,
        actor,
    } = *settlement;
    let (paid_at, method) =
        orders::mark_paid(connection, order.id, payment_id, amount, counter_receipt).await?;
    ledger::append(
        connection,
        &Movement {
            agency: &order.agency,
            order_id: Some(order.id),
            payment_id: Some(payment_id),
            entry: Entry::Charge,
            amount,
            currency: &order.currency,
            provider,
            provider_txn,
            reference: counter_receipt,
            actor,
        },
    )
    .await?;
    let event = published::order_paid(order, amount, paid_at, method);
    Outbox::enqueue(connection, &order.agency, "order", &event.order_id, &event)
        .await
        .map_err(|error| sqlx::Error::Protocol(error.to_string()))?;
    Ok(())
}

async fn apply_in(
    connection: &mut PgConnection,
    provider: &str,
    notice: &Notice,
) -> Result<Applied, NoticeError> {
    if notice.event != provider::SUCCEEDED && notice.event != provider::FAILED {
        return Err(NoticeError::Malformed(format!(
            "unknown event {:?}",
            notice.event
        )));
    }
    let Some(payment) =
        payments::lock_by_transaction(connection, provider, &notice.transaction_id).await?
    else {
        return Err(NoticeError::UnknownTransaction);
    };
    if payment.agency != notice.merchant || payment.id.to_string() != notice.reference {
        return Err(NoticeError::WrongMerchant);
    }
    if !payments::first_notice(connection, provider, &notice.transaction_id, &notice.event).await? {
        return Ok(Applied::Duplicate);
    }
    if notice.event == provider::FAILED {
        if payment.state == PaymentState::Pending {
            payments::settle(
                connection,
                payment.id,
                PaymentState::Failed,
                0,
                "declined by the provider",
            )
            .await?;
        }
        return Ok(Applied::Failed);
    }
    let txn = notice.transaction_id.as_str();
    let unmatched = |reason: &'static str| Movement {
        agency: &payment.agency,
        order_id: None,
        payment_id: Some(payment.id),
        entry: Entry::Unmatched,
        amount: notice.amount,
        currency: &notice.currency,
        provider,
        provider_txn: txn,
        reference: reason,
        actor: "provider",
    };
    // Money that cannot pay its orders: booked as unmatched, the payment
    // flagged (the sweeper gives it back).
    let flag = async |connection: &mut PgConnection, reason: &'static str| {
        ledger::append(connection, &unmatched(reason)).await?;
        payments::settle(
            connection,
            payment.id,
            PaymentState::Flagged,
            notice.amount,
            reason,
        )
        .await?;
        Ok::<_, NoticeError>(Applied::Flagged)
    };
    if notice.amount != payment.total || notice.currency != payment.currency {
        metrics::counter!("payment_amount_mismatches_total", "provider" => provider.to_owned())
            .increment(1);
        return flag(
            connection,
            "the amount paid differs from the payment's total",
        )
        .await;
    }
    let scope = Scope {
        agency: payment.agency.clone(),
        account: None,
    };
    let orders = orders::lock(connection, &scope, &payment.order_ids).await?;
    // A payment that arrives after its deadline is kept: its orders are
    // paid if they still wait (an expired slip expires the slip, not the
    // order), or if they expired and their catalog accepts late money; if
    // another payment or a refund settled them, or the catalog turns late
    // money away, it is flagged (and given back).
    let late = orders
        .iter()
        .any(|order| order.state == OrderState::Expired && !order.late_payment_accepted);
    if late {
        metrics::counter!("payment_late_payments_refused_total", "provider" => provider.to_owned())
            .increment(1);
        return flag(connection, "its order expired: to be refunded").await;
    }
    let payable = orders.len() == payment.order_ids.len()
        && orders
            .iter()
            .all(|order| matches!(order.state, OrderState::Pending | OrderState::Expired));
    if !payable {
        metrics::counter!("payment_double_payments_total", "provider" => provider.to_owned())
            .increment(1);
        return flag(
            connection,
            "its orders were settled otherwise: to be refunded",
        )
        .await;
    }
    let actor = format!("provider:{provider}");
    for order in &orders {
        pay_order(
            connection,
            order,
            &Settlement {
                payment_id: payment.id,
                amount: order.total.unwrap_or_default(),
                counter_receipt: "",
                provider,
                provider_txn: txn,
                actor: &actor,
            },
        )
        .await?;
        metrics::counter!("payment_orders_paid_total", "agency" => payment.agency.clone(), "method" => payment.method.clone()).increment(1);
        let waited = (Utc::now() - order.created_at).num_seconds().max(0);
        metrics::histogram!("payment_seconds_from_order_to_paid", "agency" => payment.agency.clone())
            .record(waited as f64);
    }
    if payment.surcharge > 0 {
        ledger::append(
            connection,
            &Movement {
                agency: &payment.agency,
                order_id: None,
                payment_id: Some(payment.id),
                entry: Entry::Surcharge,
                amount: payment.surcharge,
                currency: &payment.currency,
                provider,
                provider_txn: txn,
                reference: "",
                actor: &actor,
            },
        )
        .await?;
    }
    payments::settle(
        connection,
        payment.id,
        PaymentState::Succeeded,
        notice.amount,
        "",
    )
    .await?;
    Ok(Applied::Paid)
}
