//! The reviewer's case actions and the staff authenticator enrolment on
//! the staff portal, against real services: requesting and accepting
//! priority, releasing a claim, reassigning (senior reviewers), sign-off
//! refused while nothing awaits it, and a new staff member signing in
//! without a code and enrolling an authenticator.

use serde_json::json;

use crate::journey::{eventually, post_with_key};
use crate::portal::{error_summary, form, input_value, page, set_cookie};
use crate::support::*;

const STAFF_BASE: &str = "/portal/fj-exit-entry/staff/";

fn cookie_of(session: &str) -> String {
    format!("__Host-laissez-session={session}")
}

fn main_of(html: &str) -> String {
    let start = html.find("<main").expect("a main element");
    let end = html.find("</main>").expect("the end of main");
    html[start..end].to_owned()
}

async fn account_id(stack: &Stack, agency: &str, login: &str) -> String {
    let id: uuid::Uuid =
        sqlx::query_scalar("SELECT id FROM accounts WHERE agency = $1 AND login_name = $2")
            .bind(agency)
            .bind(login)
            .fetch_one(stack.identity.pool())
            .await
            .unwrap();
    id.to_string()
}

/// A submitted Fujian case, waiting in review's queue.
async fn submitted_case(stack: &Stack) -> String {
    let (_, applicant) = stack.fj_applicant().await;
    let case_id = stack.complete_fj_draft(&applicant).await;
    let submitted = post_with_key(
        stack,
        "/api/v1/submissions",
        &applicant,
        "submit-1",
        &json!({"case_ids": [case_id]}),
    )
    .await;
    assert_eq!(submitted.status, 201, "{}", submitted.text());
    case_id
}

