//! The portal under load: the dashboard and case-detail pages requested by
//! 200 concurrent signed-in users (each with their own account, session and
//! case) on loopback, against the gateway's static stylesheet at the same
//! concurrency as the baseline (same process, same run). Prints requests
//! per second and p50/p99 for each and the ratios; the target is a p99
//! under 50 ms for the pages.
//!
//! Everything runs in this process against the local PostgreSQL, Redis and
//! RabbitMQ: identity, intake and notify in-process, the gateway in front.
//!
//! ```text
//! cargo run --release -p laissez-gateway --example bench_pages
//! ```
//!
//! `BENCH_USERS` (default 200) and `BENCH_SECONDS` per phase (default 10).
//! By default each user sends its next request as soon as the last is
//! answered (as wrk and oha do). `BENCH_THINK_MS` makes each user pause that
//! long between pages, as people do: 200 users thinking 1,000 ms offer
//! about 200 pages per second.

#[path = "../tests/api/support.rs"]
mod support;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use futures::StreamExt;
use laissez_identity::domain::login_name::LoginName;
use laissez_identity::domain::password::Password;
use laissez_identity::store::accounts::{self, AccountStatus, NewAccount};
use support::{FJ, FJ_PORTAL, PASSWORD, Services, Stack, taiwan_id};

const SESSION_COOKIE: &str = "__Host-laissez-session";

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[Duration], fraction: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let index = ((sorted.len() as f64 - 1.0) * fraction).round() as usize;
    sorted[index.min(sorted.len() - 1)].as_secs_f64() * 1000.0
}

struct User {
    cookie: String,
    case_path: String,
}

struct Phase {
    rate: f64,
    p50_ms: f64,
    p99_ms: f64,
    requests: usize,
}

/// Every user requests `path_of(user)` back to back for `seconds`; any
/// answer but 200 with a body stops the benchmark.
async fn phase(
    stack: &Stack,
    users: &Arc<Vec<User>>,
    seconds: u64,
    think: Duration,
    path_of: fn(&User) -> String,
) -> Phase {
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for index in 0..users.len() {
        let (users, stop, http) = (users.clone(), stop.clone(), stack.http.clone());
        let url = stack.url(&path_of(&users[index]));
        tasks.push(tokio::spawn(async move {
            let user = &users[index];
            let mut latencies = Vec::new();
            // Users start spread over one think time, not all at once.
            if !think.is_zero() {
                let offset = think.as_secs_f64() * index as f64 / users.len() as f64;
                tokio::time::sleep(Duration::from_secs_f64(offset)).await;
            }
            while !stop.load(Ordering::Relaxed) {
                let sent = Instant::now();
                let response = http
                    .get(&url)
                    .header("cookie", &user.cookie)
                    .header("accept-language", "zh-Hant")
                    .send()
                    .await
                    .expect("the gateway answers");
                let status = response.status();
                let body = response.bytes().await.expect("a whole body");
                assert!(
                    status == 200 && !body.is_empty(),
                    "{url}: {status} {}",
                    String::from_utf8_lossy(&body)
                );
                latencies.push(sent.elapsed());
                tokio::time::sleep(think).await;
            }
            latencies
        }));
    }
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.expect("a user task"));
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort();
    Phase {
        rate: latencies.len() as f64 / elapsed,
        p50_ms: percentile(&latencies, 0.5),
        p99_ms: percentile(&latencies, 0.99),
        requests: latencies.len(),
    }
}

