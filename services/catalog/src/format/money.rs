use serde::{Deserialize, Serialize};
use std::fmt;

/// ISO 4217 currency code used by the demo agencies.
///
/// Minor units: HKD, MOP and CNY have 2 decimals (MOP 402.30 = 40230);
/// TWD is kept in whole dollars (exponent 0): fees and surcharges are
/// whole New Taiwan dollars in practice, so NT$1,000 = 1000.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Currency {
    #[serde(rename = "TWD")]
    Twd,
    #[serde(rename = "HKD")]
    Hkd,
    #[serde(rename = "MOP")]
    Mop,
    #[serde(rename = "CNY")]
    Cny,
}

impl Currency {
    pub fn code(self) -> &'static str {
        match self {
            Currency::Twd => "TWD",
            Currency::Hkd => "HKD",
            Currency::Mop => "MOP",
            Currency::Cny => "CNY",
        }
    }

    /// Number of decimals the minor units carry in this platform.
    pub fn exponent(self) -> u32 {
        match self {
            Currency::Twd => 0,
            Currency::Hkd | Currency::Mop | Currency::Cny => 2,
        }
    }

    pub fn parse(code: &str) -> Option<Currency> {
        [Currency::Twd, Currency::Hkd, Currency::Mop, Currency::Cny]
            .into_iter()
            .find(|currency| currency.code().eq_ignore_ascii_case(code))
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.code())
    }
}

/// An amount in integer minor units of a currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Money {
    pub minor_units: i64,
    pub currency: Currency,
}

impl Money {
    pub fn new(minor_units: i64, currency: Currency) -> Money {
        Money {
            minor_units,
            currency,
        }
    }
}

impl fmt::Display for Money {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let exponent = self.currency.exponent();
        if exponent == 0 {
            return write!(formatter, "{} {}", self.currency, self.minor_units);
        }
        let divisor = 10_i64.pow(exponent);
        let sign = if self.minor_units < 0 { "-" } else { "" };
        let absolute = self.minor_units.abs();
        write!(
            formatter,
            "{} {sign}{}.{:0width$}",
            self.currency,
            absolute / divisor,
            absolute % divisor,
            width = exponent as usize
        )
    }
}

/// `minor_units` of the currency with ISO code `code` as this platform
/// writes amounts (`TWD 1000`, `MOP 402.30`); a code it does not know is
/// written as given, with the minor units.
pub fn written_amount(minor_units: i64, code: &str) -> String {
    match Currency::parse(code) {
        Some(currency) => Money::new(minor_units, currency).to_string(),
        None => format!("{code} {minor_units}"),
    }
}
