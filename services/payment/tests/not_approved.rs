//! mo-cts takes its fee when a case is lodged and gives it back when the
//! case is not approved (never when the reviewer forfeits it for a
//! duplicate, impersonated or falsified application): review's decision
//! arrives over RabbitMQ, and the refund goes through the connector that
//! took the money, once however often the decision is delivered.

use std::time::Duration;

use laissez_eventbus::Outbox;
use laissez_kit::Role;
use laissez_payment::events::{self, Outcome, RefundOutcome};
use laissez_payment::testing::{TestPayment, tw_request};
use laissez_proto::common::v1::Money;
use laissez_proto::events::v1::{CaseDecided, Decision, PaymentRequested};
use laissez_proto::payment::v1 as proto;

const MO: &str = "mo-cts";
const TW: &str = "tw-nia";

/// A mo-cts first application of an adult: HK$390.
fn lodged(account: &str, receipt: &str) -> PaymentRequested {
    let mut request = tw_request(account, receipt, "");
    request.application_type = "home_return_permit".into();
    request.fee_variant = "first".into();
    request.date_of_birth = "1990-01-01".into();
    request
}

/// Opens the case's order and records the cashier's payment of it.
async fn paid_at_the_counter(app: &TestPayment, request: &PaymentRequested) -> String {
    let Outcome::Opened(id) = app.open_order(MO, request).await else {
        panic!("a new case's order opens");
    };
    let order = app
        .client()
        .await
        .record_counter_payment(app.request(
            proto::RecordCounterPaymentRequest {
                order_id: id.to_string(),
                method: "counter".into(),
                amount: Some(Money {
                    minor_units: 39000,
                    currency: "HKD".into(),
                }),
                counter_receipt: format!("C-{}", request.receipt_number),
                idempotency_key: String::new(),
            },
            "cashier-1",
            MO,
            Role::Counter,
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(order.state(), proto::OrderState::Paid);
    id.to_string()
}

async fn order(app: &TestPayment, agency: &str, id: &str) -> proto::Order {
    app.client()
        .await
        .get_order(app.request(
            proto::GetOrderRequest {
                order_id: id.to_owned(),
            },
            "admin-1",
            agency,
            Role::AgencyAdmin,
        ))
        .await
        .unwrap()
        .into_inner()
}

fn decided(case_id: &str, decision: Decision, fee_forfeited: bool) -> CaseDecided {
    CaseDecided {
        case_id: case_id.to_owned(),
        decision: decision as i32,
        comment: "not eligible".into(),
        decided_by: "reviewer-1".into(),
        fee_forfeited,
        ..Default::default()
    }
}

/// Hears `event` as the consumer does, in one transaction.
async fn hear(app: &TestPayment, agency: &str, event: &CaseDecided) -> RefundOutcome {
    let mut transaction = app.pool.begin().await.unwrap();
    let outcome = events::refund_not_approved(
        &mut transaction,
        &app.payments,
        &app.catalogs,
        agency,
        event,
    )
    .await
    .unwrap();
    transaction.commit().await.unwrap();
    outcome
}

async fn count(app: &TestPayment, sql: &'static str, order_id: &str) -> i64 {
    sqlx::query_scalar(sql)
        .bind(order_id)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_fee_taken_when_lodged_is_refunded_when_not_approved_unless_forfeited() {
    let app = TestPayment::start("not_approved").await.unwrap();
    let refused = lodged("acct-1", "MO-1001");
    let id = paid_at_the_counter(&app, &refused).await;

    // Review's refusal, sent twice over RabbitMQ as review sends it.
    for _ in 0..2 {
        let mut transaction = app.pool.begin().await.unwrap();
        Outbox::enqueue(
            &mut transaction,
            MO,
            "review-case",
            &refused.case_id,
            &decided(&refused.case_id, Decision::NotApproved, false),
        )
        .await
        .unwrap();
        transaction.commit().await.unwrap();
    }
    let mut refunded = None;
    for _ in 0..300 {
        let found = order(&app, MO, &id).await;
        if found.state() == proto::OrderState::Refunded {
            refunded = Some(found);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let refunded = refunded.expect("the refusal refunded the order within 30 s");
    assert_eq!(refunded.refunded.as_ref().unwrap().minor_units, 39000);
    // Both deliveries handled: one refund, one ledger line, one event,
    // with the agency's policy as the reason.
    for _ in 0..100 {
        let handled: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM inbox WHERE event_type = 'review.case.decided'",
        )
        .fetch_one(&app.pool)
        .await
        .unwrap();
        if handled >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM refunds WHERE order_id = $1::uuid",
            &id
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM ledger WHERE kind = 'refund' AND order_id = $1::uuid",
            &id
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM outbox WHERE event_type = 'payment.order.refunded' AND aggregate_id = $1",
            &id
        )
        .await,
        1
    );
    let reason: String = sqlx::query_scalar("SELECT reason FROM refunds WHERE order_id = $1::uuid")
        .bind(&id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(reason.contains("未獲批准"), "{reason}");
    // Heard once more: nothing more to give back.
    assert_eq!(
        hear(
            &app,
            MO,
            &decided(&refused.case_id, Decision::NotApproved, false)
        )
        .await,
        RefundOutcome::NotDue("no paid order")
    );

    // Forfeited for fraud: the fee stays.
    let fraud = lodged("acct-2", "MO-1002");
    let kept = paid_at_the_counter(&app, &fraud).await;
    assert_eq!(
        hear(
            &app,
            MO,
            &decided(&fraud.case_id, Decision::NotApproved, true)
        )
        .await,
        RefundOutcome::NotDue("the reviewer forfeited the fee")
    );
    // Approved or returned: the fee stays.
    for decision in [Decision::Approved, Decision::ReturnedForCorrection] {
        assert_eq!(
            hear(&app, MO, &decided(&fraud.case_id, decision, false)).await,
            RefundOutcome::NotDue("not a refusal")
        );
    }
    assert_eq!(
        order(&app, MO, &kept).await.state(),
        proto::OrderState::Paid
    );

    // Another agency's decision never touches a mo-cts order.
    assert_eq!(
        hear(
            &app,
            TW,
            &decided(&fraud.case_id, Decision::NotApproved, false)
        )
        .await,
        RefundOutcome::NotDue("no paid order")
    );
    assert_eq!(
        order(&app, MO, &kept).await.state(),
        proto::OrderState::Paid
    );
    app.stop().await;
}
