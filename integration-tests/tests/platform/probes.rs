//! Probes from outside, as an attacker with an account (or none) would
//! try them: account enumeration, captcha replay, reads and writes across
//! accounts and agencies, hostile uploads.

use std::time::{Duration, Instant};

use laissez_integration_tests::api::{Answer, Call};
use laissez_integration_tests::fujian::{FJ, FJ_PORTAL, FjDesk, fj_applicant, fj_exit_entry};
use laissez_integration_tests::hong_kong::{HK, HK_PORTAL};
use laissez_integration_tests::journeys::{Outside, PASSWORD};
use laissez_integration_tests::platform::{
    CAPTCHA, OPERATOR_LOGIN, OPERATOR_PASSWORD, Platform, Service,
};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A problem document without what differs on every answer (trace ids).
fn comparable(answer: &Answer) -> (u16, Value) {
    let mut body: Value = serde_json::from_slice(&answer.body).unwrap_or(Value::Null);
    if let Some(object) = body.as_object_mut() {
        for volatile in ["instance", "trace_id", "request_id"] {
            object.remove(volatile);
        }
    }
    (answer.status.as_u16(), body)
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

#[tokio::test]
async fn sign_in_registration_and_password_reset_answer_the_same_whether_or_not_the_account_exists()
{
    let platform = Platform::start().await.expect("the platform starts");
    let out = Outside::of(&platform).await;
    let known = fj_applicant(&out).await;

    let sign_in = |login: String| {
        let out = out.clone();
        async move {
            let started = Instant::now();
            let answer = out
                .send(
                    Call::new("IdentityService.Login")
                        .param("agency", FJ)
                        .param("portal", FJ_PORTAL)
                        .body(json!({"login_name": login, "password": "Not-the-Passw0rd"})),
                )
                .await;
            (answer, started.elapsed())
        }
    };
    // Ten accounts that exist and ten names that do not, each tried three
    // times (below the free failures, so no throttle answers): every pair
    // of answers is the same.
    let mut known_names = vec![known.document.clone()];
    for _ in 1..10 {
        known_names.push(fj_applicant(&out).await.document);
    }
    let (mut existing, mut missing) = (Vec::new(), Vec::new());
    for (round, name) in known_names.iter().enumerate() {
        let unknown = format!("A9{round:08}");
        for _ in 0..3 {
            // Alternate, so neither side always runs first.
            let (a, a_time) = sign_in(name.clone()).await;
            let (b, b_time) = sign_in(unknown.clone()).await;
            assert_eq!(comparable(&a), comparable(&b), "sign-in answers differ");
            assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{}", a.text());
            existing.push(a_time);
            missing.push(b_time);
        }
    }
    let (existing, missing) = (median(existing), median(missing));
    eprintln!(
        "sign-in with a wrong password: median {existing:?} for an account that exists, \
         {missing:?} for one that does not (difference {:?})",
        existing.abs_diff(missing)
    );

    let reset = |login: String| {
        let out = out.clone();
        async move {
            let started = Instant::now();
            let answer = out
                .send(
                    Call::new("IdentityService.RequestPasswordReset")
                        .param("agency", FJ)
                        .param("portal", FJ_PORTAL)
                        .body(json!({"login_name": login})),
                )
                .await;
            (answer, started.elapsed())
        }
    };
    let (a, a_time) = reset(known.document.clone()).await;
    let (b, b_time) = reset("A900000099".into()).await;
    assert_eq!(comparable(&a), comparable(&b), "reset answers differ");
    eprintln!("password reset request: {a_time:?} (exists) against {b_time:?} (does not)");

    // Registration with an address that already has an account answers as
    // one that has none (the owner is told by e-mail instead).
    let register = |email: String, mobile: u32| {
        let out = out.clone();
        async move {
            let started = Instant::now();
            let answer = out
                .send(
                    Call::new("IdentityService.Register")
                        .param("agency", HK)
                        .param("portal", HK_PORTAL)
                        .body(json!({
                            "login_name": email,
                            "password": PASSWORD,
                            "password_confirmation": PASSWORD,
                            "language": "LANGUAGE_EN",
                            "fields": {"email": email, "mobile": format!("+852 9123{mobile:04}")},
                        })),
                )
                .await;
            (answer, started.elapsed())
        }
    };
    let taken = "probe.taken@example.hk".to_owned();
    let (first, _) = register(taken.clone(), 9000).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text());
    let (mut existing, mut missing) = (Vec::new(), Vec::new());
    for round in 0..5 {
        let (a, a_time) = register(taken.clone(), 9000).await;
        let (b, b_time) = register(format!("probe.new{round}@example.hk"), 9001 + round).await;
        assert_eq!(
            comparable(&a),
            comparable(&b),
            "registration answers differ"
        );
        existing.push(a_time);
        missing.push(b_time);
    }
    let (existing, missing) = (median(existing), median(missing));
    eprintln!(
        "registration: median {existing:?} for an address with an account, \
         {missing:?} for a new one (difference {:?})",
        existing.abs_diff(missing)
    );
    platform.stop().await;
}

