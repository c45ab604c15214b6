//! A mainland student's whole case in two browsers, the student's and a
//! reviewer's: registration on the students' portal (matched against the
//! agency's records), activation from the emailed link, sign-in with the
//! captcha, a multiple-entry permit through the application wizard with
//! uploads, a return for supplement with the reviewer's comment, another
//! document and a reply, resubmission, approval, and the approved case
//! awaiting payment on the student's pages.

use std::path::Path;

use crate::harness::{Artifacts, Browser};
use crate::setup::{
    EVENTS, activate_from_emailed_link, image_file, segment_after, sign_in, staff_sign_in,
    tw_permit_record, tw_person_record,
};
use crate::steps::{
    Supplement, accepted, answer, answer_return, check, claim, decide, submit, upload,
};
use crate::support::*;

const TYPE: &str = "multi_entry_permit";
const NAME: &str = "張三豐";
const PERMIT: &str = "S100";
const REVIEWER: &str = "tw.reviewer";
const COMMENT: &str = "Please add proof of your enrolment.";

struct Student {
    login: String,
    id_number: String,
}

/// Registers through the portal's form, activates from the emailed link
/// and signs in with the captcha.
async fn register_and_sign_in(browser: &mut Browser, stack: &Stack, student: &Student) {
    let base = format!("/portal/{TW}/{TW_PORTAL}/");
    browser.open(&format!("{base}login?lang=en")).await;
    browser.snapshot("sign-in-page").await;
    browser.click_to_next_page("p.register a").await;
    for (field, value) in [
        ("chinese_name", NAME),
        ("english_surname", "Zhang"),
        ("english_given_name", "Sanfeng"),
        ("mainland_id_number", student.id_number.as_str()),
        ("mainland_travel_permit_number", "T12345678"),
        ("phone", "02-22345678"),
        ("email", "zhang.sanfeng@hotmail.com"),
        ("login_name", student.login.as_str()),
        ("password", PASSWORD),
        ("password_confirmation", PASSWORD),
    ] {
        browser.fill(&format!("#{field}"), value).await;
    }
    browser.select("#place_of_birth", "guangdong").await;
    browser.select("#sex", "male").await;
    browser.set_value("#date_of_birth", "1990-01-01").await;
    browser.snapshot("registration-filled").await;
    browser.click_to_next_page("main form button.primary").await;
    accepted(browser, "the registration").await;
    let outcome = browser.text(".outcome").await;
    assert!(outcome.contains("link in the email"), "{outcome}");
    browser.snapshot("registered").await;

    activate_from_emailed_link(browser, stack, &base, &student.login).await;
    sign_in(browser, &base, &student.login, PASSWORD).await;
}

