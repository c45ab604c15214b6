//! Which agency and portal a path names, read from the agency's current
//! catalog (intake's public `GetCurrentCatalog`): their names in each
//! language and how its applicants sign in.

use std::sync::Arc;

use crate::core::catalogs::CatalogError;

use crate::core::Core;
use crate::portal::shell::i18n::Text;

/// An agency's portal as its pages need it.
#[derive(Debug, Clone)]
pub struct Site {
    pub agency: String,
    pub portal: String,
    pub agency_name: Text,
    pub portal_name: Text,
    /// The sign-in form asks for a captcha.
    pub captcha: bool,
    /// `login_name` or `document_number`: what the account field is.
    pub login_with: String,
    /// The agency's whole current catalog, for names and labels.
    pub catalog: std::sync::Arc<serde_json::Value>,
}

impl Site {
    pub fn base_path(&self) -> String {
        format!("/portal/{}/{}/", self.agency, self.portal)
    }

    /// The agency's time zone (IANA name in its catalog), for showing times.
    pub fn time_zone(&self) -> Option<chrono_tz::Tz> {
        self.catalog["agency"]["time_zone"].as_str()?.parse().ok()
    }

    /// The application types applicants of this portal may file.
    pub fn portal_types(&self) -> Vec<&serde_json::Value> {
        self.catalog["application_types"]
            .as_array()
            .map(|types| {
                types
                    .iter()
                    .filter(|candidate| candidate["portal"] == self.portal.as_str())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The registration field the SMS code is typed in, where the portal
    /// declares one (`registration.sms_code_field`).
    pub fn sms_code_field(&self) -> Option<String> {
        self.catalog["portals"]
            .as_array()?
            .iter()
            .find(|portal| portal["code"] == self.portal.as_str())?["registration"]
            ["sms_code_field"]
            .as_str()
            .map(str::to_owned)
    }

    /// The agency refunds a paid fee by itself when a case is not approved
    /// (`fees.yaml` `refund_when_not_approved`).
    pub fn refunds_when_not_approved(&self) -> bool {
        self.catalog["fees"]["refund_when_not_approved"]
            .as_bool()
            .unwrap_or(false)
    }

    /// An application type of the catalog, by its code.
    pub fn application_type(&self, code: &str) -> Option<&serde_json::Value> {
        self.catalog["application_types"]
            .as_array()?
            .iter()
            .find(|candidate| candidate["code"] == code)
    }

    /// An application type's name, or its code when the catalog lacks it.
    pub fn type_name(&self, code: &str) -> Text {
        self.application_type(code)
            .map(|found| Text::from_json(&found["name"]))
            .filter(|name| !name.zh_hant.is_empty() || !name.en.is_empty())
            .unwrap_or_else(|| Text::same(code))
    }

    /// A form field's label in an application type, if the catalog has it.
    pub fn field_label(&self, code: &str, field: &str) -> Option<Text> {
        self.application_type(code)?["form"]
            .as_array()?
            .iter()
            .filter_map(|section| section["fields"].as_array())
            .flatten()
            .find(|candidate| candidate["code"] == field)
            .map(|found| Text::from_json(&found["label"]))
    }

    fn own_portal(&self) -> Option<&serde_json::Value> {
        self.catalog["portals"]
            .as_array()?
            .iter()
            .find(|candidate| candidate["code"] == self.portal.as_str())
    }

    /// The registration (profile) fields of this portal, as the catalog
    /// has them.
    pub fn registration_fields(&self) -> Vec<&serde_json::Value> {
        self.own_portal()
            .and_then(|portal| portal["registration"]["fields"].as_array())
            .map(|fields| fields.iter().collect())
            .unwrap_or_default()
    }

    /// The registration's fields an account may change later: not the
    /// login, the password or the SMS code, and not the identity document
    /// matched against the agency's records.
    pub fn editable_profile_fields(&self) -> Vec<&serde_json::Value> {
        let Some(portal) = self.own_portal() else {
            return Vec::new();
        };
        let matched = portal["registration"]["match_person_records"].as_bool() == Some(true);
        let match_field = self
            .registration_fields()
            .into_iter()
            .find(|field| field["type"] == "identity_document_number")
            .and_then(|field| field["code"].as_str());
        self.registration_fields()
            .into_iter()
            .filter(|field| {
                let code = field["code"].as_str().unwrap_or_default();
                !code.is_empty()
                    && !matches!(code, "login_name" | "password" | "password_confirmation")
                    && Some(code) != self.sms_code_field().as_deref()
                    && code != self.login_with
                    && (!matched || Some(code) != match_field)
            })
            .collect()
    }

    /// A registration (profile) field's label on this portal, if the
    /// catalog has it.
    pub fn registration_label(&self, field: &str) -> Option<Text> {
        self.registration_fields()
            .into_iter()
            .find(|candidate| candidate["code"] == field)
            .map(|found| Text::from_json(&found["label"]))
    }

    /// The delivery options (code, name) an application type offers, as
    /// `fees.yaml` names them, in the type's order.
    pub fn delivery_options(&self, type_code: &str) -> Vec<(String, Text)> {
        let offered = self
            .application_type(type_code)
            .and_then(|kind| kind["delivery_options"].as_array())
            .cloned()
            .unwrap_or_default();
        offered
            .iter()
            .filter_map(|code| {
                let code = code.as_str()?;
                let option = self.catalog["fees"]["delivery_options"]
                    .as_array()?
                    .iter()
                    .find(|option| option["code"] == code)?;
                Some((code.to_owned(), Text::from_json(&option["name"])))
            })
            .collect()
    }

    /// Whether a delivery option is a courier's: its stage (`fees.yaml`) is
    /// the workflow's delivery stage.
    pub fn is_courier_option(&self, code: &str) -> bool {
        self.catalog["fees"]["delivery_options"]
            .as_array()
            .and_then(|options| options.iter().find(|option| option["code"] == code))
            .is_some_and(|option| option["stage"] == "delivery")
    }

    /// Whether any type of this portal offers courier delivery: then its
    /// applicants keep an address book and see their courier orders.
    pub fn offers_courier(&self) -> bool {
        self.portal_types().iter().any(|kind| {
            kind["delivery_options"].as_array().is_some_and(|options| {
                options
                    .iter()
                    .filter_map(serde_json::Value::as_str)
                    .any(|code| self.is_courier_option(code))
            })
        })
    }

    /// Whether a case of `type_code` with these answers goes by courier:
    /// the type's only delivery option, or the one its delivery field
    /// names (as intake's workflow decides).
    pub fn goes_by_courier(&self, type_code: &str, answers: &serde_json::Value) -> bool {
        let Some(kind) = self.application_type(type_code) else {
            return false;
        };
        let offered: Vec<&str> = kind["delivery_options"]
            .as_array()
            .map(|options| {
                options
                    .iter()
                    .filter_map(serde_json::Value::as_str)
                    .collect()
            })
            .unwrap_or_default();
        let chosen = match offered.as_slice() {
            [only] => Some(*only),
            _ => Self::delivery_field(kind)
                .and_then(|field| answers[field["code"].as_str()?].as_str())
                .filter(|code| offered.contains(code)),
        };
        chosen.is_some_and(|code| self.is_courier_option(code))
    }

    /// The address a case of `type_code` answered for its delivery (the
    /// delivery field's `address_field`), when it has one.
    pub fn delivery_address_answer(
        &self,
        type_code: &str,
        answers: &serde_json::Value,
    ) -> Option<String> {
        let kind = self.application_type(type_code)?;
        let field = Self::delivery_field(kind)?["address_field"].as_str()?;
        answers[field].as_str().map(str::to_owned)
    }

    /// A type's field of type `delivery`, if its form has one.
    fn delivery_field(kind: &serde_json::Value) -> Option<&serde_json::Value> {
        kind["form"]
            .as_array()?
            .iter()
            .filter_map(|section| section["fields"].as_array())
            .flatten()
            .find(|field| field["type"] == "delivery")
    }

    /// A delivery option's name, as `fees.yaml` gives it.
    pub fn catalog_delivery_name(&self, code: &str) -> Option<Text> {
        self.catalog["fees"]["delivery_options"]
            .as_array()?
            .iter()
            .find(|option| option["code"] == code)
            .map(|option| Text::from_json(&option["name"]))
    }

    /// The entries (code, name) of one of the agency's code lists.
    pub fn code_list(&self, name: &str) -> Vec<(String, Text)> {
        self.catalog["code_lists"][name]
            .as_array()
            .map(|entries| {
                entries
                    .iter()
                    .filter_map(|entry| {
                        Some((
                            entry["code"].as_str()?.to_owned(),
                            Text::from_json(&entry["name"]),
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// A document requirement's name, if the catalog has it (the form's
    /// photo field counts as one).
    pub fn document_name(&self, code: &str, requirement: &str) -> Option<Text> {
        self.application_type(code)?["documents"]
            .as_array()
            .and_then(|documents| {
                documents
                    .iter()
                    .find(|candidate| candidate["code"] == requirement)
                    .map(|found| Text::from_json(&found["name"]))
            })
            .or_else(|| self.field_label(code, requirement))
    }
}

/// Why a portal's pages cannot be shown.
#[derive(Debug)]
pub enum Lookup {
    /// No such agency, or no such (applicant) portal of it.
    NotFound,
    /// The catalog could not be read.
    Unavailable,
}

pub(crate) fn plausible_code(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= 64
        && code
            .bytes()
            .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'-')
}

/// The agency's current catalog (kept a few seconds by the core).
pub(crate) async fn current_catalog(
    core: &Core,
    agency: &str,
) -> Result<Arc<serde_json::Value>, Lookup> {
    core.catalogs
        .current(agency)
        .await
        .map_err(|error| match error {
            CatalogError::NotFound => Lookup::NotFound,
            CatalogError::Unavailable => Lookup::Unavailable,
        })
}

pub async fn find(core: &Core, agency: &str, portal: &str) -> Result<Site, Lookup> {
    if !plausible_code(agency) || !plausible_code(portal) {
        return Err(Lookup::NotFound);
    }
    let catalog = current_catalog(core, agency).await?;
    site_of(catalog, portal).ok_or(Lookup::NotFound)
}

/// The applicant portal `portal` of a catalog (staff portals have no
/// pages here).
fn site_of(catalog: Arc<serde_json::Value>, portal: &str) -> Option<Site> {
    let found = catalog["portals"]
        .as_array()?
        .iter()
        .find(|candidate| candidate["code"] == portal)?;
    if found["staff"].as_bool() == Some(true) {
        return None;
    }
    let captcha = found["captcha"].as_bool().unwrap_or(false);
    let login_with = found["login_with"]
        .as_str()
        .unwrap_or("login_name")
        .to_owned();
    let portal_name = Text::from_json(&found["name"]);
    Some(Site {
        agency: catalog["agency"]["code"].as_str()?.to_owned(),
        portal: portal.to_owned(),
        agency_name: Text::from_json(&catalog["agency"]["name"]),
        portal_name,
        captcha,
        login_with,
        catalog,
    })
}

// ------------------------------------------------------ the staff portal

/// Identity's staff portal code in every agency.
pub const STAFF_PORTAL: &str = "staff";

/// An applicant portal (`staff == false`) or the agency's staff portal.
pub async fn find_any(core: &Core, agency: &str, portal: &str) -> Result<(Site, bool), Lookup> {
    if portal != STAFF_PORTAL {
        return find(core, agency, portal).await.map(|site| (site, false));
    }
    find_staff(core, agency).await.map(|site| (site, true))
}

/// The agency's staff portal.
pub async fn find_staff(core: &Core, agency: &str) -> Result<Site, Lookup> {
    if !plausible_code(agency) {
        return Err(Lookup::NotFound);
    }
    let catalog = current_catalog(core, agency).await?;
    staff_site(catalog).ok_or(Lookup::NotFound)
}

fn staff_site(catalog: Arc<serde_json::Value>) -> Option<Site> {
    let listed = catalog["portals"].as_array().and_then(|portals| {
        portals
            .iter()
            .find(|candidate| candidate["code"] == STAFF_PORTAL)
    });
    // A catalog portal of that code that is not a staff portal is not ours.
    if listed.is_some_and(|found| found["staff"].as_bool() != Some(true)) {
        return None;
    }
    let portal_name = listed
        .map(|found| Text::from_json(&found["name"]))
        .filter(|name| !name.zh_hant.is_empty() || !name.en.is_empty())
        .unwrap_or_else(|| Text {
            zh_hant: "審查人員入口".to_owned(),
            zh_hans: "审查人员入口".to_owned(),
            en: "Staff portal".to_owned(),
        });
    Some(Site {
        agency: catalog["agency"]["code"].as_str()?.to_owned(),
        portal: STAFF_PORTAL.to_owned(),
        agency_name: Text::from_json(&catalog["agency"]["name"]),
        portal_name,
        // Identity asks staff for the captcha as well as the second factor.
        captcha: true,
        login_with: "login_name".to_owned(),
        catalog,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_portal_is_found_in_its_agency_catalog() {
        let catalog = Arc::new(serde_json::json!({
            "agency": {"code": "tw-nia", "name": {"zh-Hant": "內政部移民署", "en": "NIA"}},
            "portals": [
                {"code": "students", "name": {"en": "Students"}, "captcha": true, "login_with": "login_name"},
                {"code": "staff", "staff": true, "name": {"en": "Staff"}}
            ]
        }));
        let site = site_of(catalog.clone(), "students").unwrap();
        assert!(site.captcha);
        assert_eq!(
            site.agency_name.get(crate::portal::shell::i18n::Lang::En),
            "NIA"
        );
        assert_eq!(site.base_path(), "/portal/tw-nia/students/");
        assert!(site_of(catalog.clone(), "staff").is_none());
        assert!(site_of(catalog, "missing").is_none());
        assert!(!plausible_code("../x"));
    }
}

#[cfg(test)]
mod staff_tests {
    use super::*;

    #[test]
    fn every_agency_has_a_staff_portal_unless_its_catalog_says_otherwise() {
        let catalog = Arc::new(serde_json::json!({
            "agency": {"code": "fj", "name": {"en": "FJ"}},
            "portals": [{"code": "nia-app", "name": {"en": "App"}}]
        }));
        let site = staff_site(catalog).unwrap();
        assert!(site.captcha);
        assert_eq!(site.base_path(), "/portal/fj/staff/");
        let odd = Arc::new(serde_json::json!({
            "agency": {"code": "fj", "name": {"en": "FJ"}},
            "portals": [{"code": "staff", "name": {"en": "Not staff"}}]
        }));
        assert!(staff_site(odd).is_none());
    }
}
