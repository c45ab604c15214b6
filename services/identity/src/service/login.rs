//! Captchas, login, sessions, and the exchange of a session for an internal token.

use laissez_kit::auth::Caller;
use laissez_kit::{Role, ServiceError};
use laissez_proto::identity::v1::{
    CreateCaptchaRequest, CreateCaptchaResponse, ExchangeSessionRequest, ExchangeSessionResponse,
    GetSigningKeysRequest, GetSigningKeysResponse, ListSessionsResponse, LoginRequest,
    LoginResponse, LogoutRequest, LogoutResponse, RevokeSessionRequest, RevokeSessionResponse,
    Session, SigningKey,
};

use super::Identity;
use crate::domain::login_name::LoginName;
use crate::domain::policy::PLATFORM_AGENCY;
use crate::redis::captcha::CaptchaError;
use crate::redis::sessions::NewSession;
use crate::store::accounts::{self, AccountRow};

/// The one answer to unknown account, wrong password, disabled account and
/// wrong second factor alike.
pub const LOGIN_REFUSED: &str = "account or password is wrong";

pub(crate) fn timestamp(unix_seconds: i64) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: unix_seconds,
        nanos: 0,
    }
}

/// Roles an account's tokens carry.
pub(crate) fn roles_of(account: &AccountRow) -> Vec<Role> {
    account
        .roles
        .iter()
        .filter_map(|role| Role::parse(role))
        .collect()
}

/// The agency a token names: platform operators have none.
pub(crate) fn token_agency(account: &AccountRow) -> &str {
    if account.agency == PLATFORM_AGENCY {
        ""
    } else {
        &account.agency
    }
}

impl Identity {
    pub async fn create_captcha(
        &self,
        request: CreateCaptchaRequest,
    ) -> Result<CreateCaptchaResponse, ServiceError> {
        self.portal(&request.agency, &request.portal)?;
        let issued = self
            .captchas
            .issue(&request.pre_session)
            .await
            .map_err(ServiceError::internal)?;
        Ok(CreateCaptchaResponse {
            pre_session: issued.pre_session,
            captcha_id: issued.captcha_id,
            png: issued.png,
            expires_at: Some(timestamp(issued.expires_at)),
        })
    }

    pub async fn login(&self, request: LoginRequest) -> Result<LoginResponse, ServiceError> {
        let portal = self.portal(&request.agency, &request.portal)?.clone();
        if portal.captcha {
            let checked = self
                .captchas
                .check(
                    &request.pre_session,
                    &request.captcha_id,
                    &request.captcha_answer,
                )
                .await
                .map_err(ServiceError::internal)?;
            if let Err(error) = checked {
                let code = match error {
                    CaptchaError::Missing => "required",
                    CaptchaError::ExpiredOrUsed => "expired",
                    CaptchaError::Wrong => "wrong",
                };
                return Err(ServiceError::invalid(
                    "captcha_answer",
                    code,
                    error.to_string(),
                ));
            }
        }
        let login = LoginName::normalise_attempt(&request.login_name.replace(['(', ')'], ""));
        let source = if request.source_ip.trim().is_empty() {
            "unknown"
        } else {
            request.source_ip.trim()
        };
        let ticket = match self
            .throttle
            .attempt(&portal.agency, &portal.code, &login, source)
            .await?
        {
            Ok(ticket) => ticket,
            Err(refusal) => return Err(ServiceError::ResourceExhausted(refusal.message())),
        };
        let refused = || ServiceError::Unauthenticated(LOGIN_REFUSED.to_owned());
        let account = if login.is_empty() {
            None
        } else {
            accounts::find_by_login(&self.pool, &portal.agency, &portal.code, &login).await?
        };
        let password = if request.password.len() > 1024 {
            ""
        } else {
            request.password.as_str()
        };
        let matched = self
            .hasher
            .verify(password, account.as_ref().map(|a| a.password_hash.as_str()))
            .await?;
        let Some(account) = account.filter(|_| matched) else {
            return Err(refused());
        };
        if account.status == "pending" {
            return Err(ServiceError::FailedPrecondition(
                "the account is not activated yet".to_owned(),
            ));
        }
        if !account.is_active() {
            return Err(refused());
        }
        let second_factor = if portal.staff {
            match &account.totp_secret {
                Some(secret) if account.totp_confirmed => {
                    let step = crate::totp::matching_step(
                        secret,
                        &request.totp_code,
                        chrono::Utc::now().timestamp(),
                    );
                    match step {
                        Some(step)
                            if accounts::accept_totp_step(&self.pool, account.id, step, false)
                                .await? =>
                        {
                            true
                        }
                        _ => return Err(refused()),
                    }
                }
                // Not enrolled yet: a session that can only enrol.
                _ => false,
            }
        } else {
            true
        };
        self.throttle
            .succeeded(&portal.agency, &portal.code, &login, source, &ticket)
            .await?;
        self.captchas
            .end_pre_session(&request.pre_session)
            .await
            .map_err(ServiceError::internal)?;
        let account_id = account.id.to_string();
        let (token, record) = self
            .sessions
            .create(&NewSession {
                account_id: &account_id,
                agency: &account.agency,
                portal: &account.portal,
                source_ip: source,
                user_agent: &request.user_agent,
                second_factor,
            })
            .await?;
        Ok(LoginResponse {
            session_token: token,
            idle_expires_at: Some(timestamp(record.idle_expires_at)),
            absolute_expires_at: Some(timestamp(record.absolute_expires_at)),
        })
    }

