//! After approval, money: the approved case's order opens (payment reads
//! the case's catalog version from intake), the counter finds it by receipt
//! number and takes the money, intake moves the case to paid and on into
//! production, the applicant's receipts list shows it, and the counter
//! finishes production and hands the permit to a proxy. Every service is
//! real.

use serde_json::json;

use crate::journey::{eventually, post_with_key};
use crate::support::*;

/// A Fujian case, submitted and approved: the applicant's session, the
/// case, its receipt number, and the agency's reviewer and counter
/// sessions.
pub(crate) struct Approved {
    pub applicant: String,
    pub case_id: String,
    pub receipt: String,
    pub reviewer: String,
    pub counter: String,
}

/// A complete Fujian draft of `applicant`, submitted: the case and its
/// receipt number.
pub(crate) async fn submitted_fj_case(stack: &Stack, applicant: &str) -> (String, String) {
    let case_id = stack.complete_fj_draft(applicant).await;
    let submitted = post_with_key(
        stack,
        "/api/v1/submissions",
        applicant,
        &format!("submit-{case_id}"),
        &json!({"case_ids": [case_id]}),
    )
    .await;
    assert_eq!(submitted.status, 201, "{}", submitted.text());
    let receipt = submitted.json()["cases"][0]["receipt_number"]
        .as_str()
        .expect("a receipt number")
        .to_owned();
    (case_id, receipt)
}

pub(crate) async fn approved_fj_case(stack: &Stack) -> Approved {
    let (_, applicant) = stack.fj_applicant().await;
    let (case_id, receipt) = submitted_fj_case(stack, &applicant).await;

    let operator = stack.operator().await;
    let reviewer = stack
        .staff(&operator, FJ, "fj.reviewer", &["reviewer"])
        .await;
    let counter = stack.staff(&operator, FJ, "fj.counter", &["counter"]).await;
    let (on, as_reviewer) = (stack, reviewer.as_str());
    eventually("the case reaches the queue", move || async move {
        let claim = post_with_key(
            on,
            "/api/v1/review/claims",
            as_reviewer,
            &format!("claim-{}", uuid::Uuid::new_v4()),
            &json!({"application_type": "one_time_taiwan_permit"}),
        )
        .await;
        (claim.status == 201).then_some(())
    })
    .await;
    let decided = stack
        .post(
            &format!("/api/v1/review/cases/{case_id}/decision"),
            Some(&reviewer),
            json!({"decision": "DECISION_APPROVED", "comment": "In order."}),
        )
        .await;
    assert_eq!(decided.status, 201, "{}", decided.text());
    Approved {
        applicant,
        case_id,
        receipt,
        reviewer,
        counter,
    }
}

#[tokio::test]
async fn an_approved_case_is_paid_at_the_counter_and_moves_on() {
    let stack = Stack::start(Services::ALL).await;
    let Approved {
        applicant,
        case_id,
        receipt,
        counter,
        ..
    } = approved_fj_case(&stack).await;
    let on = &stack;

    // The workflow's next stage is payment: the case waits for it and its
    // order opens, priced at the counter (Fujian publishes no tariff).
    let (as_applicant, case) = (applicant.as_str(), case_id.as_str());
    eventually("the case awaits payment", move || async move {
        let found = on
            .get(&format!("/api/v1/cases/{case}"), as_applicant)
            .await
            .ok();
        (found["state"] == "CASE_STATE_AWAITING_PAYMENT").then_some(())
    })
    .await;
    let order = eventually("the order opens", move || async move {
        let listed = on.get("/api/v1/payment/orders", as_applicant).await.ok();
        listed["orders"]
            .as_array()
            .and_then(|orders| orders.first().cloned())
    })
    .await;
    assert_eq!(order["state"], "ORDER_STATE_PENDING", "{order}");
    assert_eq!(order["case_ids"][0], case_id.as_str());
    assert!(order["total"].is_null(), "{order}");
    assert_eq!(order["methods"][0]["code"], "port_counter");
    let order_id = order["order_id"].as_str().unwrap().to_owned();

    // An applicant cannot pay a counter method online, nor take money.
    let online = post_with_key(
        &stack,
        "/api/v1/payments",
        &applicant,
        "pay-1",
        &json!({"order_ids": [order_id], "method": "port_counter", "idempotency_key": "pay-1"}),
    )
    .await;
    assert_eq!(online.problem(400)["errors"][0]["field"], "method");
    let path = format!("/api/v1/payment/orders/{order_id}/counter-payments");
    let taken = |token: &str, key: &str, body: serde_json::Value| {
        let (stack, path, token, key) = (&stack, path.clone(), token.to_owned(), key.to_owned());
        async move { post_with_key(stack, &path, &token, &key, &body).await }
    };
    taken(
        &applicant,
        "take-0",
        json!({"method": "port_counter", "amount": {"minor_units": 20000, "currency": "CNY"}, "counter_receipt": "FJ-1"}),
    )
    .await
    .problem(403);

    // The counter finds the order by the receipt number and takes the money.
    let found = stack
        .get(
            &format!("/api/v1/counter/orders?receipt_number={receipt}"),
            &counter,
        )
        .await
        .ok();
    assert_eq!(found["orders"][0]["order_id"], order_id.as_str(), "{found}");
    let missing_amount = taken(
        &counter,
        "take-1",
        json!({"method": "port_counter", "counter_receipt": "FJ-1"}),
    )
    .await;
    assert_eq!(missing_amount.problem(400)["errors"][0]["field"], "amount");
    let paid = taken(
        &counter,
        "take-2",
        json!({"method": "port_counter", "amount": {"minor_units": 20000, "currency": "CNY"}, "counter_receipt": "FJ-1"}),
    )
    .await;
    assert_eq!(paid.status, 201, "{}", paid.text());
    assert_eq!(paid.json()["state"], "ORDER_STATE_PAID");
    assert_eq!(paid.json()["counter_receipt"], "FJ-1");

    // Intake hears of it: the case is paid.
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
    // The receipts list: by receipt number, and by payment date.
    let today = chrono::Utc::now().date_naive();
    let receipts = stack
        .get(
            &format!(
                "/api/v1/payment/orders?states=ORDER_STATE_PAID&receipt_number={receipt}&paid_from={today}&paid_to={today}"
            ),
            &applicant,
        )
        .await
        .ok();
    assert_eq!(
        receipts["orders"].as_array().unwrap().len(),
        1,
        "{receipts}"
    );
    let malformed = stack
        .get("/api/v1/payment/orders?paid_from=yesterday", &applicant)
        .await;
    assert_eq!(malformed.problem(400)["errors"][0]["field"], "paid_from");

    // The counter finishes production: the permit waits at the port.
    let produced = stack
        .post(
            &format!("/api/v1/counter/cases/{case_id}/production"),
            Some(&counter),
            json!({"permit_number": "T0000001"}),
        )
        .await;
    assert_eq!(produced.status, 200, "{}", produced.text());
    assert_eq!(produced.json()["state"], "CASE_STATE_READY_FOR_PICKUP");
    assert_eq!(produced.json()["lifecycle"]["permit_number"], "T0000001");
    // The applicant cannot say it was collected; a wrong card is named.
    let collection = format!("/api/v1/counter/cases/{case_id}/collection");
    stack
        .post(
            &collection,
            Some(&applicant),
            json!({"collector": {"kind": "holder", "id_number": "A123456789"}}),
        )
        .await
        .problem(403);
    let wrong = stack
        .post(
            &collection,
            Some(&counter),
            json!({"collector": {"kind": "proxy", "name": "陳父", "id_number": "Z1", "relationship": "父親", "pickup_card": "FJ0"}}),
        )
        .await;
    assert_eq!(
        wrong.problem(400)["errors"][0]["field"],
        "collector.pickup_card"
    );
    let collected = stack
        .post(
            &collection,
            Some(&counter),
            json!({"collector": {"kind": "proxy", "name": "陳父", "id_number": "Z1", "relationship": "父親", "pickup_card": receipt}}),
        )
        .await;
    assert_eq!(collected.status, 200, "{}", collected.text());
    assert_eq!(collected.json()["state"], "CASE_STATE_COLLECTED");
    stack.stop().await;
}

