use super::{Currency, LocalizedText};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Amounts of one price in each currency it is published in, in minor units.
pub type Amounts = BTreeMap<Currency, i64>;

/// `fees.yaml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeeSchedule {
    #[serde(default)]
    pub age_bands: Vec<AgeBand>,
    #[serde(default)]
    pub rows: Vec<FeeRow>,
    #[serde(default)]
    pub payment_methods: Vec<PaymentMethod>,
    #[serde(default)]
    pub delivery_options: Vec<DeliveryOption>,
    #[serde(default)]
    pub refund_policy: Option<LocalizedText>,
    /// Whether paid fees may be refunded (by amount, with a reason); the
    /// policy's text says when. False: a refund is refused.
    #[serde(default)]
    pub refundable: bool,
    /// A paid fee goes back by itself when the case is not approved,
    /// unless the reviewer forfeits it (mo-cts: never for duplicate,
    /// impersonated or falsified applications). Needs `refundable`.
    #[serde(default)]
    pub refund_when_not_approved: bool,
    /// An order not paid within this many days of opening expires (absent:
    /// it waits until it is paid).
    #[serde(default)]
    pub order_valid_days: Option<u32>,
    /// What money that arrives after its order expired does.
    #[serde(default)]
    pub late_payment: LatePayment,
}

/// What a payment for an expired order does.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LatePayment {
    /// It still pays the order: money is never turned away for lateness.
    #[default]
    Accept,
    /// It is recorded and given back; the order stays expired.
    Refund,
}

/// Age band: `min_age <= age < below_age` (either bound may be open).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgeBand {
    pub code: String,
    pub name: LocalizedText,
    #[serde(default)]
    pub min_age: Option<u32>,
    #[serde(default)]
    pub below_age: Option<u32>,
}

impl FeeRow {
    /// Whether `answers` hold every answer the row is for.
    pub fn answers_match(&self, answers: &serde_json::Map<String, serde_json::Value>) -> bool {
        self.answers.iter().all(|(field, values)| {
            answers
                .get(field)
                .and_then(answer_text)
                .is_some_and(|answer| values.contains(&answer))
        })
    }
}

/// An answer as a fee row names it: a code as itself, a yes/no as `true`
/// or `false`, a number in decimal.
pub fn answer_text(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::String(text) => Some(text.trim().to_owned()),
        serde_json::Value::Bool(value) => Some(value.to_string()),
        serde_json::Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

impl AgeBand {
    pub fn contains(&self, age: u32) -> bool {
        self.min_age.is_none_or(|min| age >= min) && self.below_age.is_none_or(|below| age < below)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Speed {
    Normal,
    Express,
}

/// One price. Empty `variants`, no `answers`, no `age_band`, no `speed`
/// mean "any".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeeRow {
    #[serde(rename = "type")]
    pub application_type: String,
    #[serde(default)]
    pub variants: Vec<String>,
    /// Further answers the row is for, by field: the values each may have
    /// (`{purpose: [family_visit], relation: [spouse]}`); all must hold.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub answers: BTreeMap<String, Vec<String>>,
    /// The amounts are per unit, counted by this number field's answer
    /// (one fee per destination, per entry chosen).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per: Option<String>,
    #[serde(default)]
    pub age_band: Option<String>,
    #[serde(default)]
    pub speed: Option<Speed>,
    pub amounts: Amounts,
    #[serde(default)]
    pub label: Option<LocalizedText>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaymentMethod {
    pub code: String,
    pub name: LocalizedText,
    /// Who takes the money: the payment service's connector for it.
    pub connector: Connector,
    #[serde(default)]
    pub surcharge: Surcharge,
    /// A printed payment slip must be paid within this many days.
    #[serde(default)]
    pub slip_valid_days: Option<u32>,
    #[serde(default)]
    pub note: Option<LocalizedText>,
}

/// What a payment method adds to the fee.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Surcharge {
    #[serde(default)]
    pub fixed: Amounts,
    /// Percentage of the fee in basis points (200 = 2 %), rounded half up.
    #[serde(default)]
    pub percent_basis_points: u32,
    /// The bank adds its own inter-bank fee, not known in advance.
    #[serde(default)]
    pub plus_bank_fee: bool,
    /// The surcharge is inside the fee (the provider keeps it from what the
    /// agency receives): shown to the applicant, never added to the total.
    #[serde(default)]
    pub included: bool,
}

/// How a payment method takes money; each is one connector of the payment
/// service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Connector {
    /// Recorded by a cashier at a counter, with the cashier's receipt number.
    Counter,
    /// A card acquirer's hosted payment page.
    Card,
    /// A bank's web ATM page.
    WebAtm,
    /// A per-payment bank account number; the bank reports the transfer.
    VirtualAccount,
    /// The e-government payment platform's hosted page.
    Egov,
    /// A printed slip paid at a convenience store; the collector reports it.
    ConvenienceStore,
}

impl Connector {
    pub fn as_str(self) -> &'static str {
        match self {
            Connector::Counter => "counter",
            Connector::Card => "card",
            Connector::WebAtm => "web_atm",
            Connector::VirtualAccount => "virtual_account",
            Connector::Egov => "egov",
            Connector::ConvenienceStore => "convenience_store",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeliveryOption {
    pub code: String,
    pub name: LocalizedText,
    #[serde(default)]
    pub fee: Amounts,
    /// The workflow stage that hands the document over when this option is
    /// chosen: `pickup` (the default), `delivery` (sent to the address the
    /// applicant gives) or `electronic_issue` (downloaded).
    #[serde(default = "pickup_stage")]
    pub stage: super::Stage,
}

fn pickup_stage() -> super::Stage {
    super::Stage::Pickup
}