#[tokio::test]
async fn a_captcha_answered_once_is_refused_on_each_of_a_thousand_replays() {
    let platform = Platform::start().await.expect("the platform starts");
    let out = Outside::of(&platform).await;
    let issued = out
        .send(
            Call::new("IdentityService.CreateCaptcha")
                .param("agency", "platform")
                .param("portal", "staff")
                .body(json!({})),
        )
        .await
        .ok();
    let attempt = json!({
        "login_name": OPERATOR_LOGIN,
        "password": OPERATOR_PASSWORD,
        "pre_session": issued["pre_session"],
        "captcha_id": issued["captcha_id"],
        "captcha_answer": CAPTCHA,
    });
    let login = {
        let out = out.clone();
        move |body: Value| {
            let out = out.clone();
            async move {
                out.send(
                    Call::new("IdentityService.Login")
                        .param("agency", "platform")
                        .param("portal", "staff")
                        .body(body),
                )
                .await
            }
        }
    };
    let first = login(attempt.clone()).await;
    assert!(first.status.is_success(), "{}", first.text());

    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let (login, attempt) = (login.clone(), attempt.clone());
        workers.spawn(async move {
            let mut accepted = 0;
            for _ in 0..125 {
                let replay = login(attempt.clone()).await;
                if replay.status.is_success() || replay.text().contains("session_token") {
                    accepted += 1;
                }
            }
            accepted
        });
    }
    let accepted: u32 = workers.join_all().await.into_iter().sum();
    eprintln!("captcha replays accepted: {accepted} of 1000");
    assert_eq!(accepted, 0);
    platform.stop().await;
}

/// A small deterministic generator (xorshift), so a failing run can be
/// repeated from the seed it prints.
struct Dice(u64);

impl Dice {
    fn roll(&mut self, sides: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % sides as u64) as usize
    }
}

