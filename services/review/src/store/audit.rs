//! Appending to, reading and verifying the per-agency audit hash chain.

use chrono::{DateTime, SubsecRound, Utc};
use laissez_kit::{AgencyCode, CaseId};
use sqlx::{PgConnection, PgPool, Row};
use uuid::Uuid;

use crate::domain::audit::{AuditRecord, GENESIS, hash};

/// One action to record: who did what to which case, and why.
pub struct Action<'a> {
    pub agency: &'a AgencyCode,
    pub actor: &'a str,
    pub action: &'a str,
    pub case_id: Option<Uuid>,
    pub detail: serde_json::Value,
    pub reason: &'a str,
}

#[derive(Debug, Clone)]
pub struct Entry {
    pub sequence: i64,
    pub actor: String,
    pub action: String,
    pub case_id: Option<Uuid>,
    pub detail_json: String,
    pub reason: String,
    pub at: DateTime<Utc>,
    pub previous_hash: String,
    pub hash: String,
}

/// Appends `action` in the caller's transaction. The agency's chain head
/// is locked and read in one statement and moved by the statement that
/// inserts the entry, so entries are numbered without gaps; call it last in
/// the transaction to hold the head's lock briefly.
pub async fn append(connection: &mut PgConnection, action: Action<'_>) -> Result<i64, sqlx::Error> {
    let (last_sequence, previous_hash) = lock_head(connection, action.agency).await?;
    let sequence = last_sequence + 1;
    let at = Utc::now().trunc_subsecs(6);
    let detail_json = action.detail.to_string();
    let record = AuditRecord {
        agency: action.agency,
        sequence,
        actor: action.actor,
        action: action.action,
        case_id: action.case_id,
        detail_json: &detail_json,
        reason: action.reason,
        at,
        previous_hash: &previous_hash,
    };
    let entry_hash = hash(&record);
    sqlx::query(
        "WITH entry AS (\
           INSERT INTO audit_log (agency, sequence, actor, action, case_id, detail_json, reason, at, previous_hash, hash) \
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)) \
         UPDATE audit_head SET sequence = $2, hash = $10 WHERE agency = $1",
    )
    .bind(action.agency)
    .bind(sequence)
    .bind(action.actor)
    .bind(action.action)
    .bind(action.case_id)
    .bind(&detail_json)
    .bind(action.reason)
    .bind(at)
    .bind(&previous_hash)
    .bind(&entry_hash)
    .execute(&mut *connection)
    .await?;
    Ok(sequence)
}

/// Locks the agency's chain head until the transaction ends and returns its
/// sequence and hash; starts the chain (at the genesis hash) the first time.
/// Under READ COMMITTED, `FOR UPDATE` returns the head as the previous holder
/// committed it.
async fn lock_head(
    connection: &mut PgConnection,
    agency: &str,
) -> Result<(i64, String), sqlx::Error> {
    loop {
        let head: Option<(i64, String)> =
            sqlx::query_as("SELECT sequence, hash FROM audit_head WHERE agency = $1 FOR UPDATE")
                .bind(agency)
                .fetch_optional(&mut *connection)
                .await?;
        if let Some(head) = head {
            return Ok(head);
        }
        sqlx::query(
            "INSERT INTO audit_head (agency, sequence, hash) VALUES ($1, 0, $2) \
             ON CONFLICT (agency) DO NOTHING",
        )
        .bind(agency)
        .bind(GENESIS)
        .execute(&mut *connection)
        .await?;
    }
}

fn entry_of(row: &sqlx::postgres::PgRow) -> Result<Entry, sqlx::Error> {
    Ok(Entry {
        sequence: row.try_get("sequence")?,
        actor: row.try_get("actor")?,
        action: row.try_get("action")?,
        case_id: row.try_get("case_id")?,
        detail_json: row.try_get("detail_json")?,
        reason: row.try_get("reason")?,
        at: row.try_get("at")?,
        previous_hash: row.try_get("previous_hash")?,
        hash: row.try_get("hash")?,
    })
}

const COLUMNS: &str =
    "sequence, actor, action, case_id, detail_json, reason, at, previous_hash, hash";

pub async fn list(
    pool: &PgPool,
    agency: &AgencyCode,
    case_id: Option<CaseId>,
    after_sequence: i64,
    limit: i64,
) -> Result<Vec<Entry>, sqlx::Error> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM audit_log WHERE agency = $1 AND ($2::uuid IS NULL OR case_id = $2) \
         AND sequence > $3 ORDER BY sequence LIMIT $4"
    )))
    .bind(agency)
    .bind(case_id)
    .bind(after_sequence)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.iter().map(entry_of).collect()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    pub entries_checked: u64,
    /// The first entry that does not chain: altered, inserted, or after a gap.
    pub first_bad_sequence: Option<i64>,
}

/// Walks the agency's chain from the start in pages and recomputes every hash.
pub async fn verify(pool: &PgPool, agency: &AgencyCode) -> Result<Verification, sqlx::Error> {
    const PAGE: i64 = 5_000;
    let mut previous_hash = GENESIS.to_owned();
    let mut expected_sequence = 1_i64;
    let mut checked = 0_u64;
    loop {
        let page = list(pool, agency, None, expected_sequence - 1, PAGE).await?;
        let page_len = page.len();
        for entry in page {
            checked += 1;
            let recomputed = hash(&AuditRecord {
                agency,
                sequence: entry.sequence,
                actor: &entry.actor,
                action: &entry.action,
                case_id: entry.case_id,
                detail_json: &entry.detail_json,
                reason: &entry.reason,
                at: entry.at,
                previous_hash: &entry.previous_hash,
            });
            if entry.sequence != expected_sequence
                || entry.previous_hash != previous_hash
                || entry.hash != recomputed
            {
                return Ok(Verification {
                    entries_checked: checked,
                    first_bad_sequence: Some(expected_sequence.min(entry.sequence)),
                });
            }
            previous_hash = entry.hash;
            expected_sequence += 1;
        }
        if i64::try_from(page_len).unwrap_or(0) < PAGE {
            // The log must end where the head says: entries removed from
            // the end leave the head ahead of the log.
            let head: Option<(i64, String)> =
                sqlx::query_as("SELECT sequence, hash FROM audit_head WHERE agency = $1")
                    .bind(agency)
                    .fetch_optional(pool)
                    .await?;
            let last_sequence = expected_sequence - 1;
            let ends_at_head = match head {
                Some((sequence, hash)) => sequence == last_sequence && hash == previous_hash,
                None => last_sequence == 0,
            };
            return Ok(Verification {
                entries_checked: checked,
                first_bad_sequence: (!ends_at_head).then_some(expected_sequence),
            });
        }
    }
}