/// The wizard from the dashboard to the receipt: answers (case id,
/// receipt number).
async fn apply(browser: &mut Browser, student: &Student, files: &Path) -> (String, String) {
    let base = format!("/portal/{TW}/{TW_PORTAL}/");
    browser.open(&format!("{base}?lang=en")).await;
    browser.click_to_next_page("a#nav-apply").await;
    browser.click_to_next_page(&format!("a#apply-{TYPE}")).await;
    assert!(!browser.text("section#notice").await.trim().is_empty());
    browser.click("#notice_accepted").await;
    browser.fill("input#permit_number", PERMIT).await;
    browser.snapshot("notice-accepted").await;
    browser.click_to_next_page("button#start-submit").await;
    accepted(browser, "starting").await;
    let path = browser.path().await;
    let case_id = segment_after(&path, "/cases/");
    assert!(path.contains("/form"), "starting led to {path}");

    browser.select("select#f-student_category", "general").await;
    browser.click("#f-resumed_studies-yes").await;
    for (field, value) in [
        ("chinese_name", NAME),
        ("date_of_birth", "1990-01-01"),
        ("mainland_id_number", student.id_number.as_str()),
        ("department", "法律學系"),
        ("mainland_address", "廣東省廣州市天河區1號"),
        ("taiwan_address", "臺北市大安區羅斯福路四段1號"),
        ("father_name", "張父"),
        ("mother_name", "林母"),
    ] {
        answer(browser, field, value).await;
    }
    browser.select("select#f-sex", "male").await;
    browser.select("select#f-place_of_birth", "guangdong").await;
    browser.click("#f-political_posts-never").await;
    browser.snapshot("answers").await;
    // A saved draft comes back with what was typed.
    browser.click_to_next_page("button#save-draft").await;
    assert!(browser.has(".notice").await, "saving says so");
    assert_eq!(browser.value("#f-department").await, "法律學系");
    browser.snapshot("draft-saved").await;
    browser.click_to_next_page("button#to-documents").await;
    assert!(
        !browser.has(".error-summary").await,
        "the answers were refused: {}",
        browser.text(".error-summary").await
    );

    upload(browser, "photo", &image_file(files, "photo.png", 60, 80)).await;
    upload(
        browser,
        "single_entry_permit",
        &image_file(files, "single-entry-permit.png", 50, 30),
    )
    .await;
    upload(
        browser,
        "mainland_travel_document",
        &image_file(files, "travel-permit.png", 50, 30),
    )
    .await;
    browser.snapshot("documents").await;
    check(browser).await;
    let receipt = submit(browser).await;
    (case_id, receipt)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn taiwan_mainland_student_journey() {
    let artifacts = Artifacts::for_test("taiwan_mainland_student_journey");
    let stack = Stack::start(Services::ALL).await;
    let sequence = stack.next_sequence();
    let student = Student {
        login: format!("student{sequence}"),
        id_number: mainland_id(sequence),
    };
    tw_person_record(&stack, &student.id_number, NAME).await;
    let operator = stack.operator().await;
    tw_permit_record(&stack, &operator, PERMIT, &student.id_number, NAME).await;
    stack.staff(&operator, TW, REVIEWER, &["reviewer"]).await;
    let files = tempfile::tempdir().unwrap();
    let base = format!("/portal/{TW}/{TW_PORTAL}/");

    // The reviewer signs in right after the authenticator's enrolment, so
    // the next code is still within identity's window.
    let mut reviewer = Browser::start(&stack, &artifacts, "reviewer").await;
    staff_sign_in(&mut reviewer, &stack, TW, REVIEWER).await;
    let mut applicant = Browser::start(&stack, &artifacts, "student").await;
    register_and_sign_in(&mut applicant, &stack, &student).await;

    let (case_id, receipt) = apply(&mut applicant, &student, files.path()).await;

    claim(&mut reviewer, TW, TYPE, &case_id).await;
    decide(&mut reviewer, "returned_for_supplement", COMMENT).await;

    // The student reads the comment, adds a document, replies, resubmits.
    let case_page = format!("{base}cases/{case_id}?lang=en");
    let proof = image_file(files.path(), "enrolment-proof.png", 50, 30);
    answer_return(
        &mut applicant,
        &case_page,
        COMMENT,
        &Supplement {
            requirement: "other_proof",
            file: &proof,
            reply: "The proof of enrolment is attached.",
        },
    )
    .await;

    claim(&mut reviewer, TW, TYPE, &case_id).await;
    assert!(
        reviewer.text("main").await.contains("enrolment-proof.png"),
        "the reviewer sees the added document"
    );
    decide(&mut reviewer, "approved", "").await;

    // Approved, the case waits for the fee (the type's workflow is review,
    // payment, electronic issue): the case page and its history, the
    // progress query and the dashboard's "awaiting payment" section.
    applicant
        .open_until(&case_page, "dd.state", "Awaiting payment", EVENTS)
        .await;
    let history = applicant
        .text("section[aria-labelledby=\"history-title\"]")
        .await;
    assert!(history.contains("Approved"), "the history: {history}");
    applicant.snapshot("approved").await;
    applicant
        .open(&format!("{base}cases?lang=en&receipt_number={receipt}"))
        .await;
    let rows = applicant.texts("main table tbody tr").await;
    assert!(
        rows.len() == 1 && rows[0].contains("Awaiting payment"),
        "the progress query: {rows:?}"
    );
    applicant.open(&format!("{base}?lang=en")).await;
    let listed = applicant
        .texts(&format!("section#tab-{TYPE} tbody tr"))
        .await;
    assert!(
        listed
            .iter()
            .any(|row| row.contains(&receipt) && row.contains("Awaiting payment")),
        "the dashboard: {listed:?}"
    );
    applicant.snapshot("dashboard-after-approval").await;

    applicant.finish().await;
    reviewer.finish().await;
    artifacts.report();
    stack.stop().await;
}
