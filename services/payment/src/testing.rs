//! Payment started in-process for tests and benchmarks (feature
//! `testing`): its own database and exchange, its providers' simulator with
//! fresh secrets, and (unless one is given) an intake of its own that
//! serves the demo agencies' catalog versions.

use std::collections::HashMap;
use std::net::SocketAddr;

use laissez_intake::testing::TestIntake;
use laissez_kit::Role;
use laissez_kit::auth::testing::TestKeys;
use laissez_kit::config::{ConnectionUrl, Secret};
use laissez_kit::db::TestDatabase;
use laissez_proto::events::v1::{CaseParty, PaymentRequested};
use laissez_proto::payment::v1::payment_service_client::PaymentServiceClient;
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;
use tonic::transport::Channel;
use uuid::Uuid;

use crate::config::{Config, ProviderConfig};
use crate::events::{self, Outcome};
use crate::provider::PROVIDERS;
use crate::service::Payments;
use crate::simulator::{Simulator, SimulatorConfig};
use crate::startup::Application;
use laissez_catalog::client::Catalogs;

pub struct TestPayment {
    pub grpc_addr: SocketAddr,
    pub callback_addr: SocketAddr,
    pub simulator: Simulator,
    /// Each provider's signing secret.
    pub secrets: HashMap<String, String>,
    pub payments: Payments,
    pub pool: PgPool,
    pub keys: TestKeys,
    pub catalogs: Catalogs,
    pub database: TestDatabase,
    pub intake: Option<TestIntake>,
    events: laissez_eventbus::EventBusConfig,
    shutdown: CancellationToken,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

/// How the simulator behaves.
#[derive(Debug, Clone, Copy)]
pub struct Delivery {
    pub duplicates: u32,
    pub max_delay_ms: u64,
}

impl Default for Delivery {
    fn default() -> Self {
        Self {
            duplicates: 2,
            max_delay_ms: 50,
        }
    }
}

impl TestPayment {
    /// Payment with an intake of its own.
    pub async fn start(name: &str) -> anyhow::Result<Self> {
        Self::start_tweaked(name, |_| {}).await
    }

    /// Payment with an intake of its own and `tweak` applied to its
    /// configuration.
    pub async fn start_tweaked(
        name: &str,
        tweak: impl FnOnce(&mut Config),
    ) -> anyhow::Result<Self> {
        let keys = TestKeys::new();
        let intake = TestIntake::start_with("pay", 4, keys.clone(), |_| {}).await?;
        let url = format!("http://{}", intake.grpc_addr);
        let mut payment = Self::start_with(name, keys, &url, Delivery::default(), tweak).await?;
        payment.intake = Some(intake);
        Ok(payment)
    }

    /// Payment reading catalogs from the intake at `intake_url`, verifying
    /// tokens signed by `keys`, with `tweak` applied to its configuration
    /// last (e.g. to share an event exchange).
    pub async fn start_with(
        name: &str,
        keys: TestKeys,
        intake_url: &str,
        delivery: Delivery,
        tweak: impl FnOnce(&mut Config),
    ) -> anyhow::Result<Self> {
        let shutdown = CancellationToken::new();
        let secrets: HashMap<String, String> = PROVIDERS
            .iter()
            .map(|provider| ((*provider).to_owned(), Uuid::new_v4().simple().to_string()))
            .collect();
        let simulator = Simulator::start(
            SimulatorConfig {
                listen: SocketAddr::from(([127, 0, 0, 1], 0)),
                public_url: String::new(),
                secrets: secrets.clone(),
                duplicates: delivery.duplicates,
                max_delay_ms: delivery.max_delay_ms,
            },
            shutdown.clone(),
        )
        .await?;
        let database = TestDatabase::create(&format!("laissez_pay_{name}")).await?;
        let mut config = Config::default();
        config.common.grpc.listen = SocketAddr::from(([127, 0, 0, 1], 0));
        config.common.admin.listen = SocketAddr::from(([127, 0, 0, 1], 0));
        config.common.database.url = ConnectionUrl::new(database.url.clone());
        config.common.database.max_connections = 20;
        config.common.shutdown.grace_seconds = 2;
        config.events.exchange = format!("test.payment.{}", Uuid::new_v4().simple());
        config.services.intake = intake_url.to_owned();
        config.providers.callback_listen = SocketAddr::from(([127, 0, 0, 1], 0));
        config.providers.callback_base_url = String::new();
        for (provider, secret) in &secrets {
            config.providers.providers.insert(
                provider.clone(),
                ProviderConfig {
                    url: simulator.provider_url(provider),
                    secret: Secret::new(secret.clone()),
                },
            );
        }
        config.payment.sweep_interval_seconds = 1;
        config.payment.poll_after_seconds = 1;
        tweak(&mut config);
        let events = config.events.clone();
        let catalogs =
            Catalogs::connect_lazy(&config.services.intake, config.services.intake_timeout_ms)?;
        let application =
            Application::build_with_keys(config, shutdown.clone(), Some(keys.keys.clone())).await?;
        let grpc_addr = application.grpc_addr();
        let callback_addr = application.callback_addr();
        let payments = application.payments();
        let pool = application.pool();
        let task = tokio::spawn(application.run_until_stopped());
        Ok(Self {
            grpc_addr,
            callback_addr,
            simulator,
            secrets,
            payments,
            pool,
            keys,
            catalogs,
            database,
            intake: None,
            events,
            shutdown,
            task,
        })
    }

