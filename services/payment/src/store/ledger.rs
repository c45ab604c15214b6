//! The append-only ledger: every money movement, in minor units (refunds
//! negative). The table refuses updates and deletes.

use sqlx::PgConnection;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    Charge,
    Surcharge,
    /// Money that came but pays nothing (amount differs, orders settled).
    Unmatched,
    Refund,
}

impl Entry {
    pub fn as_str(self) -> &'static str {
        match self {
            Entry::Charge => "charge",
            Entry::Surcharge => "surcharge",
            Entry::Unmatched => "unmatched",
            Entry::Refund => "refund",
        }
    }
}

/// One movement.
#[derive(Debug, Clone)]
pub struct Movement<'a> {
    pub agency: &'a str,
    pub order_id: Option<Uuid>,
    pub payment_id: Option<Uuid>,
    pub entry: Entry,
    pub amount: i64,
    pub currency: &'a str,
    pub provider: &'a str,
    pub provider_txn: &'a str,
    pub reference: &'a str,
    pub actor: &'a str,
}

pub async fn append(connection: &mut PgConnection, movement: &Movement<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO ledger (agency, order_id, payment_id, kind, amount, currency, provider,
             provider_txn, reference, actor)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(movement.agency)
    .bind(movement.order_id)
    .bind(movement.payment_id)
    .bind(movement.entry.as_str())
    .bind(movement.amount)
    .bind(movement.currency)
    .bind(movement.provider)
    .bind(movement.provider_txn)
    .bind(movement.reference)
    .bind(movement.actor)
    .execute(connection)
    .await?;
    Ok(())
}
