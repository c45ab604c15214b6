//! The whole platform as processes: every service binary, the payment
//! providers' simulator and the mail catcher, started against the local
//! PostgreSQL, Redis and RabbitMQ with names of their own (databases
//! `it_<run>_<service>`, event exchange `test.it.<run>`, Redis prefixes
//! `it:<run>:`, free ports), so a run sits beside the other suites.
//!
//! Each process writes its log to `<target>/integration-tests/<run>/`.
//! A platform stopped with [`Platform::stop`] removes its databases, queues
//! and keys and, when nothing failed, its logs; one dropped during a panic
//! kills its processes and keeps the logs, whose folder it prints.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use laissez_eventbus::testing::FaultProxy;
use sqlx::Connection;

/// The services, in start order: identity first (the others fetch its
/// token-verification keys), the gateway last (it calls everyone).
pub const SERVICES: [Service; 7] = [
    Service::Identity,
    Service::Intake,
    Service::Review,
    Service::Payment,
    Service::Render,
    Service::Notify,
    Service::Gateway,
];

/// The answer every captcha takes on this platform (identity's development
/// setting, refused in production).
pub const CAPTCHA: &str = "IT4242";
pub const OPERATOR_LOGIN: &str = "operator";
pub const OPERATOR_PASSWORD: &str = "Operator-Pass-123";
const SMS_KEY: &str = "integration-sms-key";
const PAYMENT_PROVIDERS: [&str; 5] = ["card", "webatm", "egov", "bank", "cvs"];
/// Every consumer the services declare (`<exchange>.<consumer>` queues).
const CONSUMERS: [&str; 6] = [
    "review.intake-cases",
    "notify.messages",
    "intake.review-decisions",
    "intake.payment-orders",
    "payment.intake-cases",
    "render.documents",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Service {
    Identity,
    Intake,
    Review,
    Payment,
    Render,
    Notify,
    Gateway,
}

impl Service {
    pub fn name(self) -> &'static str {
        match self {
            Service::Identity => "identity",
            Service::Intake => "intake",
            Service::Review => "review",
            Service::Payment => "payment",
            Service::Render => "render",
            Service::Notify => "notify",
            Service::Gateway => "gateway",
        }
    }

    fn has_database(self) -> bool {
        self != Service::Gateway
    }
}

/// Where the harness finds the infrastructure: the same variables the
/// other suites read.
struct Infrastructure {
    postgres_admin: String,
    redis: String,
    amqp: String,
}

impl Infrastructure {
    fn from_env() -> Self {
        let var =
            |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.into());
        Self {
            postgres_admin: var(
                "LAISSEZ_TEST_DATABASE_URL",
                "postgres://postgres@127.0.0.1:5432/postgres",
            ),
            redis: var("LAISSEZ_TEST_REDIS_URL", "redis://127.0.0.1:6379"),
            amqp: var(
                "LAISSEZ_TEST_AMQP_URL",
                "amqp://guest:guest@127.0.0.1:5672/%2f",
            ),
        }
    }

    /// The URL of database `name` on the same server as the admin URL.
    fn database_url(&self, name: &str) -> String {
        let base = self
            .postgres_admin
            .rsplit_once('/')
            .map(|(server, _)| server)
            .unwrap_or(&self.postgres_admin);
        format!("{base}/{name}")
    }
}

/// The folder cargo put the binaries in: the test binary lives in its
/// `deps/` (`LAISSEZ_IT_BIN_DIR` overrides).
fn binary_dir() -> Result<PathBuf> {
    if let Ok(dir) = std::env::var("LAISSEZ_IT_BIN_DIR") {
        return Ok(PathBuf::from(dir));
    }
    let exe = std::env::current_exe().context("the test binary's path")?;
    exe.parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .context("the test binary is not in a cargo target folder")
}

fn repository_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("integration-tests sits in the repository")
        .to_path_buf()
}

