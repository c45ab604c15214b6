//! The returns of a case (correction / supplement) with comment and reply.
//! Each round's snapshot is written with its state change
//! (`cases::apply_submitting`).

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

/// Opens the next return round; returns its number (1, 2, ...).
pub async fn open(
    connection: &mut PgConnection,
    case_id: Uuid,
    kind: &str,
    comment: &str,
    returned_at: DateTime<Utc>,
) -> Result<u32, sqlx::Error> {
    let round: i32 = sqlx::query_scalar(
        "INSERT INTO case_returns (case_id, round, kind, reviewer_comment, returned_at)
         SELECT $1, COALESCE(max(round), 0) + 1, $2, $3, $4 FROM case_returns WHERE case_id = $1
         RETURNING round",
    )
    .bind(case_id)
    .bind(kind)
    .bind(comment)
    .bind(returned_at)
    .fetch_one(connection)
    .await?;
    Ok(u32::try_from(round).unwrap_or_default())
}

/// Closes the open round with the applicant's reply; returns its number.
pub async fn close(
    connection: &mut PgConnection,
    case_id: Uuid,
    reply: &str,
) -> Result<Option<u32>, sqlx::Error> {
    let round: Option<i32> = sqlx::query_scalar(
        "UPDATE case_returns SET applicant_reply = $2, resubmitted_at = now()
         WHERE case_id = $1 AND resubmitted_at IS NULL
         RETURNING round",
    )
    .bind(case_id)
    .bind(reply)
    .fetch_optional(connection)
    .await?;
    Ok(round.and_then(|round| u32::try_from(round).ok()))
}
