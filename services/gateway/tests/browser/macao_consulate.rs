//! A parent renews an 8-year-old child's passport at the consulate's
//! office in Macao (mo-csm), in two browsers (the parent's and an
//! officer's who reviews, administers and keeps the counter): registration
//! with the SMS code, the child added with the guardian's papers, the
//! wizard, a return for supplement answered with another document and a
//! reply, approval, the hall's appointment booked after review, and a
//! typhoon closure the officer declares on the booked day that moves the
//! appointment, which the parent sees on the case page. Then the moved
//! day comes (its slot's date set to today in intake's database: a run
//! cannot wait for it), and the officer records the attendance on the
//! day list, production, the fee taken by card at pickup and the
//! collection by the parent as the child's proxy; the parent's case page
//! says "Collected".

use std::path::Path;

use crate::harness::{Artifacts, Browser};
use crate::setup::{EVENTS, image_file, segment_after, sign_in, staff_sign_in};
use crate::steps::{
    Person, Supplement, accepted, add_applicant, answer, answer_return, check, claim, decide,
    submit, upload,
};
use crate::support::*;

const CSM: &str = "mo-csm";
const CSM_PORTAL: &str = "consular-app";
const TYPE: &str = "passport_renewal";
const OFFICER: &str = "csm.officer";
const COMMENT: &str = "請補交監護人同意書正本掃描。";

/// Registers with a mainland mobile and the SMS code, then signs in.
async fn register_and_sign_in(browser: &mut Browser, stack: &Stack, mobile: &str, id: &str) {
    let base = format!("/portal/{CSM}/{CSM_PORTAL}/");
    browser.open(&format!("{base}login?lang=en")).await;
    browser.click_to_next_page("p.register a").await;
    browser.fill("#login_id", mobile).await;
    browser.fill("#real_name_document", id).await;
    browser.fill("#password", PASSWORD).await;
    browser.fill("#password_confirmation", PASSWORD).await;
    browser.snapshot("registration-filled").await;
    browser.click_to_next_page("main form button.primary").await;
    accepted(browser, "the registration").await;
    // The code texted to the mobile activates the account.
    browser.wait_for("input#sms_code").await;
    browser.snapshot("registered").await;
    let code = stack
        .identity_events::<laissez_proto::events::v1::SmsCodeRequested>()
        .await
        .into_iter()
        .rev()
        .find(|event| event.mobile.ends_with(mobile))
        .expect("an SMS code was sent")
        .code;
    browser.fill("#sms_code", "000000x").await;
    browser.click_to_next_page("main form button.primary").await;
    assert!(
        browser.text(".error-summary").await.contains("wrong"),
        "a wrong code is refused, naming the field"
    );
    browser.snapshot("wrong-code").await;
    browser.fill("#sms_code", &code).await;
    browser.click_to_next_page("main form button.primary").await;
    browser.wait_for(".outcome").await;
    browser.snapshot("activated").await;
    browser.click_to_next_page("main a.button.primary").await;
    sign_in(browser, &base, mobile, PASSWORD).await;
}

/// The wizard for the child: answers (case id, receipt number).
async fn apply(
    browser: &mut Browser,
    base: &str,
    child: &str,
    child_id: &str,
    mobile: &str,
    files: &Path,
) -> (String, String) {
    browser.open(&format!("{base}?lang=en")).await;
    browser.click_to_next_page("a#nav-apply").await;
    browser.click_to_next_page(&format!("a#apply-{TYPE}")).await;
    browser.click("#notice_accepted").await;
    browser.select("select#applicant_id", child).await;
    browser.snapshot("notice-accepted").await;
    browser.click_to_next_page("button#start-submit").await;
    accepted(browser, "starting").await;
    let path = browser.path().await;
    let case_id = segment_after(&path, "/cases/");
    assert!(path.contains("/form"), "starting led to {path}");

    let expires = (chrono::Utc::now() + chrono::Duration::days(180))
        .format("%Y-%m-%d")
        .to_string();
    browser
        .select("select#f-residence_status", "long_term_resident")
        .await;
    browser.click("#f-holds_permanent_id-no").await;
    browser.select("select#f-urgent_reason", "none").await;
    browser.click("#f-chinese_name_changed-no").await;
    browser.select("select#f-signed_by", "guardian").await;
    for (field, value) in [
        ("passport_expires_on", expires.as_str()),
        ("blank_visa_pages", "10"),
        ("chinese_name", "李小龍"),
        ("pinyin_name", "LI XIAOLONG"),
        ("mainland_id_number", child_id),
        ("address", "澳門氹仔孫逸仙大馬路1號"),
        ("emergency_contact_phone", mobile),
    ] {
        answer(browser, field, value).await;
    }
    browser.snapshot("answers").await;
    browser.click_to_next_page("button#to-documents").await;
    accepted(browser, "the answers").await;
    upload(browser, "photo", &image_file(files, "photo.png", 60, 80)).await;
    upload(
        browser,
        "signature",
        &image_file(files, "signature.png", 120, 40),
    )
    .await;
    for requirement in [
        "current_passport",
        "macao_residence_document",
        "guardian_consent",
        "guardianship_proof",
        "guardian_travel_document",
    ] {
        upload(
            browser,
            requirement,
            &image_file(files, &format!("{requirement}.png"), 50, 30),
        )
        .await;
    }
    browser.snapshot("documents").await;
    check(browser).await;
    let receipt = submit(browser).await;
    (case_id, receipt)
}

