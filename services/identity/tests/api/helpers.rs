//! A real identity service per test: its own database, its own Redis key
//! prefix, the demo agency catalogs, port 0. Logs only with TEST_LOG set.

use std::collections::HashMap;
use std::sync::Once;

use laissez_eventbus::EnvelopeExt;
use laissez_identity::config::Config;
use laissez_identity::service::Identity;
use laissez_identity::startup::Application;
use laissez_kit::db::TestDatabase;
use laissez_proto::events::v1::{Envelope, EventMessage};
use laissez_proto::identity::v1::identity_service_client::IdentityServiceClient;
use laissez_proto::identity::v1::*;
use prost::Message;
use tokio_util::sync::CancellationToken;
use tonic::transport::Channel;
use tonic::{Code, Request, Status};

pub const NIA: &str = "tw-nia";
pub const STUDENTS: &str = "mainland-students";
pub const HKMO_STUDENTS: &str = "hkmo-overseas-students";
pub const FUJIAN: &str = "fj-exit-entry";
pub const FUJIAN_APP: &str = "nia-app";
pub const PASSWORD: &str = "Tr4velling-Far";

static TRACING: Once = Once::new();

pub struct TestApp {
    pub client: IdentityServiceClient<Channel>,
    pub identity: Identity,
    pub prefix: String,
    database: Option<TestDatabase>,
    shutdown: CancellationToken,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

pub fn test_config(database_url: &str) -> Config {
    let mut config = Config::default();
    config.common.grpc.listen = "127.0.0.1:0".parse().expect("address");
    config.common.admin.listen = "127.0.0.1:0".parse().expect("address");
    config.common.database.url = laissez_kit::config::ConnectionUrl::new(database_url);
    config.common.database.max_connections = 16;
    config.events.exchange = "laissez.test.identity".to_owned();
    config.identity.redis_prefix = format!("test:identity:{}:", uuid::Uuid::new_v4().simple());
    config.identity.uniform_response_ms = 150;
    config.catalog.dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/agencies");
    config
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(|_| {}).await
    }

    pub async fn spawn_with(configure: impl FnOnce(&mut Config)) -> TestApp {
        TRACING.call_once(|| {
            if std::env::var("TEST_LOG").is_ok() {
                let _ = tracing_subscriber_init();
            }
        });
        let database = TestDatabase::create("laissez_identity_test")
            .await
            .expect("test database");
        let mut config = test_config(&database.url);
        configure(&mut config);
        let prefix = config.identity.redis_prefix.clone();
        let shutdown = CancellationToken::new();
        let application = Application::build(config, shutdown.clone())
            .await
            .expect("identity starts");
        let addr = application.grpc_addr();
        let identity = application.identity();
        let task = tokio::spawn(application.run_until_stopped());
        let client = IdentityServiceClient::connect(format!("http://{addr}"))
            .await
            .expect("client connects");
        TestApp {
            client,
            identity,
            prefix,
            database: Some(database),
            shutdown,
            task,
        }
    }

    pub fn pool(&self) -> &sqlx::PgPool {
        self.identity.pool()
    }

    pub async fn stop(mut self) {
        self.shutdown.cancel();
        let _ = (&mut self.task).await;
        if let Some(database) = self.database.take() {
            database.drop_database().await;
        }
        if let Ok(client) = redis::Client::open("redis://127.0.0.1:6379")
            && let Ok(mut connection) = client.get_multiplexed_async_connection().await
        {
            let keys: Vec<String> = redis::cmd("KEYS")
                .arg(format!("{}*", self.prefix))
                .query_async(&mut connection)
                .await
                .unwrap_or_default();
            for key in keys {
                let _: Result<(), _> = redis::cmd("DEL")
                    .arg(key)
                    .query_async(&mut connection)
                    .await;
            }
        }
    }

    /// A captcha and its answer (read from Redis, as a person reads the image).
    pub async fn captcha(
        &mut self,
        agency: &str,
        portal: &str,
        pre_session: &str,
    ) -> (String, String, String) {
        let issued = self
            .client
            .create_captcha(CreateCaptchaRequest {
                agency: agency.into(),
                portal: portal.into(),
                pre_session: pre_session.into(),
            })
            .await
            .expect("captcha")
            .into_inner();
        let answer = self
            .identity
            .captchas()
            .peek_answer(&issued.captcha_id)
            .await
            .expect("redis")
            .expect("answer");
        (issued.pre_session, issued.captcha_id, answer)
    }

    /// Signs a student in (captcha solved).
    pub async fn login_student(
        &mut self,
        login: &str,
        password: &str,
        source_ip: &str,
    ) -> Result<LoginResponse, Status> {
        let (pre_session, captcha_id, answer) = self.captcha(NIA, STUDENTS, "").await;
        self.client
            .login(LoginRequest {
                agency: NIA.into(),
                portal: STUDENTS.into(),
                login_name: login.into(),
                password: password.into(),
                pre_session,
                captcha_id,
                captcha_answer: answer,
                source_ip: source_ip.into(),
                ..LoginRequest::default()
            })
            .await
            .map(tonic::Response::into_inner)
    }

