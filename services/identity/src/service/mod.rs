//! Identity's use cases. Each public method takes a request of the v1
//! contract, parses it into domain types at once, and answers with a
//! response or a [`ServiceError`].

mod account;
mod addresses;
mod applicants;
mod demo;
mod login;
mod person_records;
mod registration;
mod reset;
mod staff;

use std::sync::Arc;
use std::time::{Duration, Instant};

use laissez_kit::auth::Caller;
use laissez_kit::{FieldError, Role, ServiceError};
use sqlx::PgPool;
use uuid::Uuid;

use crate::config::IdentitySettings;
use crate::domain::policy::{AgencyDirectory, PortalPolicy};
use crate::passwords::PasswordHasher;
use crate::redis::captcha::CaptchaStore;
use crate::redis::sessions::SessionStore;
use crate::redis::sms::SmsCodes;
use crate::redis::throttle::Throttle;
use crate::store::accounts::{self, AccountRow};
use crate::tokens::KeyRing;

pub use demo::DemoLoaded;
pub use staff::bootstrap_operator;

/// Everything the use cases need; cheap to clone.
#[derive(Clone)]
pub struct Identity {
    pub(crate) pool: PgPool,
    pub(crate) directory: Arc<AgencyDirectory>,
    pub(crate) settings: Arc<IdentitySettings>,
    pub(crate) hasher: PasswordHasher,
    pub(crate) sessions: SessionStore,
    pub(crate) captchas: CaptchaStore,
    pub(crate) sms: SmsCodes,
    pub(crate) throttle: Throttle,
    pub(crate) keys: KeyRing,
}

/// The signed-in account behind an authenticated call, re-read from the
/// database on every call (so role changes and disabling apply at once).
pub(crate) struct Principal {
    pub account: AccountRow,
    pub session_id: String,
}

impl Principal {
    pub fn roles(&self) -> Vec<Role> {
        self.account
            .roles
            .iter()
            .filter_map(|role| Role::parse(role))
            .collect()
    }

    pub fn has_role(&self, role: Role) -> bool {
        self.roles().contains(&role)
    }

    pub fn id(&self) -> String {
        self.account.id.to_string()
    }
}

impl Identity {
    pub fn new(
        pool: PgPool,
        directory: AgencyDirectory,
        settings: IdentitySettings,
        hasher: PasswordHasher,
        redis: redis::aio::ConnectionManager,
        keys: KeyRing,
    ) -> Self {
        let prefix = crate::redis::Keys::new(&settings.redis_prefix);
        Self {
            sessions: SessionStore::new(
                redis.clone(),
                prefix.clone(),
                settings.session_idle_seconds,
                settings.session_absolute_seconds,
            ),
            captchas: CaptchaStore::new(
                redis.clone(),
                prefix.clone(),
                settings.captcha_seconds,
                settings.pre_session_seconds,
            )
            .with_fixed_answer(settings.dev_captcha_answer.clone()),
            sms: SmsCodes::new(redis.clone(), prefix.clone(), settings.sms.clone()),
            throttle: Throttle::new(redis, prefix, settings.throttle.clone()),
            pool,
            directory: Arc::new(directory),
            settings: Arc::new(settings),
            hasher,
            keys,
        }
    }

    pub fn key_ring(&self) -> &KeyRing {
        &self.keys
    }

    pub fn sessions(&self) -> &SessionStore {
        &self.sessions
    }

    pub fn captchas(&self) -> &CaptchaStore {
        &self.captchas
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    pub fn hasher(&self) -> &PasswordHasher {
        &self.hasher
    }

    /// The portal a public request names; every problem as a field error.
    /// Whether `agency` is one of the agencies this identity serves.
    pub fn knows_agency(&self, agency: &str) -> bool {
        self.directory.has_agency(agency)
    }

    pub(crate) fn portal(&self, agency: &str, portal: &str) -> Result<&PortalPolicy, ServiceError> {
        let mut errors = Vec::new();
        if !self.directory.has_agency(agency) {
            errors.push(FieldError::new(
                "agency",
                "unknown_agency",
                "no such agency",
            ));
        }
        match self.directory.portal(agency, portal) {
            Some(found) => Ok(found),
            None => {
                errors.push(FieldError::new(
                    "portal",
                    "unknown_portal",
                    "the agency has no such portal",
                ));
                Err(ServiceError::InvalidArgument(errors))
            }
        }
    }

    /// Checks the caller's token against the live session and account.
    pub(crate) async fn authorize(&self, caller: &Caller) -> Result<Principal, ServiceError> {
        let refused =
            || ServiceError::Unauthenticated("the session has ended; sign in again".to_owned());
        let account_id = Uuid::parse_str(&caller.account_id).map_err(|_| refused())?;
        if !self.sessions.is_alive(&caller.session_id).await? {
            return Err(refused());
        }
        let account = accounts::find_by_id(&self.pool, account_id)
            .await?
            .ok_or_else(refused)?;
        if !account.is_active() {
            return Err(refused());
        }
        let token_agency = if account.agency == crate::domain::policy::PLATFORM_AGENCY {
            ""
        } else {
            &account.agency
        };
        if caller.agency != token_agency || caller.portal != account.portal {
            return Err(refused());
        }
        Ok(Principal {
            account,
            session_id: caller.session_id.clone(),
        })
    }
}

/// The language a request asks for: its texts are given in English when it
/// names none.
pub(crate) fn language(value: i32) -> laissez_catalog::format::Language {
    use laissez_catalog::format::Language;
    use laissez_proto::common::v1::Language as Asked;
    match Asked::try_from(value).unwrap_or(Asked::Unspecified) {
        Asked::ZhHant => Language::ZhHant,
        Asked::ZhHans => Language::ZhHans,
        Asked::En | Asked::Unspecified => Language::En,
    }
}

/// Holds an answer back until `minimum` has passed since `started`, so the
/// time taken says nothing about which branch ran.
pub(crate) async fn answer_no_sooner(started: Instant, minimum: Duration) {
    if let Some(rest) = minimum.checked_sub(started.elapsed()) {
        tokio::time::sleep(rest).await;
    }
}

pub(crate) fn parse_uuid(field: &str, text: &str) -> Result<Uuid, ServiceError> {
    Uuid::parse_str(text.trim())
        .map_err(|_| ServiceError::invalid(field, "bad_id", "not a valid id"))
}
