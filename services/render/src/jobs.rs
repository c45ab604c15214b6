//! What to render for an event: the document's kind, owner, source fact
//! and the kind's part of the template data. The catalog decides whether
//! the agency issues that document at all.

use chrono::{DateTime, NaiveDate, Utc};
use laissez_catalog::Catalog;
use laissez_catalog::format::{DocumentKind, Language};
use laissez_kit::time::from_timestamp;
use laissez_proto::events::v1::{
    AppointmentBooked, CaseParty, CaseProgressed, CaseSubmitted, OrderPaid, PaidLine, SlipIssued,
};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::seal::Message;

/// A document to lay out.
#[derive(Debug, Clone)]
pub struct Job {
    pub agency: String,
    pub account_id: String,
    pub case_id: Uuid,
    pub kind: DocumentKind,
    /// The fact it comes from (`case:<id>`, `order:<id>`): one document per fact.
    pub source: String,
    pub application_type: String,
    pub catalog_version: u32,
    pub language: Language,
    pub receipt_number: String,
    pub group_number: String,
    pub paid_at: Option<DateTime<Utc>>,
    /// The document's own number.
    pub number: String,
    /// What a seal signs of the holder and dates (`did` is set later).
    pub sealed: Message,
    /// The kind's own parts of the template data (`holder`, `permit`, …).
    pub parts: Map<String, Value>,
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BadEvent(pub String);

fn case_id(text: &str) -> Result<Uuid, BadEvent> {
    Uuid::parse_str(text).map_err(|_| BadEvent(format!("case id {text:?} is malformed")))
}

fn party(party: Option<&CaseParty>) -> Result<&CaseParty, BadEvent> {
    party
        .filter(|party| !party.account_id.is_empty())
        .ok_or_else(|| BadEvent("the event names no account".into()))
}

/// The case a payment's document is filed under (its first), once the
/// event names the paying account.
fn first_case<'a>(account_id: &str, case_ids: &'a [String]) -> Result<&'a str, BadEvent> {
    if account_id.is_empty() {
        return Err(BadEvent("the event names no account".into()));
    }
    case_ids
        .first()
        .map(String::as_str)
        .ok_or_else(|| BadEvent("the event names no case".into()))
}

/// What every document carries of its case, whatever fact it comes from.
struct CaseFields<'a> {
    account_id: &'a str,
    case_id: &'a str,
    application_type: &'a str,
    catalog_version: u32,
    language: Language,
    receipt_number: &'a str,
    group_number: &'a str,
}

/// The case events that name their case the same way.
trait CaseEvent {
    fn case_fields<'a>(&'a self, party: &'a CaseParty) -> CaseFields<'a>;
}

macro_rules! case_events {
    ($($event:ty),*) => {$(
        impl CaseEvent for $event {
            fn case_fields<'a>(&'a self, party: &'a CaseParty) -> CaseFields<'a> {
                CaseFields {
                    account_id: &party.account_id,
                    case_id: &self.case_id,
                    application_type: &self.application_type,
                    catalog_version: self.catalog_version,
                    language: language(party.language),
                    receipt_number: &self.receipt_number,
                    group_number: &self.group_number,
                }
            }
        }
    )*};
}

case_events!(CaseSubmitted, CaseProgressed, AppointmentBooked);

impl Job {
    /// A document of `case`: its number is the one the seal signs, and the
    /// seal names the case's type.
    fn of_case(
        agency: &str,
        case: CaseFields<'_>,
        kind: DocumentKind,
        source: String,
        sealed: Message,
        parts: Map<String, Value>,
    ) -> Result<Job, BadEvent> {
        Ok(Job {
            agency: agency.to_owned(),
            account_id: case.account_id.to_owned(),
            case_id: case_id(case.case_id)?,
            kind,
            source,
            application_type: case.application_type.to_owned(),
            catalog_version: case.catalog_version,
            language: case.language,
            receipt_number: case.receipt_number.to_owned(),
            group_number: case.group_number.to_owned(),
            paid_at: None,
            number: sealed.no.clone(),
            sealed: Message {
                ty: case.application_type.to_owned(),
                ..sealed
            },
            parts,
        })
    }
}

