//! Receipt and group numbers. Each (agency, counter, period) row is one
//! sequence; the row lock taken by the upsert is held until commit, so
//! concurrent submissions receive strictly increasing values in commit
//! order, and a dated format starts again at 1 in each new period.

use chrono::NaiveDate;
use laissez_catalog::numbers;
use sqlx::PgConnection;

use crate::domain::numbering::counter_period;

/// The agency's counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counter {
    Receipt,
    Group,
}

impl Counter {
    fn as_str(self) -> &'static str {
        match self {
            Counter::Receipt => "receipt",
            Counter::Group => "group",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error("the number format is broken: {0}")]
    Format(#[from] numbers::Error),
}

/// Takes the next number of `counter` for a submission on `date` (the
/// agency's calendar date) and formats it.
pub async fn take(
    connection: &mut PgConnection,
    agency: &str,
    counter: Counter,
    format: &str,
    date: NaiveDate,
) -> Result<String, Error> {
    let period = counter_period(format, date);
    let sequence = next_value(connection, agency, counter, &period).await?;
    Ok(numbers::format_receipt_number(format, date, sequence)?)
}

async fn next_value(
    connection: &mut PgConnection,
    agency: &str,
    counter: Counter,
    period: &str,
) -> Result<u64, sqlx::Error> {
    let value: i64 = sqlx::query_scalar(
        "INSERT INTO agency_counters (agency, counter, period, last_value) VALUES ($1, $2, $3, 1)
         ON CONFLICT (agency, counter, period)
         DO UPDATE SET last_value = agency_counters.last_value + 1
         RETURNING last_value",
    )
    .bind(agency)
    .bind(counter.as_str())
    .bind(period)
    .fetch_one(connection)
    .await?;
    Ok(u64::try_from(value).unwrap_or_default())
}
