//! The providers' HTTP protocol, as the simulator speaks it and the
//! connectors call it: create a charge, read its status, refund it, fetch a
//! day's settlement file; and the signed notices a provider posts back.
//! Every request and notice is signed ([`crate::domain::signature`]).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The providers the platform knows, each with its own secret and URL.
pub const PROVIDERS: [&str; 5] = ["card", "webatm", "egov", "bank", "cvs"];

/// How the applicant pays a charge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChargeKind {
    /// On the provider's hosted page; the browser is redirected back.
    Hosted,
    /// By bank transfer to a per-charge account number.
    Transfer,
    /// At a store counter with a printed slip.
    Slip,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChargeRequest {
    /// The agency (the provider's merchant).
    pub merchant: String,
    /// The payment's id: the provider echoes it in every notice.
    pub reference: String,
    pub amount: i64,
    pub currency: String,
    pub kind: ChargeKind,
    pub description: String,
    #[serde(default)]
    pub return_url: String,
    pub callback_url: String,
    pub expires_at: DateTime<Utc>,
    /// The slip's number (slips only).
    #[serde(default)]
    pub slip_number: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChargeCreated {
    pub transaction_id: String,
    #[serde(default)]
    pub redirect_url: String,
    #[serde(default)]
    pub account_number: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChargeStatusKind {
    Pending,
    Succeeded,
    Failed,
    Expired,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChargeStatus {
    pub transaction_id: String,
    pub reference: String,
    pub merchant: String,
    pub status: ChargeStatusKind,
    /// What the applicant paid (may differ from what was asked).
    pub paid_amount: i64,
    pub currency: String,
    pub settled_at: Option<DateTime<Utc>>,
}

/// What a provider posts to the callback URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    /// `charge.succeeded` or `charge.failed`.
    pub event: String,
    pub transaction_id: String,
    pub reference: String,
    pub merchant: String,
    pub amount: i64,
    pub currency: String,
    pub occurred_at: DateTime<Utc>,
}

pub const SUCCEEDED: &str = "charge.succeeded";
pub const FAILED: &str = "charge.failed";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundRequest {
    pub amount: i64,
    /// The same reference twice refunds once.
    pub refund_reference: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundCreated {
    pub refund_id: String,
}

/// One line of a provider's daily settlement file (CSV with this header).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettlementRow {
    pub transaction_id: String,
    pub reference: String,
    pub merchant: String,
    /// Refunds are negative.
    pub amount: i64,
    pub currency: String,
    pub settled_at: DateTime<Utc>,
}

/// A settlement file: CSV with a header line (`transaction_id,reference,
/// merchant,amount,currency,settled_at`), one row per settled charge or
/// refund.
pub fn write_settlement(rows: &[SettlementRow]) -> Result<String, csv::Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    for row in rows {
        writer.serialize(row)?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|error| csv::Error::from(error.into_error()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// The rows of a settlement file; a malformed row is an error (a file that
/// cannot be read whole is not reconciled in part).
pub fn read_settlement(text: &str) -> Result<Vec<SettlementRow>, csv::Error> {
    csv::Reader::from_reader(text.as_bytes())
        .deserialize()
        .collect()
}
