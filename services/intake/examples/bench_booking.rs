//! Booking under contention, in-process on port 0 against its own fresh
//! database: hk-cts's 5 centres × 60 days of 15-minute slots (capacity 6),
//! `BENCH_APPLICANTS` (default 200) concurrent applicants searching and
//! booking through the gRPC service until every place is taken.
//!
//! Each applicant walks the centres and weeks from a random start: it
//! searches one centre and one week for free slots (SearchSlots), books
//! one of the first free ones for its next draft (BookAppointment, slot
//! at once), and searches again when the slot filled meanwhile; it stops
//! when no centre has a free slot left. The drafts (one per place, spread
//! over the applicants) are copied in SQL from one started through the
//! service; that set-up is not timed.
//!
//! Baseline in the same run, on the same PostgreSQL: the same number of
//! single-row conditional `UPDATE … SET taken = taken + 1 WHERE … AND
//! taken < capacity` statements on a copy of the slot table, by as many
//! concurrent tasks over a pool of the same size.
//!
//! Prints bookings/s, p50/p99 of search and of book, the final check
//! (bookings = capacity, no slot over), the baseline's updates/s and the
//! ratio (target ≥ 0.5, p99 of book < 20 ms).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use chrono::{Days, NaiveDate, Utc};
use laissez_intake::appointments::Appointments;
use laissez_intake::store::CatalogCache;
use laissez_intake::testing::TestIntake;
use laissez_kit::Role;
use laissez_proto::intake::v1::appointment_service_client::AppointmentServiceClient;
use laissez_proto::intake::v1::intake_service_client::IntakeServiceClient;
use laissez_proto::intake::v1::*;
use sqlx::PgPool;
use tokio::sync::Mutex;
use tonic::transport::Channel;
use tonic::{Code, Request};

const AGENCY: &str = "hk-cts";
const PORTAL: &str = "hk-residents";
const CENTRES: [&str; 5] = [
    "hk-island",
    "kowloon-east",
    "kowloon-west",
    "nt-east",
    "nt-west",
];
const POOL: u32 = 20;

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
    let index = ((sorted.len() as f64 * fraction).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[index].as_secs_f64() * 1_000.0
}

fn request<T>(token: &str, message: T) -> Request<T> {
    let mut request = Request::new(message);
    request.metadata_mut().insert(
        "authorization",
        format!("Bearer {token}").parse().expect("header value"),
    );
    request
}

struct Timings {
    search: Vec<Duration>,
    book: Vec<Duration>,
    full: usize,
}

/// One applicant: its token, its drafts, and where it looks first.
struct Applicant {
    account: String,
    keys: laissez_kit::auth::testing::TestKeys,
    drafts: Vec<String>,
    start: usize,
}

async fn run_applicant(
    client: AppointmentServiceClient<Channel>,
    applicant: Applicant,
    weeks: Vec<(NaiveDate, NaiveDate)>,
    timings: Arc<Mutex<Timings>>,
    booked: Arc<AtomicUsize>,
) {
    let mut search_times = Vec::new();
    let mut book_times = Vec::new();
    let mut full = 0;
    let mut drafts = applicant.drafts.into_iter();
    let Some(mut case_id) = drafts.next() else {
        return;
    };
    let places: Vec<(&str, NaiveDate, NaiveDate)> = CENTRES
        .iter()
        .flat_map(|centre| weeks.iter().map(move |(from, to)| (*centre, *from, *to)))
        .collect();
    let mut empty_in_a_row = 0;
    let mut at = applicant.start % places.len();
    'outer: while empty_in_a_row < places.len() {
        let (centre, from, to) = places[at];
        // Tokens are short-lived, as the gateway's: a fresh one per call,
        // signed before the clock starts.
        let token = applicant
            .keys
            .token(&applicant.account, AGENCY, PORTAL, &[Role::Applicant]);
        let started = Instant::now();
        let slots = client
            .clone()
            .search_slots(request(
                &token,
                SearchSlotsRequest {
                    centre: centre.into(),
                    from_date: from.to_string(),
                    to_date: to.to_string(),
                    only_free: true,
                },
            ))
            .await
            .expect("search")
            .into_inner()
            .slots;
        search_times.push(started.elapsed());
        if slots.is_empty() {
            empty_in_a_row += 1;
            at = (at + 1) % places.len();
            continue;
        }
        empty_in_a_row = 0;
        // One of the first free slots, as people pick the earliest times.
        let slot = &slots[(at * 7 + search_times.len()) % slots.len().min(4)];
        let token = applicant
            .keys
            .token(&applicant.account, AGENCY, PORTAL, &[Role::Applicant]);
        let started = Instant::now();
        let outcome = client
            .clone()
            .book_appointment(request(
                &token,
                BookAppointmentRequest {
                    case_id: case_id.clone(),
                    centre: centre.into(),
                    starts_at: slot.starts_at,
                    ..Default::default()
                },
            ))
            .await;
        book_times.push(started.elapsed());
        match outcome {
            Ok(_) => {
                booked.fetch_add(1, Ordering::Relaxed);
                match drafts.next() {
                    Some(next) => case_id = next,
                    None => break 'outer,
                }
            }
            Err(status) if status.code() == Code::InvalidArgument => full += 1,
            Err(status) => panic!("booking failed: {status:?}"),
        }
    }
    let mut timings = timings.lock().await;
    timings.search.extend(search_times);
    timings.book.extend(book_times);
    timings.full += full;
}

