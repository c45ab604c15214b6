//! After approval, the type's workflow drives the case: when a stage ends
//! (review approved, payment received, production done), the next stage the
//! catalog declares begins, through the one state machine and in the
//! transaction of whatever ended the last stage. Entering a stage does
//! that stage's work: payment is asked to open an order, production gets
//! its due date from the processing days and the agency's calendar, an
//! electronic permit gets its number and validity, a document ready for
//! pickup gets its collection deadline. Nothing here names an agency.

use chrono::{DateTime, Months, NaiveDate, Utc};
use laissez_catalog::format::{ApplicationType, Entries, Stage};
use laissez_catalog::{Catalog, calendar, eligibility, rules};
use laissez_eventbus::Outbox;
use laissez_kit::ServiceError;
use laissez_proto::events::v1::{CaseProgressed, CaseSubmitted, PaymentRequested, PermitHolder};
use sqlx::{PgConnection, PgPool};
use std::sync::Arc;

use crate::domain::{Event, IllegalTransition, State, application, state};
use crate::store::CatalogCache;
use crate::store::cases::{self, CaseRow, TransitionError};
use crate::store::lifecycle;
use crate::store::numbers::{self, Counter};
use crate::time::{agency_date, timestamp};

#[derive(Debug, thiserror::Error)]
pub enum AdvanceError {
    #[error(transparent)]
    Illegal(#[from] IllegalTransition),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error("the catalog's permit number format is broken: {0}")]
    Numbers(String),
    #[error("the event could not be queued: {0}")]
    Outbox(String),
    #[error("the case's catalog could not be read: {0}")]
    Catalog(String),
}

impl From<TransitionError> for AdvanceError {
    fn from(error: TransitionError) -> Self {
        match error {
            TransitionError::Illegal(illegal) => Self::Illegal(illegal),
            TransitionError::Database(error) => Self::Database(error),
        }
    }
}

impl From<numbers::Error> for AdvanceError {
    fn from(error: numbers::Error) -> Self {
        match error {
            numbers::Error::Database(error) => Self::Database(error),
            numbers::Error::Format(error) => Self::Numbers(error.to_string()),
        }
    }
}

impl From<AdvanceError> for ServiceError {
    fn from(error: AdvanceError) -> Self {
        match error {
            AdvanceError::Illegal(illegal) => ServiceError::FailedPrecondition(illegal.to_string()),
            AdvanceError::Database(error) => error.into(),
            other => ServiceError::internal(other),
        }
    }
}

impl From<AdvanceError> for laissez_eventbus::HandlerError {
    fn from(error: AdvanceError) -> Self {
        match error {
            AdvanceError::Database(error) => error.into(),
            AdvanceError::Catalog(_) => laissez_eventbus::HandlerError::transient(error),
            // Retrying cannot fix a state or a catalog: dead-letter it.
            other => laissez_eventbus::HandlerError::permanent(other),
        }
    }
}

/// Where a case stands after [`advance`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Advanced {
    pub state: State,
    /// The stage entered, if the workflow had one after `completed`.
    pub entered: Option<Stage>,
}

/// The catalog version `case` was filed under; `None` when that version is
/// gone (the case then stays where it is, and the log says why).
pub async fn catalog_of(
    catalogs: &CatalogCache,
    pool: &PgPool,
    case: &CaseRow,
) -> Result<Option<Arc<Catalog>>, AdvanceError> {
    match catalogs.get(pool, &case.agency, case.catalog_version).await {
        Ok(catalog) => Ok(Some(catalog)),
        Err(ServiceError::NotFound(_)) => {
            tracing::warn!(case_id = %case.id, agency = %case.agency,
                version = case.catalog_version, "the case's catalog version is missing");
            Ok(None)
        }
        Err(error) => Err(AdvanceError::Catalog(error.to_string())),
    }
}

