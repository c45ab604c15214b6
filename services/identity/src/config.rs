//! The identity service's configuration: the kit's common sections, the
//! event bus, where the agency catalogs live, and identity's own settings
//! (timeouts, throttles, Argon2 parameters). Defaults suit production.

use std::path::PathBuf;

use laissez_kit::app::ServiceConfig;
use laissez_kit::config::{CommonConfig, Environment, Secret};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Config {
    #[serde(flatten)]
    pub common: CommonConfig,
    pub events: laissez_eventbus::EventBusConfig,
    pub catalog: CatalogSettings,
    pub identity: IdentitySettings,
    /// Development only: demo people loaded at start-up.
    #[serde(default)]
    pub demo: laissez_catalog::demo::DemoConfig,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            common: CommonConfig::for_service("identity", 50061, 9061),
            events: laissez_eventbus::EventBusConfig::default(),
            catalog: CatalogSettings::default(),
            identity: IdentitySettings::default(),
            demo: Default::default(),
        }
    }
}

impl ServiceConfig for Config {
    fn common(&self) -> &CommonConfig {
        &self.common
    }
}

impl Config {
    /// Refuses settings that must never reach production, and values out of range.
    pub fn validate(&self) -> anyhow::Result<()> {
        let settings = &self.identity;
        anyhow::ensure!(
            (1..=laissez_kit::auth::token::MAX_LIFETIME_SECONDS)
                .contains(&settings.internal_token_seconds),
            "identity.internal_token_seconds must be between 1 and {}",
            laissez_kit::auth::token::MAX_LIFETIME_SECONDS
        );
        anyhow::ensure!(
            self.demo.dir.is_none() || self.common.environment != Environment::Production,
            "demo.dir is a development setting and is refused when environment is production"
        );
        if let Some(answer) = &settings.dev_captcha_answer {
            anyhow::ensure!(
                self.common.environment != Environment::Production,
                "identity.dev_captcha_answer is a development setting and is refused when environment is production"
            );
            let length = answer.chars().count();
            anyhow::ensure!(
                (4..=16).contains(&length) && answer.chars().all(|c| c.is_ascii_alphanumeric()),
                "identity.dev_captcha_answer must be 4 to 16 ASCII letters or digits"
            );
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct CatalogSettings {
    /// Folder of agency folders (`deploy/agencies/<agency>/agency.yaml`).
    pub dir: PathBuf,
}

impl Default for CatalogSettings {
    fn default() -> Self {
        Self {
            dir: PathBuf::from("deploy/agencies"),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct IdentitySettings {
    /// Prefix of every Redis key identity writes (tests use their own).
    pub redis_prefix: String,
    /// Base of the links in activation and reset emails (the gateway's portal).
    pub public_base_url: String,
    pub session_idle_seconds: u64,
    pub session_absolute_seconds: u64,
    /// Lifetime of a pre-login session (the one captchas bind to).
    pub pre_session_seconds: u64,
    pub captcha_seconds: u64,
    pub activation_link_minutes: u32,
    pub reset_link_minutes: u32,
    pub sms: SmsSettings,
    /// Lifetime of an internal token (at most the kit's 300 s).
    pub internal_token_seconds: i64,
    /// A new signing key is made when the current one is this old.
    pub signing_key_rotation_hours: i64,
    /// Platform floor under every agency's minimum password length.
    pub password_min_length: usize,
    pub argon2: Argon2Settings,
    pub throttle: ThrottleSettings,
    /// Register and RequestPasswordReset answer no sooner than this, so that
    /// existing and unknown accounts take the same time.
    pub uniform_response_ms: u64,
    /// A platform operator created at start-up when no operator exists.
    pub bootstrap_operator: Option<BootstrapOperator>,
    /// Development only: every captcha is drawn with this answer, so that
    /// automated tests (and the browser journeys) can sign in. Captchas stay
    /// single-use and bound to their pre-login session. Refused at start-up
    /// when `environment` is production.
    pub dev_captcha_answer: Option<String>,
}

impl Default for IdentitySettings {
    fn default() -> Self {
        Self {
            redis_prefix: "laissez:identity:".to_owned(),
            public_base_url: "http://127.0.0.1:8080".to_owned(),
            session_idle_seconds: 30 * 60,
            session_absolute_seconds: 12 * 3600,
            pre_session_seconds: 30 * 60,
            captcha_seconds: 5 * 60,
            activation_link_minutes: 24 * 60,
            reset_link_minutes: 30,
            sms: SmsSettings::default(),
            internal_token_seconds: 60,
            signing_key_rotation_hours: 24,
            password_min_length: 8,
            argon2: Argon2Settings::default(),
            throttle: ThrottleSettings::default(),
            uniform_response_ms: 250,
            bootstrap_operator: None,
            dev_captcha_answer: None,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct SmsSettings {
    pub code_seconds: u64,
    /// Wrong codes accepted before the code is void.
    pub max_attempts: u32,
    /// Minimum time between two codes to one number.
    pub resend_seconds: u64,
    pub codes_per_hour: u32,
}

impl Default for SmsSettings {
    fn default() -> Self {
        Self {
            code_seconds: 600,
            max_attempts: 5,
            resend_seconds: 60,
            codes_per_hour: 5,
        }
    }
}

/// OWASP's Argon2id parameters: m = 19 MiB, t = 2, p = 1.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct Argon2Settings {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl Default for Argon2Settings {
    fn default() -> Self {
        Self {
            memory_kib: 19_456,
            iterations: 2,
            parallelism: 1,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct ThrottleSettings {
    /// Failed logins per login name per sliding hour (issue: at most 100).
    pub account_failures_per_hour: u32,
    /// Failures before the progressive delay starts.
    pub free_failures: u32,
    /// The delay doubles from 1 s with each further failure, up to this.
    pub max_delay_seconds: u64,
    /// Failed logins per source address per sliding hour.
    pub source_failures_per_hour: u32,
    /// Registrations and SMS/reset requests per source per hour.
    pub source_requests_per_hour: u32,
    /// Reset emails per account per hour.
    pub resets_per_account_per_hour: u32,
}

impl Default for ThrottleSettings {
    fn default() -> Self {
        Self {
            account_failures_per_hour: 100,
            free_failures: 5,
            max_delay_seconds: 60,
            source_failures_per_hour: 500,
            source_requests_per_hour: 200,
            resets_per_account_per_hour: 5,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BootstrapOperator {
    pub login_name: String,
    pub email: String,
    pub password: Secret,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_dev_captcha(environment: Environment, answer: &str) -> Config {
        let mut config = Config::default();
        config.common.environment = environment;
        config.identity.dev_captcha_answer = Some(answer.to_owned());
        config
    }

    #[test]
    fn dev_captcha_is_refused_in_production() {
        let error = with_dev_captcha(Environment::Production, "TEST42")
            .validate()
            .unwrap_err();
        assert!(error.to_string().contains("dev_captcha_answer"), "{error}");
        assert!(
            with_dev_captcha(Environment::Development, "TEST42")
                .validate()
                .is_ok()
        );
    }

    #[test]
    fn defaults_validate_in_production() {
        let mut config = Config::default();
        config.common.environment = Environment::Production;
        assert!(config.validate().is_ok());
    }

    #[test]
    fn dev_captcha_answer_must_be_plain_and_short() {
        for bad in ["", "abc", "has space", "x".repeat(17).as_str()] {
            assert!(
                with_dev_captcha(Environment::Development, bad)
                    .validate()
                    .is_err(),
                "{bad:?}"
            );
        }
    }
}
