//! What the journeys need before a browser is involved (the agency's
//! records, staff accounts, files to upload), and the sign-in forms as a
//! person fills them in.

use crate::harness::Browser;
use crate::support::*;

/// Fills in an applicant portal's sign-in form (with the development
/// captcha's answer where the portal shows one) and lands on the
/// dashboard.
pub async fn sign_in(browser: &mut Browser, base: &str, login: &str, password: &str) {
    if !browser.path().await.starts_with(&format!("{base}login")) {
        browser.open(&format!("{base}login")).await;
    }
    browser.fill("#login_name", login).await;
    browser.fill("#password", password).await;
    if browser.has("#captcha_answer").await {
        browser.fill("#captcha_answer", CAPTCHA).await;
    }
    browser.snapshot("sign-in-filled").await;
    browser
        .click_to_next_page("form.sign-in button.primary")
        .await;
    let landed = browser.path().await;
    assert!(
        landed == base || landed.starts_with(&format!("{base}?")),
        "signing in led to {landed}, not the dashboard"
    );
    browser.snapshot("dashboard").await;
}
