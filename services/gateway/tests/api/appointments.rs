//! Appointments through the gateway against real services: a Hong Kong
//! applicant finds a centre's free slots, holds and books one through the
//! API (with idempotency), cannot submit without it, sees it on the
//! portal's appointment page and moves it there without JavaScript; bad
//! slots get the applicant's language; the counter's day list names the
//! booking and the administrator's closure moves it.

use serde_json::{Value, json};

use crate::journey::post_with_key;
use crate::portal::{form, input_value, page};
use crate::support::*;

const HK: &str = "hk-cts";
const HK_PORTAL: &str = "hk-residents";

fn cookie_of(session: &str) -> String {
    format!("__Host-laissez-session={session}")
}

/// A Hong Kong account, registered, activated and signed in.
pub(crate) async fn hk_applicant(stack: &Stack) -> String {
    let sequence = stack.next_sequence();
    let email = format!("hk.applicant{sequence}@example.com");
    let base = format!("/api/v1/agencies/{HK}/portals/{HK_PORTAL}");
    let registered = stack
        .post(
            &format!("{base}/registrations"),
            None,
            json!({
                "login_name": email,
                "password": PASSWORD,
                "password_confirmation": PASSWORD,
                "language": "LANGUAGE_EN",
                "fields": {"email": email, "mobile": format!("+852 9123{sequence:04}")},
            }),
        )
        .await;
    assert_eq!(registered.status, 201, "{}", registered.text());
    stack.activate(&base, &email).await;
    stack.login(HK, HK_PORTAL, &email, PASSWORD, true).await
}

/// Starts an hk-cts home return permit for `applicant`; its case id.
pub(crate) async fn start_hk_case(
    stack: &Stack,
    applicant: &str,
    key: &str,
    name: &str,
    date_of_birth: &str,
) -> String {
    let started = post_with_key(
        stack,
        "/api/v1/cases",
        applicant,
        key,
        &json!({
            "application_type": "home_return_permit",
            "notice_version": "2024-07-10",
            "notice_accepted": true,
            "applicant": {"name": name, "date_of_birth": date_of_birth},
        }),
    )
    .await;
    assert_eq!(started.status, 201, "{}", started.text());
    started.json()["case_id"].as_str().unwrap().to_owned()
}

