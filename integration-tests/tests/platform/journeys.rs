//! The demo agencies' journeys, from registration to the document in the
//! applicant's hand, through `/api/v1` only.

use laissez_integration_tests::fujian::{FjDesk, fj_exit_entry};
use laissez_integration_tests::hong_kong::{HkDesk, hk_cts};
use laissez_integration_tests::journeys::Outside;
use laissez_integration_tests::macao_csm::{MoCsmDesk, mo_csm};
use laissez_integration_tests::macao_cts::{MoCtsDesk, mo_cts};
use laissez_integration_tests::platform::Platform;
use laissez_integration_tests::taiwan::{TwDesk, tw_nia};

#[tokio::test]
async fn fujian_from_an_sms_registration_to_the_permit_collected_at_the_port() {
    let platform = Platform::start().await.expect("the platform starts");
    let out = Outside::of(&platform).await;
    let desk = FjDesk::open(&out).await;
    let case = fj_exit_entry(&out, &desk).await;
    assert!(!case.receipt.is_empty());
    platform.stop().await;
}

#[tokio::test]
async fn taiwan_from_a_record_matched_registration_to_two_groups_paid_by_one_slip_and_verified_permits()
 {
    let platform = Platform::start().await.expect("the platform starts");
    let out = Outside::of(&platform).await;
    let operator = out.operator().await;
    let desk = TwDesk::open(&out, &operator).await;
    let outcome = tw_nia(&out, &desk).await;
    assert_eq!(outcome.case_ids.len(), 2);
    platform.stop().await;
}

#[tokio::test]
async fn macao_cts_from_an_sms_activation_to_a_refused_application_and_its_fee_refunded() {
    let platform = Platform::start().await.expect("the platform starts");
    let out = Outside::of(&platform).await;
    let operator = out.operator().await;
    let desk = MoCtsDesk::open(&out, &operator).await;
    let outcome = mo_cts(&out, &desk).await;
    assert_eq!(outcome.order["state"], "ORDER_STATE_REFUNDED");
    platform.stop().await;
}

#[tokio::test]
async fn hong_kong_a_child_booked_first_express_by_courier_to_the_door() {
    let platform = Platform::start().await.expect("the platform starts");
    let out = Outside::of(&platform).await;
    let operator = out.operator().await;
    let desk = HkDesk::open(&out, &operator).await;
    let outcome = hk_cts(&out, &desk).await;
    assert_eq!(outcome.order["state"], "ORDER_STATE_PAID");
    platform.stop().await;
}

#[tokio::test]
async fn macao_csm_a_childs_passport_returned_once_approved_moved_by_a_typhoon_and_collected_by_proxy()
 {
    let platform = Platform::start().await.expect("the platform starts");
    let out = Outside::of(&platform).await;
    let operator = out.operator().await;
    let desk = MoCsmDesk::open(&out, &operator).await;
    let outcome = mo_csm(&out, &desk, true).await;
    assert_ne!(outcome.booked["date"], outcome.moved["date"]);
    assert_eq!(outcome.collected["state"], "CASE_STATE_COLLECTED");
    platform.stop().await;
}
