//! Fee quotes with their breakdown.

use crate::format::{Catalog, Currency, LocalizedText, Money, PaymentMethod, Pricing, Speed};
use crate::rules::age_on;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// What to quote. The variant comes from `variant` or, failing that, from the
/// answer to the type's `fee_variant_field`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeeQuery {
    #[serde(rename = "type")]
    pub application_type: String,
    #[serde(default)]
    pub answers: serde_json::Map<String, serde_json::Value>,
    #[serde(default)]
    pub variant: Option<String>,
    /// Needed when the schedule has age bands.
    #[serde(default)]
    pub date_of_birth: Option<NaiveDate>,
    /// Date the age is computed at (the submission date).
    pub on: NaiveDate,
    #[serde(default)]
    pub express: bool,
    #[serde(default)]
    pub delivery: Option<String>,
    #[serde(default)]
    pub payment_method: Option<String>,
    /// Defaults to the agency's main currency.
    #[serde(default)]
    pub currency: Option<Currency>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LineKind {
    Fee,
    Delivery,
    Surcharge,
    /// A surcharge inside the fee: shown, not added to the total.
    IncludedSurcharge,
}

impl LineKind {
    /// Whether the line adds to what the applicant pays.
    pub fn is_charged(self) -> bool {
        !matches!(self, LineKind::IncludedSurcharge)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeeLine {
    pub kind: LineKind,
    pub code: String,
    pub label: LocalizedText,
    pub amount: Money,
    /// For a price per unit: how many units `amount` is for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantity: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeeQuote {
    pub lines: Vec<FeeLine>,
    pub total: Money,
    /// The bank adds an inter-bank fee the quote cannot know.
    pub plus_bank_fee: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<LocalizedText>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum Error {
    #[error("unknown application type `{0}`")]
    UnknownType(String),
    #[error("the fee of `{0}` is not published in the catalog (paid at the counter by tariff)")]
    NotPublished(String),
    #[error("type `{0}` has no express service")]
    ExpressNotOffered(String),
    #[error("no variant given: answer `{0}` is missing")]
    MissingVariant(String),
    #[error("a date of birth is needed to choose the age band")]
    MissingDateOfBirth,
    #[error(
        "no fee row matches type `{application_type}`, variant {variant:?}, age band {age_band:?}, {speed:?}"
    )]
    NoRow {
        application_type: String,
        variant: Option<String>,
        age_band: Option<String>,
        speed: Speed,
    },
    #[error("fee row has no amount in {0}")]
    NoAmountInCurrency(Currency),
    #[error("unknown delivery option `{0}`")]
    UnknownDelivery(String),
    #[error("unknown payment method `{0}`")]
    UnknownPaymentMethod(String),
    #[error("payment method `{0}` is not offered for this type")]
    MethodNotOffered(String),
    #[error("the fee is per unit: answer `{0}` (a whole number) is missing")]
    MissingUnitCount(String),
    #[error("the fee of {0} units is too large")]
    AmountOverflow(u64),
}

impl FeeLine {
    /// The line's label, with the count of a price per unit (`× 3`).
    pub fn display_label(&self) -> LocalizedText {
        match self.quantity {
            Some(count) => self.label.with_suffix(&format!(" × {count}")),
            None => self.label.clone(),
        }
    }
}

/// The largest count a per-unit fee multiplies by.
pub const MAX_UNITS: u64 = 1_000;

/// The fields whose answers the fee of `application_type` reads: its fee
/// variant field, its delivery field, and every field a fee row is keyed
/// by or counts units with. What intake hands payment with the case.
pub fn answer_fields(catalog: &Catalog, application_type: &str) -> Vec<String> {
    let kind = catalog.application_type(application_type);
    let mut fields: Vec<String> = kind
        .and_then(|kind| kind.fee_variant_field.clone())
        .into_iter()
        .chain(
            kind.and_then(|kind| kind.delivery_field())
                .map(|field| field.code.clone()),
        )
        .collect();
    for row in catalog
        .fees
        .rows
        .iter()
        .filter(|row| row.application_type == application_type)
    {
        fields.extend(row.answers.keys().cloned());
        fields.extend(row.per.clone());
    }
    fields.sort();
    fields.dedup();
    fields
}

/// The unit count of a per-unit row: a whole number answer.
fn unit_count(
    answers: &serde_json::Map<String, serde_json::Value>,
    field: &str,
) -> Result<u64, Error> {
    let count = match answers.get(field) {
        Some(serde_json::Value::Number(number)) => number.as_u64(),
        Some(serde_json::Value::String(text)) => text.trim().parse().ok(),
        _ => None,
    };
    let count = count.ok_or_else(|| Error::MissingUnitCount(field.to_owned()))?;
    if count > MAX_UNITS {
        return Err(Error::AmountOverflow(count));
    }
    Ok(count)
}

/// Quotes a fee: the schedule row, delivery and payment surcharge, in one currency.
pub fn quote(catalog: &Catalog, query: &FeeQuery) -> Result<FeeQuote, Error> {
    let code = &query.application_type;
    let application_type = catalog
        .application_type(code)
        .ok_or_else(|| Error::UnknownType(code.clone()))?;
    let currency = query.currency.unwrap_or(catalog.agency.currency);
    let speed = if query.express {
        Speed::Express
    } else {
        Speed::Normal
    };
    if query.express && !application_type.processing.offers_express() {
        return Err(Error::ExpressNotOffered(code.clone()));
    }
    let mut lines = Vec::new();
    match application_type.pricing {
        Pricing::NotPublished => return Err(Error::NotPublished(code.clone())),
        Pricing::Free => lines.push(FeeLine {
            kind: LineKind::Fee,
            code: code.clone(),
            label: application_type.name.clone(),
            amount: Money::new(0, currency),
            quantity: None,
        }),
        Pricing::Schedule => {
            let variant = match (&query.variant, &application_type.fee_variant_field) {
                (Some(variant), _) => Some(variant.clone()),
                (None, Some(field)) => Some(
                    query
                        .answers
                        .get(field)
                        .and_then(|value| value.as_str())
                        .ok_or_else(|| Error::MissingVariant(field.clone()))?
                        .to_owned(),
                ),
                (None, None) => None,
            };
            let needs_band = catalog
                .fees
                .rows
                .iter()
                .any(|row| row.application_type == *code && row.age_band.is_some());
            let age_band = if needs_band {
                let date_of_birth = query.date_of_birth.ok_or(Error::MissingDateOfBirth)?;
                let age = u32::try_from(age_on(date_of_birth, query.on)).unwrap_or(0);
                catalog
                    .fees
                    .age_bands
                    .iter()
                    .find(|band| band.contains(age))
                    .map(|band| band.code.clone())
            } else {
                None
            };
            let row = catalog
                .fees
                .rows
                .iter()
                .find(|row| {
                    row.application_type == *code
                        && (row.variants.is_empty()
                            || variant
                                .as_ref()
                                .is_some_and(|value| row.variants.contains(value)))
                        && (row.age_band.is_none() || row.age_band == age_band)
                        && row.speed.is_none_or(|row_speed| row_speed == speed)
                        && row.answers_match(&query.answers)
                })
                .ok_or_else(|| Error::NoRow {
                    application_type: code.clone(),
                    variant: variant.clone(),
                    age_band: age_band.clone(),
                    speed,
                })?;
            let unit = *row
                .amounts
                .get(&currency)
                .ok_or(Error::NoAmountInCurrency(currency))?;
            let quantity = row
                .per
                .as_deref()
                .map(|field| unit_count(&query.answers, field))
                .transpose()?;
            let amount = match quantity {
                None => unit,
                Some(count) => i64::try_from(count)
                    .ok()
                    .and_then(|count| unit.checked_mul(count))
                    .ok_or(Error::AmountOverflow(count))?,
            };
            lines.push(FeeLine {
                kind: LineKind::Fee,
                code: code.clone(),
                label: row
                    .label
                    .clone()
                    .unwrap_or_else(|| application_type.name.clone()),
                amount: Money::new(amount, currency),
                quantity: quantity.and_then(|count| u32::try_from(count).ok()),
            });
        }
    }
    // Asked for, or chosen in the type's delivery field.
    let delivery = query.delivery.clone().or_else(|| {
        application_type
            .delivery_field()
            .and_then(|field| query.answers.get(&field.code))
            .and_then(|answer| answer.as_str())
            .filter(|code| !code.trim().is_empty())
            .map(str::to_owned)
    });
    if let Some(delivery) = &delivery {
        let option = catalog
            .fees
            .delivery_options
            .iter()
            .find(|option| &option.code == delivery)
            .filter(|_| application_type.delivery_options.contains(delivery))
            .ok_or_else(|| Error::UnknownDelivery(delivery.clone()))?;
        let amount = if option.fee.is_empty() {
            0
        } else {
            *option
                .fee
                .get(&currency)
                .ok_or(Error::NoAmountInCurrency(currency))?
        };
        lines.push(FeeLine {
            kind: LineKind::Delivery,
            code: delivery.clone(),
            label: option.name.clone(),
            amount: Money::new(amount, currency),
            quantity: None,
        });
    }
    let subtotal: i64 = lines.iter().map(|line| line.amount.minor_units).sum();
    let mut plus_bank_fee = false;
    let mut notes = Vec::new();
    if let Some(method_code) = &query.payment_method {
        let method = catalog
            .fees
            .payment_methods
            .iter()
            .find(|method| &method.code == method_code)
            .ok_or_else(|| Error::UnknownPaymentMethod(method_code.clone()))?;
        if !application_type.payment_methods.contains(method_code) {
            return Err(Error::MethodNotOffered(method_code.clone()));
        }
        lines.extend(surcharge_line(method, subtotal, currency)?);
        let surcharge = &method.surcharge;
        plus_bank_fee = surcharge.plus_bank_fee;
        notes.extend(method.note.clone());
    }
    let total = lines
        .iter()
        .filter(|line| line.kind.is_charged())
        .map(|line| line.amount.minor_units)
        .sum();
    Ok(FeeQuote {
        lines,
        total: Money::new(total, currency),
        plus_bank_fee,
        notes,
    })
}

/// What paying `subtotal` with `method` adds (or, for an included
/// surcharge, shows): None when nothing.
pub fn surcharge_line(
    method: &PaymentMethod,
    subtotal: i64,
    currency: Currency,
) -> Result<Option<FeeLine>, Error> {
    let surcharge = &method.surcharge;
    let fixed = if surcharge.fixed.is_empty() {
        0
    } else {
        *surcharge
            .fixed
            .get(&currency)
            .ok_or(Error::NoAmountInCurrency(currency))?
    };
    let percent = percent_of(subtotal, surcharge.percent_basis_points, currency);
    if fixed + percent == 0 {
        return Ok(None);
    }
    Ok(Some(FeeLine {
        kind: if surcharge.included {
            LineKind::IncludedSurcharge
        } else {
            LineKind::Surcharge
        },
        code: method.code.clone(),
        label: method.name.clone(),
        amount: Money::new(fixed + percent, currency),
        quantity: None,
    }))
}

/// `basis_points` of `amount`, rounded half up to a whole unit of the currency.
fn percent_of(amount: i64, basis_points: u32, currency: Currency) -> i64 {
    if basis_points == 0 {
        return 0;
    }
    // Minor units are the smallest amount charged (whole dollars for TWD).
    let _ = currency;
    (amount * i64::from(basis_points) + 5_000) / 10_000
}
