//! Layered configuration: defaults in code → an optional TOML file →
//! `LAISSEZ_*` environment variables (`__` separates nested keys, e.g.
//! `LAISSEZ_DATABASE__URL`). Secrets are typed ([`Secret`], [`ConnectionUrl`])
//! so neither `Debug` nor `--print-config` ever shows them.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Where a deployment runs; production refuses development shortcuts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    #[default]
    Development,
    Production,
}

thread_local! {
    /// Set while [`render`] serializes a configuration for display. Other
    /// serializations (figment's defaults) must see the real values.
    static MASKING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

fn masking() -> bool {
    MASKING.with(std::cell::Cell::get)
}

/// A secret value: deserialized from a plain string, never printed.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself; call only where it is handed to its consumer.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_empty() { "\"\"" } else { "\"***\"" })
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if masking() && !self.0.is_empty() {
            serializer.serialize_str("***")
        } else {
            serializer.serialize_str(&self.0)
        }
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Secret)
    }
}

/// A connection URL (PostgreSQL, Redis, AMQP) whose password is masked when
/// printed or serialized, while host and database stay visible.
#[derive(Clone, PartialEq, Eq)]
pub struct ConnectionUrl(String);

impl ConnectionUrl {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The URL with any password replaced by `***`.
    pub fn masked(&self) -> String {
        match url::Url::parse(&self.0) {
            Ok(mut parsed) if parsed.password().is_some() => {
                // set_password only fails for URLs that cannot have one.
                let _ = parsed.set_password(Some("***"));
                parsed.to_string()
            }
            Ok(_) => self.0.clone(),
            Err(_) if self.0.contains('@') => "<unparseable url>".to_owned(),
            Err(_) => self.0.clone(),
        }
    }
}

impl fmt::Debug for ConnectionUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.masked())
    }
}

impl Serialize for ConnectionUrl {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if masking() {
            serializer.serialize_str(&self.masked())
        } else {
            serializer.serialize_str(&self.0)
        }
    }
}

