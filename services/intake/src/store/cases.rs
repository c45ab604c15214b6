//! Cases and their state history. Every read takes a [`Scope`]: the
//! caller's agency and, for applicants, their account; a case outside it is
//! exactly as absent as one that does not exist.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use sqlx::postgres::PgRow;
use sqlx::types::Json;
use sqlx::{PgConnection, PgExecutor, Row};
use uuid::Uuid;

use super::details::{self, Details};
use super::documents::DocumentRow;
use crate::domain::{Applicant, Event, IllegalTransition, State, state};

/// Which cases a caller may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub agency: String,
    /// `Some` for applicants (their own cases and their managed applicants'),
    /// `None` for the agency's staff, who see only cases that were submitted:
    /// a draft belongs to its applicant alone.
    pub account: Option<String>,
}

#[derive(Debug, Clone)]
pub struct CaseRow {
    pub id: Uuid,
    pub agency: String,
    pub account_id: String,
    pub application_type: String,
    pub state: State,
    pub applicant: Applicant,
    pub answers: Map<String, Value>,
    pub read_only_fields: Vec<String>,
    pub record: Option<Map<String, Value>>,
    pub express: bool,
    pub catalog_version: u32,
    pub notice_version: String,
    pub receipt_number: Option<String>,
    pub group_number: Option<String>,
    pub created_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
}

pub const COLUMNS: &str = "id, agency, account_id, application_type, state, applicant, answers, \
     read_only_fields, record, express, catalog_version, notice_version, receipt_number, \
     group_number, created_at, submitted_at";

pub fn from_row(row: &PgRow) -> Result<CaseRow, sqlx::Error> {
    let state: String = row.try_get("state")?;
    let Json(applicant): Json<Applicant> = row.try_get("applicant")?;
    let Json(answers): Json<Map<String, Value>> = row.try_get("answers")?;
    let record: Option<Json<Map<String, Value>>> = row.try_get("record")?;
    let version: i32 = row.try_get("catalog_version")?;
    Ok(CaseRow {
        id: row.try_get("id")?,
        agency: row.try_get("agency")?,
        account_id: row.try_get("account_id")?,
        application_type: row.try_get("application_type")?,
        state: State::parse(&state)
            .ok_or_else(|| sqlx::Error::Decode(format!("unknown case state {state:?}").into()))?,
        applicant,
        answers,
        read_only_fields: row.try_get("read_only_fields")?,
        record: record.map(|Json(record)| record),
        express: row.try_get("express")?,
        catalog_version: u32::try_from(version).unwrap_or_default(),
        notice_version: row.try_get("notice_version")?,
        receipt_number: row.try_get("receipt_number")?,
        group_number: row.try_get("group_number")?,
        created_at: row.try_get("created_at")?,
        submitted_at: row.try_get("submitted_at")?,
    })
}

pub struct NewCase<'a> {
    pub agency: &'a str,
    pub account_id: &'a str,
    pub application_type: &'a str,
    pub applicant: &'a Applicant,
    pub answers: &'a Map<String, Value>,
    pub read_only_fields: &'a [String],
    pub record: Option<&'a Map<String, Value>>,
    pub catalog_version: u32,
    pub notice_version: &'a str,
}

/// Creates the draft and records its first transition, in one statement;
/// returns the case as stored.
pub async fn insert<'e>(
    executor: impl PgExecutor<'e>,
    case: NewCase<'_>,
) -> Result<CaseRow, sqlx::Error> {
    let id = Uuid::now_v7();
    let created_at: DateTime<Utc> = sqlx::query_scalar(
        "WITH created AS (
             INSERT INTO cases (id, agency, account_id, application_type, state, applicant,
                 answers, read_only_fields, record, catalog_version, notice_version,
                 notice_accepted_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, now())
             RETURNING id, agency, account_id, state, created_at
         ), started AS (
             INSERT INTO case_transitions (case_id, agency, from_state, to_state, actor, reason)
             SELECT id, agency, '', state, account_id, 'started' FROM created
         )
         SELECT created_at FROM created",
    )
    .bind(id)
    .bind(case.agency)
    .bind(case.account_id)
    .bind(case.application_type)
    .bind(State::Draft.as_str())
    .bind(Json(case.applicant))
    .bind(Json(case.answers))
    .bind(case.read_only_fields)
    .bind(case.record.map(Json))
    .bind(i32::try_from(case.catalog_version).unwrap_or(i32::MAX))
    .bind(case.notice_version)
    .fetch_one(executor)
    .await?;
    Ok(CaseRow {
        id,
        agency: case.agency.to_owned(),
        account_id: case.account_id.to_owned(),
        application_type: case.application_type.to_owned(),
        state: State::Draft,
        applicant: case.applicant.clone(),
        answers: case.answers.clone(),
        read_only_fields: case.read_only_fields.to_vec(),
        record: case.record.cloned(),
        express: false,
        catalog_version: case.catalog_version,
        notice_version: case.notice_version.to_owned(),
        receipt_number: None,
        group_number: None,
        created_at,
        submitted_at: None,
    })
}

