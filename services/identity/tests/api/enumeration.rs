//! No account enumeration through login, registration or password reset:
//! the same bytes and, over 1,000 attempts each, the same median time for
//! existing and unknown accounts. The real Argon2id parameters are used.

use std::collections::{BTreeMap, HashSet};
use std::future::Future;
use std::time::{Duration, Instant};

use laissez_identity::domain::password::Password;
use laissez_identity::store::accounts::{self, AccountStatus, NewAccount};
use laissez_proto::identity::v1::*;
use prost::Message;

use crate::helpers::*;

const ATTEMPTS: usize = 1_000;
const ACCOUNTS: usize = 250;
const HK: &str = "hk-cts";
const HK_PORTAL: &str = "hk-residents";

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// Runs `ATTEMPTS` existing and `ATTEMPTS` unknown attempts in pairs on
/// `workers` concurrent workers; returns (answers, latencies) per group.
async fn measure<F, Fut>(workers: usize, attempt: F) -> [(HashSet<Vec<u8>>, Vec<Duration>); 2]
where
    F: Fn(bool, usize) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Vec<u8>> + Send,
{
    let mut tasks = Vec::new();
    for worker in 0..workers {
        let attempt = attempt.clone();
        tasks.push(tokio::spawn(async move {
            let mut results: [(HashSet<Vec<u8>>, Vec<Duration>); 2] = Default::default();
            let mut index = worker;
            while index < ATTEMPTS {
                // Both groups at the same moment, so both see the same load;
                // which one is sent first alternates.
                let timed = |existing: bool| {
                    let attempt = attempt.clone();
                    async move {
                        let started = Instant::now();
                        let answer = attempt(existing, index).await;
                        (answer, started.elapsed())
                    }
                };
                let (first, second) = tokio::join!(timed(index % 2 == 0), timed(index % 2 != 0));
                let (existing, unknown) = if index % 2 == 0 {
                    (first, second)
                } else {
                    (second, first)
                };
                for (group, (answer, elapsed)) in results.iter_mut().zip([existing, unknown]) {
                    group.0.insert(answer);
                    group.1.push(elapsed);
                }
                index += workers;
            }
            results
        }));
    }
    let mut merged: [(HashSet<Vec<u8>>, Vec<Duration>); 2] = Default::default();
    for task in tasks {
        for (group, result) in merged.iter_mut().zip(task.await.unwrap()) {
            group.0.extend(result.0);
            group.1.extend(result.1);
        }
    }
    merged
}

fn check(name: &str, groups: [(HashSet<Vec<u8>>, Vec<Duration>); 2]) {
    let [
        (existing_answers, existing_times),
        (unknown_answers, unknown_times),
    ] = groups;
    assert_eq!(existing_times.len(), ATTEMPTS, "{name}");
    assert_eq!(unknown_times.len(), ATTEMPTS, "{name}");
    assert_eq!(
        existing_answers.len(),
        1,
        "{name}: existing accounts got different answers"
    );
    assert_eq!(existing_answers, unknown_answers, "{name}: answers differ");
    let (existing, unknown) = (median(existing_times), median(unknown_times));
    let difference = existing.abs_diff(unknown);
    println!(
        "{name}: median existing {existing:?}, unknown {unknown:?}, difference {difference:?}"
    );
    assert!(
        difference < Duration::from_millis(5),
        "{name}: median times differ by {difference:?}"
    );
}

fn status_bytes(status: &tonic::Status) -> Vec<u8> {
    let mut bytes = format!("{:?}|{}|", status.code(), status.message()).into_bytes();
    bytes.extend_from_slice(status.details());
    bytes
}

async fn seed_accounts(app: &TestApp, agency: &str, portal: &str, login: impl Fn(usize) -> String) {
    let hash = app
        .identity
        .hasher()
        .hash(&Password::new(PASSWORD))
        .await
        .unwrap();
    let mut connection = app.pool().acquire().await.unwrap();
    for index in 0..ACCOUNTS {
        let name = login(index);
        accounts::insert_if_absent(
            &mut connection,
            NewAccount {
                agency,
                portal,
                login_name: &name,
                password_hash: &hash,
                status: AccountStatus::Active,
                staff: false,
                roles: vec!["applicant".into()],
                email: &format!("{name}@example.com"),
                mobile: "",
                display_name: "member",
                fields: BTreeMap::new(),
                language: 0,
            },
        )
        .await
        .unwrap()
        .unwrap();
    }
}

#[tokio::test]
async fn login_registration_and_reset_do_not_reveal_which_accounts_exist() {
    let app = TestApp::spawn().await;

    // Login (Fujian's portal has no captcha): wrong password vs unknown name.
    seed_accounts(&app, FUJIAN, FUJIAN_APP, |index| format!("member-{index}")).await;
    let client = app.client.clone();
    let login = measure(1, move |existing, index| {
        let mut client = client.clone();
        async move {
            let name = if existing {
                format!("member-{}", index % ACCOUNTS)
            } else {
                format!("stranger-{}", index % ACCOUNTS)
            };
            let status = client
                .login(LoginRequest {
                    agency: FUJIAN.into(),
                    portal: FUJIAN_APP.into(),
                    login_name: name,
                    password: "Wrong-Password-9".into(),
                    source_ip: format!("10.9.{}.{}", index / 200, u8::from(existing)),
                    ..LoginRequest::default()
                })
                .await
                .unwrap_err();
            status_bytes(&status)
        }
    })
    .await;
    check("login", login);

    // Registration: a taken email vs a new one (HK portal: email is the login).
    let mut client = app.client.clone();
    let registration = |email: String| RegisterRequest {
        agency: HK.into(),
        portal: HK_PORTAL.into(),
        login_name: email.clone(),
        password: PASSWORD.into(),
        password_confirmation: PASSWORD.into(),
        fields: [
            ("email".to_owned(), email),
            ("mobile".to_owned(), "+852 91234567".to_owned()),
        ]
        .into_iter()
        .collect(),
        language: 3,
    };
    client
        .register(registration("taken@example.com".into()))
        .await
        .unwrap();
    let register = measure(4, move |existing, index| {
        let mut client = client.clone();
        let email = if existing {
            "taken@example.com".to_owned()
        } else {
            format!("new{index}@example.com")
        };
        let request = registration(email);
        async move {
            client
                .register(request)
                .await
                .unwrap()
                .into_inner()
                .encode_to_vec()
        }
    })
    .await;
    check("register", register);

    // Password reset: an active account with an email vs an unknown name.
    seed_accounts(&app, HK, HK_PORTAL, |index| {
        format!("member{index}@example.com")
    })
    .await;
    let client = app.client.clone();
    let reset = measure(25, move |existing, index| {
        let mut client = client.clone();
        async move {
            let login = if existing {
                format!("member{}@example.com", index % ACCOUNTS)
            } else {
                format!("nobody{index}@example.com")
            };
            client
                .request_password_reset(RequestPasswordResetRequest {
                    agency: HK.into(),
                    portal: HK_PORTAL.into(),
                    login_name: login,
                    email: String::new(),
                })
                .await
                .unwrap()
                .into_inner()
                .encode_to_vec()
        }
    })
    .await;
    check("reset", reset);
    // The existing accounts did get their links (four each, within the hourly limit).
    let links = app
        .events::<laissez_proto::events::v1::PasswordResetRequested>()
        .await;
    assert_eq!(links.len(), ATTEMPTS);
    app.stop().await;
}
