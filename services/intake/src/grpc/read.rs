//! The applicant's (and staff's) views: one case, the progress query with
//! filters and paging, and the dashboard.

use std::collections::BTreeMap;

use laissez_catalog::store as catalog_store;
use laissez_kit::{Caller, ServiceError};
use laissez_proto::common::v1::PageResponse;
use laissez_proto::intake::v1 as proto;
use sqlx::Row;

use super::{Intake, applicant_scope, case_id, read_scope, view};
use crate::catalog::convert;
use crate::domain::State;
use crate::domain::application::normal_document_number;
use crate::store::cases::{self, CaseRow};
use crate::store::lifecycle::{Lifecycle, lifecycle_column};
use crate::time::from_timestamp;
use sqlx::types::Json;

const DEFAULT_PAGE_SIZE: u32 = 20;
const MAX_PAGE_SIZE: u32 = 100;
const DASHBOARD_LIMIT: i64 = 500;

pub async fn get_case(
    intake: &Intake,
    caller: &Caller,
    request: proto::GetCaseRequest,
) -> Result<proto::Case, ServiceError> {
    let scope = read_scope(caller)?;
    let id = case_id(&request.case_id)?;
    let (case, details) = cases::find_detailed(&intake.pool, &scope, id)
        .await?
        .ok_or(ServiceError::NotFound("case"))?;
    Ok(view::detail(&case, &details))
}

fn offset(token: &str) -> Result<i64, ServiceError> {
    if token.is_empty() {
        return Ok(0);
    }
    token
        .parse::<i64>()
        .ok()
        .filter(|offset| *offset >= 0)
        .ok_or_else(|| ServiceError::invalid("page.page_token", "invalid", "not a page token"))
}

fn non_empty(text: &str) -> Option<&str> {
    let text = text.trim();
    (!text.is_empty()).then_some(text)
}

pub async fn list_cases(
    intake: &Intake,
    caller: &Caller,
    request: proto::ListCasesRequest,
) -> Result<proto::ListCasesResponse, ServiceError> {
    let scope = read_scope(caller)?;
    let page = request.page.unwrap_or_default();
    let size = match page.page_size {
        0 => DEFAULT_PAGE_SIZE,
        size => size.min(MAX_PAGE_SIZE),
    };
    let offset = offset(&page.page_token)?;
    let state = match proto::CaseState::try_from(request.state) {
        Ok(proto::CaseState::Unspecified) => None,
        Ok(state) => super::view::state_of(state),
        Err(_) => {
            return Err(ServiceError::invalid(
                "state",
                "unknown",
                "unknown case state",
            ));
        }
    };
    let from = request.from.as_ref().and_then(from_timestamp);
    let to = request.to.as_ref().and_then(from_timestamp);
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {}, {}, count(*) OVER () AS total FROM cases
         WHERE agency = $1 AND ($2::text IS NULL OR account_id = $2)
           AND ($2::text IS NOT NULL OR submitted_at IS NOT NULL)
           AND ($3::text IS NULL OR group_number = $3)
           AND ($4::text IS NULL OR receipt_number = $4)
           AND ($5::timestamptz IS NULL OR COALESCE(submitted_at, created_at) >= $5)
           AND ($6::timestamptz IS NULL OR COALESCE(submitted_at, created_at) < $6)
           AND ($7::text IS NULL OR state = $7)
           AND ($8::text IS NULL OR application_type = $8)
           AND ($11::text IS NULL OR
                upper(regexp_replace(applicant->>'document_number', '[[:space:]-]', '', 'g')) = $11)
         ORDER BY created_at DESC, id DESC
         LIMIT $9 OFFSET $10",
        cases::COLUMNS,
        lifecycle_column!(),
    )))
    .bind(&scope.agency)
    .bind(scope.account.as_deref())
    .bind(non_empty(&request.group_number))
    .bind(non_empty(&request.receipt_number))
    .bind(from)
    .bind(to)
    .bind(state.map(State::as_str))
    .bind(non_empty(&request.application_type))
    .bind(i64::from(size))
    .bind(offset)
    .bind(non_empty(&normal_document_number(&request.document_number)))
    .fetch_all(&intake.pool)
    .await?;
    let total: i64 = match rows.first() {
        Some(row) => row.try_get("total")?,
        None => 0,
    };
    // Each summary carries what happened after approval (the counter
    // hands over from the list).
    let cases = rows
        .iter()
        .map(|row| {
            let case = cases::from_row(row)?;
            let known: Option<Json<Lifecycle>> = row.try_get("detail_lifecycle")?;
            let mut summary = view::summary(&case);
            summary.lifecycle = known.map(|Json(known)| view::lifecycle(&known));
            Ok(summary)
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let next = offset + i64::try_from(cases.len()).unwrap_or_default();
    Ok(proto::ListCasesResponse {
        cases,
        page: Some(PageResponse {
            next_page_token: if next < total {
                next.to_string()
            } else {
                String::new()
            },
            total_size: u64::try_from(total).unwrap_or_default(),
        }),
    })
}

/// Dashboard sections, in the seed's order.
const SECTIONS: [&str; 5] = [
    "new",
    "awaiting_supplement",
    "awaiting_payment",
    "rejected",
    "group_rejected",
];

fn rejected(state: State) -> bool {
    matches!(state, State::NotAccepted | State::NotApproved)
}

fn section(case: &CaseRow, whole_group_rejected: bool) -> Option<&'static str> {
    match case.state {
        State::Draft | State::Submitted | State::UnderReview => Some("new"),
        State::ReturnedForCorrection | State::ReturnedForSupplement => Some("awaiting_supplement"),
        State::AwaitingPayment => Some("awaiting_payment"),
        state if rejected(state) && whole_group_rejected => Some("group_rejected"),
        state if rejected(state) => Some("rejected"),
        _ => None,
    }
}

