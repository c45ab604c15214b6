//! Staff: accounts, roles, TOTP enrolment, disabling accounts, and the
//! agency's person records. Every change is audited.

use std::collections::BTreeMap;

use laissez_kit::auth::Caller;
use laissez_kit::{FieldError, Role, ServiceError};
use laissez_proto::events::v1::StaffRoleChanged;
use laissez_proto::identity::v1::{
    BeginTotpEnrolmentRequest, BeginTotpEnrolmentResponse, ConfirmTotpEnrolmentRequest,
    ConfirmTotpEnrolmentResponse, CreateStaffAccountRequest, CreateStaffAccountResponse,
    DisableAccountRequest, DisableAccountResponse, SetStaffRolesRequest, SetStaffRolesResponse,
};

use super::{Identity, Principal, parse_uuid};
use crate::config::BootstrapOperator;
use crate::domain::contact::Email;
use crate::domain::login_name::LoginName;
use crate::domain::password::Password;
use crate::domain::policy::{PLATFORM_AGENCY, STAFF_PORTAL};
use crate::events::publish;
use crate::store::accounts::{self, AccountRow, AccountStatus, NewAccount};
use crate::store::audit::{self, AuditEntry};

/// What an administrator may do to accounts of `agency`.
fn may_administer(principal: &Principal, agency: &str) -> bool {
    principal.has_role(Role::PlatformOperator)
        || (principal.has_role(Role::AgencyAdmin) && principal.account.agency == agency)
}

