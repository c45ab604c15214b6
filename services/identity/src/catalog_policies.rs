//! Reads the agency catalogs through the catalog crate and maps each portal's
//! registration policy into identity's own domain types.

use std::path::Path;

use laissez_catalog::format as catalog;

use crate::domain::documents::DocumentKind;
use crate::domain::password::PasswordRules;
use crate::domain::policy::{
    Activation, AgencyDirectory, FieldCheck, FieldKind, FieldRule, LocalText, LoginIdentifier,
    PortalPolicy, RegistrationPolicy,
};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("reading the catalog folder {path}: {source}")]
    Folder {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("agency catalog {path} is invalid: {errors}")]
    Catalog {
        path: String,
        errors: laissez_catalog::LoadErrors,
    },
    #[error("agency {agency}, portal {portal}: {message}")]
    Policy {
        agency: String,
        portal: String,
        message: String,
    },
}

/// Loads every agency folder under `dir`.
pub fn load_directory(dir: &Path) -> Result<AgencyDirectory, Error> {
    Ok(AgencyDirectory::new(load_portals(dir)?))
}

/// The portals of every agency folder under `dir`.
pub fn load_portals(dir: &Path) -> Result<Vec<PortalPolicy>, Error> {
    let entries = std::fs::read_dir(dir).map_err(|source| Error::Folder {
        path: dir.display().to_string(),
        source,
    })?;
    let mut folders = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|source| Error::Folder {
                path: dir.display().to_string(),
                source,
            })?
            .path();
        if path.join("agency.yaml").is_file() {
            folders.push(path);
        }
    }
    folders.sort();
    let mut portals = Vec::new();
    for folder in folders {
        let loaded = laissez_catalog::load_dir(&folder).map_err(|errors| Error::Catalog {
            path: folder.display().to_string(),
            errors,
        })?;
        portals.extend(portals_of(&loaded)?);
    }
    Ok(portals)
}

/// The portals one catalog declares, as identity sees them.
pub fn portals_of(catalog: &catalog::Catalog) -> Result<Vec<PortalPolicy>, Error> {
    let agency = &catalog.agency.code;
    catalog
        .portals
        .iter()
        .map(|portal| {
            let fail = |message: String| Error::Policy {
                agency: agency.clone(),
                portal: portal.code.clone(),
                message,
            };
            let registration = registration_policy(catalog, &portal.registration).map_err(fail)?;
            let login_with = if portal.login_with == "login_name" {
                LoginIdentifier::ChosenName
            } else if registration.field(&portal.login_with).is_some() {
                LoginIdentifier::Field(portal.login_with.clone())
            } else {
                return Err(Error::Policy {
                    agency: agency.clone(),
                    portal: portal.code.clone(),
                    message: format!(
                        "login_with names no registration field: {}",
                        portal.login_with
                    ),
                });
            };
            Ok(PortalPolicy {
                agency: agency.clone(),
                code: portal.code.clone(),
                login_with,
                captcha: portal.captcha,
                staff: false,
                registration: Some(registration),
            })
        })
        .collect()
}

fn local_text(text: &catalog::LocalizedText) -> LocalText {
    LocalText {
        zh_hant: text.zh_hant.clone(),
        zh_hans: text.zh_hans.clone(),
        en: text.en.clone(),
    }
}

fn registration_policy(
    catalog: &catalog::Catalog,
    policy: &catalog::RegistrationPolicy,
) -> Result<RegistrationPolicy, String> {
    let fields = policy
        .fields
        .iter()
        .map(|field| field_rule(catalog, field))
        .collect::<Result<Vec<_>, _>>()?;
    let rules = &policy.password;
    Ok(RegistrationPolicy {
        fields,
        phone_regions: policy.phone_regions.clone(),
        forbidden_email_domains: policy.forbidden_email_domains.clone(),
        password: PasswordRules {
            min_length: rules.min_length as usize,
            require_lowercase: rules.require_lowercase,
            require_uppercase: rules.require_uppercase,
            require_digit: rules.require_digit,
            confirm_twice: rules.confirm_twice,
            ..PasswordRules::default()
        },
        match_person_records: policy.match_person_records,
        no_match_message: policy
            .no_match_message
            .as_ref()
            .map(local_text)
            .unwrap_or_else(|| LocalText::plain("no matching person in the agency's records")),
        activation: match policy.activation {
            catalog::Activation::Email => Activation::Email,
            catalog::Activation::Sms => Activation::Sms,
            catalog::Activation::None => Activation::None,
        },
        sms_code_field: policy.sms_code_field.clone(),
        consents: policy
            .consents
            .iter()
            .map(|consent| consent.code.clone())
            .collect(),
        lists: laissez_catalog::rules::list_codes(&catalog.code_lists),
    })
}

fn field_rule(catalog: &catalog::Catalog, field: &catalog::FormField) -> Result<FieldRule, String> {
    let kind =
        match &field.kind {
            catalog::FieldKind::Date => FieldKind::Date,
            catalog::FieldKind::Choice => {
                let list = field.code_list.as_deref().unwrap_or("");
                let codes = catalog
                    .code_lists
                    .get(list)
                    .ok_or_else(|| format!("field {}: unknown code list {list:?}", field.code))?
                    .iter()
                    .map(|item| item.code.clone())
                    .collect();
                FieldKind::Choice(codes)
            }
            catalog::FieldKind::IdentityDocumentNumber => {
                let code = field.document_kind.as_deref().unwrap_or("");
                FieldKind::IdentityDocument(DocumentKind::parse(code).ok_or_else(|| {
                    format!("field {}: unknown document kind {code:?}", field.code)
                })?)
            }
            catalog::FieldKind::Phone => FieldKind::Phone(field.phone_regions.clone()),
            catalog::FieldKind::Email => FieldKind::Email,
            catalog::FieldKind::YesNo => FieldKind::YesNo,
            _ => FieldKind::Text,
        };
    Ok(FieldRule {
        code: field.code.clone(),
        kind,
        required: field.required,
        min_length: field.min_length.map(|n| n as usize),
        max_length: field.max_length.map(|n| n as usize),
        pattern: field.pattern.clone(),
        required_when: field.required_when.clone(),
        visible_when: field.visible_when.clone(),
        checks: field
            .checks
            .iter()
            .map(|check| FieldCheck {
                rule: check.rule.clone(),
                message: local_text(&check.message),
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_catalogs_map_into_policies() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/agencies");
        let directory = load_directory(&dir).unwrap();
        let students = directory.portal("tw-nia", "mainland-students").unwrap();
        let registration = students.registration.as_ref().unwrap();
        assert!(students.captcha);
        assert!(registration.match_person_records);
        assert_eq!(registration.activation, Activation::Email);
        assert_eq!(registration.no_match_message.zh_hant, "查無此學生資料");
        assert_eq!(registration.password.min_length, 8);
        let fujian = directory.portal("fj-exit-entry", "nia-app").unwrap();
        assert_eq!(
            fujian.login_with,
            LoginIdentifier::Field("document_number".into())
        );
        assert_eq!(
            fujian.registration.as_ref().unwrap().activation,
            Activation::Sms
        );
        assert!(directory.portal("tw-nia", "staff").unwrap().staff);
        assert!(directory.portal("platform", "staff").is_some());
        assert!(directory.portal("tw-nia", "nope").is_none());
    }
}
