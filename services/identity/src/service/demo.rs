//! Demo people for a development stack (`demo.dir`, see
//! `laissez_catalog::demo`): staff with an authenticator already enrolled,
//! active applicant accounts and the agencies' person records. Accounts
//! that exist are left as they are, so a restart changes nothing; every
//! applicant's fields pass the same checks as a registration on its portal.

use laissez_catalog::demo::{DemoAgency, DemoApplicant, DemoStaff};
use laissez_kit::{Role, ServiceError};
use laissez_proto::common::v1::Language;

use super::Identity;
use crate::domain::login_name::LoginName;
use crate::domain::password::Password;
use crate::domain::policy::{PLATFORM_AGENCY, STAFF_PORTAL};
use crate::domain::registration::{RegistrationInput, validate_registration};
use crate::store::accounts::{self, AccountStatus, NewAccount};
use crate::store::person_records;

/// What one load created (accounts that existed are not counted).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DemoLoaded {
    pub staff: usize,
    pub applicants: usize,
    pub person_records: usize,
}

fn invalid(agency: &str, what: &str, message: impl std::fmt::Display) -> ServiceError {
    ServiceError::FailedPrecondition(format!("demo data of {agency}: {what}: {message}"))
}

impl Identity {
    /// Loads one agency's demo people.
    pub async fn load_demo(&self, demo: &DemoAgency) -> Result<DemoLoaded, ServiceError> {
        let agency = demo.agency.as_str();
        if agency != PLATFORM_AGENCY && !self.directory.has_agency(agency) {
            return Err(invalid(agency, "agency", "no such agency in the catalogs"));
        }
        let password = Password::new(&demo.password);
        let hash = self.hasher.hash(&password).await?;
        let mut loaded = DemoLoaded::default();
        let mut transaction = self.pool.begin().await?;
        for record in &demo.person_records {
            let portal = self.portal(agency, &record.portal)?;
            let Some(field) = portal
                .registration
                .as_ref()
                .and_then(|policy| policy.match_field())
            else {
                return Err(invalid(
                    agency,
                    &record.portal,
                    "the portal matches no records",
                ));
            };
            let Some(key) = record.fields.get(&field.code) else {
                return Err(invalid(
                    agency,
                    "person_records",
                    format!("no {}", field.code),
                ));
            };
            person_records::upsert(
                &mut transaction,
                agency,
                &record.portal,
                key,
                &record.fields,
            )
            .await?;
            loaded.person_records += 1;
        }
        for staff in &demo.staff {
            if self
                .insert_demo_staff(&mut transaction, agency, staff, &hash)
                .await?
            {
                loaded.staff += 1;
            }
        }
        for applicant in &demo.applicants {
            if self
                .insert_demo_applicant(&mut transaction, demo, applicant, &hash)
                .await?
            {
                loaded.applicants += 1;
            }
        }
        transaction.commit().await?;
        Ok(loaded)
    }

    async fn insert_demo_staff(
        &self,
        connection: &mut sqlx::PgConnection,
        agency: &str,
        staff: &DemoStaff,
        hash: &str,
    ) -> Result<bool, ServiceError> {
        let login = LoginName::parse(&staff.login_name)
            .map_err(|error| invalid(agency, &staff.login_name, error.message()))?;
        for role in &staff.roles {
            let allowed = match Role::parse(role) {
                Some(Role::PlatformOperator) => agency == PLATFORM_AGENCY,
                Some(Role::Applicant) | None => false,
                Some(_) => agency != PLATFORM_AGENCY,
            };
            if !allowed {
                return Err(invalid(agency, &staff.login_name, format!("role {role:?}")));
            }
        }
        let secret = crate::totp::from_base32(&staff.totp_secret)
            .filter(|secret| secret.len() >= 10)
            .ok_or_else(|| {
                invalid(
                    agency,
                    &staff.login_name,
                    "totp_secret is not base32 of 10 bytes or more",
                )
            })?;
        let inserted = accounts::insert_if_absent(
            connection,
            NewAccount {
                agency,
                portal: STAFF_PORTAL,
                login_name: login.as_str(),
                password_hash: hash,
                status: AccountStatus::Active,
                staff: true,
                roles: staff.roles.clone(),
                email: &staff.email,
                mobile: "",
                display_name: &staff.display_name,
                fields: Default::default(),
                language: 0,
            },
        )
        .await?;
        let Some(id) = inserted else {
            return Ok(false);
        };
        accounts::set_enrolled_totp(connection, id, &secret).await?;
        Ok(true)
    }

    async fn insert_demo_applicant(
        &self,
        connection: &mut sqlx::PgConnection,
        demo: &DemoAgency,
        applicant: &DemoApplicant,
        hash: &str,
    ) -> Result<bool, ServiceError> {
        let agency = demo.agency.as_str();
        let portal = self.portal(agency, &applicant.portal)?;
        let Some(policy) = portal.registration.as_ref() else {
            return Err(invalid(
                agency,
                &applicant.portal,
                "the portal has no registration",
            ));
        };
        let fields = applicant.fields.clone().into_iter().collect();
        let input = RegistrationInput {
            login_name: &applicant.login_name,
            password: &demo.password,
            password_confirmation: &demo.password,
            fields: &fields,
            language: laissez_catalog::format::Language::En,
        };
        let form = validate_registration(portal, policy, self.settings.password_min_length, &input)
            .map_err(|errors| {
                let named: Vec<String> = errors
                    .iter()
                    .map(|error| format!("{} ({})", error.field, error.message))
                    .collect();
                invalid(agency, &applicant.login_name, named.join(", "))
            })?;
        let language = match applicant.language.as_str() {
            "zh-Hant" => Language::ZhHant,
            "zh-Hans" => Language::ZhHans,
            "en" => Language::En,
            other => {
                return Err(invalid(
                    agency,
                    &applicant.login_name,
                    format!("language {other:?}"),
                ));
            }
        };
        let inserted = accounts::insert_if_absent(
            connection,
            NewAccount {
                agency,
                portal: &applicant.portal,
                login_name: form.login_name.as_str(),
                password_hash: hash,
                status: AccountStatus::Active,
                staff: false,
                roles: vec![Role::Applicant.as_str().to_owned()],
                email: form
                    .email
                    .as_ref()
                    .map(|email| email.as_str())
                    .unwrap_or(""),
                mobile: form
                    .mobile
                    .as_ref()
                    .map(|mobile| mobile.as_str())
                    .unwrap_or(""),
                display_name: &form.display_name,
                fields: form.fields,
                language: language as i32,
            },
        )
        .await?;
        Ok(inserted.is_some())
    }
}
