//! What a case shows beside its own row: its live documents, its return
//! rounds and its state history. All three come with the case row in the
//! same statement ([`COLUMNS`] as extra columns of a `cases` select), so a
//! whole case is one round trip to the database.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use sqlx::Row;
use sqlx::postgres::PgRow;
use sqlx::types::Json;

use super::documents::DocumentRow;
use super::lifecycle::Lifecycle;
use crate::domain::State;

macro_rules! documents_column {
    () => {
        "(SELECT COALESCE(jsonb_agg(to_jsonb(d) ORDER BY d.uploaded_at, d.id), '[]') FROM (
             SELECT id, requirement, file_name, media_type, size_bytes, sha256, blob_key,
                    uploaded_at
             FROM case_documents WHERE case_id = cases.id AND deleted_at IS NULL) d)
         AS detail_documents"
    };
}

/// Extra select column over `cases`: the live documents, oldest first.
pub const DOCUMENTS: &str = documents_column!();

/// Extra select columns over `cases`: documents, returns and history.
pub const COLUMNS: &str = concat!(
    documents_column!(),
    ", (SELECT COALESCE(jsonb_agg(to_jsonb(r) ORDER BY r.round), '[]') FROM (
          SELECT round, kind, reviewer_comment, applicant_reply, returned_at, resubmitted_at
          FROM case_returns WHERE case_id = cases.id) r) AS detail_returns,
       (SELECT COALESCE(jsonb_agg(to_jsonb(t) ORDER BY t.id), '[]') FROM (
          SELECT id, from_state, to_state, actor, reason, at
          FROM case_transitions WHERE case_id = cases.id) t) AS detail_history, ",
    super::lifecycle::lifecycle_column!()
);

/// The documents of a row selected with [`DOCUMENTS`] (or [`COLUMNS`]).
pub fn documents_from_row(row: &PgRow) -> Result<Vec<DocumentRow>, sqlx::Error> {
    let Json(documents): Json<Vec<DocumentRow>> = row.try_get("detail_documents")?;
    Ok(documents)
}

#[derive(Debug, Clone, Deserialize)]
pub struct ReturnRow {
    pub round: u32,
    pub kind: String,
    pub reviewer_comment: String,
    pub applicant_reply: String,
    pub returned_at: DateTime<Utc>,
    pub resubmitted_at: Option<DateTime<Utc>>,
}

/// One state change of the case.
#[derive(Debug, Clone)]
pub struct Transition {
    pub from: Option<State>,
    pub to: State,
    pub actor: String,
    pub reason: String,
    pub at: DateTime<Utc>,
}

#[derive(Deserialize)]
struct TransitionRow {
    from_state: String,
    to_state: String,
    actor: String,
    reason: String,
    at: DateTime<Utc>,
}

#[derive(Debug, Clone, Default)]
pub struct Details {
    /// Live documents, oldest first.
    pub documents: Vec<DocumentRow>,
    /// Return rounds, first first.
    pub returns: Vec<ReturnRow>,
    /// State changes in the order they happened.
    pub history: Vec<Transition>,
    /// After approval: production, permit, collection.
    pub lifecycle: Option<Lifecycle>,
}

impl Details {
    /// A case just started: no documents, no returns, one change.
    pub fn started(actor: &str, at: DateTime<Utc>) -> Self {
        Self {
            documents: Vec::new(),
            returns: Vec::new(),
            history: vec![Transition {
                from: None,
                to: State::Draft,
                actor: actor.to_owned(),
                reason: "started".to_owned(),
                at,
            }],
            lifecycle: None,
        }
    }
}

pub fn from_row(row: &PgRow) -> Result<Details, sqlx::Error> {
    let documents = documents_from_row(row)?;
    let Json(returns): Json<Vec<ReturnRow>> = row.try_get("detail_returns")?;
    let Json(history): Json<Vec<TransitionRow>> = row.try_get("detail_history")?;
    let history = history
        .into_iter()
        .map(|change| {
            Ok(Transition {
                from: State::parse(&change.from_state),
                to: State::parse(&change.to_state).ok_or_else(|| {
                    sqlx::Error::Decode(format!("unknown case state {:?}", change.to_state).into())
                })?,
                actor: change.actor,
                reason: change.reason,
                at: change.at,
            })
        })
        .collect::<Result<_, sqlx::Error>>()?;
    let lifecycle: Option<Json<Lifecycle>> = row.try_get("detail_lifecycle")?;
    Ok(Details {
        documents,
        returns,
        history,
        lifecycle: lifecycle.map(|Json(lifecycle)| lifecycle),
    })
}
