//! Identity's benchmark: logins per second through the gRPC API against raw
//! Argon2id verifications per second with the same parameters, captcha
//! images per second, and session validation latency.
//!
//! Needs the local PostgreSQL and Redis (RabbitMQ only for the relay):
//!
//! ```text
//! cargo run --release -p laissez-identity --example bench_login [seconds per phase, default 6]
//! ```

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use laissez_identity::config::{Argon2Settings, Config};
use laissez_identity::domain::password::Password;
use laissez_identity::passwords::PasswordHasher;
use laissez_identity::startup::Application;
use laissez_identity::store::accounts::{self, AccountStatus, NewAccount};
use laissez_kit::db::TestDatabase;
use laissez_proto::identity::v1::identity_service_client::IdentityServiceClient;
use laissez_proto::identity::v1::{CreateCaptchaRequest, ExchangeSessionRequest, LoginRequest};
use tokio_util::sync::CancellationToken;

const PASSWORD: &str = "Bench-Passw0rd-42";
const ACCOUNTS: usize = 64;
const ROUNDS: usize = 5;
/// Logins in flight per core: enough that a hash is always ready to start
/// while others wait on PostgreSQL, Redis or the network.
const IN_FLIGHT_PER_CORE: usize = 4;

fn percentile(sorted: &[Duration], fraction: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * fraction).round() as usize;
    sorted.get(index).copied().unwrap_or_default()
}

