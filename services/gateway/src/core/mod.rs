//! The gateway's core, shared by the JSON API and the portal: the services
//! behind it, sessions and their cookies, CSRF, rate limits, idempotency,
//! body limits, security headers and problem documents. Handlers of either
//! face call [`Core`] for who is calling and to call the services.

pub mod catalogs;
pub mod client_ip;
pub mod credentials;
pub mod csrf;
pub mod edge;
pub mod idempotency;
pub mod problem;
pub mod rate_limit;
pub mod session;
pub mod ttl_cache;
pub mod upstream;

use std::sync::Arc;
use std::time::Duration;

use axum::http::{HeaderMap, Method};

use crate::config::Config;
use credentials::{CookiePolicy, Credentials};
use csrf::CsrfGuard;
use idempotency::IdempotencyStore;
use problem::ApiError;
use rate_limit::RateLimiter;
use session::{SessionExchanger, SignedIn};
use upstream::Upstreams;

/// Everything a handler needs; cheap to clone.
#[derive(Clone)]
pub struct Core {
    pub upstreams: Upstreams,
    /// Agencies' current catalogs, kept for [`catalogs::CATALOG_REUSE`].
    pub catalogs: catalogs::CatalogCache,
    pub sessions: SessionExchanger,
    pub cookies: CookiePolicy,
    pub csrf: CsrfGuard,
    pub rate_limiter: RateLimiter,
    pub idempotency: IdempotencyStore,
    pub max_body_bytes: usize,
    pub max_upload_bytes: usize,
    /// Each account's unread messages, as notify last counted them, for
    /// [`UNREAD_COUNT_REUSE`].
    pub unread_counts: ttl_cache::TtlCache<String, u64>,
}

/// How long the header's unread count may be reused.
pub const UNREAD_COUNT_REUSE: Duration = Duration::from_secs(2);

/// A signed-in caller and how they presented their session.
#[derive(Debug, Clone)]
pub struct Caller {
    pub credentials: Credentials,
    pub signed_in: Arc<SignedIn>,
}

impl Caller {
    pub fn token(&self) -> &str {
        &self.signed_in.internal_token
    }

    /// The session token the caller presented.
    pub fn session_token(&self) -> &str {
        self.credentials.session_token().unwrap_or_default()
    }
}

impl Core {
    pub fn new(config: &Config, redis: redis::aio::ConnectionManager) -> anyhow::Result<Self> {
        let upstreams = Upstreams::connect_lazy(
            &config.services,
            Duration::from_millis(config.http.upstream_timeout_ms),
        )?;
        let settings = &config.gateway;
        Ok(Self {
            sessions: SessionExchanger::new(
                upstreams.clone(),
                Duration::from_millis(settings.session.cache_ms),
                settings.session.cache_entries,
            ),
            catalogs: catalogs::CatalogCache::new(upstreams.clone(), catalogs::CATALOG_REUSE),
            upstreams,
            cookies: CookiePolicy::new(settings.session.secure_cookies),
            csrf: CsrfGuard::new(
                settings.session.csrf_secret.expose(),
                config.http.allowed_origins.clone(),
            ),
            rate_limiter: RateLimiter::new(
                redis.clone(),
                &settings.redis_prefix,
                settings.rate_limit.clone(),
            ),
            idempotency: IdempotencyStore::new(
                redis,
                &settings.redis_prefix,
                settings.idempotency.clone(),
            ),
            max_body_bytes: config.http.max_body_bytes,
            max_upload_bytes: config.http.max_upload_bytes,
            unread_counts: ttl_cache::TtlCache::new(
                UNREAD_COUNT_REUSE,
                settings.session.cache_entries,
            ),
        })
    }

    pub fn credentials(&self, headers: &HeaderMap) -> Credentials {
        self.cookies.credentials(headers)
    }

    /// Refuses a cookie-authenticated change without a valid CSRF token (from
    /// the `X-CSRF-Token` header, or `form_token` a portal handler read from
    /// its form) or from another site. Bearer requests pass.
    pub fn check_csrf(
        &self,
        credentials: &Credentials,
        method: &Method,
        headers: &HeaderMap,
        form_token: Option<&str>,
    ) -> Result<(), ApiError> {
        let Credentials::Cookie(session_token) = credentials else {
            return Ok(());
        };
        self.csrf
            .check(method, headers, session_token, form_token)
            .map_err(|error| match error {
                csrf::CsrfError::CrossOrigin => {
                    ApiError::Forbidden("the request comes from another site")
                }
                csrf::CsrfError::BadToken => ApiError::Forbidden(
                    "the CSRF token is missing or wrong; reload the page and try again",
                ),
            })
    }

    /// Whether a pre-login form (no session yet) carries the token bound to
    /// the browser's anonymous cookie and comes from this site.
    pub fn anonymous_form_allowed(&self, headers: &HeaderMap, form_token: &str) -> bool {
        let binding =
            credentials::cookie(headers, self.cookies.anonymous_cookie_name()).unwrap_or_default();
        self.csrf
            .check(&Method::POST, headers, &binding, Some(form_token))
            .is_ok()
    }

    /// The CSRF token for forms and scripts of a cookie session.
    pub fn csrf_token(&self, session_token: &str) -> String {
        self.csrf.token(session_token)
    }

    /// The signed-in caller of a request (401 when there is none), after
    /// the CSRF check for cookie-authenticated changes.
    pub async fn signed_in(
        &self,
        method: &Method,
        headers: &HeaderMap,
        form_token: Option<&str>,
    ) -> Result<Caller, ApiError> {
        let credentials = self.credentials(headers);
        let Some(session_token) = credentials.session_token() else {
            return Err(ApiError::Unauthenticated(
                "sign in first: send the session token as `Authorization: Bearer`",
            ));
        };
        self.check_csrf(&credentials, method, headers, form_token)?;
        let signed_in = self.sessions.exchange(session_token).await?;
        laissez_kit::metrics::note_agency(&signed_in.agency);
        Ok(Caller {
            credentials,
            signed_in,
        })
    }

    /// After a logout: this gateway stops using the session at once.
    pub fn forget_session(&self, caller: &Caller, everywhere: bool) {
        self.sessions.forget(caller.session_token());
        if everywhere {
            self.sessions.forget_account(&caller.signed_in.account_id);
        }
    }
}
