//! The counter desk: a member of staff with the counter role finds a
//! submitted case by its receipt number or the applicant's document
//! number; a receipt number of another agency reads as no case, a malformed one is refused naming the field,
//! and the desk is only the counter's. Below the case, its order: the
//! counter takes the money once, however often the form is sent; then it
//! records production and hands the permit over.

use crate::journey::eventually;
use crate::payment::{Approved, approved_fj_case, submitted_fj_case};
use crate::portal::{error_summary, form, input_value, page};
use crate::support::*;

const COUNTER: &str = "/portal/fj-exit-entry/staff/counter";

fn cookie_of(session: &str) -> String {
    format!("__Host-laissez-session={session}")
}

/// A case on the counter desk: its forms carry the session's token, the
/// receipt number searched for and the case.
struct DeskCase<'a> {
    stack: &'a Stack,
    counter: &'a str,
    token: &'a str,
    receipt: &'a str,
    case_id: &'a str,
}

impl DeskCase<'_> {
    /// Posts the desk's `path` form (`production`, `collection`,
    /// `dispatch`, `delivery`) for the case with `fields`.
    async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Answer {
        let mut all = vec![
            ("csrf_token", self.token),
            ("receipt", self.receipt),
            ("case", self.case_id),
        ];
        all.extend_from_slice(fields);
        form(
            self.stack,
            &format!("{COUNTER}/{path}?lang=en"),
            self.counter,
            &all,
        )
        .await
    }
}

#[tokio::test]
async fn the_counter_finds_a_case_by_its_receipt_number() {
    let stack = Stack::start(Services::ALL).await;
    let operator = stack.operator().await;
    let counter = cookie_of(&stack.staff(&operator, FJ, "fj.counter", &["counter"]).await);
    let reviewer = cookie_of(
        &stack
            .staff(&operator, FJ, "fj.reviewer", &["reviewer"])
            .await,
    );
    let (document, applicant) = stack.fj_applicant().await;
    let (case_id, receipt) = submitted_fj_case(&stack, &applicant).await;

    // The empty desk, and the counter's landing link in the header.
    let desk = page(&stack, &format!("{COUNTER}?lang=en"), Some(&counter), None).await;
    assert_eq!(desk.status, 200, "{}", desk.text());
    let html = desk.text();
    assert!(html.contains("<h1>Counter</h1>"), "{html}");
    assert!(
        html.contains("href=\"/portal/fj-exit-entry/staff/counter?lang=en\""),
        "{html}"
    );
    assert!(!html.contains("none-found"), "{html}");

    // Found, typed in lower case with spaces around it.
    let lower = receipt.to_ascii_lowercase();
    let found = page(
        &stack,
        &format!("{COUNTER}?lang=en&receipt=+{lower}+"),
        Some(&counter),
        None,
    )
    .await;
    assert_eq!(found.status, 200, "{}", found.text());
    let html = found.text();
    assert!(
        html.contains(&format!("<h2 id=\"case-{case_id}\">{receipt}</h2>")),
        "{html}"
    );
    assert!(html.contains("govuk-tag"), "{html}");

    // The applicant's identity document, as shown at the counter (lower
    // case, a hyphen): the same case.
    let shown = format!("{}-{}", &document[..1], &document[1..]).to_ascii_lowercase();
    let by_document = page(
        &stack,
        &format!("{COUNTER}?lang=en&receipt={shown}"),
        Some(&counter),
        None,
    )
    .await;
    assert_eq!(by_document.status, 200, "{}", by_document.text());
    assert!(
        by_document
            .text()
            .contains(&format!("<h2 id=\"case-{case_id}\">{receipt}</h2>")),
        "{}",
        by_document.text()
    );

    // Unknown, and another agency's number shape: no case, no leak.
    let missing = page(
        &stack,
        &format!("{COUNTER}?lang=en&receipt=TW-2026-000001"),
        Some(&counter),
        None,
    )
    .await;
    assert_eq!(missing.status, 404, "{}", missing.text());
    assert!(missing.text().contains("id=\"none-found\""));

    // Malformed: the field is named, nothing is looked up.
    for hostile in [
        "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "1%27%20OR%20%271%27%3D%271",
        &"A".repeat(41),
        "%20%20",
    ] {
        let refused = page(
            &stack,
            &format!("{COUNTER}?lang=en&receipt={hostile}"),
            Some(&counter),
            None,
        )
        .await;
        assert_eq!(refused.status, 422, "{hostile}: {}", refused.text());
        let html = refused.text();
        assert!(html.contains("<div class=\"error-summary\""), "{html}");
        assert!(html.contains("href=\"#receipt\""), "{html}");
        assert!(!html.contains("<script>"), "{html}");
    }

    // Only the counter: a reviewer is refused, a visitor signs in first.
    let other = page(&stack, COUNTER, Some(&reviewer), None).await;
    assert_eq!(other.status, 403);
    let visitor = page(&stack, COUNTER, None, None).await;
    assert_eq!(visitor.status, 303);
    assert_eq!(
        visitor.header("location"),
        Some("/portal/fj-exit-entry/staff/login")
    );
    // An applicant portal has no counter desk.
    let applicant_portal = page(
        &stack,
        "/portal/fj-exit-entry/nia-app/counter",
        Some(&counter),
        None,
    )
    .await;
    assert_eq!(applicant_portal.status, 404);
    stack.stop().await;
}

