//! The kit's gRPC host against real PostgreSQL: caller authentication
//! statuses, health that follows a dependency, metrics, and the drain on
//! shutdown.

mod support;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use laissez_eventbus::testing::FaultProxy;
use laissez_kit::Role;
use laissez_kit::auth::testing::TestKeys;
use laissez_kit::config::DatabaseConfig;
use laissez_kit::db::TestDatabase;
use laissez_kit::health::DependencyCheck;
use laissez_proto::notify::v1::notify_service_client::NotifyServiceClient;
use laissez_proto::notify::v1::*;
use support::{AGENCY, channel, client, start, with_token};
use tonic::{Code, Request};
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

#[tokio::test]
async fn tokens_are_checked_with_the_right_status() {
    let keys = TestKeys::new();
    let running = start(&keys, vec![]).await;
    let mut client = client(running.grpc).await;

    let valid = keys.token("acct-1", AGENCY, "portal", &[Role::Applicant]);
    let answer = client
        .get_unread_count(with_token(GetUnreadCountRequest {}, &valid))
        .await
        .unwrap();
    assert_eq!(answer.into_inner().unread, 7);

    let missing = client
        .get_unread_count(Request::new(GetUnreadCountRequest {}))
        .await
        .unwrap_err();
    assert_eq!(missing.code(), Code::Unauthenticated);

    let now = chrono::Utc::now().timestamp();
    let expired = keys.token_at(
        "acct-1",
        AGENCY,
        "portal",
        &[Role::Applicant],
        now - 400,
        now - 280,
    );
    let status = client
        .get_unread_count(with_token(GetUnreadCountRequest {}, &expired))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
    assert!(status.message().contains("expired"), "{}", status.message());

    let stranger = TestKeys::new();
    let forged = stranger.token("acct-1", AGENCY, "portal", &[Role::Applicant]);
    let status = client
        .get_unread_count(with_token(GetUnreadCountRequest {}, &forged))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);

    let other_agency = keys.token("acct-2", "agency-b", "portal", &[Role::Applicant]);
    let status = client
        .get_unread_count(with_token(GetUnreadCountRequest {}, &other_agency))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);

    let wrong_role = keys.token("acct-3", AGENCY, "staff", &[Role::Reviewer]);
    let status = client
        .get_unread_count(with_token(GetUnreadCountRequest {}, &wrong_role))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);

    let mut garbled = Request::new(GetUnreadCountRequest {});
    garbled
        .metadata_mut()
        .insert("authorization", "Basic Zm9vOmJhcg==".parse().unwrap());
    assert_eq!(
        client.get_unread_count(garbled).await.unwrap_err().code(),
        Code::Unauthenticated
    );

    // Health stays public.
    let mut health = HealthClient::new(channel(running.grpc).await);
    health
        .check(HealthCheckRequest {
            service: String::new(),
        })
        .await
        .unwrap();

    // Every call above is counted per method and code.
    let metrics = reqwest::get(format!("http://{}/metrics", running.admin))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("grpc_server_handled_total"), "{metrics}");
    assert!(metrics.contains("code=\"Unauthenticated\""), "{metrics}");
    assert!(
        metrics.contains("grpc_server_handling_seconds_bucket"),
        "{metrics}"
    );

    running.shutdown.cancel();
    running.task.await.unwrap().unwrap();
}

async fn serving_status(addr: SocketAddr) -> ServingStatus {
    let mut health = HealthClient::new(channel(addr).await);
    let response = health
        .check(HealthCheckRequest {
            service: String::new(),
        })
        .await
        .unwrap();
    ServingStatus::try_from(response.into_inner().status).unwrap()
}

async fn wait_for_status(addr: SocketAddr, wanted: ServingStatus) -> Duration {
    let started = Instant::now();
    while serving_status(addr).await != wanted {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "health never became {wanted:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    started.elapsed()
}

#[tokio::test]
async fn health_follows_postgres_going_down_and_coming_back() {
    let database = TestDatabase::create("laissez_kit_health").await.unwrap();
    let proxy = FaultProxy::start("127.0.0.1:5432").await.unwrap();
    let proxied_url = database
        .url
        .replacen("127.0.0.1:5432", &proxy.address().to_string(), 1);
    assert_ne!(
        proxied_url, database.url,
        "the test database must be on 127.0.0.1:5432"
    );
    let pool = laissez_kit::db::connect(&DatabaseConfig {
        url: laissez_kit::config::ConnectionUrl::new(proxied_url),
        max_connections: 2,
        acquire_timeout_ms: 300,
        schema: laissez_kit::config::SchemaMode::Migrate,
        schema_wait_seconds: 1,
    })
    .await
    .unwrap();

    let keys = TestKeys::new();
    let running = start(&keys, vec![DependencyCheck::postgres(pool)]).await;
    wait_for_status(running.grpc, ServingStatus::Serving).await;
    let ready = reqwest::get(format!("http://{}/readyz", running.admin))
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);

    proxy.cut();
    wait_for_status(running.grpc, ServingStatus::NotServing).await;
    let ready = reqwest::get(format!("http://{}/readyz", running.admin))
        .await
        .unwrap();
    assert_eq!(ready.status(), 503);
    let body: serde_json::Value = ready.json().await.unwrap();
    assert_eq!(body["dependencies"]["postgres"], false);

    proxy.restore();
    wait_for_status(running.grpc, ServingStatus::Serving).await;
    let healthz = reqwest::get(format!("http://{}/healthz", running.admin))
        .await
        .unwrap();
    assert_eq!(healthz.status(), 200);

    running.shutdown.cancel();
    running.task.await.unwrap().unwrap();
    database.drop_database().await;
}

#[tokio::test]
async fn shutdown_drains_calls_in_flight() {
    let keys = TestKeys::new();
    let running = start(&keys, vec![]).await;
    let token = keys.token("acct-1", AGENCY, "portal", &[Role::Applicant]);
    let client = client(running.grpc).await;

    let calls: Vec<_> = (0..40)
        .map(|_| {
            let mut client = client.clone();
            let token = token.clone();
            tokio::spawn(async move {
                client
                    .list_messages(with_token(ListMessagesRequest::default(), &token))
                    .await
            })
        })
        .collect();
    // Let every call reach the handler, then "SIGTERM".
    tokio::time::sleep(Duration::from_millis(200)).await;
    running.shutdown.cancel();

    let mut finished = 0;
    for call in calls {
        call.await
            .unwrap()
            .expect("an in-flight call was cut off by the shutdown");
        finished += 1;
    }
    assert_eq!(finished, 40);
    running.task.await.unwrap().unwrap();

    // Once stopped, new connections are refused.
    let refused = NotifyServiceClient::connect(format!("http://{}", running.grpc)).await;
    assert!(refused.is_err());
}
