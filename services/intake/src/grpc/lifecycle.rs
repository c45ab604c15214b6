//! Staff actions after approval: production is done, the document is
//! collected, or handed to the courier and delivered. Each locks the case, checks it is in the stage the action
//! ends, and lets the workflow start the next one in the same transaction.

use laissez_catalog::format::Stage;
use laissez_kit::{Caller, FieldError, Role, ServiceError};
use laissez_proto::intake::v1 as proto;

use super::submit::transition_error;
use super::{Intake, case_id, view};
use crate::domain::{Event, State};
use crate::service::lifecycle;
use crate::store::Scope;
use crate::store::cases::{self, CaseRow};
use crate::store::lifecycle::{self as stored, Collector};
use crate::time::agency_date;

const PRODUCTION: [Role; 3] = [Role::Counter, Role::SeniorReviewer, Role::AgencyAdmin];
const COLLECTION: [Role; 2] = [Role::Counter, Role::AgencyAdmin];

fn staff_scope(caller: &Caller, roles: &[Role]) -> Result<Scope, ServiceError> {
    if roles.iter().any(|role| caller.has_role(*role)) {
        Ok(Scope {
            agency: caller.agency.clone(),
            account: None,
        })
    } else {
        Err(ServiceError::PermissionDenied(
            "the caller's role does not allow this call".into(),
        ))
    }
}

/// A number as printed on a document or card: letters, digits and hyphens,
/// at most 40; case and surrounding spaces do not matter.
fn printed_number(field: &str, text: &str) -> Result<String, FieldError> {
    let number = text.trim().to_uppercase();
    if number.is_empty() {
        return Err(FieldError::new(field, "required", "enter the number"));
    }
    if number.chars().count() > 40
        || !number
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        return Err(FieldError::new(
            field,
            "malformed",
            "use letters, digits and hyphens only, at most 40",
        ));
    }
    Ok(number)
}

fn name_like(field: &str, text: &str, max: usize) -> Result<String, FieldError> {
    let value = text.trim();
    if value.is_empty() {
        return Err(FieldError::new(field, "required", "this is required"));
    }
    if value.chars().count() > max || value.chars().any(char::is_control) {
        return Err(FieldError::new(
            field,
            "malformed",
            format!("at most {max} characters, no control characters"),
        ));
    }
    Ok(value.to_owned())
}

fn not_in(case: &CaseRow, wanted: State) -> ServiceError {
    ServiceError::FailedPrecondition(format!(
        "the case is {}, not {}",
        case.state.as_str().replace('_', " "),
        wanted.as_str().replace('_', " ")
    ))
}

pub async fn complete_production(
    intake: &Intake,
    caller: &Caller,
    request: proto::CompleteProductionRequest,
) -> Result<proto::Case, ServiceError> {
    let scope = staff_scope(caller, &PRODUCTION)?;
    let id = case_id(&request.case_id)?;
    let number = if request.permit_number.trim().is_empty() {
        None
    } else {
        Some(
            printed_number("permit_number", &request.permit_number)
                .map_err(|error| ServiceError::InvalidArgument(vec![error]))?,
        )
    };
    let mut transaction = intake.pool.begin().await?;
    let mut case = cases::lock(&mut transaction, &scope, id)
        .await?
        .ok_or(ServiceError::NotFound("case"))?;
    if case.state != State::InProduction {
        return Err(not_in(&case, State::InProduction));
    }
    let catalog = lifecycle::catalog_of(&intake.catalogs, &intake.pool, &case).await?;
    stored::finish_production(&mut transaction, id, &case.agency).await?;
    let due_on = stored::find(&mut *transaction, id)
        .await?
        .and_then(|known| known.production_due_on);
    // Counted once committed: on time when done by the due date.
    let on_time = due_on
        .zip(catalog.as_deref())
        .map(|(due_on, catalog)| agency_date(catalog, chrono::Utc::now()) <= due_on);
    // The document exists now: its number and validity are fixed.
    let kind = catalog
        .as_deref()
        .and_then(|catalog| catalog.application_type(&case.application_type));
    if let (Some(catalog), Some(kind)) = (catalog.as_deref(), kind) {
        let today = agency_date(catalog, chrono::Utc::now());
        let fixed = lifecycle::fix_permit(
            &mut transaction,
            catalog,
            kind,
            &case,
            number.as_deref(),
            today,
        )
        .await;
        if let Err(sqlx::Error::Database(error)) = &fixed
            && error.is_unique_violation()
        {
            return Err(ServiceError::invalid(
                "permit_number",
                "taken",
                "another case of the agency has this permit number",
            ));
        }
        fixed?;
    }
    lifecycle::advance(
        &mut transaction,
        catalog.as_deref(),
        &mut case,
        Stage::Production,
        &caller.account_id,
    )
    .await?;
    let produced = read_back(transaction, &scope, id).await?;
    if let Some(on_time) = on_time {
        metrics::counter!(
            "intake_productions_finished_total",
            "agency" => case.agency.clone(),
            "on_time" => if on_time { "true" } else { "false" }
        )
        .increment(1);
    }
    Ok(produced)
}

