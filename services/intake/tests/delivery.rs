//! Courier delivery (hk-cts, +HK$50): the delivery answer picks the
//! workflow's hand-over stage. A courier case is paid with the courier fee's
//! answer, made, waits for dispatch with the address the applicant gave,
//! is dispatched with a tracking number and delivered; a pickup case of the
//! same type goes to pickup instead. Staff actions refuse bad input, the
//! wrong role, the wrong state and other agencies, and change nothing then.

mod support;

use laissez_intake::domain::State;
use laissez_intake::events::decisions::Outcome;
use laissez_kit::Role;
use laissez_proto::events::v1::{CaseProgressed, Decision, PaymentRequested};
use laissez_proto::intake::v1::*;
use support::after_approval::*;
use support::booking::{HK, hk};
use support::*;
use tonic::Code;

/// An hk-cts home return permit case as review finds it, with `answers`:
/// the form and its documents are the wizard's tests' subject, so the
/// draft is put under review directly.
async fn under_review(intake: &Intake, who: &As, answers: serde_json::Value) -> String {
    let id = case_in(
        intake,
        who,
        "home_return_permit",
        "2024-07-10",
        applicant("CHAN TAI MAN", "A1234563"),
        "under_review",
    )
    .await;
    sqlx::query("UPDATE cases SET answers = $2 WHERE id = $1::uuid")
        .bind(&id)
        .bind(answers)
        .execute(&intake.database.pool)
        .await
        .unwrap();
    id
}

#[tokio::test]
async fn a_courier_case_is_paid_with_its_fee_made_dispatched_and_delivered() {
    let intake = start("delivery_hk").await;
    let who = hk("delivery-1");
    let counter = As::staff(HK, Role::Counter);
    let address = "Flat 3, 1 Queen's Road Central, Hong Kong";
    let id = under_review(
        &intake,
        &who,
        serde_json::json!({"reason": "renewal", "delivery": "courier", "delivery_address": address}),
    )
    .await;
    let id = id.as_str();

    assert_eq!(
        intake.decide(HK, id, Decision::Approved, "").await,
        Outcome::Applied(State::AwaitingPayment)
    );
    // Payment prices the courier: the delivery answer travels with the
    // answers the fee reads, and names the option.
    let requested: PaymentRequested =
        outbox_event(&intake, "intake.case.payment_requested", id).await;
    assert_eq!(requested.delivery, "courier");
    let fee_answers: serde_json::Value = serde_json::from_str(&requested.fee_answers_json).unwrap();
    assert_eq!(fee_answers["delivery"], "courier", "{fee_answers}");
    assert!(
        fee_answers.get("delivery_address").is_none(),
        "{fee_answers}"
    );

    pay(&intake, HK, "order-courier", &[id]).await;
    assert_eq!(
        intake.get(&who, id).await.unwrap().state(),
        CaseState::InProduction
    );
    // Dispatch before the document is made is refused.
    let early = dispatch(&intake, &counter, id, "EE123456789HK")
        .await
        .unwrap_err();
    assert_eq!(early.code(), Code::FailedPrecondition, "{early:?}");

    // Made: the case waits for dispatch (not pickup), with the address.
    let made = complete_production(&intake, &counter, id, "")
        .await
        .unwrap();
    assert_eq!(made.state(), CaseState::AwaitingDispatch);
    let lifecycle = made.lifecycle.clone().unwrap();
    assert_eq!(lifecycle.delivery_address, address);
    assert_eq!(lifecycle.tracking_number, "");
    let states: Vec<_> = made.history.iter().map(|change| change.to()).collect();
    assert!(!states.contains(&CaseState::ReadyForPickup), "{states:?}");

    // Bad tracking numbers, the wrong role, another agency and delivery
    // before dispatch are refused and change nothing.
    for hostile in ["", "   ", "<script>", &"9".repeat(41)] {
        let refused = dispatch(&intake, &counter, id, hostile).await.unwrap_err();
        assert_eq!(refused.code(), Code::InvalidArgument, "{hostile:?}");
        assert_eq!(field_errors(&refused)[0].0, "tracking_number");
    }
    let applicant_tries = dispatch(&intake, &who, id, "EE123456789HK")
        .await
        .unwrap_err();
    assert_eq!(applicant_tries.code(), Code::PermissionDenied);
    let elsewhere = dispatch(&intake, &As::staff(FJ, Role::Counter), id, "EE123456789HK")
        .await
        .unwrap_err();
    assert_eq!(elsewhere.code(), Code::NotFound);
    let too_soon = deliver(&intake, &counter, id).await.unwrap_err();
    assert_eq!(too_soon.code(), Code::FailedPrecondition);
    assert_eq!(
        intake.get(&who, id).await.unwrap().state(),
        CaseState::AwaitingDispatch
    );

    // Dispatched: the applicant sees the tracking number, notify hears it.
    let sent = dispatch(&intake, &counter, id, " ee123456789hk ")
        .await
        .unwrap();
    assert_eq!(sent.state(), CaseState::Dispatched);
    let seen = intake.get(&who, id).await.unwrap();
    let lifecycle = seen.lifecycle.unwrap();
    assert_eq!(lifecycle.tracking_number, "EE123456789HK");
    assert!(lifecycle.dispatched_at.is_some());
    let progressed: Vec<CaseProgressed> =
        outbox_events(&intake, "intake.case.progressed", id).await;
    let announced = progressed
        .iter()
        .find(|event| event.state == "dispatched")
        .expect("dispatch is announced");
    assert_eq!(announced.tracking_number, "EE123456789HK");
    assert!(
        progressed
            .iter()
            .any(|event| event.state == "awaiting_dispatch")
    );
    // A second dispatch (a double click) is refused.
    let again = dispatch(&intake, &counter, id, "EE000000000HK")
        .await
        .unwrap_err();
    assert_eq!(again.code(), Code::FailedPrecondition);

    let delivered = deliver(&intake, &counter, id).await.unwrap();
    assert_eq!(delivered.state(), CaseState::Delivered);
    assert!(delivered.lifecycle.unwrap().delivered_at.is_some());
    let last = delivered.history.last().unwrap();
    assert_eq!(last.to(), CaseState::Delivered);
    assert_eq!(
        deliver(&intake, &counter, id).await.unwrap_err().code(),
        Code::FailedPrecondition
    );
    // The tracking number is kept as dispatched.
    let lifecycle = intake.get(&who, id).await.unwrap().lifecycle.unwrap();
    assert_eq!(lifecycle.tracking_number, "EE123456789HK");
    intake.stop().await;
}

#[tokio::test]
async fn a_pickup_case_of_the_same_type_goes_to_pickup() {
    let intake = start("delivery_pickup").await;
    let who = hk("delivery-2");
    let counter = As::staff(HK, Role::Counter);
    let id = under_review(
        &intake,
        &who,
        serde_json::json!({"reason": "renewal", "delivery": "pickup"}),
    )
    .await;
    intake.decide(HK, &id, Decision::Approved, "").await;
    let requested: PaymentRequested =
        outbox_event(&intake, "intake.case.payment_requested", &id).await;
    assert_eq!(requested.delivery, "pickup");
    pay(&intake, HK, "order-pickup", &[&id]).await;
    let made = complete_production(&intake, &counter, &id, "")
        .await
        .unwrap();
    assert_eq!(made.state(), CaseState::ReadyForPickup);
    assert_eq!(made.lifecycle.unwrap().delivery_address, "");
    let refused = dispatch(&intake, &counter, &id, "EE123456789HK")
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::FailedPrecondition);
    intake.stop().await;
}
