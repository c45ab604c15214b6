//! The gRPC face of the payment service: callers, scopes and messages;
//! the work is in [`crate::service`].

use laissez_kit::auth::{Role, caller};
use laissez_kit::time::timestamp;
use laissez_kit::{Caller, ServiceError};
use laissez_proto::common::v1::{LocalizedText, PageResponse};
use laissez_proto::payment::v1 as proto;
use laissez_proto::payment::v1::payment_service_server::PaymentService;
use tonic::{Request, Response, Status};
use uuid::Uuid;

use crate::domain::{Line, LineKind, OrderState, PaymentState};
use crate::reconciliation;
use crate::service::{Applied, NoticeError, Payments, Quote, money};
use crate::store::Scope;
use crate::store::orders::{self, Filter, OrderRow};
use crate::store::payments::{self, PaymentRow};
use crate::store::reconciliations::{self, ReconciliationRow};

/// Callers without a token: the providers' notices (relayed).
pub const PUBLIC_METHODS: &[&str] = &["/laissez.payment.v1.PaymentService/HandleProviderCallback"];

pub struct Grpc {
    payments: Payments,
}

impl Grpc {
    pub fn new(payments: Payments) -> Self {
        Self { payments }
    }

    pub fn public_methods() -> impl Iterator<Item = String> {
        PUBLIC_METHODS.iter().map(|method| (*method).to_owned())
    }
}

/// Applicants see their account's rows; staff their agency's.
fn scope(caller: &Caller) -> Scope {
    Scope {
        agency: caller.agency.clone(),
        account: caller.own_account(),
    }
}

fn text(text: &laissez_catalog::format::LocalizedText) -> LocalizedText {
    LocalizedText {
        zh_hant: text.zh_hant.clone(),
        zh_hans: text.zh_hans.clone(),
        en: text.en.clone(),
    }
}

fn line(line: &Line, currency: &str) -> proto::FeeLine {
    proto::FeeLine {
        code: line.code.clone(),
        label: Some(text(&line.label)),
        amount: Some(money(line.amount, currency)),
        kind: match line.kind {
            LineKind::Fee => proto::LineKind::Fee,
            LineKind::Delivery => proto::LineKind::Delivery,
            LineKind::Surcharge => proto::LineKind::Surcharge,
            LineKind::IncludedSurcharge => proto::LineKind::IncludedSurcharge,
        }
        .into(),
        order_id: line.order_id.map(|id| id.to_string()).unwrap_or_default(),
    }
}

fn order_state(state: OrderState) -> proto::OrderState {
    match state {
        OrderState::Pending => proto::OrderState::Pending,
        OrderState::Paid => proto::OrderState::Paid,
        OrderState::Expired => proto::OrderState::Expired,
        OrderState::Cancelled => proto::OrderState::Cancelled,
        OrderState::Refunded => proto::OrderState::Refunded,
        OrderState::PartlyRefunded => proto::OrderState::PartlyRefunded,
    }
}

fn order_state_of(state: i32) -> Option<OrderState> {
    Some(match proto::OrderState::try_from(state).ok()? {
        proto::OrderState::Pending => OrderState::Pending,
        proto::OrderState::Paid => OrderState::Paid,
        proto::OrderState::Expired => OrderState::Expired,
        proto::OrderState::Cancelled => OrderState::Cancelled,
        proto::OrderState::Refunded => OrderState::Refunded,
        proto::OrderState::PartlyRefunded => OrderState::PartlyRefunded,
        proto::OrderState::Unspecified => return None,
    })
}

pub fn order(order: &OrderRow) -> proto::Order {
    proto::Order {
        order_id: order.id.to_string(),
        case_ids: vec![order.case_id.to_string()],
        method: order.method.clone(),
        state: order_state(order.state).into(),
        lines: order
            .lines
            .iter()
            .map(|item| {
                let mut item = line(item, &order.currency);
                item.order_id = order.id.to_string();
                item
            })
            .collect(),
        total: order.total.map(|total| money(total, &order.currency)),
        created_at: Some(timestamp(order.created_at)),
        expires_at: order.expires_at.map(timestamp),
        paid_at: order.paid_at.map(timestamp),
        provider_reference: order
            .payment_id
            .map(|id| id.to_string())
            .unwrap_or_default(),
        agency: order.agency.clone(),
        account_id: order.account_id.clone(),
        group_number: order.group_number.clone(),
        receipt_numbers: vec![order.receipt_number.clone()],
        application_type: order.application_type.clone(),
        methods: order
            .methods
            .iter()
            .map(|method| proto::PaymentMethod {
                code: method.code.clone(),
                name: Some(text(&method.name)),
                connector: method.connector.as_str().to_owned(),
                note: method.note.as_ref().map(text),
            })
            .collect(),
        paid: Some(money(order.paid_amount, &order.currency)),
        refunded: Some(money(order.refunded_amount, &order.currency)),
        counter_receipt: order.counter_receipt.clone(),
        currency: order.currency.clone(),
    }
}