/// The baseline: `count` conditional single-row UPDATEs by `tasks`
/// concurrent tasks over a copy of the slots; returns the time taken.
async fn baseline(pool: &PgPool, count: usize, tasks: usize) -> Duration {
    sqlx::query("DROP TABLE IF EXISTS bench_slots")
        .execute(pool)
        .await
        .unwrap();
    sqlx::query(
        "CREATE TABLE bench_slots AS SELECT row_number() OVER (ORDER BY agency, centre, starts_at)
             AS id, capacity, 0 AS taken FROM appointment_slots WHERE capacity > 0",
    )
    .execute(pool)
    .await
    .unwrap();
    sqlx::query("ALTER TABLE bench_slots ADD PRIMARY KEY (id)")
        .execute(pool)
        .await
        .unwrap();
    let slots: i64 = sqlx::query_scalar("SELECT count(*) FROM bench_slots")
        .fetch_one(pool)
        .await
        .unwrap();
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let handles: Vec<_> = (0..tasks)
        .map(|_| {
            let pool = pool.clone();
            let next = next.clone();
            tokio::spawn(async move {
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    if n >= count {
                        break;
                    }
                    let id = (n as i64 % slots) + 1;
                    sqlx::query(
                        "UPDATE bench_slots SET taken = taken + 1 WHERE id = $1 AND taken < capacity",
                    )
                    .bind(id)
                    .execute(&pool)
                    .await
                    .unwrap();
                }
            })
        })
        .collect();
    for handle in handles {
        handle.await.unwrap();
    }
    started.elapsed()
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let applicants = env_or("BENCH_APPLICANTS", 200);
    let intake = TestIntake::start("bench_book", POOL).await?;
    let pool = intake.database.pool.clone();
    let appointments = Appointments::new(pool.clone(), CatalogCache::default());
    while appointments.open_slots(None).await?.is_none() {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let channel = tonic::transport::Endpoint::from_shared(format!("http://{}", intake.grpc_addr))?
        .connect()
        .await?;
    let client = AppointmentServiceClient::new(channel.clone());
    let capacity: i64 = sqlx::query_scalar(
        "SELECT sum(capacity)::bigint FROM appointment_slots WHERE agency = $1 AND starts_at > now()",
    )
    .bind(AGENCY)
    .fetch_one(&pool)
    .await?;
    let slots: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM appointment_slots WHERE agency = $1 AND starts_at > now()",
    )
    .bind(AGENCY)
    .fetch_one(&pool)
    .await?;
    let days: i64 = sqlx::query_scalar(
        "SELECT count(DISTINCT day) FROM appointment_slots WHERE agency = $1 AND starts_at > now()",
    )
    .bind(AGENCY)
    .fetch_one(&pool)
    .await?;
    eprintln!(
        "{} centres, {days} open days, {slots} slots, {capacity} places; {applicants} applicants",
        CENTRES.len()
    );

    // One draft through the service, copied in SQL: one per place.
    let first = IntakeServiceClient::new(channel)
        .start_application(request(
            &intake
                .keys
                .token("bench-0", AGENCY, PORTAL, &[Role::Applicant]),
            StartApplicationRequest {
                application_type: "home_return_permit".into(),
                notice_version: "2024-07-10".into(),
                notice_accepted: true,
                applicant: Some(ApplicantData {
                    name: "CHAN TAI MAN".into(),
                    date_of_birth: "1990-01-01".into(),
                    relationship: "self".into(),
                    document_number: "A1234563".into(),
                    contact_email: "bench@example.org".into(),
                    language: 1,
                    ..Default::default()
                }),
                ..Default::default()
            },
        ))
        .await?
        .into_inner();
    sqlx::query(
        "INSERT INTO cases (id, agency, account_id, application_type, state, applicant, answers,
             catalog_version, notice_version, notice_accepted_at)
         SELECT gen_random_uuid(), agency, 'bench-' || (n % $2), application_type, state,
             applicant, answers, catalog_version, notice_version, notice_accepted_at
         FROM cases, generate_series(1, $1) AS n WHERE id = $3::uuid",
    )
    .bind(capacity)
    .bind(applicants as i64)
    .bind(&first.case_id)
    .execute(&pool)
    .await?;
    let mut by_account: std::collections::HashMap<String, Vec<String>> = Default::default();
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT account_id, id::text FROM cases WHERE id <> $1::uuid ORDER BY random()",
    )
    .bind(&first.case_id)
    .fetch_all(&pool)
    .await?;
    for (account, id) in rows {
        by_account.entry(account).or_default().push(id);
    }
    let today = Utc::now().date_naive();
    let weeks: Vec<(NaiveDate, NaiveDate)> = (0..9)
        .map(|week| {
            let from = today + Days::new(week * 7);
            (from, from + Days::new(6))
        })
        .collect();

    let timings = Arc::new(Mutex::new(Timings {
        search: Vec::new(),
        book: Vec::new(),
        full: 0,
    }));
    let booked = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let handles: Vec<_> = by_account
        .into_iter()
        .enumerate()
        .map(|(index, (account, drafts))| {
            let applicant = Applicant {
                account,
                keys: intake.keys.clone(),
                drafts,
                start: index * 7,
            };
            tokio::spawn(run_applicant(
                client.clone(),
                applicant,
                weeks.clone(),
                timings.clone(),
                booked.clone(),
            ))
        })
        .collect();
    for handle in handles {
        handle.await?;
    }
    let elapsed = started.elapsed();
    let booked = booked.load(Ordering::Relaxed);

    let over: i64 =
        sqlx::query_scalar("SELECT count(*) FROM appointment_slots WHERE taken > capacity")
            .fetch_one(&pool)
            .await?;
    let stored: i64 =
        sqlx::query_scalar("SELECT count(*) FROM appointment_bookings WHERE state = 'booked'")
            .fetch_one(&pool)
            .await?;
    let taken: i64 = sqlx::query_scalar(
        "SELECT sum(taken)::bigint FROM appointment_slots WHERE agency = $1 AND starts_at > now()",
    )
    .bind(AGENCY)
    .fetch_one(&pool)
    .await?;

    let mut timings = timings.lock().await;
    timings.search.sort();
    timings.book.sort();
    let rate = booked as f64 / elapsed.as_secs_f64();
    println!(
        "booking: {booked} bookings in {:.1} s = {rate:.0} bookings/s; {} searches, {} bookings refused as full",
        elapsed.as_secs_f64(),
        timings.search.len(),
        timings.full
    );
    println!(
        "search p50 {:.2} ms p99 {:.2} ms; book p50 {:.2} ms p99 {:.2} ms",
        percentile(&timings.search, 0.50),
        percentile(&timings.search, 0.99),
        percentile(&timings.book, 0.50),
        percentile(&timings.book, 0.99)
    );
    println!(
        "final check: {stored} bookings stored, {taken} places taken of {capacity}, {over} slots over capacity: {}",
        if stored == capacity && taken == capacity && over == 0 {
            "ok"
        } else {
            "WRONG"
        }
    );

    // The baseline's pool is as large as the service's.
    let baseline_pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(POOL)
        .connect(&intake.database.url)
        .await?;
    let base = baseline(&baseline_pool, booked, applicants).await;
    let base_rate = booked as f64 / base.as_secs_f64();
    println!(
        "baseline: {booked} conditional single-row UPDATEs in {:.1} s = {base_rate:.0} updates/s",
        base.as_secs_f64()
    );
    println!(
        "ratio: {:.2} (target >= 0.5); book p99 {:.2} ms (target < 20 ms)",
        rate / base_rate,
        percentile(&timings.book, 0.99)
    );
    drop(timings);
    intake.stop().await?;
    Ok(())
}
