use super::{Currency, FormField, LocalizedText};
use chrono::{NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};

/// `agency.yaml`: who the agency is and what it runs besides application types.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgencyFile {
    pub agency: Agency,
    pub portals: Vec<Portal>,
    #[serde(default)]
    pub code_lists: std::collections::BTreeMap<String, Vec<CodeItem>>,
    #[serde(default)]
    pub centres: Vec<ServiceCentre>,
    pub numbers: NumberFormats,
    #[serde(default)]
    pub announcements: Vec<Announcement>,
    /// The shape of the agency's permit records.
    #[serde(default)]
    pub records: super::RecordShapes,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Agency {
    pub code: String,
    pub name: LocalizedText,
    /// IANA time zone, e.g. `Asia/Macau`.
    pub time_zone: String,
    pub currency: Currency,
    /// A second currency fees are also published in (e.g. MOP next to HKD).
    #[serde(default)]
    pub secondary_currency: Option<Currency>,
    pub contact: Contact,
    #[serde(default)]
    pub opening_hours: Vec<OpeningHours>,
    /// Language of messages to an applicant who chose none.
    #[serde(default)]
    pub default_language: Option<super::Language>,
    /// How the platform writes to this agency's applicants.
    #[serde(default)]
    pub notifications: Option<Notifications>,
    /// How its centres' appointments are held, opened and moved.
    #[serde(default)]
    pub appointments: AppointmentRules,
}

/// The agency's booking rules (`agency.appointments`); every field has a
/// default, so an agency without centres need not say anything.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AppointmentRules {
    /// How long a chosen slot is held while the applicant confirms.
    pub hold_minutes: u32,
    /// How many days ahead slots are open for booking.
    pub window_days: u32,
    /// What a closure declared at run time does to the bookings inside it.
    pub closure_effect: super::ClosureEffect,
    /// Holds one account may take per minute (a hold storm is refused).
    pub holds_per_minute: u32,
}

impl Default for AppointmentRules {
    fn default() -> Self {
        AppointmentRules {
            hold_minutes: 10,
            window_days: 60,
            closure_effect: super::ClosureEffect::MoveToNextWorkingDaySameSlot,
            holds_per_minute: 10,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Notifications {
    /// The From address of every email sent for the agency.
    pub sender_email: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub address: Option<LocalizedText>,
    #[serde(default)]
    pub website: Option<String>,
    #[serde(default)]
    pub hours: Option<LocalizedText>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Weekday {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

impl Weekday {
    pub fn of(date: NaiveDate) -> Weekday {
        use chrono::Datelike;
        match date.weekday() {
            chrono::Weekday::Mon => Weekday::Mon,
            chrono::Weekday::Tue => Weekday::Tue,
            chrono::Weekday::Wed => Weekday::Wed,
            chrono::Weekday::Thu => Weekday::Thu,
            chrono::Weekday::Fri => Weekday::Fri,
            chrono::Weekday::Sat => Weekday::Sat,
            chrono::Weekday::Sun => Weekday::Sun,
        }
    }
}

/// One opening window on the given weekdays, in the agency's time zone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpeningHours {
    pub days: Vec<Weekday>,
    pub opens: NaiveTime,
    pub closes: NaiveTime,
    #[serde(default)]
    pub purpose: Option<LocalizedText>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Portal {
    pub code: String,
    pub name: LocalizedText,
    pub registration: RegistrationPolicy,
    /// What identifies an account at login, e.g. `document_number` or `login_name`.
    pub login_with: String,
    #[serde(default)]
    pub captcha: bool,
    /// Fields of a person an account may add and apply for (managed applicants).
    #[serde(default)]
    pub managed_applicant_fields: Vec<FormField>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistrationPolicy {
    pub fields: Vec<FormField>,
    /// ISO 3166 regions whose mobile numbers are accepted (empty: any).
    #[serde(default)]
    pub phone_regions: Vec<String>,
    /// Refused email domains; `*.cn` refuses every domain under `.cn`.
    #[serde(default)]
    pub forbidden_email_domains: Vec<String>,
    pub password: PasswordRules,
    /// Registration must match a person in the agency's records.
    #[serde(default)]
    pub match_person_records: bool,
    #[serde(default)]
    pub no_match_message: Option<LocalizedText>,
    pub activation: Activation,
    /// With `activation: sms`: the text field of the form where the code
    /// sent to the form's mobile number is typed before registering (the
    /// portal offers "send the code" beside the mobile). Absent: the code
    /// is sent after registration and typed on the activation page.
    #[serde(default)]
    pub sms_code_field: Option<String>,
    /// Agreements ticked at registration (user agreement, privacy policy).
    #[serde(default)]
    pub consents: Vec<Consent>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordRules {
    pub min_length: u32,
    #[serde(default)]
    pub require_lowercase: bool,
    #[serde(default)]
    pub require_uppercase: bool,
    #[serde(default)]
    pub require_digit: bool,
    #[serde(default = "default_true")]
    pub confirm_twice: bool,
}

fn default_true() -> bool {
    true
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Activation {
    Email,
    Sms,
    None,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Consent {
    pub code: String,
    pub label: LocalizedText,
}

/// One entry of a code list (ports, places, categories...).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeItem {
    pub code: String,
    pub name: LocalizedText,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceCentre {
    pub code: String,
    pub name: LocalizedText,
    pub address: LocalizedText,
    pub opening_hours: Vec<OpeningHours>,
    /// Length of one appointment slot.
    pub slot_minutes: u32,
    /// Appointments one slot takes.
    pub slot_capacity: u32,
}

/// Receipt and group number formats, see [`crate::numbers`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NumberFormats {
    pub receipt: String,
    #[serde(default)]
    pub group: Option<String>,
    /// Permit numbers the platform gives (electronic issue); physical
    /// documents carry the number their production gave them.
    #[serde(default)]
    pub permit: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Announcement {
    pub code: String,
    pub title: LocalizedText,
    pub body: LocalizedText,
    #[serde(default)]
    pub unit: Option<LocalizedText>,
    #[serde(default)]
    pub important: bool,
    pub published_on: NaiveDate,
}
