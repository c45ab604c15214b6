//! Reacting to payment's orders (`payment.order.paid`): a paid case moves
//! on through the same state machine, in the consumer's inbox transaction,
//! into its workflow's next stage. Redelivery is harmless: a case already
//! paid refuses the second move.

use laissez_eventbus::{EnvelopeExt, Handler, HandlerError};
use laissez_proto::events::v1::{Envelope, OrderPaid};
use sqlx::PgConnection;
use uuid::Uuid;

use laissez_catalog::format::Stage;

use crate::domain::{Event, State};
use crate::service::lifecycle::{self, AdvanceError};
use crate::store::cases::{self, TransitionError};
use crate::store::{CatalogCache, Scope};

/// The consumer's name: its queue is `<exchange>.intake.payment-orders`.
pub const CONSUMER: &str = "intake.payment-orders";
pub const BINDINGS: [&str; 1] = ["payment.order.paid"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Paid(usize),
    /// Some cases were not awaiting payment (already paid, withdrawn…).
    Refused(String),
}

/// Marks every case of a paid order paid, in `connection`'s transaction,
/// and starts each one's next stage.
pub async fn apply_paid(
    connection: &mut PgConnection,
    catalogs: &CatalogCache,
    pool: &sqlx::PgPool,
    agency: &str,
    paid: &OrderPaid,
) -> Result<Outcome, AdvanceError> {
    let scope = Scope {
        agency: agency.to_owned(),
        account: None,
    };
    let mut moved = 0;
    let mut refusals = Vec::new();
    for case_id in &paid.case_ids {
        let Ok(id) = Uuid::parse_str(case_id) else {
            refusals.push(format!("case id {case_id:?} is malformed"));
            continue;
        };
        let Some(mut case) = cases::lock(connection, &scope, id).await? else {
            refusals.push(format!("case {case_id} is not known"));
            continue;
        };
        if case.state != State::AwaitingPayment {
            refusals.push(format!("case {case_id} is {}", case.state.as_str()));
            continue;
        }
        let actor = format!("payment:{}", paid.order_id);
        match cases::apply(connection, &mut case, Event::ReceivePayment, &actor, "").await {
            Ok(_) => moved += 1,
            Err(TransitionError::Illegal(illegal)) => {
                refusals.push(illegal.to_string());
                continue;
            }
            Err(TransitionError::Database(error)) => return Err(error.into()),
        }
        let catalog = lifecycle::catalog_of(catalogs, pool, &case).await?;
        lifecycle::advance(
            connection,
            catalog.as_deref(),
            &mut case,
            Stage::Payment,
            "intake:workflow",
        )
        .await?;
    }
    if refusals.is_empty() {
        Ok(Outcome::Paid(moved))
    } else {
        Ok(Outcome::Refused(refusals.join("; ")))
    }
}

pub struct PaymentOrders {
    pub catalogs: CatalogCache,
    pub pool: sqlx::PgPool,
}

#[async_trait::async_trait]
impl Handler for PaymentOrders {
    async fn handle(
        &self,
        event: &Envelope,
        transaction: &mut PgConnection,
    ) -> Result<(), HandlerError> {
        let paid: OrderPaid = event.decode()?;
        match apply_paid(
            transaction,
            &self.catalogs,
            &self.pool,
            &event.agency,
            &paid,
        )
        .await?
        {
            Outcome::Paid(cases) => {
                tracing::info!(order_id = %paid.order_id, agency = %event.agency, cases, "payment received");
            }
            Outcome::Refused(reason) => {
                tracing::warn!(order_id = %paid.order_id, agency = %event.agency, %reason, "payment not applicable to every case");
            }
        }
        Ok(())
    }
}
