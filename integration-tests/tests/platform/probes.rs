//! Probes from outside, as an attacker with an account (or none) would
//! try them: account enumeration, captcha replay, reads and writes across
//! accounts and agencies. Hostile uploads are in `uploads.rs`.

use std::time::{Duration, Instant};

use laissez_integration_tests::api::{Answer, Call};
use laissez_integration_tests::fujian::{FJ, FJ_PORTAL, FjDesk, fj_applicant, fj_exit_entry};
use laissez_integration_tests::hong_kong::{HK, HK_PORTAL};
use laissez_integration_tests::journeys::{Outside, PASSWORD};
use laissez_integration_tests::platform::{CAPTCHA, OPERATOR_LOGIN, OPERATOR_PASSWORD, Platform};
use reqwest::StatusCode;
use serde_json::{Value, json};

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