#[tokio::test]
async fn reviewers_request_priority_release_and_reassign_a_case() {
    let stack = Stack::start(Services::ALL).await;
    let case_id = submitted_case(&stack).await;
    let operator = stack.operator().await;
    let reviewer = cookie_of(
        &stack
            .staff(&operator, FJ, "fj.reviewer", &["reviewer"])
            .await,
    );
    let senior = cookie_of(
        &stack
            .staff(&operator, FJ, "fj.senior", &["reviewer", "senior_reviewer"])
            .await,
    );
    let reviewer_id = account_id(&stack, FJ, "fj.reviewer").await;
    let review = format!("{STAFF_BASE}review");
    let (on, with, path) = (&stack, reviewer.as_str(), review.as_str());
    let queue = eventually("the queue shows the case", move || async move {
        let html = page(on, path, Some(with), None).await.text();
        html.contains("<td class=\"depth\">1</td>").then_some(html)
    })
    .await;
    let token = input_value(&main_of(&queue), "csrf_token");
    let claimed = form(
        &stack,
        &format!("{review}/claim"),
        &reviewer,
        &[
            ("csrf_token", token.as_str()),
            ("application_type", "one_time_taiwan_permit"),
        ],
    )
    .await;
    assert_eq!(claimed.status, 303, "{}", claimed.text());
    let case_path = format!("{review}/cases/{case_id}");
    let case_en = format!("{case_path}?lang=en");

    let shown = page(&stack, &case_en, Some(&reviewer), None).await;
    let html = main_of(&shown.text());
    assert!(html.contains("Release the claim"), "{html}");
    assert!(
        html.contains("<label for=\"priority_reason\">Reason</label>"),
        "{html}"
    );
    // Reassignment and sign-off are not a plain reviewer's.
    assert!(!html.contains("name=\"reassign_to\""));
    assert!(!html.contains("name=\"sign_off_outcome\""));

    // Priority: a reason is needed, and the session's token.
    let priority = format!("{case_path}/priority?lang=en");
    let forged = form(
        &stack,
        &priority,
        &reviewer,
        &[("csrf_token", "forged"), ("priority_reason", "urgent")],
    )
    .await;
    assert_eq!(forged.status, 403, "{}", forged.text());
    let empty = form(
        &stack,
        &priority,
        &reviewer,
        &[("csrf_token", token.as_str()), ("priority_reason", " ")],
    )
    .await;
    assert_eq!(empty.status, 422, "{}", empty.text());
    let summary = error_summary(&empty.text()).expect("an error summary");
    assert!(summary.contains("href=\"#priority_reason\""), "{summary}");
    assert!(empty.text().contains("Back to the case"));
    let requested = form(
        &stack,
        &priority,
        &reviewer,
        &[
            ("csrf_token", token.as_str()),
            ("priority_reason", "The applicant's father is ill."),
        ],
    )
    .await;
    assert_eq!(requested.status, 303, "{}", requested.text());
    assert_eq!(requested.header("location"), Some(case_en.as_str()));

    // The waiting request is answered from the same page.
    let pending = main_of(&page(&stack, &case_en, Some(&reviewer), None).await.text());
    assert!(pending.contains("Priority request"), "{pending}");
    assert!(!pending.contains("name=\"priority_reason\""));
    let resolve = format!("{case_path}/priority/resolve?lang=en");
    let no_choice = form(
        &stack,
        &resolve,
        &reviewer,
        &[("csrf_token", token.as_str()), ("resolve_comment", "ok")],
    )
    .await;
    assert_eq!(no_choice.status, 422, "{}", no_choice.text());
    assert!(
        error_summary(&no_choice.text())
            .unwrap()
            .contains("href=\"#resolve_outcome\"")
    );
    let accepted = form(
        &stack,
        &resolve,
        &reviewer,
        &[
            ("csrf_token", token.as_str()),
            ("resolve_outcome", "accept"),
            ("resolve_comment", "Documented."),
        ],
    )
    .await;
    assert_eq!(accepted.status, 303, "{}", accepted.text());
    let prioritised = main_of(&page(&stack, &case_en, Some(&reviewer), None).await.text());
    assert!(prioritised.contains("<dd>Priority</dd>"), "{prioritised}");
    assert!(prioritised.contains("priority_accepted"), "{prioritised}");
    // Answered once: a second answer is "not now".
    let again = form(
        &stack,
        &resolve,
        &reviewer,
        &[
            ("csrf_token", token.as_str()),
            ("resolve_outcome", "refuse"),
        ],
    )
    .await;
    assert_eq!(again.status, 409, "{}", again.text());

    // Nothing awaits a sign-off: refused as "not now" for a senior, and
    // not a plain reviewer's at all.
    let sign_off = format!("{case_path}/sign-off?lang=en");
    let senior_token = stack.csrf_token(senior.trim_start_matches("__Host-laissez-session="));
    let not_now = form(
        &stack,
        &sign_off,
        &senior,
        &[
            ("csrf_token", senior_token.as_str()),
            ("sign_off_outcome", "approve"),
        ],
    )
    .await;
    assert_eq!(not_now.status, 409, "{}", not_now.text());
    assert!(
        error_summary(&not_now.text())
            .unwrap()
            .contains("cannot take that action now")
    );
    let not_theirs = form(
        &stack,
        &sign_off,
        &reviewer,
        &[
            ("csrf_token", token.as_str()),
            ("sign_off_outcome", "approve"),
        ],
    )
    .await;
    assert_eq!(not_theirs.status, 403, "{}", not_theirs.text());

    // Releasing the claim puts it back in the queue.
    let release = format!("{case_path}/release?lang=en");
    let forged = form(&stack, &release, &reviewer, &[("csrf_token", "forged")]).await;
    assert_eq!(forged.status, 403, "{}", forged.text());
    let released = form(
        &stack,
        &release,
        &reviewer,
        &[("csrf_token", token.as_str())],
    )
    .await;
    assert_eq!(released.status, 303, "{}", released.text());
    assert_eq!(
        released.header("location"),
        Some(format!("{review}?lang=en").as_str())
    );
    let queued = main_of(&page(&stack, &case_en, Some(&reviewer), None).await.text());
    assert!(
        queued.contains("<dd class=\"review-state\">queued</dd>"),
        "{queued}"
    );
    assert!(!queued.contains("Release the claim"));
    let twice = form(
        &stack,
        &release,
        &reviewer,
        &[("csrf_token", token.as_str())],
    )
    .await;
    assert_eq!(twice.status, 409, "{}", twice.text());

    // A senior reviewer hands it to the reviewer; a plain reviewer may not.
    let senior_page = main_of(&page(&stack, &case_en, Some(&senior), None).await.text());
    assert!(
        senior_page.contains("name=\"reassign_to\""),
        "{senior_page}"
    );
    let reassign = format!("{case_path}/reassign?lang=en");
    let nobody = form(
        &stack,
        &reassign,
        &senior,
        &[("csrf_token", senior_token.as_str()), ("reassign_to", "")],
    )
    .await;
    assert_eq!(nobody.status, 422, "{}", nobody.text());
    assert!(
        error_summary(&nobody.text())
            .unwrap()
            .contains("href=\"#reassign_to\"")
    );
    let refused = form(
        &stack,
        &reassign,
        &reviewer,
        &[
            ("csrf_token", token.as_str()),
            ("reassign_to", reviewer_id.as_str()),
        ],
    )
    .await;
    assert_eq!(refused.status, 403, "{}", refused.text());
    let reassigned = form(
        &stack,
        &reassign,
        &senior,
        &[
            ("csrf_token", senior_token.as_str()),
            ("reassign_to", reviewer_id.as_str()),
        ],
    )
    .await;
    assert_eq!(reassigned.status, 303, "{}", reassigned.text());
    let leased = main_of(&page(&stack, &case_en, Some(&reviewer), None).await.text());
    assert!(
        leased.contains("<dd class=\"review-state\">leased</dd>"),
        "{leased}"
    );
    assert!(leased.contains("Release the claim"));

    // Another case id, or another agency's staff portal: nothing there.
    let missing = form(
        &stack,
        &format!("{review}/cases/{}/release", uuid::Uuid::new_v4()),
        &reviewer,
        &[("csrf_token", token.as_str())],
    )
    .await;
    assert_eq!(missing.status, 404, "{}", missing.text());
    let elsewhere = form(
        &stack,
        &format!("/portal/{TW}/staff/review/cases/{case_id}/release"),
        &reviewer,
        &[("csrf_token", token.as_str())],
    )
    .await;
    assert_eq!(elsewhere.status, 403, "{}", elsewhere.text());
    stack.stop().await;
}