/// Books the first free slot of the hall from the case's appointment
/// page; answers the booked day (YYYY-MM-DD).
async fn book(browser: &mut Browser, case_base: &str) -> String {
    browser
        .open(&format!("{case_base}/appointment?lang=en"))
        .await;
    browser.snapshot("appointment-page").await;
    for _ in 0..4 {
        if browser.has("input[name=\"slot\"]:not([disabled])").await {
            break;
        }
        browser.click_to_next_page("p.week-nav a:last-child").await;
    }
    let slot = browser
        .attribute("input[name=\"slot\"]:not([disabled])", "id")
        .await
        .expect("a free slot");
    browser.click(&format!("input#{slot}")).await;
    let day = browser
        .text(&format!("fieldset.day:has(input#{slot}) legend"))
        .await;
    let day = day.split_whitespace().next().unwrap_or_default().to_owned();
    browser.click_to_next_page("button#choose").await;
    if browser.has("button#confirm").await {
        browser.click_to_next_page("button#confirm").await;
    }
    let booked = browser.text("section#booked").await;
    browser.snapshot("booked").await;
    assert!(!booked.trim().is_empty());
    day
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn macao_consulate_guardian_return_booking_typhoon_journey() {
    let artifacts = Artifacts::for_test("macao_consulate_guardian_return_booking_typhoon_journey");
    let stack = Stack::start(Services::ALL).await;
    let sequence = stack.next_sequence();
    let mobile = format!("1391234{:04}", sequence % 10_000);
    let operator = stack.operator().await;
    stack
        .staff(
            &operator,
            CSM,
            OFFICER,
            &["reviewer", "agency_admin", "counter"],
        )
        .await;
    let files = tempfile::tempdir().unwrap();
    let base = format!("/portal/{CSM}/{CSM_PORTAL}/");
    let born = (chrono::Utc::now() - chrono::Duration::days(365 * 8 + 30))
        .format("%Y-%m-%d")
        .to_string();
    let child_id = mainland_id(500 + sequence);

    let mut officer = Browser::start(&stack, &artifacts, "officer").await;
    staff_sign_in(&mut officer, &stack, CSM, OFFICER).await;
    let mut parent = Browser::start(&stack, &artifacts, "parent").await;
    register_and_sign_in(&mut parent, &stack, &mobile, &mainland_id(sequence)).await;
    let child = add_applicant(
        &mut parent,
        &base,
        &Person {
            relationship: "child",
            document_type: "cn_resident_id",
            document_number: &child_id,
            surname: "李",
            given_name: "小龍",
            date_of_birth: &born,
        },
    )
    .await;
    let (case_id, receipt) =
        apply(&mut parent, &base, &child, &child_id, &mobile, files.path()).await;

    // Returned: the parent reads the comment, adds the consent again and
    // replies.
    claim(&mut officer, CSM, TYPE, &case_id).await;
    decide(&mut officer, "returned_for_supplement", COMMENT).await;
    let case_base = format!("{base}cases/{case_id}");
    let case_page = format!("{case_base}?lang=en");
    let consent = image_file(files.path(), "guardian-consent-original.png", 50, 30);
    answer_return(
        &mut parent,
        &case_page,
        COMMENT,
        &Supplement {
            requirement: "guardian_consent",
            file: &consent,
            reply: "已補交同意書。",
        },
    )
    .await;
    claim(&mut officer, CSM, TYPE, &case_id).await;
    decide(&mut officer, "approved", "").await;

    // Review first, then the appointment.
    parent
        .open_until(&case_page, "dd.state", "Awaiting appointment", EVENTS)
        .await;
    parent.snapshot("awaiting-appointment").await;
    let day = book(&mut parent, &case_base).await;

    // A typhoon closes the hall that day: the officer declares it; the
    // booking moves to a later working day.
    officer
        .open(&format!("/portal/{CSM}/staff/appointments?lang=en"))
        .await;
    officer.set_value("#starts_on", &day).await;
    officer.set_value("#ends_on", &day).await;
    officer.fill("#reason", "八號風球：當日服務暫停。").await;
    officer.snapshot("closure-filled").await;
    officer
        .click_to_next_page("form#declare-closure button.primary")
        .await;
    accepted(&mut officer, "the closure").await;
    let closures = officer.text("#closures").await;
    assert!(closures.contains(&day), "the closures: {closures}");
    officer.snapshot("closure-declared").await;

    let deadline = tokio::time::Instant::now() + EVENTS;
    loop {
        parent.open(&case_page).await;
        let main = parent.text("main").await;
        if !main.contains(&day) && main.contains("Appointment") {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the appointment did not move off {day}: {main}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    parent.snapshot("appointment-moved").await;

    // The moved day comes.
    let today: String = sqlx::query_scalar(
        "UPDATE appointment_slots s SET day = (now() AT TIME ZONE 'Asia/Macau')::date
           FROM appointment_bookings b
          WHERE b.case_id = $1::uuid AND b.state = 'booked'
            AND s.agency = b.agency AND s.centre = b.centre AND s.starts_at = b.starts_at
         RETURNING s.day::text",
    )
    .bind(&case_id)
    .fetch_one(stack.intake_pool())
    .await
    .unwrap();
    // The officer's day list: the parent came.
    officer
        .open(&format!(
            "/portal/{CSM}/staff/appointments?lang=en&centre=consular-hall&date={today}"
        ))
        .await;
    let day_list = officer.text("#day-bookings").await;
    assert!(day_list.contains(&receipt), "the day's list: {day_list}");
    officer.snapshot("day-list").await;
    officer
        .click_to_next_page(
            "tr.booking[data-state=\"booked\"] button[name=\"attended\"][value=\"1\"]",
        )
        .await;
    accepted(&mut officer, "the attendance").await;
    officer.snapshot("attended").await;

    // Production, the fee at pickup by card (the tariff is not published:
    // the amount charged is typed), the collection by the parent as proxy.
    let desk = format!("/portal/{CSM}/staff/counter?lang=en&receipt={receipt}");
    officer.open_until(&desk, "#produce", "", EVENTS).await;
    officer
        .fill("#permit_number", &format!("E{:08}", 10_000_000 + sequence))
        .await;
    officer.click_to_next_page("#produce").await;
    accepted(&mut officer, "production").await;
    officer.open_until(&desk, "#take", "", EVENTS).await;
    officer.click("#method-counter_card").await;
    officer.fill("#amount", "220.00").await;
    officer
        .fill("#counter_receipt", &format!("CSM-{receipt}"))
        .await;
    officer.snapshot("counter-take").await;
    officer.click_to_next_page("#take").await;
    accepted(&mut officer, "the payment").await;
    officer.open_until(&desk, "#collect", "", EVENTS).await;
    officer.click("#kind-proxy").await;
    for (field, value) in [
        ("id_number", mainland_id(sequence)),
        ("name", "李大龍".to_owned()),
        ("relationship", "父".to_owned()),
        ("pickup_card", receipt.clone()),
    ] {
        officer.fill(&format!("#{field}"), &value).await;
    }
    officer.snapshot("counter-collect").await;
    officer.click_to_next_page("#collect").await;
    accepted(&mut officer, "the collection").await;
    officer.snapshot("collected").await;
    parent
        .open_until(&case_page, "dd.state", "Collected", EVENTS)
        .await;
    parent.snapshot("collected").await;

    parent.finish().await;
    officer.finish().await;
    artifacts.report();
    stack.stop().await;
}
