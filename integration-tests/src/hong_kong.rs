//! CTS Hong Kong's home return permit (hk-cts), through the public API
//! only: a parent registers (activation by the e-mailed link, captcha
//! sign-in) and applies for a 12-year-old child, booking the centre's
//! slot first, express, with courier delivery; the child's express fee
//! plus the courier is taken at the centre, and the permit is dispatched
//! and delivered.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::api::Call;
use crate::journeys::{Outside, PASSWORD};
use crate::outside::{eventually, photo_354x472, scan};

pub const HK: &str = "hk-cts";
pub const HK_PORTAL: &str = "hk-residents";
const CENTRE: &str = "hk-island";
/// A child's express first permit (HK$540) and the courier (HK$50), in cents.
pub const CHILD_EXPRESS_COURIER_CENTS: i64 = 54_000 + 5_000;

/// The agency's reviewer and centre counter.
pub struct HkDesk {
    pub reviewer: String,
    pub counter: String,
}

impl HkDesk {
    pub async fn open(out: &Outside, operator: &str) -> HkDesk {
        HkDesk {
            reviewer: out.staff(operator, HK, "hk.reviewer", &["reviewer"]).await,
            counter: out.staff(operator, HK, "hk.counter", &["counter"]).await,
        }
    }
}

#[derive(Debug)]
pub struct HkOutcome {
    pub token: String,
    pub case_id: String,
    pub order: Value,
}

/// Minor units of a money value as JSON (proto3 writes int64 as a string).
pub fn minor_units(money: &Value) -> i64 {
    money["minor_units"]
        .as_str()
        .and_then(|units| units.parse().ok())
        .or_else(|| money["minor_units"].as_i64())
        .unwrap_or_default()
}