/// The case `$1` if the scope (`$2` agency, `$3` account or NULL for staff)
/// may see it. The scope is wrapped in `IS TRUE` so it is only ever a filter
/// on the primary-key lookup: as an index condition, on a table without
/// statistics yet, the planner may pick `cases_by_account` by agency alone
/// and read every case of the agency for each lookup.
pub(crate) const IN_SCOPE: &str = "id = $1 AND (agency = $2 AND ($3::text IS NULL OR account_id = $3)) IS TRUE \
     AND ($3::text IS NOT NULL OR submitted_at IS NOT NULL)";

/// The case `id` in the scope with `extra` select columns (a list, or
/// empty), decoded by
/// `decode`; locked until the transaction ends when `lock`.
async fn select<'e, T>(
    executor: impl PgExecutor<'e>,
    scope: &Scope,
    id: Uuid,
    extra: &str,
    lock: bool,
    decode: impl FnOnce(&PgRow) -> Result<T, sqlx::Error>,
) -> Result<Option<T>, sqlx::Error> {
    let lock = if lock { "FOR UPDATE" } else { "" };
    let comma = if extra.is_empty() { "" } else { ", " };
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS}{comma}{extra} FROM cases WHERE {IN_SCOPE} {lock}"
    )))
    .bind(id)
    .bind(&scope.agency)
    .bind(scope.account.as_deref())
    .fetch_optional(executor)
    .await?
    .as_ref()
    .map(decode)
    .transpose()
}

fn with_details(row: &PgRow) -> Result<(CaseRow, Details), sqlx::Error> {
    Ok((from_row(row)?, details::from_row(row)?))
}

/// The case, if the scope may see it.
pub async fn find<'e>(
    executor: impl PgExecutor<'e>,
    scope: &Scope,
    id: Uuid,
) -> Result<Option<CaseRow>, sqlx::Error> {
    select(executor, scope, id, "", false, from_row).await
}

/// As [`find`], with the case's documents, returns and history.
pub async fn find_detailed<'e>(
    executor: impl PgExecutor<'e>,
    scope: &Scope,
    id: Uuid,
) -> Result<Option<(CaseRow, Details)>, sqlx::Error> {
    select(executor, scope, id, details::COLUMNS, false, with_details).await
}

/// As [`find`], locking the row until the transaction ends: every state
/// change of a case happens under this lock.
pub async fn lock(
    connection: &mut PgConnection,
    scope: &Scope,
    id: Uuid,
) -> Result<Option<CaseRow>, sqlx::Error> {
    select(connection, scope, id, "", true, from_row).await
}

/// As [`lock`], with the case's documents, returns and history.
pub async fn lock_detailed(
    connection: &mut PgConnection,
    scope: &Scope,
    id: Uuid,
) -> Result<Option<(CaseRow, Details)>, sqlx::Error> {
    select(connection, scope, id, details::COLUMNS, true, with_details).await
}

/// As [`lock`], with the case's live documents.
pub async fn lock_with_documents(
    connection: &mut PgConnection,
    scope: &Scope,
    id: Uuid,
) -> Result<Option<(CaseRow, Vec<DocumentRow>)>, sqlx::Error> {
    select(connection, scope, id, details::DOCUMENTS, true, |row| {
        Ok((from_row(row)?, details::documents_from_row(row)?))
    })
    .await
}

/// The case with the count and total size of its live documents (the
/// per-case quota).
pub async fn find_with_usage<'e>(
    executor: impl PgExecutor<'e>,
    scope: &Scope,
    id: Uuid,
) -> Result<Option<(CaseRow, u64, u64)>, sqlx::Error> {
    let extra = "(SELECT count(*) FROM case_documents
                   WHERE case_id = cases.id AND deleted_at IS NULL) AS usage_count,
                  (SELECT COALESCE(sum(size_bytes), 0)::bigint FROM case_documents
                   WHERE case_id = cases.id AND deleted_at IS NULL) AS usage_bytes";
    select(executor, scope, id, extra, false, |row| {
        let count: i64 = row.try_get("usage_count")?;
        let bytes: i64 = row.try_get("usage_bytes")?;
        Ok((
            from_row(row)?,
            u64::try_from(count).unwrap_or_default(),
            u64::try_from(bytes).unwrap_or_default(),
        ))
    })
    .await
}

