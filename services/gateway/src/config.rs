//! The gateway's configuration: the kit's common sections (Redis, admin
//! port, telemetry, environment), the HTTP listener and its limits, where
//! the services are, and the gateway's own settings (session cache, cookies,
//! CSRF, rate limits, idempotency).

use std::net::{IpAddr, SocketAddr};

use laissez_kit::app::ServiceConfig;
use laissez_kit::config::{CommonConfig, Environment, Secret};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct HttpConfig {
    pub listen: SocketAddr,
    /// Largest JSON request body, refused by its Content-Length before it is
    /// read, and cut off while reading when it has none.
    pub max_body_bytes: usize,
    /// Largest document upload (streamed to intake, never held whole).
    pub max_upload_bytes: usize,
    /// Deadline of one unary call to a service.
    pub upstream_timeout_ms: u64,
    /// Peers whose `X-Forwarded-For` is believed (load balancers). Empty:
    /// the client address is always the TCP peer.
    pub trusted_proxies: Vec<IpAddr>,
    /// Origins (`https://portal.example`) allowed to make cookie-authenticated
    /// changes. Empty: the request's own `Host` is the only allowed origin.
    pub allowed_origins: Vec<String>,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            max_body_bytes: 2 * 1024 * 1024,
            max_upload_bytes: 12 * 1024 * 1024,
            upstream_timeout_ms: 15_000,
            trusted_proxies: Vec::new(),
            allowed_origins: Vec::new(),
        }
    }
}

/// gRPC addresses of the services the gateway calls.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ServicesConfig {
    pub identity: String,
    pub intake: String,
    pub review: String,
    pub payment: String,
    pub render: String,
    pub notify: String,
}

impl Default for ServicesConfig {
    fn default() -> Self {
        Self {
            identity: "http://127.0.0.1:50061".to_owned(),
            intake: "http://127.0.0.1:50062".to_owned(),
            review: "http://127.0.0.1:50063".to_owned(),
            payment: "http://127.0.0.1:50064".to_owned(),
            render: "http://127.0.0.1:50065".to_owned(),
            notify: "http://127.0.0.1:50066".to_owned(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct SessionSettings {
    /// How long an internal token obtained for a session is reused. This
    /// bounds how long a session revoked elsewhere keeps working through
    /// this gateway (a logout through the gateway takes effect at once).
    pub cache_ms: u64,
    /// Sessions whose tokens are cached at most; the oldest go first.
    pub cache_entries: usize,
    /// Cookies carry `Secure` (and the `__Host-` prefix). Only a plain-HTTP
    /// development setup turns this off; production refuses that.
    pub secure_cookies: bool,
    /// Key of the CSRF tokens. Empty: a random key per process (development
    /// only: replicas would not accept each other's tokens); production
    /// refuses an empty key.
    pub csrf_secret: Secret,
}

impl Default for SessionSettings {
    fn default() -> Self {
        Self {
            cache_ms: 1_000,
            cache_entries: 100_000,
            secure_cookies: true,
            csrf_secret: Secret::default(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct RateLimitSettings {
    pub enabled: bool,
    /// Length of one counting window.
    pub window_seconds: u64,
    /// Requests per client address per window, on every route.
    pub requests_per_window: u64,
    /// Sign-in, registration, reset and code requests per client address
    /// per window (on top of the general limit).
    pub sign_in_requests_per_window: u64,
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            window_seconds: 60,
            requests_per_window: 600,
            sign_in_requests_per_window: 30,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct IdempotencySettings {
    /// How long a completed answer is replayed for its key.
    pub retention_seconds: u64,
    /// How long a key stays taken by a request that never finished (a crash).
    pub in_flight_seconds: u64,
    /// Answers larger than this are not kept (the key is released instead).
    pub max_stored_bytes: usize,
}

impl Default for IdempotencySettings {
    fn default() -> Self {
        Self {
            retention_seconds: 24 * 3600,
            in_flight_seconds: 300,
            max_stored_bytes: 1024 * 1024,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct GatewaySettings {
    /// Prefix of every Redis key the gateway writes (tests use their own).
    pub redis_prefix: String,
    pub session: SessionSettings,
    pub rate_limit: RateLimitSettings,
    pub idempotency: IdempotencySettings,
}

impl Default for GatewaySettings {
    fn default() -> Self {
        Self {
            redis_prefix: "laissez:gateway:".to_owned(),
            session: SessionSettings::default(),
            rate_limit: RateLimitSettings::default(),
            idempotency: IdempotencySettings::default(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Config {
    #[serde(flatten)]
    pub common: CommonConfig,
    pub http: HttpConfig,
    pub services: ServicesConfig,
    pub gateway: GatewaySettings,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            common: CommonConfig::for_service("gateway", 50060, 9080),
            http: HttpConfig::default(),
            services: ServicesConfig::default(),
            gateway: GatewaySettings::default(),
        }
    }
}

impl ServiceConfig for Config {
    fn common(&self) -> &CommonConfig {
        &self.common
    }
}

impl Config {
    /// Refuses development shortcuts in production and values that cannot work.
    pub fn validate(&self) -> anyhow::Result<()> {
        anyhow::ensure!(
            self.http.max_body_bytes > 0 && self.http.max_upload_bytes > 0,
            "http.max_body_bytes and http.max_upload_bytes must be positive"
        );
        anyhow::ensure!(
            self.gateway.session.cache_entries > 0,
            "gateway.session.cache_entries must be positive"
        );
        anyhow::ensure!(
            self.gateway.rate_limit.window_seconds > 0,
            "gateway.rate_limit.window_seconds must be positive"
        );
        if self.common.environment == Environment::Production {
            anyhow::ensure!(
                self.gateway.session.secure_cookies,
                "gateway.session.secure_cookies must stay on in production"
            );
            anyhow::ensure!(
                self.gateway.session.csrf_secret.expose().len() >= 32,
                "gateway.session.csrf_secret must be set (32 characters or more) in production"
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn production_needs_a_csrf_key_and_secure_cookies() {
        let mut config = Config::default();
        assert!(config.validate().is_ok());
        config.common.environment = Environment::Production;
        assert!(config.validate().is_err());
        config.gateway.session.csrf_secret = Secret::new("k".repeat(32));
        assert!(config.validate().is_ok());
        config.gateway.session.secure_cookies = false;
        assert!(config.validate().is_err());
    }

    #[test]
    fn the_csrf_key_never_prints() {
        let mut config = Config::default();
        config.gateway.session.csrf_secret = Secret::new("super-secret-csrf-key");
        assert!(!laissez_kit::config::render(&config).contains("super-secret-csrf-key"));
        assert!(!format!("{config:?}").contains("super-secret-csrf-key"));
    }
}
