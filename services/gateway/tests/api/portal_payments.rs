//! The applicant's payment pages against real services: two groups' orders
//! chosen together, the preview with each line and the included card fee,
//! the provider's hosted page (the simulator over HTTP), the way back to a
//! result page with date, time and amount, the receipts search, another
//! account finding nothing, and the agency administrator reconciling the
//! card provider's settlement file of the day with the ledger.

use laissez_payment::testing::tw_request;
use reqwest::header::{COOKIE, LOCATION};

use crate::journey::eventually;
use crate::portal::{error_summary, form, input_value, page};
use crate::support::*;

fn base() -> String {
    format!("/portal/{TW}/{TW_PORTAL}/")
}

fn cookie_of(session: &str) -> String {
    format!("__Host-laissez-session={session}")
}

fn main_of(html: &str) -> String {
    let start = html.find("<main").expect("a main element");
    let end = html.find("</main>").expect("the end of main");
    html[start..end].to_owned()
}

async fn account_of(stack: &Stack, session: &str) -> String {
    let profile = stack.get("/api/v1/account/profile", session).await.ok();
    profile["account_id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn two_groups_are_paid_by_card_from_the_portal_and_show_in_the_receipts() {
    let stack = Stack::start(Services::ALL).await;
    let session = stack.tw_student().await;
    let cookie = cookie_of(&session);
    let account = account_of(&stack, &session).await;
    let payment = stack.payment.as_ref().expect("payment runs");
    for (receipt, group) in [("TW-R-1", "TW-G-1"), ("TW-R-2", "TW-G-2")] {
        payment
            .open_order(TW, &tw_request(&account, receipt, group))
            .await;
    }
    let payments = format!("{}payments", base());

    // The dashboard says what awaits payment and where to pay.
    let board = page(&stack, &format!("{}?lang=en", base()), Some(&cookie), None).await;
    let html = main_of(&board.text());
    let due = &html[html
        .find("id=\"awaiting-payment\"")
        .expect("an awaiting-payment section")..];
    assert!(due.contains("TW-R-1") && due.contains("TW-R-2"), "{due}");
    assert!(
        due.contains(&format!("href=\"{payments}?lang=en\"")),
        "{due}"
    );

    // The choice: both orders, the agency's online methods.
    let shown = page(&stack, &format!("{payments}?lang=en"), Some(&cookie), None).await;
    assert_eq!(shown.status, 200, "{}", shown.text());
    let html = main_of(&shown.text());
    for expected in [
        "TW-R-1",
        "TW-R-2",
        "TW-G-2",
        "TWD 1000",
        "value=\"international_credit_card\"",
        "value=\"convenience_store\"",
        "No payments found.",
    ] {
        assert!(html.contains(expected), "lacks {expected}: {html}");
    }
    let ids: Vec<String> = html
        .match_indices("name=\"order\" value=\"")
        .map(|(at, marker)| {
            html[at + marker.len()..]
                .split('"')
                .next()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(ids.len(), 2, "{html}");
    let token = input_value(&html, "csrf_token");

    // Nothing ticked, or no method: the form again, naming what is missing.
    let quote = format!("{payments}/quote?lang=en");
    let empty = form(
        &stack,
        &quote,
        &cookie,
        &[
            ("csrf_token", token.as_str()),
            ("method", "international_credit_card"),
        ],
    )
    .await;
    assert_eq!(empty.status, 422, "{}", empty.text());
    let summary = error_summary(&empty.text()).expect("an error summary");
    assert!(summary.contains("Tick at least one case"), "{summary}");
    let hostile = form(
        &stack,
        &quote,
        &cookie,
        &[
            ("csrf_token", token.as_str()),
            ("order", ids[0].as_str()),
            ("method", "<script>alert(1)</script>"),
        ],
    )
    .await;
    assert_eq!(hostile.status, 422, "{}", hostile.text());
    assert!(!hostile.text().contains("<script>alert"));

    // The preview: each line, the card fee shown as included, the total.
    let previewed = form(
        &stack,
        &quote,
        &cookie,
        &[
            ("csrf_token", token.as_str()),
            ("order", ids[0].as_str()),
            ("order", ids[1].as_str()),
            ("method", "international_credit_card"),
        ],
    )
    .await;
    assert_eq!(previewed.status, 200, "{}", previewed.text());
    let preview = main_of(&previewed.text());
    assert!(preview.contains("(included, not added)"), "{preview}");
    assert!(preview.contains("Total TWD 2000"), "{preview}");
    let key = input_value(&preview, "key");

    // Pay: off to the provider's page, which shows the amount.
    let started = form(
        &stack,
        &format!("{payments}/start?lang=en"),
        &cookie,
        &[
            ("csrf_token", token.as_str()),
            ("order", ids[0].as_str()),
            ("order", ids[1].as_str()),
            ("method", "international_credit_card"),
            ("key", key.as_str()),
        ],
    )
    .await;
    assert_eq!(started.status, 303, "{}", started.text());
    let hosted = started.header("location").unwrap().to_owned();
    assert!(hosted.contains("/card/pay/"), "{hosted}");
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let provider_page = browser.get(&hosted).send().await.unwrap();
    assert!(provider_page.text().await.unwrap().contains("TWD 2000"));
    let paid = browser
        .post(&hosted)
        .form(&[("action", "pay")])
        .send()
        .await
        .unwrap();
    assert_eq!(paid.status(), 303);
    let back = paid.headers()[LOCATION].to_str().unwrap().to_owned();
    assert!(
        back.contains(&format!("{payments}/return?reference=")),
        "{back}"
    );

    // Back on the portal: on to the result page.
    let returned = browser
        .get(&back)
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(returned.status(), 303);
    let result_path = returned.headers()[LOCATION].to_str().unwrap().to_owned();
    assert!(
        result_path.starts_with(&format!("{payments}/")),
        "{result_path}"
    );
    let (on, cookie_ref, result) = (&stack, cookie.as_str(), result_path.clone());
    let result_html = eventually("the payment succeeds", move || {
        let result = result.clone();
        async move {
            let shown = page(on, &format!("{result}?lang=en"), Some(cookie_ref), None).await;
            let html = main_of(&shown.text());
            let state = html.find("id=\"payment-state\"")?;
            let state = &html[state..];
            state[..state.find("</dd>")?]
                .ends_with(">Paid")
                .then_some(html)
        }
    })
    .await;
    assert!(result_html.contains("TWD 2000"), "{result_html}");
    assert!(result_html.contains("id=\"paid-at\""), "{result_html}");

    // The receipts: both orders, found by group number.
    let receipts = page(
        &stack,
        &format!("{payments}?lang=en&group=TW-G-2"),
        Some(&cookie),
        None,
    )
    .await;
    let html = main_of(&receipts.text());
    let table = &html[html.find("id=\"receipts\"").unwrap()..];
    assert!(
        table.contains("TW-R-2") && !table.contains("TW-R-1"),
        "{table}"
    );
    assert!(html.contains("Nothing is awaiting payment."), "{html}");
    let malformed = page(
        &stack,
        &format!("{payments}?lang=en&from=yesterday"),
        Some(&cookie),
        None,
    )
    .await;
    assert_eq!(malformed.status, 422);
    assert!(error_summary(&malformed.text()).is_some());

    // Another student sees neither the payment nor the receipts.
    let other = cookie_of(&stack.tw_student().await);
    let hidden = page(
        &stack,
        &format!("{result_path}?lang=en"),
        Some(&other),
        None,
    )
    .await;
    assert_eq!(hidden.status, 404, "{}", hidden.text());
    let theirs = page(&stack, &format!("{payments}?lang=en"), Some(&other), None).await;
    assert!(!theirs.text().contains("TW-R-1"));

    // The administrator reconciles the card provider's day: it agrees.
    let operator = stack.operator().await;
    let admin = cookie_of(
        &stack
            .staff(&operator, TW, "tw.admin", &["agency_admin"])
            .await,
    );
    let reconciliation = format!("/portal/{TW}/staff/admin/reconciliation?lang=en");
    let shown = page(&stack, &reconciliation, Some(&admin), None).await;
    assert_eq!(shown.status, 200, "{}", shown.text());
    let html = main_of(&shown.text());
    assert!(html.contains("id=\"no-runs\""), "{html}");
    let token = input_value(&html, "csrf_token");
    let today = chrono::Utc::now().date_naive().to_string();
    for (provider, day) in [("nowhere", today.as_str()), ("card", "2026-13-45")] {
        let refused = form(
            &stack,
            &reconciliation,
            &admin,
            &[
                ("csrf_token", token.as_str()),
                ("provider", provider),
                ("day", day),
            ],
        )
        .await;
        assert_eq!(refused.status, 422, "{provider} {day}: {}", refused.text());
        assert!(error_summary(&refused.text()).is_some());
    }
    let ran = form(
        &stack,
        &reconciliation,
        &admin,
        &[
            ("csrf_token", token.as_str()),
            ("provider", "card"),
            ("day", today.as_str()),
        ],
    )
    .await;
    assert_eq!(ran.status, 303, "{}", ran.text());
    let back = ran.header("location").unwrap().to_owned();
    let html = main_of(&page(&stack, &back, Some(&admin), None).await.text());
    assert!(html.contains("The day is reconciled."), "{html}");
    assert!(html.contains(&format!("{today} · card")), "{html}");
    assert!(html.contains("Everything agrees."), "{html}");
    // One card payment, settled once, in the ledger once.
    for (label, value) in [
        ("Settled rows", 1),
        ("Matched", 1),
        ("Missing from the ledger", 0),
    ] {
        let row = format!(
            "<dt class=\"govuk-summary-list__key\">{label}</dt><dd class=\"govuk-summary-list__value\">{value}</dd>"
        );
        assert!(html.contains(&row), "lacks {row}: {html}");
    }
    // Only the agency's administrator.
    let refused = page(&stack, &reconciliation, Some(&cookie), None).await;
    assert_ne!(refused.status, 200);
    stack.stop().await;
}
