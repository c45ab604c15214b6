//! The portal's account pages against real services: the profile, the
//! password change, the sessions and their revocation; the forgotten
//! password's request (the same answer for any account) and the reset
//! from the emailed link.

use crate::portal::{error_summary, form, input_value, page, set_cookie};
use crate::support::*;

fn cookie_of(session: &str) -> String {
    format!("__Host-laissez-session={session}")
}

fn main_of(html: &str) -> String {
    let start = html.find("<main").expect("a main element");
    let end = html.find("</main>").expect("the end of main");
    html[start..end].to_owned()
}

/// A pre-login page's anonymous binding (as a `Cookie` header) and page.
async fn anonymous_page(stack: &Stack, path: &str) -> (String, String) {
    let answer = page(stack, path, None, None).await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    let (binding, _) = set_cookie(&answer, "__Host-laissez-anon").expect("an anonymous binding");
    (format!("__Host-laissez-anon={binding}"), answer.text())
}

/// The switcher of `path` links to `path` itself in each language.
async fn switcher_stays(stack: &Stack, path: &str, cookie: Option<&str>) {
    for tag in ["zh-Hant", "zh-Hans", "en"] {
        let separator = if path.contains('?') { "&" } else { "?" };
        let answer = page(stack, &format!("{path}{separator}lang={tag}"), cookie, None).await;
        assert_eq!(answer.status, 200, "{path}: {}", answer.text());
        let html = answer.text();
        assert!(html.contains(&format!("<html lang=\"{tag}\">")), "{html}");
        for other in ["zh-Hant", "zh-Hans", "en"] {
            let link = format!(
                "href=\"{}\"",
                format!("{path}{separator}lang={other}").replace('&', "&amp;")
            );
            assert!(html.contains(&link), "{path} lacks {link}: {html}");
        }
    }
}

