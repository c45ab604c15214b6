//! Registration, activation, and SMS codes for mobile numbers.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use laissez_kit::ServiceError;
use laissez_proto::events::v1::{AccountActivated, AccountRegistered, SmsCodeRequested};
use laissez_proto::identity::v1::{
    ActivateRequest, ActivateResponse, RegisterRequest, RegisterResponse, RequestSmsCodeRequest,
    RequestSmsCodeResponse,
};

use super::{Identity, answer_no_sooner, language};
use crate::domain::contact::PhoneNumber;
use crate::domain::login_name::LoginName;
use crate::domain::policy::{Activation, FieldKind, RegistrationPolicy};
use crate::domain::registration::{RegistrationForm, RegistrationInput, validate_registration};
use crate::events::publish;
use crate::redis::sms::SmsCodeError;
use crate::store::accounts::{self, AccountStatus, NewAccount};
use crate::store::one_time_tokens::{self, Purpose};
use crate::store::person_records;

/// The one answer to every accepted registration, new login name or not.
pub const REGISTERED_MESSAGE: &str =
    "registration received: follow the instructions sent to you to activate the account";
pub const SMS_PURPOSE_REGISTRATION: &str = "registration";

/// Whether the agency's record agrees with every field both carry.
fn record_matches(record: &BTreeMap<String, String>, form: &RegistrationForm) -> bool {
    record
        .iter()
        .all(|(code, expected)| match form.fields.get(code) {
            Some(given) => given.trim().eq_ignore_ascii_case(expected.trim()),
            None => true,
        })
}

impl Identity {
    pub async fn register(
        &self,
        request: RegisterRequest,
    ) -> Result<RegisterResponse, ServiceError> {
        let started = Instant::now();
        let portal = self.portal(&request.agency, &request.portal)?.clone();
        let Some(policy) = portal.registration.as_ref() else {
            return Err(ServiceError::FailedPrecondition(
                "this portal has no self-registration".to_owned(),
            ));
        };
        let input = RegistrationInput {
            login_name: &request.login_name,
            password: &request.password,
            password_confirmation: &request.password_confirmation,
            fields: &request.fields,
            language: language(request.language),
        };
        let form =
            validate_registration(&portal, policy, self.settings.password_min_length, &input)
                .map_err(ServiceError::InvalidArgument)?;

        if policy.match_person_records {
            let record = match &form.match_key {
                Some(key) => {
                    person_records::find(&self.pool, &portal.agency, &portal.code, key).await?
                }
                None => None,
            };
            if !record.is_some_and(|record| record_matches(&record, &form)) {
                return Err(ServiceError::FailedPrecondition(
                    policy
                        .no_match_message
                        .get(language(request.language))
                        .to_owned(),
                ));
            }
        }
        let sms_verified = self
            .check_registration_sms(&portal.agency, &portal.code, policy, &form)
            .await?;

        // Hash before knowing whether the name is taken: both paths cost the same.
        let password_hash = self.hasher.hash(&form.password).await?;
        if policy.match_person_records
            && let (Some(field), Some(key)) = (policy.match_field(), &form.match_key)
            && accounts::field_taken(&self.pool, &portal.agency, &portal.code, &field.code, key)
                .await?
        {
            // One account per person: answered like any registration.
            answer_no_sooner(
                started,
                Duration::from_millis(self.settings.uniform_response_ms),
            )
            .await;
            return Ok(RegisterResponse {
                message: REGISTERED_MESSAGE.to_owned(),
            });
        }
        let status = match (policy.activation, sms_verified) {
            (Activation::None, _) | (Activation::Sms, true) => AccountStatus::Active,
            _ => AccountStatus::Pending,
        };
        let mut transaction = self.pool.begin().await?;
        let inserted = accounts::insert_if_absent(
            &mut transaction,
            NewAccount {
                agency: &portal.agency,
                portal: &portal.code,
                login_name: form.login_name.as_str(),
                password_hash: &password_hash,
                status,
                staff: false,
                roles: vec!["applicant".to_owned()],
                email: form.email.as_ref().map(|e| e.as_str()).unwrap_or(""),
                mobile: form.mobile.as_ref().map(PhoneNumber::as_str).unwrap_or(""),
                display_name: &form.display_name,
                fields: form.fields.clone(),
                language: request.language,
            },
        )
        .await?;
        let mut event = AccountRegistered {
            portal: portal.code.clone(),
            login_name: form.login_name.as_str().to_owned(),
            language: request.language,
            display_name: form.display_name.clone(),
            ..AccountRegistered::default()
        };
        match inserted {
            Some(account_id) => {
                let id = account_id.to_string();
                event.account_id = id.clone();
                event.email = form
                    .email
                    .as_ref()
                    .map(|e| e.as_str().to_owned())
                    .unwrap_or_default();
                event.mobile = form
                    .mobile
                    .as_ref()
                    .map(|m| m.as_str().to_owned())
                    .unwrap_or_default();
                // An SMS portal whose registrant gave an address and no
                // mobile number activates by the e-mailed link instead.
                let by_email = policy.activation == Activation::Email
                    || (policy.activation == Activation::Sms
                        && form.mobile.is_none()
                        && form.email.is_some());
                if by_email {
                    let token = one_time_tokens::create(
                        &mut transaction,
                        account_id,
                        Purpose::Activation,
                        self.settings.activation_link_minutes,
                    )
                    .await?;
                    event.activation_channel = "email".to_owned();
                    event.activation_url = format!(
                        "{}/activate?agency={}&portal={}&token={token}",
                        self.settings.public_base_url.trim_end_matches('/'),
                        portal.agency,
                        portal.code
                    );
                } else if policy.activation == Activation::Sms {
                    event.activation_channel = "sms".to_owned();
                } else {
                    event.activation_channel = "none".to_owned();
                }
                publish(&mut transaction, &portal.agency, &id, &event).await?;
                if status == AccountStatus::Active {
                    publish(
                        &mut transaction,
                        &portal.agency,
                        &id,
                        &AccountActivated {
                            account_id: id.clone(),
                            portal: portal.code.clone(),
                        },
                    )
                    .await?;
                } else if policy.activation == Activation::Sms
                    && let Some(mobile) = &form.mobile
                {
                    self.send_sms_code(
                        &mut transaction,
                        &portal.agency,
                        &portal.code,
                        &id,
                        mobile.as_str(),
                        request.language,
                    )
                    .await?;
                }
            }
            None => {
                // Tell the owner instead; the registrant gets the same answer.
                if let Some(existing) = accounts::find_by_login(
                    &self.pool,
                    &portal.agency,
                    &portal.code,
                    form.login_name.as_str(),
                )
                .await?
                {
                    event.account_id = existing.id.to_string();
                    event.email = existing.email.clone();
                    event.mobile = existing.mobile.clone();
                    event.display_name = existing.display_name.clone();
                    event.already_registered = true;
                    publish(
                        &mut transaction,
                        &portal.agency,
                        &existing.id.to_string(),
                        &event,
                    )
                    .await?;
                }
            }
        }
        transaction.commit().await?;
        answer_no_sooner(
            started,
            Duration::from_millis(self.settings.uniform_response_ms),
        )
        .await;
        Ok(RegisterResponse {
            message: REGISTERED_MESSAGE.to_owned(),
        })
    }

