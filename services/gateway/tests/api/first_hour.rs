//! What a newcomer meets first: the front door at `/` that lists every
//! agency and its portals, a sign-in page that sends a signed-in visitor on
//! to their pages, and emailed links that all lead to a page that exists.

use std::time::Duration;

use serde_json::json;

use crate::portal::page;
use crate::support::*;

const AGENCIES: [&str; 5] = ["fj-exit-entry", "hk-cts", "mo-csm", "mo-cts", "tw-nia"];

/// Every `href` of a page that stays on this site.
fn local_links(html: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|link| link.starts_with('/'))
        .map(|link| link.replace("&amp;", "&"))
        .collect()
}

/// Follows redirects on this stack (the client follows none) and answers
/// the last status and path.
async fn follow(stack: &Stack, path: &str, cookie: Option<&str>) -> (u16, String) {
    let mut path = path.to_owned();
    for _ in 0..5 {
        let answer = page(stack, &path, cookie, None).await;
        let status = answer.status.as_u16();
        if !(300..400).contains(&status) {
            return (status, path);
        }
        path = answer
            .header("location")
            .expect("a redirect's target")
            .to_owned();
    }
    panic!("{path}: too many redirects");
}

#[tokio::test]
async fn the_front_door_lists_every_agency_and_each_link_opens_a_page() {
    let stack = Stack::start(Services::INTAKE).await;
    let english = page(&stack, "/?lang=en", None, None).await;
    assert_eq!(english.status, 200, "{}", english.text());
    let html = english.text();
    assert!(html.contains("<html lang=\"en\">"), "{html}");
    for (name, portal) in [
        (
            "National Immigration Agency",
            "/portal/tw-nia/mainland-students/login?lang=en",
        ),
        (
            "Fujian Exit and Entry",
            "/portal/fj-exit-entry/nia-app/login?lang=en",
        ),
        (
            "CTS Document Services (Hong Kong)",
            "/portal/hk-cts/hk-residents/login?lang=en",
        ),
        ("CTS Macau", "/portal/mo-cts/mo-residents/login?lang=en"),
        ("Commissioner", "/portal/mo-csm/consular-app/login?lang=en"),
    ] {
        assert!(
            html.contains(name),
            "the front door does not name {name}: {html}"
        );
        assert!(
            html.contains(&format!("href=\"{}\"", portal.replace('&', "&amp;"))),
            "the front door does not link {portal}"
        );
    }
    let links = local_links(&html);
    for agency in AGENCIES {
        let staff = format!("/portal/{agency}/staff/login?lang=en");
        assert!(links.contains(&staff), "no staff sign-in for {agency}");
    }
    for link in links {
        let (status, landed) = follow(&stack, &link, None).await;
        assert_eq!(status, 200, "{link} led to {landed} ({status})");
    }
    // The same agencies in each language, and through the JSON API.
    for (tag, words) in [("zh-Hant", "登入"), ("zh-Hans", "登录")] {
        let answer = page(&stack, &format!("/?lang={tag}"), None, None).await;
        assert_eq!(answer.status, 200);
        assert!(answer.text().contains(words), "{tag}: {}", answer.text());
    }
    let listed = stack
        .send(stack.http.get(stack.url("/api/v1/agencies")))
        .await
        .ok();
    assert_eq!(listed["agencies"], json!(AGENCIES), "{listed}");
    stack.stop().await;
}

