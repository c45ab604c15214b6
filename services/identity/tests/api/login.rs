//! Login with captcha, throttling, session fixation, cross-portal refusals.

use laissez_proto::identity::v1::*;
use tonic::Code;

use crate::helpers::*;

fn login_request(login: &str, password: &str, captcha: (String, String, String)) -> LoginRequest {
    LoginRequest {
        agency: NIA.into(),
        portal: STUDENTS.into(),
        login_name: login.into(),
        password: password.into(),
        pre_session: captcha.0,
        captcha_id: captcha.1,
        captcha_answer: captcha.2,
        source_ip: "10.2.0.1".into(),
        ..LoginRequest::default()
    }
}

#[tokio::test]
async fn captcha_is_a_six_character_png_bound_to_its_pre_session_and_single_use() {
    let mut app = TestApp::spawn().await;
    app.student("chen.student", 10).await;
    let issued = app
        .client
        .create_captcha(CreateCaptchaRequest {
            agency: NIA.into(),
            portal: STUDENTS.into(),
            pre_session: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(&issued.png[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(issued.pre_session.len(), 43);
    let expires_in = issued.expires_at.unwrap().seconds - chrono::Utc::now().timestamp();
    assert!((295..=300).contains(&expires_in), "{expires_in}");
    let answer = app
        .identity
        .captchas()
        .peek_answer(&issued.captcha_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(answer.len(), 6);

    // "Another one" keeps the pre-session and voids the previous captcha.
    let another = app.captcha(NIA, STUDENTS, &issued.pre_session).await;
    assert_eq!(another.0, issued.pre_session);
    let old = app
        .client
        .login(login_request(
            "chen.student",
            PASSWORD,
            (
                issued.pre_session.clone(),
                issued.captcha_id.clone(),
                answer,
            ),
        ))
        .await
        .unwrap_err();
    assert_eq!(violations(&old), ["captcha_answer:expired"]);

    // A made-up pre-session is never adopted.
    let chosen = app.captcha(NIA, STUDENTS, "attacker-chosen").await;
    assert_ne!(chosen.0, "attacker-chosen");

    // Bound to its pre-session: another pre-session's token does not fit.
    let mine = app.captcha(NIA, STUDENTS, "").await;
    let theirs = app.captcha(NIA, STUDENTS, "").await;
    let crossed = app
        .client
        .login(login_request(
            "chen.student",
            PASSWORD,
            (theirs.0, mine.1, mine.2),
        ))
        .await
        .unwrap_err();
    assert_eq!(violations(&crossed), ["captcha_answer:wrong"]);

    // Wrong answer uses it up; missing answer; unknown portal.
    let wrong = app.captcha(NIA, STUDENTS, "").await;
    let status = app
        .client
        .login(login_request(
            "chen.student",
            PASSWORD,
            (wrong.0.clone(), wrong.1.clone(), "zzzzzz".into()),
        ))
        .await
        .unwrap_err();
    assert_eq!(violations(&status), ["captcha_answer:wrong"]);
    let after = app
        .client
        .login(login_request("chen.student", PASSWORD, wrong))
        .await
        .unwrap_err();
    assert_eq!(violations(&after), ["captcha_answer:expired"]);
    let missing = app
        .client
        .login(login_request(
            "chen.student",
            PASSWORD,
            (String::new(), String::new(), String::new()),
        ))
        .await;
    assert_eq!(
        violations(&missing.unwrap_err()),
        ["captcha_answer:required"]
    );
    let unknown = app
        .client
        .create_captcha(CreateCaptchaRequest {
            agency: NIA.into(),
            portal: "nope".into(),
            pre_session: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(violations(&unknown), ["portal:unknown_portal"]);

    // Case does not matter.
    let upper = app.captcha(NIA, STUDENTS, "").await;
    let upper = (upper.0, upper.1, upper.2.to_uppercase());
    app.client
        .login(login_request("chen.student", PASSWORD, upper))
        .await
        .unwrap();
    app.stop().await;
}

#[tokio::test]
async fn a_solved_captcha_replayed_1000_times_is_accepted_0_times() {
    let mut app = TestApp::spawn().await;
    app.student("chen.student", 11).await;
    let solved = app.captcha(NIA, STUDENTS, "").await;
    app.client
        .login(login_request("chen.student", PASSWORD, solved.clone()))
        .await
        .unwrap();
    let mut accepted = 0;
    let mut tasks = Vec::new();
    for _ in 0..1000 {
        let mut client = app.client.clone();
        let request = login_request("chen.student", PASSWORD, solved.clone());
        tasks.push(tokio::spawn(async move { client.login(request).await }));
    }
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => accepted += 1,
            Err(status) => assert_eq!(violations(&status), ["captcha_answer:expired"]),
        }
    }
    assert_eq!(accepted, 0);
    app.stop().await;
}

#[tokio::test]
async fn the_pre_login_token_is_useless_after_login() {
    let mut app = TestApp::spawn().await;
    app.student("chen.student", 12).await;
    let captcha = app.captcha(NIA, STUDENTS, "").await;
    let pre_session = captcha.0.clone();
    let session = app
        .client
        .login(login_request("chen.student", PASSWORD, captcha))
        .await
        .unwrap()
        .into_inner();
    assert_ne!(session.session_token, pre_session);
    assert_eq!(session.session_token.len(), 43);
    // Neither a session nor a pre-session any more.
    assert_eq!(
        app.exchange(&pre_session).await.unwrap_err().code(),
        Code::Unauthenticated
    );
    let fresh = app.captcha(NIA, STUDENTS, &pre_session).await;
    assert_ne!(fresh.0, pre_session);
    // Each login makes a new session token.
    let second = app
        .login_student("chen.student", PASSWORD, "10.2.0.1")
        .await
        .unwrap();
    assert_ne!(second.session_token, session.session_token);
    app.exchange(&session.session_token).await.unwrap();
    app.exchange(&second.session_token).await.unwrap();
    app.stop().await;
}

#[tokio::test]
async fn an_account_signs_in_only_on_its_own_portal() {
    let mut app = TestApp::spawn().await;
    app.student("chen.student", 13).await;
    // The HK/Macao student portal of the same agency does not know it.
    let captcha = app.captcha(NIA, HKMO_STUDENTS, "").await;
    let mut request = login_request("chen.student", PASSWORD, captcha);
    request.portal = HKMO_STUDENTS.into();
    let status = app.client.login(request).await.unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
    assert_eq!(status.message(), "account or password is wrong");
    // Nor does another agency.
    let status = app
        .client
        .login(LoginRequest {
            agency: FUJIAN.into(),
            portal: FUJIAN_APP.into(),
            login_name: "chen.student".into(),
            password: PASSWORD.into(),
            ..LoginRequest::default()
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
    app.stop().await;
}

#[tokio::test]
async fn failures_are_throttled_progressively_and_cleared_by_success() {
    let mut app = TestApp::spawn().await;
    app.student("chen.student", 14).await;
    for _ in 0..5 {
        let status = app
            .login_student("chen.student", "wrong-password-1", "10.3.0.1")
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::Unauthenticated);
    }
    // The sixth comes too soon: refused before the password is looked at,
    // exactly as for a name nobody has.
    let known = app
        .login_student("chen.student", PASSWORD, "10.3.0.2")
        .await
        .unwrap_err();
    for _ in 0..5 {
        app.login_student("nobody.here", "wrong-password-1", "10.3.0.3")
            .await
            .unwrap_err();
    }
    let unknown = app
        .login_student("nobody.here", PASSWORD, "10.3.0.4")
        .await
        .unwrap_err();
    assert_eq!(known.code(), Code::ResourceExhausted);
    assert_eq!(known.message(), unknown.message());
    assert_eq!(known.message(), "too many attempts; try again in 1 s");
    // After the delay the right password works and wipes the record.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    app.login_student("chen.student", PASSWORD, "10.3.0.2")
        .await
        .unwrap();
    app.login_student("chen.student", "wrong-password-1", "10.3.0.2")
        .await
        .unwrap_err();
    app.login_student("chen.student", PASSWORD, "10.3.0.2")
        .await
        .unwrap();
    app.stop().await;
}

#[tokio::test]
async fn at_most_100_failures_per_account_per_hour_and_per_source_cap() {
    let mut app = TestApp::spawn_with(|config| {
        // No progressive delay here, to reach the hourly cap quickly.
        config.identity.throttle.free_failures = 1_000;
        config.identity.throttle.source_failures_per_hour = 150;
    })
    .await;
    app.student("chen.student", 15).await;
    let document = taiwan_id(15);
    let attempt = |login: String, source: String| LoginRequest {
        agency: FUJIAN.into(),
        portal: FUJIAN_APP.into(),
        login_name: login,
        password: "wrong-password-1".into(),
        source_ip: source,
        ..LoginRequest::default()
    };
    for index in 0..100 {
        let status = app
            .client
            .login(attempt(document.clone(), format!("10.4.{}.1", index % 50)))
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::Unauthenticated, "attempt {index}");
    }
    let capped = app
        .client
        .login(attempt(document.clone(), "10.4.99.1".into()))
        .await
        .unwrap_err();
    assert_eq!(capped.code(), Code::ResourceExhausted);
    let retry: u64 = capped
        .message()
        .split_whitespace()
        .nth(6)
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry > 3_000 && retry <= 3_600, "{}", capped.message());

    // One source: 150 failures an hour across names, then refused.
    for index in 0..150 {
        let status = app
            .client
            .login(attempt(format!("name{index}"), "10.5.0.1".into()))
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::Unauthenticated);
    }
    let source = app
        .client
        .login(attempt("another".into(), "10.5.0.1".into()))
        .await
        .unwrap_err();
    assert_eq!(source.code(), Code::ResourceExhausted);
    app.stop().await;
}

#[tokio::test]
async fn the_development_captcha_answer_signs_in_once_per_captcha() {
    let mut app = TestApp::spawn_with(|config| {
        config.identity.dev_captcha_answer = Some("DEV123".into());
    })
    .await;
    app.student("dev.captcha", 12).await;
    let issued = app
        .client
        .create_captcha(CreateCaptchaRequest {
            agency: NIA.into(),
            portal: STUDENTS.into(),
            pre_session: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    // Still drawn, as a browser test would see it.
    assert_eq!(&issued.png[..8], b"\x89PNG\r\n\x1a\n");
    let fixed = (
        issued.pre_session.clone(),
        issued.captcha_id.clone(),
        "dev123".to_owned(),
    );
    app.client
        .login(login_request("dev.captcha", PASSWORD, fixed.clone()))
        .await
        .unwrap();
    // Single-use as ever.
    let replayed = app
        .client
        .login(login_request("dev.captcha", PASSWORD, fixed))
        .await
        .unwrap_err();
    assert_eq!(violations(&replayed), ["captcha_answer:expired"]);
    // Any other answer is wrong.
    let other = app.captcha(NIA, STUDENTS, "").await;
    let wrong = app
        .client
        .login(login_request(
            "dev.captcha",
            PASSWORD,
            (other.0, other.1, "ABCDEF".into()),
        ))
        .await
        .unwrap_err();
    assert_eq!(violations(&wrong), ["captcha_answer:wrong"]);
    app.stop().await;
}

#[tokio::test]
async fn identity_refuses_to_start_in_production_with_the_development_captcha() {
    let mut config = test_config("postgres://postgres@127.0.0.1:5432/laissez_never_created");
    config.common.environment = laissez_kit::config::Environment::Production;
    config.identity.dev_captcha_answer = Some("DEV123".into());
    let refused = laissez_identity::startup::Application::build(
        config,
        tokio_util::sync::CancellationToken::new(),
    )
    .await;
    let Err(error) = refused else {
        panic!("identity started in production with a fixed captcha answer");
    };
    assert!(error.to_string().contains("dev_captcha_answer"), "{error}");
}
