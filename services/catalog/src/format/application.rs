use super::LocalizedText;
use serde::{Deserialize, Serialize};

/// `types/<code>.yaml`: one application type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplicationType {
    pub code: String,
    pub name: LocalizedText,
    /// Portal (code in `agency.yaml`) whose accounts may file this type.
    pub portal: String,
    pub notice: Notice,
    pub who_may_apply: WhoMayApply,
    /// How the referenced permit is looked up in the agency's records.
    #[serde(default)]
    pub record_lookup: Option<RecordLookup>,
    pub form: Vec<FormSection>,
    #[serde(default)]
    pub documents: Vec<DocumentRequirement>,
    #[serde(default)]
    pub eligibility: Vec<EligibilityRule>,
    pub pricing: Pricing,
    /// Form field whose answer selects the fee row variant (e.g. first / renewal / lost).
    #[serde(default)]
    pub fee_variant_field: Option<String>,
    pub workflow: Vec<Stage>,
    /// The appointment stage is answered in the form (a port and a date),
    /// not booked in a centre's slots.
    #[serde(default)]
    pub appointment_by_answers: Option<AppointmentByAnswers>,
    #[serde(default)]
    pub payment_methods: Vec<String>,
    pub processing: Processing,
    #[serde(default)]
    pub delivery_options: Vec<String>,
    #[serde(default)]
    pub priority_lanes: Vec<PriorityLane>,
    /// CEL: when true, a senior officer must sign the decision off.
    #[serde(default)]
    pub senior_sign_off_when: Option<String>,
    /// Validity of the document issued, first matching rule wins.
    #[serde(default)]
    pub validity: Vec<ValidityRule>,
    /// Entries the document issued grants, first matching rule wins.
    #[serde(default)]
    pub entries: Vec<EntriesRule>,
    /// The longest stay per entry, first matching rule wins.
    #[serde(default)]
    pub stay_per_entry: Vec<StayRule>,
    /// Documents not collected within this many months are cancelled.
    #[serde(default)]
    pub uncollected_cancel_after_months: Option<u32>,
    /// The applicant may cancel an approved case before it is paid or made
    /// (fj: cancel and apply again to change the port or the date).
    #[serde(default)]
    pub cancel_by_applicant: bool,
}

impl ApplicationType {
    pub fn fields(&self) -> impl Iterator<Item = &FormField> {
        self.form.iter().flat_map(|section| section.fields.iter())
    }

    pub fn field(&self, code: &str) -> Option<&FormField> {
        self.fields().find(|field| field.code == code)
    }

    /// The form field where the applicant chooses among the delivery
    /// options, if the type has one.
    pub fn delivery_field(&self) -> Option<&FormField> {
        self.fields()
            .find(|field| field.kind == FieldKind::Delivery)
    }

    /// The delivery option the answers choose: the only one the type
    /// offers, or the delivery field's answer when it names an offered
    /// option.
    pub fn chosen_delivery<'a>(
        &'a self,
        answers: &'a serde_json::Map<String, serde_json::Value>,
    ) -> Option<&'a str> {
        if let [only] = self.delivery_options.as_slice() {
            return Some(only);
        }
        let field = self.delivery_field()?;
        let code = answers.get(&field.code)?.as_str()?;
        self.delivery_options
            .iter()
            .find(|option| *option == code)
            .map(String::as_str)
    }
}

/// The notice / terms page that must be accepted; `version` changes with the text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Notice {
    pub version: String,
    pub title: LocalizedText,
    pub text: LocalizedText,
    #[serde(default = "yes")]
    pub must_accept: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WhoMayApply {
    /// Relationship of the applicant to the account holder: `self`, `child`, `parent`, `other`.
    pub relationships: Vec<String>,
    #[serde(default)]
    pub description: Option<LocalizedText>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordLookup {
    /// Form field holding the permit number to look up.
    pub by_field: String,
    pub not_found: LocalizedText,
    pub mismatch: LocalizedText,
    /// The number may be left empty at the start (a first application, a
    /// lost permit): the case then starts without a record, and a number
    /// answered later in the form is checked against the records at
    /// submission.
    #[serde(default)]
    pub optional: bool,
    /// Shown under the permit number on the start page when `optional`
    /// (when to give it, when to leave it empty).
    #[serde(default)]
    pub hint: Option<LocalizedText>,
}

/// What `prefill_from: applicant.<key>` may name.
pub const APPLICANT_PREFILL: [&str; 5] = [
    "name",
    "date_of_birth",
    "document_number",
    "contact_email",
    "contact_mobile",
];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormSection {
    pub code: String,
    pub title: LocalizedText,
    pub fields: Vec<FormField>,
}

/// Kinds of form field. An unknown name is kept so the loader can report it
/// with its line instead of stopping at the first one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum FieldKind {
    Text,
    Number,
    Date,
    Choice,
    IdentityDocumentNumber,
    Phone,
    Email,
    Address,
    YesNo,
    Declarations,
    Signature,
    Photo,
    /// The choice among the type's `delivery_options` (names and fees from
    /// `fees.yaml`); the fee and the workflow read it.
    Delivery,
    Unknown(String),
}