/// The stage `completed` has ended for `case` (locked by the caller, in
/// `connection`'s transaction): the workflow's next stage begins. With no
/// catalog (it could not be read) or no next stage, the case stays.
pub async fn advance(
    connection: &mut PgConnection,
    catalog: Option<&Catalog>,
    case: &mut CaseRow,
    completed: Stage,
    actor: &str,
) -> Result<Advanced, AdvanceError> {
    let kind = catalog.and_then(|catalog| catalog.application_type(&case.application_type));
    // The chosen delivery option decides between pickup and delivery.
    let workflow = catalog
        .zip(kind)
        .map(|(catalog, kind)| catalog.workflow_for(kind, &case.answers))
        .unwrap_or_default();
    let stay = Advanced {
        state: case.state,
        entered: None,
    };
    let Some(next) = state::next_stage(&workflow, completed) else {
        return Ok(stay);
    };
    if next == Stage::Review && case.state == State::Paid {
        // The fee taken when it was lodged: now it is reviewed. (Review
        // after anything else is entered by submission.)
        let lodged = lodge(connection, case, actor).await?;
        return Ok(Advanced {
            state: lodged,
            entered: Some(Stage::Review),
        });
    }
    let Some(event) = state::entering(next) else {
        return Ok(stay);
    };
    let entered = cases::apply(connection, case, event, actor, "").await?;
    let now = Utc::now();
    let mut progressed = None;
    match (next, catalog, kind) {
        (Stage::Payment, _, _) => {
            let requested = payment_requested(case, catalog);
            enqueue(connection, case, &requested).await?;
        }
        (Stage::Production, Some(catalog), Some(kind)) => {
            let today = agency_date(catalog, now);
            let due = calendar::due_date(
                &catalog.calendar,
                kind,
                &rule_input(case, catalog, today),
                today,
                case.express,
            )
            .ok();
            lifecycle::start_production(connection, case.id, &case.agency, due).await?;
            progressed = Some(ProgressDetail {
                production_due_on: due,
                ..ProgressDetail::default()
            });
        }
        (Stage::ElectronicIssue, Some(catalog), Some(kind)) => {
            let today = agency_date(catalog, now);
            let number = match &catalog.numbers.permit {
                Some(format) => Some(
                    numbers::take(connection, &case.agency, Counter::Permit, format, today).await?,
                ),
                None => None,
            };
            let valid_until =
                fix_permit(connection, catalog, kind, case, number.as_deref(), today).await?;
            progressed = Some(ProgressDetail {
                permit_number: number,
                permit_valid_until: valid_until,
                ..ProgressDetail::default()
            });
        }
        (Stage::Pickup, Some(catalog), kind) => {
            let today = agency_date(catalog, now);
            let collect_by = kind
                .and_then(|kind| kind.uncollected_cancel_after_months)
                .and_then(|months| today.checked_add_months(Months::new(months)));
            lifecycle::make_ready(connection, case.id, &case.agency, collect_by).await?;
            progressed = Some(ProgressDetail {
                collect_by,
                ..ProgressDetail::default()
            });
        }
        (Stage::Delivery, Some(_), Some(kind)) => {
            // Where it goes, as answered: what staff address the parcel to.
            let address = kind
                .delivery_field()
                .and_then(|field| field.address_field.as_deref())
                .and_then(|field| case.answers.get(field))
                .and_then(|value| value.as_str())
                .unwrap_or_default()
                .trim()
                .to_owned();
            lifecycle::await_dispatch(connection, case.id, &case.agency, &address).await?;
            progressed = Some(ProgressDetail::default());
        }
        // Appointments are booked by the applicant; what else is entered
        // without a catalog keeps no details.
        _ => {}
    }
    if let Some(detail) = progressed {
        let event = progressed_event(connection, case, detail, now).await?;
        enqueue(connection, case, &event).await?;
    }
    Ok(Advanced {
        state: entered,
        entered: Some(next),
    })
}

/// Whether `kind` takes its fee when a case is lodged, before review.
pub fn pays_before_review(kind: &ApplicationType) -> bool {
    let at = |stage| kind.workflow.iter().position(|s| *s == stage);
    matches!((at(Stage::Payment), at(Stage::Review)), (Some(p), Some(r)) if p < r)
}

/// `case` was just submitted (in `connection`'s transaction) under a
/// workflow that takes the fee when the case is lodged: it waits for the
/// fee, and review hears of it only once it is paid. The priority lanes
/// it was submitted with are kept until then.
pub async fn await_lodging_fee(
    connection: &mut PgConnection,
    catalog: &Catalog,
    case: &mut CaseRow,
    actor: &str,
    priority_reasons: &[String],
) -> Result<(), AdvanceError> {
    cases::apply(connection, case, Event::RequestLodgingFee, actor, "").await?;
    lifecycle::hold_for_lodging(connection, case.id, &case.agency, priority_reasons).await?;
    let requested = payment_requested(case, Some(catalog));
    enqueue(connection, case, &requested).await
}

