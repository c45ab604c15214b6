//! Starting review for a test and seeding cases through the consumer's code path.
#![allow(dead_code)]

use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};
use laissez_kit::Role;
use laissez_kit::auth::testing::TestKeys;
use laissez_kit::db::TestDatabase;
use laissez_proto::events::v1::{
    CaseParty, CaseResubmitted, CaseSubmitted, CaseWithdrawn, Envelope, EventMessage,
};
use laissez_proto::review::v1::review_service_client::ReviewServiceClient;
use laissez_review::config::Config;
use laissez_review::settings::Settings;
use laissez_review::startup::Application;
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;
use tonic::Request;
use tonic::transport::Channel;

pub const HK: &str = "hk-cts";
pub const MO: &str = "mo-csm";
pub const HRP: &str = "home_return_permit";

pub struct TestApp {
    pub client: ReviewServiceClient<Channel>,
    events: laissez_eventbus::EventBusConfig,
    pub admin_addr: std::net::SocketAddr,
    pub keys: TestKeys,
    pub pool: PgPool,
    pub settings: Settings,
    database: TestDatabase,
    shutdown: CancellationToken,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

pub fn agencies_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../deploy/agencies")
}

pub async fn start(name: &str) -> TestApp {
    start_with(name, |_| {}).await
}

pub async fn start_with(name: &str, tweak: impl FnOnce(&mut Config)) -> TestApp {
    start_with_keys(name, TestKeys::new(), tweak).await
}

/// As [`start_with`], verifying tokens signed by `keys` (shared with another
/// in-process service).
pub async fn start_with_keys(
    name: &str,
    keys: TestKeys,
    tweak: impl FnOnce(&mut Config),
) -> TestApp {
    let database = TestDatabase::create(&format!("laissez_review_{name}"))
        .await
        .unwrap();
    let mut config = Config::default();
    config.common.grpc.listen = "127.0.0.1:0".parse().unwrap();
    config.common.admin.listen = "127.0.0.1:0".parse().unwrap();
    config.common.database.url = laissez_kit::config::ConnectionUrl::new(database.url.clone());
    config.common.database.max_connections = 20;
    config.events.exchange = format!("test.review.{}", uuid::Uuid::new_v4().simple());
    config.catalog.dir = agencies_dir();
    // Nothing listens on the discard port: the case view must not reach a
    // development stack's intake that happens to run on this machine.
    config.services.intake = "http://127.0.0.1:9".into();
    config.services.intake_timeout_ms = 2_000;
    tweak(&mut config);
    let events = config.events.clone();
    let shutdown = CancellationToken::new();
    let application =
        Application::build_with_keys(config, shutdown.clone(), Some(keys.keys.clone()))
            .await
            .unwrap();
    let pool = application.pool();
    let settings = application.settings();
    let admin_addr = application.admin_addr();
    let channel =
        tonic::transport::Endpoint::from_shared(format!("http://{}", application.grpc_addr()))
            .unwrap()
            .connect_timeout(Duration::from_secs(5))
            .connect()
            .await
            .unwrap();
    let task = tokio::spawn(application.run_until_stopped());
    let app = TestApp {
        client: ReviewServiceClient::new(channel),
        events,
        admin_addr,
        keys,
        pool,
        settings,
        database,
        shutdown,
        task,
    };
    // Events published before the consumer's queue exists would be lost.
    app.ready().await;
    app
}

/// Who calls.
#[derive(Clone, Debug)]
pub struct As {
    pub account: String,
    pub agency: String,
    pub roles: Vec<Role>,
}

impl As {
    pub fn new(account: &str, agency: &str, roles: &[Role]) -> As {
        As {
            account: account.into(),
            agency: agency.into(),
            roles: roles.to_vec(),
        }
    }
    pub fn reviewer(account: &str, agency: &str) -> As {
        As::new(account, agency, &[Role::Reviewer])
    }
    pub fn senior(account: &str, agency: &str) -> As {
        As::new(account, agency, &[Role::SeniorReviewer])
    }
    pub fn admin(account: &str, agency: &str) -> As {
        As::new(account, agency, &[Role::AgencyAdmin])
    }
}

impl TestApp {
    pub async fn stop(self) {
        self.shutdown.cancel();
        let _ = tokio::time::timeout(Duration::from_secs(15), self.task).await;
        self.database.drop_database().await;
        // Best effort: an exchange shared with another test service may be gone.
        let _ = laissez_eventbus::topology::remove(
            &self.events,
            &[laissez_review::events::intake::CONSUMER],
        )
        .await;
    }