impl FieldKind {
    pub const NAMES: [&'static str; 13] = [
        "text",
        "number",
        "date",
        "choice",
        "identity_document_number",
        "phone",
        "email",
        "address",
        "yes_no",
        "declarations",
        "signature",
        "photo",
        "delivery",
    ];
}

impl From<String> for FieldKind {
    fn from(name: String) -> FieldKind {
        match name.as_str() {
            "text" => FieldKind::Text,
            "number" => FieldKind::Number,
            "date" => FieldKind::Date,
            "choice" => FieldKind::Choice,
            "identity_document_number" => FieldKind::IdentityDocumentNumber,
            "phone" => FieldKind::Phone,
            "email" => FieldKind::Email,
            "address" => FieldKind::Address,
            "yes_no" => FieldKind::YesNo,
            "declarations" => FieldKind::Declarations,
            "signature" => FieldKind::Signature,
            "photo" => FieldKind::Photo,
            "delivery" => FieldKind::Delivery,
            _ => FieldKind::Unknown(name),
        }
    }
}

impl From<FieldKind> for String {
    fn from(kind: FieldKind) -> String {
        match kind {
            FieldKind::Unknown(name) => name,
            known => {
                let index = [
                    FieldKind::Text,
                    FieldKind::Number,
                    FieldKind::Date,
                    FieldKind::Choice,
                    FieldKind::IdentityDocumentNumber,
                    FieldKind::Phone,
                    FieldKind::Email,
                    FieldKind::Address,
                    FieldKind::YesNo,
                    FieldKind::Declarations,
                    FieldKind::Signature,
                    FieldKind::Photo,
                    FieldKind::Delivery,
                ]
                .iter()
                .position(|candidate| *candidate == known)
                .unwrap_or(0);
                FieldKind::NAMES[index].to_owned()
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormField {
    pub code: String,
    #[serde(rename = "type")]
    pub kind: FieldKind,
    pub label: LocalizedText,
    #[serde(default)]
    pub required: bool,
    /// CEL: the field is required when this holds (conditional requirement).
    #[serde(default)]
    pub required_when: Option<String>,
    /// CEL: the field is shown only when this holds.
    #[serde(default)]
    pub visible_when: Option<String>,
    /// Where the field's first answer comes from: the agency's record
    /// (`record.school`), the case's applicant (`applicant.date_of_birth`;
    /// see [`APPLICANT_PREFILL`]) or the account holder's registration
    /// (`profile.sex`, applications for oneself). Shown read-only when
    /// `read_only`.
    #[serde(default)]
    pub prefill_from: Option<String>,
    #[serde(default)]
    pub read_only: bool,
    /// Code list (in `agency.yaml`) for `choice` fields.
    #[serde(default)]
    pub code_list: Option<String>,
    /// For a `delivery` field: the `address` or `text` field holding where
    /// the document is sent, required when the option chosen is delivered.
    #[serde(default)]
    pub address_field: Option<String>,
    /// Mutually exclusive statements for `declarations` fields.
    #[serde(default)]
    pub options: Vec<DeclarationOption>,
    /// Identity document kind for `identity_document_number`, one of
    /// [`crate::identity_documents::DocumentKind`], e.g. `tw_id_card`.
    #[serde(default)]
    pub document_kind: Option<String>,
    /// ISO regions accepted by `phone` fields.
    #[serde(default)]
    pub phone_regions: Vec<String>,
    #[serde(default)]
    pub image: Option<ImageRules>,
    #[serde(default)]
    pub min_length: Option<u32>,
    #[serde(default)]
    pub max_length: Option<u32>,
    /// Regular expression the whole answer must match.
    #[serde(default)]
    pub pattern: Option<String>,
    #[serde(default)]
    pub min: Option<f64>,
    #[serde(default)]
    pub max: Option<f64>,
    /// Further checks in CEL, each with the message shown when it fails.
    #[serde(default)]
    pub checks: Vec<FieldCheck>,
    #[serde(default)]
    pub help: Option<LocalizedText>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeclarationOption {
    pub code: String,
    pub label: LocalizedText,
    /// The statement needs a free-text detail (e.g. which post was held).
    #[serde(default)]
    pub free_text: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldCheck {
    pub rule: String,
    pub message: LocalizedText,
}

/// Image rules for photos, signatures and image documents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImageRules {
    #[serde(default)]
    pub width_px: Option<u32>,
    #[serde(default)]
    pub height_px: Option<u32>,
    #[serde(default)]
    pub colour: bool,
    #[serde(default)]
    pub background: Option<String>,
    /// Photo taken within this many months.
    #[serde(default)]
    pub taken_within_months: Option<u32>,
    #[serde(default)]
    pub rules: Vec<LocalizedText>,
}

/// File kinds judged by content (magic bytes), never by the file name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ContentKind {
    Jpeg,
    Png,
    Bmp,
    Pdf,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentRequirement {
    pub code: String,
    pub name: LocalizedText,
    /// Must be uploaded whenever the document applies.
    #[serde(default)]
    pub required: bool,
    /// CEL: the document applies only when this holds (conditional documents).
    #[serde(default)]
    pub when: Option<String>,
    pub accepted: Vec<ContentKind>,
    pub max_bytes: u64,
    #[serde(default)]
    pub image: Option<ImageRules>,
    #[serde(default)]
    pub note: Option<LocalizedText>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EligibilityRule {
    pub code: String,
    /// CEL that must hold for the applicant to be eligible.
    pub rule: String,
    /// Shown to the applicant when the rule fails.
    pub reason: LocalizedText,
}

/// How the type is priced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pricing {
    /// Rows in `fees.yaml`.
    Schedule,
    /// No fee.
    Free,
    /// Charged at the counter by a tariff the seed does not give.
    NotPublished,
}

/// Stages a case goes through after submission, in the declared order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Appointment,
    Review,
    Payment,
    Production,
    ElectronicIssue,
    Pickup,
    Delivery,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Processing {
    /// `None`: the agency publishes no processing time.
    #[serde(default)]
    pub normal_working_days: Option<u32>,
    #[serde(default)]
    pub express_working_days: Option<u32>,
    /// Express is offered even though its time is not published.
    #[serde(default)]
    pub express_offered: bool,
    #[serde(default)]
    pub overrides: Vec<ProcessingOverride>,
    #[serde(default)]
    pub note: Option<LocalizedText>,
}

/// Processing time for answers matching `when` (e.g. same-day at the border).
impl Processing {
    pub fn offers_express(&self) -> bool {
        self.express_offered || self.express_working_days.is_some()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProcessingOverride {
    pub when: String,
    pub normal_working_days: u32,
    #[serde(default)]
    pub express_working_days: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriorityLane {
    pub code: String,
    pub name: LocalizedText,
    pub when: String,
    #[serde(default)]
    pub proof_required: bool,
}

/// How long the issued document is valid when `when` holds: `years` and
/// `months` add up (`{years: 1, months: 6}`); at least one is given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValidityRule {
    pub when: String,
    #[serde(default)]
    pub years: u32,
    #[serde(default)]
    pub months: u32,
}

impl ValidityRule {
    /// The validity in months.
    pub fn total_months(&self) -> u32 {
        self.years.saturating_mul(12).saturating_add(self.months)
    }
}

/// How many times the issued document lets its holder enter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Entries {
    Single,
    Double,
    Multiple,
}

impl Entries {
    pub fn code(self) -> &'static str {
        match self {
            Entries::Single => "single",
            Entries::Double => "double",
            Entries::Multiple => "multiple",
        }
    }

    pub fn parse(code: &str) -> Option<Entries> {
        [Entries::Single, Entries::Double, Entries::Multiple]
            .into_iter()
            .find(|entries| entries.code() == code)
    }
}

/// The number of entries the document grants when `when` holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntriesRule {
    pub when: String,
    pub entries: Entries,
}

/// The longest stay per entry, in days, when `when` holds (e.g. 90 days
/// for a spouse, 14 for other relatives).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StayRule {
    pub when: String,
    pub days: u32,
}

/// Form fields that name an appointment's place and date instead of a
/// booked slot (fj: planned port and entry date).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppointmentByAnswers {
    pub place: String,
    pub date: String,
}
