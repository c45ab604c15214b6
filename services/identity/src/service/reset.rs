//! Forgotten and changed passwords. A reset goes through a single-use,
//! expiring link; any new password ends every session of the account.

use std::time::{Duration, Instant};

use laissez_kit::ServiceError;
use laissez_kit::auth::Caller;
use laissez_proto::events::v1::PasswordResetRequested;
use laissez_proto::identity::v1::{
    ChangePasswordRequest, ChangePasswordResponse, RequestPasswordResetRequest,
    RequestPasswordResetResponse, ResetPasswordRequest, ResetPasswordResponse,
};

use super::{Identity, answer_no_sooner};
use crate::domain::login_name::LoginName;
use crate::domain::password::{Password, PasswordRules};
use crate::events::publish;
use crate::store::accounts::{self, AccountRow};
use crate::store::audit::{self, AuditEntry};
use crate::store::one_time_tokens::{self, Purpose};

impl Identity {
    /// Always the same empty answer after the same time, known account or not.
    pub async fn request_password_reset(
        &self,
        request: RequestPasswordResetRequest,
    ) -> Result<RequestPasswordResetResponse, ServiceError> {
        let started = Instant::now();
        let portal = self.portal(&request.agency, &request.portal)?.clone();
        let login = LoginName::normalise_attempt(&request.login_name.replace(['(', ')'], ""));
        if login.is_empty() {
            return Err(ServiceError::invalid(
                "login_name",
                "required",
                "the account's login name",
            ));
        }
        let account =
            accounts::find_by_login(&self.pool, &portal.agency, &portal.code, &login).await?;
        let email_matches = |account: &AccountRow| {
            request.email.trim().is_empty()
                || account.email.eq_ignore_ascii_case(request.email.trim())
        };
        if let Some(account) =
            account.filter(|a| a.is_active() && !a.email.is_empty() && email_matches(a))
        {
            let id = account.id.to_string();
            let within = self
                .throttle
                .within_hourly_limit(
                    "reset-account",
                    &id,
                    self.settings.throttle.resets_per_account_per_hour,
                )
                .await?;
            if within {
                self.send_reset_link(&account, "reset").await?;
            }
        }
        answer_no_sooner(
            started,
            Duration::from_millis(self.settings.uniform_response_ms),
        )
        .await;
        Ok(RequestPasswordResetResponse {})
    }

    /// Publishes a reset (or staff invitation) link for the account.
    pub(crate) async fn send_reset_link(
        &self,
        account: &AccountRow,
        purpose: &str,
    ) -> Result<(), ServiceError> {
        let mut transaction = self.pool.begin().await?;
        let minutes = if purpose == "reset" {
            self.settings.reset_link_minutes
        } else {
            self.settings.activation_link_minutes
        };
        let token = one_time_tokens::create(
            &mut transaction,
            account.id,
            Purpose::PasswordReset,
            minutes,
        )
        .await?;
        let id = account.id.to_string();
        let event = PasswordResetRequested {
            account_id: id.clone(),
            email: account.email.clone(),
            reset_url: format!(
                "{}/reset-password?agency={}&portal={}&token={token}",
                self.settings.public_base_url.trim_end_matches('/'),
                account.agency,
                account.portal
            ),
            expires_in_minutes: minutes,
            language: account.language,
            purpose: purpose.to_owned(),
        };
        publish(&mut transaction, &account.agency, &id, &event).await?;
        transaction.commit().await?;
        Ok(())
    }

    fn rules_for(&self, account: &AccountRow) -> PasswordRules {
        self.directory
            .portal(&account.agency, &account.portal)
            .and_then(|portal| portal.registration.as_ref())
            .map(|registration| registration.password.clone())
            .unwrap_or_else(|| PasswordRules {
                min_length: 12,
                ..PasswordRules::default()
            })
            .with_floor(self.settings.password_min_length)
    }

    fn check_new_password(
        &self,
        account: &AccountRow,
        password: &str,
        confirmation: &str,
    ) -> Result<(), ServiceError> {
        let email_local = account.email.split('@').next().unwrap_or("");
        let mut errors = self.rules_for(account).check(
            "new_password",
            password,
            Some(confirmation),
            &[account.login_name.as_str(), email_local],
        );
        // A change always asks for the password twice.
        if !errors.iter().any(|e| e.code == "confirmation_differs") && password != confirmation {
            errors.push(laissez_kit::FieldError::new(
                "new_password_confirmation",
                "confirmation_differs",
                "the two passwords differ",
            ));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ServiceError::InvalidArgument(errors))
        }
    }

    /// Stores the new hash, ends every session, clears the login throttle.
    async fn replace_password(
        &self,
        account: &AccountRow,
        password: &str,
        actor: &str,
        action: &str,
    ) -> Result<(), ServiceError> {
        let hash = self.hasher.hash(&Password::new(password)).await?;
        let mut transaction = self.pool.begin().await?;
        accounts::set_password(&mut transaction, account.id, &hash).await?;
        audit::record(
            &mut transaction,
            AuditEntry {
                agency: &account.agency,
                actor,
                subject: &account.id.to_string(),
                action,
                fields: vec!["password".to_owned()],
                detail: serde_json::json!({}),
            },
        )
        .await?;
        transaction.commit().await?;
        self.sessions.revoke_all(&account.id.to_string()).await?;
        self.throttle
            .clear(&account.agency, &account.portal, &account.login_name)
            .await?;
        Ok(())
    }

    pub async fn reset_password(
        &self,
        request: ResetPasswordRequest,
    ) -> Result<ResetPasswordResponse, ServiceError> {
        let refused = || {
            ServiceError::FailedPrecondition("the reset link is invalid or has expired".to_owned())
        };
        let account_id = one_time_tokens::peek(&self.pool, &request.token, Purpose::PasswordReset)
            .await?
            .ok_or_else(refused)?;
        let account = accounts::find_by_id(&self.pool, account_id)
            .await?
            .ok_or_else(refused)?;
        if account.status == "disabled" {
            return Err(refused());
        }
        self.check_new_password(
            &account,
            &request.new_password,
            &request.new_password_confirmation,
        )?;
        let mut transaction = self.pool.begin().await?;
        one_time_tokens::consume(&mut transaction, &request.token, Purpose::PasswordReset)
            .await?
            .ok_or_else(refused)?;
        // Following the emailed link proves the address: a pending account is activated.
        accounts::activate_pending(&mut transaction, account.id).await?;
        transaction.commit().await?;
        self.replace_password(
            &account,
            &request.new_password,
            &account.id.to_string(),
            "password_reset",
        )
        .await?;
        Ok(ResetPasswordResponse {})
    }

    pub async fn change_password(
        &self,
        caller: &Caller,
        request: ChangePasswordRequest,
    ) -> Result<ChangePasswordResponse, ServiceError> {
        let principal = self.authorize(caller).await?;
        let account = principal.account;
        if !self
            .hasher
            .verify(&request.current_password, Some(&account.password_hash))
            .await?
        {
            return Err(ServiceError::invalid(
                "current_password",
                "wrong",
                "the current password is wrong",
            ));
        }
        self.check_new_password(
            &account,
            &request.new_password,
            &request.new_password_confirmation,
        )?;
        if request.new_password == request.current_password {
            return Err(ServiceError::invalid(
                "new_password",
                "unchanged",
                "the new password must differ from the current one",
            ));
        }
        self.replace_password(
            &account,
            &request.new_password,
            &account.id.to_string(),
            "password_changed",
        )
        .await?;
        Ok(ChangePasswordResponse {})
    }
}