/// Roles `principal` may grant on `agency`: operators any (platform_operator
/// only on the platform's own accounts), administrators the agency's roles.
fn check_grantable(
    principal: &Principal,
    agency: &str,
    roles: &[String],
) -> Result<Vec<Role>, ServiceError> {
    let mut parsed = Vec::new();
    let mut errors = Vec::new();
    for (index, text) in roles.iter().enumerate() {
        let field = format!("roles[{index}]");
        match Role::parse(text.trim()) {
            None | Some(Role::Applicant) => {
                errors.push(FieldError::new(field, "unknown_role", "not a staff role"))
            }
            Some(Role::PlatformOperator)
                if agency != PLATFORM_AGENCY || !principal.has_role(Role::PlatformOperator) =>
            {
                errors.push(FieldError::new(
                    field,
                    "not_grantable",
                    "only platform operators make platform operators",
                ))
            }
            Some(role) if agency == PLATFORM_AGENCY && role != Role::PlatformOperator => errors
                .push(FieldError::new(
                    field,
                    "not_grantable",
                    "platform accounts only hold platform_operator",
                )),
            Some(role) => {
                if !parsed.contains(&role) {
                    parsed.push(role);
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(parsed)
    } else {
        Err(ServiceError::InvalidArgument(errors))
    }
}

fn role_names(roles: &[Role]) -> Vec<String> {
    roles.iter().map(|role| role.as_str().to_owned()).collect()
}

impl Identity {
    pub async fn create_staff_account(
        &self,
        caller: &Caller,
        request: CreateStaffAccountRequest,
    ) -> Result<CreateStaffAccountResponse, ServiceError> {
        let principal = self.authorize(caller).await?;
        let agency = if request.agency.trim().is_empty() {
            principal.account.agency.clone()
        } else {
            request.agency.trim().to_owned()
        };
        if !may_administer(&principal, &agency) {
            return Err(ServiceError::PermissionDenied(
                "only the agency's administrators or platform operators create staff".to_owned(),
            ));
        }
        if !self.directory.has_agency(&agency) {
            return Err(ServiceError::invalid(
                "agency",
                "unknown_agency",
                "no such agency",
            ));
        }
        let mut errors = Vec::new();
        let login = LoginName::parse(&request.login_name)
            .map_err(|error| {
                errors.push(FieldError::new("login_name", error.code(), error.message()))
            })
            .ok();
        let email = Email::parse(&request.email, &[])
            .map_err(|error| errors.push(FieldError::new("email", error.code(), error.message())))
            .ok();
        let display_name = request.display_name.trim();
        if display_name.is_empty() || display_name.chars().count() > 100 {
            errors.push(FieldError::new(
                "display_name",
                "required",
                "a name of at most 100 characters",
            ));
        }
        let roles = match check_grantable(&principal, &agency, &request.roles) {
            Ok(roles) => roles,
            Err(ServiceError::InvalidArgument(role_errors)) => {
                errors.extend(role_errors);
                Vec::new()
            }
            Err(other) => return Err(other),
        };
        let (Some(login), Some(email)) = (login, email) else {
            return Err(ServiceError::InvalidArgument(errors));
        };
        if !errors.is_empty() {
            return Err(ServiceError::InvalidArgument(errors));
        }
        // Nobody knows this password: the invitation link sets the first one.
        let unusable = self
            .hasher
            .hash(&Password::new(crate::redis::random_token()))
            .await?;
        let mut transaction = self.pool.begin().await?;
        let id = accounts::insert_if_absent(
            &mut transaction,
            NewAccount {
                agency: &agency,
                portal: STAFF_PORTAL,
                login_name: login.as_str(),
                password_hash: &unusable,
                status: AccountStatus::Active,
                staff: true,
                roles: role_names(&roles),
                email: email.as_str(),
                mobile: "",
                display_name,
                fields: BTreeMap::new(),
                language: 0,
            },
        )
        .await?
        .ok_or_else(|| {
            ServiceError::AlreadyExists("a staff account with this login name exists".to_owned())
        })?;
        audit::record(
            &mut transaction,
            AuditEntry {
                agency: &agency,
                actor: &principal.id(),
                subject: &id.to_string(),
                action: "staff_created",
                fields: vec!["roles".to_owned()],
                detail: serde_json::json!({ "roles": role_names(&roles) }),
            },
        )
        .await?;
        publish(
            &mut transaction,
            &agency,
            &id.to_string(),
            &StaffRoleChanged {
                account_id: id.to_string(),
                roles: role_names(&roles),
                changed_by: principal.id(),
            },
        )
        .await?;
        transaction.commit().await?;
        if let Some(account) = accounts::find_by_id(&self.pool, id).await? {
            self.send_reset_link(&account, "staff_invitation").await?;
        }
        Ok(CreateStaffAccountResponse {
            account_id: id.to_string(),
        })
    }

    pub async fn set_staff_roles(
        &self,
        caller: &Caller,
        request: SetStaffRolesRequest,
    ) -> Result<SetStaffRolesResponse, ServiceError> {
        let principal = self.authorize(caller).await?;
        if !principal.has_role(Role::AgencyAdmin) && !principal.has_role(Role::PlatformOperator) {
            return Err(ServiceError::PermissionDenied(
                "only administrators change roles".to_owned(),
            ));
        }
        let target_id = parse_uuid("account_id", &request.account_id)?;
        let target = accounts::find_by_id(&self.pool, target_id).await?;
        // Another agency's account looks like no account at all.
        let target = target
            .filter(|t| may_administer(&principal, &t.agency))
            .ok_or(ServiceError::NotFound("account"))?;
        if !target.is_staff() {
            return Err(ServiceError::FailedPrecondition(
                "only staff accounts hold roles".to_owned(),
            ));
        }
        if target.id == principal.account.id {
            return Err(ServiceError::FailedPrecondition(
                "nobody changes their own roles".to_owned(),
            ));
        }
        let roles = role_names(&check_grantable(
            &principal,
            &target.agency,
            &request.roles,
        )?);
        let mut transaction = self.pool.begin().await?;
        accounts::set_roles(&mut transaction, target.id, &roles).await?;
        audit::record(
            &mut transaction,
            AuditEntry {
                agency: &target.agency,
                actor: &principal.id(),
                subject: &target.id.to_string(),
                action: "roles_changed",
                fields: vec!["roles".to_owned()],
                detail: serde_json::json!({ "from": target.roles, "to": roles }),
            },
        )
        .await?;
        publish(
            &mut transaction,
            &target.agency,
            &target.id.to_string(),
            &StaffRoleChanged {
                account_id: target.id.to_string(),
                roles,
                changed_by: principal.id(),
            },
        )
        .await?;
        transaction.commit().await?;
        Ok(SetStaffRolesResponse {})
    }

    pub async fn disable_account(
        &self,
        caller: &Caller,
        request: DisableAccountRequest,
    ) -> Result<DisableAccountResponse, ServiceError> {
        let principal = self.authorize(caller).await?;
        if !principal.has_role(Role::AgencyAdmin) && !principal.has_role(Role::PlatformOperator) {
            return Err(ServiceError::PermissionDenied(
                "only administrators disable accounts".to_owned(),
            ));
        }
        let target_id = parse_uuid("account_id", &request.account_id)?;
        let target = accounts::find_by_id(&self.pool, target_id)
            .await?
            .filter(|t| may_administer(&principal, &t.agency))
            .ok_or(ServiceError::NotFound("account"))?;
        if target.id == principal.account.id {
            return Err(ServiceError::FailedPrecondition(
                "an administrator cannot disable their own account".to_owned(),
            ));
        }
        let mut transaction = self.pool.begin().await?;
        accounts::set_status(&mut transaction, target.id, AccountStatus::Disabled).await?;
        audit::record(
            &mut transaction,
            AuditEntry {
                agency: &target.agency,
                actor: &principal.id(),
                subject: &target.id.to_string(),
                action: "account_disabled",
                fields: vec!["status".to_owned()],
                detail: serde_json::json!({}),
            },
        )
        .await?;
        transaction.commit().await?;
        self.sessions.revoke_all(&target.id.to_string()).await?;
        Ok(DisableAccountResponse {})
    }

    async fn enrolling_account(
        &self,
        session_token: &str,
    ) -> Result<(AccountRow, String), ServiceError> {
        let refused =
            || ServiceError::Unauthenticated("the session has ended; sign in again".to_owned());
        let session = self
            .sessions
            .validate(session_token)
            .await?
            .ok_or_else(refused)?;
        let id = uuid::Uuid::parse_str(&session.account_id).map_err(|_| refused())?;
        let account = accounts::find_by_id(&self.pool, id)
            .await?
            .filter(AccountRow::is_active)
            .ok_or_else(refused)?;
        if !account.is_staff() {
            return Err(ServiceError::FailedPrecondition(
                "only staff accounts use TOTP".to_owned(),
            ));
        }
        if account.totp_confirmed {
            return Err(ServiceError::FailedPrecondition(
                "TOTP is already set up for this account".to_owned(),
            ));
        }
        Ok((account, session.session_id))
    }

    pub async fn begin_totp_enrolment(
        &self,
        request: BeginTotpEnrolmentRequest,
    ) -> Result<BeginTotpEnrolmentResponse, ServiceError> {
        let (account, _) = self.enrolling_account(&request.session_token).await?;
        let secret = crate::totp::new_secret();
        accounts::set_totp_secret(&self.pool, account.id, &secret).await?;
        let label = format!("{}@{}", account.login_name, account.agency);
        Ok(BeginTotpEnrolmentResponse {
            secret: crate::totp::base32(&secret),
            otpauth_url: crate::totp::otpauth_url("Laissez", &label, &secret),
        })
    }

    pub async fn confirm_totp_enrolment(
        &self,
        request: ConfirmTotpEnrolmentRequest,
    ) -> Result<ConfirmTotpEnrolmentResponse, ServiceError> {
        let (account, session_id) = self.enrolling_account(&request.session_token).await?;
        let secret = account.totp_secret.as_ref().ok_or_else(|| {
            ServiceError::FailedPrecondition("begin the TOTP enrolment first".to_owned())
        })?;
        let wrong = || {
            ServiceError::invalid(
                "code",
                "wrong",
                "the code is wrong; check the device's clock",
            )
        };
        let step =
            crate::totp::matching_step(secret, &request.code, chrono::Utc::now().timestamp())
                .ok_or_else(wrong)?;
        if !accounts::accept_totp_step(&self.pool, account.id, step, true).await? {
            return Err(wrong());
        }
        let mut transaction = self.pool.begin().await?;
        audit::record(
            &mut transaction,
            AuditEntry {
                agency: &account.agency,
                actor: &account.id.to_string(),
                subject: &account.id.to_string(),
                action: "totp_enrolled",
                fields: vec!["totp".to_owned()],
                detail: serde_json::json!({}),
            },
        )
        .await?;
        transaction.commit().await?;
        self.sessions.mark_second_factor(&session_id).await?;
        Ok(ConfirmTotpEnrolmentResponse {})
    }
}

/// Creates the configured platform operator when the platform has none.
pub async fn bootstrap_operator(
    identity: &Identity,
    operator: &BootstrapOperator,
) -> Result<(), ServiceError> {
    if accounts::any_operator(&identity.pool).await? {
        return Ok(());
    }
    let login = LoginName::parse(&operator.login_name)
        .map_err(|error| ServiceError::invalid("login_name", error.code(), error.message()))?;
    let password = operator.password.expose();
    if password.chars().count() < 12 {
        return Err(ServiceError::invalid(
            "password",
            "too_short",
            "the bootstrap operator's password needs 12 characters",
        ));
    }
    let hash = identity.hasher.hash(&Password::new(password)).await?;
    let mut transaction = identity.pool.begin().await?;
    accounts::insert_if_absent(
        &mut transaction,
        NewAccount {
            agency: PLATFORM_AGENCY,
            portal: STAFF_PORTAL,
            login_name: login.as_str(),
            password_hash: &hash,
            status: AccountStatus::Active,
            staff: true,
            roles: vec![Role::PlatformOperator.as_str().to_owned()],
            email: &operator.email,
            mobile: "",
            display_name: "platform operator",
            fields: BTreeMap::new(),
            language: 0,
        },
    )
    .await?;
    transaction.commit().await?;
    tracing::info!(
        login_name = login.as_str(),
        "bootstrap platform operator created"
    );
    Ok(())
}
