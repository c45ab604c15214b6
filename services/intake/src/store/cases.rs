//! Cases and their state history. Every read takes a [`Scope`]: the
//! caller's agency and, for applicants, their account; a case outside it is
//! exactly as absent as one that does not exist.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use sqlx::postgres::PgRow;
use sqlx::types::Json;
use sqlx::{PgConnection, PgExecutor, Row};
use uuid::Uuid;

use crate::domain::{Applicant, Event, IllegalTransition, State, state};

/// Which cases a caller may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub agency: String,
    /// `Some` for applicants (their own cases and their managed applicants'),
    /// `None` for the agency's staff.
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

pub async fn insert(connection: &mut PgConnection, case: NewCase<'_>) -> Result<Uuid, sqlx::Error> {
    let id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO cases (id, agency, account_id, application_type, state, applicant, answers,
             read_only_fields, record, catalog_version, notice_version, notice_accepted_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, now())",
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
    .execute(&mut *connection)
    .await?;
    record_transition(
        connection,
        id,
        case.agency,
        None,
        State::Draft,
        case.account_id,
        "started",
    )
    .await?;
    Ok(id)
}

/// The case, if the scope may see it.
pub async fn find<'e>(
    executor: impl PgExecutor<'e>,
    scope: &Scope,
    id: Uuid,
) -> Result<Option<CaseRow>, sqlx::Error> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM cases
         WHERE id = $1 AND agency = $2 AND ($3::text IS NULL OR account_id = $3)"
    )))
    .bind(id)
    .bind(&scope.agency)
    .bind(scope.account.as_deref())
    .fetch_optional(executor)
    .await?
    .as_ref()
    .map(from_row)
    .transpose()
}

/// As [`find`], locking the row until the transaction ends: every state
/// change of a case happens under this lock.
pub async fn lock(
    connection: &mut PgConnection,
    scope: &Scope,
    id: Uuid,
) -> Result<Option<CaseRow>, sqlx::Error> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM cases
         WHERE id = $1 AND agency = $2 AND ($3::text IS NULL OR account_id = $3)
         FOR UPDATE"
    )))
    .bind(id)
    .bind(&scope.agency)
    .bind(scope.account.as_deref())
    .fetch_optional(&mut *connection)
    .await?
    .as_ref()
    .map(from_row)
    .transpose()
}

#[derive(Debug, thiserror::Error)]
pub enum TransitionError {
    #[error(transparent)]
    Illegal(#[from] IllegalTransition),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
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
    let to = state::transition(case.state, event)?;
    sqlx::query(
        "UPDATE cases SET state = $2, updated_at = now(),
             decided_at = CASE WHEN $3 THEN now() ELSE decided_at END
         WHERE id = $1",
    )
    .bind(case.id)
    .bind(to.as_str())
    .bind(matches!(
        event,
        Event::Approve | Event::RefuseAcceptance | Event::RefuseApproval
    ))
    .execute(&mut *connection)
    .await?;
    record_transition(
        connection,
        case.id,
        &case.agency,
        Some(case.state),
        to,
        actor,
        reason,
    )
    .await?;
    case.state = to;
    Ok(to)
}

async fn record_transition(
    connection: &mut PgConnection,
    id: Uuid,
    agency: &str,
    from: Option<State>,
    to: State,
    actor: &str,
    reason: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO case_transitions (case_id, agency, from_state, to_state, actor, reason)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(agency)
    .bind(from.map_or("", State::as_str))
    .bind(to.as_str())
    .bind(actor)
    .bind(reason)
    .execute(connection)
    .await?;
    Ok(())
}

pub struct Transition {
    pub from: Option<State>,
    pub to: State,
    pub actor: String,
    pub reason: String,
    pub at: DateTime<Utc>,
}

pub async fn history<'e>(
    executor: impl PgExecutor<'e>,
    id: Uuid,
) -> Result<Vec<Transition>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT from_state, to_state, actor, reason, at FROM case_transitions
         WHERE case_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(executor)
    .await?;
    rows.iter()
        .map(|row| {
            let from: String = row.try_get("from_state")?;
            let to: String = row.try_get("to_state")?;
            Ok(Transition {
                from: State::parse(&from),
                to: State::parse(&to).unwrap_or(State::Draft),
                actor: row.try_get("actor")?,
                reason: row.try_get("reason")?,
                at: row.try_get("at")?,
            })
        })
        .collect()
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

pub async fn set_numbers(
    connection: &mut PgConnection,
    id: Uuid,
    receipt_number: &str,
    group_number: &str,
) -> Result<DateTime<Utc>, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE cases SET receipt_number = $2, group_number = $3, submitted_at = now(),
             updated_at = now()
         WHERE id = $1 RETURNING submitted_at",
    )
    .bind(id)
    .bind(receipt_number)
    .bind(group_number)
    .fetch_one(connection)
    .await
}
