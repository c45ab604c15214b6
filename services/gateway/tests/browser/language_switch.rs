//! The language switcher in a browser: on the sign-in page, the dashboard,
//! a case page and the progress query with its filters, each language link
//! reloads the same page (same path, same query) in that language.

use reqwest::Url;
use serde_json::json;

use crate::harness::{Artifacts, Browser};
use crate::setup::sign_in;
use crate::support::*;

const LANGUAGES: [&str; 3] = ["en", "zh-Hans", "zh-Hant"];

/// The query's pairs without `lang`, in order.
fn query_without_lang(url: &Url) -> Vec<(String, String)> {
    url.query_pairs()
        .filter(|(name, _)| name != "lang")
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
        .collect()
}

/// Clicks each language of the switcher in turn and checks the page stays
/// the same page, in that language.
async fn switch_every_language(browser: &mut Browser, page: &str) {
    let origin = Url::parse("http://portal.invalid").unwrap();
    let before = origin.join(&browser.path().await).unwrap();
    for tag in LANGUAGES {
        browser
            .click_to_next_page(&format!("nav.language a[hreflang=\"{tag}\"]"))
            .await;
        let after = origin.join(&browser.path().await).unwrap();
        assert_eq!(after.path(), before.path(), "{page}: the path changed");
        assert_eq!(
            query_without_lang(&after),
            query_without_lang(&before),
            "{page}: the query changed"
        );
        let chosen: Vec<_> = after
            .query_pairs()
            .filter(|(name, _)| name == "lang")
            .map(|(_, value)| value.into_owned())
            .collect();
        assert_eq!(chosen, [tag], "{page}: the link's lang");
        assert_eq!(
            browser.attribute("html", "lang").await.as_deref(),
            Some(tag),
            "{page}: the page's language"
        );
        assert_eq!(
            browser
                .attribute("nav.language a[aria-current=\"true\"]", "hreflang")
                .await
                .as_deref(),
            Some(tag),
            "{page}: the switcher marks the current language"
        );
        browser.snapshot(&format!("{page}-{tag}")).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn language_switch_keeps_the_page() {
    let artifacts = Artifacts::for_test("language_switch_keeps_the_page");
    let stack = Stack::start(Services::INTAKE).await;
    let (document, session) = stack.fj_applicant().await;
    let case_id = stack.complete_fj_draft(&session).await;
    let submitted = stack
        .post(
            "/api/v1/submissions",
            Some(&session),
            json!({"case_ids": [case_id]}),
        )
        .await
        .ok();
    let receipt = submitted["cases"][0]["receipt_number"]
        .as_str()
        .unwrap()
        .to_owned();
    let base = format!("/portal/{FJ}/{FJ_PORTAL}/");
    let mut browser = Browser::start(&stack, &artifacts, "applicant").await;

    browser.open(&format!("{base}login")).await;
    browser.snapshot("sign-in").await;
    switch_every_language(&mut browser, "sign-in").await;

    sign_in(&mut browser, &base, &document, PASSWORD).await;
    switch_every_language(&mut browser, "dashboard").await;

    browser.open(&format!("{base}cases/{case_id}")).await;
    assert!(!browser.text("dd.state").await.is_empty());
    switch_every_language(&mut browser, "case").await;

    browser
        .open(&format!(
            "{base}cases?receipt_number={receipt}&state=submitted"
        ))
        .await;
    let rows = browser.texts("main table tbody tr").await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(rows[0].contains(&receipt), "{rows:?}");
    switch_every_language(&mut browser, "progress-query").await;
    // The filters survive the switch: the same case is still the result.
    let rows = browser.texts("main table tbody tr").await;
    assert!(
        rows.len() == 1 && rows[0].contains(&receipt),
        "after switching: {rows:?}"
    );
    assert_eq!(browser.value("#receipt_number").await, receipt);

    browser.finish().await;
    artifacts.report();
    stack.stop().await;
}
