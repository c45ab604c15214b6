//! Starting an application, saving its draft, and importing the agency's
//! permit records the start is checked against.

use laissez_catalog::format::RecordValueError;
use laissez_kit::{Caller, FieldError, Role, ServiceError};
use laissez_proto::intake::v1 as proto;
use serde_json::{Map, Value};

use super::{Intake, applicant_scope, case_id, view};
use crate::domain::Applicant;
use crate::domain::application::{self, Answers};
use crate::store::details::Details;
use crate::store::{cases, records};
use crate::time::agency_today;

const MAX_ANSWERS_BYTES: usize = 256 * 1024;
const MAX_IMPORT_RECORDS: usize = 20_000;

pub async fn start_application(
    intake: &Intake,
    caller: &Caller,
    request: proto::StartApplicationRequest,
) -> Result<proto::Case, ServiceError> {
    let scope = applicant_scope(caller)?;
    let applicant = Applicant::parse(
        request.applicant.map(super::view::applicant_answers),
        &caller.account_id,
    )?;
    let (version, catalog) = intake.catalogs.current(&intake.pool, &scope.agency).await?;
    let Some(application_type) = catalog
        .application_type(&request.application_type)
        .filter(|kind| kind.portal == caller.portal)
    else {
        return Err(ServiceError::invalid(
            "application_type",
            "unknown",
            "the agency offers no such application type on this portal",
        ));
    };
    let permit_number = request.permit_number.trim();
    let record = match &application_type.record_lookup {
        Some(_) if !permit_number.is_empty() && permit_number.len() <= 64 => {
            records::permit_record(&intake.pool, &scope.agency, permit_number).await?
        }
        _ => None,
    };
    let start = application::start(
        application_type,
        &catalog.code_lists,
        &applicant,
        application::NoticeAnswer {
            version: &request.notice_version,
            accepted: request.notice_accepted,
        },
        permit_number,
        record,
        agency_today(&catalog),
    )?;
    let case = cases::insert(
        &intake.pool,
        cases::NewCase {
            agency: &scope.agency,
            account_id: &caller.account_id,
            application_type: &application_type.code,
            applicant: &applicant,
            answers: &start.answers,
            read_only_fields: &start.read_only_fields,
            record: start.record.as_ref(),
            catalog_version: version,
            notice_version: &application_type.notice.version,
        },
    )
    .await?;
    Ok(view::detail(
        &case,
        &Details::started(&caller.account_id, case.created_at),
    ))
}

fn parse_answers(json: &str) -> Result<Answers, ServiceError> {
    if json.len() > MAX_ANSWERS_BYTES {
        return Err(ServiceError::invalid(
            "answers_json",
            "too_large",
            format!("answers are limited to {MAX_ANSWERS_BYTES} bytes"),
        ));
    }
    if json.trim().is_empty() {
        return Ok(Answers::new());
    }
    match serde_json::from_str::<Value>(json) {
        Ok(Value::Object(answers)) => Ok(answers),
        _ => Err(ServiceError::invalid(
            "answers_json",
            "not_an_object",
            "answers must be a JSON object of field code to value",
        )),
    }
}

pub async fn save_draft(
    intake: &Intake,
    caller: &Caller,
    request: proto::SaveDraftRequest,
) -> Result<proto::Case, ServiceError> {
    let scope = applicant_scope(caller)?;
    let id = case_id(&request.case_id)?;
    let incoming = parse_answers(&request.answers_json)?;
    let mut transaction = intake.pool.begin().await?;
    let (mut case, details) = cases::lock_detailed(&mut transaction, &scope, id)
        .await?
        .ok_or(ServiceError::NotFound("case"))?;
    if !case.state.answers_editable() {
        return Err(ServiceError::FailedPrecondition(format!(
            "the answers of a case that is {} cannot be changed",
            case.state.as_str().replace('_', " ")
        )));
    }
    let catalog = intake
        .catalogs
        .get(&intake.pool, &case.agency, case.catalog_version)
        .await?;
    let application_type = catalog
        .application_type(&case.application_type)
        .ok_or(ServiceError::NotFound("application type"))?;
    if request.express && !application_type.processing.offers_express() {
        return Err(ServiceError::invalid(
            "express",
            "not_offered",
            "this type has no express processing",
        ));
    }
    let answers = application::merge_answers(
        application_type,
        &case.answers,
        &case.read_only_fields,
        incoming,
    )?;
    cases::save_answers(&mut transaction, id, &answers, request.express).await?;
    transaction.commit().await?;
    case.answers = answers;
    case.express = request.express;
    Ok(view::detail(&case, &details))
}

/// One record as imported: where it came from (`records[3]`,
/// `csv.row[5]`), permit number, holder's document number, field texts.
struct RawRecord {
    label: String,
    permit_number: String,
    holder: String,
    fields: Vec<(String, String)>,
}

/// Permit number, holder's document number, fields typed by the agency's
/// declared record shape.
type ImportedRecord = (String, String, Map<String, Value>);

