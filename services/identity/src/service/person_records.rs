//! The agency's person records, imported by its administrators through
//! gRPC records or a CSV file; registrations are matched against them.

use std::collections::{BTreeMap, HashMap};

use laissez_kit::auth::Caller;
use laissez_kit::{FieldError, Role, ServiceError};
use laissez_proto::identity::v1::{ImportPersonRecordsRequest, ImportPersonRecordsResponse};

use super::Identity;
use crate::domain::registration::check_value;
use crate::store::audit::{self, AuditEntry};
use crate::store::person_records;

const MAX_IMPORT_ERRORS: usize = 100;
const MAX_IMPORT_RECORDS: usize = 100_000;

/// A record's label in error paths (`records[3]`, `csv[12]`) and its fields.
type LabelledRecord = (String, HashMap<String, String>);

impl Identity {
    pub async fn import_person_records(
        &self,
        caller: &Caller,
        request: ImportPersonRecordsRequest,
    ) -> Result<ImportPersonRecordsResponse, ServiceError> {
        let principal = self.authorize(caller).await?;
        if !principal.has_role(Role::AgencyAdmin) {
            return Err(ServiceError::PermissionDenied(
                "only the agency's administrators import person records".to_owned(),
            ));
        }
        let agency = principal.account.agency.clone();
        let policy = self
            .directory
            .portal(&agency, &request.portal)
            .and_then(|portal| portal.registration.clone())
            .filter(|policy| policy.match_person_records)
            .ok_or_else(|| {
                ServiceError::invalid(
                    "portal",
                    "no_person_records",
                    "this portal matches no person records",
                )
            })?;
        let match_field = policy
            .match_field()
            .ok_or_else(|| {
                ServiceError::FailedPrecondition(
                    "the portal declares no identity-document field".to_owned(),
                )
            })?
            .code
            .clone();
        let mut rows: Vec<LabelledRecord> = request
            .records
            .into_iter()
            .enumerate()
            .map(|(index, record)| (format!("records[{index}]"), record.fields))
            .collect();
        if !request.csv.is_empty() {
            rows.extend(parse_csv(&request.csv)?);
        }
        if rows.is_empty() || rows.len() > MAX_IMPORT_RECORDS {
            return Err(ServiceError::invalid(
                "records",
                "count",
                format!("between 1 and {MAX_IMPORT_RECORDS} records"),
            ));
        }
        let mut errors = Vec::new();
        let mut checked = Vec::new();
        for (label, fields) in rows {
            let mut record = BTreeMap::new();
            for (code, value) in fields {
                match policy.field(&code) {
                    None => errors.push(FieldError::new(
                        format!("{label}.{code}"),
                        "unknown_field",
                        "the portal has no such field",
                    )),
                    Some(_) if value.trim().is_empty() => {}
                    Some(rule) => match check_value(rule, &value, &policy) {
                        Ok(canonical) => {
                            record.insert(code, canonical);
                        }
                        Err(error) => errors.push(FieldError::new(
                            format!("{label}.{code}"),
                            error.code,
                            error.message,
                        )),
                    },
                }
            }
            match record.get(&match_field) {
                Some(key) => checked.push((key.clone(), record)),
                None => errors.push(FieldError::new(
                    format!("{label}.{match_field}"),
                    "required",
                    "the record's identity-document number",
                )),
            }
            if errors.len() >= MAX_IMPORT_ERRORS {
                break;
            }
        }
        if !errors.is_empty() {
            return Err(ServiceError::InvalidArgument(errors));
        }
        let mut transaction = self.pool.begin().await?;
        for (key, record) in &checked {
            person_records::upsert(&mut transaction, &agency, &request.portal, key, record).await?;
        }
        audit::record(
            &mut transaction,
            AuditEntry {
                agency: &agency,
                actor: &principal.id(),
                subject: "",
                action: "person_records_imported",
                fields: vec![],
                detail: serde_json::json!({ "portal": request.portal, "records": checked.len() }),
            },
        )
        .await?;
        transaction.commit().await?;
        Ok(ImportPersonRecordsResponse {
            imported: u32::try_from(checked.len()).unwrap_or(u32::MAX),
        })
    }
}

/// CSV whose header row names the field codes; rows labelled `csv[line]`.
fn parse_csv(bytes: &[u8]) -> Result<Vec<LabelledRecord>, ServiceError> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let headers = reader
        .headers()
        .map_err(|error| {
            ServiceError::invalid(
                "csv",
                "bad_csv",
                format!("the header row cannot be read: {error}"),
            )
        })?
        .clone();
    let mut rows = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let line = index + 2;
        let record = record.map_err(|error| {
            ServiceError::invalid(format!("csv[{line}]"), "bad_csv", error.to_string())
        })?;
        let fields = headers
            .iter()
            .zip(record.iter())
            .map(|(code, value)| (code.to_owned(), value.to_owned()))
            .collect();
        rows.push((format!("csv[{line}]"), fields));
        if rows.len() > MAX_IMPORT_RECORDS {
            break;
        }
    }
    Ok(rows)
}
