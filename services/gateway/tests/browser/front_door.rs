//! A newcomer's first minutes in a browser: the front door lists every
//! agency; each agency's portal opens from it and its demo applicant (the
//! people `./deploy/dev.sh up` loads from `deploy/demo/`) signs in and
//! reaches the dashboard; a demo reviewer signs in to the staff portal with
//! the authenticator code of its demo secret.

use std::path::PathBuf;

use crate::harness::{Artifacts, Browser};
use crate::setup::sign_in;
use crate::support::*;

fn demo_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../deploy/demo")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_front_door_leads_to_every_portal_and_demo_accounts_sign_in() {
    let artifacts = Artifacts::for_test("front_door");
    let stack = Stack::start(Services::INTAKE).await;
    let demo = laissez_catalog::demo::load_dir(&demo_dir()).expect("the demo people");
    for (_, agency) in &demo {
        stack.identity.load_demo(agency).await.expect("loads");
    }
    let mut browser = Browser::start(&stack, &artifacts, "newcomer").await;

    for (_, agency) in demo
        .iter()
        .filter(|(_, agency)| agency.agency != "platform")
    {
        for applicant in &agency.applicants {
            browser.open("/?lang=en").await;
            browser.snapshot("front-door").await;
            let base = format!("/portal/{}/{}/", agency.agency, applicant.portal);
            browser
                .click_to_next_page(&format!("a[href=\"{base}login?lang=en\"]"))
                .await;
            assert!(
                browser.path().await.starts_with(&format!("{base}login")),
                "{}",
                browser.path().await
            );
            browser
                .snapshot(&format!("{}-sign-in", agency.agency))
                .await;
            sign_in(&mut browser, &base, &applicant.login_name, &agency.password).await;
            browser
                .snapshot(&format!("{}-dashboard", agency.agency))
                .await;
            // One empty state, and the way to apply.
            assert!(browser.has("div.empty-state a.button").await);
            browser
                .click_to_next_page("form.sign-out button[type=\"submit\"]")
                .await;
        }
    }

    // A demo reviewer: the staff sign-in from the front door, with the
    // authenticator code of the secret in the demo file.
    let (_, tw) = demo
        .iter()
        .find(|(_, agency)| agency.agency == "tw-nia")
        .expect("the Taiwan demo people");
    let reviewer = tw
        .staff
        .iter()
        .find(|staff| staff.roles.iter().any(|role| role == "reviewer"))
        .expect("a demo reviewer");
    browser.open("/?lang=en").await;
    browser
        .click_to_next_page("a[href=\"/portal/tw-nia/staff/login?lang=en\"]")
        .await;
    browser.fill("#login_name", &reviewer.login_name).await;
    browser.fill("#password", &tw.password).await;
    browser.fill("#captcha_answer", CAPTCHA).await;
    let secret = laissez_identity::totp::from_base32(&reviewer.totp_secret).unwrap();
    let step = chrono::Utc::now().timestamp().div_euclid(30);
    let code = laissez_identity::totp::code_at_step(&secret, step, 6);
    browser.fill("#totp_code", &code).await;
    browser
        .click_to_next_page("form.sign-in button.primary")
        .await;
    let landed = browser.path().await;
    assert!(
        landed.starts_with("/portal/tw-nia/staff/review"),
        "the reviewer landed on {landed}"
    );
    browser.snapshot("reviewer-queues").await;

    browser.finish().await;
    artifacts.report();
    stack.stop().await;
}