    pub async fn exchange_session(
        &self,
        request: ExchangeSessionRequest,
    ) -> Result<ExchangeSessionResponse, ServiceError> {
        let refused =
            || ServiceError::Unauthenticated("the session has ended; sign in again".to_owned());
        let record = self
            .sessions
            .validate(&request.session_token)
            .await?
            .ok_or_else(refused)?;
        let account_id = uuid::Uuid::parse_str(&record.account_id).map_err(|_| refused())?;
        let account = accounts::find_by_id(&self.pool, account_id)
            .await?
            .ok_or_else(refused)?;
        if !account.is_active()
            || account.agency != record.agency
            || account.portal != record.portal
        {
            return Err(refused());
        }
        if account.is_staff() && !record.second_factor {
            return Err(ServiceError::FailedPrecondition(
                "a second factor is required: enrol TOTP with this session first".to_owned(),
            ));
        }
        // Roles are read now, so a role change applies from the next exchange.
        let roles = roles_of(&account);
        let (internal_token, expires_at) = self
            .keys
            .mint(
                &account_id.to_string(),
                token_agency(&account),
                &account.portal,
                &roles,
                &record.session_id,
            )
            .map_err(ServiceError::internal)?;
        Ok(ExchangeSessionResponse {
            internal_token,
            expires_at: Some(timestamp(expires_at)),
        })
    }

    pub fn signing_keys(&self, _request: GetSigningKeysRequest) -> GetSigningKeysResponse {
        GetSigningKeysResponse {
            keys: self
                .keys
                .published()
                .into_iter()
                .map(|key| SigningKey {
                    key_id: key.key_id,
                    public_key: key.public_key,
                    not_after: key.not_after.map(|at| timestamp(at.timestamp())),
                })
                .collect(),
        }
    }

    pub async fn logout(
        &self,
        caller: &Caller,
        request: LogoutRequest,
    ) -> Result<LogoutResponse, ServiceError> {
        let principal = self.authorize(caller).await?;
        if request.everywhere {
            self.sessions.revoke_all(&principal.id()).await?;
        } else {
            self.sessions
                .revoke(&principal.id(), &principal.session_id)
                .await?;
        }
        Ok(LogoutResponse {})
    }

    pub async fn list_sessions(
        &self,
        caller: &Caller,
    ) -> Result<ListSessionsResponse, ServiceError> {
        let principal = self.authorize(caller).await?;
        let sessions = self.sessions.list(&principal.id()).await?;
        Ok(ListSessionsResponse {
            sessions: sessions
                .into_iter()
                .map(|session| Session {
                    current: session.session_id == principal.session_id,
                    session_id: session.session_id,
                    created_at: Some(timestamp(session.created_at)),
                    last_seen_at: Some(timestamp(session.last_seen_at)),
                    source_ip: session.source_ip,
                    user_agent: session.user_agent,
                })
                .collect(),
        })
    }

    pub async fn revoke_session(
        &self,
        caller: &Caller,
        request: RevokeSessionRequest,
    ) -> Result<RevokeSessionResponse, ServiceError> {
        let principal = self.authorize(caller).await?;
        if request.session_id.trim().is_empty() {
            return Err(ServiceError::invalid(
                "session_id",
                "required",
                "the session to revoke",
            ));
        }
        if !self
            .sessions
            .revoke(&principal.id(), request.session_id.trim())
            .await?
        {
            return Err(ServiceError::NotFound("session"));
        }
        Ok(RevokeSessionResponse {})
    }
}
