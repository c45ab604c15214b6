//! The reviewer's portal pages against real services: staff sign-in with
//! the captcha and the authenticator's code, the queues, claiming, a
//! claimed case with its documents, a return with its comment, the audit
//! history, and who may not see any of it.

use serde_json::json;

use crate::journey::{eventually, post_with_key};
use crate::portal::{error_summary, form, input_value, page, set_cookie};
use crate::support::*;

const STAFF_BASE: &str = "/portal/fj-exit-entry/staff/";
const LOGIN: &str = "fj.reviewer";

/// The contents of `<main>`, without the header's links.
fn main_of(html: &str) -> String {
    let start = html.find("<main").expect("a main element");
    let end = html.find("</main>").expect("the end of main");
    html[start..end].to_owned()
}

/// The authenticator's code of the next step (the current one was spent
/// on the enrolment, and identity refuses a step twice).
async fn next_totp_code(stack: &Stack) -> String {
    let secret: Vec<u8> = sqlx::query_scalar(
        "SELECT totp_secret FROM accounts WHERE agency = $1 AND login_name = $2",
    )
    .bind(FJ)
    .bind(LOGIN)
    .fetch_one(stack.identity.pool())
    .await
    .unwrap();
    let step = chrono::Utc::now().timestamp().div_euclid(30) + 1;
    laissez_identity::totp::code_at_step(&secret, step, 6)
}