    /// For SMS portals whose form carries the code: the code must be right.
    async fn check_registration_sms(
        &self,
        agency: &str,
        portal: &str,
        policy: &RegistrationPolicy,
        form: &RegistrationForm,
    ) -> Result<bool, ServiceError> {
        let (Some(code), Some(mobile)) = (&form.sms_code, &form.mobile) else {
            return Ok(false);
        };
        if policy.activation != Activation::Sms {
            return Ok(false);
        }
        match self
            .sms
            .verify(
                agency,
                portal,
                mobile.as_str(),
                SMS_PURPOSE_REGISTRATION,
                code,
            )
            .await?
        {
            Ok(()) => Ok(true),
            Err(SmsCodeError::WrongOrExpired) => Err(ServiceError::invalid(
                format!(
                    "fields.{}",
                    policy.sms_code_field.as_deref().unwrap_or_default()
                ),
                "wrong_or_expired",
                "the SMS code is wrong or has expired; ask for a new one",
            )),
        }
    }

    /// Issues a code (unless throttled) and publishes it for notify.
    async fn send_sms_code(
        &self,
        connection: &mut sqlx::PgConnection,
        agency: &str,
        portal: &str,
        account_id: &str,
        mobile: &str,
        language: i32,
    ) -> Result<(), ServiceError> {
        if let Some(code) = self
            .sms
            .issue(agency, portal, mobile, SMS_PURPOSE_REGISTRATION)
            .await?
        {
            let event = SmsCodeRequested {
                account_id: account_id.to_owned(),
                mobile: mobile.to_owned(),
                code,
                purpose: SMS_PURPOSE_REGISTRATION.to_owned(),
                expires_in_minutes: u32::try_from(self.sms.settings().code_seconds / 60)
                    .unwrap_or(10),
                language,
            };
            let aggregate = if account_id.is_empty() {
                format!("mobile:{}", crate::redis::sha256_hex(mobile))
            } else {
                account_id.to_owned()
            };
            publish(connection, agency, &aggregate, &event).await?;
        }
        Ok(())
    }