pub async fn record_collection(
    intake: &Intake,
    caller: &Caller,
    request: proto::RecordCollectionRequest,
) -> Result<proto::Case, ServiceError> {
    let scope = staff_scope(caller, &COLLECTION)?;
    let id = case_id(&request.case_id)?;
    let given = request.collector.unwrap_or_default();
    let mut transaction = intake.pool.begin().await?;
    let mut case = cases::lock(&mut transaction, &scope, id)
        .await?
        .ok_or(ServiceError::NotFound("case"))?;
    let collector = collector(&case, &given).map_err(ServiceError::InvalidArgument)?;
    if case.state != State::ReadyForPickup {
        return Err(not_in(&case, State::ReadyForPickup));
    }
    let reason = match collector.kind.as_str() {
        "proxy" => format!("collected by proxy ({})", collector.relationship),
        _ => "collected by the holder".to_owned(),
    };
    cases::apply(
        &mut transaction,
        &mut case,
        Event::Collect,
        &caller.account_id,
        &reason,
    )
    .await
    .map_err(transition_error)?;
    stored::record_collection(&mut transaction, id, &collector).await?;
    lifecycle::announce(&mut transaction, &case, "").await?;
    read_back(transaction, &scope, id).await
}

/// The counter hands the document to the courier: the case must be
/// awaiting dispatch; the tracking number is kept and told to the
/// applicant.
pub async fn record_dispatch(
    intake: &Intake,
    caller: &Caller,
    request: proto::RecordDispatchRequest,
) -> Result<proto::Case, ServiceError> {
    let scope = staff_scope(caller, &COLLECTION)?;
    let id = case_id(&request.case_id)?;
    let tracking = printed_number("tracking_number", &request.tracking_number)
        .map_err(|error| ServiceError::InvalidArgument(vec![error]))?;
    let mut transaction = intake.pool.begin().await?;
    let mut case = cases::lock(&mut transaction, &scope, id)
        .await?
        .ok_or(ServiceError::NotFound("case"))?;
    if case.state != State::AwaitingDispatch {
        return Err(not_in(&case, State::AwaitingDispatch));
    }
    cases::apply(
        &mut transaction,
        &mut case,
        Event::Dispatch,
        &caller.account_id,
        &format!("tracking number {tracking}"),
    )
    .await
    .map_err(transition_error)?;
    stored::record_dispatch(&mut transaction, id, &tracking).await?;
    lifecycle::announce(&mut transaction, &case, "").await?;
    read_back(transaction, &scope, id).await
}

/// The courier delivered the document: the case ends.
pub async fn record_delivery(
    intake: &Intake,
    caller: &Caller,
    request: proto::RecordDeliveryRequest,
) -> Result<proto::Case, ServiceError> {
    let scope = staff_scope(caller, &COLLECTION)?;
    let id = case_id(&request.case_id)?;
    let mut transaction = intake.pool.begin().await?;
    let mut case = cases::lock(&mut transaction, &scope, id)
        .await?
        .ok_or(ServiceError::NotFound("case"))?;
    if case.state != State::Dispatched {
        return Err(not_in(&case, State::Dispatched));
    }
    cases::apply(
        &mut transaction,
        &mut case,
        Event::ConfirmDelivery,
        &caller.account_id,
        "",
    )
    .await
    .map_err(transition_error)?;
    stored::record_delivery(&mut transaction, id).await?;
    lifecycle::announce(&mut transaction, &case, "").await?;
    read_back(transaction, &scope, id).await
}

