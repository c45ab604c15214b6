//! The consumer of the case events payment acts on:
//! `intake.case.payment_requested` opens one order per case, priced with
//! the case's own catalog version; `intake.case.progressed` into
//! `cancelled` releases the case's open order; `review.case.decided` "not
//! approved" refunds a fee taken when the case was lodged, where the
//! catalog says so and the reviewer did not forfeit it. Redelivery changes
//! nothing; a request that arrives after its case's cancellation opens
//! nothing (all take the case's lock first).

use chrono::NaiveDate;
use laissez_catalog::fees::{self, FeeQuery};
use laissez_catalog::format::Language;
use laissez_catalog::format::LatePayment;
use laissez_eventbus::{EnvelopeExt, Handler, HandlerError, Outbox};
use laissez_kit::ServiceError;
use laissez_proto::events::v1::{
    CaseDecided, CaseProgressed, Decision, Envelope, EventMessage, OrderCreated, PaymentRequested,
};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::domain::{Line, LineKind};
use crate::service::{Payments, money};
use crate::store::Scope;
use crate::store::orders::{self, NewOrder};
use laissez_catalog::client::{CatalogError, Catalogs};

/// The consumer's name: its queue is `<exchange>.payment.intake-cases`.
pub const CONSUMER: &str = "payment.intake-cases";
pub const BINDINGS: [&str; 3] = [
    "intake.case.payment_requested",
    "intake.case.progressed",
    "review.case.decided",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Opened(Uuid),
    /// The case has its order already.
    AlreadyOpen,
    /// The case was cancelled first: no order.
    CaseCancelled,
}

/// Serialises the handling of one case's events across consumers.
async fn lock_case(connection: &mut PgConnection, case_id: Uuid) -> Result<(), HandlerError> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1::text, 0))")
        .bind(case_id)
        .execute(connection)
        .await
        .map(drop)
        .map_err(|error| HandlerError::transient(error.to_string()))
}

/// Releases the open (pending or expired) order of a cancelled case and
/// remembers the cancellation; returns how many orders were cancelled.
pub async fn release_cancelled(
    connection: &mut PgConnection,
    agency: &str,
    progressed: &CaseProgressed,
) -> Result<u64, HandlerError> {
    let case_id = Uuid::parse_str(&progressed.case_id)
        .map_err(|_| HandlerError::permanent("the event's case id is malformed"))?;
    lock_case(connection, case_id).await?;
    let transient = |error: sqlx::Error| HandlerError::transient(error.to_string());
    sqlx::query(
        "INSERT INTO cancelled_cases (case_id, agency) VALUES ($1, $2)
         ON CONFLICT (case_id) DO NOTHING",
    )
    .bind(case_id)
    .bind(agency)
    .execute(&mut *connection)
    .await
    .map_err(transient)?;
    let released = sqlx::query(
        "UPDATE orders SET state = 'cancelled'
         WHERE case_id = $1 AND agency = $2 AND state IN ('pending', 'expired')",
    )
    .bind(case_id)
    .bind(agency)
    .execute(&mut *connection)
    .await
    .map_err(transient)?
    .rows_affected();
    for _ in 0..released {
        metrics::counter!("payment_orders_cancelled_total", "agency" => agency.to_owned())
            .increment(1);
    }
    Ok(released)
}

/// What became of a decision's fee.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefundOutcome {
    /// This many orders of the case were refunded now.
    Refunded(usize),
    /// Nothing to give back: not a refusal, a forfeited fee, a catalog
    /// that does not refund, or no paid order.
    NotDue(&'static str),
}