/// The holder as documents before the permit print them.
fn masked_holder(party: &CaseParty) -> Value {
    json!({ "masked_name": party.applicant_masked_name })
}

pub fn language(value: i32) -> Language {
    Language::from_wire(value).unwrap_or(Language::ZhHant)
}

/// A moment as the agency's clock shows it, `YYYY-MM-DD HH:MM`.
pub fn local_time(catalog: &Catalog, at: DateTime<Utc>) -> String {
    match catalog.agency.time_zone.parse::<chrono_tz::Tz>() {
        Ok(zone) => at.with_timezone(&zone).format("%Y-%m-%d %H:%M").to_string(),
        Err(_) => at.format("%Y-%m-%d %H:%M UTC").to_string(),
    }
}

pub fn local_day(catalog: &Catalog, at: DateTime<Utc>) -> NaiveDate {
    match catalog.agency.time_zone.parse::<chrono_tz::Tz>() {
        Ok(zone) => at.with_timezone(&zone).date_naive(),
        Err(_) => at.date_naive(),
    }
}

/// `intake.case.submitted` → the submission acknowledgement.
pub fn acknowledgement(
    agency: &str,
    event: &CaseSubmitted,
    catalog: &Catalog,
) -> Result<Job, BadEvent> {
    let party = party(event.party.as_ref())?;
    let submitted_at = event
        .submitted_at
        .as_ref()
        .and_then(from_timestamp)
        .unwrap_or_else(Utc::now);
    let mut parts = Map::new();
    parts.insert(
        "case_extra".into(),
        json!({
            "submitted_at": local_time(catalog, submitted_at),
            "express": event.express,
        }),
    );
    parts.insert("holder".into(), masked_holder(party));
    Job::of_case(
        agency,
        event.case_fields(party),
        DocumentKind::Acknowledgement,
        format!("case:{}", event.case_id),
        Message {
            nam: party.applicant_masked_name.clone(),
            doi: local_day(catalog, submitted_at).to_string(),
            no: event.receipt_number.clone(),
            ..Message::default()
        },
        parts,
    )
}

/// `intake.case.progressed` into `issued` → the electronic permit.
pub fn e_permit(agency: &str, event: &CaseProgressed, catalog: &Catalog) -> Result<Job, BadEvent> {
    let party = party(event.party.as_ref())?;
    let holder = event
        .holder
        .as_ref()
        .ok_or_else(|| BadEvent("an issued case's event carries no holder".into()))?;
    if event.permit_number.is_empty() {
        return Err(BadEvent(
            "an issued case's event carries no permit number".into(),
        ));
    }
    let answers: Map<String, Value> = parse_object(&holder.answers_json, "answers")?;
    let record: Map<String, Value> = parse_object(&holder.record_json, "record")?;
    let issued_at = event
        .at
        .as_ref()
        .and_then(from_timestamp)
        .unwrap_or_else(Utc::now);
    let issued_on = local_day(catalog, issued_at).to_string();
    let labels = labels(catalog, &event.application_type, &answers);
    let mut parts = Map::new();
    parts.insert(
        "holder".into(),
        json!({
            "name": holder.name,
            "date_of_birth": holder.date_of_birth,
            "document_number": holder.document_number,
        }),
    );
    parts.insert(
        "permit".into(),
        json!({
            "number": event.permit_number,
            "issued_on": issued_on,
            "valid_until": event.permit_valid_until,
            // What the type's rules grant; null when it does not say.
            "entries": (!event.permit_entries.is_empty()).then_some(&event.permit_entries),
            "stay_days": (event.permit_stay_days > 0).then_some(event.permit_stay_days),
        }),
    );
    parts.insert("answers".into(), Value::Object(answers));
    parts.insert("labels".into(), Value::Object(labels));
    parts.insert("record".into(), Value::Object(record));
    Job::of_case(
        agency,
        event.case_fields(party),
        DocumentKind::EPermit,
        format!("case:{}", event.case_id),
        Message {
            no: event.permit_number.clone(),
            nam: holder.name.clone(),
            dob: holder.date_of_birth.clone(),
            doi: issued_on,
            doe: event.permit_valid_until.clone(),
            ..Message::default()
        },
        parts,
    )
}