/// Senior reviewers and agency administrators cancel any cancellable case
/// of their agency.
const CANCELLATION: [Role; 2] = [Role::SeniorReviewer, Role::AgencyAdmin];

pub async fn cancel_case(
    intake: &Intake,
    caller: &Caller,
    request: proto::CancelCaseRequest,
) -> Result<proto::Case, ServiceError> {
    let by_applicant = caller.has_role(Role::Applicant);
    let scope = if by_applicant {
        super::applicant_scope(caller)?
    } else {
        staff_scope(caller, &CANCELLATION)?
    };
    let id = case_id(&request.case_id)?;
    let reason = name_like("reason", &request.reason, 500)
        .map_err(|error| ServiceError::InvalidArgument(vec![error]))?;
    let mut transaction = intake.pool.begin().await?;
    let mut case = cases::lock(&mut transaction, &scope, id)
        .await?
        .ok_or(ServiceError::NotFound("case"))?;
    if by_applicant {
        let catalog = lifecycle::catalog_of(&intake.catalogs, &intake.pool, &case).await?;
        let allowed = catalog
            .as_deref()
            .and_then(|catalog| catalog.application_type(&case.application_type))
            .is_some_and(|kind| kind.cancel_by_applicant);
        if !allowed {
            return Err(ServiceError::FailedPrecondition(
                "this application type cannot be cancelled by the applicant; contact the agency"
                    .into(),
            ));
        }
    }
    cases::apply(
        &mut transaction,
        &mut case,
        Event::Cancel,
        &caller.account_id,
        &reason,
    )
    .await
    .map_err(transition_error)?;
    lifecycle::announce(&mut transaction, &case, &reason).await?;
    read_back(transaction, &scope, id).await
}

/// Who collects, as checked at the counter: the holder shows the document
/// the case was filed with; a proxy gives a name, an ID, the relationship
/// and the pickup card, which carries the case's receipt number.
fn collector(case: &CaseRow, given: &proto::Collector) -> Result<Collector, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut check = |result: Result<String, FieldError>| match result {
        Ok(value) => value,
        Err(error) => {
            errors.push(error);
            String::new()
        }
    };
    let kind = given.kind.trim();
    let collector = match kind {
        "holder" => {
            let id_number = check(printed_number("collector.id_number", &given.id_number));
            let filed = case.applicant.document_number.trim().to_uppercase();
            if !id_number.is_empty() && !filed.is_empty() && id_number != filed {
                errors.push(FieldError::new(
                    "collector.id_number",
                    "mismatch",
                    "this is not the document number the application was filed with",
                ));
            }
            Collector {
                kind: kind.to_owned(),
                name: String::new(),
                id_number,
                relationship: String::new(),
                pickup_card: String::new(),
            }
        }
        "proxy" => {
            let name = check(name_like("collector.name", &given.name, 100));
            let id_number = check(printed_number("collector.id_number", &given.id_number));
            let relationship = check(name_like("collector.relationship", &given.relationship, 40));
            let pickup_card = check(printed_number("collector.pickup_card", &given.pickup_card));
            let receipt = case
                .receipt_number
                .as_deref()
                .unwrap_or_default()
                .to_uppercase();
            if !pickup_card.is_empty() && pickup_card != receipt {
                errors.push(FieldError::new(
                    "collector.pickup_card",
                    "mismatch",
                    "the pickup card does not belong to this case",
                ));
            }
            Collector {
                kind: kind.to_owned(),
                name,
                id_number,
                relationship,
                pickup_card,
            }
        }
        _ => {
            errors.push(FieldError::new(
                "collector.kind",
                "invalid",
                "say who collects: holder or proxy",
            ));
            return Err(errors);
        }
    };
    if errors.is_empty() {
        Ok(collector)
    } else {
        Err(errors)
    }
}

async fn read_back(
    mut transaction: sqlx::Transaction<'_, sqlx::Postgres>,
    scope: &Scope,
    id: uuid::Uuid,
) -> Result<proto::Case, ServiceError> {
    let (case, details) = cases::find_detailed(&mut *transaction, scope, id)
        .await?
        .ok_or(ServiceError::NotFound("case"))?;
    transaction.commit().await?;
    Ok(view::detail(&case, &details))
}
