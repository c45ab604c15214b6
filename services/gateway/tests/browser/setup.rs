//! What the journeys need before a browser is involved (the agency's
//! records, staff accounts, files to upload), and the sign-in forms as a
//! person fills them in.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::json;

use crate::harness::Browser;
use crate::support::*;

/// How long events may take to reach another service (review's queue, the
/// applicant's case after a decision).
pub const EVENTS: Duration = Duration::from_secs(45);

/// The Taiwan agency's record of a mainland student, which registration
/// on the students' portal must match.
pub async fn tw_person_record(stack: &Stack, id_number: &str, chinese_name: &str) {
    let record: BTreeMap<String, String> = [
        ("mainland_id_number", id_number),
        ("chinese_name", chinese_name),
        ("date_of_birth", "1990-01-01"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let mut connection = stack.identity.pool().acquire().await.unwrap();
    laissez_identity::store::person_records::upsert(
        &mut connection,
        TW,
        TW_PORTAL,
        id_number,
        &record,
    )
    .await
    .unwrap();
}

/// The student's single-entry permit, inspected on entry, imported by the
/// agency's administrator (what makes the multiple-entry permit possible).
pub async fn tw_permit_record(
    stack: &Stack,
    operator: &str,
    permit_number: &str,
    holder: &str,
    chinese_name: &str,
) {
    let admin = stack
        .staff(operator, TW, "tw.admin", &["agency_admin"])
        .await;
    let stay_ends = (chrono::Utc::now() + chrono::Duration::days(400))
        .format("%Y-%m-%d")
        .to_string();
    let imported = stack
        .post(
            "/api/v1/admin/permit-records",
            Some(&admin),
            json!({"records": [{
                "permit_number": permit_number,
                "holder_document_number": holder,
                "fields": {
                    "permit_kind": "single_entry",
                    "entry_inspected": "true",
                    "chinese_name": chinese_name,
                    "school": "國立臺灣大學",
                    "stay_ends_on": stay_ends,
                },
            }]}),
        )
        .await
        .ok();
    assert_eq!(imported["imported"], 1, "{imported}");
}

/// Writes a small PNG (well under every catalog's size limit) to `dir`.
pub fn image_file(dir: &Path, name: &str, width: u32, height: u32) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, png(width, height)).unwrap();
    path
}

/// The authenticator's code of the next 30-second step: the current one
/// was spent on the enrolment, and identity refuses a step twice.
pub async fn next_totp_code(stack: &Stack, agency: &str, login: &str) -> String {
    let secret: Vec<u8> = sqlx::query_scalar(
        "SELECT totp_secret FROM accounts WHERE agency = $1 AND login_name = $2",
    )
    .bind(agency)
    .bind(login)
    .fetch_one(stack.identity.pool())
    .await
    .unwrap();
    let step = chrono::Utc::now().timestamp().div_euclid(30) + 1;
    laissez_identity::totp::code_at_step(&secret, step, 6)
}

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

/// Signs a reviewer in through the agency's staff portal: captcha and the
/// authenticator's code; lands on the review queues.
pub async fn staff_sign_in(browser: &mut Browser, stack: &Stack, agency: &str, login: &str) {
    let base = format!("/portal/{agency}/staff/");
    browser.open(&format!("{base}login?lang=en")).await;
    browser.fill("#login_name", login).await;
    browser.fill("#password", STAFF_PASSWORD).await;
    browser.fill("#captcha_answer", CAPTCHA).await;
    let code = next_totp_code(stack, agency, login).await;
    browser.fill("#totp_code", &code).await;
    browser.snapshot("staff-sign-in-filled").await;
    browser
        .click_to_next_page("form.sign-in button.primary")
        .await;
    let landed = browser.path().await;
    assert!(
        landed.starts_with(&format!("{base}review")),
        "the staff sign-in led to {landed}, not the review queues"
    );
    browser.snapshot("review-queues").await;
}

/// The first path segment after `marker` in `path` (an id in a URL).
pub fn segment_after(path: &str, marker: &str) -> String {
    let start = path
        .find(marker)
        .unwrap_or_else(|| panic!("{path} has no {marker}"))
        + marker.len();
    path[start..]
        .split(['/', '?'])
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// Follows the activation link e-mailed to `login` (identity's public
/// address is not this gateway's: its path and query are what matter),
/// activates on the portal's page under `base` and goes on to sign-in.
pub async fn activate_from_emailed_link(
    browser: &mut Browser,
    stack: &Stack,
    base: &str,
    login: &str,
) {
    let event = stack
        .identity_events::<laissez_proto::events::v1::AccountRegistered>()
        .await
        .into_iter()
        .rev()
        .find(|event| event.login_name == login)
        .expect("an activation email");
    let link = event
        .activation_url
        .split_once("/activate")
        .expect("an activation link")
        .1;
    browser.open(&format!("/activate{link}")).await;
    assert!(
        browser
            .path()
            .await
            .starts_with(&format!("{base}activate?token=")),
        "the emailed link leads to the portal's activation page"
    );
    browser.snapshot("activation-page").await;
    browser.click_to_next_page("main form button.primary").await;
    browser.wait_for(".outcome").await;
    browser.snapshot("activated").await;
    browser.click_to_next_page("main a.button.primary").await;
}
