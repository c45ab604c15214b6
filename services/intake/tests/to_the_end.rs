//! Macao's two agencies from approval to the end, through intake's real
//! service: mo-cts took its fee when the case was lodged (payment →
//! review → production → pickup: `lodging_fee.rs`), so an approved case is
//! made and the holder collects; mo-csm (review → appointment → production → payment →
//! pickup) takes the fee at pickup and a proxy collects with the pickup
//! card by the last day (12 months). The appointment stage before
//! production is `appointment_changes.rs`'s subject; fj, tw-nia and hk-cts
//! are `lifecycle.rs` and `delivery.rs`.

mod support;

use laissez_intake::domain::State;
use laissez_intake::events::decisions::Outcome;
use laissez_intake::events::payments::Outcome as Paid;
use laissez_kit::Role;
use laissez_proto::events::v1::Decision;
use laissez_proto::intake::v1::*;
use support::after_approval::*;
use support::*;

const CTS: &str = "mo-cts";
const CSM: &str = "mo-csm";

fn who(account: &str, agency: &'static str, portal: &'static str) -> As {
    As {
        account: account.into(),
        agency,
        portal,
        role: Role::Applicant,
    }
}

fn holder() -> ApplicantData {
    applicant("陳大文", "H12345678")
}

#[tokio::test]
async fn a_mo_cts_permit_is_made_and_collected_by_its_holder() {
    let intake = start("end_mo_cts").await;
    let who = who("mo-cts-1", CTS, "mo-residents");
    let counter = As::staff(CTS, Role::Counter);
    let id = case_in(
        &intake,
        &who,
        "home_return_permit",
        "2007-12",
        holder(),
        "under_review",
    )
    .await;
    let id = id.as_str();

    // Approved: mo-cts makes the permit first.
    assert_eq!(
        intake.decide(CTS, id, Decision::Approved, "").await,
        Outcome::Applied(State::InProduction)
    );
    // Made: paid when lodged, it is ready for pickup at once.
    let ready = complete_production(&intake, &counter, id, "")
        .await
        .unwrap();
    assert_eq!(ready.state(), CaseState::ReadyForPickup);
    assert_eq!(
        outbox_count(&intake, "intake.case.payment_requested", id).await,
        0
    );
    // The holder shows another document: refused, named.
    let wrong = collect(
        &intake,
        &counter,
        id,
        Collector {
            kind: "holder".into(),
            id_number: "H99999999".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(
        field_errors(&wrong),
        vec![("collector.id_number".to_owned(), "mismatch".to_owned())]
    );
    let collected = collect(
        &intake,
        &counter,
        id,
        Collector {
            kind: "holder".into(),
            id_number: "h12345678".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(collected.state(), CaseState::Collected);
    let path: Vec<_> = collected.history.iter().map(|change| change.to()).collect();
    // The draft's start, then (the submission being put in place here)
    // every step from approval.
    assert_eq!(
        path,
        [
            CaseState::Draft,
            CaseState::Approved,
            CaseState::InProduction,
            CaseState::ReadyForPickup,
            CaseState::Collected
        ],
        "the catalog's order, each step recorded"
    );
    intake.stop().await;
}

#[tokio::test]
async fn a_mo_csm_travel_permit_is_paid_at_pickup_and_collected_by_a_proxy() {
    let intake = start("end_mo_csm").await;
    let who = who("mo-csm-1", CSM, "consular-app");
    let counter = As::staff(CSM, Role::Counter);
    // As the counter's attendance leaves it (appointment_changes.rs).
    let id = case_in(
        &intake,
        &who,
        "passport_endorsement",
        "2024-01",
        holder(),
        "in_production",
    )
    .await;
    let id = id.as_str();
    let receipt = intake.get(&who, id).await.unwrap().receipt_number;

    let made = complete_production(&intake, &counter, id, "")
        .await
        .unwrap();
    assert_eq!(made.state(), CaseState::AwaitingPayment, "paid at pickup");
    assert_eq!(pay(&intake, CSM, "order-csm", &[id]).await, Paid::Paid(1));
    let ready = intake.get(&who, id).await.unwrap();
    assert_eq!(ready.state(), CaseState::ReadyForPickup);
    // mo-csm cancels what is not collected within 12 months.
    let collect_by = ready.lifecycle.unwrap().collect_by;
    let today = chrono::Utc::now().date_naive();
    let last_day: chrono::NaiveDate = collect_by.parse().unwrap();
    assert!(
        (last_day - today).num_days() >= 360 && (last_day - today).num_days() <= 367,
        "{collect_by}"
    );
    // A proxy with the pink pickup slip of this case collects.
    let collected = collect(
        &intake,
        &counter,
        id,
        Collector {
            kind: "proxy".into(),
            name: "陳小文".into(),
            id_number: "M1234567".into(),
            relationship: "兄弟".into(),
            pickup_card: receipt.clone(),
        },
    )
    .await
    .unwrap();
    assert_eq!(collected.state(), CaseState::Collected);
    let by = collected.lifecycle.unwrap().collected_by.unwrap();
    assert_eq!((by.kind.as_str(), by.name.as_str()), ("proxy", "陳小文"));
    intake.stop().await;
}