#[tokio::test]
async fn the_account_page_shows_the_profile_changes_the_password_and_revokes_sessions() {
    let stack = Stack::start(Services::INTAKE).await;
    let (document, session) = stack.fj_applicant().await;
    let cookie = cookie_of(&session);
    let base = format!("/portal/{FJ}/{FJ_PORTAL}/");
    let account = format!("{base}account");

    // Signed out: the sign-in.
    let signed_out = page(&stack, &account, None, None).await;
    assert_eq!(signed_out.status, 303);

    // A second session of the same account, from elsewhere.
    let other = stack.login(FJ, FJ_PORTAL, &document, PASSWORD, false).await;
    let answer = page(&stack, &format!("{account}?lang=en"), Some(&cookie), None).await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    let html = answer.text();
    let main = main_of(&html);
    assert!(main.contains("大文"), "the profile: {main}");
    assert!(!main.contains(PASSWORD));
    assert!(main.contains("This session"), "{main}");
    assert_eq!(
        main.matches("/revoke?lang=en\"").count(),
        1,
        "the other session can be ended: {main}"
    );
    assert!(html.contains(&format!("href=\"{account}?lang=en\"")));
    switcher_stays(&stack, &account, Some(&cookie)).await;

    assert!(!main.contains(&document), "not the account itself: {main}");

    // Editing the profile: per-field errors keep what was typed.
    let save = format!("{account}/profile?lang=en");
    let refused = form(&stack, &save, &cookie, &[("csrf_token", "nope")]).await;
    assert_eq!(refused.status, 403);
    let wrong = form(
        &stack,
        &save,
        &cookie,
        &[
            ("csrf_token", &input_value(&html, "csrf_token")),
            ("chinese_surname", ""),
            ("validity_period", "someday"),
            ("chinese_given_name", "小明"),
        ],
    )
    .await;
    assert_eq!(wrong.status, 422, "{}", wrong.text());
    let summary = error_summary(&wrong.text()).expect("an error summary");
    assert!(
        summary.contains("href=\"#profile-chinese_surname\""),
        "{summary}"
    );
    assert!(
        summary.contains("href=\"#profile-validity_period\""),
        "{summary}"
    );
    assert!(wrong.text().contains("value=\"someday\""));
    let saved = form(
        &stack,
        &save,
        &cookie,
        &[
            ("csrf_token", &input_value(&html, "csrf_token")),
            ("chinese_given_name", "小明"),
            ("household_place", "taipei"),
        ],
    )
    .await;
    assert_eq!(saved.status, 200, "{}", saved.text());
    let main = main_of(&saved.text());
    assert!(main.contains("The profile was saved."), "{main}");
    assert!(
        main.contains("<dd>小明</dd>") && main.contains("<dd>Taipei</dd>"),
        "{main}"
    );

    // Ending the other session.
    let token = input_value(&html, "csrf_token");
    let start = main.find("/account/sessions/").unwrap();
    let start = main[..start].rfind('"').unwrap() + 1;
    let revoke = main[start..].split('"').next().unwrap().to_owned();
    let refused = form(&stack, &revoke, &cookie, &[("csrf_token", "nope")]).await;
    assert_eq!(refused.status, 403);
    let ended = form(&stack, &revoke, &cookie, &[("csrf_token", &token)]).await;
    assert_eq!(ended.status, 303, "{}", ended.text());
    assert_eq!(
        ended.header("location"),
        Some("/portal/fj-exit-entry/nia-app/account?lang=en")
    );
    let theirs = page(&stack, &base, Some(&cookie_of(&other)), None).await;
    assert_eq!(theirs.status, 303, "the revoked session is signed out");

    // The password change: CSRF, per-field errors, then success.
    let change = format!("{account}/password");
    let refused = form(
        &stack,
        &change,
        &cookie,
        &[
            ("csrf_token", "nope"),
            ("current_password", PASSWORD),
            ("new_password", "An0ther-Passw0rd"),
            ("new_password_confirmation", "An0ther-Passw0rd"),
        ],
    )
    .await;
    assert_eq!(refused.status, 403);
    let empty = form(
        &stack,
        &format!("{change}?lang=en"),
        &cookie,
        &[("csrf_token", &token)],
    )
    .await;
    assert_eq!(empty.status, 422);
    let summary = error_summary(&empty.text()).expect("an error summary");
    assert!(summary.contains("href=\"#current_password\""), "{summary}");
    assert!(summary.contains("href=\"#new_password\""), "{summary}");
    let wrong = form(
        &stack,
        &format!("{change}?lang=en"),
        &cookie,
        &[
            ("csrf_token", &token),
            ("current_password", "not-the-password"),
            ("new_password", "An0ther-Passw0rd"),
            ("new_password_confirmation", "An0ther-Passw0rd"),
        ],
    )
    .await;
    assert_eq!(wrong.status, 422, "{}", wrong.text());
    let summary = error_summary(&wrong.text()).expect("an error summary");
    assert!(
        summary.contains("The current password is wrong"),
        "{summary}"
    );
    let differs = form(
        &stack,
        &format!("{change}?lang=en"),
        &cookie,
        &[
            ("csrf_token", &token),
            ("current_password", PASSWORD),
            ("new_password", "An0ther-Passw0rd"),
            ("new_password_confirmation", "Different-0ne"),
        ],
    )
    .await;
    assert_eq!(differs.status, 422);
    let summary = error_summary(&differs.text()).unwrap();
    assert!(
        summary.contains("href=\"#new_password_confirmation\""),
        "{summary}"
    );
    let changed = form(
        &stack,
        &format!("{change}?lang=en"),
        &cookie,
        &[
            ("csrf_token", &token),
            ("current_password", PASSWORD),
            ("new_password", "An0ther-Passw0rd"),
            ("new_password_confirmation", "An0ther-Passw0rd"),
        ],
    )
    .await;
    assert_eq!(changed.status, 200, "{}", changed.text());
    assert!(
        changed
            .text()
            .contains("Every session of this account has ended")
    );
    let (cleared, _) = set_cookie(&changed, "__Host-laissez-session").expect("cleared");
    assert!(cleared.is_empty());
    let after = page(&stack, &base, Some(&cookie), None).await;
    assert_eq!(after.status, 303, "this session ended too");
    stack
        .login(FJ, FJ_PORTAL, &document, "An0ther-Passw0rd", false)
        .await;
    stack.stop().await;
}

