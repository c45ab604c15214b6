//! The web portal against real services: languages, CSRF on its forms,
//! sign-in with the captcha, the dashboard and sign-out.

use reqwest::header::{ACCEPT_LANGUAGE, COOKIE};
use serde_json::json;

use crate::support::*;

const TW_BASE: &str = "/portal/tw-nia/mainland-students/";

/// `name=value` of every cookie an answer sets, and the whole header.
pub(crate) fn set_cookies(answer: &Answer) -> Vec<(String, String, String)> {
    answer
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .filter_map(|value| {
            let pair = value.split(';').next()?;
            let (name, cookie) = pair.split_once('=')?;
            Some((name.to_owned(), cookie.to_owned(), value.to_owned()))
        })
        .collect()
}

pub(crate) fn set_cookie(answer: &Answer, name: &str) -> Option<(String, String)> {
    set_cookies(answer)
        .into_iter()
        .find(|(cookie, _, _)| cookie == name)
        .map(|(_, value, whole)| (value, whole))
}

/// The value of a hidden (or any) input of a page.
pub(crate) fn input_value(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\"");
    let input = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no input {name}"))
        + marker.len();
    let start = html[input..].find("value=\"").expect("a value") + input + "value=\"".len();
    html[start..].split('"').next().unwrap().to_owned()
}

/// The error summary of a page, if it has one.
pub(crate) fn error_summary(html: &str) -> Option<String> {
    let start = html.find("<div class=\"error-summary\"")?;
    let end = html[start..].find("</div>")? + start;
    Some(html[start..end].to_owned())
}

pub(crate) async fn page(
    stack: &Stack,
    path: &str,
    cookie: Option<&str>,
    accept: Option<&str>,
) -> Answer {
    let mut request = stack.http.get(stack.url(path));
    if let Some(cookie) = cookie {
        request = request.header(COOKIE, cookie);
    }
    if let Some(accept) = accept {
        request = request.header(ACCEPT_LANGUAGE, accept);
    }
    stack.send(request).await
}

pub(crate) async fn form(
    stack: &Stack,
    path: &str,
    cookie: &str,
    fields: &[(&str, &str)],
) -> Answer {
    let mut request = stack.http.post(stack.url(path)).form(fields);
    if !cookie.is_empty() {
        request = request.header(COOKIE, cookie);
    }
    stack.send(request).await
}

/// The sign-in page's anonymous binding cookie (as a `Cookie` header) and
/// the page.
async fn sign_in_page(stack: &Stack, base: &str) -> (String, String) {
    let answer = page(stack, &format!("{base}login"), None, None).await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    let (binding, _) = set_cookie(&answer, "__Host-laissez-anon").expect("an anonymous binding");
    (format!("__Host-laissez-anon={binding}"), answer.text())
}

#[tokio::test]
async fn every_language_renders_the_same_page_and_the_switcher_stays_there() {
    let stack = Stack::start(Services::INTAKE).await;
    let login = format!("{TW_BASE}login");
    for (tag, agency, sign_in) in [
        ("zh-Hant", "內政部移民署", "登入"),
        ("zh-Hans", "内政部移民署", "登录"),
        ("en", "National Immigration Agency", "Sign in"),
    ] {
        let answer = page(&stack, &format!("{login}?step=2&lang={tag}"), None, None).await;
        assert_eq!(answer.status, 200, "{}", answer.text());
        let html = answer.text();
        assert!(html.contains(&format!("<html lang=\"{tag}\">")), "{html}");
        assert!(html.contains(agency), "{tag}: {html}");
        assert!(
            html.contains(&format!("<h1>{sign_in}</h1>")),
            "{tag}: {html}"
        );
        // The switcher links to this very page (query kept) in each language.
        for other in ["zh-Hant", "zh-Hans", "en"] {
            let link = format!("href=\"{login}?step=2&amp;lang={other}\"");
            assert!(html.contains(&link), "{tag} lacks {link}: {html}");
        }
        let (chosen, whole) = set_cookie(&answer, "laissez-lang").expect("the choice is kept");
        assert_eq!(chosen, tag);
        assert!(whole.contains("HttpOnly") && whole.contains("SameSite=Lax"));
        // The cookie alone keeps the language on the next page.
        let next = page(&stack, &login, Some(&format!("laissez-lang={tag}")), None).await;
        assert!(next.text().contains(&format!("<html lang=\"{tag}\">")));
    }
    stack.stop().await;
}

