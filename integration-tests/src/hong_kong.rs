//! CTS Hong Kong's home return permit (hk-cts), through the public API
//! only: a parent registers (activation by the e-mailed link, captcha
//! sign-in) and applies for a 12-year-old child, booking the centre's
//! slot first, express, with courier delivery; the child's express fee
//! plus the courier is taken at the centre, and the permit is dispatched
//! and delivered.

use serde_json::{Value, json};

use crate::api::Call;
use crate::journeys::{Outside, PASSWORD};
use crate::outside::{photo_354x472, scan};

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
    out.register(
        HK,
        HK_PORTAL,
        &email,
        "LANGUAGE_EN",
        json!({"email": email, "mobile": format!("+852 9123{:04}", sequence % 10_000)}),
    )
    .await;
    out.activate_by_mail(HK, HK_PORTAL, &email).await;
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
    let child_id = out
        .create(
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
            "applicant_id",
        )
        .await;
    let case_id = out
        .start_case(
            token,
            "home_return_permit",
            "2024-07-10",
            json!({"applicant_id": child_id}),
        )
        .await;

    // Booking first: a slot at the centre, held then booked.
    let slots = out.free_slots(token, CENTRE, 14).await;
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

    let photo_id = out.upload(token, &case_id, "photo", photo_354x472()).await;
    for requirement in [
        "hk_identity_card",
        "parent_chinese_document",
        "guardian_relationship_proof",
        "guardian_identity",
        "photo_check_receipt",
    ] {
        out.upload(token, &case_id, requirement, scan()).await;
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
    out.save_draft(token, &case_id, &answers, true).await;
    let receipt = out.submit(token, &case_id).await;

    // Review approves; the centre takes the child's express fee and the
    // courier.
    out.claim_and_decide(
        &desk.reviewer,
        "home_return_permit",
        &case_id,
        "DECISION_APPROVED",
        "In order.",
    )
    .await;
    out.case_reaches(token, &case_id, "CASE_STATE_AWAITING_PAYMENT")
        .await;
    let order = out.order_at_counter(&desk.counter, &receipt).await;
    assert_eq!(
        minor_units(&order["total"]),
        CHILD_EXPRESS_COURIER_CENTS,
        "the child's express fee and the courier: {order}"
    );
    let order_id = order["order_id"].as_str().expect("an order").to_owned();
    out.pay_at_counter(
        &desk.counter,
        &order_id,
        "counter",
        &order["total"],
        &format!("HK-{receipt}"),
    )
    .await;
    out.case_reaches(token, &case_id, "CASE_STATE_IN_PRODUCTION")
        .await;

    // Made, sent by courier, delivered.
    let counter = desk.counter.as_str();
    out.at_counter(
        counter,
        "IntakeService.CompleteProduction",
        &case_id,
        json!({"permit_number": format!("H{:08}", 10_000_000 + sequence)}),
    )
    .await;
    out.case_reaches(token, &case_id, "CASE_STATE_AWAITING_DISPATCH")
        .await;
    out.at_counter(
        counter,
        "IntakeService.RecordDispatch",
        &case_id,
        json!({"tracking_number": format!("EC{sequence:09}HK")}),
    )
    .await;
    out.case_reaches(token, &case_id, "CASE_STATE_DISPATCHED")
        .await;
    out.at_counter(counter, "IntakeService.RecordDelivery", &case_id, json!({}))
        .await;
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
