//! Returns for correction and supplement (fields editable vs read-only,
//! each round kept), resubmission, and withdrawal racing a decision.

mod support;

use laissez_intake::events::decisions::Outcome;
use laissez_proto::events::v1::Decision;
use laissez_proto::intake::v1::*;
use support::*;
use tonic::Code;

async fn decide(intake: &Intake, case_id: &str, decision: Decision, comment: &str) -> Outcome {
    intake.decide(FJ, case_id, decision, comment).await
}

#[tokio::test]
async fn correction_and_supplement_rounds() {
    let intake = start("returns").await;
    let who = As::applicant("returns-1", FJ);
    let case = intake.complete_fj_draft(&who).await;
    intake.submit(&who, &[&case.case_id]).await.unwrap();

    // Correction: every field editable, documents replaceable.
    assert_eq!(
        decide(
            &intake,
            &case.case_id,
            Decision::ReturnedForCorrection,
            "port is wrong"
        )
        .await,
        Outcome::Applied(laissez_intake::domain::State::ReturnedForCorrection)
    );
    let returned = intake.get(&who, &case.case_id).await.unwrap();
    assert_eq!(returned.state(), CaseState::ReturnedForCorrection);
    assert_eq!(returned.returns[0].reviewer_comment, "port is wrong");
    let mut answers: serde_json::Value = serde_json::from_str(&returned.answers_json).unwrap();
    answers["port_of_entry"] = "fuzhou_mawei".into();
    intake
        .save(&who, &case.case_id, answers.clone())
        .await
        .unwrap();
    let resubmitted = intake
        .client
        .clone()
        .resubmit(intake.request(
            &who,
            ResubmitRequest {
                case_id: case.case_id.clone(),
                reply: "fixed".into(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(resubmitted.state(), CaseState::Submitted);
    assert_eq!(resubmitted.returns[0].applicant_reply, "fixed");

    // Supplement: fields read-only, documents may be added and deleted.
    decide(
        &intake,
        &case.case_id,
        Decision::ReturnedForSupplement,
        "add a clearer scan",
    )
    .await;
    let frozen = intake.save(&who, &case.case_id, answers).await.unwrap_err();
    assert_eq!(frozen.code(), Code::FailedPrecondition);
    let added = intake
        .upload(
            &who,
            &case.case_id,
            "tw_id_card_front",
            "clearer.png",
            png(70, 40),
        )
        .await
        .unwrap();
    let old = intake
        .get(&who, &case.case_id)
        .await
        .unwrap()
        .documents
        .into_iter()
        .find(|d| d.requirement == "tw_id_card_front" && d.document_id != added.document_id)
        .unwrap();
    intake
        .client
        .clone()
        .delete_document(intake.request(
            &who,
            DeleteDocumentRequest {
                case_id: case.case_id.clone(),
                document_id: old.document_id,
            },
        ))
        .await
        .unwrap();
    // Resubmission runs the same validation; the reply is optional.
    intake
        .client
        .clone()
        .resubmit(intake.request(
            &who,
            ResubmitRequest {
                case_id: case.case_id.clone(),
                reply: String::new(),
            },
        ))
        .await
        .unwrap();
    let detail = intake.get(&who, &case.case_id).await.unwrap();
    assert_eq!(detail.returns.len(), 2);
    assert_eq!(detail.returns[1].kind, "supplement");
    let snapshots: i64 =
        sqlx::query_scalar("SELECT count(*) FROM case_snapshots WHERE case_id = $1::uuid")
            .bind(&case.case_id)
            .fetch_one(&intake.database.pool)
            .await
            .unwrap();
    assert_eq!(snapshots, 3);
    let events: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM outbox WHERE event_type = 'intake.case.resubmitted'",
    )
    .fetch_one(&intake.database.pool)
    .await
    .unwrap();
    assert_eq!(events, 2);

    // Approval moves on as the type's workflow says (Fujian: review, then payment).
    let approved = decide(&intake, &case.case_id, Decision::Approved, "").await;
    assert_eq!(
        approved,
        Outcome::Applied(laissez_intake::domain::State::AwaitingPayment)
    );
    // No withdrawal after a decision, with the reason.
    let refused = intake
        .client
        .clone()
        .withdraw(intake.request(
            &who,
            WithdrawRequest {
                case_id: case.case_id.clone(),
                confirmed: true,
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::FailedPrecondition);
    assert!(
        refused.message().contains("cannot be withdrawn"),
        "{}",
        refused.message()
    );
    intake.stop().await;
}

#[tokio::test]
async fn withdrawal_racing_a_decision_has_exactly_one_winner() {
    let intake = start("race").await;
    let who = As::applicant("race-1", FJ);
    let mut cases = Vec::new();
    for _ in 0..10 {
        let case = intake.complete_fj_draft(&who).await;
        intake.submit(&who, &[&case.case_id]).await.unwrap();
        cases.push(case.case_id);
    }
    // The explicit confirmation step.
    let unconfirmed = intake
        .client
        .clone()
        .withdraw(intake.request(
            &who,
            WithdrawRequest {
                case_id: cases[0].clone(),
                confirmed: false,
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(unconfirmed.code(), Code::InvalidArgument);
    for case_id in &cases {
        let mut client = intake.client.clone();
        let withdraw = client.withdraw(intake.request(
            &who,
            WithdrawRequest {
                case_id: case_id.clone(),
                confirmed: true,
            },
        ));
        let decision = decide(&intake, case_id, Decision::NotApproved, "documents forged");
        let (withdrawn, decided) = tokio::join!(withdraw, decision);
        let withdrawal_won = withdrawn.is_ok();
        let decision_won = matches!(decided, Outcome::Applied(_));
        assert!(withdrawal_won ^ decision_won, "{withdrawn:?} / {decided:?}");
        let state = intake.get(&who, case_id).await.unwrap().state();
        assert_eq!(
            state,
            if withdrawal_won {
                CaseState::Withdrawn
            } else {
                CaseState::NotApproved
            }
        );
    }
    intake.stop().await;
}