/// A case was not approved: where its catalog refunds fees then, each paid
/// order of the case gives back what remains, through the connector that
/// took it, once (the case's id is the idempotency key).
pub async fn refund_not_approved(
    connection: &mut PgConnection,
    payments: &Payments,
    catalogs: &Catalogs,
    agency: &str,
    decided: &CaseDecided,
) -> Result<RefundOutcome, HandlerError> {
    if decided.decision != Decision::NotApproved as i32 {
        return Ok(RefundOutcome::NotDue("not a refusal"));
    }
    if decided.fee_forfeited {
        return Ok(RefundOutcome::NotDue("the reviewer forfeited the fee"));
    }
    let case_id = Uuid::parse_str(&decided.case_id)
        .map_err(|_| HandlerError::permanent("the event's case id is malformed"))?;
    lock_case(connection, case_id).await?;
    let transient = |error: sqlx::Error| HandlerError::transient(error.to_string());
    let ids: Vec<Uuid> = sqlx::query_scalar(
        "SELECT id FROM orders WHERE case_id = $1 AND agency = $2
           AND state IN ('paid', 'partly_refunded')",
    )
    .bind(case_id)
    .bind(agency)
    .fetch_all(&mut *connection)
    .await
    .map_err(transient)?;
    if ids.is_empty() {
        return Ok(RefundOutcome::NotDue("no paid order"));
    }
    let scope = Scope {
        agency: agency.to_owned(),
        account: None,
    };
    let locked = orders::lock(connection, &scope, &ids)
        .await
        .map_err(transient)?;
    let mut refunded = 0;
    for order in locked {
        let catalog = match catalogs.get(agency, order.catalog_version).await {
            Ok(catalog) => catalog,
            Err(CatalogError::Unavailable(reason)) => return Err(HandlerError::transient(reason)),
            Err(error) => return Err(HandlerError::permanent(error.to_string())),
        };
        if !catalog.fees.refund_when_not_approved {
            continue;
        }
        let language = Language::from_wire(order.language).unwrap_or(Language::En);
        let reason: String = catalog
            .fees
            .refund_policy
            .as_ref()
            .map_or("not approved: the fee is refunded", |policy| {
                policy.get(language)
            })
            .chars()
            .take(500)
            .collect();
        let key = format!("not-approved:{case_id}");
        let actor = format!("review:{}", decided.decided_by);
        match payments
            .refund_locked(connection, &order, None, &reason, &key, &actor)
            .await
        {
            Ok(true) => refunded += 1,
            Ok(false) => {}
            // The provider did not answer: the whole event is tried again.
            Err(ServiceError::Unavailable(reason)) => return Err(HandlerError::transient(reason)),
            Err(error) => return Err(HandlerError::permanent(error.to_string())),
        }
    }
    Ok(RefundOutcome::Refunded(refunded))
}

fn date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok()
}