pub fn payment(payment: &PaymentRow) -> proto::Payment {
    proto::Payment {
        payment_id: payment.id.to_string(),
        order_ids: payment.order_ids.iter().map(Uuid::to_string).collect(),
        method: payment.method.clone(),
        connector: payment.connector.clone(),
        state: match payment.state {
            PaymentState::Pending => proto::PaymentState::Pending,
            PaymentState::Succeeded => proto::PaymentState::Succeeded,
            PaymentState::Failed => proto::PaymentState::Failed,
            PaymentState::Expired => proto::PaymentState::Expired,
            PaymentState::Flagged => proto::PaymentState::Flagged,
            PaymentState::Refunded => proto::PaymentState::Refunded,
        }
        .into(),
        lines: payment
            .lines
            .iter()
            .map(|item| line(item, &payment.currency))
            .collect(),
        total: Some(money(payment.total, &payment.currency)),
        created_at: Some(timestamp(payment.created_at)),
        expires_at: payment.expires_at.map(timestamp),
        paid_at: payment.paid_at.map(timestamp),
        redirect_url: payment.redirect_url.clone(),
        virtual_account: payment.virtual_account.clone(),
        slip: payment.slip.as_ref().map(|slip| proto::Slip {
            slip_number: slip.number.clone(),
            deadline: slip.deadline.format("%Y-%m-%d").to_string(),
            barcodes: slip.barcodes.to_vec(),
        }),
        provider_transaction_id: payment.provider_txn.clone().unwrap_or_default(),
        reason: payment.reason.clone(),
    }
}

fn quote_response(quote: &Quote) -> proto::QuoteFeeResponse {
    proto::QuoteFeeResponse {
        lines: quote
            .lines
            .iter()
            .map(|item| line(item, &quote.currency))
            .collect(),
        total: Some(money(quote.total, &quote.currency)),
        plus_bank_fee: quote.method.surcharge.plus_bank_fee,
        notes: quote.method.note.iter().map(text).collect(),
    }
}

fn id(text: &str, what: &'static str) -> Result<Uuid, ServiceError> {
    Uuid::parse_str(text.trim()).map_err(|_| ServiceError::NotFound(what))
}

fn day(text: &str, field: &str) -> Result<Option<chrono::NaiveDate>, ServiceError> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map(Some)
        .map_err(|_| ServiceError::invalid(field, "invalid_format", "a date as YYYY-MM-DD"))
}

fn optional(text: &str, field: &str) -> Result<Option<String>, ServiceError> {
    let text = text.trim();
    if text.len() > 40 {
        return Err(ServiceError::invalid(
            field,
            "too_long",
            "at most 40 characters",
        ));
    }
    Ok((!text.is_empty()).then(|| text.to_owned()))
}

const STAFF_DESK: [Role; 4] = [
    Role::Counter,
    Role::AgencyAdmin,
    Role::Reviewer,
    Role::SeniorReviewer,
];

#[tonic::async_trait]
impl PaymentService for Grpc {
    async fn quote_fee(
        &self,
        request: Request<proto::QuoteFeeRequest>,
    ) -> Result<Response<proto::QuoteFeeResponse>, Status> {
        let scope = scope(caller(&request)?);
        let body = request.get_ref();
        let quote = self
            .payments
            .quote(&scope, &body.order_ids, &body.method)
            .await?;
        Ok(Response::new(quote_response(&quote)))
    }

