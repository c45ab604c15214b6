//! The payment model: orders, payments, their lines and states, money in
//! minor units, slips and signatures.

pub mod reconcile;
pub mod signature;
pub mod slip;

use laissez_catalog::format::{Currency, LocalizedText};
use serde::{Deserialize, Serialize};

/// A line of an order or a payment, in minor units of its currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    pub kind: LineKind,
    pub code: String,
    pub label: LocalizedText,
    pub amount: i64,
    /// The order the line is for (None: the payment's surcharge).
    #[serde(default)]
    pub order_id: Option<uuid::Uuid>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LineKind {
    Fee,
    Delivery,
    Surcharge,
    IncludedSurcharge,
}

impl LineKind {
    pub fn of(kind: laissez_catalog::fees::LineKind) -> LineKind {
        use laissez_catalog::fees::LineKind as Catalog;
        match kind {
            Catalog::Fee => LineKind::Fee,
            Catalog::Delivery => LineKind::Delivery,
            Catalog::Surcharge => LineKind::Surcharge,
            Catalog::IncludedSurcharge => LineKind::IncludedSurcharge,
        }
    }

    pub fn is_charged(self) -> bool {
        !matches!(self, LineKind::IncludedSurcharge)
    }
}

/// A currency code as stored ("TWD").
pub fn currency(code: &str) -> Option<Currency> {
    serde_json::from_value(serde_json::Value::String(code.to_owned())).ok()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderState {
    Pending,
    Paid,
    Expired,
    Cancelled,
    Refunded,
    PartlyRefunded,
}

impl OrderState {
    pub fn as_str(self) -> &'static str {
        match self {
            OrderState::Pending => "pending",
            OrderState::Paid => "paid",
            OrderState::Expired => "expired",
            OrderState::Cancelled => "cancelled",
            OrderState::Refunded => "refunded",
            OrderState::PartlyRefunded => "partly_refunded",
        }
    }

    pub fn parse(text: &str) -> Option<OrderState> {
        Some(match text {
            "pending" => OrderState::Pending,
            "paid" => OrderState::Paid,
            "expired" => OrderState::Expired,
            "cancelled" => OrderState::Cancelled,
            "refunded" => OrderState::Refunded,
            "partly_refunded" => OrderState::PartlyRefunded,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentState {
    Pending,
    Succeeded,
    Failed,
    Expired,
    Flagged,
    /// A flagged payment's money given back.
    Refunded,
}

impl PaymentState {
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentState::Pending => "pending",
            PaymentState::Succeeded => "succeeded",
            PaymentState::Failed => "failed",
            PaymentState::Expired => "expired",
            PaymentState::Flagged => "flagged",
            PaymentState::Refunded => "refunded",
        }
    }

    pub fn parse(text: &str) -> Option<PaymentState> {
        Some(match text {
            "pending" => PaymentState::Pending,
            "succeeded" => PaymentState::Succeeded,
            "failed" => PaymentState::Failed,
            "expired" => PaymentState::Expired,
            "flagged" => PaymentState::Flagged,
            "refunded" => PaymentState::Refunded,
            _ => return None,
        })
    }
}

/// A receipt number as a cashier types it: letters, digits and hyphens.
pub fn valid_reference(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 40
        && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}