#[tokio::test]
async fn ten_thousand_reads_and_writes_across_accounts_and_agencies_leak_nothing() {
    let platform = Platform::start().await.expect("the platform starts");
    let out = Outside::of(&platform).await;
    let desk = FjDesk::open(&out).await;
    let victim = fj_exit_entry(&out, &desk).await;
    let stranger = fj_applicant(&out).await;
    let elsewhere = out
        .staff(
            &desk.operator,
            "tw-nia",
            "tw.reviewer",
            &["reviewer", "counter"],
        )
        .await;
    let rendered = out
        .send(Call::new("RenderService.ListDocuments").token(&victim.token))
        .await
        .ok()["documents"][0]["document_id"]
        .as_str()
        .expect("the victim's acknowledgement")
        .to_owned();
    let messages = out
        .send(Call::new("NotifyService.ListMessages").token(&victim.token))
        .await
        .ok()["messages"]
        .as_array()
        .map(|m| {
            m.iter()
                .filter_map(|m| m["message_id"].as_str().map(str::to_owned))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    let unread_before = out
        .send(Call::new("NotifyService.GetUnreadCount").token(&victim.token))
        .await
        .ok();

    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64 | 1)
        .unwrap_or(0x9e37_79b9_7f4a_7c15);
    eprintln!("probe seed {seed}");
    let attackers = [stranger.token.clone(), elsewhere.clone()];
    let case_id = victim.case_id.clone();
    let probes: Vec<Call<'static>> = vec![
        Call::new("IntakeService.GetCase").param("case_id", &case_id),
        Call::new("IntakeService.DownloadDocument")
            .param("case_id", &case_id)
            .param("document_id", &victim.photo_id),
        Call::new("IntakeService.SaveDraft")
            .param("case_id", &case_id)
            .body(json!({"answers_json": "{}"})),
        Call::new("IntakeService.Withdraw")
            .param("case_id", &case_id)
            .body(json!({"reason": "probe"})),
        Call::new("IntakeService.CancelCase")
            .param("case_id", &case_id)
            .body(json!({"reason": "probe"})),
        Call::new("IntakeService.RecordCollection")
            .param("case_id", &case_id)
            .body(json!({"collector": {"kind": "holder", "id_number": "A123456789"}})),
        Call::new("IdentityService.GetApplicant").param("applicant_id", &victim.applicant_id),
        Call::new("IdentityService.DeleteApplicant").param("applicant_id", &victim.applicant_id),
        Call::new("PaymentService.GetOrder").param("order_id", &victim.order_id),
        Call::new("PaymentService.Refund")
            .param("order_id", &victim.order_id)
            .body(json!({"reason": "probe"})),
        Call::new("PaymentService.FindOrders").query("receipt_number", &victim.receipt),
        Call::new("RenderService.DownloadRendered").param("document_id", &rendered),
        Call::new("RenderService.RevokeDocument")
            .param("document_id", &rendered)
            .body(json!({"reason": "probe"})),
        Call::new("AppointmentService.GetAppointment").param("case_id", &case_id),
        Call::new("ReviewService.GetReviewCase").param("case_id", &case_id),
        Call::new("NotifyService.MarkRead").body(json!({"message_ids": messages})),
    ];
    // Searches answer 200 with nothing of the victim's in them; every other
    // probe must be refused.
    let leaked = |operation: &str, answer: &Answer| -> bool {
        if answer.status.is_server_error() {
            return true;
        }
        if !answer.status.is_success() {
            return false;
        }
        let text = answer.text();
        match operation {
            "PaymentService.FindOrders" => {
                text.contains(&victim.order_id) || text.contains(&victim.case_id)
            }
            "NotifyService.MarkRead" => {
                let marked = answer.json()["marked"].clone();
                !(marked.is_null() || marked == "0" || marked == 0)
            }
            _ => true,
        }
    };
    let mut dice = Dice(seed);
    let mut leaks = Vec::new();
    let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
    const PROBES: usize = 10_000;
    let mut batch = Vec::new();
    for index in 0..PROBES {
        let attacker = &attackers[dice.roll(attackers.len())];
        let probe = &probes[dice.roll(probes.len())];
        batch.push((probe.clone(), attacker.clone()));
        if batch.len() < 16 && index + 1 < PROBES {
            continue;
        }
        let answers = in_parallel(&out, &batch).await;
        for ((probe, _), answer) in batch.drain(..).zip(answers) {
            *statuses.entry(answer.status.as_u16()).or_default() += 1;
            if leaked(probe.operation, &answer) {
                leaks.push(format!(
                    "{}: {} {}",
                    probe.operation,
                    answer.status,
                    answer.text()
                ));
            }
        }
    }
    eprintln!(
        "{PROBES} probes: answers by status {statuses:?}; leaks {}",
        leaks.len()
    );
    assert!(leaks.is_empty(), "{:#?}", &leaks[..leaks.len().min(20)]);

    // And the victim's things are as they were.
    let case = out.case(&victim.token, &victim.case_id).await;
    assert_eq!(case["state"], "CASE_STATE_COLLECTED");
    let unread_after = out
        .send(Call::new("NotifyService.GetUnreadCount").token(&victim.token))
        .await
        .ok();
    assert_eq!(unread_before, unread_after);
    let applicant = out
        .send(
            Call::new("IdentityService.GetApplicant")
                .param("applicant_id", &victim.applicant_id)
                .token(&victim.token),
        )
        .await;
    assert!(applicant.status.is_success(), "{}", applicant.text());
    let document = out
        .send(
            Call::new("RenderService.DownloadRendered")
                .param("document_id", &rendered)
                .token(&victim.token),
        )
        .await;
    assert!(document.status.is_success(), "{}", document.status);
    platform.stop().await;
}