/// Fujian's notice: to change the port or the date, cancel and apply again.
/// The applicant cancels the approved case from its page, with a reason;
/// its order at the port is released.
#[tokio::test]
async fn an_approved_fj_case_is_cancelled_by_its_applicant_and_its_order_released() {
    use crate::portal::{error_summary, form, input_value, page};

    let stack = Stack::start(Services::ALL).await;
    let Approved {
        applicant, case_id, ..
    } = approved_fj_case(&stack).await;
    let on = &stack;
    let (as_applicant, case) = (applicant.as_str(), case_id.as_str());
    eventually("the order opens", move || async move {
        let listed = on.get("/api/v1/payment/orders", as_applicant).await.ok();
        (!listed["orders"].as_array()?.is_empty()).then_some(())
    })
    .await;
    let cookie = format!("__Host-laissez-session={applicant}");
    let case_page = format!("/portal/{FJ}/{FJ_PORTAL}/cases/{case_id}?lang=en");
    let html = page(&stack, &case_page, Some(&cookie), None).await.text();
    assert!(html.contains("id=\"cancel\""), "{html}");
    let cancel_path = format!("/portal/{FJ}/{FJ_PORTAL}/cases/{case_id}/cancel?lang=en");
    let shown = page(&stack, &cancel_path, Some(&cookie), None).await;
    assert_eq!(shown.status, 200, "{}", shown.text());
    let token = input_value(&shown.text(), "csrf_token");

    // No reason: named, nothing changes.
    let empty = form(
        &stack,
        &cancel_path,
        &cookie,
        &[("csrf_token", &token), ("reason", " ")],
    )
    .await;
    assert_eq!(empty.status, 422, "{}", empty.text());
    assert!(error_summary(&empty.text()).unwrap().contains("#reason"));
    let still = stack
        .get(&format!("/api/v1/cases/{case}"), &applicant)
        .await
        .ok();
    assert_eq!(still["state"], "CASE_STATE_AWAITING_PAYMENT");

    let done = form(
        &stack,
        &cancel_path,
        &cookie,
        &[("csrf_token", &token), ("reason", "改從廈門入境")],
    )
    .await;
    assert_eq!(done.status, 200, "{}", done.text());
    assert!(
        done.text().contains("Application cancelled"),
        "{}",
        done.text()
    );
    let cancelled = stack
        .get(&format!("/api/v1/cases/{case}"), &applicant)
        .await
        .ok();
    assert_eq!(cancelled["state"], "CASE_STATE_CANCELLED");
    eventually("the order is released", move || async move {
        let listed = on.get("/api/v1/payment/orders", as_applicant).await.ok();
        (listed["orders"][0]["state"] == "ORDER_STATE_CANCELLED").then_some(())
    })
    .await;
    // Sent again: the case can no longer be cancelled.
    let again = form(
        &stack,
        &cancel_path,
        &cookie,
        &[("csrf_token", &token), ("reason", "again")],
    )
    .await;
    assert_eq!(again.status, 409, "{}", again.text());
    stack.stop().await;
}
