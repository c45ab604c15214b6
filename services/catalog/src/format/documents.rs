use super::LocalizedText;
use serde::{Deserialize, Serialize};

/// The documents the render service lays out, each from an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// Submission acknowledgement, from `intake.case.submitted`.
    Acknowledgement,
    /// Electronic permit, from `intake.case.progressed` to `issued`.
    EPermit,
    /// Electronic receipt of the fees paid, from `payment.order.paid`.
    Receipt,
    /// Appointment letter (centre, time, QR code), from
    /// `intake.appointment.booked`; revoked when the booking is moved or
    /// cancelled.
    AppointmentLetter,
    /// Pickup slip (mo-csm's pink slip, mo-cts's pickup card), from
    /// `intake.case.progressed` into `in_production`: when and where to
    /// collect, the receipt number the counter checks.
    PickupSlip,
    /// Convenience-store payment slip (tw-nia): the payer's copy (收執聯) and the
    /// collector's copy with the three Code 39 barcodes, from
    /// `payment.slip.issued`.
    PaymentSlip,
}

/// The font families the platform gives templates: Debian's
/// `fonts-noto-cjk` (Noto Sans CJK and Noto Sans Mono CJK, OFL) and
/// `fonts-hanazono` (HanaMin B, for characters outside the BMP). A
/// template naming another family is refused when the catalog loads;
/// render refuses to start without every one of them.
pub const FONT_FAMILIES: &[&str] = &[
    "Noto Sans CJK TC",
    "Noto Sans CJK SC",
    "Noto Sans CJK HK",
    "Noto Sans CJK JP",
    "Noto Sans CJK KR",
    "Noto Sans Mono CJK TC",
    "Noto Sans Mono CJK SC",
    "Noto Sans Mono CJK HK",
    "Noto Sans Mono CJK JP",
    "Noto Sans Mono CJK KR",
    "HanaMinB",
];

impl DocumentKind {
    pub const ALL: [DocumentKind; 6] = [
        DocumentKind::Acknowledgement,
        DocumentKind::EPermit,
        DocumentKind::Receipt,
        DocumentKind::AppointmentLetter,
        DocumentKind::PickupSlip,
        DocumentKind::PaymentSlip,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DocumentKind::Acknowledgement => "acknowledgement",
            DocumentKind::EPermit => "e_permit",
            DocumentKind::Receipt => "receipt",
            DocumentKind::AppointmentLetter => "appointment_letter",
            DocumentKind::PickupSlip => "pickup_slip",
            DocumentKind::PaymentSlip => "payment_slip",
        }
    }

    pub fn parse(text: &str) -> Option<DocumentKind> {
        DocumentKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == text)
    }

    /// The `data.…` paths a template of this kind may read (an e-permit
    /// also reads `data.answers.<field>` and `data.labels.<field>` of its
    /// types' form fields).
    pub fn fields(self) -> Vec<&'static str> {
        const COMMON: &[&str] = &[
            "agency.code",
            "agency.name",
            "document.id",
            "document.kind",
            "document.name",
            "document.number",
            "document.language",
            "document.rendered_on",
            "case.id",
            "case.receipt_number",
            "case.group_number",
            "case.application_type",
            "case.type_name",
            "seal.text",
        ];
        let own: &[&str] = match self {
            DocumentKind::Acknowledgement => {
                &["case.submitted_at", "case.express", "holder.masked_name"]
            }
            DocumentKind::EPermit => &[
                "holder.name",
                "holder.date_of_birth",
                "holder.document_number",
                "permit.number",
                "permit.issued_on",
                "permit.valid_until",
                "permit.entries",
                "permit.stay_days",
                "record",
            ],
            DocumentKind::Receipt => &[
                "payment.order_id",
                "payment.paid_at",
                "payment.method",
                "payment.currency",
                "payment.total",
                "payment.total_text",
                "payment.lines",
            ],
            DocumentKind::AppointmentLetter => &[
                "holder.masked_name",
                "appointment.booking_id",
                "appointment.centre",
                "appointment.centre_name",
                "appointment.address",
                "appointment.date",
                "appointment.time",
                "appointment.starts_at",
                "appointment.previous_starts_at",
            ],
            DocumentKind::PickupSlip => &[
                "holder.masked_name",
                "pickup.ready_on",
                "pickup.place",
                "pickup.address",
                "pickup.hours",
                "pickup.issued_on",
            ],
            DocumentKind::PaymentSlip => &[
                "slip.number",
                "slip.payer",
                "slip.printed_on",
                "slip.deadline",
                "slip.method",
                "slip.currency",
                "slip.lines",
                "slip.total",
                "slip.total_text",
                "slip.receipt_numbers",
                "slip.group_numbers",
                "slip.barcodes",
            ],
        };
        COMMON.iter().chain(own).copied().collect()
    }
}

/// `documents.yaml`: the documents an agency issues.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentsFile {
    pub documents: Vec<DocumentDeclaration>,
}

/// One entry of `documents.yaml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentDeclaration {
    pub kind: DocumentKind,
    /// Path of the Typst template in the agency folder, `documents/<name>.typ`.
    pub template: String,
    /// The document's name, also the start of its download's file name.
    pub name: LocalizedText,
    /// Application types it is issued for; empty: every type.
    #[serde(default)]
    pub types: Vec<String>,
    /// Whether it carries a signed seal (a QR code anyone can verify).
    #[serde(default)]
    pub sealed: bool,
}

/// A declared document with its template's text, as a catalog version keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentTemplate {
    pub kind: DocumentKind,
    pub template: String,
    pub name: LocalizedText,
    #[serde(default)]
    pub types: Vec<String>,
    #[serde(default)]
    pub sealed: bool,
    /// The Typst source.
    pub source: String,
}

impl DocumentTemplate {
    /// Whether a case of `application_type` gets this document.
    pub fn applies_to(&self, application_type: &str) -> bool {
        self.types.is_empty() || self.types.iter().any(|code| code == application_type)
    }
}