    pub async fn exchange(&mut self, session_token: &str) -> Result<String, Status> {
        self.client
            .exchange_session(ExchangeSessionRequest {
                session_token: session_token.into(),
            })
            .await
            .map(|response| response.into_inner().internal_token)
    }

    /// Imports the agency's record of a student (as the agency would).
    pub async fn add_student_record(&self, id_number: &str, chinese_name: &str) {
        let mut connection = self.pool().acquire().await.expect("connection");
        let fields = [
            ("mainland_id_number".to_owned(), id_number.to_owned()),
            ("chinese_name".to_owned(), chinese_name.to_owned()),
            ("date_of_birth".to_owned(), "1990-01-01".to_owned()),
        ]
        .into_iter()
        .collect();
        laissez_identity::store::person_records::upsert(
            &mut connection,
            NIA,
            STUDENTS,
            id_number,
            &fields,
        )
        .await
        .expect("record");
    }

    /// Registers and activates a mainland student; returns the account id.
    pub async fn student(&mut self, login: &str, sequence: u32) -> String {
        let id_number = mainland_id(sequence);
        self.add_student_record(&id_number, "張三豐").await;
        self.client
            .register(student_registration(login, &id_number))
            .await
            .expect("registered");
        let registered = self
            .events::<laissez_proto::events::v1::AccountRegistered>()
            .await;
        let event = registered
            .iter()
            .rev()
            .find(|e| e.login_name == login)
            .expect("registered event");
        let token = event
            .activation_url
            .split("token=")
            .nth(1)
            .expect("token")
            .to_owned();
        self.client
            .activate(ActivateRequest {
                agency: NIA.into(),
                portal: STUDENTS.into(),
                token,
                ..ActivateRequest::default()
            })
            .await
            .expect("activated");
        event.account_id.clone()
    }

    /// Every event of type `T` in the outbox, oldest first.
    pub async fn events<T: EventMessage>(&self) -> Vec<T> {
        let payloads: Vec<Vec<u8>> =
            sqlx::query_scalar("SELECT payload FROM outbox WHERE event_type = $1 ORDER BY created_at, aggregate_sequence")
                .bind(T::EVENT_TYPE)
                .fetch_all(self.pool())
                .await
                .expect("outbox");
        payloads
            .into_iter()
            .map(|payload| {
                <Envelope as Message>::decode(payload.as_slice())
                    .expect("envelope")
                    .decode::<T>()
                    .expect("payload")
            })
            .collect()
    }
}

fn tracing_subscriber_init() -> Result<(), Box<dyn std::error::Error>> {
    Ok(())
}

/// A valid mainland ID number (checksum and birth date right).
pub fn mainland_id(sequence: u32) -> String {
    let prefix = format!("11010519900101{:03}", sequence % 1000);
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];
    let sum: u32 = prefix
        .chars()
        .zip(WEIGHTS)
        .map(|(c, w)| c.to_digit(10).unwrap_or(0) * w)
        .sum();
    format!("{prefix}{}", CHECK[(sum % 11) as usize])
}

/// A valid Taiwan ID number.
pub fn taiwan_id(sequence: u32) -> String {
    let body = format!("A1{:07}", sequence % 10_000_000);
    let digits: Vec<u32> = body[1..]
        .chars()
        .map(|c| c.to_digit(10).unwrap_or(0))
        .collect();
    let weights = [8, 7, 6, 5, 4, 3, 2, 1];
    let sum: u32 = 1 + digits.iter().zip(weights).map(|(d, w)| d * w).sum::<u32>();
    let check = (10 - sum % 10) % 10;
    format!("{body}{check}")
}

pub fn student_fields(id_number: &str) -> HashMap<String, String> {
    [
        ("chinese_name", "張三豐"),
        ("english_surname", "Zhang"),
        ("english_given_name", "Sanfeng"),
        ("mainland_id_number", id_number),
        ("place_of_birth", "guangdong"),
        ("date_of_birth", "1990-01-01"),
        ("sex", "male"),
        ("mainland_travel_permit_number", "T12345678"),
        ("phone", "02-22345678"),
        ("email", "tseng@hotmail.com"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

pub fn student_registration(login: &str, id_number: &str) -> RegisterRequest {
    RegisterRequest {
        agency: NIA.into(),
        portal: STUDENTS.into(),
        login_name: login.into(),
        password: PASSWORD.into(),
        password_confirmation: PASSWORD.into(),
        fields: student_fields(id_number),
        language: 1,
    }
}

pub fn with_token<T>(message: T, token: &str) -> Request<T> {
    let mut request = Request::new(message);
    request.metadata_mut().insert(
        "authorization",
        format!("Bearer {token}").parse().expect("header"),
    );
    request
}

/// The field violations of an INVALID_ARGUMENT status, as "field:code".
pub fn violations(status: &Status) -> Vec<String> {
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    laissez_kit::error::field_errors(status)
        .into_iter()
        .map(|e| format!("{}:{}", e.field, e.code))
        .collect()
}
