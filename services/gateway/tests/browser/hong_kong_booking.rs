//! A Hong Kong parent's home return permit for a 12-year-old child, in
//! three browsers (the parent's, a reviewer's and the centre counter's):
//! registration and activation from the e-mailed link, sign-in with the
//! captcha, the child added as a managed applicant, the wizard with the
//! centre's slot booked first, a delivery address saved in the address
//! book and chosen for the courier, express, the child's fee on the check
//! page, submission, approval, the fee taken at the counter, production,
//! dispatch with a tracking number and delivery, and the delivered case on
//! the parent's case page and courier orders.

use std::path::Path;

use crate::harness::{Artifacts, Browser};
use crate::setup::{
    EVENTS, activate_from_emailed_link, image_file, segment_after, sign_in, staff_sign_in,
};
use crate::steps::{Person, accepted, add_applicant, check, claim, decide, submit, upload};
use crate::support::*;

const HK: &str = "hk-cts";
const HK_PORTAL: &str = "hk-residents";
const TYPE: &str = "home_return_permit";
const STAFF: &str = "hk.officer";
/// A child's express first permit (HK$540) and the courier (HK$50).
const TOTAL: &str = "590.00";
const ADDRESS: &str = "1 Tai Po Road, Sha Tin";
const RECIPIENT: &str = "Chan Tai Man";

/// Saves the delivery address in the address book (地址管理), from the
/// header.
async fn save_address(browser: &mut Browser) {
    browser.click_to_next_page("a#nav-addresses").await;
    browser.click_to_next_page("a#add-address").await;
    browser.fill("#recipient", RECIPIENT).await;
    browser.fill("#phone", "91234567").await;
    browser.fill("#address", ADDRESS).await;
    browser.snapshot("address").await;
    browser.click_to_next_page("main form button.primary").await;
    accepted(browser, "the address").await;
    let listed = browser.text("table#addresses").await;
    assert!(
        listed.contains(ADDRESS) && listed.contains("Default address"),
        "{listed}"
    );
}

/// Registers through the portal's form, activates from the e-mailed link
/// and signs in with the captcha.
async fn register_and_sign_in(browser: &mut Browser, stack: &Stack, email: &str, mobile: &str) {
    let base = format!("/portal/{HK}/{HK_PORTAL}/");
    browser.open(&format!("{base}login?lang=en")).await;
    browser.snapshot("sign-in-page").await;
    browser.click_to_next_page("p.register a").await;
    for (field, value) in [
        ("email", email),
        ("mobile", mobile),
        ("password", PASSWORD),
        ("password_confirmation", PASSWORD),
    ] {
        browser.fill(&format!("#{field}"), value).await;
    }
    browser.snapshot("registration-filled").await;
    browser.click_to_next_page("main form button.primary").await;
    accepted(browser, "the registration").await;
    browser.wait_for(".outcome").await;
    browser.snapshot("registered").await;

    activate_from_emailed_link(browser, stack, &base, email).await;
    sign_in(browser, &base, email, PASSWORD).await;
}

/// Chooses the first free slot of the week shown and confirms the hold.
async fn book_first_slot(browser: &mut Browser) -> String {
    browser.wait_for("#centre").await;
    browser.snapshot("appointment-page").await;
    // The first week may have no free slot left (late in the day, a
    // holiday): the page links the next one.
    for _ in 0..3 {
        if browser.has("input[name=\"slot\"]:not([disabled])").await {
            break;
        }
        browser.click_to_next_page("p.week-nav a:last-child").await;
    }
    browser.click("input[name=\"slot\"]:not([disabled])").await;
    browser.snapshot("slot-chosen").await;
    browser.click_to_next_page("button#choose").await;
    browser.wait_for("section#held").await;
    browser.snapshot("slot-held").await;
    browser.click_to_next_page("button#confirm").await;
    let booked = browser.text("section#booked").await;
    browser.snapshot("booked").await;
    booked
}

/// The wizard for the child, booking first: answers (case id, receipt).
async fn apply(browser: &mut Browser, base: &str, child: &str, files: &Path) -> (String, String) {
    browser.open(&format!("{base}?lang=en")).await;
    browser.click_to_next_page("a#nav-apply").await;
    browser.snapshot("apply-types").await;
    browser.click_to_next_page(&format!("a#apply-{TYPE}")).await;
    browser.click("#notice_accepted").await;
    browser.select("select#applicant_id", child).await;
    browser.snapshot("notice-accepted").await;
    browser.click_to_next_page("button#start-submit").await;
    accepted(browser, "starting").await;
    let path = browser.path().await;
    let case_id = segment_after(&path, "/cases/");

    // Booking comes first in this type's workflow: the wizard's first step.
    let case_base = format!("{base}cases/{case_id}");
    if !path.contains("/appointment") {
        browser
            .open(&format!("{case_base}/appointment?lang=en"))
            .await;
    }
    let booked = book_first_slot(browser).await;
    assert!(!booked.trim().is_empty());

    browser.open(&format!("{case_base}/form?lang=en")).await;
    browser
        .select("select#f-nationality_class", "chinese")
        .await;
    browser.select("select#f-reason", "first").await;
    browser.click("#f-has_hk_identity_card-yes").await;
    browser.click("#f-has_hksar_passport-no").await;
    for (field, value) in [
        ("chinese_name", "陳小明"),
        ("english_name", "CHAN SIU MING"),
        ("hk_identity_card", "A123456(3)"),
        ("mobile", "91234567"),
        ("address", ADDRESS),
    ] {
        browser.fill(&format!("#f-{field}"), value).await;
    }
    browser.click("#express").await;
    browser.select("select#f-delivery", "courier").await;
    // The address book's first (and default) address.
    browser
        .click("select#f-delivery_address-saved option:nth-child(2)")
        .await;
    browser.snapshot("answers").await;
    browser.click_to_next_page("button#to-documents").await;
    accepted(browser, "the answers").await;

    upload(browser, "photo", &image_file(files, "photo.png", 354, 472)).await;
    for requirement in [
        "hk_identity_card",
        "parent_chinese_document",
        "guardian_relationship_proof",
        "guardian_identity",
        "photo_check_receipt",
    ] {
        upload(
            browser,
            requirement,
            &image_file(files, &format!("{requirement}.png"), 50, 30),
        )
        .await;
    }
    browser.snapshot("documents").await;
    // The check page shows the child's fee and the courier before anything
    // is sent.
    check(browser).await;
    let fees = browser.text("#fees").await;
    assert!(
        fees.contains(TOTAL),
        "the child's express fee and the courier: {fees}"
    );
    let receipt = submit(browser).await;
    (case_id, receipt)
}

