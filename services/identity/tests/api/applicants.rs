//! Managed applicants (辦理人管理).

use laissez_proto::identity::v1::*;
use tonic::Code;

use crate::helpers::*;

fn child(document: &str) -> Applicant {
    Applicant {
        relationship: Relationship::Child as i32,
        guardian: true,
        document_type: "tw_id_card".into(),
        document_number: document.into(),
        valid_from: "2020-01-01".into(),
        valid_until: "2035-01-01".into(),
        surname: "陳".into(),
        given_name: "小明".into(),
        household_place: "kinmen".into(),
        email: "kid@example.com".into(),
        date_of_birth: "2015-05-05".into(),
        ..Applicant::default()
    }
}

#[tokio::test]
async fn applicants_are_added_edited_listed_masked_and_removed() {
    let mut app = TestApp::spawn().await;
    app.student("chen.student", 40).await;
    let session = app
        .login_student("chen.student", PASSWORD, "10.8.0.1")
        .await
        .unwrap();
    let token = app.exchange(&session.session_token).await.unwrap();
    let document = taiwan_id(40);

    let created = app
        .client
        .create_applicant(with_token(
            CreateApplicantRequest {
                applicant: Some(child(&document)),
            },
            &token,
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(created.masked_name, "陳**");
    assert_eq!(created.document_number, document);
    let duplicate = app
        .client
        .create_applicant(with_token(
            CreateApplicantRequest {
                applicant: Some(child(&document.to_lowercase())),
            },
            &token,
        ))
        .await
        .unwrap_err();
    assert_eq!(duplicate.code(), Code::AlreadyExists);

    let listed = app
        .client
        .list_applicants(with_token(ListApplicantsRequest {}, &token))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.applicants.len(), 1);
    let row = &listed.applicants[0];
    assert_eq!(row.masked_name, "陳**");
    assert!(row.given_name.is_empty());
    assert_eq!(
        row.document_number,
        format!("{}******{}", &document[..2], &document[8..])
    );

    let mut edited = created.clone();
    edited.given_name = "小華".into();
    edited.valid_long_term = true;
    edited.valid_until = String::new();
    let updated = app
        .client
        .update_applicant(with_token(
            UpdateApplicantRequest {
                applicant: Some(edited),
            },
            &token,
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(updated.valid_long_term);
    let fetched = app
        .client
        .get_applicant(with_token(
            GetApplicantRequest {
                applicant_id: created.applicant_id.clone(),
            },
            &token,
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(fetched.given_name, "小華");

    // Bad input, field by field.
    let mut bad = child("A123456788");
    bad.relationship = 0;
    bad.document_type = "library_card".into();
    bad.surname = String::new();
    let status = app
        .client
        .create_applicant(with_token(
            CreateApplicantRequest {
                applicant: Some(bad),
            },
            &token,
        ))
        .await
        .unwrap_err();
    let found = violations(&status);
    for expected in [
        "applicant.relationship:required",
        "applicant.document_type:unknown_document_type",
        "applicant.surname:required",
    ] {
        assert!(
            found.contains(&expected.to_owned()),
            "{expected} not in {found:?}"
        );
    }
    let mut hk = child("A123456(4)");
    hk.document_type = "hk_id_card".into();
    let status = app
        .client
        .create_applicant(with_token(
            CreateApplicantRequest {
                applicant: Some(hk),
            },
            &token,
        ))
        .await;
    assert_eq!(
        violations(&status.unwrap_err()),
        ["applicant.document_number:bad_checksum"]
    );
    let missing = app
        .client
        .create_applicant(with_token(
            CreateApplicantRequest { applicant: None },
            &token,
        ))
        .await;
    assert_eq!(violations(&missing.unwrap_err()), ["applicant:required"]);
    let bad_id = app
        .client
        .get_applicant(with_token(
            GetApplicantRequest {
                applicant_id: "x".into(),
            },
            &token,
        ))
        .await;
    assert_eq!(violations(&bad_id.unwrap_err()), ["applicant_id:bad_id"]);
    let mut myself = child(&taiwan_id(41));
    myself.relationship = Relationship::Self_ as i32;
    myself.guardian = false;
    app.client
        .create_applicant(with_token(
            CreateApplicantRequest {
                applicant: Some(myself),
            },
            &token,
        ))
        .await
        .unwrap();
    let mut second_self = child(&taiwan_id(42));
    second_self.relationship = Relationship::Self_ as i32;
    second_self.guardian = false;
    let status = app
        .client
        .create_applicant(with_token(
            CreateApplicantRequest {
                applicant: Some(second_self),
            },
            &token,
        ))
        .await;
    assert_eq!(
        violations(&status.unwrap_err()),
        ["applicant.relationship:self_exists"]
    );

    // Another account cannot see, change or delete them.
    app.student("lin.student", 41).await;
    let other = app
        .login_student("lin.student", PASSWORD, "10.8.0.2")
        .await
        .unwrap();
    let other = app.exchange(&other.session_token).await.unwrap();
    let theirs = app
        .client
        .get_applicant(with_token(
            GetApplicantRequest {
                applicant_id: created.applicant_id.clone(),
            },
            &other,
        ))
        .await
        .unwrap_err();
    assert_eq!(theirs.code(), Code::NotFound);
    let status = app
        .client
        .update_applicant(with_token(
            UpdateApplicantRequest {
                applicant: Some(created.clone()),
            },
            &other,
        ))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
    let status = app
        .client
        .delete_applicant(with_token(
            DeleteApplicantRequest {
                applicant_id: created.applicant_id.clone(),
            },
            &other,
        ))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound);

    app.client
        .delete_applicant(with_token(
            DeleteApplicantRequest {
                applicant_id: created.applicant_id.clone(),
            },
            &token,
        ))
        .await
        .unwrap();
    let listed = app
        .client
        .list_applicants(with_token(ListApplicantsRequest {}, &token))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.applicants.len(), 1);
    let audited: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit WHERE action LIKE 'applicant_%'")
            .fetch_one(app.pool())
            .await
            .unwrap();
    assert_eq!(audited, 4);
    app.stop().await;
}