    async fn list_orders(
        &self,
        request: Request<proto::ListOrdersRequest>,
    ) -> Result<Response<proto::ListOrdersResponse>, Status> {
        let scope = scope(caller(&request)?);
        let body = request.get_ref();
        let page = body.page.clone().unwrap_or_default();
        let size = i64::from(page.page_size.clamp(1, 100));
        let size = if page.page_size == 0 { 50 } else { size };
        let offset: i64 = if page.page_token.is_empty() {
            0
        } else {
            page.page_token
                .parse()
                .ok()
                .filter(|offset| *offset >= 0)
                .ok_or_else(|| {
                    ServiceError::invalid(
                        "page.page_token",
                        "invalid_format",
                        "a token from a previous page",
                    )
                })?
        };
        let mut states = Vec::new();
        for state in &body.states {
            states.push(
                order_state_of(*state)
                    .ok_or_else(|| ServiceError::invalid("states", "invalid", "an order state"))?,
            );
        }
        let filter = Filter {
            states,
            group_number: optional(&body.group_number, "group_number")?,
            receipt_number: optional(&body.receipt_number, "receipt_number")?,
            paid_from: day(&body.paid_from, "paid_from")?,
            paid_to: day(&body.paid_to, "paid_to")?,
            limit: size + 1,
            offset,
        };
        let mut rows = orders::list(&self.payments.pool, &scope, &filter)
            .await
            .map_err(ServiceError::from)?;
        let more = rows.len() as i64 > size;
        rows.truncate(usize::try_from(size).unwrap_or(50));
        Ok(Response::new(proto::ListOrdersResponse {
            orders: rows.iter().map(order).collect(),
            page: Some(PageResponse {
                next_page_token: if more {
                    (offset + size).to_string()
                } else {
                    String::new()
                },
                total_size: 0,
            }),
        }))
    }

    async fn get_order(
        &self,
        request: Request<proto::GetOrderRequest>,
    ) -> Result<Response<proto::Order>, Status> {
        let scope = scope(caller(&request)?);
        let order_id = id(&request.get_ref().order_id, "order")?;
        let found = orders::get(&self.payments.pool, &scope, order_id)
            .await
            .map_err(ServiceError::from)?
            .ok_or(ServiceError::NotFound("order"))?;
        Ok(Response::new(order(&found)))
    }

    async fn start_payment(
        &self,
        request: Request<proto::StartPaymentRequest>,
    ) -> Result<Response<proto::Payment>, Status> {
        let caller = caller(&request)?;
        caller.require_any_role(&[Role::Applicant])?;
        let scope = scope(caller);
        let body = request.get_ref();
        let started = self
            .payments
            .start(
                &scope,
                &body.order_ids,
                &body.method,
                &body.idempotency_key,
                &body.return_url,
            )
            .await?;
        Ok(Response::new(payment(&started)))
    }

    async fn get_payment(
        &self,
        request: Request<proto::GetPaymentRequest>,
    ) -> Result<Response<proto::Payment>, Status> {
        let scope = scope(caller(&request)?);
        let payment_id = id(&request.get_ref().payment_id, "payment")?;
        let found = payments::get(&self.payments.pool, &scope, payment_id)
            .await
            .map_err(ServiceError::from)?
            .ok_or(ServiceError::NotFound("payment"))?;
        Ok(Response::new(payment(&found)))
    }

    async fn find_orders(
        &self,
        request: Request<proto::FindOrdersRequest>,
    ) -> Result<Response<proto::ListOrdersResponse>, Status> {
        let caller = caller(&request)?;
        caller.require_any_role(&STAFF_DESK)?;
        let receipt = request.get_ref().receipt_number.trim().to_ascii_uppercase();
        if !crate::domain::valid_reference(&receipt) {
            return Err(ServiceError::invalid(
                "receipt_number",
                "invalid_format",
                "a receipt number: letters, digits and hyphens, at most 40",
            )
            .into());
        }
        let filter = Filter {
            receipt_number: Some(receipt),
            limit: 20,
            ..Filter::default()
        };
        let rows = orders::list(&self.payments.pool, &scope(caller), &filter)
            .await
            .map_err(ServiceError::from)?;
        Ok(Response::new(proto::ListOrdersResponse {
            orders: rows.iter().map(order).collect(),
            page: Some(PageResponse::default()),
        }))
    }

    async fn record_counter_payment(
        &self,
        request: Request<proto::RecordCounterPaymentRequest>,
    ) -> Result<Response<proto::Order>, Status> {
        let caller = caller(&request)?;
        caller.require_any_role(&[Role::Counter])?;
        let scope = scope(caller);
        let recorded = self
            .payments
            .record_counter_payment(&scope, &caller.account_id, request.get_ref())
            .await?;
        Ok(Response::new(order(&recorded)))
    }

