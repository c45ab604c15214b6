//! The portal's case pages against real services: a case's page and who
//! may see it, the progress query with its filters and paging, withdrawal
//! with its two confirmations, and answering a return.

use serde_json::json;

use crate::journey::{eventually, post_with_key};
use crate::portal::{error_summary, form, input_value, page};
use crate::support::*;

fn base() -> String {
    format!("/portal/{FJ}/{FJ_PORTAL}/")
}

/// The portal cookie of an API session (the same token either way).
fn cookie_of(session: &str) -> String {
    format!("__Host-laissez-session={session}")
}

/// The contents of `<main>`: what differs between pages, without the
/// header's switcher links (which repeat the path).
fn main_of(html: &str) -> String {
    let start = html.find("<main").expect("a main element");
    let end = html.find("</main>").expect("the end of main");
    html[start..end].to_owned()
}

async fn start_case(stack: &Stack, session: &str) -> String {
    let case = stack
        .post(
            "/api/v1/cases",
            Some(session),
            json!({
                "application_type": "one_time_taiwan_permit",
                "notice_version": "2024-04",
                "notice_accepted": true,
                "applicant": {"date_of_birth": "1985-06-01"},
            }),
        )
        .await
        .ok();
    case["case_id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_case_page_shows_its_case_to_its_applicant_only_and_withdraws_twice_confirmed() {
    let stack = Stack::start(Services::INTAKE).await;
    let (_, session) = stack.fj_applicant().await;
    let cookie = cookie_of(&session);
    let case_id = stack.complete_fj_draft(&session).await;
    let base = base();
    let case_path = format!("{base}cases/{case_id}");

    // The dashboard links to the case.
    let board = page(&stack, &base, Some(&cookie), None).await;
    assert!(
        board.text().contains(&format!("href=\"{case_path}\"")),
        "{}",
        board.text()
    );

    let shown = page(&stack, &format!("{case_path}?lang=en"), Some(&cookie), None).await;
    assert_eq!(shown.status, 200, "{}", shown.text());
    let html = shown.text();
    for expected in [
        "One-time Taiwan compatriot permit",
        "<dd class=\"state govuk-summary-list__value\"><strong class=\"govuk-tag govuk-tag--grey\">Draft</strong></dd>",
        "Not submitted yet",
        "Planned port of entry",
        "Xiamen Wutong Passenger Terminal",
        "Permit photo",
        "Taiwan ID card (front)",
        "photo.png",
        "scan.png",
        "image/png",
        "History",
    ] {
        assert!(html.contains(expected), "lacks {expected}: {html}");
    }
    // Each document downloads through the API with the portal's cookie.
    let marker = format!("href=\"/api/v1/cases/{case_id}/documents/");
    let at = html.find(&marker).expect("a download link") + "href=\"".len();
    let link = html[at..].split('"').next().unwrap().to_owned();
    let downloaded = page(&stack, &link, Some(&cookie), None).await;
    assert_eq!(downloaded.status, 200);
    assert!(downloaded.body.starts_with(b"\x89PNG"));

    // Someone else's case reads exactly like one that does not exist.
    let (_, stranger) = stack.fj_applicant().await;
    let theirs = page(
        &stack,
        &format!("{case_path}?lang=en"),
        Some(&cookie_of(&stranger)),
        None,
    )
    .await;
    let random = page(
        &stack,
        &format!("{base}cases/{}?lang=en", uuid::Uuid::new_v4()),
        Some(&cookie_of(&stranger)),
        None,
    )
    .await;
    let garbage = page(
        &stack,
        &format!("{base}cases/nonsense?lang=en"),
        Some(&cookie_of(&stranger)),
        None,
    )
    .await;
    assert_eq!(theirs.status, 404);
    assert_eq!(random.status, 404);
    assert_eq!(garbage.status, 404);
    assert_eq!(main_of(&theirs.text()), main_of(&random.text()));
    assert_eq!(main_of(&garbage.text()), main_of(&random.text()));
    assert!(theirs.text().contains("Page not found"));
    assert!(!theirs.text().contains("photo.png"));
    let withdraw_path = format!("{case_path}/withdraw");
    let theirs = page(&stack, &withdraw_path, Some(&cookie_of(&stranger)), None).await;
    assert_eq!(theirs.status, 404);
    // Signed out: the sign-in.
    let signed_out = page(&stack, &case_path, None, None).await;
    assert_eq!(signed_out.status, 303);

    // Every signed-in page's switcher links to itself in each language.
    for path in [
        base.clone(),
        format!("{base}cases?state=draft"),
        case_path.clone(),
        withdraw_path.clone(),
    ] {
        for tag in ["zh-Hant", "zh-Hans", "en"] {
            let separator = if path.contains('?') { "&" } else { "?" };
            let answer = page(
                &stack,
                &format!("{path}{separator}lang={tag}"),
                Some(&cookie),
                None,
            )
            .await;
            assert_eq!(answer.status, 200, "{path}: {}", answer.text());
            let html = answer.text();
            assert!(html.contains(&format!("<html lang=\"{tag}\">")), "{path}");
            for other in ["zh-Hant", "zh-Hans", "en"] {
                let link = format!(
                    "href=\"{}{}lang={other}\"",
                    path.replace('&', "&amp;"),
                    if separator == "&" { "&amp;" } else { "?" }
                );
                assert!(html.contains(&link), "{path} in {tag} lacks {link}");
            }
        }
    }

    // Withdrawal: the case page offers it, a page explains it, and the
    // form needs both the session's token and the ticked box.
    assert!(
        html.contains(&format!("href=\"{withdraw_path}?lang=en\"")),
        "{html}"
    );
    let explained = page(
        &stack,
        &format!("{withdraw_path}?lang=en"),
        Some(&cookie),
        None,
    )
    .await;
    assert_eq!(explained.status, 200);
    let explained = explained.text();
    assert!(explained.contains("cannot be restored"), "{explained}");
    let token = input_value(&explained, "csrf_token");
    let post_path = format!("{withdraw_path}?lang=en");
    let no_token = form(&stack, &post_path, &cookie, &[("confirm", "1")]).await;
    assert_eq!(no_token.status, 403, "{}", no_token.text());
    let unticked = form(
        &stack,
        &post_path,
        &cookie,
        &[("csrf_token", token.as_str())],
    )
    .await;
    assert_eq!(unticked.status, 422, "{}", unticked.text());
    let summary = error_summary(&unticked.text()).expect("an error summary");
    assert!(
        summary.contains("href=\"#confirm\"") && summary.contains("Tick the box"),
        "{summary}"
    );
    let still = stack
        .get(&format!("/api/v1/cases/{case_id}"), &session)
        .await
        .ok();
    assert_eq!(still["state"], "CASE_STATE_DRAFT");
    let done = form(
        &stack,
        &post_path,
        &cookie,
        &[("csrf_token", token.as_str()), ("confirm", "1")],
    )
    .await;
    assert_eq!(done.status, 200, "{}", done.text());
    assert!(done.text().contains("Your application has been withdrawn."));
    let gone = stack
        .get(&format!("/api/v1/cases/{case_id}"), &session)
        .await
        .ok();
    assert_eq!(gone["state"], "CASE_STATE_WITHDRAWN");
    let again = form(
        &stack,
        &post_path,
        &cookie,
        &[("csrf_token", token.as_str()), ("confirm", "1")],
    )
    .await;
    assert_eq!(again.status, 409, "{}", again.text());
    let again = again.text();
    assert!(
        again.contains("can no longer be withdrawn") && again.contains("Withdrawn"),
        "{again}"
    );
    let after = page(&stack, &format!("{case_path}?lang=en"), Some(&cookie), None)
        .await
        .text();
    assert!(
        !after.contains(&withdraw_path),
        "no withdrawal offered any more"
    );
    stack.stop().await;
}

#[tokio::test]
async fn the_progress_query_filters_and_pages() {
    let stack = Stack::start(Services::INTAKE).await;
    let (_, session) = stack.fj_applicant().await;
    let cookie = cookie_of(&session);
    for _ in 0..11 {
        start_case(&stack, &session).await;
    }
    let list = format!("{}cases", base());
    let first = page(&stack, &format!("{list}?lang=en"), Some(&cookie), None).await;
    assert_eq!(first.status, 200, "{}", first.text());
    let html = first.text();
    assert!(html.contains("Applications found: 11"), "{html}");
    assert!(html.contains("Page 1 of 2"), "{html}");
    let next = format!("href=\"{list}?page=2&amp;lang=en\"");
    assert!(html.contains(&next), "{html}");
    assert_eq!(html.matches(">Draft</strong></td>").count(), 10);
    let second = page(
        &stack,
        &format!("{list}?page=2&lang=en"),
        Some(&cookie),
        None,
    )
    .await
    .text();
    assert_eq!(second.matches(">Draft</strong></td>").count(), 1);
    assert!(second.contains("rel=\"prev\""));
    assert!(!second.contains("rel=\"next\""));

    let today = chrono::Utc::now().date_naive();
    let tomorrow = today.succ_opt().unwrap();
    let count = async |query: String| {
        let answer = page(
            &stack,
            &format!("{list}?{query}&lang=en"),
            Some(&cookie),
            None,
        )
        .await;
        assert_eq!(answer.status, 200, "{query}: {}", answer.text());
        let html = answer.text();
        let at = html.find("Applications found: ").unwrap() + "Applications found: ".len();
        html[at..]
            .split('<')
            .next()
            .unwrap()
            .parse::<u32>()
            .unwrap()
    };
    assert_eq!(count(format!("from={today}&to={today}")).await, 11);
    assert_eq!(count(format!("from={tomorrow}")).await, 0);
    assert_eq!(count("state=draft".into()).await, 11);
    assert_eq!(count("state=withdrawn".into()).await, 0);
    assert_eq!(count("receipt_number=FJ0000".into()).await, 0);
    assert_eq!(count("group_number=G-1".into()).await, 0);
    // The filters stay in the form.
    let kept = page(
        &stack,
        &format!("{list}?state=draft&from={today}"),
        Some(&cookie),
        None,
    )
    .await
    .text();
    assert!(kept.contains("<option value=\"draft\" selected>"), "{kept}");
    assert!(kept.contains(&format!("value=\"{today}\"")));

    // Invalid values: an error summary naming the field, no results.
    let bad = page(
        &stack,
        &format!("{list}?from=2026-02-30&state=nonsense&lang=en"),
        Some(&cookie),
        None,
    )
    .await;
    assert_eq!(bad.status, 400);
    let bad = bad.text();
    let summary = error_summary(&bad).expect("an error summary");
    assert!(
        summary.contains("href=\"#from\"") && summary.contains("start date"),
        "{summary}"
    );
    assert!(summary.contains("href=\"#state\""), "{summary}");
    assert!(
        bad.contains("aria-describedby=\"from-help from-error\""),
        "{bad}"
    );
    assert!(!bad.contains("Applications found"));
    let order = page(
        &stack,
        &format!("{list}?from={tomorrow}&to={today}&lang=en"),
        Some(&cookie),
        None,
    )
    .await;
    assert!(
        error_summary(&order.text())
            .unwrap()
            .contains("must not be after")
    );
    // Another applicant sees none of them.
    let (_, stranger) = stack.fj_applicant().await;
    let theirs = page(
        &stack,
        &format!("{list}?lang=en"),
        Some(&cookie_of(&stranger)),
        None,
    )
    .await
    .text();
    assert!(theirs.contains("Applications found: 0"));
    stack.stop().await;
}

#[tokio::test]
async fn a_returned_case_shows_the_comment_and_resubmits_with_a_reply() {
    let stack = Stack::start(Services::ALL).await;
    let (_, session) = stack.fj_applicant().await;
    let cookie = cookie_of(&session);
    let case_id = stack.complete_fj_draft(&session).await;
    let submitted = post_with_key(
        &stack,
        "/api/v1/submissions",
        &session,
        "portal-submit",
        &json!({"case_ids": [case_id]}),
    )
    .await;
    assert_eq!(submitted.status, 201, "{}", submitted.text());
    let operator = stack.operator().await;
    let reviewer = stack
        .staff(&operator, FJ, "fj.reviewer", &["reviewer"])
        .await;
    let (on, as_reviewer) = (&stack, reviewer.as_str());
    eventually("the case reaches the review queue", move || async move {
        let claim = post_with_key(
            on,
            "/api/v1/review/claims",
            as_reviewer,
            &uuid::Uuid::new_v4().to_string(),
            &json!({"application_type": "one_time_taiwan_permit"}),
        )
        .await;
        (claim.status == 201).then_some(())
    })
    .await;
    let decided = stack
        .post(
            &format!("/api/v1/review/cases/{case_id}/decision"),
            Some(&reviewer),
            json!({"decision": "DECISION_RETURNED_FOR_SUPPLEMENT", "comment": "Please add a clearer photo."}),
        )
        .await;
    assert_eq!(decided.status, 201, "{}", decided.text());
    let case_path = format!("{}cases/{case_id}", base());
    let (as_applicant, path, cookie_ref) = (session.as_str(), case_path.as_str(), cookie.as_str());
    eventually("the return reaches the applicant", move || async move {
        let found = on
            .get(
                &format!("/api/v1/cases/{}", path.rsplit('/').next().unwrap()),
                as_applicant,
            )
            .await
            .ok();
        (found["state"] == "CASE_STATE_RETURNED_FOR_SUPPLEMENT").then_some(())
    })
    .await;
    let shown = page(
        &stack,
        &format!("{case_path}?lang=en"),
        Some(cookie_ref),
        None,
    )
    .await;
    assert_eq!(shown.status, 200);
    let html = shown.text();
    assert!(html.contains("Please add a clearer photo."), "{html}");
    assert!(
        html.contains("The reviewer asks for more documents"),
        "{html}"
    );
    assert!(html.contains("<td>Supplement</td>"), "{html}");
    assert!(html.contains("id=\"add-documents\""), "{html}");
    assert!(
        !html.contains("id=\"edit-answers\""),
        "answers stay as they are"
    );

    // A supplement may add or remove files, but not the photo that answers
    // a form field the applicant can no longer change.
    let documents_path = format!("{case_path}/documents?lang=en");
    let documents = page(&stack, &documents_path, Some(cookie_ref), None).await;
    assert_eq!(documents.status, 200, "{}", documents.text());
    let case = stack
        .get(&format!("/api/v1/cases/{case_id}"), &session)
        .await
        .ok();
    let answers: serde_json::Value =
        serde_json::from_str(case["answers_json"].as_str().unwrap()).unwrap();
    let photo_id = answers["photo"].as_str().unwrap().to_owned();
    let scan_id = case["documents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|document| document["requirement"] == "tw_id_card_front")
        .unwrap()["document_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        !documents
            .text()
            .contains(&format!("id=\"delete-{photo_id}\""))
    );
    assert!(
        documents
            .text()
            .contains(&format!("id=\"delete-{scan_id}\""))
    );
    let token = input_value(&main_of(&documents.text()), "csrf_token");
    let kept = form(
        &stack,
        &format!("{case_path}/documents/{photo_id}/delete?lang=en"),
        &cookie,
        &[("csrf_token", &token)],
    )
    .await;
    assert_eq!(kept.status, 303);
    assert!(
        kept.header("location")
            .unwrap_or_default()
            .contains("reason=closed"),
        "{:?}",
        kept.header("location")
    );
    let case = stack
        .get(&format!("/api/v1/cases/{case_id}"), &session)
        .await
        .ok();
    assert!(
        case["documents"]
            .as_array()
            .unwrap()
            .iter()
            .any(|document| document["document_id"] == photo_id.as_str()),
        "the photo stays"
    );
    let resubmit = format!("{case_path}/resubmit?lang=en");
    assert!(html.contains(&format!("action=\"{}\"", resubmit)), "{html}");
    let token = input_value(&main_of(&html), "csrf_token");
    let refused = form(&stack, &resubmit, &cookie, &[("reply", "Here it is.")]).await;
    assert_eq!(refused.status, 403);
    let done = form(
        &stack,
        &resubmit,
        &cookie,
        &[
            ("csrf_token", token.as_str()),
            ("reply", "A clearer photo is attached."),
        ],
    )
    .await;
    assert_eq!(done.status, 200, "{}", done.text());
    assert!(done.text().contains("sent back for review"));
    let after = page(&stack, &format!("{case_path}?lang=en"), Some(&cookie), None)
        .await
        .text();
    assert!(after.contains("A clearer photo is attached."), "{after}");
    assert!(
        !after.contains("/resubmit"),
        "no second resubmission offered"
    );
    let twice = form(
        &stack,
        &resubmit,
        &cookie,
        &[("csrf_token", token.as_str()), ("reply", "")],
    )
    .await;
    assert_eq!(twice.status, 409, "{}", twice.text());
    stack.stop().await;
}