impl<'de> Deserialize<'de> for ConnectionUrl {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(ConnectionUrl)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GrpcConfig {
    pub listen: SocketAddr,
    /// Largest request or response message, in bytes.
    pub max_message_bytes: usize,
    /// Deadline applied when the caller sets none (and the upper bound).
    pub default_deadline_ms: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AdminConfig {
    pub listen: SocketAddr,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DatabaseConfig {
    pub url: ConnectionUrl,
    pub max_connections: u32,
    pub acquire_timeout_ms: u64,
    /// Whether the service migrates its schema at start or waits for a
    /// migration job (`--migrate-only`) to have done it.
    #[serde(default)]
    pub schema: SchemaMode,
    /// How long a service in [`SchemaMode::Wait`] waits before giving up.
    #[serde(default = "default_schema_wait_seconds")]
    pub schema_wait_seconds: u64,
}

fn default_schema_wait_seconds() -> u64 {
    600
}

/// Who brings a service's database schema up to date.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum SchemaMode {
    /// The service runs its migrations at start (development, tests, a
    /// single replica).
    #[default]
    Migrate,
    /// The service waits until every migration it embeds has been applied
    /// by a migration job, so a bad migration fails once, in the job,
    /// instead of in every replica.
    Wait,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RedisConfig {
    pub url: ConnectionUrl,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Pretty,
    Json,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TelemetryConfig {
    pub format: LogFormat,
    /// `tracing_subscriber::EnvFilter` directives; `RUST_LOG` wins when set.
    pub filter: String,
    /// OTLP/gRPC collector, e.g. `http://127.0.0.1:4317`; traces are exported only when set.
    pub otlp_endpoint: Option<String>,
    /// `deployment.environment.name` on every exported span (e.g.
    /// `production`, `staging`); the environment's name when unset.
    #[serde(default)]
    pub deployment: Option<String>,
    /// `laissez.agency` on every exported span, for a deployment that
    /// serves one agency only; shared deployments put the agency on spans.
    #[serde(default)]
    pub agency: Option<String>,
    /// Share of new traces sampled (0.0–1.0); a call inside a sampled trace
    /// is always sampled (parent-based).
    #[serde(default = "default_sample_ratio")]
    pub sample_ratio: f64,
}

fn default_sample_ratio() -> f64 {
    1.0
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AuthConfig {
    /// Identity's gRPC address, where verification keys are fetched.
    pub identity_url: String,
    /// Extra accepted clock skew when checking expiry, in seconds.
    pub leeway_seconds: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum BlobBackend {
    #[default]
    Filesystem,
    S3,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BlobConfig {
    pub backend: BlobBackend,
    /// Filesystem backend: the directory blobs live in.
    pub root: PathBuf,
    /// S3 backend: bucket, endpoint (for S3-compatible stores) and region.
    pub bucket: String,
    pub endpoint: String,
    pub region: String,
    pub access_key_id: Secret,
    pub secret_access_key: Secret,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ShutdownConfig {
    /// How long in-flight calls and consumers get to finish after SIGTERM.
    pub grace_seconds: u64,
}

/// The sections every service shares. A service's own configuration embeds
/// it with `#[serde(flatten)]` and adds its own sections.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CommonConfig {
    pub environment: Environment,
    pub grpc: GrpcConfig,
    pub admin: AdminConfig,
    pub database: DatabaseConfig,
    pub redis: RedisConfig,
    pub telemetry: TelemetryConfig,
    pub auth: AuthConfig,
    pub blob: BlobConfig,
    pub shutdown: ShutdownConfig,
}

impl CommonConfig {
    /// Defaults for one service: its ports from the platform's port table and
    /// its own database.
    pub fn for_service(service: &str, grpc_port: u16, admin_port: u16) -> Self {
        let loopback = std::net::Ipv4Addr::LOCALHOST;
        Self {
            environment: Environment::Development,
            grpc: GrpcConfig {
                listen: SocketAddr::from((loopback, grpc_port)),
                max_message_bytes: 8 * 1024 * 1024,
                default_deadline_ms: 30_000,
            },
            admin: AdminConfig {
                listen: SocketAddr::from((loopback, admin_port)),
            },
            database: DatabaseConfig {
                url: ConnectionUrl::new(format!(
                    "postgres://postgres@127.0.0.1:5432/laissez_{service}"
                )),
                max_connections: 16,
                acquire_timeout_ms: 5_000,
                schema: SchemaMode::Migrate,
                schema_wait_seconds: default_schema_wait_seconds(),
            },
            redis: RedisConfig {
                url: ConnectionUrl::new("redis://127.0.0.1:6379"),
            },
            telemetry: TelemetryConfig {
                format: LogFormat::Pretty,
                filter: "info".to_owned(),
                otlp_endpoint: None,
                deployment: None,
                agency: None,
                sample_ratio: default_sample_ratio(),
            },
            auth: AuthConfig {
                identity_url: "http://127.0.0.1:50061".to_owned(),
                leeway_seconds: 5,
            },
            blob: BlobConfig {
                backend: BlobBackend::Filesystem,
                root: PathBuf::from(format!(".local/blobs/{service}")),
                bucket: String::new(),
                endpoint: String::new(),
                region: "us-east-1".to_owned(),
                access_key_id: Secret::default(),
                secret_access_key: Secret::default(),
            },
            shutdown: ShutdownConfig { grace_seconds: 20 },
        }
    }
}

impl Default for CommonConfig {
    fn default() -> Self {
        Self::for_service("service", 50060, 9060)
    }
}

#[derive(Debug, thiserror::Error)]
#[error("configuration: {0}")]
pub struct Error(#[from] Box<figment::Error>);

/// Command-line flags every service binary accepts.
#[derive(Debug, Clone, clap::Parser)]
pub struct Cli {
    /// A TOML file layered over the defaults (environment variables still win).
    #[arg(long, env = "LAISSEZ_CONFIG")]
    pub config: Option<PathBuf>,
    /// Print the effective configuration (secrets masked) and exit.
    #[arg(long)]
    pub print_config: bool,
    /// Bring the service's database schema up to date and exit (the
    /// migration job of a deployment runs this).
    #[arg(long)]
    pub migrate_only: bool,
}

/// Loads `T` from its defaults, the optional file, then `LAISSEZ_*`.
pub fn load<T>(defaults: T, file: Option<&std::path::Path>) -> Result<T, Error>
where
    T: Serialize + DeserializeOwned,
{
    load_with_env(defaults, file, "LAISSEZ_")
}

/// As [`load`], with another environment prefix (tests use their own).
pub fn load_with_env<T>(
    defaults: T,
    file: Option<&std::path::Path>,
    prefix: &str,
) -> Result<T, Error>
where
    T: Serialize + DeserializeOwned,
{
    let mut figment = Figment::from(Serialized::defaults(defaults));
    if let Some(path) = file {
        figment = figment.merge(Toml::file_exact(path));
    }
    figment = figment.merge(Env::prefixed(prefix).split("__").ignore(&["CONFIG"]));
    figment.extract().map_err(|error| Error(Box::new(error)))
}

/// The effective configuration as TOML, secrets masked (`--print-config`).
pub fn render<T: Serialize>(config: &T) -> String {
    match toml_string(config) {
        Ok(text) => text,
        Err(error) => format!("# configuration could not be rendered: {error}\n"),
    }
}

fn toml_string<T: Serialize>(config: &T) -> Result<String, String> {
    MASKING.with(|flag| flag.set(true));
    let value = serde_json::to_value(config);
    MASKING.with(|flag| flag.set(false));
    let mut value = value.map_err(|error| error.to_string())?;
    mask_url_passwords(&mut value);
    let mut out = String::new();
    write_toml(&mut out, "", &value);
    Ok(out)
}

/// Masks the password of every URL-shaped string, whatever type held it.
fn mask_url_passwords(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::String(text) if text.contains("://") => {
            *text = ConnectionUrl::new(text.clone()).masked();
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(mask_url_passwords),
        serde_json::Value::Object(map) => map.values_mut().for_each(mask_url_passwords),
        _ => {}
    }
}

/// A small TOML writer for `--print-config`: scalars first, then tables.
fn write_toml(out: &mut String, table: &str, value: &serde_json::Value) {
    let Some(map) = value.as_object() else { return };
    let (tables, scalars): (Vec<_>, Vec<_>) = map.iter().partition(|(_, v)| v.is_object());
    if !table.is_empty() {
        out.push_str(&format!("\n[{table}]\n"));
    }
    for (key, scalar) in scalars {
        if !scalar.is_null() {
            out.push_str(&format!("{key} = {scalar}\n"));
        }
    }
    for (key, nested) in tables {
        let name = if table.is_empty() {
            key.clone()
        } else {
            format!("{table}.{key}")
        };
        write_toml(out, &name, nested);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_url_masks_password_only() {
        let url = ConnectionUrl::new("amqp://guest:hunter2@127.0.0.1:5672/%2f");
        assert_eq!(url.masked(), "amqp://guest:***@127.0.0.1:5672/%2f");
        assert!(!format!("{url:?}").contains("hunter2"));
        let plain = ConnectionUrl::new("postgres://postgres@127.0.0.1:5432/laissez_intake");
        assert_eq!(plain.masked(), plain.expose());
    }

    #[test]
    fn secrets_never_render() {
        let mut config = CommonConfig::for_service("intake", 50062, 9062);
        config.blob.secret_access_key = Secret::new("very-secret-key");
        config.database.url = ConnectionUrl::new("postgres://app:pw-123@db/laissez_intake");
        let rendered = render(&config);
        assert!(!rendered.contains("very-secret-key"), "{rendered}");
        assert!(!rendered.contains("pw-123"), "{rendered}");
        assert!(rendered.contains("[database]"), "{rendered}");
        assert!(!format!("{config:?}").contains("very-secret-key"));
    }

    #[test]
    fn defaults_keep_their_secrets_through_loading() -> Result<(), Box<dyn std::error::Error>> {
        let mut defaults = CommonConfig::for_service("intake", 50062, 9062);
        defaults.database.url = ConnectionUrl::new("postgres://app:pw-123@db/laissez_intake");
        defaults.blob.secret_access_key = Secret::new("very-secret-key");
        let loaded = load_with_env(defaults, None, "LAISSEZ_NO_SUCH_PREFIX_")?;
        assert_eq!(
            loaded.database.url.expose(),
            "postgres://app:pw-123@db/laissez_intake"
        );
        assert_eq!(loaded.blob.secret_access_key.expose(), "very-secret-key");
        Ok(())
    }

    #[test]
    fn plain_url_strings_are_masked_when_rendered() {
        #[derive(Serialize)]
        struct Other {
            url: String,
        }
        let rendered = render(&Other {
            url: "amqp://guest:guest-pw@127.0.0.1:5672/%2f".to_owned(),
        });
        assert!(!rendered.contains("guest-pw"), "{rendered}");
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment's Jail fixes the closure's error type
    fn file_then_environment_override_defaults() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("intake.toml");
        std::fs::write(
            &path,
            "[grpc]\nlisten = \"0.0.0.0:7000\"\n[admin]\nlisten = \"0.0.0.0:7001\"\n",
        )?;
        let prefix = format!("LAISSEZ_TEST_{}_", std::process::id());
        figment::Jail::expect_with(|jail| {
            jail.set_env(format!("{prefix}ADMIN__LISTEN"), "0.0.0.0:7002");
            let defaults = CommonConfig::for_service("intake", 50062, 9062);
            let loaded =
                load_with_env(defaults, Some(&path), &prefix).map_err(|e| e.to_string())?;
            assert_eq!(loaded.grpc.listen.port(), 7000);
            assert_eq!(loaded.admin.listen.port(), 7002);
            assert_eq!(loaded.redis.url.expose(), "redis://127.0.0.1:6379");
            Ok(())
        });
        Ok(())
    }
}
