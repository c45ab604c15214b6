//! A workflow that takes the fee when the case is lodged (mo-cts: payment,
//! review, production, pickup): the submitted case waits for its fee,
//! review hears of it only once it is paid, and a second delivery of the
//! payment changes nothing. Its refund when not approved is payment's
//! (`payments.rs`).

mod support;

use laissez_intake::domain::State;
use laissez_intake::events::decisions::Outcome;
use laissez_intake::events::payments::Outcome as Paid;
use laissez_proto::events::v1::{CaseSubmitted, Decision, PaymentRequested};
use laissez_proto::intake::v1::*;
use support::after_approval::*;
use support::*;

const CTS: &str = "mo-cts";

/// An adult born in Macao applying for a first permit, every answer and
/// document given.
async fn complete_first_application(intake: &Intake, who: &As) -> Case {
    let case = intake
        .client
        .clone()
        .start_application(intake.request(
            who,
            StartApplicationRequest {
                application_type: "home_return_permit".into(),
                notice_version: "2007-12".into(),
                notice_accepted: true,
                applicant: Some(ApplicantData {
                    name: "陳大文".into(),
                    date_of_birth: "1990-01-01".into(),
                    relationship: "self".into(),
                    document_number: "1234567(8)".into(),
                    contact_email: "resident@example.org".into(),
                    language: 1,
                    ..Default::default()
                }),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    let id = case.case_id.as_str();
    for requirement in ["photos", "macao_identity_card", "travel_document"] {
        intake
            .upload(who, id, requirement, "scan.png", png(60, 80))
            .await
            .unwrap();
    }
    let signature = intake
        .upload(who, id, "signature", "signature.png", png(60, 30))
        .await
        .unwrap();
    intake
        .save(
            who,
            id,
            serde_json::json!({
                "eligibility_class": "born_in_macao",
                "reason": "first",
                "macao_identity_card": "1234567(8)",
                "signature": signature.document_id,
            }),
        )
        .await
        .unwrap()
}

#[tokio::test]
async fn a_case_is_reviewed_once_its_lodging_fee_is_paid() {
    let intake = start("lodging_fee").await;
    let who = As {
        account: "mo-lodging".into(),
        agency: CTS,
        portal: "mo-residents",
        role: laissez_kit::Role::Applicant,
    };
    let draft = complete_first_application(&intake, &who).await;
    let id = draft.case_id.as_str();

    let submitted = intake.submit(&who, &[id]).await.unwrap();
    assert_eq!(submitted.cases[0].state(), CaseState::AwaitingPayment);
    // Payment is asked for the fee; review hears nothing yet.
    let requested: PaymentRequested =
        outbox_event(&intake, "intake.case.payment_requested", id).await;
    assert_eq!(requested.application_type, "home_return_permit");
    assert!(!requested.receipt_number.is_empty());
    assert_eq!(outbox_count(&intake, "intake.case.submitted", id).await, 0);
    // Not decided before it is lodged.
    assert!(matches!(
        intake.decide(CTS, id, Decision::Approved, "").await,
        Outcome::Refused(_)
    ));

    // Paid (at the counter): lodged, and review hears of it once, even
    // when the payment is delivered again.
    assert_eq!(
        pay(&intake, CTS, "order-lodging", &[id]).await,
        Paid::Paid(1)
    );
    assert!(matches!(
        pay(&intake, CTS, "order-lodging", &[id]).await,
        Paid::Refused(_)
    ));
    let lodged = intake.get(&who, id).await.unwrap();
    assert_eq!(lodged.state(), CaseState::Submitted);
    let heard: CaseSubmitted = outbox_event(&intake, "intake.case.submitted", id).await;
    assert_eq!(heard.receipt_number, requested.receipt_number);
    assert_eq!(
        outbox_count(&intake, "intake.case.payment_requested", id).await,
        1
    );

    // Not approved: the decision applies as to any case under review.
    assert_eq!(
        intake
            .decide(CTS, id, Decision::NotApproved, "not eligible")
            .await,
        Outcome::Applied(State::NotApproved)
    );
    let path: Vec<_> = intake
        .get(&who, id)
        .await
        .unwrap()
        .history
        .iter()
        .map(|change| change.to())
        .collect();
    assert_eq!(
        path,
        [
            CaseState::Draft,
            CaseState::Submitted,
            CaseState::AwaitingPayment,
            CaseState::Paid,
            CaseState::Submitted,
            CaseState::NotApproved
        ]
    );
    intake.stop().await;
}