/// A python that can import aiosmtpd: Debian's python3-aiosmtpd is seen by
/// /usr/bin/python3, not always by the first python3 on the PATH.
fn mail_python() -> Result<PathBuf> {
    for candidate in ["python3", "/usr/bin/python3"] {
        let imports = Command::new(candidate)
            .args(["-c", "import aiosmtpd"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success());
        if imports {
            return Ok(PathBuf::from(candidate));
        }
    }
    bail!(
        "no python3 can import aiosmtpd (Debian: python3-aiosmtpd; deploy/dev.sh deps installs it)"
    )
}

/// Free TCP ports on the loopback, all distinct, taken below the kernel's
/// ephemeral range: a port the kernel handed out for `:0` and that was
/// released again can go to any outgoing connection before the service
/// binds it, a port below the range cannot. A cursor shared by the whole
/// test process keeps two platforms of one run apart.
fn free_ports(count: usize) -> Result<Vec<u16>> {
    use std::sync::atomic::{AtomicU32, Ordering};
    static CURSOR: AtomicU32 = AtomicU32::new(0);
    let ephemeral_low: u32 = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|range| range.split_whitespace().next()?.parse().ok())
        .unwrap_or(32_768);
    let (low, high) = (10_000u32, ephemeral_low.max(10_001));
    let span = high - low;
    // Start somewhere else in each process, so test binaries run one after
    // another do not reuse the ports of one that just stopped.
    let _ = CURSOR.compare_exchange(
        0,
        1 + (uuid::Uuid::new_v4().as_u128() % u128::from(span)) as u32,
        Ordering::SeqCst,
        Ordering::SeqCst,
    );
    let mut ports = Vec::with_capacity(count);
    let mut tried = 0;
    while ports.len() < count {
        tried += 1;
        if tried > span {
            bail!("no free ports between {low} and {high}");
        }
        let port = (low + CURSOR.fetch_add(1, Ordering::SeqCst) % span) as u16;
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            ports.push(port);
        }
    }
    Ok(ports)
}

struct Ports {
    main: u16,
    admin: u16,
}

/// One running process and what it takes to start it again.
struct Process {
    program: PathBuf,
    args: Vec<String>,
    env: Vec<(String, String)>,
    log: PathBuf,
    child: Option<Child>,
}

impl Process {
    fn spawn(&mut self) -> Result<()> {
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .with_context(|| format!("opening {}", self.log.display()))?;
        let mut command = Command::new(&self.program);
        command
            .args(&self.args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::null())
            .stdout(Stdio::from(log.try_clone()?))
            .stderr(Stdio::from(log));
        let child = command
            .spawn()
            .with_context(|| format!("starting {}", self.program.display()))?;
        self.child = Some(child);
        Ok(())
    }

    fn alive(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|child| matches!(child.try_wait(), Ok(None)))
    }

    fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// SIGTERM, then SIGKILL after `grace`.
    fn terminate(&mut self, grace: Duration) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let deadline = std::time::Instant::now() + grace;
        while std::time::Instant::now() < deadline {
            if matches!(child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
    }
}

/// How a platform is started.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Put a fault proxy in front of PostgreSQL, Redis, RabbitMQ and the
    /// mail catcher's SMTP port, so a test can take each away and bring
    /// it back without touching the servers other suites share.
    pub proxied: bool,
}

/// The fault proxies of a platform started with [`Options::proxied`].
pub struct Proxies {
    pub postgres: FaultProxy,
    pub redis: FaultProxy,
    pub rabbitmq: FaultProxy,
    pub smtp: FaultProxy,
}

/// A running platform. Reach it through [`Platform::gateway`] (the public
/// API and portal), [`Platform::mail_url`] (the mail catcher's JSON API),
/// [`Platform::sms_url`] (notify's SMS gateway simulator) and
/// [`Platform::paysim_url`] (the payment providers' simulator).
pub struct Platform {
    pub run: String,
    pub logs: PathBuf,
    gateway: SocketAddr,
    admin: BTreeMap<Service, SocketAddr>,
    mail_http: SocketAddr,
    sms: SocketAddr,
    paysim: SocketAddr,
    processes: Mutex<BTreeMap<String, Process>>,
    infrastructure: Infrastructure,
    exchange: String,
    redis_prefix: String,
    databases: Vec<String>,
    proxies: Option<Proxies>,
    stopped: bool,
}