/// Raw verifications per second on one thread per core.
fn raw_argon2(seconds: u64) -> f64 {
    let hasher = PasswordHasher::new(Argon2Settings::default()).expect("argon2");
    let hash = tokio::runtime::Runtime::new()
        .expect("runtime")
        .block_on(hasher.hash(&Password::new(PASSWORD)))
        .expect("hash");
    let cores = std::thread::available_parallelism()
        .map(usize::from)
        .unwrap_or(2);
    let stop = Arc::new(AtomicBool::new(false));
    let count = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let threads: Vec<_> = (0..cores)
        .map(|_| {
            let (hasher, hash, stop, count) =
                (hasher.clone(), hash.clone(), stop.clone(), count.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    assert!(hasher.verify_blocking(PASSWORD, &hash));
                    count.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(seconds));
    stop.store(true, Ordering::Relaxed);
    for thread in threads {
        let _ = thread.join();
    }
    count.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64()
}

/// Logins per second through gRPC for `seconds`, [`IN_FLIGHT_PER_CORE`] in flight per core;
/// returns the rate and up to 50 session tokens per worker.
async fn login_round(
    client: &IdentityServiceClient<tonic::transport::Channel>,
    cores: usize,
    seconds: u64,
) -> anyhow::Result<(f64, Vec<String>)> {
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let mut workers = Vec::new();
    let in_flight = cores * IN_FLIGHT_PER_CORE;
    for worker in 0..in_flight {
        let (mut client, stop) = (client.clone(), stop.clone());
        workers.push(tokio::spawn(async move {
            let mut done = 0u64;
            let mut tokens = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let response = client
                    .login(LoginRequest {
                        agency: "fj-exit-entry".into(),
                        portal: "nia-app".into(),
                        login_name: format!(
                            "bench-{}",
                            (worker + done as usize * in_flight) % ACCOUNTS
                        ),
                        password: PASSWORD.into(),
                        source_ip: format!("10.99.{worker}.1"),
                        ..LoginRequest::default()
                    })
                    .await
                    .expect("login");
                if tokens.len() < 50 {
                    tokens.push(response.into_inner().session_token);
                }
                done += 1;
            }
            (done, tokens)
        }));
    }
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    let mut logins = 0;
    let mut sessions = Vec::new();
    for worker in workers {
        let (done, tokens) = worker.await?;
        logins += done;
        sessions.extend(tokens);
    }
    Ok((logins as f64 / started.elapsed().as_secs_f64(), sessions))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let seconds: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(6);
    let cores = std::thread::available_parallelism()
        .map(usize::from)
        .unwrap_or(2);
    println!(
        "identity benchmark: {cores} cores, {seconds} s per phase, Argon2id m=19456 KiB t=2 p=1"
    );

    let database = TestDatabase::create("laissez_identity_bench").await?;
    let mut config = Config::default();
    config.common.grpc.listen = "127.0.0.1:0".parse()?;
    config.common.admin.listen = "127.0.0.1:0".parse()?;
    config.common.database.url = laissez_kit::config::ConnectionUrl::new(database.url.clone());
    config.common.database.max_connections = 16;
    config.events.exchange = "laissez.bench.identity".to_owned();
    let prefix = format!("bench:identity:{}:", uuid::Uuid::new_v4().simple());
    config.identity.redis_prefix = prefix.clone();
    config.catalog.dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/agencies");
    let shutdown = CancellationToken::new();
    let application = Application::build(config, shutdown.clone()).await?;
    let addr = application.grpc_addr();
    let identity = application.identity();
    let server = tokio::spawn(application.run_until_stopped());
    let client = IdentityServiceClient::connect(format!("http://{addr}")).await?;

    let hash = identity
        .hasher()
        .hash(&Password::new(PASSWORD))
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut connection = identity.pool().acquire().await?;
    for index in 0..ACCOUNTS {
        accounts::insert_if_absent(
            &mut connection,
            NewAccount {
                agency: "fj-exit-entry",
                portal: "nia-app",
                login_name: &format!("bench-{index}"),
                password_hash: &hash,
                status: AccountStatus::Active,
                staff: false,
                roles: vec!["applicant".into()],
                email: "",
                mobile: "",
                display_name: "bench",
                fields: BTreeMap::new(),
                language: 0,
            },
        )
        .await?;
    }
    drop(connection);

    // Alternating rounds of raw verifications and logins through gRPC
    // (portal without captcha), with the service up in
    // both: the machine is shared, so each ratio compares neighbours in time
    // and the median of the rounds is reported.
    let mut ratios = Vec::new();
    // Warm-up, not measured: connections opened, scripts loaded, the
    // verification buffers allocated.
    let (_, mut sessions) = login_round(&client, cores, 2).await?;
    for round in 0..ROUNDS {
        let raw = tokio::task::spawn_blocking(move || raw_argon2(seconds)).await?;
        let (login_rate, tokens) = login_round(&client, cores, seconds).await?;
        sessions.extend(tokens);
        println!(
            "round {round}: raw Argon2id verifications {raw:.1}/s, logins through gRPC {login_rate:.1}/s, ratio {:.3}",
            login_rate / raw
        );
        ratios.push((login_rate / raw, raw, login_rate));
    }
    ratios.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (ratio, raw, login_rate) = ratios[ratios.len() / 2];
    println!("median round: raw Argon2id verifications: {raw:.1}/s");
    println!("median round: logins through gRPC: {login_rate:.1}/s");
    println!(
        "ratio logins / raw verifications (median of {ROUNDS} rounds): {ratio:.3} (target >= 0.9)"
    );

    // Captcha images.
    let started = Instant::now();
    let mut images = 0u64;
    let mut tasks = Vec::new();
    let stop = Arc::new(AtomicBool::new(false));
    for _ in 0..cores * 2 {
        let (mut client, stop) = (client.clone(), stop.clone());
        tasks.push(tokio::spawn(async move {
            let mut done = 0u64;
            while !stop.load(Ordering::Relaxed) {
                client
                    .create_captcha(CreateCaptchaRequest {
                        agency: "tw-nia".into(),
                        portal: "mainland-students".into(),
                        pre_session: String::new(),
                    })
                    .await
                    .expect("captcha");
                done += 1;
            }
            done
        }));
    }
    tokio::time::sleep(Duration::from_secs(seconds.min(5))).await;
    stop.store(true, Ordering::Relaxed);
    for task in tasks {
        images += task.await?;
    }
    println!(
        "captcha images through gRPC: {:.1}/s",
        images as f64 / started.elapsed().as_secs_f64()
    );

    // Session validation: in the store (Redis) and as ExchangeSession over gRPC.
    let mut store_latencies = Vec::new();
    let mut grpc_latencies = Vec::new();
    let mut client = client.clone();
    for round in 0..5_000 {
        let token = &sessions[round % sessions.len()];
        let started = Instant::now();
        identity
            .sessions()
            .validate(token)
            .await?
            .expect("live session");
        store_latencies.push(started.elapsed());
        let started = Instant::now();
        client
            .exchange_session(ExchangeSessionRequest {
                session_token: token.clone(),
            })
            .await?;
        grpc_latencies.push(started.elapsed());
    }
    store_latencies.sort();
    grpc_latencies.sort();
    println!(
        "session validation (Redis): p50 {:?}, p99 {:?}",
        percentile(&store_latencies, 0.5),
        percentile(&store_latencies, 0.99)
    );
    println!(
        "ExchangeSession over gRPC (validation + account read + token signing): p50 {:?}, p99 {:?}",
        percentile(&grpc_latencies, 0.5),
        percentile(&grpc_latencies, 0.99)
    );

    shutdown.cancel();
    let _ = server.await;
    database.drop_database().await;
    if let Ok(redis) = redis::Client::open("redis://127.0.0.1:6379")
        && let Ok(mut connection) = redis.get_multiplexed_async_connection().await
    {
        let keys: Vec<String> = redis::cmd("KEYS")
            .arg(format!("{prefix}*"))
            .query_async(&mut connection)
            .await
            .unwrap_or_default();
        for key in keys {
            let _: Result<(), _> = redis::cmd("DEL")
                .arg(key)
                .query_async(&mut connection)
                .await;
        }
    }
    Ok(())
}
