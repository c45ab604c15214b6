//! A Fujian applicant applies for someone else in a browser: adds a managed
//! applicant, starts a one-time Taiwan permit for that person through the
//! application wizard (port and date of entry, the photo and the three
//! documents), submits, and finds the case under "my applications" with
//! the person's name masked.

use crate::harness::{Artifacts, Browser};
use crate::setup::{image_file, segment_after, sign_in};
use crate::support::*;

const TYPE: &str = "one_time_taiwan_permit";
const SURNAME: &str = "陳";
const GIVEN_NAME: &str = "小明";

/// Adds another person through the applicants page (the type may be filed
/// for oneself or "other", not for a relative as such); answers the new
/// applicant's id.
async fn add_managed_applicant(browser: &mut Browser, base: &str) -> String {
    browser.open(&format!("{base}applicants/new?lang=en")).await;
    browser.select("#relationship", "other").await;
    browser.select("#document_type", "tw_id_card").await;
    browser.fill("#document_number", &taiwan_id(900)).await;
    browser.click("#valid_long_term").await;
    browser.set_value("#valid_from", "2020-01-01").await;
    browser.fill("#surname", SURNAME).await;
    browser.fill("#given_name", GIVEN_NAME).await;
    browser.select("#household_place", "taipei").await;
    browser.set_value("#date_of_birth", "1988-05-06").await;
    browser.snapshot("managed-applicant-filled").await;
    browser.click_to_next_page("main form button.primary").await;
    assert!(
        browser
            .path()
            .await
            .starts_with(&format!("{base}applicants")),
        "adding the applicant did not lead back to the list"
    );
    let listed = browser.text("main").await;
    assert!(
        listed.contains(SURNAME) && !listed.contains(GIVEN_NAME),
        "the list shows the name masked: {listed}"
    );
    browser.snapshot("managed-applicants").await;
    let edit = browser
        .attribute("main a[href*=\"/edit\"]", "href")
        .await
        .expect("an edit link");
    segment_after(&edit, "/applicants/")
}

/// The wizard from the dashboard's "apply" link to the receipt; answers
/// the receipt number.
async fn apply_for(browser: &mut Browser, base: &str, applicant_id: &str) -> String {
    browser.open(&format!("{base}?lang=en")).await;
    browser.click_to_next_page("a#nav-apply").await;
    browser.snapshot("apply-types").await;
    browser.click_to_next_page(&format!("a#apply-{TYPE}")).await;
    assert!(!browser.text("section#notice").await.trim().is_empty());
    browser.click("#notice_accepted").await;
    browser.select("select#applicant_id", applicant_id).await;
    browser.snapshot("notice-accepted").await;
    browser.click_to_next_page("button#start-submit").await;
    let form = browser.path().await;
    assert!(
        form.starts_with(&format!("{base}cases/")) && form.contains("/form"),
        "starting led to {form}"
    );

    let entry = (chrono::Utc::now() + chrono::Duration::days(30))
        .format("%Y-%m-%d")
        .to_string();
    browser
        .select("select#f-port_of_entry", "xiamen_wutong")
        .await;
    browser.set_value("#f-planned_entry_date", &entry).await;
    browser.snapshot("answers").await;
    browser.click_to_next_page("button#to-documents").await;
    assert!(browser.path().await.contains("/documents"));

    let files = tempfile::tempdir().unwrap();
    for (requirement, file) in [
        ("photo", image_file(files.path(), "photo.png", 60, 80)),
        (
            "tw_id_card_front",
            image_file(files.path(), "id-card-front.png", 50, 30),
        ),
        (
            "tw_id_card_back",
            image_file(files.path(), "id-card-back.png", 50, 30),
        ),
        (
            "tw_exit_entry_document",
            image_file(files.path(), "exit-entry-document.png", 50, 30),
        ),
    ] {
        browser
            .choose_file(&format!("input#file-{requirement}"), &file)
            .await;
        browser
            .click_to_next_page(&format!("button#upload-{requirement}-submit"))
            .await;
        let name = file.file_name().unwrap().to_str().unwrap();
        let uploaded = browser.text("table#uploaded").await;
        assert!(uploaded.contains(name), "{name} is not listed: {uploaded}");
    }
    assert_eq!(
        browser.count("table#uploaded button.delete-document").await,
        4
    );
    browser.snapshot("documents").await;

    browser.click_to_next_page("a#to-check").await;
    browser.snapshot("check").await;
    browser
        .click_to_next_page("button#submit-application")
        .await;
    assert!(
        !browser.has(".error-summary").await,
        "submitting was refused: {}",
        browser.text(".error-summary").await
    );
    let receipt = browser.text("#receipt-number").await.trim().to_owned();
    assert!(!receipt.is_empty());
    assert!(!browser.text("#group-number").await.trim().is_empty());
    browser.snapshot("receipt").await;
    receipt
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fujian_managed_applicant_journey() {
    let artifacts = Artifacts::for_test("fujian_managed_applicant_journey");
    let stack = Stack::start(Services::INTAKE).await;
    let (document, _) = stack.fj_applicant().await;
    let base = format!("/portal/{FJ}/{FJ_PORTAL}/");
    let mut browser = Browser::start(&stack, &artifacts, "applicant").await;
    sign_in(&mut browser, &base, &document, PASSWORD).await;

    let applicant_id = add_managed_applicant(&mut browser, &base).await;
    let receipt = apply_for(&mut browser, &base, &applicant_id).await;

    // My applications: the progress query and the dashboard, name masked.
    browser
        .open(&format!("{base}cases?lang=en&receipt_number={receipt}"))
        .await;
    let rows = browser.texts("main table tbody tr").await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(
        rows[0].contains(&receipt) && rows[0].contains(SURNAME),
        "{rows:?}"
    );
    assert!(
        !rows[0].contains(GIVEN_NAME),
        "the name is masked: {rows:?}"
    );
    browser.snapshot("progress-query").await;

    browser.open(&format!("{base}?lang=en")).await;
    let tab = format!("section#tab-{TYPE} tbody tr");
    let rows = browser.texts(&tab).await;
    let row = rows
        .iter()
        .find(|row| row.contains(&receipt))
        .unwrap_or_else(|| panic!("the dashboard lacks {receipt}: {rows:?}"));
    assert!(
        row.contains(SURNAME) && !row.contains(GIVEN_NAME),
        "the name is masked: {row}"
    );
    browser.snapshot("dashboard-with-case").await;

    browser.finish().await;
    artifacts.report();
    stack.stop().await;
}