    async fn handle_provider_callback(
        &self,
        request: Request<proto::HandleProviderCallbackRequest>,
    ) -> Result<Response<proto::HandleProviderCallbackResponse>, Status> {
        let body = request.get_ref();
        let header = |name: &str| {
            body.headers
                .iter()
                .find(|(key, _)| key.eq_ignore_ascii_case(name))
                .map(|(_, value)| value.as_str())
        };
        let applied = self
            .payments
            .handle_notice(
                &body.provider,
                header(crate::domain::signature::SIGNATURE_HEADER),
                header(crate::domain::signature::TIMESTAMP_HEADER),
                &body.body,
            )
            .await
            .map_err(notice_status)?;
        Ok(Response::new(proto::HandleProviderCallbackResponse {
            body: format!("{{\"outcome\":\"{}\"}}", outcome(applied)).into_bytes(),
        }))
    }

    async fn refund(
        &self,
        request: Request<proto::RefundRequest>,
    ) -> Result<Response<proto::Order>, Status> {
        let caller = caller(&request)?;
        caller.require_any_role(&[Role::AgencyAdmin])?;
        let scope = scope(caller);
        let actor = format!("staff:{}", caller.account_id);
        let refunded = self
            .payments
            .refund(&scope, &actor, request.get_ref())
            .await?;
        Ok(Response::new(order(&refunded)))
    }

    async fn reconcile(
        &self,
        request: Request<proto::ReconcileRequest>,
    ) -> Result<Response<proto::Reconciliation>, Status> {
        let caller = caller(&request)?;
        caller.require_any_role(&[Role::AgencyAdmin])?;
        let body = request.get_ref();
        let day = reconciliation::parse_day(&body.day)?;
        let actor = format!("staff:{}", caller.account_id);
        let run = reconciliation::reconcile(
            &self.payments,
            &caller.agency,
            body.provider.trim(),
            day,
            &actor,
        )
        .await?;
        Ok(Response::new(reconciliation_message(&run)))
    }

    async fn list_reconciliations(
        &self,
        request: Request<proto::ListReconciliationsRequest>,
    ) -> Result<Response<proto::ListReconciliationsResponse>, Status> {
        let caller = caller(&request)?;
        caller.require_any_role(&[Role::AgencyAdmin])?;
        let body = request.get_ref();
        let provider = body.provider.trim();
        let limit = match body.limit {
            0 => 30,
            limit => i64::from(limit.min(200)),
        };
        let runs = reconciliations::list(
            &self.payments.pool,
            &caller.agency,
            (!provider.is_empty()).then_some(provider),
            limit,
        )
        .await
        .map_err(ServiceError::from)?;
        Ok(Response::new(proto::ListReconciliationsResponse {
            reconciliations: runs.iter().map(reconciliation_message).collect(),
        }))
    }
}

pub fn reconciliation_message(run: &ReconciliationRow) -> proto::Reconciliation {
    let count = |value: i32| u32::try_from(value).unwrap_or_default();
    proto::Reconciliation {
        reconciliation_id: run.id.to_string(),
        agency: run.agency.clone(),
        provider: run.provider.clone(),
        day: run.day.format("%Y-%m-%d").to_string(),
        settled_rows: count(run.settled_rows),
        recorded_rows: count(run.recorded_rows),
        matched: count(run.matched),
        missing: count(run.missing),
        extra: count(run.extra),
        mismatched: count(run.mismatched),
        differences: run
            .differences
            .iter()
            .map(|difference| proto::ReconciliationDifference {
                kind: difference.kind.as_str().to_owned(),
                transaction_id: difference.transaction_id.clone(),
                reference: difference.reference.clone(),
                settled: Some(money(difference.settled, &difference.currency)),
                recorded: Some(money(difference.recorded, &difference.currency)),
            })
            .collect(),
        run_at: Some(timestamp(run.run_at)),
        actor: run.actor.clone(),
    }
}

pub fn outcome(applied: Applied) -> &'static str {
    match applied {
        Applied::Paid => "paid",
        Applied::Duplicate => "duplicate",
        Applied::Failed => "failed",
        Applied::Flagged => "flagged",
    }
}

/// How a refused notice is answered (the provider retries on 5xx-like codes).
pub fn notice_status(error: NoticeError) -> Status {
    match error {
        NoticeError::UnknownProvider => Status::not_found("unknown provider"),
        NoticeError::Signature(error) => Status::unauthenticated(error.to_string()),
        NoticeError::Malformed(reason) => Status::invalid_argument(reason),
        NoticeError::UnknownTransaction => Status::not_found("no payment has this transaction"),
        NoticeError::WrongMerchant => {
            Status::permission_denied("the notice names another merchant")
        }
        NoticeError::Database(error) => ServiceError::from(error).into(),
    }
}