impl Platform {
    /// Starts everything and waits until each service's `/readyz` answers.
    pub async fn start() -> Result<Platform> {
        Self::start_with(Options::default()).await
    }

    /// As [`Platform::start`], with options.
    pub async fn start_with(options: Options) -> Result<Platform> {
        let run = uuid::Uuid::new_v4().simple().to_string()[..12].to_owned();
        let bin = binary_dir()?;
        let logs = bin.join("integration-tests").join(&run);
        std::fs::create_dir_all(&logs).with_context(|| format!("creating {}", logs.display()))?;
        for service in SERVICES {
            let binary = bin.join(format!("laissez-{}", service.name()));
            if !binary.is_file() {
                bail!(
                    "{} is missing: build the services first (cargo build --workspace --bins)",
                    binary.display()
                );
            }
        }
        let infrastructure = Infrastructure::from_env();
        let exchange = format!("test.it.{run}");
        let redis_prefix = format!("it:{run}:");

        let mut databases = Vec::new();
        let mut admin_connection = sqlx::PgConnection::connect(&infrastructure.postgres_admin)
            .await
            .context("connecting to PostgreSQL (LAISSEZ_TEST_DATABASE_URL)")?;
        for service in SERVICES.into_iter().filter(|s| s.has_database()) {
            let name = format!("it_{run}_{}", service.name());
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&mut admin_connection)
                .await
                .with_context(|| format!("creating database {name}"))?;
            databases.push(name);
        }
        drop(admin_connection);

        let ports = free_ports(SERVICES.len() * 2 + 5)?;
        let mut ports = ports.into_iter();
        let mut next = || ports.next().expect("enough ports");
        let service_ports: BTreeMap<Service, Ports> = SERVICES
            .into_iter()
            .map(|service| {
                (
                    service,
                    Ports {
                        main: next(),
                        admin: next(),
                    },
                )
            })
            .collect();
        let (smtp, mail_http, sms, paysim, callbacks) = (next(), next(), next(), next(), next());
        let local = |port: u16| SocketAddr::from(([127, 0, 0, 1], port));
        let proxies = if options.proxied {
            Some(Proxies {
                postgres: FaultProxy::in_front_of(&infrastructure.postgres_admin).await?,
                redis: FaultProxy::in_front_of(&infrastructure.redis).await?,
                rabbitmq: FaultProxy::in_front_of(&infrastructure.amqp).await?,
                smtp: FaultProxy::start(format!("127.0.0.1:{smtp}")).await?,
            })
        } else {
            None
        };
        let through = |proxy: Option<&FaultProxy>, url: &str| match proxy {
            Some(proxy) => proxy.proxied_url(url),
            None => url.to_owned(),
        };
        let redis_url = through(proxies.as_ref().map(|p| &p.redis), &infrastructure.redis);
        let amqp_url = through(proxies.as_ref().map(|p| &p.rabbitmq), &infrastructure.amqp);
        let smtp_port = proxies.as_ref().map_or(smtp, |p| p.smtp.address().port());

        let mut processes = BTreeMap::new();
        let root = repository_root();
        let secrets: BTreeMap<&str, String> = PAYMENT_PROVIDERS
            .into_iter()
            .map(|provider| (provider, format!("it-{run}-{provider}-secret")))
            .collect();

