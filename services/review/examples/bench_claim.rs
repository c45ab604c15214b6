//! "Claim next case" and decisions under load: 1,000,000 queued cases across
//! 5 agencies seeded in bulk, then ClaimNext and Decide through gRPC with
//! tokens, from concurrent reviewers. Prints p50/p99 and rates.
//!
//! `cargo run --release -p laissez-review --example bench_claim`
//! (env: BENCH_CASES, BENCH_CLAIMS, BENCH_CONCURRENCY, BENCH_RATE: claims/s
//! offered in total, open loop; unset = closed loop).

use std::time::{Duration, Instant};

use laissez_kit::Role;
use laissez_kit::auth::testing::TestKeys;
use laissez_kit::db::TestDatabase;
use laissez_proto::events::v1::Decision;
use laissez_proto::review::v1::review_service_client::ReviewServiceClient;
use laissez_proto::review::v1::{ClaimNextRequest, DecideRequest};
use laissez_review::config::Config;
use laissez_review::startup::Application;
use tokio_util::sync::CancellationToken;
use tonic::Request;

const AGENCIES: [&str; 5] = ["fj-exit-entry", "mo-csm", "tw-nia", "hk-cts", "mo-cts"];

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[Duration], fraction: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = ((sorted.len() as f64 - 1.0) * fraction).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn with_token<T>(message: T, token: &str) -> anyhow::Result<Request<T>> {
    let mut request = Request::new(message);
    request
        .metadata_mut()
        .insert("authorization", format!("Bearer {token}").parse()?);
    Ok(request)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cases = env_number("BENCH_CASES", 1_000_000);
    let claims = env_number("BENCH_CLAIMS", 10_000);
    let concurrency = env_number("BENCH_CONCURRENCY", 16);
    // Claims per second offered by all reviewers together; 0 = as fast as
    // each reviewer can (closed loop, which measures saturation).
    let rate = env_number("BENCH_RATE", 0) as f64;

    let database = TestDatabase::create("laissez_review_bench").await?;
    let keys = TestKeys::new();
    let mut config = Config::default();
    config.common.grpc.listen = "127.0.0.1:0".parse()?;
    config.common.admin.listen = "127.0.0.1:0".parse()?;
    config.common.database.url = laissez_kit::config::ConnectionUrl::new(database.url.clone());
    config.common.database.max_connections = 32;
    config.events.exchange = format!("bench.review.{}", uuid::Uuid::new_v4().simple());
    config.catalog.dir =
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../deploy/agencies");
    config.queue.maintenance_interval_seconds = 3600;
    let shutdown = CancellationToken::new();
    let application =
        Application::build_with_keys(config, shutdown.clone(), Some(keys.keys.clone())).await?;
    let pool = application.pool();
    let address = application.grpc_addr();
    let server = tokio::spawn(application.run_until_stopped());

    let seeding = Instant::now();
    sqlx::query(
        "INSERT INTO review_case (case_id, agency, receipt_number, application_type, submitted_at, state, lane, queue_key, party, snapshot) \
         SELECT gen_random_uuid(), \
                (ARRAY['fj-exit-entry','mo-csm','tw-nia','hk-cts','mo-cts'])[1 + n % 5], \
                'B' || n, \
                'type_' || (n / 5) % 3, \
                now() - make_interval(secs => (n % 2592000)), \
                'queued', \
                CASE WHEN n % 10 = 0 THEN 'priority' ELSE 'normal' END, \
                now() - make_interval(secs => (n % 2592000)) - CASE WHEN n % 10 = 0 THEN interval '72 hours' ELSE interval '0' END, \
                '{}'::jsonb, '{}'::jsonb \
         FROM generate_series(1, $1::bigint) AS n",
    )
    .bind(i64::try_from(cases)?)
    .execute(&pool)
    .await?;
    // Measure the steady state, not the bulk load's aftermath: vacuum now
    // (autovacuum would otherwise visit the million fresh rows mid-run) and
    // flush the load's dirty pages before the clock starts.
    sqlx::query("VACUUM ANALYZE review_case")
        .execute(&pool)
        .await?;
    if let Err(error) = sqlx::query("CHECKPOINT").execute(&pool).await {
        println!("(no CHECKPOINT before measuring: {error})");
    }
    println!(
        "seeded {cases} queued cases across 5 agencies in {:.1?}",
        seeding.elapsed()
    );

    let channel = tonic::transport::Endpoint::from_shared(format!("http://{address}"))?
        .connect()
        .await?;
    let client = ReviewServiceClient::new(channel);

    // Warm-up, not measured: every reviewer claims a few cases at once, so
    // the pool's connections are open and the queue heads are cached before
    // the clock starts.
    let mut warm_up = Vec::new();
    for worker in 0..concurrency {
        let agency = AGENCIES[worker % AGENCIES.len()];
        let token = keys.token(
            &format!("warm-up-{worker}"),
            agency,
            "staff",
            &[Role::Reviewer],
        );
        let mut client = client.clone();
        warm_up.push(tokio::spawn(async move {
            for _ in 0..5 {
                client
                    .claim_next(with_token(ClaimNextRequest::default(), &token)?)
                    .await?;
            }
            anyhow::Ok(())
        }));
    }
    for task in warm_up {
        task.await??;
    }

    // Claims: `concurrency` reviewers spread over the agencies.
    let per_worker = claims / concurrency;
    let started = Instant::now();
    let mut workers = Vec::new();
    for worker in 0..concurrency {
        let agency = AGENCIES[worker % AGENCIES.len()];
        let token = keys.token(
            &format!("reviewer-{worker}"),
            agency,
            "staff",
            &[Role::Reviewer],
        );
        let mut client = client.clone();
        // Open loop: each reviewer claims on a fixed schedule, and latency
        // counts from the scheduled moment, so a late start counts too.
        let mut schedule = (rate > 0.0).then(|| {
            let period = Duration::from_secs_f64(concurrency as f64 / rate);
            let offset = period.mul_f64(worker as f64 / concurrency as f64);
            tokio::time::interval_at(tokio::time::Instant::now() + offset, period)
        });
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(per_worker);
            let mut claimed = Vec::with_capacity(per_worker);
            for _ in 0..per_worker {
                let request = with_token(ClaimNextRequest::default(), &token)?;
                let begun = match schedule.as_mut() {
                    Some(schedule) => schedule.tick().await.into_std(),
                    None => Instant::now(),
                };
                let claim = client.claim_next(request).await?.into_inner();
                latencies.push(begun.elapsed());
                claimed.push(claim.case_id);
            }
            anyhow::Ok((latencies, claimed, token))
        }));
    }
    let mut latencies = Vec::new();
    let mut claimed_by_worker = Vec::new();
    for worker in workers {
        let (worker_latencies, claimed, token) = worker.await??;
        latencies.extend(worker_latencies);
        claimed_by_worker.push((claimed, token));
    }
    let elapsed = started.elapsed();
    latencies.sort();
    let load = if rate > 0.0 {
        format!("offered {rate:.0}/s")
    } else {
        "closed loop".to_owned()
    };
    println!(
        "ClaimNext: {} claims, {concurrency} concurrent reviewers, {load}: p50 {:.2?}, p99 {:.2?}, {:.0} claims/s",
        latencies.len(),
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.99),
        latencies.len() as f64 / elapsed.as_secs_f64()
    );

    // Decisions on the claimed cases (each event goes to the outbox).
    let started = Instant::now();
    let mut workers = Vec::new();
    for (claimed, token) in claimed_by_worker {
        let mut client = client.clone();
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(claimed.len());
            for case_id in claimed {
                let request = with_token(
                    DecideRequest {
                        case_id,
                        decision: Decision::Approved as i32,
                        comment: String::new(),
                        fee_forfeited: false,
                    },
                    &token,
                )?;
                let begun = Instant::now();
                client.decide(request).await?;
                latencies.push(begun.elapsed());
            }
            anyhow::Ok(latencies)
        }));
    }
    let mut latencies = Vec::new();
    for worker in workers {
        latencies.extend(worker.await??);
    }
    let elapsed = started.elapsed();
    latencies.sort();
    println!(
        "Decide: {} decisions: p50 {:.2?}, p99 {:.2?}, {:.0} decisions/s",
        latencies.len(),
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.99),
        latencies.len() as f64 / elapsed.as_secs_f64()
    );

    shutdown.cancel();
    let _ = tokio::time::timeout(Duration::from_secs(10), server).await;
    database.drop_database().await;
    Ok(())
}