/// Opens the order of a case that reached its payment stage, in
/// `connection`'s transaction.
pub async fn open_order(
    connection: &mut PgConnection,
    catalogs: &Catalogs,
    agency: &str,
    requested: &PaymentRequested,
) -> Result<Outcome, HandlerError> {
    let case_id = Uuid::parse_str(&requested.case_id)
        .map_err(|_| HandlerError::permanent("the event's case id is malformed"))?;
    let party = requested
        .party
        .as_ref()
        .ok_or_else(|| HandlerError::permanent("the event names no party"))?;
    if agency.is_empty() || party.account_id.is_empty() {
        return Err(HandlerError::permanent(
            "the event names no agency or account",
        ));
    }
    lock_case(connection, case_id).await?;
    let cancelled: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM cancelled_cases WHERE case_id = $1)")
            .bind(case_id)
            .fetch_one(&mut *connection)
            .await
            .map_err(|error| HandlerError::transient(error.to_string()))?;
    if cancelled {
        return Ok(Outcome::CaseCancelled);
    }
    let catalog = match catalogs.get(agency, requested.catalog_version).await {
        Ok(catalog) => catalog,
        Err(CatalogError::Unavailable(reason)) => return Err(HandlerError::transient(reason)),
        Err(error) => return Err(HandlerError::permanent(error.to_string())),
    };
    let kind = catalog
        .application_type(&requested.application_type)
        .ok_or_else(|| HandlerError::permanent("the case's type is not in its catalog"))?;
    // The answers the fee reads; a payload that is not a JSON object is
    // the sender's defect, not something a retry mends.
    let answers = if requested.fee_answers_json.is_empty() {
        serde_json::Map::new()
    } else {
        serde_json::from_str(&requested.fee_answers_json).map_err(|error| {
            HandlerError::permanent(format!("fee_answers_json is not a JSON object: {error}"))
        })?
    };
    let query = FeeQuery {
        application_type: requested.application_type.clone(),
        answers,
        variant: (!requested.fee_variant.is_empty()).then(|| requested.fee_variant.clone()),
        date_of_birth: date(&requested.date_of_birth),
        on: date(&requested.submitted_on).unwrap_or_else(|| chrono::Utc::now().date_naive()),
        express: requested.express,
        delivery: (!requested.delivery.is_empty()).then(|| requested.delivery.clone()),
        payment_method: None,
        currency: None,
    };
    let currency = catalog.agency.currency;
    let (lines, total) = match fees::quote(&catalog, &query) {
        Ok(quote) => (
            quote
                .lines
                .into_iter()
                .map(|line| Line {
                    kind: LineKind::of(line.kind),
                    label: line.display_label(),
                    code: line.code,
                    amount: line.amount.minor_units,
                    order_id: None,
                })
                .collect(),
            Some(quote.total.minor_units),
        ),
        // The tariff is applied at the counter: the cashier records the amount.
        Err(fees::Error::NotPublished(_)) => (Vec::new(), None),
        Err(error) => {
            return Err(HandlerError::permanent(format!(
                "the fee of case {case_id} cannot be quoted: {error}"
            )));
        }
    };
    let methods = catalog
        .fees
        .payment_methods
        .iter()
        .filter(|method| kind.payment_methods.contains(&method.code))
        .cloned()
        .collect();
    let order = NewOrder {
        agency: agency.to_owned(),
        account_id: party.account_id.clone(),
        case_id,
        receipt_number: requested.receipt_number.clone(),
        group_number: requested.group_number.clone(),
        application_type: requested.application_type.clone(),
        catalog_version: requested.catalog_version,
        language: party.language,
        currency: currency.code().to_owned(),
        lines,
        total,
        methods,
        refundable: catalog.fees.refundable,
        expires_at: catalog
            .fees
            .order_valid_days
            .map(|days| chrono::Utc::now() + chrono::Duration::days(i64::from(days))),
        late_payment_accepted: catalog.fees.late_payment == LatePayment::Accept,
        payer_name: party.applicant_masked_name.clone(),
    };
    let Some(order_id) = orders::open(connection, &order).await? else {
        return Ok(Outcome::AlreadyOpen);
    };
    let event = OrderCreated {
        order_id: order_id.to_string(),
        case_ids: vec![requested.case_id.clone()],
        amount: total.map(|total| money(total, currency.code())),
        method: String::new(),
        expires_at: order.expires_at.map(|at| prost_types::Timestamp {
            seconds: at.timestamp(),
            nanos: 0,
        }),
        account_id: party.account_id.clone(),
        receipt_numbers: vec![requested.receipt_number.clone()],
    };
    Outbox::enqueue(connection, agency, "order", &event.order_id, &event)
        .await
        .map_err(|error| HandlerError::transient(error.to_string()))?;
    metrics::counter!("payment_orders_opened_total", "agency" => agency.to_owned()).increment(1);
    Ok(Outcome::Opened(order_id))
}

pub struct IntakeCases {
    pub catalogs: Catalogs,
    pub payments: Payments,
}

#[async_trait::async_trait]
impl Handler for IntakeCases {
    async fn handle(
        &self,
        event: &Envelope,
        transaction: &mut PgConnection,
    ) -> Result<(), HandlerError> {
        if event.event_type == CaseDecided::EVENT_TYPE {
            let decided: CaseDecided = event.decode()?;
            let outcome = refund_not_approved(
                transaction,
                &self.payments,
                &self.catalogs,
                &event.agency,
                &decided,
            )
            .await?;
            tracing::info!(case_id = %decided.case_id, agency = %event.agency, ?outcome, "decision heard");
            return Ok(());
        }
        if event.event_type == CaseProgressed::EVENT_TYPE {
            let progressed: CaseProgressed = event.decode()?;
            if progressed.state == "cancelled" {
                let released = release_cancelled(transaction, &event.agency, &progressed).await?;
                tracing::info!(case_id = %progressed.case_id, agency = %event.agency, released, "case cancelled");
            }
            return Ok(());
        }
        let requested: PaymentRequested = event.decode()?;
        match open_order(transaction, &self.catalogs, &event.agency, &requested).await? {
            Outcome::Opened(order_id) => {
                tracing::info!(%order_id, case_id = %requested.case_id, agency = %event.agency, "order opened");
            }
            Outcome::AlreadyOpen => {
                tracing::info!(case_id = %requested.case_id, agency = %event.agency, "order already open");
            }
            Outcome::CaseCancelled => {
                tracing::info!(case_id = %requested.case_id, agency = %event.agency, "case cancelled before its order");
            }
        }
        Ok(())
    }
}