        // The mail catcher (Debian's python3 with aiosmtpd, as `dev.sh up`).
        let mut mail = Process {
            program: mail_python()?,
            args: vec![
                root.join("deploy/local/mailcatcher.py")
                    .display()
                    .to_string(),
                "--smtp".into(),
                format!("127.0.0.1:{smtp}"),
                "--http".into(),
                format!("127.0.0.1:{mail_http}"),
                "--dir".into(),
                logs.join("mail").display().to_string(),
            ],
            env: Vec::new(),
            log: logs.join("mailcatcher.log"),
            child: None,
        };
        mail.spawn()?;
        processes.insert("mailcatcher".to_owned(), mail);

        let mut simulator = Process {
            program: bin.join("laissez-payment-sim"),
            args: vec![
                "--listen".into(),
                format!("127.0.0.1:{paysim}"),
                "--public-url".into(),
                format!("http://127.0.0.1:{paysim}"),
            ],
            env: secrets
                .iter()
                .map(|(provider, secret)| {
                    (
                        format!("LAISSEZ_SIM_SECRET_{}", provider.to_ascii_uppercase()),
                        secret.clone(),
                    )
                })
                .collect(),
            log: logs.join("paysim.log"),
            child: None,
        };
        simulator.spawn()?;
        processes.insert("paysim".to_owned(), simulator);