    /// Waits until `/readyz` answers 200 (database and broker links up).
    pub async fn ready(&self) {
        let url = format!("http://{}/readyz", self.admin_addr);
        for _ in 0..150 {
            let ready = reqwest::get(&url).await;
            if ready.is_ok_and(|response| response.status() == 200) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("review never became ready");
    }

    pub fn request<T>(&self, who: &As, message: T) -> Request<T> {
        let portal = if who.roles.contains(&Role::Applicant) {
            "applicants"
        } else {
            "staff"
        };
        let token = self
            .keys
            .token(&who.account, &who.agency, portal, &who.roles);
        let mut request = Request::new(message);
        request
            .metadata_mut()
            .insert("authorization", format!("Bearer {token}").parse().unwrap());
        request
    }

    /// Applies an intake event as the consumer would, in its own transaction.
    pub async fn deliver<E: EventMessage>(
        &self,
        agency: &str,
        sequence: u64,
        event: &E,
        case_id: &str,
    ) {
        let envelope = envelope(agency, sequence, event, case_id);
        let mut transaction = self.pool.begin().await.unwrap();
        laissez_review::events::intake::apply(&mut transaction, &self.settings, &envelope)
            .await
            .unwrap();
        transaction.commit().await.unwrap();
    }

    pub async fn submit(&self, case: &NewCase) -> String {
        let event = case.event();
        self.deliver(&case.agency, 1, &event, &event.case_id).await;
        event.case_id
    }
}

pub fn envelope<E: EventMessage>(
    agency: &str,
    sequence: u64,
    event: &E,
    case_id: &str,
) -> Envelope {
    Envelope {
        event_id: uuid::Uuid::now_v7().to_string(),
        event_type: E::EVENT_TYPE.to_owned(),
        agency: agency.to_owned(),
        occurred_at: Some(ts(Utc::now())),
        aggregate_type: "case".to_owned(),
        aggregate_id: case_id.to_owned(),
        aggregate_sequence: sequence,
        payload: prost_types::Any::from_msg(event).ok(),
        ..Envelope::default()
    }
}

pub fn ts(at: DateTime<Utc>) -> prost_types::Timestamp {
    laissez_review::time::timestamp(at)
}

/// A submission to seed.
#[derive(Clone, Debug)]
pub struct NewCase {
    pub case_id: String,
    pub agency: String,
    pub application_type: String,
    pub submitted_at: DateTime<Utc>,
    pub priority_reasons: Vec<String>,
    pub group_number: String,
    pub account: String,
}

impl NewCase {
    pub fn new(agency: &str, submitted_at: DateTime<Utc>) -> NewCase {
        NewCase {
            case_id: uuid::Uuid::new_v4().to_string(),
            agency: agency.into(),
            application_type: if agency == HK {
                HRP.into()
            } else {
                "passport_renewal".into()
            },
            submitted_at,
            priority_reasons: Vec::new(),
            group_number: String::new(),
            account: "applicant-1".into(),
        }
    }

    pub fn priority(mut self, rule: &str) -> NewCase {
        self.priority_reasons.push(rule.into());
        self
    }

    pub fn group(mut self, group: &str) -> NewCase {
        self.group_number = group.into();
        self
    }

    pub fn event(&self) -> CaseSubmitted {
        CaseSubmitted {
            case_id: self.case_id.clone(),
            receipt_number: format!("R-{}", &self.case_id[..8]),
            group_number: self.group_number.clone(),
            application_type: self.application_type.clone(),
            catalog_version: 1,
            submitted_at: Some(ts(self.submitted_at)),
            party: Some(party(&self.account)),
            express: false,
            priority_reasons: self.priority_reasons.clone(),
        }
    }
}

pub fn party(account: &str) -> CaseParty {
    CaseParty {
        account_id: account.into(),
        applicant_id: "person-1".into(),
        applicant_masked_name: "陳**".into(),
        language: 1,
        email: "a@example.com".into(),
        mobile: "+85260000000".into(),
    }
}

pub fn resubmitted(case_id: &str, round: u32, at: DateTime<Utc>) -> CaseResubmitted {
    CaseResubmitted {
        case_id: case_id.into(),
        receipt_number: String::new(),
        round,
        resubmitted_at: Some(ts(at)),
        party: Some(party("applicant-1")),
        applicant_reply: "uploaded the missing page".into(),
    }
}

pub fn withdrawn(case_id: &str) -> CaseWithdrawn {
    CaseWithdrawn {
        case_id: case_id.into(),
        receipt_number: String::new(),
        withdrawn_at: Some(ts(Utc::now())),
        party: Some(party("applicant-1")),
    }
}

pub async fn case_state(pool: &PgPool, case_id: &str) -> String {
    sqlx::query_scalar("SELECT state FROM review_case WHERE case_id = $1::uuid")
        .bind(case_id)
        .fetch_one(pool)
        .await
        .unwrap()
}
