//! The consulate's passport office in Macao (mo-csm), through the public
//! API only: a parent registers with a mainland mobile (activation by the
//! SMS code) and renews the passport of an 8-year-old child with the
//! guardian's papers; the reviewer returns it for a supplement, the parent
//! answers, it is approved; the parent books the consular hall, a typhoon
//! closes the hall that day and the booking moves to another day. That day
//! is brought ([`crate::calendar`]): the counter records the attendance,
//! then production, the fee paid at pickup by card, and the collection by
//! the parent as the child's proxy with the pickup slip.

use serde_json::{Value, json};

use crate::api::Call;
use crate::journeys::Outside;
use crate::outside::{eventually, photo, scan};
use crate::taiwan::mainland_id;

pub const MO_CSM: &str = "mo-csm";
pub const MO_CSM_PORTAL: &str = "consular-app";
const HALL: &str = "consular-hall";

/// The office's reviewer, administrator (closures) and counter.
pub struct MoCsmDesk {
    pub reviewer: String,
    pub admin: String,
    pub counter: String,
}

impl MoCsmDesk {
    pub async fn open(out: &Outside, operator: &str) -> MoCsmDesk {
        MoCsmDesk {
            reviewer: out
                .staff(operator, MO_CSM, "csm.reviewer", &["reviewer"])
                .await,
            admin: out
                .staff(operator, MO_CSM, "csm.admin", &["agency_admin"])
                .await,
            counter: out
                .staff(operator, MO_CSM, "csm.counter", &["counter"])
                .await,
        }
    }
}

#[derive(Debug)]
pub struct MoCsmOutcome {
    pub token: String,
    pub case_id: String,
    /// The booking before and after the typhoon closure.
    pub booked: Value,
    pub moved: Value,
    /// The collected case, as the parent sees it.
    pub collected: Value,
}

