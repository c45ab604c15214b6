//! The payment service against real PostgreSQL, RabbitMQ, an in-process
//! intake serving the demo catalogs and the providers' simulator over HTTP.

use std::time::Duration;

use chrono::Utc;
use laissez_eventbus::EnvelopeExt;
use laissez_kit::Role;
use laissez_payment::domain::signature;
use laissez_payment::domain::slip;
use laissez_payment::events::Outcome;
use laissez_payment::provider::Notice;
use laissez_payment::testing::{TestPayment, tw_request};
use laissez_proto::common::v1::Money;
use laissez_proto::events::v1::{Envelope, SlipIssued};
use laissez_proto::payment::v1 as proto;
use prost::Message;
use tonic::Code;

const TW: &str = "tw-nia";
const MO: &str = "mo-cts";

async fn eventually<T, F, Fut>(what: &str, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    for _ in 0..200 {
        if let Some(found) = probe().await {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{what} did not happen within 20 s");
}

async fn open(app: &TestPayment, account: &str, receipt: &str, group: &str) -> String {
    match app
        .open_order(TW, &tw_request(account, receipt, group))
        .await
    {
        Outcome::Opened(id) => id.to_string(),
        Outcome::AlreadyOpen | Outcome::CaseCancelled => panic!("a new case's order is new"),
    }
}

/// The `payment.slip.issued` events in the outbox, oldest first.
async fn slips_issued(app: &TestPayment) -> Vec<SlipIssued> {
    let payloads: Vec<Vec<u8>> = sqlx::query_scalar(
        "SELECT payload FROM outbox WHERE event_type = 'payment.slip.issued' ORDER BY position",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    payloads
        .iter()
        .map(|payload| {
            let envelope = <Envelope as Message>::decode(payload.as_slice()).unwrap();
            EnvelopeExt::decode::<SlipIssued>(&envelope).unwrap()
        })
        .collect()
}

/// The mo-cts orders a cashier finds by receipt number.
async fn counter_finds(app: &TestPayment, receipt_number: &str) -> proto::ListOrdersResponse {
    app.client()
        .await
        .find_orders(app.request(
            proto::FindOrdersRequest {
                receipt_number: receipt_number.into(),
            },
            "cashier-1",
            MO,
            Role::Counter,
        ))
        .await
        .unwrap()
        .into_inner()
}

async fn order(app: &TestPayment, account: &str, id: &str) -> proto::Order {
    app.client()
        .await
        .get_order(app.request(
            proto::GetOrderRequest {
                order_id: id.to_owned(),
            },
            account,
            TW,
            Role::Applicant,
        ))
        .await
        .unwrap()
        .into_inner()
}

async fn payment_of(app: &TestPayment, account: &str, payment_id: &str) -> proto::Payment {
    app.client()
        .await
        .get_payment(app.request(
            proto::GetPaymentRequest {
                payment_id: payment_id.to_owned(),
            },
            account,
            TW,
            Role::Applicant,
        ))
        .await
        .unwrap()
        .into_inner()
}

async fn start(
    app: &TestPayment,
    account: &str,
    orders: &[&str],
    method: &str,
    key: &str,
) -> Result<proto::Payment, tonic::Status> {
    app.client()
        .await
        .start_payment(
            app.request(
                proto::StartPaymentRequest {
                    order_ids: orders.iter().map(|id| (*id).to_owned()).collect(),
                    method: method.to_owned(),
                    idempotency_key: key.to_owned(),
                    return_url:
                        "http://127.0.0.1:8080/portal/tw-nia/mainland-students/payments/result"
                            .to_owned(),
                },
                account,
                TW,
                Role::Applicant,
            ),
        )
        .await
        .map(tonic::Response::into_inner)
}

async fn ledger(app: &TestPayment, kind: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM ledger WHERE kind = $1")
        .bind(kind)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

fn field_of(status: &tonic::Status) -> Vec<String> {
    laissez_kit::error::field_errors(status)
        .into_iter()
        .map(|error| error.field)
        .collect()
}

/// Posts a notice to the payment's callback listener, signed with `secret`
/// at `timestamp`.
async fn post_notice(
    app: &TestPayment,
    provider: &str,
    secret: &str,
    timestamp: i64,
    notice: &Notice,
) -> reqwest::StatusCode {
    let body = serde_json::to_vec(notice).unwrap();
    reqwest::Client::new()
        .post(format!("http://{}/callbacks/{provider}", app.callback_addr))
        .header(signature::TIMESTAMP_HEADER, timestamp.to_string())
        .header(
            signature::SIGNATURE_HEADER,
            signature::sign(secret.as_bytes(), timestamp, &body),
        )
        .body(body)
        .send()
        .await
        .unwrap()
        .status()
}

fn notice_for(payment: &proto::Payment, amount: i64) -> Notice {
    Notice {
        event: "charge.succeeded".into(),
        transaction_id: payment.provider_transaction_id.clone(),
        reference: payment.payment_id.clone(),
        merchant: TW.into(),
        amount,
        currency: "TWD".into(),
        occurred_at: Utc::now(),
    }
}

#[tokio::test]
async fn an_order_opens_once_priced_with_the_cases_catalog_version() {
    let app = TestPayment::start("opens_once").await.unwrap();
    let request = tw_request("acct-1", "R-0001", "G-0001");
    let Outcome::Opened(id) = app.open_order(TW, &request).await else {
        panic!("the first delivery opens the order");
    };
    // Redelivered: nothing new.
    assert_eq!(app.open_order(TW, &request).await, Outcome::AlreadyOpen);
    let listed = app
        .client()
        .await
        .list_orders(app.request(
            proto::ListOrdersRequest::default(),
            "acct-1",
            TW,
            Role::Applicant,
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.orders.len(), 1);
    let found = &listed.orders[0];
    assert_eq!(found.order_id, id.to_string());
    assert_eq!(found.state(), proto::OrderState::Pending);
    assert_eq!(found.total.as_ref().unwrap().minor_units, 1000);
    assert_eq!(found.total.as_ref().unwrap().currency, "TWD");
    assert_eq!(found.group_number, "G-0001");
    assert_eq!(found.methods.len(), 6, "{:?}", found.methods);
    // Another account sees nothing of it, and reading it answers 404.
    let other = app
        .client()
        .await
        .get_order(app.request(
            proto::GetOrderRequest {
                order_id: id.to_string(),
            },
            "acct-2",
            TW,
            Role::Applicant,
        ))
        .await
        .unwrap_err();
    assert_eq!(other.code(), Code::NotFound);
    app.stop().await;
}

#[tokio::test]
async fn a_cancelled_case_releases_its_order_and_a_late_request_opens_none() {
    let app = TestPayment::start("cancelled").await.unwrap();
    let request = tw_request("acct-1", "R-0002", "G-0002");
    let Outcome::Opened(id) = app.open_order(TW, &request).await else {
        panic!("the first delivery opens the order");
    };
    assert_eq!(app.cancel_case(TW, &request.case_id).await, 1);
    let cancelled = order(&app, "acct-1", &id.to_string()).await;
    assert_eq!(cancelled.state(), proto::OrderState::Cancelled);
    // Redelivered: nothing more.
    assert_eq!(app.cancel_case(TW, &request.case_id).await, 0);
    // It cannot be paid any more.
    let refused = start(&app, "acct-1", &[&id.to_string()], "web_atm", "k-cancelled").await;
    assert!(refused.is_err(), "{refused:?}");
    // Events reordered: the cancellation first, the request after it.
    let late = tw_request("acct-1", "R-0003", "G-0003");
    assert_eq!(app.cancel_case(TW, &late.case_id).await, 0);
    assert_eq!(app.open_order(TW, &late).await, Outcome::CaseCancelled);
    let orders: i64 = sqlx::query_scalar("SELECT count(*) FROM orders WHERE case_id = $1::uuid")
        .bind(&late.case_id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(orders, 0);
    app.stop().await;
}

#[tokio::test]
async fn two_groups_paid_at_once_by_card_through_the_hosted_page() {
    let app = TestPayment::start("card_two_groups").await.unwrap();
    let first = open(&app, "acct-1", "R-0101", "G-01").await;
    let second = open(&app, "acct-1", "R-0102", "G-02").await;
    let quote = |method: &'static str| {
        let (app, first, second) = (&app, first.clone(), second.clone());
        async move {
            app.client()
                .await
                .quote_fee(app.request(
                    proto::QuoteFeeRequest {
                        order_ids: vec![first, second],
                        method: method.into(),
                    },
                    "acct-1",
                    TW,
                    Role::Applicant,
                ))
                .await
                .map(tonic::Response::into_inner)
        }
    };
    // The card's 2 % is inside the fee: shown, not added.
    let card = quote("international_credit_card").await.unwrap();
    assert_eq!(card.total.as_ref().unwrap().minor_units, 2000);
    let included = card.lines.last().unwrap();
    assert_eq!(included.kind(), proto::LineKind::IncludedSurcharge);
    assert_eq!(included.amount.as_ref().unwrap().minor_units, 40);
    // Web ATM adds NT$7 once per payment, whatever the number of orders.
    let web_atm = quote("web_atm").await.unwrap();
    assert_eq!(web_atm.total.as_ref().unwrap().minor_units, 2007);
    assert!(web_atm.plus_bank_fee);
    let unknown = quote("port_counter").await.unwrap_err();
    assert_eq!(field_of(&unknown), ["method"]);

    let payment = start(
        &app,
        "acct-1",
        &[&first, &second],
        "international_credit_card",
        "pay-1",
    )
    .await
    .unwrap();
    assert_eq!(payment.state(), proto::PaymentState::Pending);
    assert_eq!(payment.total.as_ref().unwrap().minor_units, 2000);
    assert!(payment.redirect_url.contains("/card/pay/"), "{payment:?}");
    // The same key and request answer the same payment; another request is refused.
    let again = start(
        &app,
        "acct-1",
        &[&first, &second],
        "international_credit_card",
        "pay-1",
    )
    .await
    .unwrap();
    assert_eq!(again.payment_id, payment.payment_id);
    let reused = start(&app, "acct-1", &[&first], "web_atm", "pay-1")
        .await
        .unwrap_err();
    assert_eq!(reused.code(), Code::AlreadyExists);

    // The browser on the provider's page: it shows the amount; "Pay" sends it back.
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = browser
        .get(&payment.redirect_url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("TWD 2000"), "{page}");
    let paid = browser
        .post(&payment.redirect_url)
        .form(&[("action", "pay")])
        .send()
        .await
        .unwrap();
    assert_eq!(paid.status(), 303);
    assert!(
        paid.headers()["location"]
            .to_str()
            .unwrap()
            .ends_with(&format!(
                "/payments/result?reference={}",
                payment.payment_id
            ))
    );
    let (app_ref, first_id) = (&app, first.clone());
    eventually("the orders are paid", move || {
        let first_id = first_id.clone();
        async move {
            (order(app_ref, "acct-1", &first_id).await.state() == proto::OrderState::Paid)
                .then_some(())
        }
    })
    .await;
    assert_eq!(
        order(&app, "acct-1", &second).await.state(),
        proto::OrderState::Paid
    );
    // Three copies of the notice arrive (out of order, on purpose): one charge per order.
    eventually("every copy of the notice is delivered", || async {
        (app.simulator.notices_sent() >= 3).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(ledger(&app, "charge").await, 2);
    assert_eq!(ledger(&app, "unmatched").await, 0);
    let settled = payment_of(&app, "acct-1", &payment.payment_id).await;
    assert_eq!(settled.state(), proto::PaymentState::Succeeded);
    assert!(settled.paid_at.is_some());
    // A paid order cannot be paid again.
    let twice = start(&app, "acct-1", &[&first], "web_atm", "pay-2")
        .await
        .unwrap_err();
    assert_eq!(twice.code(), Code::FailedPrecondition);
    app.stop().await;
}

#[tokio::test]
async fn forged_stale_foreign_and_short_notices_change_nothing() {
    let app = TestPayment::start("hostile_notices").await.unwrap();
    let id = open(&app, "acct-1", "R-0201", "G-01").await;
    let payment = start(&app, "acct-1", &[&id], "web_atm", "k-1")
        .await
        .unwrap();
    let secret = app.secrets["webatm"].clone();
    let now = Utc::now().timestamp();
    let notice = notice_for(&payment, 1007);

    // Signed with another secret, or re-signed after a change: refused.
    assert_eq!(
        post_notice(&app, "webatm", "not-the-secret", now, &notice).await,
        401
    );
    // Signed long ago (a replay of an old message): refused.
    assert_eq!(
        post_notice(&app, "webatm", &secret, now - 3600, &notice).await,
        401
    );
    // Another agency's merchant name on this transaction: refused.
    let foreign = Notice {
        merchant: "hk-cts".into(),
        ..notice.clone()
    };
    assert_eq!(
        post_notice(&app, "webatm", &secret, now, &foreign).await,
        403
    );
    // An unknown transaction: 404 (the provider retries later).
    let unknown = Notice {
        transaction_id: "webatm-9999999999".into(),
        ..notice.clone()
    };
    assert_eq!(
        post_notice(&app, "webatm", &secret, now, &unknown).await,
        404
    );
    // Garbage, properly signed: 400.
    let body = b"{not json";
    let garbage = reqwest::Client::new()
        .post(format!("http://{}/callbacks/webatm", app.callback_addr))
        .header(signature::TIMESTAMP_HEADER, now.to_string())
        .header(
            signature::SIGNATURE_HEADER,
            signature::sign(secret.as_bytes(), now, body),
        )
        .body(body.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(garbage.status(), 400);
    assert_eq!(
        order(&app, "acct-1", &id).await.state(),
        proto::OrderState::Pending
    );
    assert_eq!(ledger(&app, "charge").await, 0);

    // The right notice, replayed 1,000 times (some at once): one payment.
    let mut replays = Vec::new();
    for _ in 0..1000 {
        let (app, secret, notice) = (&app, secret.clone(), notice.clone());
        replays.push(async move { post_notice(app, "webatm", &secret, now, &notice).await });
    }
    let answers = futures::future::join_all(replays).await;
    assert!(answers.iter().all(|status| *status == 200), "{answers:?}");
    assert_eq!(ledger(&app, "charge").await, 1);
    assert_eq!(
        order(&app, "acct-1", &id).await.state(),
        proto::OrderState::Paid
    );

    // An amount that differs never marks an order paid: flagged, recorded.
    let other = open(&app, "acct-1", "R-0202", "G-02").await;
    let short = start(&app, "acct-1", &[&other], "web_atm", "k-2")
        .await
        .unwrap();
    assert_eq!(
        post_notice(&app, "webatm", &secret, now, &notice_for(&short, 500)).await,
        200
    );
    assert_eq!(
        order(&app, "acct-1", &other).await.state(),
        proto::OrderState::Pending
    );
    let flagged = payment_of(&app, "acct-1", &short.payment_id).await;
    assert_eq!(flagged.state(), proto::PaymentState::Flagged);
    assert_eq!(ledger(&app, "unmatched").await, 1);
    app.stop().await;
}

#[tokio::test]
async fn two_payments_of_one_order_race_and_exactly_one_wins() {
    let app = TestPayment::start("race").await.unwrap();
    let id = open(&app, "acct-1", "R-0301", "G-01").await;
    let card = start(&app, "acct-1", &[&id], "international_credit_card", "a")
        .await
        .unwrap();
    let atm = start(&app, "acct-1", &[&id], "web_atm", "b").await.unwrap();
    let now = Utc::now().timestamp();
    let (card_secret, atm_secret) = (app.secrets["card"].clone(), app.secrets["webatm"].clone());
    let (card_notice, atm_notice) = (notice_for(&card, 1000), notice_for(&atm, 1007));
    let (one, two) = tokio::join!(
        post_notice(&app, "card", &card_secret, now, &card_notice),
        post_notice(&app, "webatm", &atm_secret, now, &atm_notice),
    );
    assert_eq!((one.as_u16(), two.as_u16()), (200, 200));
    assert_eq!(ledger(&app, "charge").await, 1);
    assert_eq!(
        ledger(&app, "unmatched").await,
        1,
        "the loser is kept for a refund"
    );
    let paid = order(&app, "acct-1", &id).await;
    assert_eq!(paid.state(), proto::OrderState::Paid);
    assert!(
        paid.provider_reference == card.payment_id || paid.provider_reference == atm.payment_id
    );
    app.stop().await;
}

#[tokio::test]
async fn a_virtual_account_transfer_whose_notice_never_comes_is_found_by_polling() {
    let app = TestPayment::start("polling").await.unwrap();
    let id = open(&app, "acct-1", "R-0401", "G-01").await;
    let payment = start(&app, "acct-1", &[&id], "virtual_account", "k")
        .await
        .unwrap();
    assert_eq!(payment.virtual_account.len(), 16, "{payment:?}");
    assert_eq!(payment.total.as_ref().unwrap().minor_units, 1010);
    // The bank takes the transfer but its notice is lost.
    app.simulator
        .settle("bank", &payment.provider_transaction_id, None, true)
        .unwrap();
    let (app_ref, order_id) = (&app, id.clone());
    eventually("the poller finds the transfer", move || {
        let order_id = order_id.clone();
        async move {
            (order(app_ref, "acct-1", &order_id).await.state() == proto::OrderState::Paid)
                .then_some(())
        }
    })
    .await;
    assert_eq!(ledger(&app, "charge").await, 1);
    assert_eq!(ledger(&app, "surcharge").await, 1);
    app.stop().await;
}

#[tokio::test]
async fn a_convenience_store_slip_expires_and_a_late_payment_is_kept() {
    let app = TestPayment::start("slip").await.unwrap();
    let id = open(&app, "acct-1", "R-0501", "G-01").await;
    let payment = start(&app, "acct-1", &[&id], "convenience_store", "k")
        .await
        .unwrap();
    let slip_data = payment.slip.clone().expect("a slip");
    assert_eq!(slip_data.slip_number.len(), 16);
    assert_eq!(slip_data.barcodes.len(), 3);
    let [one, two, three] = [
        &slip_data.barcodes[0],
        &slip_data.barcodes[1],
        &slip_data.barcodes[2],
    ];
    assert_eq!(two, &slip_data.slip_number);
    assert!(three.ends_with("000001008"), "{three}");
    let check = slip::check_characters(one, two, three);
    assert_eq!(&three[4..6], check.iter().collect::<String>());
    let deadline = chrono::NaiveDate::parse_from_str(&slip_data.deadline, "%Y-%m-%d").unwrap();
    assert_eq!((deadline - Utc::now().date_naive()).num_days(), 5);
    // The slip is announced for render to lay out, once, with what the
    // printed slip shows; the same request again announces nothing new.
    start(&app, "acct-1", &[&id], "convenience_store", "k")
        .await
        .unwrap();
    let issued = slips_issued(&app).await;
    assert_eq!(issued.len(), 1, "one slip, one event");
    let event = &issued[0];
    assert_eq!(event.payment_id, payment.payment_id);
    assert_eq!(event.order_ids, vec![id.clone()]);
    assert_eq!(event.receipt_numbers, vec!["R-0501".to_owned()]);
    assert_eq!(event.group_numbers, vec!["G-01".to_owned()]);
    assert_eq!(event.account_id, "acct-1");
    assert_eq!(event.payer_name, "陳**");
    assert_eq!(event.slip_number, slip_data.slip_number);
    assert_eq!(event.deadline, slip_data.deadline);
    assert_eq!(event.barcodes, slip_data.barcodes);
    assert_eq!(event.amount.as_ref().map(|m| m.minor_units), Some(1008));
    assert_eq!(event.surcharge_minor_units, 8);
    assert_eq!(
        event.lines.iter().map(|line| line.minor_units).sum::<i64>(),
        1008,
        "the lines sum to what the barcodes collect: {:?}",
        event.lines
    );

    // A day before the deadline the applicant is reminded, once.
    sqlx::query("UPDATE payments SET expires_at = now() + interval '1 hour'")
        .execute(&app.pool)
        .await
        .unwrap();
    let reminders = || async {
        sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM outbox WHERE event_type = 'payment.slip.expiring'",
        )
        .fetch_one(&app.pool)
        .await
        .unwrap()
    };
    eventually("the applicant is reminded", || async {
        (reminders().await == 1).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert_eq!(reminders().await, 1, "reminded once");

    // The deadline passes: the sweeper expires the slip.
    sqlx::query("UPDATE payments SET expires_at = now() - interval '1 second'")
        .execute(&app.pool)
        .await
        .unwrap();
    let (app_ref, payment_id) = (&app, payment.payment_id.clone());
    eventually("the slip expires", move || {
        let payment_id = payment_id.clone();
        async move {
            let found = payment_of(app_ref, "acct-1", &payment_id).await;
            (found.state() == proto::PaymentState::Expired).then_some(())
        }
    })
    .await;
    // The applicant is told the slip expired (the order stays open).
    let told: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM outbox WHERE event_type = 'payment.order.expired' AND aggregate_id = $1",
    )
    .bind(&id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(told, 1);
    assert_eq!(
        order(&app, "acct-1", &id).await.state(),
        proto::OrderState::Pending
    );
    // The applicant asks for a new slip: another number, a new deadline.
    let reissued = start(&app, "acct-1", &[&id], "convenience_store", "k-new")
        .await
        .unwrap();
    let new_slip = reissued.slip.clone().expect("a new slip");
    assert_ne!(new_slip.slip_number, slip_data.slip_number);
    assert_eq!(reissued.state(), proto::PaymentState::Pending);
    // Paid at the store anyway: the money is never lost, the order is paid.
    let now = Utc::now().timestamp();
    let secret = app.secrets["cvs"].clone();
    assert_eq!(
        post_notice(&app, "cvs", &secret, now, &notice_for(&payment, 1008)).await,
        200
    );
    assert_eq!(
        order(&app, "acct-1", &id).await.state(),
        proto::OrderState::Paid
    );
    app.stop().await;
}

#[tokio::test]
async fn counter_payments_and_refunds_follow_the_catalog() {
    let app = TestPayment::start("counter").await.unwrap();
    let mut request = tw_request("acct-9", "MO-0001", "");
    request.application_type = "home_return_permit".into();
    request.fee_variant = "first".into();
    request.date_of_birth = "1990-01-01".into();
    let Outcome::Opened(id) = app.open_order(MO, &request).await else {
        panic!("opened");
    };
    let id = id.to_string();
    let client = app.client().await;
    let record = |amount: i64, receipt: &str, role: Role| {
        let mut client = client.clone();
        let message = proto::RecordCounterPaymentRequest {
            order_id: id.clone(),
            method: "counter".into(),
            amount: Some(Money {
                minor_units: amount,
                currency: "HKD".into(),
            }),
            counter_receipt: receipt.into(),
            idempotency_key: String::new(),
        };
        let request = app.request(message, "cashier-1", MO, role);
        async move { client.record_counter_payment(request).await }
    };
    // Found by receipt number at the counter.
    let found = counter_finds(&app, "mo-0001").await;
    assert_eq!(found.orders.len(), 1);
    assert_eq!(found.orders[0].total.as_ref().unwrap().minor_units, 39000);
    // An applicant cannot record money; a wrong amount or receipt is refused.
    assert_eq!(
        record(39000, "C-1", Role::Applicant)
            .await
            .unwrap_err()
            .code(),
        Code::PermissionDenied
    );
    assert_eq!(
        field_of(&record(100, "C-1", Role::Counter).await.unwrap_err()),
        ["amount"]
    );
    assert_eq!(
        field_of(&record(39000, "<script>", Role::Counter).await.unwrap_err()),
        ["counter_receipt"]
    );
    let paid = record(39000, "C-1", Role::Counter)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(paid.state(), proto::OrderState::Paid);
    assert_eq!(paid.counter_receipt, "C-1");
    // Replayed by the same receipt: the same payment.
    record(39000, "C-1", Role::Counter).await.unwrap();
    assert_eq!(ledger(&app, "charge").await, 1);

    let refund = |amount: Option<i64>, key: &str| {
        let mut client = client.clone();
        let message = proto::RefundRequest {
            order_id: id.clone(),
            reason: "not approved".into(),
            amount: amount.map(|minor_units| Money {
                minor_units,
                currency: "HKD".into(),
            }),
            idempotency_key: key.into(),
        };
        let request = app.request(message, "admin-1", MO, Role::AgencyAdmin);
        async move { client.refund(request).await }
    };
    let part = refund(Some(9000), "r-1").await.unwrap().into_inner();
    assert_eq!(part.state(), proto::OrderState::PartlyRefunded);
    // The same key again refunds nothing more.
    refund(Some(9000), "r-1").await.unwrap();
    assert_eq!(
        field_of(&refund(Some(40000), "r-2").await.unwrap_err()),
        ["amount"]
    );
    let whole = refund(None, "r-3").await.unwrap().into_inner();
    assert_eq!(whole.state(), proto::OrderState::Refunded);
    assert_eq!(whole.refunded.as_ref().unwrap().minor_units, 39000);
    assert_eq!(ledger(&app, "refund").await, 2);
    // The ledger is append-only.
    assert!(
        sqlx::query("DELETE FROM ledger")
            .execute(&app.pool)
            .await
            .is_err()
    );

    // tw-nia never refunds.
    let tw = open(&app, "acct-1", "R-0601", "G-01").await;
    let payment = start(&app, "acct-1", &[&tw], "web_atm", "k").await.unwrap();
    let now = Utc::now().timestamp();
    let secret = app.secrets["webatm"].clone();
    post_notice(&app, "webatm", &secret, now, &notice_for(&payment, 1007)).await;
    let refused = app
        .client()
        .await
        .refund(app.request(
            proto::RefundRequest {
                order_id: tw,
                reason: "asked".into(),
                amount: None,
                idempotency_key: "x".into(),
            },
            "admin-2",
            TW,
            Role::AgencyAdmin,
        ))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::FailedPrecondition);
    app.stop().await;
}

async fn reconcile(
    app: &TestPayment,
    agency: &str,
    provider: &str,
    day: &str,
    role: Role,
) -> Result<proto::Reconciliation, tonic::Status> {
    app.client()
        .await
        .reconcile(app.request(
            proto::ReconcileRequest {
                provider: provider.to_owned(),
                day: day.to_owned(),
            },
            "admin-1",
            agency,
            role,
        ))
        .await
        .map(tonic::Response::into_inner)
}

#[tokio::test]
async fn the_settlement_file_and_the_ledger_are_reconciled_and_differences_reported() {
    // No polling here: a transfer whose notice is lost stays unknown.
    let app = TestPayment::start_tweaked("reconcile", |config| {
        config.payment.poll_after_seconds = 3600;
    })
    .await
    .unwrap();
    let mut transfers = Vec::new();
    for (receipt, key) in [("R-0701", "a"), ("R-0702", "b"), ("R-0703", "c")] {
        let id = open(&app, "acct-1", receipt, "G-07").await;
        let payment = start(&app, "acct-1", &[&id], "virtual_account", key)
            .await
            .unwrap();
        transfers.push((id, payment));
    }
    // The bank settles all three; the first one's notice is lost.
    for (index, (_, payment)) in transfers.iter().enumerate() {
        app.simulator
            .settle("bank", &payment.provider_transaction_id, None, index == 0)
            .unwrap();
    }
    let (app_ref, second, third) = (&app, transfers[1].0.clone(), transfers[2].0.clone());
    eventually("two transfers are applied", move || {
        let (second, third) = (second.clone(), third.clone());
        async move {
            let paid = order(app_ref, "acct-1", &second).await.state() == proto::OrderState::Paid
                && order(app_ref, "acct-1", &third).await.state() == proto::OrderState::Paid;
            paid.then_some(())
        }
    })
    .await;
    // A bug records money twice for the third transfer, and money of a
    // transaction the bank never saw.
    for (txn, amount) in [
        (transfers[2].1.provider_transaction_id.as_str(), 1010),
        ("ghost-txn", 500),
    ] {
        sqlx::query(
            "INSERT INTO ledger (agency, kind, amount, currency, provider, provider_txn, actor)
             VALUES ('tw-nia', 'charge', $1, 'TWD', 'bank', $2, 'test')",
        )
        .bind(amount)
        .bind(txn)
        .execute(&app.pool)
        .await
        .unwrap();
    }

    let today = Utc::now().date_naive().to_string();
    let run = reconcile(&app, TW, "bank", &today, Role::AgencyAdmin)
        .await
        .unwrap();
    assert_eq!((run.settled_rows, run.matched), (3, 1), "{run:?}");
    assert_eq!(
        (run.missing, run.extra, run.mismatched),
        (1, 1, 1),
        "{run:?}"
    );
    let kind_of = |txn: &str| {
        run.differences
            .iter()
            .find(|difference| difference.transaction_id == txn)
            .map(|difference| difference.kind.clone())
    };
    assert_eq!(
        kind_of(&transfers[0].1.provider_transaction_id).as_deref(),
        Some("missing")
    );
    assert_eq!(
        kind_of(&transfers[2].1.provider_transaction_id).as_deref(),
        Some("mismatched")
    );
    assert_eq!(kind_of("ghost-txn").as_deref(), Some("extra"));
    let mismatched = run
        .differences
        .iter()
        .find(|difference| difference.kind == "mismatched")
        .unwrap();
    assert_eq!(mismatched.settled.as_ref().unwrap().minor_units, 1010);
    assert_eq!(mismatched.recorded.as_ref().unwrap().minor_units, 2020);

    // Run again after the lost notice is found: it replaces the day's result.
    let notice = Notice {
        event: laissez_payment::provider::SUCCEEDED.to_owned(),
        transaction_id: transfers[0].1.provider_transaction_id.clone(),
        reference: transfers[0].1.payment_id.clone(),
        merchant: TW.to_owned(),
        amount: 1010,
        currency: "TWD".to_owned(),
        occurred_at: Utc::now(),
    };
    let secret = app.secrets["bank"].clone();
    assert_eq!(
        post_notice(&app, "bank", &secret, Utc::now().timestamp(), &notice).await,
        200
    );
    let again = reconcile(&app, TW, "bank", &today, Role::AgencyAdmin)
        .await
        .unwrap();
    assert_eq!((again.matched, again.missing), (2, 0), "{again:?}");
    let listed = app
        .client()
        .await
        .list_reconciliations(app.request(
            proto::ListReconciliationsRequest::default(),
            "admin-1",
            TW,
            Role::AgencyAdmin,
        ))
        .await
        .unwrap()
        .into_inner()
        .reconciliations;
    assert_eq!(listed.len(), 1, "one result per day and provider");
    assert_eq!(listed[0].missing, 0);
    let told: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM outbox WHERE event_type = 'payment.reconciliation.completed'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(told, 2);

    // Another agency's day at the same bank holds none of Taiwan's money.
    let other = reconcile(&app, MO, "bank", &today, Role::AgencyAdmin)
        .await
        .unwrap();
    assert_eq!((other.settled_rows, other.recorded_rows), (0, 0));
    // Bad input: named, nothing kept.
    let tomorrow = (Utc::now().date_naive() + chrono::Duration::days(1)).to_string();
    for (provider, day, field) in [
        ("bank", "yesterday", "day"),
        ("bank", tomorrow.as_str(), "day"),
        ("no-such-bank", today.as_str(), "provider"),
    ] {
        let refused = reconcile(&app, TW, provider, day, Role::AgencyAdmin)
            .await
            .unwrap_err();
        assert_eq!(field_of(&refused), [field], "{provider} {day}");
    }
    let applicant = reconcile(&app, TW, "bank", &today, Role::Applicant)
        .await
        .unwrap_err();
    assert_eq!(applicant.code(), Code::PermissionDenied);
    let kept: i64 = sqlx::query_scalar("SELECT count(*) FROM reconciliations")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(kept, 2);
    app.stop().await;
}

#[tokio::test]
async fn the_loser_of_two_settled_payments_is_refunded_through_its_provider() {
    let app = TestPayment::start("giveback").await.unwrap();
    let id = open(&app, "acct-1", "R-0801", "G-08").await;
    let card = start(&app, "acct-1", &[&id], "international_credit_card", "a")
        .await
        .unwrap();
    let atm = start(&app, "acct-1", &[&id], "web_atm", "b").await.unwrap();
    // The applicant pays twice, in two tabs; both providers take the money.
    app.simulator
        .settle("card", &card.provider_transaction_id, None, false)
        .unwrap();
    app.simulator
        .settle("webatm", &atm.provider_transaction_id, None, false)
        .unwrap();
    let state_of = |payment_id: String| {
        let app = &app;
        async move { payment_of(app, "acct-1", &payment_id).await.state() }
    };
    let (card_id, atm_id) = (card.payment_id.clone(), atm.payment_id.clone());
    let states = eventually("one pays, the other is given back", || {
        let (card_id, atm_id) = (card_id.clone(), atm_id.clone());
        async move {
            let states = (state_of(card_id).await, state_of(atm_id).await);
            let mut sorted = [states.0 as i32, states.1 as i32];
            sorted.sort_unstable();
            (sorted
                == [
                    proto::PaymentState::Succeeded as i32,
                    proto::PaymentState::Refunded as i32,
                ])
            .then_some(states)
        }
    })
    .await;
    assert_eq!(
        order(&app, "acct-1", &id).await.state(),
        proto::OrderState::Paid
    );
    assert_eq!(ledger(&app, "charge").await, 1);
    assert_eq!(ledger(&app, "unmatched").await, 1);
    assert_eq!(ledger(&app, "refund").await, 1);
    let told: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM outbox WHERE event_type = 'payment.order.refunded'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(told, 1);
    // The refunded provider's day reconciles: money in, money out, nothing else.
    let refunded_provider = if states.0 == proto::PaymentState::Refunded {
        "card"
    } else {
        "webatm"
    };
    let today = Utc::now().date_naive().to_string();
    let run = reconcile(&app, TW, refunded_provider, &today, Role::AgencyAdmin)
        .await
        .unwrap();
    assert_eq!(run.matched, 2, "{run:?}");
    assert!(run.differences.is_empty(), "{run:?}");
    // Sweeps go on: it is given back once.
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    assert_eq!(ledger(&app, "refund").await, 1);
    app.stop().await;
}

#[tokio::test]
async fn an_order_past_its_deadline_expires_and_late_money_follows_the_catalog() {
    let app = TestPayment::start("deadline").await.unwrap();
    let accepted = open(&app, "acct-1", "R-0901", "G-09").await;
    let refused = open(&app, "acct-1", "R-0902", "G-09").await;
    let late_ok = start(
        &app,
        "acct-1",
        &[&accepted],
        "international_credit_card",
        "a",
    )
    .await
    .unwrap();
    let late_no = start(
        &app,
        "acct-1",
        &[&refused],
        "international_credit_card",
        "b",
    )
    .await
    .unwrap();
    // The catalog's deadline passes (one agency accepts late money, the
    // other's catalog says `late_payment: refund`).
    sqlx::query(
        "UPDATE orders SET expires_at = now() - interval '1 second',
             late_payment_accepted = (id = $1::uuid)",
    )
    .bind(&accepted)
    .execute(&app.pool)
    .await
    .unwrap();
    let (app_ref, both) = (&app, [accepted.clone(), refused.clone()]);
    eventually("both orders expire", move || {
        let both = both.clone();
        async move {
            for id in &both {
                if order(app_ref, "acct-1", id).await.state() != proto::OrderState::Expired {
                    return None;
                }
            }
            Some(())
        }
    })
    .await;
    let told: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM outbox WHERE event_type = 'payment.order.expired'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(told, 2);
    // An expired order cannot be paid anew.
    let again = start(&app, "acct-1", &[&accepted], "web_atm", "c")
        .await
        .unwrap_err();
    assert_eq!(again.code(), Code::FailedPrecondition);

    // The card payments started before the deadline go through late.
    for payment in [&late_ok, &late_no] {
        app.simulator
            .settle("card", &payment.provider_transaction_id, None, false)
            .unwrap();
    }
    let (app_ref, paid_id) = (&app, accepted.clone());
    eventually("late money pays the order that accepts it", move || {
        let paid_id = paid_id.clone();
        async move {
            (order(app_ref, "acct-1", &paid_id).await.state() == proto::OrderState::Paid)
                .then_some(())
        }
    })
    .await;
    let (app_ref, given_back) = (&app, late_no.payment_id.clone());
    eventually("late money for the other is given back", move || {
        let given_back = given_back.clone();
        async move {
            (payment_of(app_ref, "acct-1", &given_back).await.state()
                == proto::PaymentState::Refunded)
                .then_some(())
        }
    })
    .await;
    assert_eq!(
        order(&app, "acct-1", &refused).await.state(),
        proto::OrderState::Expired
    );
    assert_eq!(ledger(&app, "charge").await, 1);
    assert_eq!(ledger(&app, "refund").await, 1);
    app.stop().await;
}

/// The fee is quoted from the answers intake hands over with the case
/// (only those the fee reads): a lost permit is priced as lost even when
/// the variant travels only as an answer.
#[tokio::test]
async fn an_order_is_priced_from_the_answers_the_fee_reads() {
    let app = TestPayment::start("fee_answers").await.unwrap();
    let mut request = tw_request("acct-10", "MO-0002", "");
    request.application_type = "home_return_permit".into();
    request.date_of_birth = "1990-01-01".into();
    request.fee_answers_json = serde_json::json!({"reason": "lost"}).to_string();
    assert!(matches!(
        app.open_order(MO, &request).await,
        Outcome::Opened(_)
    ));
    let found = counter_finds(&app, "MO-0002").await;
    // HK$560 for an adult's lost permit (seed 004), not the first one's 390.
    assert_eq!(found.orders[0].total.as_ref().unwrap().minor_units, 56000);
    app.stop().await;
}
