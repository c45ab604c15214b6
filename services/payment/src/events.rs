//! The consumer of intake's `intake.case.payment_requested`: one order per
//! case, priced with the case's own catalog version. Redelivery finds the
//! order already open and changes nothing.

use chrono::NaiveDate;
use laissez_catalog::fees::{self, FeeQuery};
use laissez_catalog::format::LatePayment;
use laissez_eventbus::{EnvelopeExt, Handler, HandlerError, Outbox};
use laissez_proto::events::v1::{Envelope, OrderCreated, PaymentRequested};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::catalogs::{CatalogError, Catalogs};
use crate::domain::{Line, LineKind};
use crate::service::money;
use crate::store::orders::{self, NewOrder};

/// The consumer's name: its queue is `<exchange>.payment.intake-cases`.
pub const CONSUMER: &str = "payment.intake-cases";
pub const BINDINGS: [&str; 1] = ["intake.case.payment_requested"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Opened(Uuid),
    /// The case has its order already.
    AlreadyOpen,
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
    let catalog = match catalogs.get(agency, requested.catalog_version).await {
        Ok(catalog) => catalog,
        Err(CatalogError::Unavailable(reason)) => return Err(HandlerError::transient(reason)),
        Err(error) => return Err(HandlerError::permanent(error.to_string())),
    };
    let kind = catalog
        .application_type(&requested.application_type)
        .ok_or_else(|| HandlerError::permanent("the case's type is not in its catalog"))?;
    let query = FeeQuery {
        application_type: requested.application_type.clone(),
        answers: Default::default(),
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
                    code: line.code,
                    label: line.label,
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
}

#[async_trait::async_trait]
impl Handler for IntakeCases {
    async fn handle(
        &self,
        event: &Envelope,
        transaction: &mut PgConnection,
    ) -> Result<(), HandlerError> {
        let requested: PaymentRequested = event.decode()?;
        match open_order(transaction, &self.catalogs, &event.agency, &requested).await? {
            Outcome::Opened(order_id) => {
                tracing::info!(%order_id, case_id = %requested.case_id, agency = %event.agency, "order opened");
            }
            Outcome::AlreadyOpen => {
                tracing::info!(case_id = %requested.case_id, agency = %event.agency, "order already open");
            }
        }
        Ok(())
    }
}
