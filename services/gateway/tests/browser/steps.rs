//! Steps the journeys share, as a person does them in the portal: a form
//! accepted, an answer typed, a file uploaded, a managed applicant added,
//! an application submitted, a case claimed and decided.

use std::path::Path;

use crate::harness::Browser;
use crate::setup::{EVENTS, segment_after};

/// Fails the test with the page's error summary when `what` was refused.
pub async fn accepted(browser: &mut Browser, what: &str) {
    assert!(
        !browser.has(".error-summary").await,
        "{what} was refused: {}",
        browser.text(".error-summary").await
    );
}

/// Fills a wizard's input unless the applicant's data already did.
pub async fn answer(browser: &mut Browser, field: &str, value: &str) {
    let css = format!("#f-{field}");
    if browser.attribute(&css, "readonly").await.is_some() || !browser.value(&css).await.is_empty()
    {
        return;
    }
    if browser.attribute(&css, "type").await.as_deref() == Some("date") {
        browser.set_value(&css, value).await;
    } else {
        browser.fill(&css, value).await;
    }
}

/// Uploads `file` for `requirement` on the documents page and sees it
/// listed.
pub async fn upload(browser: &mut Browser, requirement: &str, file: &Path) {
    browser
        .choose_file(&format!("input#file-{requirement}"), file)
        .await;
    browser
        .click_to_next_page(&format!("button#upload-{requirement}-submit"))
        .await;
    accepted(browser, &format!("the upload of {requirement}")).await;
    let name = file.file_name().unwrap().to_str().unwrap();
    let uploaded = browser.text("table#uploaded").await;
    assert!(uploaded.contains(name), "{name} is not listed: {uploaded}");
}

/// A person an account applies for.
pub struct Person<'a> {
    /// `child`, `other`, …
    pub relationship: &'a str,
    pub document_type: &'a str,
    pub document_number: &'a str,
    pub surname: &'a str,
    pub given_name: &'a str,
    pub date_of_birth: &'a str,
}

/// Adds `person` through the applicants page (as guardian of a child);
/// answers the new applicant's id.
pub async fn add_applicant(browser: &mut Browser, base: &str, person: &Person<'_>) -> String {
    browser.open(&format!("{base}applicants/new?lang=en")).await;
    browser.select("#relationship", person.relationship).await;
    if person.relationship == "child" {
        browser.click("#guardian").await;
    }
    // A portal with a list of documents offers a choice; others take text.
    if browser.has("select#document_type").await {
        browser.select("#document_type", person.document_type).await;
    } else {
        browser.fill("#document_type", person.document_type).await;
    }
    browser
        .fill("#document_number", person.document_number)
        .await;
    browser.click("#valid_long_term").await;
    browser.set_value("#valid_from", "2020-01-01").await;
    browser.fill("#surname", person.surname).await;
    browser.fill("#given_name", person.given_name).await;
    browser
        .set_value("#date_of_birth", person.date_of_birth)
        .await;
    browser
        .snapshot(&format!("{}-filled", person.relationship))
        .await;
    browser.click_to_next_page("main form button.primary").await;
    accepted(browser, "adding the applicant").await;
    browser.snapshot("applicants").await;
    let edit = browser
        .attribute("main a[href*=\"/edit\"]", "href")
        .await
        .expect("an edit link");
    segment_after(&edit, "/applicants/")
}

/// The check page of the wizard, from its documents page.
pub async fn check(browser: &mut Browser) {
    browser.click_to_next_page("a#to-check").await;
    browser.snapshot("check").await;
}

/// Submits from the check page; answers the receipt number.
pub async fn submit(browser: &mut Browser) -> String {
    browser
        .click_to_next_page("button#submit-application")
        .await;
    accepted(browser, "submitting").await;
    let receipt = browser.text("#receipt-number").await.trim().to_owned();
    assert!(!receipt.is_empty());
    browser.snapshot("receipt").await;
    receipt
}

/// The reviewer waits for a case of `application_type` in the agency's
/// queue, claims it and sees that it is `case_id`.
pub async fn claim(reviewer: &mut Browser, agency: &str, application_type: &str, case_id: &str) {
    let queues = format!("/portal/{agency}/staff/review?lang=en");
    let row =
        format!("tr.queue:has(input[name=\"application_type\"][value=\"{application_type}\"])");
    reviewer
        .open_until(&queues, &format!("{row} td.depth"), "1", EVENTS)
        .await;
    reviewer.snapshot("queue").await;
    reviewer
        .click_to_next_page(&format!("{row} button.primary"))
        .await;
    let path = reviewer.path().await;
    assert_eq!(
        segment_after(&path, "/review/cases/"),
        case_id,
        "the claim opened another case"
    );
    reviewer.snapshot("claimed").await;
}

/// Decides the claimed case (`approved`, `returned_for_supplement`, …).
pub async fn decide(reviewer: &mut Browser, decision: &str, comment: &str) {
    reviewer.click(&format!("#decision-{decision}")).await;
    if !comment.is_empty() {
        reviewer.fill("#comment", comment).await;
    }
    reviewer.snapshot(&format!("decision-{decision}")).await;
    reviewer
        .click_to_next_page("form:has(#comment) button.primary")
        .await;
    accepted(reviewer, "the decision").await;
    reviewer.snapshot(&format!("decided-{decision}")).await;
}

/// What an applicant sends back on a returned case: a document for a
/// requirement and a reply to the reviewer.
pub struct Supplement<'a> {
    pub requirement: &'a str,
    pub file: &'a Path,
    pub reply: &'a str,
}

/// The applicant waits for the reviewer's `comment` on the case page,
/// adds the document, replies and resubmits.
pub async fn answer_return(
    browser: &mut Browser,
    case_page: &str,
    comment: &str,
    supplement: &Supplement<'_>,
) {
    browser
        .open_until(case_page, "blockquote.comment", comment, EVENTS)
        .await;
    browser.snapshot("returned").await;
    browser.click_to_next_page("a#add-documents").await;
    upload(browser, supplement.requirement, supplement.file).await;
    browser.snapshot("supplemented").await;
    browser.open(case_page).await;
    browser.fill("textarea#reply", supplement.reply).await;
    browser.click_to_next_page("button#resubmit").await;
    accepted(browser, "the resubmission").await;
    browser.snapshot("resubmitted").await;
}