/// Signs the reviewer in through the staff portal's form; the session
/// cookie (as a `Cookie` header).
async fn sign_in(stack: &Stack) -> String {
    let login = format!("{STAFF_BASE}login");
    let shown = page(stack, &login, None, None).await;
    assert_eq!(shown.status, 200, "{}", shown.text());
    let html = shown.text();
    assert!(html.contains("name=\"totp_code\""), "{html}");
    assert!(html.contains("src=\"data:image/png;base64,"), "a captcha");
    let (binding, _) = set_cookie(&shown, "__Host-laissez-anon").expect("an anonymous binding");
    let cookie = format!("__Host-laissez-anon={binding}");
    let fields = |html: &str, totp: &str| {
        [
            ("csrf_token", input_value(html, "csrf_token")),
            ("pre_session", input_value(html, "pre_session")),
            ("captcha_id", input_value(html, "captcha_id")),
            ("login_name", LOGIN.to_owned()),
            ("password", STAFF_PASSWORD.to_owned()),
            ("captcha_answer", CAPTCHA.to_owned()),
            ("totp_code", totp.to_owned()),
        ]
    };
    let (login, cookie) = (login.as_str(), cookie.as_str());
    let send = |fields: [(&'static str, String); 7]| async move {
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        form(stack, login, cookie, &fields).await
    };
    // Without the second factor the form asks for it.
    let missing = send(fields(&html, "")).await;
    assert_eq!(missing.status, 422, "{}", missing.text());
    let missing_html = missing.text();
    assert!(
        error_summary(&missing_html)
            .unwrap()
            .contains("href=\"#totp_code\"")
    );
    let signed_in = send(fields(&missing_html, &next_totp_code(stack).await)).await;
    assert_eq!(signed_in.status, 303, "{}", signed_in.text());
    assert_eq!(
        signed_in.header("location"),
        Some(format!("{STAFF_BASE}review").as_str())
    );
    let (session, _) = set_cookie(&signed_in, "__Host-laissez-session").expect("a session");
    format!("__Host-laissez-session={session}")
}

#[tokio::test]
async fn a_reviewer_claims_returns_for_supplement_and_sees_the_audit() {
    let stack = Stack::start(Services::ALL).await;
    let (_, applicant) = stack.fj_applicant().await;
    let case_id = stack.complete_fj_draft(&applicant).await;
    let submitted = post_with_key(
        &stack,
        "/api/v1/submissions",
        &applicant,
        "submit-1",
        &json!({"case_ids": [case_id]}),
    )
    .await;
    assert_eq!(submitted.status, 201, "{}", submitted.text());

    let operator = stack.operator().await;
    stack
        .staff(&operator, FJ, LOGIN, &["reviewer", "senior_reviewer"])
        .await;
    let review = format!("{STAFF_BASE}review");
    // A visitor is sent to the sign-in.
    let visitor = page(&stack, &review, None, None).await;
    assert_eq!(visitor.status, 303);
    assert_eq!(
        visitor.header("location"),
        Some(format!("{STAFF_BASE}login").as_str())
    );
    let cookie = sign_in(&stack).await;

    let (on, with) = (&stack, cookie.as_str());
    let review_path = review.as_str();
    let queue = eventually("the queue shows the case", move || async move {
        let shown = page(on, &format!("{review_path}?lang=en"), Some(with), None).await;
        let html = shown.text();
        html.contains("<td class=\"depth\">1</td>").then_some(html)
    })
    .await;
    assert!(
        queue.contains("One-time Taiwan compatriot permit"),
        "{queue}"
    );
    assert!(queue.contains("Claim next"), "{queue}");
    // The switcher keeps the path.
    for other in ["zh-Hant", "zh-Hans"] {
        assert!(
            queue.contains(&format!("href=\"{review}?lang={other}\"")),
            "{queue}"
        );
    }
    let token = input_value(&main_of(&queue), "csrf_token");
    let claim_path = format!("{review}/claim");

    // Claiming needs the session's CSRF token.
    let forged = form(
        &stack,
        &claim_path,
        &cookie,
        &[
            ("csrf_token", "forged"),
            ("application_type", "one_time_taiwan_permit"),
        ],
    )
    .await;
    assert_eq!(forged.status, 403, "{}", forged.text());
    let claimed = form(
        &stack,
        &claim_path,
        &cookie,
        &[
            ("csrf_token", token.as_str()),
            ("application_type", "one_time_taiwan_permit"),
        ],
    )
    .await;
    assert_eq!(claimed.status, 303, "{}", claimed.text());
    let case_path = format!("{review}/cases/{case_id}");
    assert_eq!(claimed.header("location"), Some(case_path.as_str()));

    let shown = page(&stack, &format!("{case_path}?lang=en"), Some(&cookie), None).await;
    assert_eq!(shown.status, 200, "{}", shown.text());
    let html = shown.text();
    for expected in [
        "Planned port of entry",
        "Permit photo",
        "photo.png",
        "Return for supplement",
        "Audit history",
        "claimed",
    ] {
        assert!(html.contains(expected), "lacks {expected}: {html}");
    }
    assert!(
        html.contains(&format!("href=\"{case_path}?lang=zh-Hans\"")),
        "{html}"
    );
    // The photo's thumbnail comes from the same origin, inline.
    let marker = "<img class=\"thumbnail\" src=\"";
    let start = html.find(marker).expect("a thumbnail") + marker.len();
    let src = html[start..]
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&");
    assert!(src.starts_with(&format!("/api/v1/cases/{case_id}/documents/")));
    let thumbnail = page(&stack, &src, Some(&cookie), None).await;
    assert_eq!(thumbnail.status, 200);
    assert_eq!(thumbnail.body, png(60, 80));
    assert!(
        thumbnail
            .header("content-disposition")
            .unwrap()
            .starts_with("inline")
    );

    let decision_path = format!("{case_path}/decision?lang=en");
    let token = input_value(&main_of(&html), "csrf_token");
    let forged = form(
        &stack,
        &decision_path,
        &cookie,
        &[
            ("csrf_token", "forged"),
            ("decision", "returned_for_supplement"),
            ("comment", "x"),
        ],
    )
    .await;
    assert_eq!(forged.status, 403, "{}", forged.text());
    let no_comment = form(
        &stack,
        &decision_path,
        &cookie,
        &[
            ("csrf_token", token.as_str()),
            ("decision", "returned_for_supplement"),
            ("comment", " "),
        ],
    )
    .await;
    assert_eq!(no_comment.status, 422, "{}", no_comment.text());
    let no_comment_html = no_comment.text();
    let summary = error_summary(&no_comment_html).expect("an error summary");
    assert!(summary.contains("href=\"#comment\""), "{summary}");
    assert!(summary.contains("Enter a comment"), "{summary}");
    assert!(no_comment_html.contains("aria-invalid=\"true\""));

    // Only a refusal may keep the fee, and only where the agency refunds
    // one (not Fujian: no box is offered, and a forged one is refused).
    assert!(!html.contains("name=\"fee_forfeited\""), "{html}");
    let forfeited = form(
        &stack,
        &decision_path,
        &cookie,
        &[
            ("csrf_token", token.as_str()),
            ("decision", "returned_for_supplement"),
            ("comment", "x"),
            ("fee_forfeited", "yes"),
        ],
    )
    .await;
    assert_eq!(forfeited.status, 422, "{}", forfeited.text());
    let forfeited_html = forfeited.text();
    let summary = error_summary(&forfeited_html).expect("an error summary");
    assert!(summary.contains("href=\"#fee_forfeited\""), "{summary}");
    assert!(summary.contains("decision keeps the fee"), "{summary}");

    let comment = "Please add a clearer photo.";
    let decided = form(
        &stack,
        &decision_path,
        &cookie,
        &[
            ("csrf_token", token.as_str()),
            ("decision", "returned_for_supplement"),
            ("comment", comment),
        ],
    )
    .await;
    assert_eq!(decided.status, 303, "{}", decided.text());
    assert_eq!(
        decided.header("location"),
        Some(format!("{case_path}?lang=en").as_str())
    );
    let after = page(&stack, &format!("{case_path}?lang=en"), Some(&cookie), None).await;
    let after_html = after.text();
    let audit = &after_html[after_html.find("audit-title").expect("the audit")..];
    assert!(audit.contains("returned_for_supplement"), "{audit}");

    // The applicant's own case page shows the reviewer's comment.
    let applicant_cookie = format!("__Host-laissez-session={applicant}");
    let applicant_case = format!("/portal/{FJ}/{FJ_PORTAL}/cases/{case_id}");
    let (who, path) = (applicant_cookie.as_str(), applicant_case.as_str());
    eventually("the applicant sees the comment", move || async move {
        let shown = page(on, path, Some(who), None).await;
        shown.text().contains(comment).then_some(())
    })
    .await;

    // An applicant's session gets no review page: the applicant portal has
    // none, and the staff portal refuses it.
    let own = page(
        &stack,
        &format!("/portal/{FJ}/{FJ_PORTAL}/review"),
        Some(&applicant_cookie),
        None,
    )
    .await;
    assert_eq!(own.status, 404, "{}", own.text());
    let staff_side = page(&stack, &review, Some(&applicant_cookie), None).await;
    assert_eq!(staff_side.status, 403, "{}", staff_side.text());
    let staff_case = page(&stack, &case_path, Some(&applicant_cookie), None).await;
    assert_eq!(staff_case.status, 403, "{}", staff_case.text());
    let refused_claim = form(
        &stack,
        &claim_path,
        &applicant_cookie,
        &[
            ("csrf_token", stack.csrf_token(&applicant).as_str()),
            ("application_type", "one_time_taiwan_permit"),
        ],
    )
    .await;
    assert_eq!(refused_claim.status, 403, "{}", refused_claim.text());
    stack.stop().await;
}
