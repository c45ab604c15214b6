//! Counter payments (cash, a card terminal, a wallet at the counter): no
//! provider; a cashier records the money with their receipt number
//! (`RecordCounterPayment`), and refunds are paid back at the counter.

use laissez_catalog::format::Connector as Kind;

use super::{Connector, ConnectorError, Instructions, Start};
use crate::provider::ChargeStatus;

pub struct Counter;

#[async_trait::async_trait]
impl Connector for Counter {
    fn kind(&self) -> Kind {
        Kind::Counter
    }

    fn provider(&self) -> &str {
        ""
    }

    async fn start(&self, _start: &Start<'_>) -> Result<Instructions, ConnectorError> {
        Err(ConnectorError::CounterOnly)
    }

    async fn status(&self, _transaction_id: &str) -> Result<ChargeStatus, ConnectorError> {
        Err(ConnectorError::CounterOnly)
    }

    /// Money goes back over the counter: the refund's own id is its record.
    async fn refund(
        &self,
        _transaction_id: &str,
        _amount: i64,
        reference: &str,
    ) -> Result<String, ConnectorError> {
        Ok(format!("counter:{reference}"))
    }
}
