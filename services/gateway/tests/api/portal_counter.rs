//! The counter desk: a member of staff with the counter role finds a
//! submitted case by its receipt number; a receipt number of another
//! agency reads as no case, a malformed one is refused naming the field,
//! and the desk is only the counter's.

use serde_json::json;

use crate::journey::post_with_key;
use crate::portal::page;
use crate::support::*;

const COUNTER: &str = "/portal/fj-exit-entry/staff/counter";

fn cookie_of(session: &str) -> String {
    format!("__Host-laissez-session={session}")
}

#[tokio::test]
async fn the_counter_finds_a_case_by_its_receipt_number() {
    let stack = Stack::start(Services::ALL).await;
    let operator = stack.operator().await;
    let counter = cookie_of(&stack.staff(&operator, FJ, "fj.counter", &["counter"]).await);
    let reviewer = cookie_of(
        &stack
            .staff(&operator, FJ, "fj.reviewer", &["reviewer"])
            .await,
    );
    let (_, applicant) = stack.fj_applicant().await;
    let case_id = stack.complete_fj_draft(&applicant).await;
    let submitted = post_with_key(
        &stack,
        "/api/v1/submissions",
        &applicant,
        "counter-submit",
        &json!({"case_ids": [case_id]}),
    )
    .await;
    assert_eq!(submitted.status, 201, "{}", submitted.text());
    let receipt = submitted.json()["cases"][0]["receipt_number"]
        .as_str()
        .unwrap()
        .to_owned();

    // The empty desk, and the counter's landing link in the header.
    let desk = page(&stack, &format!("{COUNTER}?lang=en"), Some(&counter), None).await;
    assert_eq!(desk.status, 200, "{}", desk.text());
    let html = desk.text();
    assert!(html.contains("<h1>Counter</h1>"), "{html}");
    assert!(
        html.contains("href=\"/portal/fj-exit-entry/staff/counter?lang=en\""),
        "{html}"
    );
    assert!(!html.contains("none-found"), "{html}");

    // Found, typed in lower case with spaces around it.
    let lower = receipt.to_ascii_lowercase();
    let found = page(
        &stack,
        &format!("{COUNTER}?lang=en&receipt=+{lower}+"),
        Some(&counter),
        None,
    )
    .await;
    assert_eq!(found.status, 200, "{}", found.text());
    let html = found.text();
    assert!(
        html.contains(&format!("<h2 id=\"case-{case_id}\">{receipt}</h2>")),
        "{html}"
    );
    assert!(html.contains("govuk-tag"), "{html}");

    // Unknown, and another agency's number shape: no case, no leak.
    let missing = page(
        &stack,
        &format!("{COUNTER}?lang=en&receipt=TW-2026-000001"),
        Some(&counter),
        None,
    )
    .await;
    assert_eq!(missing.status, 404, "{}", missing.text());
    assert!(missing.text().contains("id=\"none-found\""));

    // Malformed: the field is named, nothing is looked up.
    for hostile in [
        "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "1%27%20OR%20%271%27%3D%271",
        &"A".repeat(41),
        "%20%20",
    ] {
        let refused = page(
            &stack,
            &format!("{COUNTER}?lang=en&receipt={hostile}"),
            Some(&counter),
            None,
        )
        .await;
        assert_eq!(refused.status, 422, "{hostile}: {}", refused.text());
        let html = refused.text();
        assert!(html.contains("<div class=\"error-summary\""), "{html}");
        assert!(html.contains("href=\"#receipt\""), "{html}");
        assert!(!html.contains("<script>"), "{html}");
    }

    // Only the counter: a reviewer is refused, a visitor signs in first.
    let other = page(&stack, COUNTER, Some(&reviewer), None).await;
    assert_eq!(other.status, 403);
    let visitor = page(&stack, COUNTER, None, None).await;
    assert_eq!(visitor.status, 303);
    assert_eq!(
        visitor.header("location"),
        Some("/portal/fj-exit-entry/staff/login")
    );
    // An applicant portal has no counter desk.
    let applicant_portal = page(
        &stack,
        "/portal/fj-exit-entry/nia-app/counter",
        Some(&counter),
        None,
    )
    .await;
    assert_eq!(applicant_portal.status, 404);
    stack.stop().await;
}
