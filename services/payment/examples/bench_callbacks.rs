//! `bench_callbacks`: how fast payment verifies and applies provider
//! notices, against a baseline of the same number of HMAC checks plus
//! one-row UPDATE transactions straight on PostgreSQL, in the same run.
//!
//! 10,000 orders (50 applicants × 200) are paid by web ATM: 50 applicants
//! start their payments concurrently through gRPC (p50/p99 printed); then
//! every payment's notice is delivered three times, all 30,000 shuffled,
//! signed, posted over HTTP to the callback listener by 32 senders.
//! Afterwards: exactly 10,000 orders paid, one charge each.
//!
//! `cargo run --release -p laissez-payment --features testing --example bench_callbacks [orders]`

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use futures::StreamExt;
use laissez_kit::Role;
use laissez_payment::domain::signature;
use laissez_payment::events::Outcome;
use laissez_payment::provider::Notice;
use laissez_payment::testing::{Delivery, TestPayment, tw_request};
use laissez_proto::payment::v1 as proto;
use rand::seq::SliceRandom;

const APPLICANTS: usize = 50;
const COPIES: usize = 3;
const SENDERS: usize = 32;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

/// Posts every body, signed now, with `SENDERS` at once; (time, refusals).
async fn deliver(url: &str, secret: &str, bodies: Vec<Vec<u8>>) -> (Duration, usize) {
    let http = reqwest::Client::new();
    let started = Instant::now();
    let answers: Vec<u16> = futures::stream::iter(bodies)
        .map(|body| {
            let (http, url, secret) = (http.clone(), url.to_owned(), secret.to_owned());
            async move {
                let now = Utc::now().timestamp();
                http.post(&url)
                    .header(signature::TIMESTAMP_HEADER, now.to_string())
                    .header(
                        signature::SIGNATURE_HEADER,
                        signature::sign(secret.as_bytes(), now, &body),
                    )
                    .body(body)
                    .send()
                    .await
                    .map_or(0, |response| response.status().as_u16())
            }
        })
        .buffer_unordered(SENDERS)
        .collect()
        .await;
    let refused = answers.iter().filter(|status| **status != 200).count();
    (started.elapsed(), refused)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let orders: usize = std::env::args()
        .nth(1)
        .and_then(|text| text.parse().ok())
        .unwrap_or(10_000);
    let per_applicant = orders.div_ceil(APPLICANTS);
    let keys = laissez_kit::auth::testing::TestKeys::new();
    let intake =
        laissez_intake::testing::TestIntake::start_with("paybench", 4, keys.clone(), |_| {})
            .await?;
    let app = TestPayment::start_with(
        "bench",
        keys,
        &format!("http://{}", intake.grpc_addr),
        Delivery::default(),
        |config| {
            config.common.database.max_connections = 40;
            // Only the benchmark's notices: no sweeper polls during the run.
            config.payment.sweep_interval_seconds = 3600;
            config.payment.poll_after_seconds = 3600;
        },
    )
    .await?;
    let app = Arc::new(app);

    // 1. Orders, through the consumer's own code.
    let started = Instant::now();
    let mut opened: Vec<Vec<String>> = vec![Vec::new(); APPLICANTS];
    let requests: Vec<(usize, _)> = (0..orders)
        .map(|index| {
            let applicant = index % APPLICANTS;
            (
                applicant,
                tw_request(
                    &format!("bench-{applicant}"),
                    &format!("R{index:08}"),
                    &format!("G{index:08}"),
                ),
            )
        })
        .collect();
    let results: Vec<(usize, Outcome)> = futures::stream::iter(requests)
        .map(|(applicant, request)| {
            let app = app.clone();
            async move { (applicant, app.open_order("tw-nia", &request).await) }
        })
        .buffer_unordered(16)
        .collect()
        .await;
    for (applicant, outcome) in results {
        if let Outcome::Opened(id) = outcome {
            opened[applicant].push(id.to_string());
        }
    }
    println!(
        "opened {orders} orders in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    // 2. 50 applicants start their payments at once (one per order).
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (applicant, ids) in opened.into_iter().enumerate() {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            let mut client = app.client().await;
            let mut latencies = Vec::with_capacity(per_applicant);
            let mut payments = Vec::with_capacity(per_applicant);
            for (index, id) in ids.into_iter().enumerate() {
                let request = app.request(
                    proto::StartPaymentRequest {
                        order_ids: vec![id],
                        method: "web_atm".into(),
                        idempotency_key: format!("k-{index}"),
                        return_url: String::new(),
                    },
                    &format!("bench-{applicant}"),
                    "tw-nia",
                    Role::Applicant,
                );
                let began = Instant::now();
                let payment = client.start_payment(request).await;
                latencies.push(began.elapsed());
                payments.push(payment.expect("a payment starts").into_inner());
            }
            (latencies, payments)
        }));
    }
    let mut latencies = Vec::new();
    let mut payments = Vec::new();
    for task in tasks {
        let (mut some, mut more) = task.await?;
        latencies.append(&mut some);
        payments.append(&mut more);
    }
    latencies.sort();
    println!(
        "start payment, {APPLICANTS} concurrent applicants: {} payments in {:.1} s, p50 {:.1} ms, p99 {:.1} ms",
        payments.len(),
        started.elapsed().as_secs_f64(),
        percentile(&latencies, 0.50).as_secs_f64() * 1000.0,
        percentile(&latencies, 0.99).as_secs_f64() * 1000.0,
    );

    // 3. Every notice three times, shuffled, signed, posted.
    let secret = app.secrets["webatm"].clone();
    let mut bodies: Vec<Vec<u8>> = Vec::with_capacity(payments.len() * COPIES);
    for payment in &payments {
        let notice = Notice {
            event: "charge.succeeded".into(),
            transaction_id: payment.provider_transaction_id.clone(),
            reference: payment.payment_id.clone(),
            merchant: "tw-nia".into(),
            amount: payment.total.as_ref().map_or(0, |total| total.minor_units),
            currency: "TWD".into(),
            occurred_at: Utc::now(),
        };
        let body = serde_json::to_vec(&notice)?;
        for _ in 0..COPIES {
            bodies.push(body.clone());
        }
    }
    bodies.shuffle(&mut rand::thread_rng());
    let total = bodies.len();
    let url = format!("http://{}/callbacks/webatm", app.callback_addr);
    let (elapsed, refused) = deliver(&url, &secret, bodies.clone()).await;
    let rate = total as f64 / elapsed.as_secs_f64();
    println!(
        "notices: {total} verified and applied in {:.2} s = {rate:.0}/s ({refused} refused)",
        elapsed.as_secs_f64()
    );
    // Where the time goes: the same deliveries again, now all copies of
    // applied notices (HTTP, signature and one indexed read each).
    let (again, _) = deliver(&url, &secret, bodies).await;
    println!(
        "  of which HTTP + verification + duplicate check alone: {:.0}/s",
        total as f64 / again.as_secs_f64()
    );

    // 4. Baseline: the same number of HMAC checks plus one-row UPDATE
    // transactions straight on PostgreSQL, with as many workers.
    sqlx::query("CREATE TABLE bench_baseline (id integer PRIMARY KEY, paid boolean NOT NULL)")
        .execute(&app.pool)
        .await?;
    sqlx::query("INSERT INTO bench_baseline SELECT g, false FROM generate_series(0, $1 - 1) AS g")
        .bind(i32::try_from(payments.len())?)
        .execute(&app.pool)
        .await?;
    let body = br#"{"event":"charge.succeeded","transaction_id":"webatm-0000000001"}"#.to_vec();
    let now = Utc::now().timestamp();
    let header = signature::sign(secret.as_bytes(), now, &body);
    let rows = payments.len();
    let started = Instant::now();
    futures::stream::iter(0..total)
        .map(|index| {
            let (pool, secret, body, header) = (
                app.pool.clone(),
                secret.clone(),
                body.clone(),
                header.clone(),
            );
            async move {
                signature::verify(
                    secret.as_bytes(),
                    Some(&header),
                    Some(&now.to_string()),
                    &body,
                    now,
                    300,
                )
                .expect("verifies");
                let mut transaction = pool.begin().await.expect("begin");
                sqlx::query("UPDATE bench_baseline SET paid = true WHERE id = $1")
                    .bind(i32::try_from(index % rows).unwrap_or(0))
                    .execute(&mut *transaction)
                    .await
                    .expect("update");
                transaction.commit().await.expect("commit");
            }
        })
        .buffer_unordered(SENDERS)
        .collect::<Vec<()>>()
        .await;
    let baseline = total as f64 / started.elapsed().as_secs_f64();
    println!("baseline: {total} HMAC checks + one-row UPDATE transactions = {baseline:.0}/s");
    println!(
        "ratio: {:.2} × the baseline (target ≥ 0.5)",
        rate / baseline
    );

    // 5. Correctness.
    let paid: i64 = sqlx::query_scalar("SELECT count(*) FROM orders WHERE state = 'paid'")
        .fetch_one(&app.pool)
        .await?;
    let charges: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM (SELECT order_id FROM ledger WHERE kind = 'charge'
             GROUP BY order_id HAVING count(*) > 1) AS doubled",
    )
    .fetch_one(&app.pool)
    .await?;
    let unmatched: i64 = sqlx::query_scalar("SELECT count(*) FROM ledger WHERE kind = 'unmatched'")
        .fetch_one(&app.pool)
        .await?;
    println!("orders paid: {paid} of {orders}; double charges: {charges}; unmatched: {unmatched}");
    if let Ok(app) = Arc::try_unwrap(app) {
        app.stop().await;
    }
    let _ = intake.stop().await;
    anyhow::ensure!(
        paid == i64::try_from(orders)? && charges == 0 && unmatched == 0,
        "the run did not pay every order exactly once"
    );
    Ok(())
}
