//! The application wizard against real services: notice, who it is for
//! and the permit number, the form, multipart uploads streamed to intake,
//! the check page with every missing thing named, submission and receipt;
//! and answering a supplement return by adding a document.

use reqwest::header::COOKIE;
use serde_json::json;

use crate::portal::{error_summary, form, input_value, page};
use crate::support::*;

fn cookie_of(session: &str) -> String {
    format!("__Host-laissez-session={session}")
}

fn location(answer: &Answer) -> String {
    answer.header("location").unwrap_or_default().to_owned()
}

/// Posts a file through a documents page's upload form (the page's own
/// CSRF token first, as the browser sends it).
async fn upload_file(
    stack: &Stack,
    cookie: &str,
    action: &str,
    csrf: Option<&str>,
    file_name: &str,
    content: Vec<u8>,
) -> Answer {
    let mut parts = reqwest::multipart::Form::new();
    if let Some(csrf) = csrf {
        parts = parts.text("csrf_token", csrf.to_owned());
    }
    let part = reqwest::multipart::Part::bytes(content)
        .file_name(file_name.to_owned())
        .mime_str("application/octet-stream")
        .unwrap();
    parts = parts.part("file", part);
    let request = stack
        .http
        .post(stack.url(action))
        .header(COOKIE, cookie)
        .multipart(parts);
    stack.send(request).await
}