#[tokio::test]
async fn a_signed_in_visitor_opening_the_sign_in_goes_to_their_pages() {
    let stack = Stack::start(Services::INTAKE).await;
    let (_, session) = stack.fj_applicant().await;
    let cookie = format!("__Host-laissez-session={session}");
    let base = format!("/portal/{FJ}/{FJ_PORTAL}/");

    let again = page(&stack, &format!("{base}login?lang=en"), Some(&cookie), None).await;
    assert_eq!(again.status, 303, "{}", again.text());
    assert_eq!(
        again.header("location"),
        Some(format!("{base}?lang=en").as_str())
    );

    // Another agency's sign-in, and this one signed out, show the form.
    let elsewhere = page(
        &stack,
        &format!("/portal/{TW}/{TW_PORTAL}/login"),
        Some(&cookie),
        None,
    )
    .await;
    assert_eq!(elsewhere.status, 200);
    assert!(elsewhere.text().contains("name=\"password\""));
    let signed_out = page(&stack, &format!("{base}login"), None, None).await;
    assert_eq!(signed_out.status, 200);
    let stale = page(
        &stack,
        &format!("{base}login"),
        Some("__Host-laissez-session=made-up"),
        None,
    )
    .await;
    assert_eq!(stale.status, 200);

    // A reviewer on the staff sign-in goes to the review queues.
    let operator = stack.operator().await;
    let reviewer = stack
        .staff(&operator, FJ, "fj.reviewer", &["reviewer"])
        .await;
    let staff_cookie = format!("__Host-laissez-session={reviewer}");
    let staff = page(
        &stack,
        &format!("/portal/{FJ}/staff/login"),
        Some(&staff_cookie),
        None,
    )
    .await;
    assert_eq!(staff.status, 303, "{}", staff.text());
    assert_eq!(
        staff.header("location"),
        Some(format!("/portal/{FJ}/staff/review").as_str())
    );
    // ... but not on the applicants' sign-in, which shows its form.
    let applicants = page(&stack, &format!("{base}login"), Some(&staff_cookie), None).await;
    assert_eq!(applicants.status, 200);
    // The counter goes to the counter desk.
    let counter = stack.staff(&operator, FJ, "fj.counter", &["counter"]).await;
    let at_counter = page(
        &stack,
        &format!("/portal/{FJ}/staff/login"),
        Some(&format!("__Host-laissez-session={counter}")),
        None,
    )
    .await;
    assert_eq!(at_counter.status, 303, "{}", at_counter.text());
    assert_eq!(
        at_counter.header("location"),
        Some(format!("/portal/{FJ}/staff/counter").as_str())
    );
    stack.stop().await;
}

/// Every email notify rendered so far: (event type, text and HTML bodies).
async fn emails(stack: &Stack) -> Vec<(String, String)> {
    sqlx::query_as(
        "SELECT event_type, body_text || ' ' || COALESCE(body_html, '') FROM delivery \
         WHERE channel = 'email'",
    )
    .fetch_all(stack.notify_pool.as_ref().expect("notify runs"))
    .await
    .unwrap()
}

/// The path and query of every URL in `text`.
fn urls(text: &str) -> Vec<String> {
    text.split("http")
        .skip(1)
        .filter_map(|rest| rest.strip_prefix("://"))
        .map(|rest| {
            rest.split(|c: char| c.is_whitespace() || matches!(c, '<' | '"' | '\'' | '。' | '）'))
                .next()
                .unwrap_or_default()
                .trim_end_matches(['.', ',', ')'])
                .replace("&amp;", "&")
        })
        .filter_map(|host_and_path| {
            host_and_path
                .find('/')
                .map(|at| host_and_path[at..].to_owned())
        })
        .collect()
}

