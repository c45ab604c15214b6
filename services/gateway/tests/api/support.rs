//! A gateway in front of real services, all in this process: identity
//! (always: every signed-in call starts there) and, as a test asks, intake,
//! review and notify. Each stack has its own databases, its own Redis key
//! prefixes and its own event exchange (so its own queues), so tests run in
//! parallel. Accounts are made the way people make them: through the API,
//! reading the email or SMS from identity's outbox.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use laissez_eventbus::{EnvelopeExt, EventBusConfig};
use laissez_gateway::config::Config as GatewayConfig;
use laissez_gateway::core::Core;
use laissez_kit::auth::testing::TestKeys;
use laissez_kit::auth::{KeySet, TokenSigner};
use laissez_kit::config::{ConnectionUrl, Secret};
use laissez_kit::db::TestDatabase;
use laissez_proto::events::v1::{Envelope, EventMessage};
use prost::Message;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub const CAPTCHA: &str = "TEST42";
pub const PASSWORD: &str = "Tr4velling-Far";
pub const OPERATOR_PASSWORD: &str = "Operator-Pass-123";
pub const STAFF_PASSWORD: &str = "Staff-Passw0rd-9";
pub const FJ: &str = "fj-exit-entry";
pub const FJ_PORTAL: &str = "nia-app";
pub const TW: &str = "tw-nia";
pub const TW_PORTAL: &str = "mainland-students";
/// Nothing listens on the discard port: services a stack does not start.
const NOWHERE: &str = "http://127.0.0.1:9";

pub fn agencies_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../deploy/agencies")
}

/// Which services a stack runs besides identity.
#[derive(Debug, Clone, Copy, Default)]
pub struct Services {
    pub intake: bool,
    pub review: bool,
    pub notify: bool,
    /// Payment with its providers' simulator.
    pub payment: bool,
    /// Render, with seal keys made on first use.
    pub render: bool,
}

impl Services {
    pub const IDENTITY: Services = Services {
        intake: false,
        review: false,
        notify: false,
        payment: false,
        render: false,
    };
    pub const INTAKE: Services = Services {
        intake: true,
        review: false,
        notify: false,
        payment: false,
        render: false,
    };
    pub const ALL: Services = Services {
        intake: true,
        review: true,
        notify: true,
        payment: true,
        render: true,
    };
}

struct Running {
    shutdown: CancellationToken,
    task: JoinHandle<anyhow::Result<()>>,
    database: Option<TestDatabase>,
}

pub struct Stack {
    pub addr: SocketAddr,
    pub admin: SocketAddr,
    pub http: reqwest::Client,
    core: Option<Core>,
    pub identity: laissez_identity::service::Identity,
    pub gateway_config: GatewayConfig,
    events: EventBusConfig,
    prefix: String,
    gateway: Running,
    services: Vec<Running>,
    intake: Option<laissez_intake::testing::TestIntake>,
    /// Payment and its providers' simulator (Services::ALL).
    pub payment: Option<laissez_payment::testing::TestPayment>,
    /// Render and its seal keys (Services::ALL).
    pub render: Option<laissez_render::testing::TestRender>,
    /// Notify's database (its deliveries hold every rendered email).
    pub notify_pool: Option<sqlx::PgPool>,
    sequence: std::sync::atomic::AtomicU32,
}

