//! Security headers on every answer, per-address rate limits, CSRF for
//! cookie sessions, and readiness that follows the services.

use laissez_gateway::core::edge::SECURITY_HEADERS;
use reqwest::Method;
use serde_json::json;

use crate::support::*;

fn assert_security_headers(answer: &Answer, what: &str) {
    for (name, value) in SECURITY_HEADERS {
        assert_eq!(answer.header(name), Some(*value), "{what}: {name}");
    }
    let csp = answer.header("content-security-policy").unwrap_or_default();
    assert!(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"));
    assert!(
        answer.header("strict-transport-security").is_some(),
        "{what}"
    );
}

#[tokio::test]
async fn every_answer_carries_the_security_headers() {
    let stack = Stack::start_with(Services::IDENTITY, |config| {
        config.http.max_body_bytes = 1024;
    })
    .await;
    let (_, token) = stack.fj_applicant().await;
    let answers = [
        (
            "document",
            stack
                .send(stack.http.get(stack.url("/api/v1/openapi.json")))
                .await,
        ),
        (
            "success",
            stack.get("/api/v1/account/profile", &token).await,
        ),
        (
            "unknown path",
            stack
                .send(stack.http.get(stack.url("/api/v1/nothing/here")))
                .await,
        ),
        (
            "outside the API",
            stack.send(stack.http.get(stack.url("/nowhere"))).await,
        ),
        (
            "no session",
            stack.send(stack.http.get(stack.url("/api/v1/cases"))).await,
        ),
        (
            "wrong method",
            stack
                .call(Method::PATCH, "/api/v1/cases", Some(&token), None)
                .await,
        ),
        (
            "too large",
            stack
                .send(
                    stack
                        .http
                        .post(stack.url("/api/v1/submissions"))
                        .bearer_auth(&token)
                        .header("content-type", "application/json")
                        .body(vec![b' '; 2048]),
                )
                .await,
        ),
        (
            "upstream error",
            stack
                .get(
                    &format!("/api/v1/applicants/{}", uuid::Uuid::new_v4()),
                    &token,
                )
                .await,
        ),
    ];
    let statuses: Vec<u16> = answers.iter().map(|(_, a)| a.status.as_u16()).collect();
    assert_eq!(statuses, [200, 200, 404, 404, 401, 405, 413, 404]);
    for (what, answer) in &answers {
        assert_security_headers(answer, what);
        if !answer.status.is_success() {
            answer.problem(answer.status.as_u16());
        }
        assert_eq!(answer.header("cache-control"), Some("no-store"), "{what}");
    }
    stack.stop().await;
}

#[tokio::test]
async fn an_address_over_its_limit_gets_429_with_retry_after() {
    let stack = Stack::start_with(Services::IDENTITY, |config| {
        config.gateway.rate_limit.requests_per_window = 5;
        config.gateway.rate_limit.window_seconds = 10_000_000;
    })
    .await;
    let mut statuses = Vec::new();
    let mut last = None;
    for _ in 0..7 {
        let answer = stack
            .send(stack.http.get(stack.url("/api/v1/openapi.json")))
            .await;
        statuses.push(answer.status.as_u16());
        last = Some(answer);
    }
    assert_eq!(statuses, [200, 200, 200, 200, 200, 429, 429]);
    let limited = last.unwrap();
    let problem = limited.problem(429);
    assert_eq!(
        problem["type"],
        "https://laissez.dev/problems/resourceexhausted"
    );
    let retry_after: u64 = limited.header("retry-after").unwrap().parse().unwrap();
    assert!(retry_after >= 1);
    assert_security_headers(&limited, "rate limited");
    stack.stop().await;
}

#[tokio::test]
async fn sign_in_requests_have_a_stricter_limit_of_their_own() {
    let stack = Stack::start_with(Services::IDENTITY, |config| {
        config.gateway.rate_limit.sign_in_requests_per_window = 3;
        config.gateway.rate_limit.window_seconds = 10_000_000;
    })
    .await;
    let path = format!("/api/v1/agencies/{FJ}/portals/{FJ_PORTAL}/sessions");
    let mut statuses = Vec::new();
    for _ in 0..5 {
        let answer = stack
            .post(
                &path,
                None,
                json!({"login_name": "A123456789", "password": "wrong-one"}),
            )
            .await;
        statuses.push(answer.status.as_u16());
    }
    assert_eq!(statuses, [401, 401, 401, 429, 429]);
    // Other routes still answer.
    let document = stack
        .send(stack.http.get(stack.url("/api/v1/openapi.json")))
        .await;
    assert_eq!(document.status, 200);
    stack.stop().await;
}

#[tokio::test]
async fn cookie_sessions_need_a_csrf_token_and_a_same_site_origin_for_changes() {
    let stack = Stack::start(Services::IDENTITY).await;
    let (_, session) = stack.fj_applicant().await;
    let cookie = format!("__Host-laissez-session={session}");
    let token = stack.csrf_token(&session);
    let body = json!({"fields": {"household_place": "taipei"}});
    let patch = |extra: &[(&'static str, String)]| {
        let mut request = stack
            .http
            .patch(stack.url("/api/v1/account/profile"))
            .header("cookie", &cookie)
            .json(&body);
        for (name, value) in extra {
            request = request.header(*name, value);
        }
        stack.send(request)
    };

    // Reading with the cookie needs no token.
    let read = stack
        .send(
            stack
                .http
                .get(stack.url("/api/v1/account/profile"))
                .header("cookie", &cookie),
        )
        .await;
    assert_eq!(read.status, 200, "{}", read.text());

    let without = patch(&[]).await;
    without.problem(403);
    let wrong = patch(&[("x-csrf-token", stack.csrf_token("another-session"))]).await;
    wrong.problem(403);
    let foreign = patch(&[
        ("x-csrf-token", token.clone()),
        ("origin", "https://evil.example".to_owned()),
    ])
    .await;
    let problem = foreign.problem(403);
    assert!(problem["detail"].as_str().unwrap().contains("another site"));
    let cross_site = patch(&[
        ("x-csrf-token", token.clone()),
        ("sec-fetch-site", "cross-site".to_owned()),
    ])
    .await;
    cross_site.problem(403);

    let same_site = patch(&[
        ("x-csrf-token", token.clone()),
        ("origin", format!("http://{}", stack.addr)),
    ])
    .await;
    assert_eq!(same_site.status, 200, "{}", same_site.text());
    // A bearer token needs no CSRF token: a browser never sends one by itself.
    let bearer = stack
        .call(
            Method::PATCH,
            "/api/v1/account/profile",
            Some(&session),
            Some(body.clone()),
        )
        .await;
    assert_eq!(bearer.status, 200, "{}", bearer.text());

    // Logging out with the cookie clears it.
    let logout = stack
        .send(
            stack
                .http
                .post(stack.url("/api/v1/session/logout"))
                .header("cookie", &cookie)
                .header("x-csrf-token", &token)
                .json(&json!({})),
        )
        .await;
    assert_eq!(logout.status, 200, "{}", logout.text());
    let cleared = logout.header("set-cookie").unwrap();
    assert!(cleared.starts_with("__Host-laissez-session=;"), "{cleared}");
    assert!(
        cleared.contains("Max-Age=0") && cleared.contains("HttpOnly") && cleared.contains("Secure")
    );
    stack.stop().await;
}

#[tokio::test]
async fn readiness_follows_redis_and_every_service() {
    // Only identity runs: the gateway is alive but not ready.
    let partial = Stack::start(Services::IDENTITY).await;
    let url = format!("http://{}/readyz", partial.admin);
    let mut last = None;
    for _ in 0..50 {
        let answer = partial.send(partial.http.get(&url)).await;
        let body = answer.json();
        if body["dependencies"]["identity"] == true && body["dependencies"]["redis"] == true {
            last = Some(answer);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let answer = last.expect("identity and redis never showed as up");
    assert_eq!(answer.status, 503);
    let body = answer.json();
    assert_eq!(body["dependencies"]["intake"], false, "{body}");
    assert_eq!(body["dependencies"]["review"], false, "{body}");
    assert_eq!(body["dependencies"]["notify"], false, "{body}");
    assert_eq!(body["dependencies"]["payment"], false, "{body}");
    assert_eq!(body["dependencies"]["render"], false, "{body}");
    let alive = partial
        .send(
            partial
                .http
                .get(format!("http://{}/healthz", partial.admin)),
        )
        .await;
    assert_eq!(alive.status, 200);
    partial.stop().await;

    // Everything runs: ready (start waits for a 200; this reads the body).
    let full = Stack::start(Services::ALL).await;
    let url = format!("http://{}/readyz", full.admin);
    let mut ready = None;
    for _ in 0..100 {
        let answer = full.send(full.http.get(&url)).await;
        if answer.status == 200 {
            ready = Some(answer.json());
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let ready = ready.expect("the full stack never became ready");
    for dependency in [
        "redis", "identity", "intake", "review", "notify", "payment", "render",
    ] {
        assert_eq!(ready["dependencies"][dependency], true, "{ready}");
    }
    assert_eq!(ready["ready"], true);
    full.stop().await;
}