#[derive(Debug, thiserror::Error)]
pub enum TransitionError {
    #[error(transparent)]
    Illegal(#[from] IllegalTransition),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// What a (re)submission writes with its state change: the snapshot of
/// `round` (0 for the first submission: the case's answers as stored,
/// these documents, its catalog and notice versions) and, on the first
/// submission, the case's numbers.
pub struct Submission<'a> {
    pub round: u32,
    pub documents: &'a [DocumentRow],
    pub numbers: Option<Numbers<'a>>,
}

/// The receipt and group numbers a first submission gives a case.
pub struct Numbers<'a> {
    pub receipt: &'a str,
    pub group: &'a str,
}

/// Applies `event` to a case locked with [`lock`]; the one place a case's
/// state changes. Records who and why with the change.
pub async fn apply(
    connection: &mut PgConnection,
    case: &mut CaseRow,
    event: Event,
    actor: &str,
    reason: &str,
) -> Result<State, TransitionError> {
    apply_submitting(connection, case, event, actor, reason, None).await
}

/// As [`apply`]; with a [`Submission`], also stores its snapshot and sets
/// its numbers and submission time, in the same statement.
pub async fn apply_submitting(
    connection: &mut PgConnection,
    case: &mut CaseRow,
    event: Event,
    actor: &str,
    reason: &str,
    submission: Option<Submission<'_>>,
) -> Result<State, TransitionError> {
    let to = state::transition(case.state, event)?;
    if matches!(to, State::Withdrawn | State::Cancelled) {
        // A case that ends gives back its appointment's place at once.
        crate::appointments::store::release_with_case(&mut *connection, case.id, actor).await?;
    }
    let numbers = submission
        .as_ref()
        .and_then(|submission| submission.numbers.as_ref());
    let submitted_at: Option<DateTime<Utc>> = sqlx::query_scalar(
        "WITH changed AS (
             UPDATE cases SET state = $2, updated_at = now(),
                 decided_at = CASE WHEN $3 THEN now() ELSE decided_at END,
                 receipt_number = COALESCE($7, receipt_number),
                 group_number = COALESCE($8, group_number),
                 submitted_at = CASE WHEN $7::text IS NULL THEN submitted_at ELSE now() END
             WHERE id = $1
             RETURNING id, agency, submitted_at, answers, catalog_version, notice_version
         ), recorded AS (
             INSERT INTO case_transitions (case_id, agency, from_state, to_state, actor, reason)
             SELECT id, agency, $4, $2, $5, $6 FROM changed
         ), snapshot AS (
             INSERT INTO case_snapshots (case_id, round, answers, documents, catalog_version,
                 notice_version)
             SELECT id, $10, answers, $9, catalog_version, notice_version FROM changed
             WHERE $9::jsonb IS NOT NULL
         )
         SELECT submitted_at FROM changed",
    )
    .bind(case.id)
    .bind(to.as_str())
    .bind(matches!(
        event,
        Event::Approve | Event::RefuseAcceptance | Event::RefuseApproval
    ))
    .bind(case.state.as_str())
    .bind(actor)
    .bind(reason)
    .bind(numbers.map(|numbers| numbers.receipt))
    .bind(numbers.map(|numbers| numbers.group))
    .bind(
        submission
            .as_ref()
            .map(|submission| Json(submission.documents)),
    )
    .bind(submission.as_ref().map_or(0, |submission| {
        i32::try_from(submission.round).unwrap_or(i32::MAX)
    }))
    .fetch_one(connection)
    .await?;
    case.state = to;
    if let Some(numbers) = numbers {
        case.receipt_number = Some(numbers.receipt.to_owned());
        case.group_number = Some(numbers.group.to_owned());
        case.submitted_at = submitted_at;
    }
    Ok(to)
}

pub async fn save_answers(
    connection: &mut PgConnection,
    id: Uuid,
    answers: &Map<String, Value>,
    express: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE cases SET answers = $2, express = $3, updated_at = now() WHERE id = $1")
        .bind(id)
        .bind(Json(answers))
        .bind(express)
        .execute(connection)
        .await?;
    Ok(())
}