#[tokio::test]
async fn a_forgotten_password_is_reset_from_the_emailed_link() {
    let stack = Stack::start(Services::INTAKE).await;
    stack.tw_student().await;
    let base = format!("/portal/{TW}/{TW_PORTAL}/");
    let forgot = format!("{base}forgot-password");

    // The sign-in page links to it.
    let login = page(&stack, &format!("{base}login"), None, None).await;
    assert!(login.text().contains(&format!("href=\"{forgot}\"")));
    switcher_stays(&stack, &forgot, None).await;

    let (cookie, html) = anonymous_page(&stack, &forgot).await;
    let token = input_value(&html, "csrf_token");
    let refused = form(
        &stack,
        &forgot,
        &cookie,
        &[("csrf_token", "nope"), ("login_name", "student1")],
    )
    .await;
    assert_eq!(refused.status, 403);
    let empty = form(&stack, &forgot, &cookie, &[("csrf_token", &token)]).await;
    assert_eq!(empty.status, 422);
    assert!(
        error_summary(&empty.text())
            .unwrap()
            .contains("href=\"#login_name\"")
    );

    // The same answer for an existing and an unknown account.
    let known = form(
        &stack,
        &forgot,
        &cookie,
        &[("csrf_token", &token), ("login_name", "student1")],
    )
    .await;
    let unknown = form(
        &stack,
        &forgot,
        &cookie,
        &[("csrf_token", &token), ("login_name", "nobody-here")],
    )
    .await;
    assert_eq!(known.status, 200, "{}", known.text());
    assert_eq!(unknown.status, known.status);
    assert_eq!(main_of(&known.text()), main_of(&unknown.text()));

    let event = stack
        .identity_events::<laissez_proto::events::v1::PasswordResetRequested>()
        .await
        .pop()
        .expect("a reset link was sent");
    let reset_token = event.reset_url.split("token=").nth(1).unwrap().to_owned();
    let reset = format!("{base}reset-password?token={reset_token}");
    // The emailed link leads to the portal's reset page.
    let link = event.reset_url.split_once("/reset-password").unwrap().1;
    let redirected = page(&stack, &format!("/reset-password{link}"), None, None).await;
    assert_eq!(redirected.status, 303);
    assert_eq!(redirected.header("location"), Some(reset.as_str()));
    switcher_stays(&stack, &reset, None).await;
    let (cookie, html) = anonymous_page(&stack, &reset).await;
    let csrf = input_value(&html, "csrf_token");
    assert_eq!(input_value(&html, "token"), reset_token);
    let post = format!("{base}reset-password?lang=en");
    let refused = form(
        &stack,
        &post,
        &cookie,
        &[
            ("csrf_token", "nope"),
            ("token", &reset_token),
            ("new_password", "Brand-New-Pass9"),
            ("new_password_confirmation", "Brand-New-Pass9"),
        ],
    )
    .await;
    assert_eq!(refused.status, 403);
    let differs = form(
        &stack,
        &post,
        &cookie,
        &[
            ("csrf_token", &csrf),
            ("token", &reset_token),
            ("new_password", "Brand-New-Pass9"),
            ("new_password_confirmation", "Other-Pass-99"),
        ],
    )
    .await;
    assert_eq!(differs.status, 422);
    assert!(
        error_summary(&differs.text())
            .unwrap()
            .contains("href=\"#new_password_confirmation\"")
    );
    let short = form(
        &stack,
        &post,
        &cookie,
        &[
            ("csrf_token", &csrf),
            ("token", &reset_token),
            ("new_password", "a1"),
            ("new_password_confirmation", "a1"),
        ],
    )
    .await;
    assert_eq!(short.status, 422, "{}", short.text());
    assert!(
        error_summary(&short.text())
            .unwrap()
            .contains("href=\"#new_password\"")
    );
    let done = form(
        &stack,
        &post,
        &cookie,
        &[
            ("csrf_token", &csrf),
            ("token", &reset_token),
            ("new_password", "Brand-New-Pass9"),
            ("new_password_confirmation", "Brand-New-Pass9"),
        ],
    )
    .await;
    assert_eq!(done.status, 303, "{}", done.text());
    assert_eq!(
        done.header("location"),
        Some(format!("{base}login?lang=en").as_str())
    );
    stack
        .login(TW, TW_PORTAL, "student1", "Brand-New-Pass9", true)
        .await;
    // The link works once.
    let again = form(
        &stack,
        &post,
        &cookie,
        &[
            ("csrf_token", &csrf),
            ("token", &reset_token),
            ("new_password", "Brand-New-Pass8"),
            ("new_password_confirmation", "Brand-New-Pass8"),
        ],
    )
    .await;
    assert_eq!(again.status, 410, "{}", again.text());
    stack.stop().await;
}
