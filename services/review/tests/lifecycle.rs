//! The real binary: it creates its database, becomes ready (PostgreSQL and
//! RabbitMQ reachable), serves gRPC health, and on SIGTERM drains and exits 0.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

/// Kills the service if the test fails before stopping it.
struct ChildGuard(std::process::Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        if self.0.try_wait().ok().flatten().is_none() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test]
async fn binary_becomes_ready_and_stops_cleanly_on_sigterm() {
    let (grpc_port, admin_port) = (free_port(), free_port());
    let database = format!("laissez_review_lifecycle_{}", uuid::Uuid::new_v4().simple());
    let base = std::env::var("LAISSEZ_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    let database_url = format!("{}/{database}", base.rsplit_once('/').unwrap().0);
    let exchange = format!("test.lifecycle.{}", uuid::Uuid::new_v4().simple());
    let child = Command::new(env!("CARGO_BIN_EXE_laissez-review"))
        .env("LAISSEZ_GRPC__LISTEN", format!("127.0.0.1:{grpc_port}"))
        .env("LAISSEZ_ADMIN__LISTEN", format!("127.0.0.1:{admin_port}"))
        .env("LAISSEZ_DATABASE__URL", &database_url)
        .env("LAISSEZ_EVENTS__EXCHANGE", &exchange)
        .env("LAISSEZ_SHUTDOWN__GRACE_SECONDS", "10")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut child = ChildGuard(child);

    let started = Instant::now();
    loop {
        let ready = reqwest::get(format!("http://127.0.0.1:{admin_port}/readyz")).await;
        if ready.is_ok_and(|response| response.status() == 200) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the service never became ready"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let channel = tonic::transport::Endpoint::from_shared(format!("http://127.0.0.1:{grpc_port}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    // gRPC health follows the same checks as /readyz, one report later.
    let mut health = HealthClient::new(channel);
    loop {
        let status = health
            .check(HealthCheckRequest {
                service: String::new(),
            })
            .await
            .unwrap()
            .into_inner()
            .status;
        if ServingStatus::try_from(status).unwrap() == ServingStatus::Serving {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "gRPC health never became SERVING"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let killed = Command::new("kill")
        .args(["-TERM", &child.0.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let stopping = Instant::now();
    let exit = loop {
        if let Some(exit) = child.0.try_wait().unwrap() {
            break exit;
        }
        assert!(
            stopping.elapsed() < Duration::from_secs(15),
            "SIGTERM did not stop the service"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(exit.success(), "exit status {exit:?}");

    // Clean up what the run created.
    let drop = format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)");
    let _ = Command::new("psql").args([&base, "-qc", &drop]).output();
}
