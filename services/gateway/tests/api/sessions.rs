//! Sessions through the gateway: a logout takes effect at once (the
//! exchanged token is forgotten), and a session ended elsewhere stops
//! working once the short exchange cache lets go of it. The checks call
//! intake, which trusts an internal token for its whole life (identity
//! itself re-checks the session on every call, so it would hide a gateway
//! that kept using a dead session's token).

use std::time::Duration;

use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn a_logout_ends_the_session_at_once() {
    let stack = Stack::start_with(Services::INTAKE, |config| {
        // Long enough that only forgetting the entry can explain a refusal.
        config.gateway.session.cache_ms = 60_000;
    })
    .await;
    let (_, session) = stack.fj_applicant().await;
    stack.get("/api/v1/cases", &session).await.ok();
    stack
        .post("/api/v1/session/logout", Some(&session), json!({}))
        .await
        .ok();
    let after = stack.get("/api/v1/cases", &session).await;
    after.problem(401);
    stack.stop().await;
}

#[tokio::test]
async fn logout_everywhere_ends_every_session_of_the_account_here() {
    let stack = Stack::start_with(Services::INTAKE, |config| {
        config.gateway.session.cache_ms = 60_000;
    })
    .await;
    let (document, first) = stack.fj_applicant().await;
    let second = stack.login(FJ, FJ_PORTAL, &document, PASSWORD, false).await;
    stack.get("/api/v1/cases", &second).await.ok();
    let sessions = stack.get("/api/v1/sessions", &first).await.ok();
    assert_eq!(
        sessions["sessions"].as_array().unwrap().len(),
        2,
        "{sessions}"
    );
    stack
        .post(
            "/api/v1/session/logout",
            Some(&first),
            json!({"everywhere": true}),
        )
        .await
        .ok();
    stack.get("/api/v1/cases", &second).await.problem(401);
    stack.get("/api/v1/cases", &first).await.problem(401);
    stack.stop().await;
}

#[tokio::test]
async fn a_session_revoked_elsewhere_stops_working_within_the_cache_time() {
    // The default reuse time (1 s) bounds how long a revoked session lasts.
    let stack = Stack::start(Services::INTAKE).await;
    let (document, kept) = stack.fj_applicant().await;
    let revoked = stack.login(FJ, FJ_PORTAL, &document, PASSWORD, false).await;
    stack.get("/api/v1/cases", &revoked).await.ok();
    let sessions = stack.get("/api/v1/sessions", &kept).await.ok();
    let victim = sessions["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|session| session["current"] == false)
        .unwrap()["session_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let revoking = stack
        .call(
            reqwest::Method::DELETE,
            &format!("/api/v1/sessions/{victim}"),
            Some(&kept),
            None,
        )
        .await;
    assert_eq!(revoking.status, 200, "{}", revoking.text());
    // Bounded wait (the failure is never getting a refusal), not a timing
    // measurement: the cache may serve the old token until it lets go.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let answer = stack.get("/api/v1/cases", &revoked).await;
        if answer.status == 401 {
            answer.problem(401);
            break;
        }
        assert_eq!(answer.status, 200, "{}", answer.text());
        assert!(
            tokio::time::Instant::now() < deadline,
            "the revoked session kept working"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    stack.get("/api/v1/cases", &kept).await.ok();
    stack.stop().await;
}