#[tokio::test]
async fn the_counter_takes_the_payment_of_an_approved_case_once() {
    let stack = Stack::start(Services::ALL).await;
    let Approved {
        applicant,
        case_id,
        receipt,
        reviewer,
        counter,
    } = approved_fj_case(&stack).await;
    let (counter, reviewer) = (cookie_of(&counter), cookie_of(&reviewer));
    let (on, as_applicant) = (&stack, applicant.as_str());
    eventually("the order opens", move || async move {
        let listed = on.get("/api/v1/payment/orders", as_applicant).await.ok();
        (!listed["orders"].as_array()?.is_empty()).then_some(())
    })
    .await;

    // The desk shows the case's order, priced by the tariff at the counter.
    let desk = page(
        &stack,
        &format!("{COUNTER}?lang=en&receipt={receipt}"),
        Some(&counter),
        None,
    )
    .await;
    assert_eq!(desk.status, 200, "{}", desk.text());
    let html = desk.text();
    for expected in [
        "<h3>Payment</h3>",
        "By the tariff, at the counter (CNY)",
        "value=\"port_counter\"",
        "id=\"take\"",
    ] {
        assert!(html.contains(expected), "lacks {expected}: {html}");
    }
    let token = input_value(&html, "csrf_token");
    let order = input_value(&html, "order");
    let key = input_value(&html, "key");
    let take = format!("{COUNTER}/payments?lang=en");
    let fields = |amount: &'static str, counter_receipt: &'static str| {
        vec![
            ("csrf_token", token.clone()),
            ("receipt", receipt.clone()),
            ("order", order.clone()),
            ("key", key.clone()),
            ("method", "port_counter".to_owned()),
            ("amount", amount.to_owned()),
            ("counter_receipt", counter_receipt.to_owned()),
        ]
    };
    let send = |fields: Vec<(&'static str, String)>| {
        let (stack, take, counter) = (&stack, take.clone(), counter.clone());
        async move {
            let fields: Vec<(&str, &str)> = fields
                .iter()
                .map(|(name, value)| (*name, value.as_str()))
                .collect();
            form(stack, &take, &counter, &fields).await
        }
    };

    // Wrong amounts and receipt numbers: named, nothing taken.
    for (amount, counter_receipt, wrong) in [
        ("12.345", "FJ-0001", "#amount"),
        ("-5", "FJ-0001", "#amount"),
        ("abc", "FJ-0001", "#amount"),
        ("200.00", "", "#counter_receipt"),
        ("200.00", "<script>alert(1)</script>", "#counter_receipt"),
    ] {
        let refused = send(fields(amount, counter_receipt)).await;
        assert_eq!(
            refused.status,
            422,
            "{amount} {counter_receipt}: {}",
            refused.text()
        );
        let summary = error_summary(&refused.text()).expect("an error summary");
        assert!(summary.contains(wrong), "{summary}");
        assert!(!refused.text().contains("<script>alert"));
    }
    let pending = stack.get("/api/v1/payment/orders", &applicant).await.ok();
    assert_eq!(pending["orders"][0]["state"], "ORDER_STATE_PENDING");

    // Only the counter takes money.
    let reviewer_fields: Vec<(&str, String)> = fields("200.00", "FJ-0001");
    let reviewer_fields: Vec<(&str, &str)> = reviewer_fields
        .iter()
        .map(|(name, value)| (*name, value.as_str()))
        .collect();
    let refused = form(&stack, &take, &reviewer, &reviewer_fields).await;
    assert_eq!(refused.status, 403, "{}", refused.text());

    // Taken: back to the case with a notice; sent twice, taken once.
    for _ in 0..2 {
        let taken = send(fields("200.00", "FJ-0001")).await;
        assert_eq!(taken.status, 303, "{}", taken.text());
        let back = taken.header("location").unwrap().to_owned();
        assert!(back.contains("recorded=1"), "{back}");
        let shown = page(&stack, &back, Some(&counter), None).await;
        let html = shown.text();
        assert!(html.contains("The payment is recorded."), "{html}");
        assert!(html.contains("Paid CNY 200.00"), "{html}");
        assert!(html.contains("FJ-0001"), "{html}");
        assert!(!html.contains("id=\"take\""), "{html}");
    }
    let paid = stack.get("/api/v1/payment/orders", &applicant).await.ok();
    assert_eq!(paid["orders"][0]["state"], "ORDER_STATE_PAID", "{paid}");
    assert_eq!(paid["orders"][0]["paid"]["minor_units"], "20000", "{paid}");
    let (case, as_applicant) = (case_id.as_str(), applicant.as_str());
    // The fj workflow's next stage after payment is production: the case
    // moves straight on once the money is in.
    eventually("the case is paid and in production", move || async move {
        let found = on
            .get(&format!("/api/v1/cases/{case}"), as_applicant)
            .await
            .ok();
        (found["state"] == "CASE_STATE_IN_PRODUCTION").then_some(())
    })
    .await;

    // In production: the desk offers "production done"; a hostile number
    // is named and changes nothing.
    let desk_of = format!("{COUNTER}?lang=en&receipt={receipt}");
    let html = page(&stack, &desk_of, Some(&counter), None).await.text();
    assert!(html.contains("id=\"produce\""), "{html}");
    let token = input_value(&html, "csrf_token");
    let desk = DeskCase {
        stack: &stack,
        counter: &counter,
        token: &token,
        receipt: &receipt,
        case_id: &case_id,
    };
    let hostile = desk
        .post("production", &[("permit_number", "<b>1</b>")])
        .await;
    assert_eq!(hostile.status, 422, "{}", hostile.text());
    assert!(
        error_summary(&hostile.text())
            .unwrap()
            .contains("#permit_number")
    );
    assert!(!hostile.text().contains("<b>1</b>"));
    let produced = desk
        .post("production", &[("permit_number", "T0000002")])
        .await;
    assert_eq!(produced.status, 303, "{}", produced.text());
    let back = produced.header("location").unwrap().to_owned();
    let html = page(&stack, &back, Some(&counter), None).await.text();
    assert!(html.contains("Production is recorded."), "{html}");
    assert!(html.contains("id=\"collect\""), "{html}");

    // Ready for pickup: a proxy with another case's card is refused; with
    // this case's card, the permit is handed over.
    fn proxy(card: &str) -> Vec<(&'static str, &str)> {
        vec![
            ("kind", "proxy"),
            ("name", "陳父"),
            ("id_number", "Z123"),
            ("relationship", "父親"),
            ("pickup_card", card),
        ]
    }
    let wrong = desk.post("collection", &proxy("FJ0000")).await;
    assert_eq!(wrong.status, 422, "{}", wrong.text());
    let summary = error_summary(&wrong.text()).unwrap();
    assert!(summary.contains("#pickup_card"), "{summary}");
    assert!(
        summary.contains("does not belong to this case"),
        "{summary}"
    );
    let collected = desk.post("collection", &proxy(&receipt)).await;
    assert_eq!(collected.status, 303, "{}", collected.text());
    let back = collected.header("location").unwrap().to_owned();
    let html = page(&stack, &back, Some(&counter), None).await.text();
    assert!(html.contains("The collection is recorded."), "{html}");
    assert!(html.contains("A proxy · 陳父 (父親)"), "{html}");
    assert!(!html.contains("id=\"collect\""), "{html}");
    stack.stop().await;
}

