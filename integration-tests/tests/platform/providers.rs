//! A payment provider that fails: the convenience-store collector answers
//! 500 to every call, then answers slowly (after payment's five-second
//! timeout), then recovers, while a Taiwan student pays two groups with
//! one slip. The payment completes, the provider holds exactly one charge
//! for it, and both orders are paid once.

use std::time::Duration;

use laissez_integration_tests::api::Call;
use laissez_integration_tests::journeys::Outside;
use laissez_integration_tests::platform::Platform;
use laissez_integration_tests::taiwan::{TwDesk, tw_nia};
use serde_json::{Value, json};

async fn fault(out: &Outside, body: Value) {
    let answer = out
        .api
        .http
        .post(format!("{}/cvs/operator/faults", out.paysim))
        .json(&body)
        .send()
        .await
        .expect("the simulator answers");
    assert!(answer.status().is_success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_payment_rides_out_its_provider_failing_then_answering_slowly() {
    let platform = Platform::start().await.expect("the platform starts");
    let out = Outside::of(&platform).await;
    let operator = out.operator().await;
    let desk = TwDesk::open(&out, &operator).await;

    fault(&out, json!({"status": 500})).await;
    let phases = {
        let out = out.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(15)).await;
            eprintln!("the collector now answers after 8 s");
            fault(&out, json!({"delay_ms": 8000})).await;
            tokio::time::sleep(Duration::from_secs(20)).await;
            eprintln!("the collector is well again");
            fault(&out, json!({})).await;
        })
    };
    let outcome = tw_nia(&out, &desk).await;
    phases.await.expect("the phases ran");

    let charges: Vec<Value> = out
        .api
        .http
        .get(format!("{}/cvs/operator/charges", out.paysim))
        .send()
        .await
        .expect("the simulator answers")
        .json()
        .await
        .expect("a list");
    eprintln!("the collector's charges: {charges:?}");
    assert_eq!(charges.len(), 1, "one charge for one payment: {charges:#?}");
    let orders = out
        .send(Call::new("PaymentService.ListOrders").token(&outcome.token))
        .await
        .ok();
    let orders = orders["orders"].as_array().expect("orders");
    assert_eq!(orders.len(), 2);
    for order in orders {
        assert_eq!(order["state"], "ORDER_STATE_PAID", "{order}");
    }
    platform.stop().await;
}