/// Records from the request and from its CSV file, each checked against
/// the shape `agency.yaml` declares (`records.permit`) before any is stored.
fn collect_records(
    request: proto::ImportPermitRecordsRequest,
    catalog: &laissez_catalog::format::Catalog,
) -> Result<Vec<ImportedRecord>, ServiceError> {
    let mut raw: Vec<RawRecord> = request
        .records
        .into_iter()
        .enumerate()
        .map(|(index, record)| RawRecord {
            label: format!("records[{index}]"),
            permit_number: record.permit_number,
            holder: record.holder_document_number,
            fields: record.fields.into_iter().collect(),
        })
        .collect();
    if !request.csv.is_empty() {
        raw.extend(csv_records(&request.csv)?);
    }
    if raw.len() > MAX_IMPORT_RECORDS {
        return Err(ServiceError::invalid(
            "records",
            "too_many",
            format!("at most {MAX_IMPORT_RECORDS} records per import"),
        ));
    }
    let mut errors = Vec::new();
    let mut collected = Vec::with_capacity(raw.len());
    for record in raw {
        let number = record.permit_number.trim();
        if number.is_empty() || number.len() > 64 || number.chars().any(char::is_control) {
            errors.push(FieldError::new(
                format!("{}.permit_number", record.label),
                "invalid",
                "a permit number of 1 to 64 printable characters is required",
            ));
        }
        match catalog
            .records
            .permit_values(record.fields, &catalog.code_lists)
        {
            Ok(fields) => collected.push((record.permit_number, record.holder, fields)),
            Err(field_errors) => {
                errors.extend(field_errors.into_iter().map(|(code, error)| {
                    let reason = match error {
                        RecordValueError::Undeclared(_) => "undeclared",
                        RecordValueError::Missing => "required",
                        _ => "invalid",
                    };
                    FieldError::new(
                        format!("{}.fields.{code}", record.label),
                        reason,
                        error.to_string(),
                    )
                }));
            }
        }
        // One bad file should not answer with thousands of errors.
        if errors.len() >= 100 {
            break;
        }
    }
    if errors.is_empty() {
        Ok(collected)
    } else {
        Err(ServiceError::InvalidArgument(errors))
    }
}

/// The rows of an imported CSV file: a header row naming `permit_number`
/// first, `holder_document_number`, then one column per record field.
fn csv_records(csv: &[u8]) -> Result<Vec<RawRecord>, ServiceError> {
    let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(csv);
    let headers = reader
        .headers()
        .map_err(|error| ServiceError::invalid("csv", "unreadable", error.to_string()))?
        .clone();
    if headers.iter().next() != Some("permit_number") {
        return Err(ServiceError::invalid(
            "csv",
            "header",
            "the first column must be permit_number",
        ));
    }
    let mut rows = Vec::new();
    for (line, row) in reader.records().enumerate() {
        let label = format!("csv.row[{}]", line + 2);
        let row = row.map_err(|error| {
            ServiceError::invalid(label.clone(), "unreadable", error.to_string())
        })?;
        let mut record = RawRecord {
            label,
            permit_number: String::new(),
            holder: String::new(),
            fields: Vec::new(),
        };
        for (name, value) in headers.iter().zip(row.iter()) {
            match name {
                "permit_number" => record.permit_number = value.to_owned(),
                "holder_document_number" => record.holder = value.to_owned(),
                _ => record.fields.push((name.to_owned(), value.to_owned())),
            }
        }
        rows.push(record);
        if rows.len() > MAX_IMPORT_RECORDS {
            break;
        }
    }
    Ok(rows)
}

pub async fn import_permit_records(
    intake: &Intake,
    caller: &Caller,
    request: proto::ImportPermitRecordsRequest,
) -> Result<proto::ImportPermitRecordsResponse, ServiceError> {
    if !caller.has_role(Role::AgencyAdmin) {
        return Err(ServiceError::PermissionDenied(
            "only the agency's administrators import permit records".into(),
        ));
    }
    let (_, catalog) = intake
        .catalogs
        .current(&intake.pool, &caller.agency)
        .await?;
    let imported = store_records(&intake.pool, &caller.agency, &catalog, request).await?;
    Ok(proto::ImportPermitRecordsResponse {
        imported: u32::try_from(imported).unwrap_or(u32::MAX),
    })
}

/// Checks every record, then stores them all in one transaction.
async fn store_records(
    pool: &sqlx::PgPool,
    agency: &str,
    catalog: &laissez_catalog::format::Catalog,
    request: proto::ImportPermitRecordsRequest,
) -> Result<usize, ServiceError> {
    let records = collect_records(request, catalog)?;
    let mut transaction = pool.begin().await?;
    for (permit_number, holder, fields) in &records {
        records::upsert_permit_record(
            &mut transaction,
            agency,
            permit_number.trim(),
            holder.trim(),
            fields,
        )
        .await?;
    }
    transaction.commit().await?;
    Ok(records.len())
}

/// The demo permit records of an agency (development stacks only), checked
/// and stored as an administrator's import would be.
pub async fn load_demo_permit_records(
    pool: &sqlx::PgPool,
    catalogs: &crate::store::CatalogCache,
    demo: &laissez_catalog::demo::DemoAgency,
) -> Result<usize, ServiceError> {
    if demo.permit_records.is_empty() {
        return Ok(0);
    }
    let request = proto::ImportPermitRecordsRequest {
        records: demo
            .permit_records
            .iter()
            .map(|record| proto::PermitRecord {
                permit_number: record.permit_number.clone(),
                holder_document_number: record.holder_document_number.clone(),
                fields: record.fields.clone().into_iter().collect(),
            })
            .collect(),
        csv: Vec::new(),
    };
    let (_, catalog) = catalogs.current(pool, &demo.agency).await?;
    store_records(pool, &demo.agency, &catalog, request).await
}
