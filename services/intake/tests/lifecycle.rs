//! After approval the case's workflow drives it: payment, production,
//! pickup and collection (fj), payment and electronic issue with a permit
//! number (tw-nia); staff actions refuse bad input, the wrong role and the
//! wrong state, and change nothing when they do.

mod support;

use laissez_intake::events::decisions::Outcome;
use laissez_intake::events::payments::Outcome as Paid;
use laissez_kit::Role;
use laissez_proto::events::v1::Decision;
use laissez_proto::intake::v1::*;
use support::after_approval::*;
use support::*;
use tonic::{Code, Status};

fn proxy(name: &str, pickup_card: &str) -> Collector {
    Collector {
        kind: "proxy".into(),
        name: name.into(),
        id_number: "Z987654321".into(),
        relationship: "父親".into(),
        pickup_card: pickup_card.into(),
    }
}

#[tokio::test]
async fn an_fj_case_is_paid_produced_and_collected_by_a_proxy() {
    let intake = start("lifecycle_fj").await;
    let who = As::applicant("lifecycle-1", FJ);
    let counter = As::staff(FJ, Role::Counter);
    let case = intake.complete_fj_draft(&who).await;
    intake.submit(&who, &[&case.case_id]).await.unwrap();
    let id = case.case_id.as_str();

    // Review approves: the workflow's next stage is payment.
    assert_eq!(
        intake.decide(FJ, id, Decision::Approved, "").await,
        Outcome::Applied(laissez_intake::domain::State::AwaitingPayment)
    );
    assert_eq!(
        outbox_count(&intake, "intake.case.payment_requested", id).await,
        1
    );
    // Payment gets only the answers the fee reads: fj's fee reads none, so
    // none of the form's answers leave intake with the request.
    let requested: laissez_proto::events::v1::PaymentRequested =
        outbox_event(&intake, "intake.case.payment_requested", id).await;
    assert_eq!(requested.fee_answers_json, "", "{requested:?}");
    // Production cannot be finished before it started.
    let early = complete_production(&intake, &counter, id, "")
        .await
        .unwrap_err();
    assert_eq!(early.code(), Code::FailedPrecondition, "{early:?}");

    // Paid: production starts at once, and says so.
    assert_eq!(pay(&intake, FJ, "order-1", &[id]).await, Paid::Paid(1));
    let producing = intake.get(&who, id).await.unwrap();
    assert_eq!(producing.state(), CaseState::InProduction);
    let states: Vec<_> = producing.history.iter().map(|change| change.to()).collect();
    assert!(states.contains(&CaseState::Paid), "{states:?}");
    let lifecycle = producing.lifecycle.clone().unwrap();
    // fj's catalog gives production no working days (the permit is made on
    // arrival at the port), so there is no due date to promise.
    assert_eq!(lifecycle.production_due_on, "", "{lifecycle:?}");
    assert_eq!(outbox_count(&intake, "intake.case.progressed", id).await, 1);
    // The same payment heard again changes nothing.
    assert!(matches!(
        pay(&intake, FJ, "order-1", &[id]).await,
        Paid::Refused(_)
    ));
    assert_eq!(
        intake.get(&who, id).await.unwrap().state(),
        CaseState::InProduction
    );
    assert_eq!(outbox_count(&intake, "intake.case.progressed", id).await, 1);

    // Who may finish production, and with what number.
    let applicant_tries = complete_production(&intake, &who, id, "")
        .await
        .unwrap_err();
    assert_eq!(applicant_tries.code(), Code::PermissionDenied);
    for hostile in ["<script>", "A/1", &"9".repeat(41)] {
        let refused = complete_production(&intake, &counter, id, hostile)
            .await
            .unwrap_err();
        assert_eq!(
            field_errors(&refused),
            vec![("permit_number".to_owned(), "malformed".to_owned())],
            "{hostile}"
        );
    }
    let other_agency = complete_production(&intake, &As::staff(TW, Role::Counter), id, "")
        .await
        .unwrap_err();
    assert_eq!(other_agency.code(), Code::NotFound);
    assert_eq!(
        intake.get(&who, id).await.unwrap().state(),
        CaseState::InProduction
    );

    // Overdue production is counted for the SLA dashboards: give the case
    // a due date (fj's catalog sets none) that has passed.
    let due = chrono::NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
    sqlx::query("UPDATE case_lifecycle SET production_due_on = $2 WHERE case_id = $1::uuid")
        .bind(id)
        .bind(due)
        .execute(&intake.database.pool)
        .await
        .unwrap();
    let pool = &intake.database.pool;
    let overdue = laissez_intake::service::jobs::count_overdue_productions;
    assert_eq!(overdue(pool, due).await.unwrap(), vec![]);
    assert_eq!(
        overdue(pool, due.succ_opt().unwrap()).await.unwrap(),
        vec![(FJ.to_owned(), 1)]
    );

    let ready = complete_production(&intake, &counter, id, " t12345 ")
        .await
        .unwrap();
    assert_eq!(
        overdue(pool, due.succ_opt().unwrap()).await.unwrap(),
        vec![]
    );
    assert_eq!(ready.state(), CaseState::ReadyForPickup);
    let lifecycle = ready.lifecycle.clone().unwrap();
    assert_eq!(lifecycle.permit_number, "T12345");
    assert!(lifecycle.produced_at.is_some());
    // The one-time permit grants one entry (its catalog's rule).
    assert_eq!(lifecycle.permit_entries, "single");
    assert_eq!(lifecycle.permit_stay_days, 0);
    assert_eq!(outbox_count(&intake, "intake.case.progressed", id).await, 2);
    // Twice is refused: it is no longer in production.
    let again = complete_production(&intake, &counter, id, "")
        .await
        .unwrap_err();
    assert_eq!(again.code(), Code::FailedPrecondition);

    // Collection: every wrong detail is named, nothing moves.
    let receipt = ready.receipt_number.clone();
    let unknown = collect(
        &intake,
        &counter,
        id,
        Collector {
            kind: "neighbour".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(
        field_errors(&unknown),
        vec![("collector.kind".to_owned(), "invalid".to_owned())]
    );
    let wrong_card = collect(&intake, &counter, id, proxy("陳父", "FJ20990101000001"))
        .await
        .unwrap_err();
    assert_eq!(
        field_errors(&wrong_card),
        vec![("collector.pickup_card".to_owned(), "mismatch".to_owned())]
    );
    let hostile = collect(&intake, &counter, id, proxy(&"名".repeat(101), &receipt))
        .await
        .unwrap_err();
    assert_eq!(
        field_errors(&hostile),
        vec![("collector.name".to_owned(), "malformed".to_owned())]
    );
    let not_the_holder = collect(
        &intake,
        &counter,
        id,
        Collector {
            kind: "holder".into(),
            id_number: "B000000000".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(
        field_errors(&not_the_holder),
        vec![("collector.id_number".to_owned(), "mismatch".to_owned())]
    );
    let reviewer = collect(
        &intake,
        &As::staff(FJ, Role::Reviewer),
        id,
        proxy("陳父", &receipt),
    )
    .await
    .unwrap_err();
    assert_eq!(reviewer.code(), Code::PermissionDenied);
    assert_eq!(
        intake.get(&who, id).await.unwrap().state(),
        CaseState::ReadyForPickup
    );

    // The proxy with the right pickup card collects, once.
    let collected = collect(
        &intake,
        &counter,
        id,
        proxy(" 陳父 ", &receipt.to_lowercase()),
    )
    .await
    .unwrap();
    assert_eq!(collected.state(), CaseState::Collected);
    let by = collected.lifecycle.unwrap().collected_by.unwrap();
    assert_eq!((by.kind.as_str(), by.name.as_str()), ("proxy", "陳父"));
    assert_eq!(by.pickup_card, receipt);
    let twice = collect(&intake, &counter, id, proxy("陳父", &receipt))
        .await
        .unwrap_err();
    assert_eq!(twice.code(), Code::FailedPrecondition);
    assert_eq!(outbox_count(&intake, "intake.case.progressed", id).await, 3);
    intake.stop().await;
}

#[tokio::test]
async fn a_paid_tw_case_is_issued_electronically_with_a_permit_number() {
    let intake = start("lifecycle_tw").await;
    intake.import_tw_records().await;
    let student = As::applicant("lifecycle-tw", TW);
    let first = intake
        .complete_tw_draft(&student, "multi_entry_permit")
        .await;
    intake.submit(&student, &[&first.case_id]).await.unwrap();
    let id = first.case_id.as_str();
    assert_eq!(
        intake.decide(TW, id, Decision::Approved, "").await,
        Outcome::Applied(laissez_intake::domain::State::AwaitingPayment)
    );
    // A payment naming an unknown or malformed case moves nothing else.
    let partly = pay(
        &intake,
        TW,
        "order-tw",
        &[id, "not-a-uuid", "00000000-0000-0000-0000-000000000000"],
    )
    .await;
    assert!(matches!(partly, Paid::Refused(_)), "{partly:?}");
    let issued = intake.get(&student, id).await.unwrap();
    assert_eq!(issued.state(), CaseState::Issued);
    let lifecycle = issued.lifecycle.unwrap();
    // tw-nia's catalog numbers permits "E{roc}{seq:7}".
    assert!(lifecycle.permit_number.starts_with('E'), "{lifecycle:?}");
    assert_eq!(lifecycle.permit_number.len(), 1 + 3 + 7, "{lifecycle:?}");
    // The issued event carries what the electronic permit prints.
    let progressed: laissez_proto::events::v1::CaseProgressed =
        outbox_event(&intake, "intake.case.progressed", id).await;
    assert_eq!(progressed.state, "issued");
    assert_eq!(progressed.permit_number, lifecycle.permit_number);
    // What the permit grants is fixed with its number, and travels with it.
    assert_eq!(lifecycle.permit_entries, "multiple");
    assert_eq!(progressed.permit_entries, "multiple");
    let holder = progressed
        .holder
        .expect("the holder travels with the issued event");
    assert!(
        !holder.name.is_empty() && !holder.document_number.is_empty(),
        "{holder:?}"
    );
    let answers: serde_json::Value = serde_json::from_str(&holder.answers_json).unwrap();
    assert!(answers["chinese_name"].is_string(), "{answers}");
    // Production and pickup are not tw-nia's stages: staff cannot use them.
    let counter = As::staff(TW, Role::Counter);
    let refused = complete_production(&intake, &counter, id, "")
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::FailedPrecondition);
    intake.stop().await;
}

#[tokio::test]
async fn a_case_not_collected_by_its_last_day_is_cancelled_once() {
    use laissez_intake::service::jobs::cancel_uncollected;

    let intake = start("lifecycle_late").await;
    let who = As::applicant("lifecycle-late", FJ);
    let counter = As::staff(FJ, Role::Counter);
    let case = intake.complete_fj_draft(&who).await;
    intake.submit(&who, &[&case.case_id]).await.unwrap();
    let id = case.case_id.as_str();
    intake.decide(FJ, id, Decision::Approved, "").await;
    pay(&intake, FJ, "order-late", &[id]).await;
    complete_production(&intake, &counter, id, "")
        .await
        .unwrap();
    // fj's catalog sets no last day to collect (mo-csm's sets 12 months):
    // give this case one, as make_ready would have.
    let last_day = chrono::NaiveDate::from_ymd_opt(2027, 6, 4).unwrap();
    sqlx::query("UPDATE case_lifecycle SET collect_by = $2 WHERE case_id = $1::uuid")
        .bind(id)
        .bind(last_day)
        .execute(&intake.database.pool)
        .await
        .unwrap();
    let pool = &intake.database.pool;

    // On the last day the case still waits; the day after, it is
    // cancelled, once, with the reason in its history and an event.
    assert_eq!(cancel_uncollected(pool, last_day, 10).await.unwrap(), 0);
    let next_day = last_day.succ_opt().unwrap();
    let before = outbox_count(&intake, "intake.case.progressed", id).await;
    let (first, second) = tokio::join!(
        cancel_uncollected(pool, next_day, 10),
        cancel_uncollected(pool, next_day, 10)
    );
    assert_eq!(
        first.unwrap() + second.unwrap(),
        1,
        "two replicas, one cancellation"
    );
    assert_eq!(cancel_uncollected(pool, next_day, 10).await.unwrap(), 0);
    let cancelled = intake.get(&who, id).await.unwrap();
    assert_eq!(cancelled.state(), CaseState::Cancelled);
    let last = cancelled.history.last().unwrap();
    assert_eq!(last.actor, laissez_intake::service::jobs::ACTOR);
    assert_eq!(last.reason, "not collected by 2027-06-04");
    assert_eq!(
        outbox_count(&intake, "intake.case.progressed", id).await,
        before + 1
    );
    // Too late to collect now.
    let refused = collect(
        &intake,
        &counter,
        id,
        Collector {
            kind: "holder".into(),
            id_number: "A123456789".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(refused.code(), Code::FailedPrecondition);
    intake.stop().await;
}

async fn cancel(intake: &Intake, who: &As, case_id: &str, reason: &str) -> Result<Case, Status> {
    intake
        .client
        .clone()
        .cancel_case(intake.request(
            who,
            CancelCaseRequest {
                case_id: case_id.into(),
                reason: reason.into(),
            },
        ))
        .await
        .map(|response| response.into_inner())
}

#[tokio::test]
async fn an_approved_case_is_cancelled_with_its_reason_where_the_catalog_allows() {
    let intake = start("cancel_fj").await;
    let who = As::applicant("lifecycle-cancel", FJ);
    let case = intake.complete_fj_draft(&who).await;
    intake.submit(&who, &[&case.case_id]).await.unwrap();
    let id = case.case_id.as_str();
    intake.decide(FJ, id, Decision::Approved, "").await;

    // Every bad reason is named; nobody else's case is found; a reviewer
    // (not senior) may not.
    for (reason, code) in [
        ("", "required"),
        ("  ", "required"),
        ("change\u{0}port", "malformed"),
        (&"長".repeat(501), "malformed"),
    ] {
        let refused = cancel(&intake, &who, id, reason).await.unwrap_err();
        assert_eq!(
            field_errors(&refused),
            vec![("reason".to_owned(), code.to_owned())],
            "{reason:?}"
        );
    }
    let stranger = As::applicant("lifecycle-stranger", FJ);
    let hidden = cancel(&intake, &stranger, id, "mine").await.unwrap_err();
    assert_eq!(hidden.code(), Code::NotFound);
    let reviewer = cancel(&intake, &As::staff(FJ, Role::Reviewer), id, "no")
        .await
        .unwrap_err();
    assert_eq!(reviewer.code(), Code::PermissionDenied);
    assert_eq!(
        intake.get(&who, id).await.unwrap().state(),
        CaseState::AwaitingPayment
    );

    // fj's notice: another port or date means cancelling and applying again.
    let cancelled = cancel(&intake, &who, id, "換口岸").await.unwrap();
    assert_eq!(cancelled.state(), CaseState::Cancelled);
    assert_eq!(cancelled.history.last().unwrap().reason, "換口岸");
    assert_eq!(outbox_count(&intake, "intake.case.progressed", id).await, 1);
    let twice = cancel(&intake, &who, id, "again").await.unwrap_err();
    assert_eq!(twice.code(), Code::FailedPrecondition);

    // Once paid and in production, not even a senior reviewer cancels it.
    let paid = intake.complete_fj_draft(&who).await;
    intake.submit(&who, &[&paid.case_id]).await.unwrap();
    intake
        .decide(FJ, &paid.case_id, Decision::Approved, "")
        .await;
    pay(&intake, FJ, "order-paid", &[&paid.case_id]).await;
    let senior = As::staff(FJ, Role::SeniorReviewer);
    let made = cancel(&intake, &senior, &paid.case_id, "too late")
        .await
        .unwrap_err();
    assert_eq!(made.code(), Code::FailedPrecondition);
    intake.stop().await;
}

#[tokio::test]
async fn an_applicant_cannot_cancel_a_type_whose_catalog_does_not_allow_it() {
    let intake = start("cancel_tw").await;
    intake.import_tw_records().await;
    let student = As::applicant("lifecycle-tw-cancel", TW);
    let case = intake
        .complete_tw_draft(&student, "multi_entry_permit")
        .await;
    intake.submit(&student, &[&case.case_id]).await.unwrap();
    intake
        .decide(TW, &case.case_id, Decision::Approved, "")
        .await;
    let refused = cancel(&intake, &student, &case.case_id, "changed my mind")
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::FailedPrecondition);
    // The agency's administrator can.
    let admin = As::staff(TW, Role::AgencyAdmin);
    let cancelled = cancel(&intake, &admin, &case.case_id, "申請人請求撤案")
        .await
        .unwrap();
    assert_eq!(cancelled.state(), CaseState::Cancelled);
    intake.stop().await;
}