/// The journey; `typhoon` declares the closure of the booked day (a
/// benchmark that runs the journey again and again declares it once).
pub async fn mo_csm(out: &Outside, desk: &MoCsmDesk, typhoon: bool) -> MoCsmOutcome {
    let sequence = out.next();
    let mobile = format!("1391234{:04}", sequence % 10_000);
    out.register(
        MO_CSM,
        MO_CSM_PORTAL,
        &mobile,
        "LANGUAGE_ZH_HANS",
        json!({"login_id": mobile, "real_name_document": mainland_id(sequence)}),
    )
    .await;
    out.activate_by_sms(MO_CSM, MO_CSM_PORTAL, &mobile, &mobile)
        .await;
    let session = out.sign_in(MO_CSM, MO_CSM_PORTAL, &mobile).await;
    let token = session.as_str();

    // The child, under 16: the parent applies as guardian.
    let born = (chrono::Utc::now() - chrono::Duration::days(365 * 8 + 30))
        .format("%Y-%m-%d")
        .to_string();
    let child_number = mainland_id(500 + sequence);
    let child_id = out
        .create(
            Call::new("IdentityService.CreateApplicant")
                .token(token)
                .key(format!("child-{mobile}"))
                .body(json!({
                    "relationship": "RELATIONSHIP_CHILD",
                    "guardian": true,
                    "document_type": "cn_resident_id",
                    "document_number": child_number,
                    "valid_long_term": true,
                    "valid_from": "2020-01-01",
                    "surname": "李",
                    "given_name": "小龍",
                    "date_of_birth": born,
                })),
            "applicant_id",
        )
        .await;
    let case_id = out
        .start_case(
            token,
            "passport_renewal",
            "2024-01",
            json!({"applicant_id": child_id}),
        )
        .await;
    out.upload(token, &case_id, "photo", photo()).await;
    for requirement in [
        "current_passport",
        "macao_residence_document",
        "guardian_consent",
        "guardianship_proof",
        "guardian_travel_document",
    ] {
        out.upload(token, &case_id, requirement, scan()).await;
    }
    let signature = out.upload(token, &case_id, "signature", scan()).await;
    let expires = (chrono::Utc::now() + chrono::Duration::days(180))
        .format("%Y-%m-%d")
        .to_string();
    let answers = json!({
        "residence_status": "long_term_resident",
        "holds_permanent_id": false,
        "urgent_reason": "none",
        "passport_expires_on": expires,
        "blank_visa_pages": 10,
        "chinese_name_changed": false,
        "chinese_name": "李小龍",
        "pinyin_name": "LI XIAOLONG",
        "date_of_birth": born,
        "mainland_id_number": child_number,
        "address": "澳門氹仔孫逸仙大馬路1號",
        "emergency_contact_phone": mobile,
        "signed_by": "guardian",
        "signature": signature,
    });
    out.save_draft(token, &case_id, &answers, false).await;
    let receipt = out.submit(token, &case_id).await;

    // Returned for a supplement, answered, approved.
    out.claim_and_decide(
        &desk.reviewer,
        "passport_renewal",
        &case_id,
        "DECISION_RETURNED_FOR_SUPPLEMENT",
        "請補交監護人同意書正本掃描。",
    )
    .await;
    let returned = out
        .case_reaches(token, &case_id, "CASE_STATE_RETURNED_FOR_SUPPLEMENT")
        .await;
    assert_eq!(
        returned["returns"][0]["reviewer_comment"],
        "請補交監護人同意書正本掃描。"
    );
    out.upload(token, &case_id, "guardian_consent", scan())
        .await;
    let resubmitted = out
        .send(
            Call::new("IntakeService.Resubmit")
                .param("case_id", &case_id)
                .token(token)
                .key(format!("resubmit-{case_id}"))
                .body(json!({"reply": "已補交同意書。"})),
        )
        .await;
    assert_eq!(resubmitted.status, 201, "{}", resubmitted.text());
    out.claim_and_decide(
        &desk.reviewer,
        "passport_renewal",
        &case_id,
        "DECISION_APPROVED",
        "資料齊全。",
    )
    .await;
    out.case_reaches(token, &case_id, "CASE_STATE_AWAITING_APPOINTMENT")
        .await;

    // The parent books the hall; a typhoon closes it that day.
    let slots = out.free_slots(token, HALL, 21).await;
    let booked = out
        .send(
            Call::new("AppointmentService.BookAppointment")
                .param("case_id", &case_id)
                .token(token)
                .key(format!("book-{case_id}"))
                .body(json!({"centre": HALL, "starts_at": slots[0]["starts_at"]})),
        )
        .await;
    assert_eq!(booked.status, 201, "{}", booked.text());
    let booked = booked.json();
    out.case_reaches(token, &case_id, "CASE_STATE_APPOINTMENT_BOOKED")
        .await;
    let day = booked["date"].as_str().expect("a booked day").to_owned();
    let moved = if typhoon {
        let closed = out
            .send(
                Call::new("AppointmentService.DeclareClosure")
                    .token(&desk.admin)
                    .key(format!("typhoon-{day}"))
                    .body(json!({
                        "centre": HALL, "starts_on": day, "ends_on": day,
                        "reason": "八號風球：當日服務暫停。",
                    })),
            )
            .await;
        assert!(closed.status.is_success(), "{}", closed.text());
        eventually("the booking moves off the closed day", 120, || async {
            let mine = out
                .send(
                    Call::new("AppointmentService.GetAppointment")
                        .param("case_id", &case_id)
                        .token(token),
                )
                .await
                .ok();
            (mine["date"].as_str().is_some_and(|date| date != day) && mine["state"] == "booked")
                .then_some(mine)
        })
        .await
    } else {
        booked.clone()
    };

    // The booked day comes (the one step not taken from outside), and the
    // counter goes on: attendance, production, the fee at pickup, collection.
    let starts_at = moved["starts_at"].as_str().expect("a booked time");
    out.calendar
        .bring_day(MO_CSM, HALL, starts_at, "Asia/Macau")
        .await
        .expect("the booked day comes");
    let attended = out
        .send(
            Call::new("AppointmentService.RecordAttendance")
                .param("case_id", &case_id)
                .token(&desk.counter)
                .body(json!({"attended": true})),
        )
        .await;
    assert!(attended.status.is_success(), "{}", attended.text());
    out.case_reaches(token, &case_id, "CASE_STATE_IN_PRODUCTION")
        .await;
    let passport = format!("E{:08}", 10_000_000 + sequence);
    out.at_counter(
        &desk.counter,
        "IntakeService.CompleteProduction",
        &case_id,
        json!({"permit_number": passport}),
    )
    .await;
    // Paid at pickup (by card; no cash), the order opened when made.
    out.case_reaches(token, &case_id, "CASE_STATE_AWAITING_PAYMENT")
        .await;
    let order = out.order_at_counter(&desk.counter, &receipt).await;
    let order_id = order["order_id"].as_str().expect("an order id");
    // The tariff is not published (seed 001): the order has no total, and
    // the cashier records the amount the card was charged.
    let taken = if order["total"].is_object() {
        order["total"].clone()
    } else {
        json!({"minor_units": 22000, "currency": order["currency"]})
    };
    out.pay_at_counter(
        &desk.counter,
        order_id,
        "counter_card",
        &taken,
        &format!("CSM-{receipt}"),
    )
    .await;
    out.case_reaches(token, &case_id, "CASE_STATE_READY_FOR_PICKUP")
        .await;
    let collected = out
        .collect_by_proxy(
            &desk.counter,
            token,
            &case_id,
            ("李大龍", &mainland_id(sequence), "父"),
            &receipt,
        )
        .await;
    assert_eq!(
        collected["lifecycle"]["permit_number"],
        passport.as_str(),
        "{collected}"
    );
    assert_eq!(
        collected["lifecycle"]["collected_by"]["kind"], "proxy",
        "{collected}"
    );
    MoCsmOutcome {
        token: session,
        case_id,
        booked,
        moved,
        collected,
    }
}
