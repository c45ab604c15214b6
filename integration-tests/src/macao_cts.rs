//! CTS Macau's home return permit (mo-cts), through the public API only:
//! registration activated by the SMS code, a first application lodged at
//! the counter with its fee paid there (the fee comes before review), not
//! approved by the reviewer, and the fee refunded without anyone asking.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::api::Call;
use crate::journeys::{Outside, PASSWORD};
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
    let registered = out
        .send(
            Call::new("IdentityService.Register")
                .param("agency", MO_CTS)
                .param("portal", MO_CTS_PORTAL)
                .key(format!("register-{email}"))
                .body(json!({
                    "login_name": email,
                    "password": PASSWORD,
                    "password_confirmation": PASSWORD,
                    "language": "LANGUAGE_ZH_HANT",
                    "fields": {"email": email, "mobile": mobile},
                })),
        )
        .await;
    assert_eq!(registered.status, 201, "{}", registered.text());
    let code = out.phones.code_for(&mobile).await;
    out.send(
        Call::new("IdentityService.Activate")
            .param("agency", MO_CTS)
            .param("portal", MO_CTS_PORTAL)
            .body(json!({"login_name": email, "sms_code": code})),
    )
    .await
    .ok();
    let session = out
        .send(
            Call::new("IdentityService.Login")
                .param("agency", MO_CTS)
                .param("portal", MO_CTS_PORTAL)
                .body(json!({"login_name": email, "password": PASSWORD})),
        )
        .await
        .ok()["session_token"]
        .as_str()
        .expect("a session")
        .to_owned();
    let token = session.as_str();

    // A first application: no permit to look up.
    let started = out
        .send(
            Call::new("IntakeService.StartApplication")
                .token(token)
                .key(format!("start-{email}"))
                .body(json!({
                    "application_type": "home_return_permit",
                    "notice_version": "2007-12",
                    "notice_accepted": true,
                    "applicant": {"date_of_birth": "1990-01-01", "name": "陳大文",
                                  "document_number": "1234567(8)"},
                })),
        )
        .await;
    assert_eq!(started.status, 201, "{}", started.text());
    let case_id = started.json()["case_id"]
        .as_str()
        .expect("a case id")
        .to_owned();
    let upload = |requirement: &'static str, content: Vec<u8>| {
        let case_id = case_id.clone();
        async move {
            let answer = out
                .api
                .upload(
                    Call::new("IntakeService.UploadDocument")
                        .param("case_id", &case_id)
                        .query("requirement", requirement)
                        .query("file_name", format!("{requirement}.png"))
                        .token(token),
                    "image/png",
                    content,
                )
                .await;
            assert_eq!(answer.status, 201, "{requirement}: {}", answer.text());
            answer.json()["document_id"]
                .as_str()
                .expect("a document id")
                .to_owned()
        }
    };
    upload("photos", photo()).await;
    upload("macao_identity_card", scan()).await;
    upload("travel_document", scan()).await;
    let signature = upload("signature", scan()).await;
    let saved = out
        .send(
            Call::new("IntakeService.SaveDraft")
                .param("case_id", &case_id)
                .token(token)
                .body(json!({"answers_json": json!({
                    "eligibility_class": "born_in_macao",
                    "reason": "first",
                    "macao_identity_card": "1234567(8)",
                    "signature": signature,
                }).to_string()})),
        )
        .await;
    assert!(saved.status.is_success(), "{}", saved.text());
    let submitted = out
        .send(
            Call::new("IntakeService.Submit")
                .token(token)
                .key(format!("submit-{case_id}"))
                .body(json!({"case_ids": [case_id]})),
        )
        .await;
    assert_eq!(submitted.status, 201, "{}", submitted.text());
    let receipt = submitted.json()["cases"][0]["receipt_number"]
        .as_str()
        .expect("a receipt number")
        .to_owned();
    out.case_reaches(token, &case_id, "CASE_STATE_AWAITING_PAYMENT")
        .await;

    // Lodged at the counter: the fee is paid there, then review begins.
    let order = eventually("the lodging fee's order", 120, || async {
        let found = out
            .send(
                Call::new("PaymentService.FindOrders")
                    .query("receipt_number", receipt.clone())
                    .token(&desk.counter),
            )
            .await;
        found.status.is_success().then(|| found.json())?["orders"]
            .as_array()?
            .first()
            .cloned()
    })
    .await;
    let order_id = order["order_id"].as_str().expect("an order").to_owned();
    assert!(order["total"].is_object(), "a priced order: {order}");
    let paid = out
        .send(
            Call::new("PaymentService.RecordCounterPayment")
                .param("order_id", &order_id)
                .token(&desk.counter)
                .key(format!("take-{order_id}"))
                .body(json!({
                    "method": "counter",
                    "amount": order["total"],
                    "counter_receipt": format!("CTS-{receipt}"),
                })),
        )
        .await;
    assert_eq!(paid.status, 201, "{}", paid.text());

    // Review: not approved.
    eventually("the lodged case is claimed", 120, || async {
        let claim = out
            .send(
                Call::new("ReviewService.ClaimNext")
                    .token(&desk.reviewer)
                    .key(format!("claim-{}", uuid::Uuid::new_v4()))
                    .body(json!({"application_type": "home_return_permit"})),
            )
            .await;
        (claim.status == StatusCode::CREATED && claim.json()["case_id"] == case_id.as_str())
            .then_some(())
    })
    .await;
    let decided = out
        .send(
            Call::new("ReviewService.Decide")
                .param("case_id", &case_id)
                .token(&desk.reviewer)
                .key(format!("decide-{case_id}"))
                .body(json!({"decision": "DECISION_NOT_APPROVED", "comment": "不符合申辦資格。"})),
        )
        .await;
    assert!(decided.status.is_success(), "{}", decided.text());
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