/// `payment.order.paid` → the electronic receipt of the fees (never a
/// method's surcharge: the event carries only fee and delivery lines).
pub fn receipt(agency: &str, event: &OrderPaid, catalog: &Catalog) -> Result<Job, BadEvent> {
    let case = first_case(&event.account_id, &event.case_ids)?;
    let order = Uuid::parse_str(&event.order_id)
        .map_err(|_| BadEvent(format!("order id {:?} is malformed", event.order_id)))?;
    let paid_at = event
        .paid_at
        .as_ref()
        .and_then(from_timestamp)
        .unwrap_or_else(Utc::now);
    let language = language(event.language);
    let currency = event
        .amount
        .as_ref()
        .map(|amount| amount.currency.clone())
        .unwrap_or_default();
    let lines = line_values(&event.lines, language, &currency);
    let total: i64 = event.lines.iter().map(|line| line.minor_units).sum();
    let method = method_name(catalog, &event.method, language);
    let number = format!(
        "E{}{}",
        local_day(catalog, paid_at).format("%Y%m%d"),
        &order.simple().to_string()[..8].to_uppercase()
    );
    let mut parts = Map::new();
    parts.insert(
        "payment".into(),
        json!({
            "order_id": event.order_id,
            "paid_at": local_time(catalog, paid_at),
            "method": method,
            "currency": currency,
            "total": total,
            "total_text": amount_text(total, &currency),
            "lines": lines,
        }),
    );
    let case = CaseFields {
        account_id: &event.account_id,
        case_id: case,
        application_type: &event.application_type,
        catalog_version: event.catalog_version,
        language,
        receipt_number: event.receipt_numbers.first().map_or("", String::as_str),
        group_number: &event.group_number,
    };
    let sealed = Message {
        no: number,
        nam: event.receipt_numbers.join(","),
        doi: local_day(catalog, paid_at).to_string(),
        ..Message::default()
    };
    let source = format!("order:{}", event.order_id);
    Job::of_case(agency, case, DocumentKind::Receipt, source, sealed, parts).map(|job| Job {
        paid_at: Some(paid_at),
        ..job
    })
}

/// `payment.slip.issued` → the convenience-store payment slip: the
/// payer's copy (收執聯) and the collector's copy, with the barcodes' values
/// (drawn as Code 39 when the slip is laid out).
pub fn payment_slip(agency: &str, event: &SlipIssued, catalog: &Catalog) -> Result<Job, BadEvent> {
    let case = first_case(&event.account_id, &event.case_ids)?;
    Uuid::parse_str(&event.payment_id)
        .map_err(|_| BadEvent(format!("payment id {:?} is malformed", event.payment_id)))?;
    if event.slip_number.is_empty() || event.barcodes.len() != 3 {
        return Err(BadEvent(
            "a slip needs its number and three barcodes".into(),
        ));
    }
    let deadline = NaiveDate::parse_from_str(&event.deadline, "%Y-%m-%d")
        .map_err(|_| BadEvent(format!("deadline {:?} is not a date", event.deadline)))?;
    let issued_at = event
        .issued_at
        .as_ref()
        .and_then(from_timestamp)
        .unwrap_or_else(Utc::now);
    let language = language(event.language);
    let (total, currency) = event
        .amount
        .as_ref()
        .map(|amount| (amount.minor_units, amount.currency.clone()))
        .unwrap_or_default();
    let mut parts = Map::new();
    parts.insert(
        "slip".into(),
        json!({
            "number": event.slip_number,
            "payer": event.payer_name,
            "printed_on": local_day(catalog, issued_at).to_string(),
            "deadline": deadline.to_string(),
            "method": method_name(catalog, &event.method, language),
            "currency": currency,
            "lines": line_values(&event.lines, language, &currency),
            "total": total,
            "total_text": amount_text(total, &currency),
            "receipt_numbers": event.receipt_numbers,
            "group_numbers": event.group_numbers,
            "barcodes": event.barcodes,
        }),
    );
    let case = CaseFields {
        account_id: &event.account_id,
        case_id: case,
        application_type: &event.application_type,
        catalog_version: event.catalog_version,
        language,
        receipt_number: event.receipt_numbers.first().map_or("", String::as_str),
        group_number: event.group_numbers.first().map_or("", String::as_str),
    };
    let sealed = Message {
        no: event.slip_number.clone(),
        nam: event.payer_name.clone(),
        doi: local_day(catalog, issued_at).to_string(),
        doe: deadline.to_string(),
        ..Message::default()
    };
    let source = format!("payment:{}", event.payment_id);
    Job::of_case(
        agency,
        case,
        DocumentKind::PaymentSlip,
        source,
        sealed,
        parts,
    )
}