/// Sends each call with its token at once; the answers in call order.
async fn in_parallel(out: &Outside, batch: &[(Call<'static>, String)]) -> Vec<Answer> {
    let mut set = tokio::task::JoinSet::new();
    for (position, (call, token)) in batch.iter().enumerate() {
        let (api, call, token) = (out.api.clone(), call.clone(), token.clone());
        set.spawn(async move { (position, api.call(call.token(&token)).await) });
    }
    let mut answers: Vec<(usize, Answer)> = set.join_all().await;
    answers.sort_by_key(|(position, _)| *position);
    answers.into_iter().map(|(_, answer)| answer).collect()
}

/// Peak resident memory of a process, from `/proc/<pid>/status` (kB).
fn peak_rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with("VmHWM:"))
                .and_then(|line| line.split_whitespace().nth(1))
                .and_then(|kib| kib.parse().ok())
        })
        .unwrap_or(0)
}

/// A PNG header claiming `width`×`height` with a tiny (broken) body.
/// Sends only the head of an upload declaring `length` bytes with
/// `Expect: 100-continue` over a plain socket and returns the status the
/// gateway answers with before any of the body is sent.
async fn ask_before_sending(
    base: &str,
    path: &str,
    query: &[(&str, &str)],
    token: &str,
    length: usize,
) -> u16 {
    let mut url = reqwest::Url::parse(&format!("{base}{path}")).unwrap();
    url.query_pairs_mut().extend_pairs(query);
    let authority = format!(
        "{}:{}",
        url.host_str().unwrap(),
        url.port_or_known_default().unwrap()
    );
    let target = format!("{}?{}", url.path(), url.query().unwrap_or_default());
    let mut stream = tokio::net::TcpStream::connect(&authority).await.unwrap();
    let head = format!(
        "POST {target} HTTP/1.1\r\nHost: {authority}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: image/png\r\nContent-Length: {length}\r\nExpect: 100-continue\r\n\
         Connection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer))
        .await
        .expect("the gateway answers without waiting for the body")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer);
    let status_line = answer.lines().next().unwrap_or_default();
    assert!(
        !status_line.contains(" 100 "),
        "the gateway asked for the body: {answer}"
    );
    status_line
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status line: {answer}"))
}

fn png_claiming(width: u32, height: u32) -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    png.extend_from_slice(&(ihdr.len() as u32).to_be_bytes());
    png.extend_from_slice(b"IHDR");
    png.extend_from_slice(&ihdr);
    png.extend_from_slice(&[0, 0, 0, 0]); // a wrong CRC: decoders must refuse, not allocate
    png.extend_from_slice(b"\0\0\0\0IEND\xaeB`\x82");
    png
}