pub async fn hk_cts(out: &Outside, desk: &HkDesk) -> HkOutcome {
    let sequence = out.next();
    let email = format!("hk.parent{sequence}@example.hk");
    let registered = out
        .send(
            Call::new("IdentityService.Register")
                .param("agency", HK)
                .param("portal", HK_PORTAL)
                .key(format!("register-{email}"))
                .body(json!({
                    "login_name": email,
                    "password": PASSWORD,
                    "password_confirmation": PASSWORD,
                    "language": "LANGUAGE_EN",
                    "fields": {"email": email, "mobile": format!("+852 9123{:04}", sequence % 10_000)},
                })),
        )
        .await;
    assert_eq!(registered.status, 201, "{}", registered.text());
    let link = out.mail.token_for(&email, "token=").await;
    out.send(
        Call::new("IdentityService.Activate")
            .param("agency", HK)
            .param("portal", HK_PORTAL)
            .body(json!({"token": link})),
    )
    .await
    .ok();
    let session = out
        .sign_in_with_captcha(HK, HK_PORTAL, &email, PASSWORD, "")
        .await
        .ok()["session_token"]
        .as_str()
        .expect("a session")
        .to_owned();
    let token = session.as_str();

    // The child, as a managed applicant of the parent's account.
    let born = (chrono::Utc::now() - chrono::Duration::days(365 * 12 + 30))
        .format("%Y-%m-%d")
        .to_string();
    let child = out
        .send(
            Call::new("IdentityService.CreateApplicant")
                .token(token)
                .key(format!("child-{email}"))
                .body(json!({
                    "relationship": "RELATIONSHIP_CHILD",
                    "guardian": true,
                    "document_type": "hk_id_card",
                    "document_number": "A123456(3)",
                    "valid_long_term": true,
                    "valid_from": "2020-01-01",
                    "surname": "陳",
                    "given_name": "小明",
                    "date_of_birth": born,
                })),
        )
        .await;
    assert_eq!(child.status, 201, "{}", child.text());
    let child_id = child.json()["applicant_id"]
        .as_str()
        .expect("an applicant id")
        .to_owned();
    let started = out
        .send(
            Call::new("IntakeService.StartApplication")
                .token(token)
                .key(format!("start-{child_id}"))
                .body(json!({
                    "application_type": "home_return_permit",
                    "notice_version": "2024-07-10",
                    "notice_accepted": true,
                    "applicant_id": child_id,
                })),
        )
        .await;
    assert_eq!(started.status, 201, "{}", started.text());
    let case_id = started.json()["case_id"]
        .as_str()
        .expect("a case id")
        .to_owned();

    // Booking first: a slot at the centre, held then booked.
    let today = chrono::Utc::now().date_naive();
    let slots = eventually("free slots at the centre", 60, || async {
        let found = out
            .send(
                Call::new("AppointmentService.SearchSlots")
                    .param("centre", CENTRE)
                    .query("from_date", (today + chrono::Days::new(1)).to_string())
                    .query("to_date", (today + chrono::Days::new(14)).to_string())
                    .query("only_free", "true")
                    .token(token),
            )
            .await
            .ok();
        let slots = found["slots"].as_array()?.clone();
        (!slots.is_empty()).then_some(slots)
    })
    .await;
    let hold = out
        .send(
            Call::new("AppointmentService.HoldSlot")
                .param("case_id", &case_id)
                .token(token)
                .key(format!("hold-{case_id}"))
                .body(json!({"centre": CENTRE, "starts_at": slots[0]["starts_at"]})),
        )
        .await;
    assert_eq!(hold.status, 201, "{}", hold.text());
    let hold_id = hold.json()["booking_id"]
        .as_str()
        .expect("a hold")
        .to_owned();
    let booked = out
        .send(
            Call::new("AppointmentService.BookAppointment")
                .param("case_id", &case_id)
                .token(token)
                .key(format!("book-{case_id}"))
                .body(json!({"hold_id": hold_id})),
        )
        .await;
    assert_eq!(booked.status, 201, "{}", booked.text());

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
    let photo_id = upload("photo", photo_354x472()).await;
    for requirement in [
        "hk_identity_card",
        "parent_chinese_document",
        "guardian_relationship_proof",
        "guardian_identity",
        "photo_check_receipt",
    ] {
        upload(requirement, scan()).await;
    }
    let answers = json!({
        "nationality_class": "chinese",
        "reason": "first",
        "has_hk_identity_card": true,
        "has_hksar_passport": false,
        "chinese_name": "陳小明",
        "english_name": "CHAN SIU MING",
        "date_of_birth": born,
        "hk_identity_card": "A123456(3)",
        "mobile": "91234567",
        "email": email,
        "address": "1 Tai Po Road, Sha Tin",
        "photo": photo_id,
        "delivery": "courier",
        "delivery_address": "1 Tai Po Road, Sha Tin",
    });
    let saved = out
        .send(
            Call::new("IntakeService.SaveDraft")
                .param("case_id", &case_id)
                .token(token)
                .body(json!({"answers_json": answers.to_string(), "express": true})),
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

    // Review approves; the centre takes the child's express fee and the
    // courier.
    eventually("the case is claimed", 120, || async {
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
                .body(json!({"decision": "DECISION_APPROVED", "comment": "In order."})),
        )
        .await;
    assert!(decided.status.is_success(), "{}", decided.text());
    out.case_reaches(token, &case_id, "CASE_STATE_AWAITING_PAYMENT")
        .await;
    let order = eventually("the order", 120, || async {
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
    assert_eq!(
        minor_units(&order["total"]),
        CHILD_EXPRESS_COURIER_CENTS,
        "the child's express fee and the courier: {order}"
    );
    let order_id = order["order_id"].as_str().expect("an order").to_owned();
    let paid = out
        .send(
            Call::new("PaymentService.RecordCounterPayment")
                .param("order_id", &order_id)
                .token(&desk.counter)
                .key(format!("take-{order_id}"))
                .body(json!({
                    "method": "counter",
                    "amount": order["total"],
                    "counter_receipt": format!("HK-{receipt}"),
                })),
        )
        .await;
    assert_eq!(paid.status, 201, "{}", paid.text());
    out.case_reaches(token, &case_id, "CASE_STATE_IN_PRODUCTION")
        .await;

    // Made, sent by courier, delivered.
    let counter_call = |operation: &'static str, body: Value| {
        let case_id = case_id.clone();
        async move {
            let answer = out
                .send(
                    Call::new(operation)
                        .param("case_id", &case_id)
                        .token(&desk.counter)
                        .body(body),
                )
                .await;
            assert!(answer.status.is_success(), "{operation}: {}", answer.text());
        }
    };
    counter_call(
        "IntakeService.CompleteProduction",
        json!({"permit_number": format!("H{:08}", 10_000_000 + sequence)}),
    )
    .await;
    out.case_reaches(token, &case_id, "CASE_STATE_AWAITING_DISPATCH")
        .await;
    counter_call(
        "IntakeService.RecordDispatch",
        json!({"tracking_number": format!("EC{sequence:09}HK")}),
    )
    .await;
    out.case_reaches(token, &case_id, "CASE_STATE_DISPATCHED")
        .await;
    counter_call("IntakeService.RecordDelivery", json!({})).await;
    out.case_reaches(token, &case_id, "CASE_STATE_DELIVERED")
        .await;
    let order = out
        .send(
            Call::new("PaymentService.GetOrder")
                .param("order_id", &order_id)
                .token(token),
        )
        .await
        .ok();
    HkOutcome {
        token: session,
        case_id,
        order,
    }
}