/// The lodging fee is paid: the case goes to review, which hears of it
/// now as a submission (with the lanes it was submitted with).
async fn lodge(
    connection: &mut PgConnection,
    case: &mut CaseRow,
    actor: &str,
) -> Result<State, AdvanceError> {
    let lodged = cases::apply(connection, case, Event::Lodge, actor, "").await?;
    let priority_reasons = lifecycle::take_lodging(connection, case.id)
        .await?
        .unwrap_or_default();
    let submitted = CaseSubmitted {
        case_id: case.id.to_string(),
        receipt_number: case.receipt_number.clone().unwrap_or_default(),
        group_number: case.group_number.clone().unwrap_or_default(),
        application_type: case.application_type.clone(),
        catalog_version: case.catalog_version,
        // Review's clock starts when the case is lodged.
        submitted_at: Some(timestamp(Utc::now())),
        party: Some(crate::grpc::view::party(case)),
        express: case.express,
        priority_reasons,
    };
    enqueue(connection, case, &submitted).await?;
    Ok(lodged)
}

/// The document of `case` exists as of `today`: its number (if any) and
/// what the type's rules grant (validity, entries, stay per entry) are
/// stored; returns the last valid day. A number another case of the
/// agency has is a unique violation.
pub async fn fix_permit(
    connection: &mut PgConnection,
    catalog: &Catalog,
    kind: &ApplicationType,
    case: &CaseRow,
    number: Option<&str>,
    today: NaiveDate,
) -> Result<Option<NaiveDate>, sqlx::Error> {
    let grant = eligibility::grant(kind, &rule_input(case, catalog, today));
    let valid_until = grant.valid_until(today);
    let terms = lifecycle::PermitTerms {
        number,
        valid_until,
        entries: grant.entries.map(Entries::code),
        stay_days: grant.stay_days,
    };
    lifecycle::fix_permit(connection, case.id, &case.agency, terms).await?;
    Ok(valid_until)
}

/// Tells notify (and anyone else) the state a staff action or a job left
/// the case in (collected, dispatched, delivered, cancelled), with what
/// earlier stages fixed.
pub async fn announce(
    connection: &mut PgConnection,
    case: &CaseRow,
    reason: &str,
) -> Result<(), AdvanceError> {
    let mut event =
        progressed_event(connection, case, ProgressDetail::default(), Utc::now()).await?;
    event.reason = reason.to_owned();
    enqueue(connection, case, &event).await
}

#[derive(Debug, Default)]
struct ProgressDetail {
    production_due_on: Option<NaiveDate>,
    permit_number: Option<String>,
    permit_valid_until: Option<NaiveDate>,
    collect_by: Option<NaiveDate>,
}

async fn progressed_event(
    connection: &mut PgConnection,
    case: &CaseRow,
    detail: ProgressDetail,
    at: DateTime<Utc>,
) -> Result<CaseProgressed, AdvanceError> {
    // What earlier stages fixed travels with every later step.
    let known = lifecycle::find(&mut *connection, case.id)
        .await?
        .unwrap_or_default();
    let day = |date: Option<NaiveDate>| {
        date.map(|date| date.format("%Y-%m-%d").to_string())
            .unwrap_or_default()
    };
    Ok(CaseProgressed {
        case_id: case.id.to_string(),
        receipt_number: case.receipt_number.clone().unwrap_or_default(),
        group_number: case.group_number.clone().unwrap_or_default(),
        application_type: case.application_type.clone(),
        catalog_version: case.catalog_version,
        party: Some(crate::grpc::view::party(case)),
        state: case.state.as_str().to_owned(),
        production_due_on: day(detail.production_due_on.or(known.production_due_on)),
        permit_number: detail
            .permit_number
            .or(known.permit_number)
            .unwrap_or_default(),
        permit_valid_until: day(detail.permit_valid_until.or(known.permit_valid_until)),
        permit_entries: known.permit_entries.unwrap_or_default(),
        permit_stay_days: known
            .permit_stay_days
            .and_then(|days| u32::try_from(days).ok())
            .unwrap_or_default(),
        collect_by: day(detail.collect_by.or(known.collect_by)),
        at: Some(timestamp(at)),
        reason: String::new(),
        holder: (case.state == State::Issued).then(|| permit_holder(case)),
        tracking_number: known.tracking_number.unwrap_or_default(),
    })
}

/// Who an issued permit is for, as the case was approved: what an
/// electronic permit prints.
fn permit_holder(case: &CaseRow) -> PermitHolder {
    PermitHolder {
        name: case.applicant.name.clone(),
        date_of_birth: case.applicant.date_of_birth.format("%Y-%m-%d").to_string(),
        document_number: case.applicant.document_number.clone(),
        answers_json: serde_json::Value::Object(case.answers.clone()).to_string(),
        record_json: case
            .record
            .clone()
            .map(|record| serde_json::Value::Object(record).to_string())
            .unwrap_or_default(),
    }
}