        let url_of =
            |service: Service| format!("http://127.0.0.1:{}", service_ports[&service].main);
        for service in SERVICES {
            let ports = &service_ports[&service];
            let mut env: Vec<(String, String)> = vec![
                ("LAISSEZ_ENVIRONMENT".into(), "development".into()),
                (
                    "LAISSEZ_ADMIN__LISTEN".into(),
                    format!("127.0.0.1:{}", ports.admin),
                ),
                ("LAISSEZ_REDIS__URL".into(), redis_url.clone()),
                ("LAISSEZ_EVENTS__URL".into(), amqp_url.clone()),
                ("LAISSEZ_EVENTS__EXCHANGE".into(), exchange.clone()),
                (
                    "LAISSEZ_EVENTS__RELAY_POLL_INTERVAL_MS".into(),
                    "200".into(),
                ),
                ("LAISSEZ_TELEMETRY__FORMAT".into(), "json".into()),
                ("LAISSEZ_SHUTDOWN__GRACE_SECONDS".into(), "5".into()),
                (
                    "LAISSEZ_AUTH__IDENTITY_URL".into(),
                    url_of(Service::Identity),
                ),
            ];
            let mut set = |key: &str, value: String| env.push((key.to_owned(), value));
            if service.has_database() {
                set("LAISSEZ_GRPC__LISTEN", format!("127.0.0.1:{}", ports.main));
                set(
                    "LAISSEZ_DATABASE__URL",
                    match &proxies {
                        // The proxy refuses by accepting and closing at once;
                        // inside a TLS negotiation that reads as a protocol
                        // error rather than the refused connection a server
                        // that is down gives, so proxied runs speak plain TCP.
                        Some(proxies) => format!(
                            "{}?sslmode=disable",
                            proxies.postgres.proxied_url(
                                &infrastructure
                                    .database_url(&format!("it_{run}_{}", service.name()))
                            )
                        ),
                        None => {
                            infrastructure.database_url(&format!("it_{run}_{}", service.name()))
                        }
                    },
                );
                set("LAISSEZ_DATABASE__MAX_CONNECTIONS", "6".into());
            }
            let agencies = root.join("deploy/agencies").display().to_string();
            match service {
                Service::Identity => {
                    set(
                        "LAISSEZ_IDENTITY__REDIS_PREFIX",
                        format!("{redis_prefix}identity:"),
                    );
                    set("LAISSEZ_IDENTITY__DEV_CAPTCHA_ANSWER", CAPTCHA.into());
                    set(
                        "LAISSEZ_IDENTITY__BOOTSTRAP_OPERATOR__LOGIN_NAME",
                        OPERATOR_LOGIN.into(),
                    );
                    set(
                        "LAISSEZ_IDENTITY__BOOTSTRAP_OPERATOR__EMAIL",
                        format!("operator.{run}@laissez.example"),
                    );
                    set(
                        "LAISSEZ_IDENTITY__BOOTSTRAP_OPERATOR__PASSWORD",
                        OPERATOR_PASSWORD.into(),
                    );
                    // Every applicant of a run signs up from 127.0.0.1.
                    set(
                        "LAISSEZ_IDENTITY__THROTTLE__SOURCE_REQUESTS_PER_HOUR",
                        "1000000".into(),
                    );
                    set(
                        "LAISSEZ_IDENTITY__THROTTLE__SOURCE_FAILURES_PER_HOUR",
                        "1000000".into(),
                    );
                    set("LAISSEZ_CATALOG__DIR", agencies);
                }
                Service::Intake => {
                    set(
                        "LAISSEZ_BLOB__ROOT",
                        logs.join("blobs/intake").display().to_string(),
                    );
                    set("LAISSEZ_CATALOG__DIR", agencies);
                }
                Service::Review => {
                    set("LAISSEZ_CATALOG__DIR", agencies);
                    set("LAISSEZ_SERVICES__INTAKE", url_of(Service::Intake));
                }
                Service::Notify => set("LAISSEZ_CATALOG__DIR", agencies),
                Service::Render => {
                    set(
                        "LAISSEZ_BLOB__ROOT",
                        logs.join("blobs/render").display().to_string(),
                    );
                    set("LAISSEZ_SERVICES__INTAKE", url_of(Service::Intake));
                    set(
                        "LAISSEZ_SEAL__KEY_DIR",
                        logs.join("seal-keys").display().to_string(),
                    );
                    set("LAISSEZ_SEAL__GENERATE_MISSING", "true".into());
                }
                Service::Payment => {
                    set("LAISSEZ_SERVICES__INTAKE", url_of(Service::Intake));
                    set(
                        "LAISSEZ_PROVIDERS__CALLBACK_LISTEN",
                        format!("127.0.0.1:{callbacks}"),
                    );
                    set(
                        "LAISSEZ_PROVIDERS__CALLBACK_BASE_URL",
                        format!("http://127.0.0.1:{callbacks}"),
                    );
                    for (provider, secret) in &secrets {
                        let upper = provider.to_ascii_uppercase();
                        set(
                            &format!("LAISSEZ_PROVIDERS__PROVIDERS__{upper}__URL"),
                            format!("http://127.0.0.1:{paysim}/{provider}"),
                        );
                        set(
                            &format!("LAISSEZ_PROVIDERS__PROVIDERS__{upper}__SECRET"),
                            secret.clone(),
                        );
                    }
                }
                Service::Gateway => {
                    set("LAISSEZ_HTTP__LISTEN", format!("127.0.0.1:{}", ports.main));
                    set(
                        "LAISSEZ_GATEWAY__REDIS_PREFIX",
                        format!("{redis_prefix}gateway:"),
                    );
                    set(
                        "LAISSEZ_GATEWAY__SESSION__CSRF_SECRET",
                        format!("integration-csrf-key-{run}-0123456789"),
                    );
                    // The probes and the fuzzer send more than a person would.
                    set(
                        "LAISSEZ_GATEWAY__RATE_LIMIT__REQUESTS_PER_WINDOW",
                        "1000000".into(),
                    );
                    set(
                        "LAISSEZ_GATEWAY__RATE_LIMIT__SIGN_IN_REQUESTS_PER_WINDOW",
                        "1000000".into(),
                    );
                    for other in SERVICES.into_iter().filter(|s| *s != Service::Gateway) {
                        set(
                            &format!("LAISSEZ_SERVICES__{}", other.name().to_ascii_uppercase()),
                            url_of(other),
                        );
                    }
                }
            }
            if service == Service::Notify {
                set("LAISSEZ_SMTP__HOST", "127.0.0.1".into());
                set("LAISSEZ_SMTP__PORT", smtp_port.to_string());
                set("LAISSEZ_SMS__BACKEND", "simulator".into());
                set("LAISSEZ_SMS__SIMULATOR_LISTEN", format!("127.0.0.1:{sms}"));
                set("LAISSEZ_SMS__API_KEY", SMS_KEY.into());
                set("LAISSEZ_DISPATCH__POLL_INTERVAL_MS", "250".into());
            }
            processes.insert(
                service.name().to_owned(),
                Process {
                    program: bin.join(format!("laissez-{}", service.name())),
                    args: Vec::new(),
                    env,
                    log: logs.join(format!("{}.log", service.name())),
                    child: None,
                },
            );
        }

