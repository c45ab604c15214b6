//! Profile maintenance: everything but the login name and the password,
//! checked like at registration and audited.

use std::collections::HashMap;

use laissez_kit::ServiceError;
use laissez_kit::auth::Caller;
use laissez_proto::identity::v1::{GetProfileRequest, Profile, UpdateProfileRequest};

use super::Identity;
use crate::domain::contact::{Email, PhoneNumber};
use crate::domain::policy::{FieldKind, LoginIdentifier};
use crate::domain::registration::{check_fields, display_name};
use crate::store::accounts::{self, AccountRow, ProfileUpdate};
use crate::store::audit::{self, AuditEntry};

fn profile_of(account: &AccountRow) -> Profile {
    Profile {
        account_id: account.id.to_string(),
        agency: account.agency.clone(),
        portal: account.portal.clone(),
        login_name: account.login_name.clone(),
        fields: account
            .fields
            .0
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect::<HashMap<_, _>>(),
        language: account.language,
    }
}

impl Identity {
    pub async fn get_profile(
        &self,
        caller: &Caller,
        _request: GetProfileRequest,
    ) -> Result<Profile, ServiceError> {
        let principal = self.authorize(caller).await?;
        Ok(profile_of(&principal.account))
    }

    pub async fn update_profile(
        &self,
        caller: &Caller,
        request: UpdateProfileRequest,
    ) -> Result<Profile, ServiceError> {
        let principal = self.authorize(caller).await?;
        let account = principal.account;
        if laissez_proto::common::v1::Language::try_from(request.language).is_err() {
            return Err(ServiceError::invalid(
                "language",
                "unknown_language",
                "not a known language",
            ));
        }
        let portal = self
            .directory
            .portal(&account.agency, &account.portal)
            .ok_or_else(|| {
                ServiceError::FailedPrecondition("the account's portal no longer exists".to_owned())
            })?;
        let mut changes = std::collections::BTreeMap::new();
        match &portal.registration {
            Some(policy) => {
                let mut read_only: Vec<&str> = policy.reserved_fields();
                read_only.extend(policy.consents.iter().map(String::as_str));
                if let LoginIdentifier::Field(code) = &portal.login_with {
                    read_only.push(code);
                }
                if policy.match_person_records
                    && let Some(field) = policy.match_field()
                {
                    // Matched against the agency's records: changing it would undo the match.
                    read_only.push(&field.code);
                }
                let mut errors = Vec::new();
                changes = check_fields(policy, &request.fields, &read_only, None, &mut errors);
                if !errors.is_empty() {
                    return Err(ServiceError::InvalidArgument(errors));
                }
            }
            None if !request.fields.is_empty() => {
                return Err(ServiceError::invalid(
                    "fields",
                    "read_only",
                    "staff profiles have no editable fields",
                ));
            }
            None => {}
        }
        let mut fields = account.fields.0.clone();
        let mut changed: Vec<String> = Vec::new();
        for (code, value) in changes {
            if fields.get(&code) != Some(&value) {
                changed.push(code.clone());
                if value.is_empty() {
                    fields.remove(&code);
                } else {
                    fields.insert(code, value);
                }
            }
        }
        if request.language != account.language && request.language != 0 {
            changed.push("language".to_owned());
        }
        let language = if request.language == 0 {
            account.language
        } else {
            request.language
        };
        let (email, mobile) = match &portal.registration {
            Some(policy) => {
                let email = policy
                    .fields
                    .iter()
                    .filter(|rule| rule.kind == FieldKind::Email)
                    .find_map(|rule| fields.get(&rule.code))
                    .and_then(|value| Email::parse(value, &[]).ok())
                    .map(|email| email.as_str().to_owned())
                    .unwrap_or_else(|| account.email.clone());
                let mobile = policy
                    .fields
                    .iter()
                    .filter(|rule| matches!(rule.kind, FieldKind::Phone(_)))
                    .filter_map(|rule| fields.get(&rule.code))
                    .filter_map(|value| PhoneNumber::parse(value, &[]).ok())
                    .find(PhoneNumber::is_mobile)
                    .map(|phone| phone.as_str().to_owned())
                    .unwrap_or_else(|| account.mobile.clone());
                (email, mobile)
            }
            None => (account.email.clone(), account.mobile.clone()),
        };
        let display = if account.is_staff() {
            account.display_name.clone()
        } else {
            display_name(&fields, &account.login_name)
        };
        if changed.is_empty() {
            return Ok(profile_of(&account));
        }
        let mut transaction = self.pool.begin().await?;
        accounts::update_profile(
            &mut transaction,
            account.id,
            ProfileUpdate {
                fields: &fields,
                email: &email,
                mobile: &mobile,
                display_name: &display,
                language,
            },
        )
        .await?;
        audit::record(
            &mut transaction,
            AuditEntry {
                agency: &account.agency,
                actor: &account.id.to_string(),
                subject: &account.id.to_string(),
                action: "profile_updated",
                fields: changed,
                detail: serde_json::json!({}),
            },
        )
        .await?;
        transaction.commit().await?;
        let updated = accounts::find_by_id(&self.pool, account.id)
            .await?
            .ok_or(ServiceError::NotFound("account"))?;
        Ok(profile_of(&updated))
    }
}