pub async fn dashboard(intake: &Intake, caller: &Caller) -> Result<proto::Dashboard, ServiceError> {
    let scope = applicant_scope(caller)?;
    let (_, catalog) = intake.catalogs.current(&intake.pool, &scope.agency).await?;
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {} FROM cases WHERE agency = $1 AND account_id = $2
         ORDER BY created_at DESC LIMIT $3",
        cases::COLUMNS
    )))
    .bind(&scope.agency)
    .bind(scope.account.as_deref())
    .bind(DASHBOARD_LIMIT)
    .fetch_all(&intake.pool)
    .await?;
    let cases = rows
        .iter()
        .map(cases::from_row)
        .collect::<Result<Vec<_>, _>>()?;
    // A group of several cases is "wholly" rejected when every case in it
    // was; a case filed alone that is rejected is simply rejected.
    let mut groups: BTreeMap<&str, (usize, bool)> = BTreeMap::new();
    for case in &cases {
        if let Some(group) = case.group_number.as_deref() {
            let (size, all) = groups.entry(group).or_insert((0, true));
            *size += 1;
            *all = *all && rejected(case.state);
        }
    }
    let tabs = catalog
        .application_types
        .iter()
        .filter(|kind| kind.portal == caller.portal)
        .map(|kind| {
            let sections = SECTIONS
                .iter()
                .map(|name| proto::DashboardSection {
                    section: (*name).to_owned(),
                    cases: cases
                        .iter()
                        .filter(|case| case.application_type == kind.code)
                        .filter(|case| {
                            let whole = case
                                .group_number
                                .as_deref()
                                .and_then(|group| groups.get(group))
                                .is_some_and(|(size, all)| *size > 1 && *all);
                            section(case, whole) == Some(*name)
                        })
                        .map(view::summary)
                        .collect(),
                })
                .collect();
            proto::DashboardTab {
                application_type: kind.code.clone(),
                name: Some(convert::localized(&kind.name)),
                sections,
            }
        })
        .collect();
    // Announcements managed between publishes, then the catalog's own.
    let stored = catalog_store::list_announcements(&intake.pool, &scope.agency)
        .await
        .map_err(ServiceError::internal)?;
    let mut announcements: Vec<proto::Announcement> =
        stored.iter().map(convert::announcement).collect();
    for announcement in &catalog.announcements {
        if !stored
            .iter()
            .any(|stored| stored.announcement.code == announcement.code)
        {
            announcements.push(proto::Announcement {
                announcement_id: String::new(),
                important: announcement.important,
                title: Some(convert::localized(&announcement.title)),
                body: Some(convert::localized(&announcement.body)),
                unit: announcement.unit.as_ref().map(convert::localized),
                published_on: announcement.published_on.to_string(),
                code: announcement.code.clone(),
            });
        }
    }
    Ok(proto::Dashboard {
        announcements,
        tabs,
    })
}
