//! A protected test service hosted by the kit, and helpers to call it.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::time::Duration;

use laissez_kit::auth::testing::TestKeys;
use laissez_kit::config::CommonConfig;
use laissez_kit::health::DependencyCheck;
use laissez_kit::server::ServiceHost;
use laissez_kit::{Role, caller};
use laissez_proto::notify::v1::notify_service_client::NotifyServiceClient;
use laissez_proto::notify::v1::notify_service_server::{NotifyService, NotifyServiceServer};
use laissez_proto::notify::v1::*;
use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status};

pub const AGENCY: &str = "agency-a";

/// Answers only callers of agency A; `ListMessages` is slow, to keep calls in flight.
pub struct ProtectedService;

#[tonic::async_trait]
impl NotifyService for ProtectedService {
    async fn list_messages(
        &self,
        request: Request<ListMessagesRequest>,
    ) -> Result<Response<ListMessagesResponse>, Status> {
        caller(&request)?.require_agency(AGENCY)?;
        tokio::time::sleep(Duration::from_millis(600)).await;
        Ok(Response::new(ListMessagesResponse::default()))
    }

    async fn get_unread_count(
        &self,
        request: Request<GetUnreadCountRequest>,
    ) -> Result<Response<GetUnreadCountResponse>, Status> {
        let caller = caller(&request)?;
        caller.require_agency(AGENCY)?;
        caller.require_any_role(&[Role::Applicant])?;
        Ok(Response::new(GetUnreadCountResponse { unread: 7 }))
    }

    async fn mark_read(
        &self,
        request: Request<MarkReadRequest>,
    ) -> Result<Response<MarkReadResponse>, Status> {
        caller(&request)?.require_agency(AGENCY)?;
        Ok(Response::new(MarkReadResponse::default()))
    }

    async fn list_deliveries(
        &self,
        request: Request<ListDeliveriesRequest>,
    ) -> Result<Response<ListDeliveriesResponse>, Status> {
        caller(&request)?.require_agency(AGENCY)?;
        Ok(Response::new(ListDeliveriesResponse::default()))
    }
}

pub struct Running {
    pub grpc: SocketAddr,
    pub admin: SocketAddr,
    pub shutdown: CancellationToken,
    pub task: tokio::task::JoinHandle<Result<(), laissez_kit::server::Error>>,
}

pub async fn start(keys: &TestKeys, checks: Vec<DependencyCheck>) -> Running {
    let mut config = CommonConfig::for_service("kit-test", 0, 0);
    config.grpc.listen = "127.0.0.1:0".parse().unwrap();
    config.admin.listen = "127.0.0.1:0".parse().unwrap();
    config.shutdown.grace_seconds = 10;
    let mut host = ServiceHost::new("kit-test", &config)
        .with_keys(keys.keys.clone())
        .with_check_interval(Duration::from_millis(200));
    for check in checks {
        host = host.depends_on(check);
    }
    let mut bound = host.bind().await.unwrap();
    bound.add_service(NotifyServiceServer::new(ProtectedService));
    Running {
        grpc: bound.grpc_addr(),
        admin: bound.admin_addr(),
        shutdown: bound.shutdown_token(),
        task: tokio::spawn(bound.serve()),
    }
}

pub async fn channel(addr: SocketAddr) -> tonic::transport::Channel {
    tonic::transport::Endpoint::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect()
        .await
        .unwrap()
}

pub async fn client(addr: SocketAddr) -> NotifyServiceClient<tonic::transport::Channel> {
    NotifyServiceClient::connect(format!("http://{addr}"))
        .await
        .unwrap()
}

pub fn with_token<T>(message: T, token: &str) -> Request<T> {
    let mut request = Request::new(message);
    request
        .metadata_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    request
}