/// The counter finds the case by its receipt number (waiting until the
/// case's stage shows `button`), fills `fields` and presses `button`.
async fn at_counter(officer: &mut Browser, receipt: &str, fields: &[(&str, &str)], button: &str) {
    let desk = format!("/portal/{HK}/staff/counter?lang=en&receipt={receipt}");
    officer.open_until(&desk, button, "", EVENTS).await;
    for (field, value) in fields {
        officer.fill(&format!("#{field}"), value).await;
    }
    officer.snapshot(&format!("counter-{}", &button[1..])).await;
    officer.click_to_next_page(button).await;
    accepted(officer, &format!("the counter's {button}")).await;
    officer
        .snapshot(&format!("counter-{}-done", &button[1..]))
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hong_kong_child_booking_courier_journey() {
    let artifacts = Artifacts::for_test("hong_kong_child_booking_courier_journey");
    let stack = Stack::start(Services::ALL).await;
    let sequence = stack.next_sequence();
    let email = format!("hk.parent{sequence}@example.hk");
    let mobile = format!("+852 9123{:04}", sequence % 10_000);
    let operator = stack.operator().await;
    stack
        .staff(&operator, HK, STAFF, &["reviewer", "counter"])
        .await;
    let files = tempfile::tempdir().unwrap();
    let base = format!("/portal/{HK}/{HK_PORTAL}/");
    let born = (chrono::Utc::now() - chrono::Duration::days(365 * 12 + 30))
        .format("%Y-%m-%d")
        .to_string();

    let mut officer = Browser::start(&stack, &artifacts, "officer").await;
    staff_sign_in(&mut officer, &stack, HK, STAFF).await;
    let mut parent = Browser::start(&stack, &artifacts, "parent").await;
    register_and_sign_in(&mut parent, &stack, &email, &mobile).await;
    let child = add_applicant(
        &mut parent,
        &base,
        &Person {
            relationship: "child",
            // No list of documents on this portal: the type is typed.
            document_type: "hk_id_card",
            document_number: "A123456(3)",
            surname: "陳",
            given_name: "小明",
            date_of_birth: &born,
        },
    )
    .await;
    save_address(&mut parent).await;
    let (case_id, receipt) = apply(&mut parent, &base, &child, files.path()).await;

    claim(&mut officer, HK, TYPE, &case_id).await;
    decide(&mut officer, "approved", "").await;
    // The centre takes the fee the check page showed.
    let desk = format!("/portal/{HK}/staff/counter?lang=en&receipt={receipt}");
    let total = officer
        .open_until(&desk, ".order-total", TOTAL, EVENTS)
        .await;
    assert!(total.contains("HKD"), "{total}");
    let counter_receipt = format!("HK-{receipt}");
    at_counter(
        &mut officer,
        &receipt,
        &[("counter_receipt", &counter_receipt)],
        "#take",
    )
    .await;
    let permit = format!("H{:08}", 10_000_000 + sequence);
    at_counter(
        &mut officer,
        &receipt,
        &[("permit_number", &permit)],
        "#produce",
    )
    .await;
    at_counter(
        &mut officer,
        &receipt,
        &[("tracking_number", "SF1234567890")],
        "#dispatch",
    )
    .await;
    at_counter(&mut officer, &receipt, &[], "#deliver").await;
    let tracking = officer.text(".tracking-number").await;
    assert!(tracking.contains("SF1234567890"), "{tracking}");

    let case_page = format!("{base}cases/{case_id}?lang=en");
    parent
        .open_until(&case_page, "dd.state", "Delivered", EVENTS)
        .await;
    parent.snapshot("delivered").await;
    parent.click_to_next_page("a#nav-courier").await;
    let orders = parent.text("table#courier-orders").await;
    assert!(
        orders.contains("SF1234567890") && orders.contains(ADDRESS) && orders.contains(RECIPIENT),
        "{orders}"
    );
    parent.snapshot("courier-orders").await;

    parent.finish().await;
    officer.finish().await;
    artifacts.report();
    stack.stop().await;
}