/// Free slots of a centre for the next two weeks, waiting for intake's
/// first pass to open them.
async fn free_slots(stack: &Stack, token: &str, centre: &str) -> Vec<Value> {
    let today = chrono::Utc::now().date_naive();
    let path = format!(
        "/api/v1/appointments/centres/{centre}/slots?from_date={}&to_date={}&only_free=true",
        today + chrono::Days::new(1),
        today + chrono::Days::new(14)
    );
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let slots = stack.get(&path, token).await.ok()["slots"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if !slots.is_empty() || tokio::time::Instant::now() > deadline {
            return slots;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hong_kong_applicant_books_moves_and_the_counter_sees_it() {
    let stack = Stack::start(Services::INTAKE).await;
    let applicant = hk_applicant(&stack).await;
    let case_id = start_hk_case(&stack, &applicant, "start-hk", "CHAN TAI MAN", "1990-01-01").await;

    // The wizard offers express (the type publishes its time) and the
    // check page prices the answers: HK$390 for an adult's first permit,
    // HK$670 express; nothing before the fee's answer is given.
    let session = cookie_of(&applicant);
    let case_base = format!("/portal/{HK}/{HK_PORTAL}/cases/{case_id}");
    let check = page(
        &stack,
        &format!("{case_base}/check?lang=en"),
        Some(&session),
        None,
    )
    .await;
    assert_eq!(check.status, 200, "{}", check.text());
    assert!(
        !check.text().contains("id=\"fees\""),
        "no reason, no price yet"
    );
    let form_page = page(
        &stack,
        &format!("{case_base}/form?lang=en"),
        Some(&session),
        None,
    )
    .await;
    assert!(
        form_page.text().contains("id=\"express\""),
        "{}",
        form_page.text()
    );
    for (express, total) in [(false, "HKD 390.00"), (true, "HKD 670.00")] {
        stack
            .call(
                reqwest::Method::PUT,
                &format!("/api/v1/cases/{case_id}/draft"),
                Some(&applicant),
                Some(json!({"answers_json": json!({"reason": "first"}).to_string(), "express": express})),
            )
            .await
            .ok();
        let html = page(
            &stack,
            &format!("{case_base}/check?lang=en"),
            Some(&session),
            None,
        )
        .await
        .text();
        let at = html
            .find("id=\"fees\"")
            .unwrap_or_else(|| panic!("fees on the check page: {html}"));
        assert!(
            html[at..].contains(&format!("<td class=\"amount total\">{total}</td>")),
            "express {express}: {total} in {html}"
        );
    }
    let form_page = page(
        &stack,
        &format!("{case_base}/form?lang=en"),
        Some(&session),
        None,
    )
    .await;
    assert!(
        form_page
            .text()
            .contains("name=\"express\" value=\"1\" checked"),
        "{}",
        form_page.text()
    );

    let slots = free_slots(&stack, &applicant, "hk-island").await;
    assert!(slots.len() > 20, "{slots:?}");
    assert_eq!(slots[0]["left"], 6);
    // Submitting without a booking names the appointment.
    let refused = post_with_key(
        &stack,
        "/api/v1/submissions",
        &applicant,
        "submit-early",
        &json!({"case_ids": [case_id]}),
    )
    .await;
    assert!(
        refused.text().contains("\"field\":\"appointment\""),
        "{}",
        refused.text()
    );
    // Hold, then book the hold; the same key answers the same booking.
    let hold = post_with_key(
        &stack,
        &format!("/api/v1/cases/{case_id}/appointment/holds"),
        &applicant,
        "hold-1",
        &json!({"centre": "hk-island", "starts_at": slots[0]["starts_at"]}),
    )
    .await;
    assert_eq!(hold.status, 201, "{}", hold.text());
    let hold_id = hold.json()["booking_id"].as_str().unwrap().to_owned();
    for _ in 0..2 {
        let booked = post_with_key(
            &stack,
            &format!("/api/v1/cases/{case_id}/appointment"),
            &applicant,
            "book-1",
            &json!({"hold_id": hold_id}),
        )
        .await;
        assert_eq!(booked.status, 201, "{}", booked.text());
        assert_eq!(booked.json()["state"], "booked");
    }
    let mine = stack
        .get(&format!("/api/v1/cases/{case_id}/appointment"), &applicant)
        .await
        .ok();
    assert_eq!(mine["booking_id"], hold_id.as_str());
    assert_eq!(
        mine["applicant_name"].as_str().unwrap_or_default(),
        "",
        "not shown to applicants"
    );

    // The portal page shows the booking and moves it without JavaScript.
    let session = cookie_of(&applicant);
    let base = format!("/portal/{HK}/{HK_PORTAL}/cases/{case_id}/appointment");
    let shown = page(&stack, &format!("{base}?lang=en"), Some(&session), None).await;
    assert_eq!(shown.status, 200, "{}", shown.text());
    let html = shown.text();
    assert!(html.contains("Your appointment"), "{html}");
    assert!(html.contains("Hong Kong Island"), "{html}");
    let csrf = input_value(&html, "csrf_token");
    let other = format!(
        "hk-island|{}",
        chrono::DateTime::parse_from_rfc3339(slots[1]["starts_at"].as_str().unwrap())
            .unwrap()
            .timestamp()
    );
    let moved = form(
        &stack,
        &format!("{base}?lang=en"),
        &session,
        &[("csrf_token", csrf.as_str()), ("slot", other.as_str())],
    )
    .await;
    assert!(
        moved.status == 303 || moved.status == 200,
        "{}",
        moved.text()
    );
    let mine = stack
        .get(&format!("/api/v1/cases/{case_id}/appointment"), &applicant)
        .await
        .ok();
    assert_eq!(mine["starts_at"], slots[1]["starts_at"], "{mine}");
    // The case page shows the booking itself: date, time and centre.
    let case_page = page(
        &stack,
        &format!("/portal/{HK}/{HK_PORTAL}/cases/{case_id}?lang=en"),
        Some(&session),
        None,
    )
    .await;
    assert_eq!(case_page.status, 200, "{}", case_page.text());
    let html = case_page.text();
    let at = html
        .find("id=\"booking\"")
        .expect("the booking on the case page");
    let shown = &html[at..html[at..].find("</dd>").map_or(html.len(), |end| at + end)];
    let expected = format!(
        "{} {} · Hong Kong Island",
        mine["date"].as_str().unwrap(),
        mine["time"].as_str().unwrap()
    );
    assert!(shown.contains(&expected), "{expected} in {shown}");
    // The dashboard lists it among the coming appointments; the API too.
    let dashboard = page(
        &stack,
        &format!("/portal/{HK}/{HK_PORTAL}/?lang=en"),
        Some(&session),
        None,
    )
    .await;
    let html = dashboard.text();
    let at = html
        .find("id=\"coming-appointments\"")
        .unwrap_or_else(|| panic!("coming appointments on the dashboard: {html}"));
    assert!(html[at..].contains(&expected), "{expected} in {html}");
    let listed = stack.get("/api/v1/appointments", &applicant).await.ok();
    assert_eq!(
        listed["bookings"][0]["case_id"],
        case_id.as_str(),
        "{listed}"
    );
    assert_eq!(listed["bookings"][0]["starts_at"], slots[1]["starts_at"]);
    let other = hk_applicant(&stack).await;
    let theirs = stack.get("/api/v1/appointments", &other).await.ok();
    assert!(
        theirs["bookings"].as_array().is_none_or(Vec::is_empty),
        "{theirs}"
    );
    // A slot that does not exist is refused in the applicant's language.
    let refused = form(
        &stack,
        &format!("{base}?lang=en"),
        &session,
        &[("csrf_token", csrf.as_str()), ("slot", "hk-island|12345")],
    )
    .await;
    assert_eq!(refused.status, 422);
    assert!(
        refused.text().contains("Choose a time"),
        "{}",
        refused.text()
    );
    let hostile = form(
        &stack,
        &format!("{base}?lang=en"),
        &session,
        &[("csrf_token", csrf.as_str()), ("slot", "<script>|x")],
    )
    .await;
    assert_eq!(hostile.status, 422);
    assert!(!hostile.text().contains("<script>|"));

    // The counter's day list names the applicant; the closure moves them.
    let operator = stack.operator().await;
    let admin = stack
        .staff(&operator, HK, "hk.admin", &["agency_admin", "counter"])
        .await;
    let day = mine["date"].as_str().unwrap().to_owned();
    let list = stack
        .get(
            &format!("/api/v1/counter/appointments?centre=hk-island&date={day}"),
            &admin,
        )
        .await
        .ok();
    assert_eq!(
        list["bookings"][0]["applicant_name"], "CHAN TAI MAN",
        "{list}"
    );
    let staff_page = page(
        &stack,
        &format!("/portal/{HK}/staff/appointments?centre=hk-island&date={day}&lang=en"),
        Some(&cookie_of(&admin)),
        None,
    )
    .await;
    assert_eq!(staff_page.status, 200, "{}", staff_page.text());
    assert!(staff_page.text().contains("CHAN TAI MAN"));
    // The counter desk opens on today's appointments of every centre, each
    // receipt number a link to the case at the desk.
    let desk = page(
        &stack,
        &format!("/portal/{HK}/staff/counter?lang=en"),
        Some(&cookie_of(&admin)),
        None,
    )
    .await;
    assert_eq!(desk.status, 200, "{}", desk.text());
    let html = desk.text();
    let hong_kong_today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Hong_Kong)
        .date_naive()
        .to_string();
    assert!(
        html.contains(&format!("Today's appointments · {hong_kong_today}"))
            || html.contains(&format!("Today&#39;s appointments · {hong_kong_today}")),
        "{html}"
    );
    assert!(
        html.contains(&format!("centre=hk-island&amp;date={hong_kong_today}")),
        "{html}"
    );
    let receipt = mine["receipt_number"].as_str().unwrap();
    let listed_today = html.contains(&format!("receipt={receipt}\""));
    assert_eq!(
        listed_today,
        day == hong_kong_today,
        "the booking ({day}) is listed exactly when it is today: {html}"
    );
    let closed = post_with_key(
        &stack,
        "/api/v1/admin/closures",
        &admin,
        "closure-1",
        &json!({"centre": "hk-island", "starts_on": day, "ends_on": day, "reason": "Typhoon signal No. 8"}),
    )
    .await;
    assert_eq!(closed.status, 201, "{}", closed.text());
    assert_eq!(closed.json()["moved"], 1, "{}", closed.text());
    let after = stack
        .get(&format!("/api/v1/cases/{case_id}/appointment"), &applicant)
        .await
        .ok();
    assert_ne!(after["date"], day.as_str(), "{after}");
    assert_eq!(after["state"], "booked");
    // An applicant cannot declare a closure.
    let denied = post_with_key(
        &stack,
        "/api/v1/admin/closures",
        &applicant,
        "closure-2",
        &json!({"centre": "hk-island", "starts_on": day, "ends_on": day, "reason": "x"}),
    )
    .await;
    assert_eq!(denied.status, 403, "{}", denied.text());
    stack.stop().await;
}

/// The check page says what the permit will grant, as the type's rules
/// read the answers so far: a non-Chinese permanent resident's permit is
/// valid 5 years, for multiple entries of up to 90 days each.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_check_page_says_what_the_permit_will_grant() {
    let stack = Stack::start(Services::INTAKE).await;
    let applicant = hk_applicant(&stack).await;
    let case_id = start_hk_case(
        &stack,
        &applicant,
        "start-hk-grant",
        "SMITH JOHN",
        "1980-01-01",
    )
    .await;
    let session = cookie_of(&applicant);
    let check = format!("/portal/{HK}/{HK_PORTAL}/cases/{case_id}/check");
    let grant_of = |html: &str| {
        html.find("id=\"grant\"").map(|at| {
            html[at..]
                .split("</section>")
                .next()
                .unwrap_or_default()
                .to_owned()
        })
    };
    for (class, expected, absent) in [
        (
            "non_chinese",
            vec!["5 years", "Multiple", "up to 90 days"],
            None,
        ),
        ("chinese", vec!["Multiple"], Some("days")),
    ] {
        let saved = stack
            .call(
                reqwest::Method::PUT,
                &format!("/api/v1/cases/{case_id}/draft"),
                Some(&applicant),
                Some(json!({"answers_json": json!({"nationality_class": class}).to_string()})),
            )
            .await;
        assert_eq!(saved.status, 200, "{}", saved.text());
        let html = page(&stack, &format!("{check}?lang=en"), Some(&session), None)
            .await
            .text();
        let grant = grant_of(&html).unwrap_or_else(|| panic!("a grant for {class}: {html}"));
        for text in expected {
            assert!(grant.contains(text), "{class}: {text} in {grant}");
        }
        if let Some(text) = absent {
            assert!(!grant.contains(text), "{class}: no {text} in {grant}");
        }
    }
    let html = page(
        &stack,
        &format!("{check}?lang=zh-Hant"),
        Some(&session),
        None,
    )
    .await
    .text();
    assert!(
        grant_of(&html)
            .is_some_and(|grant| grant.contains("核准後所發證件") && grant.contains("多次")),
        "{html}"
    );
    stack.stop().await;
}
