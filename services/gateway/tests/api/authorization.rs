//! Another account's case, and another agency's, are answered exactly as a
//! case that does not exist: 404 with the same problem document, so ids
//! cannot be probed. The applicant's data on a new case comes from
//! identity, whatever the client sends.

use reqwest::Method;
use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn other_accounts_and_agencies_see_a_case_as_missing() {
    let stack = Stack::start(Services::INTAKE).await;
    let (_, owner) = stack.fj_applicant().await;
    let (_, other) = stack.fj_applicant().await;
    let student = stack.tw_student().await;

    let case_id = stack.complete_fj_draft(&owner).await;
    let case = stack
        .get(&format!("/api/v1/cases/{case_id}"), &owner)
        .await
        .ok();
    let document_id = case["documents"][0]["document_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let missing_case = uuid::Uuid::new_v4().to_string();
    let missing_document = uuid::Uuid::new_v4().to_string();

    let nobody = stack
        .get(&format!("/api/v1/cases/{missing_case}"), &other)
        .await;
    let expected = nobody.problem(404);
    assert_eq!(expected["detail"], "case not found");

    for (who, token) in [
        ("another account", other.as_str()),
        ("another agency", student.as_str()),
    ] {
        let reads = [
            format!("/api/v1/cases/{case_id}"),
            format!("/api/v1/cases/{case_id}/documents/{document_id}"),
        ];
        for path in reads {
            let answer = stack.get(&path, token).await;
            assert_eq!(answer.problem(404), expected, "{who}: GET {path}");
        }
        let changes = [
            (
                Method::PUT,
                format!("/api/v1/cases/{case_id}/draft"),
                json!({"answers_json": "{}"}),
            ),
            (
                Method::POST,
                format!("/api/v1/cases/{case_id}/withdrawal"),
                json!({"confirmed": true}),
            ),
            (
                Method::POST,
                "/api/v1/submissions".to_owned(),
                json!({"case_ids": [case_id]}),
            ),
        ];
        for (method, path, body) in changes {
            let answer = stack
                .call(method.clone(), &path, Some(token), Some(body))
                .await;
            assert_eq!(answer.problem(404), expected, "{who}: {method} {path}");
        }
        let deleted = stack
            .call(
                Method::DELETE,
                &format!("/api/v1/cases/{case_id}/documents/{document_id}"),
                Some(token),
                None,
            )
            .await;
        assert_eq!(deleted.problem(404), expected, "{who}: DELETE document");
        let upload = stack
            .upload(token, &case_id, "tw_id_card_front", "x.png", png(50, 30))
            .await;
        assert_eq!(upload.problem(404), expected, "{who}: upload");
    }
    // A document that does not exist on one's own case is missing too.
    let own_missing = stack
        .get(
            &format!("/api/v1/cases/{case_id}/documents/{missing_document}"),
            &owner,
        )
        .await;
    own_missing.problem(404);
    // Nothing the others did changed the case.
    let after = stack
        .get(&format!("/api/v1/cases/{case_id}"), &owner)
        .await
        .ok();
    assert_eq!(after["state"], "CASE_STATE_DRAFT");
    assert_eq!(after["documents"].as_array().unwrap().len(), 4);
    // And the lists of the others stay empty.
    for token in [&other, &student] {
        let listed = stack.get("/api/v1/cases", token).await.ok();
        assert_eq!(listed["cases"], json!([]));
    }
    stack.stop().await;
}

#[tokio::test]
async fn the_applicant_on_a_case_is_the_signed_in_person_not_what_the_client_claims() {
    let stack = Stack::start(Services::INTAKE).await;
    let (document, token) = stack.fj_applicant().await;
    let started = stack
        .post(
            "/api/v1/cases",
            Some(&token),
            json!({
                "application_type": "one_time_taiwan_permit",
                "notice_version": "2024-04",
                "notice_accepted": true,
                "applicant": {
                    "applicant_id": "someone-else",
                    "name": "王小明",
                    "relationship": "child",
                    "document_number": "B234567890",
                    "date_of_birth": "1985-06-01",
                    "contact_email": "attacker@example.org"
                }
            }),
        )
        .await;
    assert_eq!(started.status, 201, "{}", started.text());
    let case = started.json();
    let applicant = &case["applicant"];
    assert_eq!(applicant["document_number"], document.as_str());
    assert_eq!(applicant["name"], "陳大文");
    assert_eq!(applicant["relationship"], "self");
    assert_ne!(applicant["applicant_id"], "someone-else");
    assert_ne!(applicant["contact_email"], "attacker@example.org");
    // Identity has no date of birth for this portal: the client's fills the gap.
    assert_eq!(applicant["date_of_birth"], "1985-06-01");

    // Applying for someone else needs a managed applicant of one's own.
    let (_, stranger) = stack.fj_applicant().await;
    let theirs = stack
        .post(
            "/api/v1/applicants",
            Some(&stranger),
            json!({
                "relationship": "RELATIONSHIP_OTHER",
                "document_type": "tw_id_card",
                "document_number": taiwan_id(777),
                "valid_long_term": true,
                "valid_from": "2020-01-01",
                "surname": "林",
                "given_name": "美華",
                "household_place": "taipei",
                "date_of_birth": "1990-02-03"
            }),
        )
        .await;
    assert_eq!(theirs.status, 201, "{}", theirs.text());
    let theirs = theirs.json()["applicant_id"].as_str().unwrap().to_owned();
    let borrowed = stack
        .post(
            "/api/v1/cases",
            Some(&token),
            json!({
                "application_type": "one_time_taiwan_permit",
                "notice_version": "2024-04",
                "notice_accepted": true,
                "applicant_id": theirs,
            }),
        )
        .await;
    borrowed.problem(404);
    stack.stop().await;
}