    pub async fn client(&self) -> PaymentServiceClient<Channel> {
        PaymentServiceClient::connect(format!("http://{}", self.grpc_addr))
            .await
            .expect("payment answers")
    }

    /// A request carrying a token for `account` of `agency` with `role`.
    pub fn request<T>(
        &self,
        message: T,
        account: &str,
        agency: &str,
        role: Role,
    ) -> tonic::Request<T> {
        self.keys.request(message, account, agency, role)
    }

    /// Opens a case's order through the consumer's own code (with the
    /// catalog version intake serves), as the event would.
    pub async fn open_order(&self, agency: &str, requested: &PaymentRequested) -> Outcome {
        let mut transaction = self.pool.begin().await.expect("a transaction");
        let outcome = events::open_order(&mut transaction, &self.catalogs, agency, requested)
            .await
            .expect("the order opens");
        transaction.commit().await.expect("commit");
        outcome
    }

    /// Hears that intake cancelled `case_id`, as the consumer does.
    pub async fn cancel_case(&self, agency: &str, case_id: &str) -> u64 {
        let mut transaction = self.pool.begin().await.expect("a transaction");
        let released = events::release_cancelled(
            &mut transaction,
            agency,
            &laissez_proto::events::v1::CaseProgressed {
                case_id: case_id.to_owned(),
                state: "cancelled".to_owned(),
                ..Default::default()
            },
        )
        .await
        .expect("the cancellation applies");
        transaction.commit().await.expect("commit");
        released
    }

    pub async fn stop(self) {
        self.shutdown.cancel();
        let _ = self.task.await;
        self.database.drop_database().await;
        if let Some(intake) = self.intake {
            let _ = intake.stop().await;
        }
        let _ = laissez_eventbus::topology::remove(&self.events, &[events::CONSUMER]).await;
    }
}

/// A payment request for a tw-nia multiple-entry permit case of `account`.
pub fn tw_request(account: &str, receipt: &str, group: &str) -> PaymentRequested {
    PaymentRequested {
        case_id: Uuid::new_v4().to_string(),
        receipt_number: receipt.to_owned(),
        group_number: group.to_owned(),
        application_type: "multi_entry_permit".to_owned(),
        catalog_version: 1,
        party: Some(CaseParty {
            account_id: account.to_owned(),
            applicant_id: Uuid::new_v4().to_string(),
            applicant_masked_name: "陳**".to_owned(),
            language: 1,
            email: String::new(),
            mobile: String::new(),
        }),
        express: false,
        fee_variant: String::new(),
        date_of_birth: "2001-05-15".to_owned(),
        delivery: String::new(),
        submitted_on: "2026-12-01".to_owned(),
        requested_at: None,
        fee_answers_json: String::new(),
    }
}