#[tokio::test]
async fn every_link_in_every_email_opens_a_page() {
    let stack = Stack::start(Services::ALL).await;
    // Registration (activation link), activation (sign-in link).
    let (_, _) = stack.tw_student_with_id().await;
    let login = "student1";
    // A password reset.
    stack
        .post(
            &format!("/api/v1/agencies/{TW}/portals/{TW_PORTAL}/password-reset-requests"),
            None,
            json!({"login_name": login}),
        )
        .await
        .ok();
    // A staff invitation.
    let operator = stack.operator().await;
    stack
        .staff(&operator, TW, "tw.reviewer", &["reviewer"])
        .await;

    let wanted = [
        "identity.account.registered",
        "identity.account.activated",
        "identity.password.reset_requested",
    ];
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let mails = loop {
        let mails = emails(&stack).await;
        let kinds: Vec<&str> = mails.iter().map(|(kind, _)| kind.as_str()).collect();
        let invitations = mails
            .iter()
            .filter(|(kind, body)| {
                kind == "identity.password.reset_requested" && body.contains("staff")
            })
            .count();
        if wanted.iter().all(|kind| kinds.contains(kind)) && invitations > 0 {
            break mails;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "emails so far: {kinds:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let mut checked = 0;
    for (kind, body) in &mails {
        let links = urls(body);
        assert!(!links.is_empty(), "{kind} has no link: {body}");
        for link in links {
            let (status, landed) = follow(&stack, &link, None).await;
            assert_eq!(status, 200, "{kind}: {link} led to {landed} ({status})");
            checked += 1;
        }
    }
    assert!(checked >= 4, "only {checked} links checked");
    // The invitation reads as one, not as a password reset.
    let invitation = mails
        .iter()
        .find(|(_, body)| body.contains("staff/reset-password") || body.contains("portal=staff"))
        .expect("an invitation");
    assert!(!invitation.1.contains("若非本人申請"), "{}", invitation.1);
    stack.stop().await;
}

#[tokio::test]
async fn the_dashboard_shows_what_has_content_and_one_empty_state() {
    let stack = Stack::start(Services::INTAKE).await;
    let (_, session) = stack.fj_applicant().await;
    let cookie = format!("__Host-laissez-session={session}");
    let base = format!("/portal/{FJ}/{FJ_PORTAL}/");
    let empty = page(&stack, &format!("{base}?lang=en"), Some(&cookie), None).await;
    assert_eq!(empty.status, 200);
    let html = empty.text();
    assert_eq!(
        html.matches("You have no applications yet").count(),
        1,
        "{html}"
    );
    assert!(
        !html.contains("<h4>") && !html.contains("No applications."),
        "{html}"
    );
    assert!(
        html.contains(&format!("href=\"{base}apply?lang=en\"")),
        "{html}"
    );

    stack.start_fj_case(&session).await;
    let one = page(&stack, &format!("{base}?lang=en"), Some(&cookie), None)
        .await
        .text();
    assert_eq!(
        one.matches("<h4>").count(),
        1,
        "only the draft's section: {one}"
    );
    assert!(!one.contains("You have no applications yet"));
    stack.stop().await;
}

#[tokio::test]
async fn an_account_takes_its_clients_language_and_changes_it() {
    let stack = Stack::start(Services::INTAKE).await;
    // Registered through the API with no language, by an English client.
    let registered = stack
        .send(
            stack
                .http
                .post(stack.url("/api/v1/agencies/hk-cts/portals/hk-residents/registrations"))
                .header("accept-language", "en-GB,en;q=0.9")
                .json(&json!({
                    "password": PASSWORD,
                    "password_confirmation": PASSWORD,
                    "fields": {"email": "english.client@example.com", "mobile": "+852 91234567"},
                })),
        )
        .await;
    assert_eq!(registered.status, 201, "{}", registered.text());
    let event = stack
        .identity_events::<laissez_proto::events::v1::AccountRegistered>()
        .await
        .into_iter()
        .find(|event| event.login_name == "english.client@example.com")
        .expect("a registration");
    assert_eq!(
        event.language,
        laissez_proto::common::v1::Language::En as i32
    );

    // The account page changes the language of an account's messages.
    let (_, session) = stack.fj_applicant().await;
    let cookie = format!("__Host-laissez-session={session}");
    let base = format!("/portal/{FJ}/{FJ_PORTAL}/");
    let account = page(
        &stack,
        &format!("{base}account?lang=en"),
        Some(&cookie),
        None,
    )
    .await;
    assert!(
        account.text().contains("Language of messages"),
        "{}",
        account.text()
    );
    let token = stack.csrf_token(&session);
    let saved = crate::portal::form(
        &stack,
        &format!("{base}account/language?lang=en"),
        &cookie,
        &[("csrf_token", token.as_str()), ("language", "en")],
    )
    .await;
    assert_eq!(saved.status, 200, "{}", saved.text());
    assert!(saved.text().contains("The language of messages is saved."));
    let profile = stack.get("/api/v1/account/profile", &session).await.ok();
    assert_eq!(profile["language"], "LANGUAGE_EN", "{profile}");
    let refused = crate::portal::form(
        &stack,
        &format!("{base}account/language"),
        &cookie,
        &[("csrf_token", token.as_str()), ("language", "klingon")],
    )
    .await;
    assert_eq!(refused.status, 422);
    let profile = stack.get("/api/v1/account/profile", &session).await.ok();
    assert_eq!(profile["language"], "LANGUAGE_EN", "unchanged: {profile}");
    stack.stop().await;
}
