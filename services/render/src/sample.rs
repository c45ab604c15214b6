//! Sample facts for a catalog's documents: what `laissez-render check`
//! lays every template out with, and what the tests and the benchmark
//! start from. The holder's answers fill every form field of the type.

use laissez_catalog::Catalog;
use laissez_catalog::format::{DocumentKind, DocumentTemplate, FieldKind};
use laissez_proto::common::v1::{Language, LocalizedText, Money};
use laissez_proto::events::v1::{
    AppointmentBooked, CaseParty, CaseProgressed, CaseSubmitted, OrderPaid, PaidLine, PermitHolder,
    SlipIssued,
};
use serde_json::{Map, Value};

use crate::jobs::{self, BadEvent, Job};

pub struct Holder<'a> {
    pub name: &'a str,
    pub date_of_birth: &'a str,
    pub document_number: &'a str,
}

pub const HOLDER: Holder<'static> = Holder {
    name: "鄭𠀀明 ZHENG MING",
    date_of_birth: "1995-03-14",
    document_number: "T12345678",
};

fn timestamp(seconds: i64) -> prost_types::Timestamp {
    prost_types::Timestamp { seconds, nanos: 0 }
}

fn party(account_id: &str) -> CaseParty {
    CaseParty {
        account_id: account_id.to_owned(),
        applicant_id: account_id.to_owned(),
        applicant_masked_name: "鄭**".into(),
        language: Language::ZhHant.into(),
        email: String::new(),
        mobile: String::new(),
    }
}

/// An answer for every form field of `application_type`: a choice takes
/// its list's first code, anything else its label.
pub fn answers(catalog: &Catalog, application_type: &str) -> Map<String, Value> {
    let mut answers = Map::new();
    let Some(kind) = catalog.application_type(application_type) else {
        return answers;
    };
    for field in kind.form.iter().flat_map(|section| &section.fields) {
        let value = match (&field.kind, &field.code_list) {
            (_, Some(list)) => catalog
                .code_lists
                .get(list)
                .and_then(|items| items.first())
                .map(|item| Value::String(item.code.clone())),
            (FieldKind::Date, _) => Some(Value::String(HOLDER.date_of_birth.into())),
            (FieldKind::YesNo, _) => Some(Value::Bool(false)),
            _ => Some(Value::String(field.label.zh_hant.clone())),
        };
        if let Some(value) = value {
            answers.insert(field.code.clone(), value);
        }
    }
    answers
}

pub fn submitted(case_id: &str, application_type: &str, version: u32) -> CaseSubmitted {
    CaseSubmitted {
        case_id: case_id.to_owned(),
        receipt_number: "1130000123".into(),
        group_number: "G1130000045".into(),
        application_type: application_type.to_owned(),
        catalog_version: version,
        submitted_at: Some(timestamp(1_780_000_000)),
        party: Some(party("sample-account")),
        express: false,
        priority_reasons: Vec::new(),
    }
}

pub fn issued(
    case_id: &str,
    application_type: &str,
    version: u32,
    answers: &Map<String, Value>,
    holder: &Holder<'_>,
) -> CaseProgressed {
    CaseProgressed {
        case_id: case_id.to_owned(),
        receipt_number: "1130000123".into(),
        group_number: "G1130000045".into(),
        application_type: application_type.to_owned(),
        catalog_version: version,
        party: Some(party("sample-account")),
        state: "issued".into(),
        production_due_on: String::new(),
        permit_number: "108695200100".into(),
        permit_valid_until: "2028-07-01".into(),
        permit_entries: "multiple".into(),
        permit_stay_days: 0,
        collect_by: String::new(),
        at: Some(timestamp(1_780_000_000)),
        reason: String::new(),
        tracking_number: String::new(),
        holder: Some(PermitHolder {
            name: holder.name.to_owned(),
            date_of_birth: holder.date_of_birth.to_owned(),
            document_number: holder.document_number.to_owned(),
            answers_json: Value::Object(answers.clone()).to_string(),
            record_json: "{}".into(),
        }),
    }
}

/// Production started on 2026-05-29, due 2026-06-12.
pub fn in_production(case_id: &str, application_type: &str, version: u32) -> CaseProgressed {
    CaseProgressed {
        state: "in_production".into(),
        production_due_on: "2026-06-12".into(),
        permit_number: String::new(),
        permit_valid_until: String::new(),
        holder: None,
        ..issued(case_id, application_type, version, &Map::new(), &HOLDER)
    }
}