    pub async fn request_sms_code(
        &self,
        request: RequestSmsCodeRequest,
    ) -> Result<RequestSmsCodeResponse, ServiceError> {
        let portal = self.portal(&request.agency, &request.portal)?.clone();
        let policy = portal
            .registration
            .as_ref()
            .filter(|policy| policy.activation == Activation::Sms)
            .ok_or_else(|| {
                ServiceError::FailedPrecondition("this portal does not use SMS codes".to_owned())
            })?;
        if request.purpose != SMS_PURPOSE_REGISTRATION {
            return Err(ServiceError::invalid(
                "purpose",
                "unknown_purpose",
                "only \"registration\"",
            ));
        }
        let regions = policy
            .fields
            .iter()
            .find_map(|field| match &field.kind {
                FieldKind::Phone(regions) if !regions.is_empty() => Some(regions.clone()),
                _ => None,
            })
            .unwrap_or_else(|| policy.phone_regions.clone());
        let mobile = PhoneNumber::parse(&request.mobile, &regions)
            .map_err(|error| ServiceError::invalid("mobile", error.code(), error.message()))?;
        if !mobile.is_mobile() {
            return Err(ServiceError::invalid(
                "mobile",
                "not_mobile",
                "a mobile number is needed",
            ));
        }
        let source = if request.source_ip.is_empty() {
            "unknown"
        } else {
            &request.source_ip
        };
        if !self
            .throttle
            .within_hourly_limit(
                "sms-source",
                source,
                self.settings.throttle.source_requests_per_hour,
            )
            .await?
        {
            return Err(ServiceError::ResourceExhausted(
                "too many requests from this address".to_owned(),
            ));
        }
        let mut transaction = self.pool.begin().await?;
        self.send_sms_code(
            &mut transaction,
            &portal.agency,
            &portal.code,
            "",
            mobile.as_str(),
            request.language,
        )
        .await?;
        transaction.commit().await?;
        Ok(RequestSmsCodeResponse {})
    }

    pub async fn activate(
        &self,
        request: ActivateRequest,
    ) -> Result<ActivateResponse, ServiceError> {
        let portal = self.portal(&request.agency, &request.portal)?.clone();
        let refused = || {
            ServiceError::FailedPrecondition(
                "the activation link or code is invalid or has expired".to_owned(),
            )
        };
        let mut transaction = self.pool.begin().await?;
        let account_id = if !request.token.is_empty() {
            one_time_tokens::consume(&mut transaction, &request.token, Purpose::Activation)
                .await?
                .ok_or_else(refused)?
        } else if !request.sms_code.is_empty() {
            let login = LoginName::normalise_attempt(&request.login_name);
            let account =
                accounts::find_by_login(&self.pool, &portal.agency, &portal.code, &login).await?;
            let account = account
                .filter(|a| a.status == AccountStatus::Pending.as_str() && !a.mobile.is_empty());
            let mobile = account
                .as_ref()
                .map(|a| a.mobile.clone())
                .unwrap_or_default();
            let verdict = self
                .sms
                .verify(
                    &portal.agency,
                    &portal.code,
                    &mobile,
                    SMS_PURPOSE_REGISTRATION,
                    &request.sms_code,
                )
                .await?;
            match (account, verdict) {
                (Some(account), Ok(())) => account.id,
                _ => return Err(refused()),
            }
        } else {
            return Err(ServiceError::invalid(
                "token",
                "required",
                "an activation token or an SMS code is required",
            ));
        };
        let account = accounts::lock_by_id(&mut transaction, account_id)
            .await?
            .ok_or_else(refused)?;
        if account.agency != portal.agency || account.portal != portal.code {
            return Err(refused());
        }
        if accounts::activate_pending(&mut transaction, account_id).await? {
            let id = account_id.to_string();
            publish(
                &mut transaction,
                &account.agency,
                &id,
                &AccountActivated {
                    account_id: id.clone(),
                    portal: account.portal.clone(),
                },
            )
            .await?;
        }
        transaction.commit().await?;
        Ok(ActivateResponse {})
    }
}