#[tokio::test]
async fn hostile_uploads_are_refused_with_memory_bounded() {
    let platform = Platform::start().await.expect("the platform starts");
    let out = Outside::of(&platform).await;
    let applicant = fj_applicant(&out).await;
    let started = out
        .send(
            Call::new("IntakeService.StartApplication")
                .token(&applicant.token)
                .body(json!({
                    "application_type": "one_time_taiwan_permit",
                    "notice_version": "2024-04",
                    "notice_accepted": true,
                    "applicant": {"date_of_birth": "1985-06-01"},
                })),
        )
        .await
        .ok();
    let case_id = started["case_id"].as_str().unwrap().to_owned();
    let before: Vec<u64> = [Service::Gateway, Service::Intake]
        .iter()
        .map(|s| peak_rss_kib(platform.pid(*s).unwrap()))
        .collect();

    let call = |file_name: &'static str| {
        Call::new("IntakeService.UploadDocument")
            .param("case_id", case_id.clone())
            .query("requirement", "tw_id_card_front")
            .query("file_name", file_name)
            .token(&applicant.token)
    };
    let upload = |file_name: &'static str, content: Vec<u8>| {
        let (out, call) = (out.clone(), call(file_name));
        async move { out.api.upload(call, "image/png", content).await }
    };

    // 50 MB declared: the answer comes before a byte of the body is read. A
    // client that asks first (`Expect: 100-continue`) is told 413 without
    // sending anything; one that sends anyway may see the connection closed
    // under its body instead of the answer, which is a refusal too.
    let (_, path) = out.api.resolve(&call("big.png"));
    let status = ask_before_sending(
        out.api.base(),
        &path,
        &[
            ("requirement", "tw_id_card_front"),
            ("file_name", "big.png"),
        ],
        &applicant.token,
        50 * 1024 * 1024,
    )
    .await;
    assert_eq!(
        status, 413,
        "a declared 50 MB body is refused before it is sent"
    );
    let big = out
        .api
        .try_upload(call("big.png"), "image/png", vec![0x89; 50 * 1024 * 1024])
        .await;
    match big {
        Ok(answer) => {
            answer.problem(413);
        }
        Err(error) => assert!(error.is_request(), "50 MB sent anyway: {error}"),
    }
    eprintln!("50 MB: refused");

    let mut polyglot = laissez_integration_tests::outside::scan();
    polyglot.extend_from_slice(b"<script>alert(1)</script>%PDF-1.7\nPK\x03\x04");
    let hostile: Vec<(&str, &'static str, Vec<u8>)> = vec![
        ("50k×50k header", "bomb.png", png_claiming(50_000, 50_000)),
        (
            "zip in a png name",
            "bomb.png",
            b"PK\x03\x04\x14\x00\x00\x00\x08\x00".repeat(1000),
        ),
        (
            "a path for a name",
            "../../../etc/passwd",
            laissez_integration_tests::outside::scan(),
        ),
        (
            "a name with a NUL",
            "a\0b.png",
            laissez_integration_tests::outside::scan(),
        ),
    ];
    for (what, name, content) in hostile {
        let answer = upload(name, content).await;
        if what == "a path for a name" || what == "a name with a NUL" {
            // Either refused, or kept under a harmless name.
            if answer.status.is_success() {
                let body = answer.text();
                assert!(!body.contains(".."), "{what}: {body}");
                continue;
            }
        }
        assert!(
            answer.status.is_client_error(),
            "{what}: {} {}",
            answer.status,
            answer.text()
        );
        eprintln!("{what}: refused {}", answer.status);
    }
    // The polyglot is a valid PNG with trailing bytes: accepted or refused,
    // but what comes back is never served as anything but the image.
    let answer = upload("polyglot.png", polyglot).await;
    eprintln!("polyglot: {}", answer.status);
    if answer.status.is_success() {
        let document_id = answer.json()["document_id"].as_str().unwrap().to_owned();
        let downloaded = out
            .send(
                Call::new("IntakeService.DownloadDocument")
                    .param("case_id", &case_id)
                    .param("document_id", &document_id)
                    .token(&applicant.token),
            )
            .await;
        let content_type = downloaded.header("content-type").unwrap_or_default();
        assert!(!content_type.contains("html"), "{content_type}");
        assert_eq!(downloaded.header("x-content-type-options"), Some("nosniff"));
    }
    let after: Vec<u64> = [Service::Gateway, Service::Intake]
        .iter()
        .map(|s| peak_rss_kib(platform.pid(*s).unwrap()))
        .collect();
    eprintln!(
        "peak RSS (kB) before → after: gateway {} → {}, intake {} → {}",
        before[0], after[0], before[1], after[1]
    );
    // Bounded: a 50 MB body and a 7.5 GB image must not be held in memory.
    for (b, a) in before.iter().zip(&after) {
        assert!(
            a.saturating_sub(*b) < 32 * 1024,
            "peak RSS grew by {} kB",
            a - b
        );
    }
    platform.stop().await;
}