        let platform = Platform {
            run,
            logs,
            gateway: local(service_ports[&Service::Gateway].main),
            admin: service_ports
                .iter()
                .map(|(service, ports)| (*service, local(ports.admin)))
                .collect(),
            mail_http: local(mail_http),
            sms: local(sms),
            paysim: local(paysim),
            processes: Mutex::new(processes),
            infrastructure,
            exchange,
            redis_prefix,
            databases,
            proxies,
            stopped: false,
        };
        platform
            .wait_for_port("mailcatcher", platform.mail_http)
            .await?;
        platform.wait_for_port("paysim", platform.paysim).await?;
        for stage in [
            &[Service::Identity][..],
            &[
                Service::Intake,
                Service::Review,
                Service::Payment,
                Service::Render,
                Service::Notify,
            ],
            &[Service::Gateway],
        ] {
            for service in stage {
                platform.spawn(*service)?;
            }
            for service in stage {
                platform.wait_ready(*service).await?;
            }
        }
        Ok(platform)
    }

    /// The gateway's base URL (portal and `/api/v1`).
    pub fn gateway(&self) -> String {
        format!("http://{}", self.gateway)
    }

    /// A service's admin endpoint (`/healthz`, `/readyz`, `/metrics`).
    pub fn admin(&self, service: Service) -> String {
        format!("http://{}", self.admin[&service])
    }

    /// The URL of a service's own database in this run.
    pub fn database_url(&self, service: Service) -> String {
        self.infrastructure
            .database_url(&format!("it_{}_{}", self.run, service.name()))
    }

    pub fn mail_url(&self) -> String {
        format!("http://{}", self.mail_http)
    }

    pub fn sms_url(&self) -> String {
        format!("http://{}", self.sms)
    }

    pub fn paysim_url(&self) -> String {
        format!("http://{}", self.paysim)
    }

    /// The fault proxies, when started with [`Options::proxied`].
    pub fn proxies(&self) -> Option<&Proxies> {
        self.proxies.as_ref()
    }

    /// The process id of a running service.
    pub fn pid(&self, service: Service) -> Option<u32> {
        self.processes.lock().unwrap()[service.name()].pid()
    }

    fn spawn(&self, service: Service) -> Result<()> {
        let mut processes = self.processes.lock().unwrap();
        let process = processes.get_mut(service.name()).expect("a known service");
        let mut log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&process.log)?;
        use std::io::Write;
        writeln!(
            log,
            "----- {} starting laissez-{}",
            chrono::Utc::now().to_rfc3339(),
            service.name()
        )?;
        process.spawn()
    }

    /// `kill -9` of a service: no drain, no goodbye.
    pub fn kill(&self, service: Service) {
        self.processes
            .lock()
            .unwrap()
            .get_mut(service.name())
            .expect("a known service")
            .kill();
    }

    /// Starts a killed service again and waits until it is ready.
    pub async fn restart(&self, service: Service) -> Result<()> {
        self.spawn(service)?;
        self.wait_ready(service).await
    }

    async fn wait_for_port(&self, name: &str, addr: SocketAddr) -> Result<()> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            if tokio::net::TcpStream::connect(addr).await.is_ok() {
                return Ok(());
            }
            if !self
                .processes
                .lock()
                .unwrap()
                .get_mut(name)
                .expect("known")
                .alive()
            {
                bail!("{name} exited at start; see {}", self.logs.display());
            }
            if tokio::time::Instant::now() > deadline {
                bail!(
                    "{name} did not listen on {addr}; see {}",
                    self.logs.display()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn alive(&self, service: Service) -> bool {
        self.processes
            .lock()
            .unwrap()
            .get_mut(service.name())
            .expect("a known service")
            .alive()
    }

    /// Polls the service's `/readyz` until it answers 200 (90 s at most).
    pub async fn wait_ready(&self, service: Service) -> Result<()> {
        let url = format!("{}/readyz", self.admin(service));
        let client = reqwest::Client::new();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(90);
        loop {
            // Alive before and after the answer: an answer on a port the
            // service never bound is not the service's.
            if self.alive(service)
                && let Ok(answer) = client
                    .get(&url)
                    .timeout(Duration::from_secs(2))
                    .send()
                    .await
                && answer.status().is_success()
                && self.alive(service)
            {
                return Ok(());
            }
            let alive = self
                .processes
                .lock()
                .unwrap()
                .get_mut(service.name())
                .expect("known")
                .alive();
            if !alive {
                bail!(
                    "laissez-{} exited during start-up; see {}",
                    service.name(),
                    self.logs.join(format!("{}.log", service.name())).display()
                );
            }
            if tokio::time::Instant::now() > deadline {
                bail!(
                    "laissez-{} not ready after 90 s; see {}",
                    service.name(),
                    self.logs.display()
                );
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Stops every process (SIGTERM, the gateway first), removes the run's
    /// databases, queues and Redis keys, and its logs.
    pub async fn stop(mut self) {
        self.stopped = true;
        self.terminate_all();
        self.remove_state().await;
        let _ = std::fs::remove_dir_all(&self.logs);
    }

    fn terminate_all(&self) {
        let mut processes = self.processes.lock().unwrap();
        if let Some(gateway) = processes.get_mut("gateway") {
            gateway.terminate(Duration::from_secs(10));
        }
        for process in processes.values_mut() {
            process.terminate(Duration::from_secs(10));
        }
    }

    async fn remove_state(&self) {
        if let Ok(mut connection) =
            sqlx::PgConnection::connect(&self.infrastructure.postgres_admin).await
        {
            for name in &self.databases {
                let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                )))
                .execute(&mut connection)
                .await;
            }
        }
        let events = laissez_eventbus::EventBusConfig {
            url: self.infrastructure.amqp.clone(),
            exchange: self.exchange.clone(),
            ..laissez_eventbus::EventBusConfig::default()
        };
        let _ = laissez_eventbus::topology::remove(&events, &CONSUMERS).await;
        let _ = remove_redis_keys(&self.infrastructure.redis, &self.redis_prefix).await;
    }
}

impl Drop for Platform {
    fn drop(&mut self) {
        if self.stopped {
            return;
        }
        let processes = self.processes.get_mut().unwrap_or_else(|e| e.into_inner());
        for process in processes.values_mut() {
            process.kill();
        }
        eprintln!(
            "the platform of run {} was not stopped cleanly; its logs are in {}",
            self.run,
            self.logs.display()
        );
    }
}

/// Deletes the run's keys (SCAN, then DEL).
async fn remove_redis_keys(url: &str, prefix: &str) -> Result<()> {
    let client = redis::Client::open(url)?;
    let mut connection = client.get_multiplexed_async_connection().await?;
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{prefix}*"))
        .query_async(&mut connection)
        .await?;
    for chunk in keys.chunks(500) {
        let _: () = redis::cmd("DEL")
            .arg(chunk)
            .query_async(&mut connection)
            .await?;
    }
    Ok(())
}

/// Reads a file the harness wrote, for a test that wants a service's log.
pub fn read_log(platform: &Platform, service: Service) -> String {
    let path = platform.logs.join(format!("{}.log", service.name()));
    let mut text = String::new();
    if let Ok(mut file) = File::open(path) {
        use std::io::Read;
        let _ = file.read_to_string(&mut text);
    }
    text
}