pub fn paid(case_id: &str, application_type: &str, version: u32, currency: &str) -> OrderPaid {
    let exponent = laissez_catalog::format::Currency::parse(currency)
        .map(|currency| currency.exponent())
        .unwrap_or(2);
    let fee = 600 * 10_i64.pow(exponent);
    OrderPaid {
        order_id: "0190f0c8-5d1e-7c2a-8f00-000000000001".into(),
        case_ids: vec![case_id.to_owned()],
        amount: Some(Money {
            minor_units: fee,
            currency: currency.to_owned(),
        }),
        paid_at: Some(timestamp(1_780_000_000)),
        account_id: "sample-account".into(),
        receipt_numbers: vec!["1130000123".into()],
        method: "international_credit_card".into(),
        group_number: "G1130000045".into(),
        application_type: application_type.to_owned(),
        catalog_version: version,
        language: Language::ZhHant.into(),
        lines: vec![PaidLine {
            code: "fee".into(),
            label: Some(LocalizedText {
                zh_hant: "規費".into(),
                zh_hans: "规费".into(),
                en: "Fee".into(),
            }),
            minor_units: fee,
        }],
    }
}

/// A convenience-store slip for the fee and the store's NT$8, its values
/// those of seed 002's sample slip (due 2019-07-09).
pub fn slip_issued(case_id: &str, application_type: &str, version: u32) -> SlipIssued {
    let line = |code: &str, zh_hant: &str, zh_hans: &str, en: &str, units: i64| PaidLine {
        code: code.into(),
        label: Some(LocalizedText {
            zh_hant: zh_hant.into(),
            zh_hans: zh_hans.into(),
            en: en.into(),
        }),
        minor_units: units,
    };
    SlipIssued {
        payment_id: "0190f0c8-5d1e-7c2a-8f00-0000000051a9".into(),
        order_ids: vec!["0190f0c8-5d1e-7c2a-8f00-000000000001".into()],
        case_ids: vec![case_id.to_owned()],
        account_id: "sample-account".into(),
        receipt_numbers: vec!["1130000123".into()],
        group_numbers: vec!["G1130000045".into()],
        application_type: application_type.to_owned(),
        catalog_version: version,
        language: Language::ZhHant.into(),
        method: "convenience_store".into(),
        slip_number: "IUYXMH03G5ONKOPV".into(),
        deadline: "2019-07-09".into(),
        barcodes: vec![
            "80EDMBTFB".into(),
            "IUYXMH03G5ONKOPV".into(),
            "YD0UR6BF31NND5".into(),
        ],
        lines: vec![
            line("fee", "證照費", "证照费", "Permit fee", 1000),
            line(
                "surcharge",
                "超商繳費手續費",
                "超商缴费手续费",
                "Store fee",
                8,
            ),
        ],
        amount: Some(Money {
            minor_units: 1008,
            currency: "TWD".into(),
        }),
        surcharge_minor_units: 8,
        payer_name: "鄭**".into(),
        issued_at: Some(timestamp(1_562_198_400)),
    }
}

/// A booking at `centre`, 2026-05-29 09:30 in Hong Kong and Macao.
pub fn booked(
    case_id: &str,
    application_type: &str,
    version: u32,
    centre: &str,
) -> AppointmentBooked {
    AppointmentBooked {
        case_id: case_id.to_owned(),
        centre: centre.to_owned(),
        starts_at: Some(timestamp(1_780_018_200)),
        party: Some(party("sample-account")),
        booking_id: "0190f0c8-5d1e-7c2a-8f00-00000000b00c".into(),
        receipt_number: "1130000123".into(),
        previous_starts_at: None,
        reason: String::new(),
        application_type: application_type.to_owned(),
        catalog_version: version,
        group_number: "G1130000045".into(),
    }
}

/// A sample job for `template` of `catalog`.
pub fn job(catalog: &Catalog, template: &DocumentTemplate) -> Result<Job, BadEvent> {
    let application_type = template
        .types
        .first()
        .cloned()
        .or_else(|| {
            catalog
                .application_types
                .first()
                .map(|kind| kind.code.clone())
        })
        .unwrap_or_default();
    let case_id = "0190f0c8-5d1e-7c2a-8f00-00000000ca5e";
    let agency = catalog.agency.code.as_str();
    match template.kind {
        DocumentKind::Acknowledgement => {
            jobs::acknowledgement(agency, &submitted(case_id, &application_type, 1), catalog)
        }
        DocumentKind::EPermit => {
            let answers = answers(catalog, &application_type);
            jobs::e_permit(
                agency,
                &issued(case_id, &application_type, 1, &answers, &HOLDER),
                catalog,
            )
        }
        DocumentKind::Receipt => jobs::receipt(
            agency,
            &paid(
                case_id,
                &application_type,
                1,
                catalog.agency.currency.code(),
            ),
            catalog,
        ),
        DocumentKind::PaymentSlip => {
            jobs::payment_slip(agency, &slip_issued(case_id, &application_type, 1), catalog)
        }
        DocumentKind::PickupSlip => jobs::pickup_slip(
            agency,
            &in_production(case_id, &application_type, 1),
            catalog,
        ),
        DocumentKind::AppointmentLetter => {
            let centre = catalog
                .centres
                .first()
                .map(|centre| centre.code.as_str())
                .unwrap_or("centre");
            jobs::appointment_letter(
                agency,
                &booked(case_id, &application_type, 1, centre),
                catalog,
            )
        }
    }
}
