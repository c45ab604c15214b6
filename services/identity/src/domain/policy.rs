//! What identity needs to know about agencies and their portals, in its own
//! terms: the catalog files are mapped into these types at start-up
//! (`crate::catalog_policies`), so identity's rules don't depend on the file format.

use std::collections::BTreeMap;

use laissez_catalog::format::Language;

use super::documents::DocumentKind;
use super::password::PasswordRules;

/// The portal every agency has for its staff (not declared in catalogs).
pub const STAFF_PORTAL: &str = "staff";
/// The pseudo-agency of platform operators.
pub const PLATFORM_AGENCY: &str = "platform";

/// A text in the platform's three languages.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LocalText {
    pub zh_hant: String,
    pub zh_hans: String,
    pub en: String,
}

impl LocalText {
    pub fn plain(text: &str) -> Self {
        Self {
            zh_hant: text.to_owned(),
            zh_hans: text.to_owned(),
            en: text.to_owned(),
        }
    }

    pub fn get(&self, language: Language) -> &str {
        let text = match language {
            Language::ZhHant => &self.zh_hant,
            Language::ZhHans => &self.zh_hans,
            Language::En => &self.en,
        };
        if text.is_empty() { &self.en } else { text }
    }
}

/// How an account is activated after registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activation {
    /// A single-use, expiring link sent by email.
    Email,
    /// A code sent by SMS to the registered mobile number.
    Sms,
    /// Active at once.
    None,
}

/// What the value of one registration field must be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldKind {
    Text,
    Date,
    /// One of these codes.
    Choice(Vec<String>),
    IdentityDocument(DocumentKind),
    /// Mobile numbers of these regions only (empty: any phone number).
    Phone(Vec<String>),
    Email,
    YesNo,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldRule {
    pub code: String,
    pub kind: FieldKind,
    pub required: bool,
    pub min_length: Option<usize>,
    pub max_length: Option<usize>,
    /// Regular expression the whole value must match.
    pub pattern: Option<String>,
    /// CEL over the form's answers: when true, the field is required.
    pub required_when: Option<String>,
    /// CEL over the form's answers: when false, the field is not asked
    /// (not required, and an answer given is ignored).
    pub visible_when: Option<String>,
    /// Further checks in CEL, each with the message shown when it fails.
    pub checks: Vec<FieldCheck>,
}

/// A CEL check of a registration field and its message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldCheck {
    pub rule: String,
    pub message: LocalText,
}

impl FieldRule {
    pub fn new(code: &str, kind: FieldKind, required: bool) -> Self {
        Self {
            code: code.to_owned(),
            kind,
            required,
            min_length: None,
            max_length: None,
            pattern: None,
            required_when: None,
            visible_when: None,
            checks: Vec::new(),
        }
    }
}

/// What identifies an account at login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginIdentifier {
    /// A name the applicant chooses.
    ChosenName,
    /// The value of this registration field (a document number, an email...).
    Field(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrationPolicy {
    pub fields: Vec<FieldRule>,
    pub phone_regions: Vec<String>,
    pub forbidden_email_domains: Vec<String>,
    pub password: PasswordRules,
    pub match_person_records: bool,
    pub no_match_message: LocalText,
    pub activation: Activation,
    /// The field the SMS code is typed in before registering, as the
    /// catalog declares it (`sms_code_field`); never stored in the profile.
    pub sms_code_field: Option<String>,
    /// Codes of agreements that must be accepted (`fields[code] = "true"`).
    pub consents: Vec<String>,
    /// The agency's code lists (codes only), as the form's rules read them
    /// (`lists.<name>`).
    pub lists: BTreeMap<String, Vec<String>>,
}

impl RegistrationPolicy {
    pub fn field(&self, code: &str) -> Option<&FieldRule> {
        self.fields.iter().find(|field| field.code == code)
    }

    /// The codes a registration carries that are never profile fields:
    /// the account's own (login name, password and its confirmation) and
    /// the declared SMS code field.
    pub fn reserved_fields(&self) -> Vec<&str> {
        let mut reserved = RESERVED_FIELDS.to_vec();
        reserved.extend(self.sms_code_field.as_deref());
        reserved
    }

    /// The field person records are matched on: the first identity-document field.
    pub fn match_field(&self) -> Option<&FieldRule> {
        self.fields
            .iter()
            .find(|field| matches!(field.kind, FieldKind::IdentityDocument(_)))
    }
}

/// The account's own fields a registration carries besides the profile.
pub const RESERVED_FIELDS: [&str; 3] = ["login_name", "password", "password_confirmation"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortalPolicy {
    pub agency: String,
    pub code: String,
    pub login_with: LoginIdentifier,
    pub captcha: bool,
    /// Staff portal: second factor required, no self-registration.
    pub staff: bool,
    pub registration: Option<RegistrationPolicy>,
}

impl PortalPolicy {
    pub fn staff(agency: &str) -> Self {
        Self {
            agency: agency.to_owned(),
            code: STAFF_PORTAL.to_owned(),
            login_with: LoginIdentifier::ChosenName,
            captcha: true,
            staff: true,
            registration: None,
        }
    }
}

/// Every agency's portals, by agency code and portal code.
#[derive(Debug, Clone, Default)]
pub struct AgencyDirectory {
    portals: BTreeMap<(String, String), PortalPolicy>,
}

impl AgencyDirectory {
    /// A directory of `portals`, plus a staff portal for each agency and the platform's.
    pub fn new(portals: impl IntoIterator<Item = PortalPolicy>) -> Self {
        let mut directory = Self::default();
        for portal in portals {
            let staff = PortalPolicy::staff(&portal.agency);
            directory
                .portals
                .entry((staff.agency.clone(), staff.code.clone()))
                .or_insert(staff);
            directory
                .portals
                .insert((portal.agency.clone(), portal.code.clone()), portal);
        }
        let platform = PortalPolicy::staff(PLATFORM_AGENCY);
        directory
            .portals
            .insert((platform.agency.clone(), platform.code.clone()), platform);
        directory
    }

    pub fn portal(&self, agency: &str, portal: &str) -> Option<&PortalPolicy> {
        self.portals.get(&(agency.to_owned(), portal.to_owned()))
    }

    pub fn has_agency(&self, agency: &str) -> bool {
        self.portals.keys().any(|(code, _)| code == agency)
    }

    pub fn portals(&self) -> impl Iterator<Item = &PortalPolicy> {
        self.portals.values()
    }
}
