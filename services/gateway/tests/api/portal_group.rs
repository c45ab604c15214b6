//! Submitting several drafts as one group from the check page: the
//! account's other drafts are offered; ticked ones go with the case and
//! share its group number; a ticked draft that is not complete is named
//! and nothing is submitted; another account's case cannot be added.

use crate::portal::{error_summary, form, input_value, page};
use crate::support::*;

fn cookie_of(session: &str) -> String {
    format!("__Host-laissez-session={session}")
}

#[tokio::test]
async fn drafts_are_submitted_together_as_one_group() {
    let stack = Stack::start(Services::INTAKE).await;
    let (_, session) = stack.fj_applicant().await;
    let cookie = cookie_of(&session);
    let first = stack.complete_fj_draft(&session).await;
    let second = stack.complete_fj_draft(&session).await;
    let unfinished = stack.start_fj_case(&session).await;
    let base = format!("/portal/{FJ}/{FJ_PORTAL}/cases");
    let check = page(
        &stack,
        &format!("{base}/{first}/check?lang=en"),
        Some(&cookie),
        None,
    )
    .await;
    assert_eq!(check.status, 200, "{}", check.text());
    let html = check.text();
    assert!(html.contains("Submit together"), "{html}");
    for other in [&second, &unfinished] {
        assert!(html.contains(&format!("id=\"with-{other}\"")), "{html}");
    }
    assert!(!html.contains(&format!("id=\"with-{first}\"")), "{html}");
    let csrf = input_value(&html, "csrf_token");
    let submit = format!("{base}/{first}/submit?lang=en");

    // The unfinished draft ticked: named, linked, nothing submitted.
    let refused = form(
        &stack,
        &submit,
        &cookie,
        &[
            ("csrf_token", &csrf),
            ("with", &second),
            ("with", &unfinished),
        ],
    )
    .await;
    assert_eq!(refused.status, 422, "{}", refused.text());
    let html = refused.text();
    assert!(html.contains("id=\"group-incomplete\""), "{html}");
    assert!(
        html.contains(&format!("cases/{unfinished}/check")),
        "the unfinished draft is linked: {html}"
    );
    assert!(
        error_summary(&html).is_none(),
        "the case itself is complete"
    );
    // What was ticked stays ticked.
    assert!(
        html.contains(&format!(
            "id=\"with-{second}\" type=\"checkbox\" name=\"with\" value=\"{second}\" checked"
        )),
        "{html}"
    );
    for id in [&first, &second, &unfinished] {
        let case = stack
            .get(&format!("/api/v1/cases/{id}"), &session)
            .await
            .ok();
        assert_eq!(case["state"], "CASE_STATE_DRAFT", "{case}");
    }

    // Another account's draft cannot be slipped in.
    let (_, stranger) = stack.fj_applicant().await;
    let theirs = stack.complete_fj_draft(&stranger).await;
    let foreign = form(
        &stack,
        &submit,
        &cookie,
        &[("csrf_token", &csrf), ("with", &theirs)],
    )
    .await;
    assert_eq!(foreign.status, 404, "{}", foreign.text());

    // The two complete drafts together: one group number for both.
    let submitted = form(
        &stack,
        &submit,
        &cookie,
        &[("csrf_token", &csrf), ("with", &second)],
    )
    .await;
    assert_eq!(submitted.status, 303, "{}", submitted.text());
    let one = stack
        .get(&format!("/api/v1/cases/{first}"), &session)
        .await
        .ok();
    let two = stack
        .get(&format!("/api/v1/cases/{second}"), &session)
        .await
        .ok();
    assert_eq!(one["state"], "CASE_STATE_SUBMITTED", "{one}");
    assert_eq!(two["state"], "CASE_STATE_SUBMITTED", "{two}");
    assert!(!one["group_number"].as_str().unwrap().is_empty());
    assert_eq!(one["group_number"], two["group_number"]);
    assert_ne!(one["receipt_number"], two["receipt_number"]);
    let left = stack
        .get(&format!("/api/v1/cases/{unfinished}"), &session)
        .await
        .ok();
    assert_eq!(left["state"], "CASE_STATE_DRAFT");
    stack.stop().await;
}