/// An answer of the gateway, read whole.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|_| panic!("not JSON ({}): {}", self.status, self.text()))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    /// Asserts a problem document with this status; returns it.
    pub fn problem(&self, status: u16) -> Value {
        assert_eq!(self.status.as_u16(), status, "{}", self.text());
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "{}",
            self.text()
        );
        let problem = self.json();
        assert_eq!(problem["status"], status, "{problem}");
        for member in ["type", "title", "detail"] {
            assert!(problem[member].is_string(), "{member} missing: {problem}");
        }
        problem
    }

    /// `field:code` of every error of a problem document.
    pub fn field_errors(&self) -> Vec<String> {
        self.json()["errors"]
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .map(|e| {
                        format!(
                            "{}:{}",
                            e["field"].as_str().unwrap_or_default(),
                            e["code"].as_str().unwrap_or_default()
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn ok(self) -> Value {
        assert!(self.status.is_success(), "{}: {}", self.status, self.text());
        self.json()
    }
}

impl Stack {
    pub async fn start(services: Services) -> Stack {
        Self::start_with(services, |_| {}).await
    }

    pub async fn start_with(services: Services, tweak: impl FnOnce(&mut GatewayConfig)) -> Stack {
        let id = uuid::Uuid::new_v4().simple().to_string();
        let prefix = format!("test:gw:{id}:");
        let events = EventBusConfig {
            exchange: format!("test.gateway.{id}"),
            relay_poll_interval_ms: 200,
            ..EventBusConfig::default()
        };
        // Every consumer's queue is bound before any service publishes.
        laissez_eventbus::topology::declare_consumers(
            &events,
            &[
                (
                    laissez_review::events::intake::CONSUMER,
                    &laissez_review::events::intake::BINDINGS,
                ),
                (
                    laissez_notify::events::CONSUMER_NAME,
                    laissez_notify::events::mapping::NOTIFIED_EVENTS,
                ),
                (
                    laissez_intake::events::decisions::CONSUMER,
                    &laissez_intake::events::decisions::BINDINGS,
                ),
                (
                    laissez_intake::events::payments::CONSUMER,
                    &laissez_intake::events::payments::BINDINGS,
                ),
                (
                    laissez_payment::events::CONSUMER,
                    &laissez_payment::events::BINDINGS,
                ),
                (
                    laissez_render::events::CONSUMER,
                    &laissez_render::events::BINDINGS,
                ),
            ],
        )
        .await
        .expect("the test's event topology");

        // identity
        let database = TestDatabase::create("laissez_gw_identity").await.unwrap();
        let mut config = laissez_identity::config::Config::default();
        config.common.grpc.listen = "127.0.0.1:0".parse().unwrap();
        config.common.admin.listen = "127.0.0.1:0".parse().unwrap();
        config.common.database.url = ConnectionUrl::new(database.url.clone());
        config.common.database.max_connections = 8;
        config.events = events.clone();
        config.common.shutdown.grace_seconds = 2;
        config.identity.redis_prefix = format!("{prefix}identity:");
        config.identity.uniform_response_ms = 50;
        config.identity.dev_captcha_answer = Some(CAPTCHA.into());
        config.identity.bootstrap_operator = Some(laissez_identity::config::BootstrapOperator {
            login_name: "operator".into(),
            email: "ops@laissez.example".into(),
            password: Secret::new(OPERATOR_PASSWORD),
        });
        config.catalog.dir = agencies_dir();
        let shutdown = CancellationToken::new();
        let application = laissez_identity::startup::Application::build(config, shutdown.clone())
            .await
            .unwrap();
        let identity_addr = application.grpc_addr();
        let identity = application.identity();
        let keys: KeySet = identity.key_ring().key_set();
        let mut running = vec![Running {
            shutdown,
            task: tokio::spawn(application.run_until_stopped()),
            database: Some(database),
        }];
        let test_keys = TestKeys {
            signer: TokenSigner::generate("gateway-tests-unused"),
            keys: keys.clone(),
        };

        // intake
        let mut intake_url = NOWHERE.to_owned();
        let intake = if services.intake {
            let events = events.clone();
            let started = laissez_intake::testing::TestIntake::start_with(
                "gw",
                8,
                test_keys.clone(),
                move |config| {
                    config.events = events;
                    config.common.shutdown.grace_seconds = 2;
                },
            )
            .await
            .unwrap();
            intake_url = format!("http://{}", started.grpc_addr);
            Some(started)
        } else {
            None
        };

        // review
        let mut review_url = NOWHERE.to_owned();
        if services.review {
            let database = TestDatabase::create("laissez_gw_review").await.unwrap();
            let mut config = laissez_review::config::Config::default();
            config.common.grpc.listen = "127.0.0.1:0".parse().unwrap();
            config.common.admin.listen = "127.0.0.1:0".parse().unwrap();
            config.common.database.url = ConnectionUrl::new(database.url.clone());
            config.common.database.max_connections = 8;
            config.events = events.clone();
            config.catalog.dir = agencies_dir();
            config.services.intake = intake_url.clone();
            config.common.shutdown.grace_seconds = 2;
            let shutdown = CancellationToken::new();
            let application = laissez_review::startup::Application::build_with_keys(
                config,
                shutdown.clone(),
                Some(keys.clone()),
            )
            .await
            .unwrap();
            review_url = format!("http://{}", application.grpc_addr());
            running.push(Running {
                shutdown,
                task: tokio::spawn(application.run_until_stopped()),
                database: Some(database),
            });
        }

        // notify
        let mut notify_url = NOWHERE.to_owned();
        let mut notify_pool = None;
        if services.notify {
            let database = TestDatabase::create("laissez_gw_notify").await.unwrap();
            let mut config = laissez_notify::config::Config::default();
            config.common.grpc.listen = "127.0.0.1:0".parse().unwrap();
            config.common.admin.listen = "127.0.0.1:0".parse().unwrap();
            config.common.database.url = ConnectionUrl::new(database.url.clone());
            config.common.database.max_connections = 6;
            config.events = events.clone();
            config.catalog.dir = agencies_dir();
            // No mail server: deliveries wait and retry, which these tests do not watch.
            config.smtp.host = "127.0.0.1".into();
            config.smtp.port = 9;
            config.smtp.timeout_ms = 500;
            config.sms.backend = laissez_notify::config::SmsBackend::Simulator;
            config.sms.simulator_listen = "127.0.0.1:0".parse().unwrap();
            config.sms.api_key = Secret::new("test-sms-key");
            config.dispatch.poll_interval_ms = 1_000;
            config.common.shutdown.grace_seconds = 2;
            let shutdown = CancellationToken::new();
            let application = laissez_notify::startup::Application::build_with(
                config,
                shutdown.clone(),
                laissez_notify::startup::Overrides {
                    keys: Some(keys.clone()),
                },
            )
            .await
            .unwrap();
            notify_url = format!("http://{}", application.grpc_addr());
            notify_pool = Some(database.pool.clone());
            running.push(Running {
                shutdown,
                task: tokio::spawn(application.run_until_stopped()),
                database: Some(database),
            });
        }

        // payment, with its providers' simulator
        let mut payment_url = NOWHERE.to_owned();
        let payment = if services.payment {
            let events = events.clone();
            let started = laissez_payment::testing::TestPayment::start_with(
                "gw",
                test_keys.clone(),
                &intake_url,
                laissez_payment::testing::Delivery::default(),
                move |config| {
                    config.events = events;
                    config.common.database.max_connections = 6;
                },
            )
            .await
            .unwrap();
            payment_url = format!("http://{}", started.grpc_addr);
            Some(started)
        } else {
            None
        };

        // render
        let mut render_url = NOWHERE.to_owned();
        let render = if services.render {
            let events = events.clone();
            let started = laissez_render::testing::TestRender::start_with(
                "gw",
                test_keys.clone(),
                &intake_url,
                move |config| {
                    config.events = events;
                    config.common.database.max_connections = 4;
                },
            )
            .await
            .unwrap();
            render_url = format!("http://{}", started.grpc_addr);
            Some(started)
        } else {
            None
        };

        // the gateway
        let mut config = GatewayConfig::default();
        config.http.listen = "127.0.0.1:0".parse().unwrap();
        config.common.admin.listen = "127.0.0.1:0".parse().unwrap();
        config.services.identity = format!("http://{identity_addr}");
        config.services.intake = intake_url;
        config.services.review = review_url;
        config.services.notify = notify_url;
        config.services.payment = payment_url;
        config.services.render = render_url;
        config.gateway.redis_prefix = format!("{prefix}gateway:");
        config.gateway.rate_limit.requests_per_window = 1_000_000;
        config.gateway.rate_limit.sign_in_requests_per_window = 1_000_000;
        config.gateway.session.csrf_secret = Secret::new("a-test-csrf-key-of-32-characters!");
        config.common.shutdown.grace_seconds = 2;
        tweak(&mut config);
        let gateway_config = config.clone();
        let shutdown = CancellationToken::new();
        let application = laissez_gateway::startup::Application::build(config, shutdown.clone())
            .await
            .unwrap();
        let addr = application.http_addr();
        let admin = application.admin_addr();
        let core = application.core();
        let gateway = Running {
            shutdown,
            task: tokio::spawn(application.run_until_stopped()),
            database: None,
        };
        let stack = Stack {
            addr,
            admin,
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            core: Some(core),
            identity,
            gateway_config,
            events,
            prefix,
            gateway,
            services: running,
            intake,
            payment,
            render,
            notify_pool,
            sequence: std::sync::atomic::AtomicU32::new(1),
        };
        if services.intake && services.review && services.notify {
            stack.wait_ready().await;
        }
        stack
    }

    /// Waits until the gateway's `/readyz` says every dependency answers.
    pub async fn wait_ready(&self) {
        let url = format!("http://{}/readyz", self.admin);
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(response) = self.http.get(&url).send().await
                && response.status() == StatusCode::OK
            {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "the stack never became ready"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The CSRF token the portal would put in its forms for `session`.
    pub fn csrf_token(&self, session: &str) -> String {
        self.core
            .as_ref()
            .map(|core| core.csrf_token(session))
            .unwrap_or_default()
    }

    /// Intake's database, when the stack runs intake: for a test to put a
    /// case where intake's own tests take it through its workflow.
    pub fn intake_pool(&self) -> &sqlx::PgPool {
        &self
            .intake
            .as_ref()
            .expect("the stack runs intake")
            .database
            .pool
    }

    pub async fn stop(mut self) {
        stop(&mut self.gateway).await;
        // The last channels to the services: they drain as soon as it goes.
        self.core.take();
        if let Some(intake) = self.intake.take() {
            let _ = intake.stop().await;
        }
        if let Some(payment) = self.payment.take() {
            payment.stop().await;
        }
        if let Some(render) = self.render.take() {
            render.stop().await;
        }
        for service in &mut self.services {
            stop(service).await;
        }
        let _ = laissez_eventbus::topology::remove(
            &self.events,
            &[
                laissez_review::events::intake::CONSUMER,
                laissez_notify::events::CONSUMER_NAME,
                laissez_intake::events::decisions::CONSUMER,
                laissez_intake::events::payments::CONSUMER,
                laissez_payment::events::CONSUMER,
                laissez_render::events::CONSUMER,
            ],
        )
        .await;
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

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn next_sequence(&self) -> u32 {
        self.sequence
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst)
    }

    /// Sends a request; `token` as `Authorization: Bearer`.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Answer {
        let mut request = self.http.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        self.send(request).await
    }

    pub async fn send(&self, request: reqwest::RequestBuilder) -> Answer {
        let response = request.send().await.expect("the gateway answers");
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.bytes().await.expect("a whole body").to_vec();
        Answer {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, path: &str, token: &str) -> Answer {
        self.call(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Answer {
        self.call(Method::POST, path, token, Some(body)).await
    }

    /// Every event of type `T` identity has written, oldest first.
    pub async fn identity_events<T: EventMessage>(&self) -> Vec<T> {
        let payloads: Vec<Vec<u8>> = sqlx::query_scalar(
            "SELECT payload FROM outbox WHERE event_type = $1 ORDER BY created_at, aggregate_sequence",
        )
        .bind(T::EVENT_TYPE)
        .fetch_all(self.identity.pool())
        .await
        .unwrap();
        payloads
            .into_iter()
            .map(|payload| {
                <Envelope as Message>::decode(payload.as_slice())
                    .unwrap()
                    .decode::<T>()
                    .unwrap()
            })
            .collect()
    }

    /// A Fujian applicant registered with an SMS code and signed in:
    /// (document number, session token).
    pub async fn fj_applicant(&self) -> (String, String) {
        let sequence = self.next_sequence();
        let document = taiwan_id(sequence);
        let mobile = format!("1381234{:04}", sequence);
        let portal = format!("/api/v1/agencies/{FJ}/portals/{FJ_PORTAL}");
        self.post(
            &format!("{portal}/sms-codes"),
            None,
            json!({"mobile": mobile, "purpose": "registration", "language": "LANGUAGE_ZH_HANS"}),
        )
        .await
        .ok();
        let code = self
            .identity_events::<laissez_proto::events::v1::SmsCodeRequested>()
            .await
            .into_iter()
            .rev()
            .find(|event| event.mobile.ends_with(&mobile))
            .expect("an SMS code was sent")
            .code;
        let fields: BTreeMap<&str, &str> = [
            ("document_type", "tw_id_card"),
            ("document_number", document.as_str()),
            ("chinese_surname", "陳"),
            ("chinese_given_name", "大文"),
            ("validity_period", "2030-01-01"),
            ("household_place", "kinmen"),
            ("mobile", mobile.as_str()),
            ("sms_code", code.as_str()),
            ("user_agreement", "true"),
            ("privacy_policy", "true"),
        ]
        .into_iter()
        .collect();
        let registered = self
            .post(
                &format!("{portal}/registrations"),
                None,
                json!({
                    "login_name": document,
                    "password": PASSWORD,
                    "password_confirmation": PASSWORD,
                    "fields": fields,
                    "language": "LANGUAGE_ZH_HANS",
                }),
            )
            .await;
        assert_eq!(registered.status, 201, "{}", registered.text());
        let session = self.login(FJ, FJ_PORTAL, &document, PASSWORD, false).await;
        (document, session)
    }

    /// Signs in through the API (solving the development captcha when asked).
    pub async fn login(
        &self,
        agency: &str,
        portal: &str,
        login: &str,
        password: &str,
        captcha: bool,
    ) -> String {
        let answer = self
            .try_login(agency, portal, login, password, captcha, "")
            .await;
        let body = answer.ok();
        body["session_token"].as_str().unwrap().to_owned()
    }

    pub async fn try_login(
        &self,
        agency: &str,
        portal: &str,
        login: &str,
        password: &str,
        captcha: bool,
        totp: &str,
    ) -> Answer {
        let base = format!("/api/v1/agencies/{agency}/portals/{portal}");
        let mut body = json!({"login_name": login, "password": password, "totp_code": totp});
        if captcha {
            let issued = self
                .post(&format!("{base}/captchas"), None, json!({}))
                .await
                .ok();
            body["pre_session"] = issued["pre_session"].clone();
            body["captcha_id"] = issued["captcha_id"].clone();
            body["captcha_answer"] = json!(CAPTCHA);
        }
        self.post(&format!("{base}/sessions"), None, body).await
    }

    /// A Taiwan mainland student: the agency's record, registration,
    /// activation from the emailed link, and a captcha-checked sign-in.
    pub async fn tw_student(&self) -> String {
        self.tw_student_with_id().await.1
    }

    /// As [`Stack::tw_student`], with the student's mainland ID number.
    pub async fn tw_student_with_id(&self) -> (String, String) {
        let sequence = self.next_sequence();
        let id_number = mainland_id(sequence);
        let login = format!("student{sequence}");
        let record: BTreeMap<String, String> = [
            ("mainland_id_number", id_number.as_str()),
            ("chinese_name", "張三豐"),
            ("date_of_birth", "1990-01-01"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let mut connection = self.identity.pool().acquire().await.unwrap();
        laissez_identity::store::person_records::upsert(
            &mut connection,
            TW,
            TW_PORTAL,
            &id_number,
            &record,
        )
        .await
        .unwrap();
        drop(connection);
        let base = format!("/api/v1/agencies/{TW}/portals/{TW_PORTAL}");
        let registered = self
            .post(
                &format!("{base}/registrations"),
                None,
                json!({
                    "login_name": login,
                    "password": PASSWORD,
                    "password_confirmation": PASSWORD,
                    "language": "LANGUAGE_ZH_HANT",
                    "fields": {
                        "chinese_name": "張三豐",
                        "english_surname": "Zhang",
                        "english_given_name": "Sanfeng",
                        "mainland_id_number": id_number,
                        "place_of_birth": "guangdong",
                        "date_of_birth": "1990-01-01",
                        "sex": "male",
                        "mainland_travel_permit_number": "T12345678",
                        "phone": "02-22345678",
                        "email": format!("student{sequence}@hotmail.com"),
                    }
                }),
            )
            .await;
        assert_eq!(registered.status, 201, "{}", registered.text());
        self.activate(&base, &login).await;
        let session = self.login(TW, TW_PORTAL, &login, PASSWORD, true).await;
        (id_number, session)
    }

    /// Activates `login`'s account through the emailed link's token, at
    /// the portal whose API base is `base`.
    pub async fn activate(&self, base: &str, login: &str) {
        let event = self
            .identity_events::<laissez_proto::events::v1::AccountRegistered>()
            .await
            .into_iter()
            .rev()
            .find(|event| event.login_name == login)
            .expect("a registration event");
        let token = event
            .activation_url
            .split("token=")
            .nth(1)
            .unwrap()
            .to_owned();
        self.post(
            &format!("{base}/activations"),
            None,
            json!({"token": token}),
        )
        .await
        .ok();
    }

    /// The platform operator, signed in with a second factor.
    pub async fn operator(&self) -> String {
        let session = self
            .login("platform", "staff", "operator", OPERATOR_PASSWORD, true)
            .await;
        self.enrol_totp("platform", "operator", &session).await;
        session
    }

    /// Enrols an authenticator for a staff session (which then passes).
    pub async fn enrol_totp(&self, agency: &str, login: &str, session: &str) {
        self.post("/api/v1/staff/totp-enrolment", Some(session), json!({}))
            .await
            .ok();
        let secret: Vec<u8> = sqlx::query_scalar(
            "SELECT totp_secret FROM accounts WHERE agency = $1 AND login_name = $2",
        )
        .bind(agency)
        .bind(login)
        .fetch_one(self.identity.pool())
        .await
        .unwrap();
        let step = chrono::Utc::now().timestamp().div_euclid(30);
        let code = laissez_identity::totp::code_at_step(&secret, step, 6);
        self.post(
            "/api/v1/staff/totp-enrolment/confirmation",
            Some(session),
            json!({"code": code}),
        )
        .await
        .ok();
    }

    /// A staff member of `agency` with `roles`, invited by the operator,
    /// password set from the invitation, signed in with a second factor.
    pub async fn staff(&self, operator: &str, agency: &str, login: &str, roles: &[&str]) -> String {
        let created = self
            .post(
                "/api/v1/admin/staff",
                Some(operator),
                json!({
                    "agency": agency,
                    "login_name": login,
                    "email": format!("{login}@agency.example"),
                    "display_name": login,
                    "roles": roles,
                }),
            )
            .await
            .ok();
        let account_id = created["account_id"].as_str().unwrap().to_owned();
        let invitation = self
            .identity_events::<laissez_proto::events::v1::PasswordResetRequested>()
            .await
            .into_iter()
            .rev()
            .find(|event| event.account_id == account_id)
            .expect("an invitation");
        let token = invitation
            .reset_url
            .split("token=")
            .nth(1)
            .unwrap()
            .to_owned();
        self.post(
            "/api/v1/password-resets",
            None,
            json!({
                "token": token,
                "new_password": STAFF_PASSWORD,
                "new_password_confirmation": STAFF_PASSWORD,
            }),
        )
        .await
        .ok();
        let session = self
            .login(agency, "staff", login, STAFF_PASSWORD, true)
            .await;
        self.enrol_totp(agency, login, &session).await;
        session
    }

    /// Uploads `content` as a document of a case (raw body).
    pub async fn upload(
        &self,
        token: &str,
        case_id: &str,
        requirement: &str,
        file_name: &str,
        content: Vec<u8>,
    ) -> Answer {
        let request = self
            .http
            .post(self.url(&format!("/api/v1/cases/{case_id}/documents")))
            .query(&[("requirement", requirement), ("file_name", file_name)])
            .bearer_auth(token)
            .header("content-type", "image/png")
            .body(content);
        self.send(request).await
    }

    /// A Fujian one-time permit started (notice accepted, nothing else).
    /// Returns the case id.
    pub async fn start_fj_case(&self, token: &str) -> String {
        let case = self
            .post(
                "/api/v1/cases",
                Some(token),
                json!({
                    "application_type": "one_time_taiwan_permit",
                    "notice_version": "2024-04",
                    "notice_accepted": true,
                    "applicant": {"date_of_birth": "1985-06-01"},
                }),
            )
            .await
            .ok();
        case["case_id"].as_str().unwrap().to_owned()
    }

    /// A Fujian draft ready to submit: started, four images uploaded,
    /// answers saved. Returns the case id.
    pub async fn complete_fj_draft(&self, token: &str) -> String {
        let case_id = self.start_fj_case(token).await;
        let photo = self
            .upload(token, &case_id, "photo", "photo.png", png(60, 80))
            .await
            .ok();
        for requirement in [
            "tw_id_card_front",
            "tw_id_card_back",
            "tw_exit_entry_document",
        ] {
            self.upload(token, &case_id, requirement, "scan.png", png(50, 30))
                .await
                .ok();
        }
        let entry = (chrono::Utc::now() + chrono::Duration::days(30))
            .format("%Y-%m-%d")
            .to_string();
        let answers = json!({
            "photo": photo["document_id"],
            "port_of_entry": "xiamen_wutong",
            "planned_entry_date": entry,
        });
        self.call(
            Method::PUT,
            &format!("/api/v1/cases/{case_id}/draft"),
            Some(token),
            Some(json!({"answers_json": answers.to_string()})),
        )
        .await
        .ok();
        case_id
    }
}

async fn stop(running: &mut Running) {
    running.shutdown.cancel();
    let _ = tokio::time::timeout(Duration::from_secs(20), &mut running.task).await;
    if let Some(database) = running.database.take() {
        database.drop_database().await;
    }
}

/// A PNG image of the given size.
pub fn png(width: u32, height: u32) -> Vec<u8> {
    laissez_intake::testing::portrait_png(width, height)
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

/// A valid mainland ID number.
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