/// A Fujian applicant made directly in identity's store (registration has
/// its own per-source limits), signed in through the API, with one complete
/// draft: its portal cookie and case page.
async fn user(stack: &Stack, hash: &str) -> User {
    let sequence = stack.next_sequence();
    let document = taiwan_id(sequence);
    let mobile = format!("1391234{sequence:04}");
    let fields: BTreeMap<String, String> = [
        ("document_type", "tw_id_card"),
        ("document_number", document.as_str()),
        ("chinese_surname", "陳"),
        ("chinese_given_name", "大文"),
        ("validity_period", "2030-01-01"),
        ("household_place", "kinmen"),
        ("mobile", mobile.as_str()),
    ]
    .into_iter()
    .map(|(key, value)| (key.to_owned(), value.to_owned()))
    .collect();
    let login_name = LoginName::normalise_attempt(&document);
    let mut connection = stack.identity.pool().acquire().await.expect("a connection");
    accounts::insert_if_absent(
        &mut connection,
        NewAccount {
            agency: FJ,
            portal: FJ_PORTAL,
            login_name: &login_name,
            password_hash: hash,
            status: AccountStatus::Active,
            staff: false,
            roles: vec!["applicant".into()],
            email: "",
            mobile: &mobile,
            display_name: "陳大文",
            fields,
            language: 2,
        },
    )
    .await
    .expect("an account");
    drop(connection);
    let session = stack.login(FJ, FJ_PORTAL, &document, PASSWORD, false).await;
    let case_id = stack.complete_fj_draft(&session).await;
    User {
        cookie: format!("{SESSION_COOKIE}={session}"),
        case_path: format!("/portal/{FJ}/{FJ_PORTAL}/cases/{case_id}"),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let users = env_or("BENCH_USERS", 200).max(1);
    let seconds = env_or("BENCH_SECONDS", 10).max(1) as u64;
    let think = Duration::from_millis(env_or("BENCH_THINK_MS", 0) as u64);
    let cores = std::thread::available_parallelism().map_or(2, usize::from);
    println!(
        "portal benchmark: {cores} cores, {users} concurrent signed-in users, {seconds} s per phase, \
         {} ms between a user's pages",
        think.as_millis()
    );
    // The per-address limits would refuse one machine playing 200 users;
    // they stay on (and cost their Redis call) with room for the load.
    // Notify runs too: every signed-in page's header asks it for the
    // unread count.
    let services = Services {
        notify: true,
        ..Services::INTAKE
    };
    let stack = Stack::start_with(services, |config| {
        config.gateway.rate_limit.requests_per_window = u64::MAX / 4;
        config.gateway.rate_limit.sign_in_requests_per_window = u64::MAX / 4;
    })
    .await;
    let hash = stack
        .identity
        .hasher()
        .hash(&Password::new(PASSWORD))
        .await
        .map_err(|error| anyhow::anyhow!("{error}"))?;
    let made: Vec<User> = futures::stream::iter(0..users)
        .map(|_| user(&stack, &hash))
        .buffer_unordered(8)
        .collect()
        .await;
    let users = Arc::new(made);
    println!("{} users signed in, each with a case", users.len());

    let dashboard = |_: &User| format!("/portal/{FJ}/{FJ_PORTAL}/");
    let case_page = |user: &User| user.case_path.clone();
    let stylesheet = |_: &User| "/portal/static/portal.css".to_owned();
    // Warm-up (connections, statement caches), not counted.
    phase(&stack, &users, 2, think, dashboard).await;
    phase(&stack, &users, 2, think, case_page).await;

    let baseline = phase(&stack, &users, seconds, think, stylesheet).await;
    let dashboard = phase(&stack, &users, seconds, think, dashboard).await;
    let case_page = phase(&stack, &users, seconds, think, case_page).await;
    for (name, figures) in [
        ("baseline: static stylesheet", &baseline),
        ("dashboard page", &dashboard),
        ("case-detail page", &case_page),
    ] {
        println!(
            "{name}: {:.1} requests/s, p50 {:.2} ms, p99 {:.2} ms ({} requests)",
            figures.rate, figures.p50_ms, figures.p99_ms, figures.requests
        );
    }
    for (name, figures) in [("dashboard", &dashboard), ("case-detail", &case_page)] {
        println!(
            "{name}: {:.3} of the baseline's requests/s; p99 {:.2} ms {}",
            figures.rate / baseline.rate,
            figures.p99_ms,
            if figures.p99_ms < 50.0 {
                "(target < 50 ms: met)"
            } else {
                "(target < 50 ms: NOT met)"
            }
        );
    }
    stack.stop().await;
    Ok(())
}