#[tokio::test]
async fn the_wizard_takes_a_fujian_application_from_notice_to_receipt() {
    let stack = Stack::start(Services::INTAKE).await;
    let (_, session) = stack.fj_applicant().await;
    let cookie = cookie_of(&session);
    let base = format!("/portal/{FJ}/{FJ_PORTAL}/");

    let types = page(&stack, &format!("{base}apply?lang=en"), Some(&cookie), None).await;
    assert_eq!(types.status, 200, "{}", types.text());
    assert!(types.text().contains("id=\"apply-one_time_taiwan_permit\""));
    assert!(types.text().contains("id=\"nav-apply\""));

    let start_path = format!("{base}apply/one_time_taiwan_permit?lang=en");
    let start = page(&stack, &start_path, Some(&cookie), None).await;
    assert_eq!(start.status, 200, "{}", start.text());
    let html = start.text();
    assert!(html.contains("Read the guide before applying"), "{html}");
    // The Fujian registration has no date of birth: the wizard asks for it.
    assert!(html.contains("id=\"applicant_date_of_birth\""), "{html}");
    let csrf = input_value(&html, "csrf_token");

    // The notice must be accepted; nothing is started without it.
    let refused = form(
        &stack,
        &start_path,
        &cookie,
        &[
            ("csrf_token", &csrf),
            ("applicant_date_of_birth", "1985-06-01"),
        ],
    )
    .await;
    assert_eq!(refused.status, 422);
    let summary = error_summary(&refused.text()).expect("an error summary");
    assert!(summary.contains("Accept the notice"), "{summary}");
    // A forged form changes nothing either.
    let forged = form(
        &stack,
        &start_path,
        &cookie,
        &[
            ("notice_accepted", "1"),
            ("applicant_date_of_birth", "1985-06-01"),
        ],
    )
    .await;
    assert_eq!(forged.status, 403);
    let listed = stack.get("/api/v1/cases", &session).await.ok();
    assert_eq!(listed["cases"].as_array().map_or(0, Vec::len), 0);

    let started = form(
        &stack,
        &start_path,
        &cookie,
        &[
            ("csrf_token", &csrf),
            ("notice_accepted", "1"),
            ("applicant_date_of_birth", "1985-06-01"),
        ],
    )
    .await;
    assert_eq!(started.status, 303, "{}", started.text());
    let form_path = location(&started);
    assert!(form_path.ends_with("/form?lang=en"), "{form_path}");
    let case_id = form_path.split('/').rev().nth(1).unwrap().to_owned();
    let case_base = format!("{base}cases/{case_id}");

    let form_page = page(&stack, &form_path, Some(&cookie), None).await;
    assert_eq!(form_page.status, 200, "{}", form_page.text());
    let html = form_page.text();
    assert!(!html.contains("id=\"express\""), "Fujian offers no express");
    for expected in [
        "id=\"f-port_of_entry\"",
        "Xiamen Wutong Passenger Terminal",
        "id=\"f-planned_entry_date\" name=\"f-planned_entry_date\" type=\"date\"",
        "Flight or ship number (optional)",
    ] {
        assert!(html.contains(expected), "lacks {expected}: {html}");
    }
    assert!(!html.contains("id=\"f-photo\""), "the photo is an upload");
    let entry = (chrono::Utc::now() + chrono::Duration::days(20))
        .format("%Y-%m-%d")
        .to_string();
    let saved = form(
        &stack,
        &form_path,
        &cookie,
        &[
            ("csrf_token", &csrf),
            ("f-port_of_entry", "xiamen_wutong"),
            ("f-planned_entry_date", &entry),
            ("f-voyage_number", ""),
            ("action", "save"),
        ],
    )
    .await;
    assert_eq!(saved.status, 303);
    assert!(location(&saved).contains("saved=1"));
    let again = page(&stack, &location(&saved), Some(&cookie), None).await;
    assert!(again.text().contains("Your answers are saved."));
    assert!(
        again
            .text()
            .contains("<option value=\"xiamen_wutong\" selected>")
    );
    let next = form(
        &stack,
        &form_path,
        &cookie,
        &[
            ("csrf_token", &csrf),
            ("f-port_of_entry", "xiamen_wutong"),
            ("f-planned_entry_date", &entry),
            ("action", "next"),
        ],
    )
    .await;
    assert_eq!(next.status, 303);
    let documents_path = location(&next);
    assert_eq!(documents_path, format!("{case_base}/documents?lang=en"));

    let documents = page(&stack, &documents_path, Some(&cookie), None).await;
    assert_eq!(documents.status, 200, "{}", documents.text());
    let html = documents.text();
    for requirement in [
        "photo",
        "tw_id_card_front",
        "tw_id_card_back",
        "tw_exit_entry_document",
    ] {
        assert!(
            html.contains(&format!("id=\"file-{requirement}\"")),
            "lacks {requirement}"
        );
    }
    assert!(html.contains("src=\"/portal/static/upload.js\""));
    let action = |requirement: &str| format!("{case_base}/documents/{requirement}?lang=en");

    // Without the form's token nothing is read or stored.
    let forged = upload_file(
        &stack,
        &cookie,
        &action("photo"),
        None,
        "p.png",
        png(60, 80),
    )
    .await;
    assert_eq!(forged.status, 403);
    // Something that is not an image is refused, with the reason shown.
    let bad = upload_file(
        &stack,
        &cookie,
        &action("tw_id_card_front"),
        Some(&csrf),
        "card.png",
        b"%PDF-1.4 not an image at all".to_vec(),
    )
    .await;
    assert_eq!(bad.status, 303);
    let shown = page(&stack, &location(&bad), Some(&cookie), None).await;
    assert_eq!(shown.status, 422);
    let summary = error_summary(&shown.text()).expect("an error summary");
    assert!(
        summary.contains("href=\"#file-tw_id_card_front\""),
        "{summary}"
    );
    assert!(summary.contains("not of an accepted kind"), "{summary}");
    // No file chosen.
    let empty = upload_file(
        &stack,
        &cookie,
        &action("photo"),
        Some(&csrf),
        "",
        Vec::new(),
    )
    .await;
    assert!(
        location(&empty).contains("reason=choose_file"),
        "{}",
        location(&empty)
    );
    // An unknown requirement is not a page.
    let unknown = upload_file(
        &stack,
        &cookie,
        &action("passport"),
        Some(&csrf),
        "a.png",
        png(5, 5),
    )
    .await;
    assert_eq!(unknown.status, 404);

    let photo = upload_file(
        &stack,
        &cookie,
        &action("photo"),
        Some(&csrf),
        "photo.png",
        png(60, 80),
    )
    .await;
    assert_eq!(photo.status, 303, "{}", photo.text());
    assert!(location(&photo).contains("uploaded=photo"));
    let case = stack
        .get(&format!("/api/v1/cases/{case_id}"), &session)
        .await
        .ok();
    let answers: serde_json::Value =
        serde_json::from_str(case["answers_json"].as_str().unwrap()).unwrap();
    assert_eq!(answers["port_of_entry"], "xiamen_wutong");
    let photo_id = case["documents"][0]["document_id"].as_str().unwrap();
    assert_eq!(
        answers["photo"], photo_id,
        "the photo field is answered by the upload"
    );

    // Submitting now names every missing document, each linked to its upload.
    let check_path = format!("{case_base}/check?lang=en");
    let check = page(&stack, &check_path, Some(&cookie), None).await;
    assert_eq!(check.status, 200, "{}", check.text());
    assert!(check.text().contains("Xiamen Wutong Passenger Terminal"));
    // Fujian publishes no fee for the permit: the check page says where it is paid.
    assert!(
        check
            .text()
            .contains("The fee of this application is paid at the counter by the tariff."),
        "{}",
        check.text()
    );
    let refused = form(
        &stack,
        &format!("{case_base}/submit?lang=en"),
        &cookie,
        &[("csrf_token", &csrf)],
    )
    .await;
    assert_eq!(refused.status, 422, "{}", refused.text());
    let summary = error_summary(&refused.text()).expect("an error summary");
    for name in [
        "Taiwan ID card (front) must be uploaded",
        "Taiwan ID card (back) must be uploaded",
        "Taiwan exit-entry document data page must be uploaded",
    ] {
        assert!(summary.contains(name), "lacks {name}: {summary}");
    }
    assert!(
        summary.contains("/documents?lang=en#upload-tw_id_card_back"),
        "{summary}"
    );

    for requirement in [
        "tw_id_card_front",
        "tw_id_card_back",
        "tw_exit_entry_document",
    ] {
        let uploaded = upload_file(
            &stack,
            &cookie,
            &action(requirement),
            Some(&csrf),
            "scan.png",
            png(50, 30),
        )
        .await;
        assert!(
            location(&uploaded).contains("uploaded="),
            "{}",
            location(&uploaded)
        );
    }
    let submitted = form(
        &stack,
        &format!("{case_base}/submit?lang=en"),
        &cookie,
        &[("csrf_token", &csrf)],
    )
    .await;
    assert_eq!(submitted.status, 303, "{}", submitted.text());
    let receipt = page(&stack, &location(&submitted), Some(&cookie), None).await;
    assert_eq!(receipt.status, 200);
    let case = stack
        .get(&format!("/api/v1/cases/{case_id}"), &session)
        .await
        .ok();
    let number = case["receipt_number"].as_str().unwrap();
    assert!(!number.is_empty());
    assert!(
        receipt
            .text()
            .contains(&format!("<dd id=\"receipt-number\">{number}</dd>")),
        "{}",
        receipt.text()
    );
    // Submitted: the wizard's pages lead back to the case, and the case page
    // shows the port by its name.
    let closed = page(&stack, &form_path, Some(&cookie), None).await;
    assert_eq!(closed.status, 303);
    let late = upload_file(
        &stack,
        &cookie,
        &action("photo"),
        Some(&csrf),
        "p.png",
        png(60, 80),
    )
    .await;
    assert!(location(&late).contains("reason=closed"));
    let shown = page(&stack, &format!("{case_base}?lang=en"), Some(&cookie), None).await;
    assert!(shown.text().contains("Xiamen Wutong Passenger Terminal"));
    assert!(!shown.text().contains(">xiamen_wutong<"));

    // Another account reaches none of it.
    let (_, stranger) = stack.fj_applicant().await;
    let theirs = page(&stack, &documents_path, Some(&cookie_of(&stranger)), None).await;
    assert_eq!(theirs.status, 404);
    stack.stop().await;
}

