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
    Permit,
}

impl Counter {
    fn as_str(self) -> &'static str {
        match self {
            Counter::Receipt => "receipt",
            Counter::Group => "group",
            Counter::Permit => "permit",
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
    let mut taken = take_many(connection, agency, &[(counter, format, 1)], date).await?;
    Ok(taken.remove(0).remove(0))
}

/// Takes `count` consecutive numbers of each `(counter, format, count)` in
/// `wanted`, formatted, in one statement. The counters must differ; their
/// rows are locked in the order given, so callers that always name them in
/// the same order (group before receipt) cannot deadlock.
pub async fn take_many(
    connection: &mut PgConnection,
    agency: &str,
    wanted: &[(Counter, &str, u64)],
    date: NaiveDate,
) -> Result<Vec<Vec<String>>, Error> {
    let counters: Vec<&str> = wanted
        .iter()
        .map(|(counter, _, _)| counter.as_str())
        .collect();
    let periods: Vec<String> = wanted
        .iter()
        .map(|(_, format, _)| counter_period(format, date))
        .collect();
    let counts: Vec<i64> = wanted
        .iter()
        .map(|(_, _, count)| i64::try_from(*count).unwrap_or(i64::MAX))
        .collect();
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "INSERT INTO agency_counters (agency, counter, period, last_value)
         SELECT $1, counter, period, amount
         FROM unnest($2::text[], $3::text[], $4::bigint[]) WITH ORDINALITY
              AS wanted (counter, period, amount, position)
         ORDER BY position
         ON CONFLICT (agency, counter, period)
         DO UPDATE SET last_value = agency_counters.last_value + EXCLUDED.last_value
         RETURNING counter, last_value",
    )
    .bind(agency)
    .bind(&counters)
    .bind(&periods)
    .bind(&counts)
    .fetch_all(&mut *connection)
    .await?;
    wanted
        .iter()
        .map(|(counter, format, count)| {
            let last = rows
                .iter()
                .find(|(name, _)| name == counter.as_str())
                .map(|(_, last)| u64::try_from(*last).unwrap_or_default())
                .ok_or(Error::Database(sqlx::Error::RowNotFound))?;
            (last + 1 - count..=last)
                .map(|sequence| Ok(numbers::format_receipt_number(format, date, sequence)?))
                .collect()
        })
        .collect()
}