/// Fee lines as documents list them: the label in `language` and the
/// amount as the currency writes it.
fn line_values(lines: &[PaidLine], language: Language, currency: &str) -> Vec<Value> {
    lines
        .iter()
        .map(|line| {
            let label = line
                .label
                .as_ref()
                .map(|label| match language {
                    Language::ZhHant => label.zh_hant.clone(),
                    Language::ZhHans => label.zh_hans.clone(),
                    Language::En => label.en.clone(),
                })
                .unwrap_or_default();
            json!({
                "code": line.code,
                "label": label,
                "amount": line.minor_units,
                "amount_text": amount_text(line.minor_units, currency),
            })
        })
        .collect()
}

/// A payment method's name in the catalog (its code when unknown).
fn method_name(catalog: &Catalog, code: &str, language: Language) -> String {
    catalog
        .fees
        .payment_methods
        .iter()
        .find(|method| method.code == code)
        .map(|method| method.name.get(language).to_owned())
        .unwrap_or_else(|| code.to_owned())
}

/// `intake.appointment.booked` → the appointment letter: centre, address,
/// day and time in the agency's clock, one per booking and time (a
/// booking moved by a closure gets a new letter).
pub fn appointment_letter(
    agency: &str,
    event: &AppointmentBooked,
    catalog: &Catalog,
) -> Result<Job, BadEvent> {
    let party = party(event.party.as_ref())?;
    let booking = Uuid::parse_str(&event.booking_id)
        .map_err(|_| BadEvent(format!("booking id {:?} is malformed", event.booking_id)))?;
    let starts_at = event
        .starts_at
        .as_ref()
        .and_then(from_timestamp)
        .ok_or_else(|| BadEvent("the booking carries no start time".into()))?;
    if event.centre.is_empty() {
        return Err(BadEvent("the booking names no centre".into()));
    }
    let language = language(party.language);
    let centre = catalog
        .centres
        .iter()
        .find(|centre| centre.code == event.centre);
    let (centre_name, address) = match centre {
        Some(centre) => (
            centre.name.get(language).to_owned(),
            centre.address.get(language).to_owned(),
        ),
        None => (event.centre.clone(), String::new()),
    };
    let local = local_time(catalog, starts_at);
    let (date, time) = local.split_once(' ').unwrap_or((local.as_str(), ""));
    let day = local_day(catalog, starts_at);
    let simple = booking.simple().to_string();
    let number = format!(
        "A{}{}",
        day.format("%Y%m%d"),
        simple[simple.len() - 8..].to_uppercase()
    );
    let previous = event
        .previous_starts_at
        .as_ref()
        .and_then(from_timestamp)
        .map(|at| local_time(catalog, at))
        .unwrap_or_default();
    let mut parts = Map::new();
    parts.insert("holder".into(), masked_holder(party));
    parts.insert(
        "appointment".into(),
        json!({
            "booking_id": event.booking_id,
            "centre": event.centre,
            "centre_name": centre_name,
            "address": address,
            "date": date,
            "time": time,
            "starts_at": local,
            "previous_starts_at": previous,
        }),
    );
    Job::of_case(
        agency,
        event.case_fields(party),
        DocumentKind::AppointmentLetter,
        format!("appointment:{}:{}", event.booking_id, starts_at.timestamp()),
        Message {
            no: number,
            nam: party.applicant_masked_name.clone(),
            doi: local_day(catalog, Utc::now()).to_string(),
            doe: day.to_string(),
            ..Message::default()
        },
        parts,
    )
}