#[tokio::test]
async fn a_permit_number_is_looked_up_and_its_fields_stay_read_only() {
    let stack = Stack::start(Services::INTAKE).await;
    let (holder, session) = stack.tw_student_with_id().await;
    let cookie = cookie_of(&session);
    let operator = stack.operator().await;
    let admin = stack
        .staff(&operator, TW, "tw.admin", &["agency_admin"])
        .await;
    stack
        .post(
            "/api/v1/admin/permit-records",
            Some(&admin),
            json!({"records": [{
                "permit_number": "S777",
                "holder_document_number": holder,
                "fields": {
                    "permit_kind": "single_entry", "entry_inspected": "true",
                    "chinese_name": "張三豐", "school": "國立臺灣大學"
                }
            }]}),
        )
        .await
        .ok();
    let base = format!("/portal/{TW}/{TW_PORTAL}/");
    let start_path = format!("{base}apply/multi_entry_permit?lang=en");
    let start = page(&stack, &start_path, Some(&cookie), None).await;
    assert_eq!(start.status, 200, "{}", start.text());
    assert!(start.text().contains("id=\"permit_number\""));
    assert!(
        !start.text().contains("id=\"applicant_id\""),
        "students apply for themselves"
    );
    let csrf = input_value(&start.text(), "csrf_token");

    let unknown = form(
        &stack,
        &start_path,
        &cookie,
        &[
            ("csrf_token", &csrf),
            ("notice_accepted", "1"),
            ("permit_number", "S000"),
        ],
    )
    .await;
    assert_eq!(unknown.status, 422);
    let summary = error_summary(&unknown.text()).unwrap();
    assert!(summary.contains("No such permit number"), "{summary}");
    assert!(summary.contains("href=\"#permit_number\""), "{summary}");

    let started = form(
        &stack,
        &start_path,
        &cookie,
        &[
            ("csrf_token", &csrf),
            ("notice_accepted", "1"),
            ("permit_number", "S777"),
        ],
    )
    .await;
    assert_eq!(started.status, 303, "{}", started.text());
    let form_path = location(&started);
    let html = page(&stack, &form_path, Some(&cookie), None).await.text();
    assert!(
        html.contains("id=\"f-school\" type=\"text\" value=\"國立臺灣大學\" readonly"),
        "{html}"
    );
    assert!(html.contains("id=\"f-political_posts-held_before-text\""));
    // A forged value for a read-only field is ignored, the record's stays.
    let saved = form(
        &stack,
        &form_path,
        &cookie,
        &[
            ("csrf_token", &csrf),
            ("f-school", "Elsewhere"),
            ("f-resumed_studies", "no"),
            ("f-political_posts", "held_before"),
            ("f-political_posts-held_before-text", "某單位"),
            ("action", "save"),
        ],
    )
    .await;
    assert_eq!(saved.status, 303, "{}", saved.text());
    let case_id = form_path.split('/').rev().nth(1).unwrap();
    let case = stack
        .get(&format!("/api/v1/cases/{case_id}"), &session)
        .await
        .ok();
    let answers: serde_json::Value =
        serde_json::from_str(case["answers_json"].as_str().unwrap()).unwrap();
    assert_eq!(answers["school"], "國立臺灣大學");
    assert_eq!(answers["resumed_studies"], false);
    assert_eq!(
        answers["political_posts"],
        json!({"option": "held_before", "text": "某單位"})
    );
    stack.stop().await;
}