/// Courier delivery at the desk: a case waiting for dispatch shows where
/// it goes; the counter records the courier's tracking number (a hostile
/// one is named and changes nothing), then the delivery. Intake's own tests
/// take a courier case there through its workflow; here it is put there.
#[tokio::test]
async fn the_counter_dispatches_and_delivers_a_courier_case() {
    let stack = Stack::start(Services::ALL).await;
    let Approved {
        applicant,
        case_id,
        receipt,
        counter,
        ..
    } = approved_fj_case(&stack).await;
    let counter = cookie_of(&counter);
    let address = "Flat 3, 1 Queen's Road Central";
    sqlx::query("UPDATE cases SET state = 'awaiting_dispatch' WHERE id = $1::uuid")
        .bind(&case_id)
        .execute(stack.intake_pool())
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO case_lifecycle (case_id, agency, delivery_address)
         VALUES ($1::uuid, 'fj-exit-entry', $2)",
    )
    .bind(&case_id)
    .bind(address)
    .execute(stack.intake_pool())
    .await
    .unwrap();

    let desk_of = format!("{COUNTER}?lang=en&receipt={receipt}");
    let html = page(&stack, &desk_of, Some(&counter), None).await.text();
    assert!(html.contains("id=\"dispatch\""), "{html}");
    assert!(html.contains(address), "{html}");
    let token = input_value(&html, "csrf_token");
    let desk = DeskCase {
        stack: &stack,
        counter: &counter,
        token: &token,
        receipt: &receipt,
        case_id: &case_id,
    };
    for hostile in ["", "<b>EE1</b>"] {
        let refused = desk.post("dispatch", &[("tracking_number", hostile)]).await;
        assert_eq!(refused.status, 422, "{}", refused.text());
        let summary = error_summary(&refused.text()).unwrap();
        assert!(summary.contains("#tracking_number"), "{summary}");
        assert!(!refused.text().contains("<b>EE1</b>"));
    }
    let sent = desk
        .post("dispatch", &[("tracking_number", "ee123456789hk")])
        .await;
    assert_eq!(sent.status, 303, "{}", sent.text());
    let back = sent.header("location").unwrap().to_owned();
    let html = page(&stack, &back, Some(&counter), None).await.text();
    assert!(html.contains("The dispatch is recorded."), "{html}");
    assert!(html.contains("EE123456789HK"), "{html}");
    assert!(html.contains("id=\"deliver\""), "{html}");
    let found = stack
        .get(&format!("/api/v1/cases/{case_id}"), &applicant)
        .await
        .ok();
    assert_eq!(found["state"], "CASE_STATE_DISPATCHED", "{found}");
    assert_eq!(
        found["lifecycle"]["tracking_number"], "EE123456789HK",
        "{found}"
    );

    let delivered = desk.post("delivery", &[]).await;
    assert_eq!(delivered.status, 303, "{}", delivered.text());
    let back = delivered.header("location").unwrap().to_owned();
    let html = page(&stack, &back, Some(&counter), None).await.text();
    assert!(html.contains("The delivery is recorded."), "{html}");
    assert!(!html.contains("id=\"deliver\""), "{html}");
    // Twice: the case has moved on, said in the desk's words.
    let again = desk.post("delivery", &[]).await;
    assert_eq!(again.status, 422, "{}", again.text());
    assert!(
        again.text().contains("The case has moved on"),
        "{}",
        again.text()
    );
    stack.stop().await;
}