/// A staff account invited by the operator, its password set from the
/// invitation, no authenticator yet.
async fn invited_staff(stack: &Stack, operator: &str, login: &str) {
    let created = stack
        .post(
            "/api/v1/admin/staff",
            Some(operator),
            json!({
                "agency": FJ,
                "login_name": login,
                "email": format!("{login}@agency.example"),
                "display_name": login,
                "roles": ["reviewer"],
            }),
        )
        .await
        .ok();
    let account_id = created["account_id"].as_str().unwrap().to_owned();
    let invitation = stack
        .identity_events::<laissez_proto::events::v1::PasswordResetRequested>()
        .await
        .into_iter()
        .rev()
        .find(|event| event.account_id == account_id)
        .expect("an invitation");
    let token = invitation.reset_url.split("token=").nth(1).unwrap();
    stack
        .post(
            "/api/v1/password-resets",
            None,
            json!({
                "token": token,
                "new_password": STAFF_PASSWORD,
                "new_password_confirmation": STAFF_PASSWORD,
            }),
        )
        .await
        .ok();
}

async fn totp_secret(stack: &Stack, login: &str) -> Vec<u8> {
    sqlx::query_scalar("SELECT totp_secret FROM accounts WHERE agency = $1 AND login_name = $2")
        .bind(FJ)
        .bind(login)
        .fetch_one(stack.identity.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_new_staff_member_signs_in_without_a_code_and_enrols_an_authenticator() {
    let stack = Stack::start(Services::INTAKE).await;
    let operator = stack.operator().await;
    let login = "fj.newcomer";
    invited_staff(&stack, &operator, login).await;

    // The sign-in form, without a code: the session may only enrol.
    let shown = page(&stack, &format!("{STAFF_BASE}login?lang=en"), None, None).await;
    let html = shown.text();
    let (binding, _) = set_cookie(&shown, "__Host-laissez-anon").expect("a binding");
    let anonymous = format!("__Host-laissez-anon={binding}");
    let signed_in = form(
        &stack,
        &format!("{STAFF_BASE}login?lang=en"),
        &anonymous,
        &[
            ("csrf_token", input_value(&html, "csrf_token").as_str()),
            ("pre_session", input_value(&html, "pre_session").as_str()),
            ("captcha_id", input_value(&html, "captcha_id").as_str()),
            ("login_name", login),
            ("password", STAFF_PASSWORD),
            ("captcha_answer", CAPTCHA),
            ("totp_code", ""),
        ],
    )
    .await;
    assert_eq!(signed_in.status, 303, "{}", signed_in.text());
    assert_eq!(
        signed_in.header("location"),
        Some(format!("{STAFF_BASE}totp?lang=en").as_str())
    );
    let (session, _) = set_cookie(&signed_in, "__Host-laissez-session").expect("a session");
    let cookie = cookie_of(&session);
    // Nothing else opens yet.
    let queue = page(&stack, &format!("{STAFF_BASE}review"), Some(&cookie), None).await;
    assert_eq!(queue.status, 303, "{}", queue.text());

    let totp = format!("{STAFF_BASE}totp?lang=en");
    let start = page(&stack, &totp, Some(&cookie), None).await;
    assert_eq!(start.status, 200, "{}", start.text());
    let start_html = main_of(&start.text());
    assert!(
        start_html.contains("Set up your authenticator"),
        "{start_html}"
    );
    let token = input_value(&start_html, "csrf_token");
    let begin = format!("{STAFF_BASE}totp/begin?lang=en");
    let forged = form(&stack, &begin, &cookie, &[("csrf_token", "forged")]).await;
    assert_eq!(forged.status, 403, "{}", forged.text());
    let begun = form(&stack, &begin, &cookie, &[("csrf_token", token.as_str())]).await;
    assert_eq!(begun.status, 200, "{}", begun.text());
    let begun_html = main_of(&begun.text());
    assert!(begun_html.contains("otpauth://totp/"), "{begun_html}");
    assert!(begun_html.contains("<label for=\"code\">Code</label>"));

    let confirm = format!("{STAFF_BASE}totp/confirm?lang=en");
    let empty = form(
        &stack,
        &confirm,
        &cookie,
        &[("csrf_token", token.as_str()), ("code", "")],
    )
    .await;
    assert_eq!(empty.status, 422, "{}", empty.text());
    assert!(
        error_summary(&empty.text())
            .unwrap()
            .contains("href=\"#code\"")
    );
    let secret = totp_secret(&stack, login).await;
    let step = chrono::Utc::now().timestamp().div_euclid(30);
    let right = laissez_identity::totp::code_at_step(&secret, step, 6);
    let wrong = if right == "000000" {
        "111111"
    } else {
        "000000"
    };
    let refused = form(
        &stack,
        &confirm,
        &cookie,
        &[("csrf_token", token.as_str()), ("code", wrong)],
    )
    .await;
    assert_eq!(refused.status, 422, "{}", refused.text());
    assert!(
        error_summary(&refused.text())
            .unwrap()
            .contains("The code is wrong")
    );
    let forged = form(
        &stack,
        &confirm,
        &cookie,
        &[("csrf_token", "forged"), ("code", right.as_str())],
    )
    .await;
    assert_eq!(forged.status, 403, "{}", forged.text());
    let confirmed = form(
        &stack,
        &confirm,
        &cookie,
        &[("csrf_token", token.as_str()), ("code", right.as_str())],
    )
    .await;
    assert_eq!(confirmed.status, 303, "{}", confirmed.text());
    assert_eq!(
        confirmed.header("location"),
        Some(format!("{STAFF_BASE}review?lang=en").as_str())
    );
    // The session now has its second factor (review itself does not run
    // in this stack: the queue is past the sign-in, unavailable).
    let done = page(&stack, &totp, Some(&cookie), None).await;
    assert!(done.text().contains("Your authenticator is set up"));
    let queue = page(&stack, &format!("{STAFF_BASE}review"), Some(&cookie), None).await;
    assert_eq!(queue.status, 503, "{}", queue.text());

    // An applicant's session is not a staff member's.
    let (_, applicant) = stack.fj_applicant().await;
    let theirs = page(&stack, &totp, Some(&cookie_of(&applicant)), None).await;
    assert_eq!(theirs.status, 403, "{}", theirs.text());
    let none = page(
        &stack,
        &format!("/portal/{FJ}/{FJ_PORTAL}/totp"),
        Some(&cookie_of(&applicant)),
        None,
    )
    .await;
    assert_eq!(none.status, 404, "{}", none.text());
    stack.stop().await;
}
