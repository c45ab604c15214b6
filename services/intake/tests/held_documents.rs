//! Rules about what an applicant already holds read the agency's records:
//! mo-csm refuses a travel permit while the applicant's record shows a
//! valid passport, and not once that passport has expired.

mod support;

use laissez_kit::Role;
use laissez_proto::intake::v1::*;
use support::*;

const CSM: &str = "mo-csm";
const REFUSED: &str = "eligibility.no_valid_passport";

async fn import(intake: &Intake, csv: String) {
    let admin = As::staff(CSM, Role::AgencyAdmin);
    intake
        .client
        .clone()
        .import_permit_records(intake.request(
            &admin,
            ImportPermitRecordsRequest {
                records: vec![],
                csv: csv.into_bytes(),
            },
        ))
        .await
        .unwrap();
}

/// The fields submission refuses a fresh travel-permit draft of `who` for.
async fn refused_fields(intake: &Intake, who: &As, document_number: &str) -> Vec<String> {
    let case = intake
        .client
        .clone()
        .start_application(intake.request(
            who,
            StartApplicationRequest {
                application_type: "travel_permit_issue".into(),
                notice_version: "2024-01".into(),
                notice_accepted: true,
                applicant: Some(applicant("陳大文", document_number)),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    let refused = intake.submit(who, &[&case.case_id]).await.unwrap_err();
    field_errors(&refused)
        .into_iter()
        .map(|(field, _)| {
            field
                .rsplit_once("].")
                .map_or(field.clone(), |(_, f)| f.to_owned())
        })
        .collect()
}

#[tokio::test]
async fn a_travel_permit_is_refused_while_the_records_show_a_valid_passport() {
    let intake = start("held_documents").await;
    let who = As {
        account: "csm-1".into(),
        agency: CSM,
        portal: "consular-app",
        role: Role::Applicant,
    };
    let valid = (chrono::Utc::now() + chrono::Duration::days(400)).format("%Y-%m-%d");
    let expired = (chrono::Utc::now() - chrono::Duration::days(10)).format("%Y-%m-%d");
    import(
        &intake,
        format!(
            "permit_number,holder_document_number,permit_kind,expires_on\n\
             E12345678,110105-19990807-002X,passport,{valid}\n\
             E87654321,110105199908070031,passport,{expired}\n"
        ),
    )
    .await;

    // The first holder's record shows a passport valid for 400 days (their
    // number typed without hyphens, in lower case).
    let holding = refused_fields(&intake, &who, "11010519990807002x").await;
    assert!(holding.iter().any(|field| field == REFUSED), "{holding:?}");
    // The second holder's passport expired: that rule does not refuse.
    let lapsed = refused_fields(&intake, &who, "110105199908070031").await;
    assert!(!lapsed.iter().any(|field| field == REFUSED), "{lapsed:?}");
    // Someone the records do not know holds nothing.
    let unknown = refused_fields(&intake, &who, "110105200001010011").await;
    assert!(!unknown.iter().any(|field| field == REFUSED), "{unknown:?}");
    intake.stop().await;
}

/// Imports are checked against the record shape `agency.yaml` declares:
/// a value that does not fit its field, a field that is not declared or a
/// required field left out refuses the whole import, each named, and
/// nothing is stored.
#[tokio::test]
async fn an_import_that_does_not_fit_the_declared_record_shape_is_refused_whole() {
    let intake = start("record_shape").await;
    let admin = As::staff(CSM, Role::AgencyAdmin);
    let valid = (chrono::Utc::now() + chrono::Duration::days(400)).format("%Y-%m-%d");
    let refused = intake
        .client
        .clone()
        .import_permit_records(
            intake.request(
                &admin,
                ImportPermitRecordsRequest {
                    records: vec![PermitRecord {
                        permit_number: "E20000001".into(),
                        holder_document_number: "110105199908070031".into(),
                        fields: [("expires_on".to_owned(), valid.to_string())].into(),
                    }],
                    csv: format!(
                        "permit_number,holder_document_number,permit_kind,expires_on,shoe_size\n\
                     E12345678,110105-19990807-002X,passport,{valid},\n\
                     E87654321,110105199908070031,pasport,31/12/2030,42\n"
                    )
                    .into_bytes(),
                },
            ),
        )
        .await
        .unwrap_err();
    assert_eq!(refused.code(), tonic::Code::InvalidArgument);
    let mut errors = field_errors(&refused);
    errors.sort();
    assert_eq!(
        errors,
        [
            (
                "csv.row[2].fields.shoe_size".to_owned(),
                "undeclared".to_owned()
            ),
            (
                "csv.row[3].fields.expires_on".to_owned(),
                "invalid".to_owned()
            ),
            (
                "csv.row[3].fields.permit_kind".to_owned(),
                "invalid".to_owned()
            ),
            (
                "csv.row[3].fields.shoe_size".to_owned(),
                "undeclared".to_owned()
            ),
            (
                "records[0].fields.permit_kind".to_owned(),
                "required".to_owned()
            ),
        ]
    );
    // Nothing was stored: the first row's valid passport does not refuse.
    let who = As {
        account: "csm-2".into(),
        agency: CSM,
        portal: "consular-app",
        role: Role::Applicant,
    };
    let fields = refused_fields(&intake, &who, "11010519990807002x").await;
    assert!(!fields.iter().any(|field| field == REFUSED), "{fields:?}");
    intake.stop().await;
}