async fn enqueue<E: laissez_proto::events::v1::EventMessage>(
    connection: &mut PgConnection,
    case: &CaseRow,
    event: &E,
) -> Result<(), AdvanceError> {
    Outbox::enqueue(
        connection,
        &case.agency,
        "case",
        &case.id.to_string(),
        event,
    )
    .await
    .map(drop)
    .map_err(|error| match error {
        // A database that went away is the database's error: unavailable
        // to a caller, transient to a consumer (redelivered, not dead-lettered).
        laissez_eventbus::Error::Database(database) => AdvanceError::Database(database),
        other => AdvanceError::Outbox(other.to_string()),
    })
}

fn rule_input(case: &CaseRow, catalog: &Catalog, today: NaiveDate) -> rules::RuleInput {
    application::rule_input(
        &case.applicant,
        &case.answers,
        case.record.as_ref(),
        &catalog.code_lists,
        today,
    )
}

/// What payment needs to open the case's order: the fee's inputs, named
/// by the case's own catalog version.
pub fn payment_requested(case: &CaseRow, catalog: Option<&Catalog>) -> PaymentRequested {
    let kind = catalog.and_then(|catalog| catalog.application_type(&case.application_type));
    let answer = |field: &str| {
        case.answers
            .get(field)
            .and_then(|value| value.as_str())
            .unwrap_or_default()
            .to_owned()
    };
    let fee_variant = kind
        .and_then(|kind| kind.fee_variant_field.as_deref())
        .map(answer)
        .unwrap_or_default();
    // The option chosen in the type's delivery field, if it has one.
    let delivery = kind
        .filter(|kind| kind.delivery_field().is_some())
        .and_then(|kind| kind.chosen_delivery(&case.answers))
        .unwrap_or_default()
        .to_owned();
    // Only the answers the fee reads travel to payment.
    let fee_answers: serde_json::Map<String, serde_json::Value> = catalog
        .map(|catalog| laissez_catalog::fees::answer_fields(catalog, &case.application_type))
        .unwrap_or_default()
        .into_iter()
        .filter_map(|field| {
            let value = case.answers.get(&field)?.clone();
            Some((field, value))
        })
        .collect();
    let submitted_on = match (case.submitted_at, catalog) {
        (Some(at), Some(catalog)) => agency_date(catalog, at),
        (Some(at), None) => at.date_naive(),
        (None, _) => Utc::now().date_naive(),
    };
    PaymentRequested {
        case_id: case.id.to_string(),
        receipt_number: case.receipt_number.clone().unwrap_or_default(),
        group_number: case.group_number.clone().unwrap_or_default(),
        application_type: case.application_type.clone(),
        catalog_version: case.catalog_version,
        party: Some(crate::grpc::view::party(case)),
        express: case.express,
        fee_variant,
        date_of_birth: case.applicant.date_of_birth.format("%Y-%m-%d").to_string(),
        delivery,
        submitted_on: submitted_on.format("%Y-%m-%d").to_string(),
        requested_at: Some(timestamp(Utc::now())),
        fee_answers_json: if fee_answers.is_empty() {
            String::new()
        } else {
            serde_json::Value::Object(fee_answers).to_string()
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn born(date_of_birth: &str, today: NaiveDate) -> rules::RuleInput {
        serde_json::from_value(serde_json::json!({
            "applicant": {"date_of_birth": date_of_birth},
            "today": today.to_string(),
        }))
        .unwrap()
    }

    #[test]
    fn validity_is_the_first_rule_that_holds_counted_from_issue() {
        let catalog = laissez_catalog::load_dir(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/agencies/mo-cts"),
        )
        .unwrap();
        let kind = catalog.application_type("home_return_permit").unwrap();
        let issued = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        let child = born("2014-05-01", issued);
        let adult = born("1986-05-01", issued);
        let valid_until = |input| eligibility::grant(kind, input).valid_until(issued);
        assert_eq!(valid_until(&child), NaiveDate::from_ymd_opt(2029, 2, 28));
        assert_eq!(valid_until(&adult), NaiveDate::from_ymd_opt(2036, 2, 29));
        let none = ApplicationType {
            validity: Vec::new(),
            ..kind.clone()
        };
        assert_eq!(eligibility::grant(&none, &adult).valid_until(issued), None);
    }
}
