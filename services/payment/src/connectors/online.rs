//! The connector of a provider reached over its HTTP protocol: it opens a
//! charge of the kind its method needs (a hosted page, a transfer account,
//! a slip), reads its status when a notice is late, and refunds it.

use laissez_catalog::format::Connector as Kind;

use super::{Connector, ConnectorError, Instructions, ProviderClient, Start};
use crate::provider::{ChargeKind, ChargeStatus};

pub struct Online {
    kind: Kind,
    charge: ChargeKind,
    client: ProviderClient,
}

impl Online {
    pub fn new(kind: Kind, charge: ChargeKind, client: ProviderClient) -> Self {
        Self {
            kind,
            charge,
            client,
        }
    }
}

#[async_trait::async_trait]
impl Connector for Online {
    fn kind(&self) -> Kind {
        self.kind
    }

    fn provider(&self) -> &str {
        &self.client.name
    }

    async fn start(&self, start: &Start<'_>) -> Result<Instructions, ConnectorError> {
        let created = self.client.create_charge(self.charge, start).await?;
        Ok(Instructions {
            provider: self.client.name.clone(),
            transaction_id: created.transaction_id,
            redirect_url: created.redirect_url,
            virtual_account: created.account_number,
        })
    }

    async fn status(&self, transaction_id: &str) -> Result<ChargeStatus, ConnectorError> {
        self.client.status(transaction_id).await
    }

    async fn refund(
        &self,
        transaction_id: &str,
        amount: i64,
        reference: &str,
    ) -> Result<String, ConnectorError> {
        self.client.refund(transaction_id, amount, reference).await
    }
}
