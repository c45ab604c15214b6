//! A whole case through the API only, against identity, intake, review and
//! notify: an applicant signs in, starts an application, uploads, submits
//! (idempotently) and reads the case; a reviewer of the agency sees it in
//! the queue, claims it, views it, downloads a document and returns it for
//! supplement; the applicant sees the return and a message, and answers.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::*;

/// Polls `probe` until it returns Some (a bounded wait for events to flow).
pub(crate) async fn eventually<T, F, Fut>(what: &str, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(45);
    loop {
        if let Some(found) = probe().await {
            return found;
        }
        assert!(tokio::time::Instant::now() < deadline, "never: {what}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

pub(crate) async fn post_with_key(
    stack: &Stack,
    path: &str,
    token: &str,
    key: &str,
    body: &Value,
) -> Answer {
    stack
        .send(
            stack
                .http
                .post(stack.url(path))
                .bearer_auth(token)
                .header("idempotency-key", key)
                .json(body),
        )
        .await
}

#[tokio::test]
async fn an_application_from_sign_in_to_a_return_and_back() {
    let stack = Stack::start(Services::ALL).await;
    let (document, applicant) = stack.fj_applicant().await;

    // What a portal shows before anything else.
    let catalog = stack
        .send(
            stack
                .http
                .get(stack.url(&format!("/api/v1/agencies/{FJ}/catalog"))),
        )
        .await
        .ok();
    assert_eq!(catalog["agency"], FJ);
    assert!(catalog["version"].as_u64().unwrap() >= 1);
    let board = stack
        .send(
            stack
                .http
                .get(stack.url(&format!("/api/v1/agencies/{FJ}/announcements"))),
        )
        .await;
    assert_eq!(board.status, 200);

    // Start, upload, answer.
    let case_id = stack.complete_fj_draft(&applicant).await;
    let draft = stack
        .get(&format!("/api/v1/cases/{case_id}"), &applicant)
        .await
        .ok();
    assert_eq!(draft["state"], "CASE_STATE_DRAFT");
    assert_eq!(draft["applicant"]["document_number"], document.as_str());
    let photo = draft["documents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["requirement"] == "photo")
        .unwrap()
        .clone();

    // Submit, twice with one key: one submission.
    let submission = json!({"case_ids": [case_id]});
    let submitted = post_with_key(
        &stack,
        "/api/v1/submissions",
        &applicant,
        "submit-1",
        &submission,
    )
    .await;
    assert_eq!(submitted.status, 201, "{}", submitted.text());
    let again = post_with_key(
        &stack,
        "/api/v1/submissions",
        &applicant,
        "submit-1",
        &submission,
    )
    .await;
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.body, submitted.body);
    let submitted = submitted.json();
    let receipt = submitted["cases"][0]["receipt_number"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(!receipt.is_empty());
    assert!(!submitted["group_number"].as_str().unwrap().is_empty());

    let case = stack
        .get(&format!("/api/v1/cases/{case_id}"), &applicant)
        .await
        .ok();
    assert_eq!(case["receipt_number"], receipt.as_str());
    assert_ne!(case["state"], "CASE_STATE_DRAFT");
    assert_eq!(case["documents"].as_array().unwrap().len(), 4);
    let found = stack
        .get(
            &format!("/api/v1/cases?receipt_number={receipt}"),
            &applicant,
        )
        .await
        .ok();
    assert_eq!(found["cases"].as_array().unwrap().len(), 1);
    stack.get("/api/v1/dashboard", &applicant).await.ok();

    // The document comes back as it went in.
    let photo_path = format!(
        "/api/v1/cases/{case_id}/documents/{}",
        photo["document_id"].as_str().unwrap()
    );
    let downloaded = stack.get(&photo_path, &applicant).await;
    assert_eq!(downloaded.status, 200);
    assert_eq!(downloaded.body, png(60, 80));
    assert_eq!(downloaded.header("content-type"), Some("image/png"));
    let disposition = downloaded.header("content-disposition").unwrap();
    assert!(
        disposition.starts_with("attachment; filename=\"photo.png\""),
        "{disposition}"
    );
    let inline = stack
        .get(&format!("{photo_path}?disposition=inline"), &applicant)
        .await;
    assert!(
        inline
            .header("content-disposition")
            .unwrap()
            .starts_with("inline")
    );

    // Reviewers: one of the agency, one of another.
    let operator = stack.operator().await;
    let reviewer = stack
        .staff(&operator, FJ, "fj.reviewer", &["reviewer"])
        .await;
    let stranger = stack
        .staff(&operator, TW, "tw.reviewer", &["reviewer"])
        .await;
    let (on, as_reviewer, as_applicant, case) = (
        &stack,
        reviewer.as_str(),
        applicant.as_str(),
        case_id.as_str(),
    );
    let queue = eventually("the case reaches the review queue", move || async move {
        let queues = on.get("/api/v1/review/queues", as_reviewer).await.ok();
        queues["queues"]
            .as_array()
            .unwrap()
            .iter()
            .find(|q| q["application_type"] == "one_time_taiwan_permit" && q["depth"] == "1")
            .cloned()
    })
    .await;
    assert!(queue["oldest_submitted_at"].is_string(), "{queue}");
    stack
        .get(&format!("/api/v1/review/cases/{case_id}"), &stranger)
        .await
        .problem(404);
    stack
        .get(&format!("/api/v1/cases/{case_id}"), &stranger)
        .await
        .problem(404);

    let claim = post_with_key(
        &stack,
        "/api/v1/review/claims",
        &reviewer,
        "claim-1",
        &json!({"application_type": "one_time_taiwan_permit"}),
    )
    .await;
    assert_eq!(claim.status, 201, "{}", claim.text());
    assert_eq!(claim.json()["case_id"], case_id.as_str());
    let view = stack
        .get(&format!("/api/v1/review/cases/{case_id}"), &reviewer)
        .await
        .ok();
    assert_eq!(view["submission"]["case_id"], case_id.as_str(), "{view}");
    let previewed = stack
        .get(&format!("{photo_path}?disposition=inline"), &reviewer)
        .await;
    assert_eq!(previewed.status, 200);
    assert_eq!(previewed.body, png(60, 80));

    let decided = stack
        .post(
            &format!("/api/v1/review/cases/{case_id}/decision"),
            Some(&reviewer),
            json!({"decision": "DECISION_RETURNED_FOR_SUPPLEMENT", "comment": "Please add a clearer photo."}),
        )
        .await;
    assert_eq!(decided.status, 201, "{}", decided.text());
    assert_eq!(
        decided.json()["decision"],
        "DECISION_RETURNED_FOR_SUPPLEMENT"
    );

    // The applicant sees the return, and hears about it.
    let returned = eventually("the return reaches the applicant", move || async move {
        let found = on
            .get(&format!("/api/v1/cases/{case}"), as_applicant)
            .await
            .ok();
        (found["state"] == "CASE_STATE_RETURNED_FOR_SUPPLEMENT").then_some(found)
    })
    .await;
    assert_eq!(
        returned["returns"][0]["reviewer_comment"],
        "Please add a clearer photo."
    );
    let messages = eventually("a message reaches the message centre", move || async move {
        let listed = on.get("/api/v1/messages", as_applicant).await.ok();
        let messages = listed["messages"].as_array().unwrap().clone();
        (!messages.is_empty()).then_some(messages)
    })
    .await;
    assert!(
        messages.iter().any(|m| m["case_id"] == case_id.as_str()),
        "{messages:?}"
    );
    let unread = stack
        .get("/api/v1/messages/unread-count", &applicant)
        .await
        .ok();
    assert_ne!(unread["unread"], "0");
    let marked = stack
        .post(
            "/api/v1/messages/read",
            Some(&applicant),
            json!({"all": true}),
        )
        .await
        .ok();
    assert_ne!(marked["marked"], "0");

    let resubmitted = stack
        .post(
            &format!("/api/v1/cases/{case_id}/resubmission"),
            Some(&applicant),
            json!({"reply": "A clearer photo is attached."}),
        )
        .await;
    assert_eq!(resubmitted.status, 201, "{}", resubmitted.text());
    let case = stack
        .get(&format!("/api/v1/cases/{case_id}"), &applicant)
        .await
        .ok();
    assert_eq!(
        case["returns"][0]["applicant_reply"],
        "A clearer photo is attached."
    );

    // Withdrawal needs its confirmation.
    let unconfirmed = stack
        .call(
            Method::POST,
            &format!("/api/v1/cases/{case_id}/withdrawal"),
            Some(&applicant),
            Some(json!({})),
        )
        .await;
    assert!(
        unconfirmed.status.is_client_error(),
        "{}",
        unconfirmed.text()
    );
    stack.stop().await;
}
