//! CTS Macau's home return permit (mo-cts), through the public API only:
//! registration activated by the SMS code, a first application lodged at
//! the counter with its fee paid there (the fee comes before review), not
//! approved by the reviewer, and the fee refunded without anyone asking.

use serde_json::{Value, json};

use crate::api::Call;
use crate::journeys::Outside;
use crate::outside::{eventually, photo, scan};

pub const MO_CTS: &str = "mo-cts";
pub const MO_CTS_PORTAL: &str = "mo-residents";

/// The agency's reviewer and counter.
pub struct MoCtsDesk {
    pub reviewer: String,
    pub counter: String,
}

impl MoCtsDesk {
    pub async fn open(out: &Outside, operator: &str) -> MoCtsDesk {
        MoCtsDesk {
            reviewer: out
                .staff(operator, MO_CTS, "mocts.reviewer", &["reviewer"])
                .await,
            counter: out
                .staff(operator, MO_CTS, "mocts.counter", &["counter"])
                .await,
        }
    }
}

/// The refused case and its refunded order.
#[derive(Debug)]
pub struct MoCtsOutcome {
    pub token: String,
    pub case_id: String,
    pub order: Value,
}

pub async fn mo_cts(out: &Outside, desk: &MoCtsDesk) -> MoCtsOutcome {
    let sequence = out.next();
    let email = format!("resident{sequence}@example.mo");
    let mobile = format!("66{:06}", 100_000 + sequence);
    out.register(
        MO_CTS,
        MO_CTS_PORTAL,
        &email,
        "LANGUAGE_ZH_HANT",
        json!({"email": email, "mobile": mobile}),
    )
    .await;
    out.activate_by_sms(MO_CTS, MO_CTS_PORTAL, &email, &mobile)
        .await;
    let session = out.sign_in(MO_CTS, MO_CTS_PORTAL, &email).await;
    let token = session.as_str();

    // A first application: no permit to look up.
    let case_id = out
        .start_case(
            token,
            "home_return_permit",
            "2007-12",
            json!({"applicant": {"date_of_birth": "1990-01-01", "name": "陳大文",
                                 "document_number": "1234567(8)"}}),
        )
        .await;
    out.upload(token, &case_id, "photos", photo()).await;
    out.upload(token, &case_id, "macao_identity_card", scan())
        .await;
    out.upload(token, &case_id, "travel_document", scan()).await;
    let signature = out.upload(token, &case_id, "signature", scan()).await;
    let answers = json!({
        "eligibility_class": "born_in_macao",
        "reason": "first",
        "macao_identity_card": "1234567(8)",
        "signature": signature,
    });
    out.save_draft(token, &case_id, &answers, false).await;
    let receipt = out.submit(token, &case_id).await;
    out.case_reaches(token, &case_id, "CASE_STATE_AWAITING_PAYMENT")
        .await;

    // Lodged at the counter: the fee is paid there, then review begins.
    let order = out.order_at_counter(&desk.counter, &receipt).await;
    let order_id = order["order_id"].as_str().expect("an order").to_owned();
    assert!(order["total"].is_object(), "a priced order: {order}");
    out.pay_at_counter(
        &desk.counter,
        &order_id,
        "counter",
        &order["total"],
        &format!("CTS-{receipt}"),
    )
    .await;

    // Review: not approved.
    out.claim_and_decide(
        &desk.reviewer,
        "home_return_permit",
        &case_id,
        "DECISION_NOT_APPROVED",
        "不符合申辦資格。",
    )
    .await;
    out.case_reaches(token, &case_id, "CASE_STATE_NOT_APPROVED")
        .await;

    // The fee comes back by itself.
    let order = eventually("the fee is refunded", 120, || async {
        let order = out
            .send(
                Call::new("PaymentService.GetOrder")
                    .param("order_id", &order_id)
                    .token(token),
            )
            .await
            .ok();
        (order["state"] == "ORDER_STATE_REFUNDED").then_some(order)
    })
    .await;
    MoCtsOutcome {
        token: session,
        case_id,
        order,
    }
}