/// `intake.case.progressed` into `in_production` → the pickup slip: the
/// receipt number the counter checks, the day production is due and the
/// place to collect at (the agency's first service centre, with its hours).
pub fn pickup_slip(
    agency: &str,
    event: &CaseProgressed,
    catalog: &Catalog,
) -> Result<Job, BadEvent> {
    let party = party(event.party.as_ref())?;
    if event.receipt_number.is_empty() {
        return Err(BadEvent(
            "a case in production carries no receipt number".into(),
        ));
    }
    let language = language(party.language);
    let at = event
        .at
        .as_ref()
        .and_then(from_timestamp)
        .unwrap_or_else(Utc::now);
    let issued_on = local_day(catalog, at).to_string();
    let (place, address, hours) = match catalog.centres.first() {
        Some(centre) => (
            centre.name.get(language).to_owned(),
            centre.address.get(language).to_owned(),
            centre
                .opening_hours
                .iter()
                .map(|hours| {
                    json!({
                        "days": serde_json::to_value(&hours.days).unwrap_or(Value::Null),
                        "opens": hours.opens.format("%H:%M").to_string(),
                        "closes": hours.closes.format("%H:%M").to_string(),
                    })
                })
                .collect::<Vec<_>>(),
        ),
        None => (String::new(), String::new(), Vec::new()),
    };
    let mut parts = Map::new();
    parts.insert("holder".into(), masked_holder(party));
    parts.insert(
        "pickup".into(),
        json!({
            "ready_on": event.production_due_on,
            "place": place,
            "address": address,
            "hours": hours,
            "issued_on": issued_on,
        }),
    );
    Job::of_case(
        agency,
        event.case_fields(party),
        DocumentKind::PickupSlip,
        format!("pickup:{}", event.case_id),
        Message {
            no: event.receipt_number.clone(),
            nam: party.applicant_masked_name.clone(),
            doi: issued_on,
            doe: event.production_due_on.clone(),
            ..Message::default()
        },
        parts,
    )
}

/// Minor units as the currency writes them: `600`, `1,234.50`.
pub fn amount_text(minor_units: i64, currency: &str) -> String {
    let exponent = laissez_catalog::format::Currency::parse(currency)
        .map(|currency| currency.exponent())
        .unwrap_or(2);
    let scale = 10_i64.pow(exponent);
    let (whole, part) = (minor_units.abs() / scale, minor_units.abs() % scale);
    let digits = whole.to_string();
    let mut grouped = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    let sign = if minor_units < 0 { "-" } else { "" };
    if exponent == 0 {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}.{part:0width$}", width = exponent as usize)
    }
}

fn parse_object(text: &str, what: &str) -> Result<Map<String, Value>, BadEvent> {
    if text.trim().is_empty() {
        return Ok(Map::new());
    }
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(BadEvent(format!(
            "the holder's {what} are not a JSON object"
        ))),
    }
}

/// The catalog's names of the codes chosen in choice fields, every language.
fn labels(
    catalog: &Catalog,
    application_type: &str,
    answers: &Map<String, Value>,
) -> Map<String, Value> {
    let mut labels = Map::new();
    let Some(kind) = catalog.application_type(application_type) else {
        return labels;
    };
    for field in kind.form.iter().flat_map(|section| &section.fields) {
        let Some(list) = field
            .code_list
            .as_ref()
            .and_then(|list| catalog.code_lists.get(list))
        else {
            continue;
        };
        let Some(chosen) = answers.get(&field.code).and_then(Value::as_str) else {
            continue;
        };
        if let Some(item) = list.iter().find(|item| item.code == chosen) {
            labels.insert(
                field.code.clone(),
                serde_json::to_value(&item.name).unwrap_or_default(),
            );
        }
    }
    labels
}