#[tokio::test]
async fn accept_language_chooses_unless_the_visitor_did() {
    let stack = Stack::start(Services::INTAKE).await;
    let login = format!("{TW_BASE}login");
    let english = page(&stack, &login, None, Some("en-GB,en;q=0.9")).await;
    assert!(english.text().contains("<html lang=\"en\">"));
    assert!(set_cookie(&english, "laissez-lang").is_none());
    let simplified = page(&stack, &login, None, Some("zh-CN,zh;q=0.9")).await;
    assert!(simplified.text().contains("<html lang=\"zh-Hans\">"));
    let default = page(&stack, &login, None, Some("fr")).await;
    assert!(default.text().contains("<html lang=\"zh-Hant\">"));
    let chosen = page(&stack, &login, Some("laissez-lang=zh-Hant"), Some("en")).await;
    assert!(chosen.text().contains("<html lang=\"zh-Hant\">"));
    stack.stop().await;
}

#[tokio::test]
async fn pages_carry_the_security_headers_and_unknown_places_are_a_localized_404() {
    let stack = Stack::start(Services::INTAKE).await;
    let answer = page(&stack, &format!("{TW_BASE}login"), None, None).await;
    let csp = answer.header("content-security-policy").unwrap();
    assert!(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"));
    assert!(!answer.text().contains("<script") && !answer.text().contains("style="));
    for name in [
        "strict-transport-security",
        "x-content-type-options",
        "x-frame-options",
        "referrer-policy",
    ] {
        assert!(answer.header(name).is_some(), "{name} missing");
    }
    assert_eq!(answer.header("cache-control"), Some("no-store"));
    assert!(
        answer
            .header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
    for path in [
        "/portal/no-such-agency/students/login?lang=en",
        "/portal/tw-nia/no-such-portal/?lang=en",
        "/portal/tw-nia?lang=en",
    ] {
        let missing = page(&stack, path, None, None).await;
        assert_eq!(missing.status, 404, "{path}");
        assert!(missing.text().contains("<html lang=\"en\">"), "{path}");
        assert!(missing.text().contains("Page not found"), "{path}");
    }
    let missing = page(&stack, "/portal/x/y/z", None, Some("zh-CN")).await;
    assert_eq!(missing.status, 404);
    assert!(missing.text().contains("找不到网页"));
    let css = page(&stack, "/portal/static/portal.css", None, None).await;
    assert_eq!(css.status, 200);
    assert!(css.header("content-type").unwrap().starts_with("text/css"));
    stack.stop().await;
}

#[tokio::test]
async fn forms_need_the_token_of_their_own_binding() {
    let stack = Stack::start(Services::INTAKE).await;
    let login = format!("{TW_BASE}login");
    let (cookie, html) = sign_in_page(&stack, TW_BASE).await;
    let token = input_value(&html, "csrf_token");
    let fields = |token: &'static str| {
        vec![
            ("csrf_token", token),
            ("login_name", "student1"),
            ("password", PASSWORD),
        ]
    };
    let without = form(&stack, &login, &cookie, &fields("")).await;
    assert_eq!(without.status, 403, "{}", without.text());
    let (other_cookie, _) = sign_in_page(&stack, TW_BASE).await;
    let token: &'static str = Box::leak(token.into_boxed_str());
    let other = form(&stack, &login, &other_cookie, &fields(token)).await;
    assert_eq!(other.status, 403);
    let no_binding = form(&stack, &login, "", &fields(token)).await;
    assert_eq!(no_binding.status, 403);
    // Its own binding: the form is judged (here: no captcha answer).
    let own = form(&stack, &login, &cookie, &fields(token)).await;
    assert_eq!(own.status, 422, "{}", own.text());
    stack.stop().await;
}

#[tokio::test]
async fn signing_in_reaches_the_dashboard_and_signing_out_ends_the_session() {
    let stack = Stack::start(Services::INTAKE).await;
    // An activated student (the first of this stack: `student1`).
    stack.tw_student().await;
    let login = format!("{TW_BASE}login");
    let dashboard = page(&stack, TW_BASE, None, None).await;
    assert_eq!(dashboard.status, 303);
    assert_eq!(dashboard.header("location"), Some(login.as_str()));

    let (cookie, html) = sign_in_page(&stack, TW_BASE).await;
    assert!(
        html.contains("src=\"data:image/png;base64,"),
        "a captcha image"
    );
    let attempt = |html: &str, login_name: &str, password: &str, answer: &str| {
        [
            ("csrf_token", input_value(html, "csrf_token")),
            ("pre_session", input_value(html, "pre_session")),
            ("captcha_id", input_value(html, "captcha_id")),
            ("login_name", login_name.to_owned()),
            ("password", password.to_owned()),
            ("captcha_answer", answer.to_owned()),
        ]
    };
    let send = async |fields: [(&str, String); 6]| {
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        form(&stack, &login, &cookie, &fields).await
    };

    // "Another image": a new captcha, the account kept.
    let mut fields = attempt(&html, "student1", "", "").to_vec();
    fields.push(("refresh", "1".to_owned()));
    let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let refreshed = form(&stack, &login, &cookie, &borrowed).await;
    assert_eq!(refreshed.status, 200, "{}", refreshed.text());
    let html2 = refreshed.text();
    assert_ne!(
        input_value(&html2, "captcha_id"),
        input_value(&html, "captcha_id")
    );
    assert_eq!(input_value(&html2, "login_name"), "student1");
    assert!(error_summary(&html2).is_none());

    // A wrong password and an unknown account read exactly the same.
    let wrong = send(attempt(&html2, "student1", "Wrong-Passw0rd", CAPTCHA)).await;
    assert_eq!(wrong.status, 422, "{}", wrong.text());
    let wrong_html = wrong.text();
    let wrong_summary = error_summary(&wrong_html).expect("an error summary");
    assert!(wrong_summary.contains("role=\"alert\""));
    assert!(wrong_summary.contains("href=\"#login_name\""));
    assert!(wrong_summary.contains("帳號或密碼錯誤"), "{wrong_summary}");
    assert!(wrong_html.contains("aria-describedby=\"login_name-error\""));
    assert!(set_cookie(&wrong, "__Host-laissez-session").is_none());
    let unknown = send(attempt(
        &wrong_html,
        "nobody-here",
        "Wrong-Passw0rd",
        CAPTCHA,
    ))
    .await;
    assert_eq!(unknown.status, 422);
    let unknown_html = unknown.text();
    assert_eq!(error_summary(&unknown_html), Some(wrong_summary));

    // A wrong captcha is named as such, with a new image.
    let bad_captcha = send(attempt(&unknown_html, "student1", PASSWORD, "NOPE00")).await;
    let bad_html = bad_captcha.text();
    assert!(
        error_summary(&bad_html)
            .unwrap()
            .contains("href=\"#captcha_answer\"")
    );
    assert_ne!(
        input_value(&bad_html, "captcha_id"),
        input_value(&unknown_html, "captcha_id")
    );

    // The right answer: a strict session cookie and the dashboard.
    let signed_in = send(attempt(&bad_html, "student1", PASSWORD, CAPTCHA)).await;
    assert_eq!(signed_in.status, 303, "{}", signed_in.text());
    assert_eq!(signed_in.header("location"), Some(TW_BASE));
    let (session, whole) =
        set_cookie(&signed_in, "__Host-laissez-session").expect("a session cookie");
    for attribute in ["HttpOnly", "Secure", "SameSite=Lax", "Path=/"] {
        assert!(whole.contains(attribute), "{whole} lacks {attribute}");
    }
    let session_cookie = format!("__Host-laissez-session={session}");
    let board = page(
        &stack,
        &format!("{TW_BASE}?lang=en"),
        Some(&session_cookie),
        None,
    )
    .await;
    assert_eq!(board.status, 200, "{}", board.text());
    let board_html = board.text();
    assert!(board_html.contains("<html lang=\"en\">"));
    assert!(board_html.contains("Notice board"));
    assert!(
        board_html.contains("Pay at convenience stores"),
        "{board_html}"
    );
    let zh = page(&stack, TW_BASE, Some(&session_cookie), None).await;
    assert!(zh.text().contains("新增四大超商繳費"));

    // Signing out needs the session's token, then ends it everywhere.
    let logout = format!("{TW_BASE}logout");
    let refused = form(&stack, &logout, &session_cookie, &[("everywhere", "1")]).await;
    assert_eq!(refused.status, 403);
    let token = input_value(&board_html, "csrf_token");
    let out = form(
        &stack,
        &logout,
        &session_cookie,
        &[("csrf_token", token.as_str()), ("everywhere", "1")],
    )
    .await;
    assert_eq!(out.status, 303, "{}", out.text());
    assert_eq!(out.header("location"), Some(login.as_str()));
    let (cleared, whole) = set_cookie(&out, "__Host-laissez-session").unwrap();
    assert!(cleared.is_empty() && whole.contains("Max-Age=0"));
    let after = page(&stack, TW_BASE, Some(&session_cookie), None).await;
    assert_eq!(after.status, 303);
    stack.stop().await;
}

#[tokio::test]
async fn the_dashboard_shows_a_started_case_in_its_tab_and_section() {
    let stack = Stack::start(Services::INTAKE).await;
    let (document, session) = stack.fj_applicant().await;
    stack
        .post(
            "/api/v1/cases",
            Some(&session),
            json!({
                "application_type": "one_time_taiwan_permit",
                "notice_version": "2024-04",
                "notice_accepted": true,
                "applicant": {"date_of_birth": "1985-06-01"},
            }),
        )
        .await
        .ok();
    let base = format!("/portal/{FJ}/{FJ_PORTAL}/");
    let (cookie, html) = sign_in_page(&stack, &base).await;
    assert!(
        !html.contains("captcha_answer"),
        "this portal has no captcha"
    );
    let token = input_value(&html, "csrf_token");
    let signed_in = form(
        &stack,
        &format!("{base}login?lang=zh-Hans"),
        &cookie,
        &[
            ("csrf_token", token.as_str()),
            ("login_name", document.as_str()),
            ("password", PASSWORD),
        ],
    )
    .await;
    assert_eq!(signed_in.status, 303, "{}", signed_in.text());
    let target = format!("{base}?lang=zh-Hans");
    assert_eq!(signed_in.header("location"), Some(target.as_str()));
    let (session, _) = set_cookie(&signed_in, "__Host-laissez-session").unwrap();
    let board = page(
        &stack,
        &target,
        Some(&format!("__Host-laissez-session={session}")),
        None,
    )
    .await;
    assert_eq!(board.status, 200, "{}", board.text());
    let html = board.text();
    assert!(html.contains("id=\"tab-one_time_taiwan_permit\""), "{html}");
    assert!(html.contains("href=\"#tab-one_time_taiwan_permit\""));
    assert!(html.contains("<h4>新申请</h4>"), "{html}");
    assert!(html.contains(">草稿</strong></td>"), "{html}");
    assert!(
        html.contains("尚未编号") || html.contains("<td>FJ"),
        "{html}"
    );
    // The session of one portal does not open another's pages.
    let elsewhere = page(
        &stack,
        TW_BASE,
        Some(&format!("__Host-laissez-session={session}")),
        None,
    )
    .await;
    assert_eq!(elsewhere.status, 303);
    stack.stop().await;
}
