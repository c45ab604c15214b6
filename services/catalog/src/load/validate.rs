//! Cross-file validation and assembly of the [`Catalog`].

use super::checks::{Report, RuleScope};
use super::validate_calendar as calendar_checks;
use super::{LoadError, Parts, SourceFile};
use crate::format::{
    AgencyFile, Catalog, FieldKind, FormField, OpeningHours, PERMIT_EXPIRY_FIELD,
    PERMIT_KIND_FIELD, RecordFieldKind,
};
use crate::identity_documents::DocumentKind;
use crate::numbers;
use std::collections::BTreeSet;

pub(crate) fn validate(parts: &Parts<'_>, errors: &mut Vec<LoadError>) -> Option<Catalog> {
    let mut report = Report { errors };
    if let Some((source, agency)) = &parts.agency {
        check_agency(&mut report, source, agency);
    }
    if let Some((source, calendar)) = &parts.calendar {
        let centres: BTreeSet<&str> = parts
            .agency
            .as_ref()
            .map(|(_, agency)| {
                agency
                    .centres
                    .iter()
                    .map(|centre| centre.code.as_str())
                    .collect()
            })
            .unwrap_or_default();
        calendar_checks::check_calendar(&mut report, source, calendar, &centres);
        calendar_checks::check_jurisdiction(&mut report, source, calendar, parts);
    }
    for (source, _, shared) in &parts.jurisdictions {
        calendar_checks::check_shared_calendar(&mut report, source, shared);
    }
    super::validate_types::check_types(&mut report, parts);
    super::validate_fees::check_fees(&mut report, parts);
    let templates = super::validate_templates::merge_templates(&mut report, parts);
    let documents = super::validate_documents::check_documents(&mut report, parts);

    let (_, agency) = parts.agency.as_ref()?;
    let (_, fees) = parts.fees.as_ref()?;
    let (_, calendar) = parts.calendar.as_ref()?;
    Some(Catalog {
        agency: agency.agency.clone(),
        portals: agency.portals.clone(),
        code_lists: agency.code_lists.clone(),
        records: agency.records.clone(),
        centres: agency.centres.clone(),
        numbers: agency.numbers.clone(),
        announcements: agency.announcements.clone(),
        application_types: parts
            .types
            .iter()
            .map(|(_, application_type)| application_type.clone())
            .collect(),
        fees: fees.clone(),
        calendar: calendar_checks::merged_calendar(calendar, parts),
        templates: templates?,
        documents,
    })
}

fn check_agency(report: &mut Report<'_>, source: &SourceFile, file: &AgencyFile) {
    check_records(report, source, file);
    let agency = &file.agency;
    let code_ok = !agency.code.is_empty()
        && agency.code.chars().all(|character| {
            character.is_ascii_lowercase() || character.is_ascii_digit() || character == '-'
        });
    if !code_ok {
        report.at(
            source,
            "agency.code",
            "agency code must be lower-case letters, digits and `-`",
        );
    }
    report.text(source, "agency.name", &agency.name);
    if agency.time_zone.parse::<chrono_tz::Tz>().is_err() {
        report.at(
            source,
            "agency.time_zone",
            format!("unknown time zone `{}`", agency.time_zone),
        );
    }
    if agency.secondary_currency == Some(agency.currency) {
        report.at(
            source,
            "agency.secondary_currency",
            "secondary currency equals the main currency",
        );
    }
    check_hours(
        report,
        source,
        "agency.opening_hours",
        &agency.opening_hours,
    );

    report.unique(
        source,
        "portals",
        file.portals.iter().map(|portal| portal.code.as_str()),
    );
    for (index, portal) in file.portals.iter().enumerate() {
        let path = format!("portals[{index}]");
        report.text(source, &format!("{path}.name"), &portal.name);
        let registration = &portal.registration;
        let field_codes: BTreeSet<String> = registration
            .fields
            .iter()
            .map(|field| field.code.clone())
            .collect();
        report.unique(
            source,
            &format!("{path}.registration.fields"),
            registration.fields.iter().map(|field| field.code.as_str()),
        );
        // Registration has no permit record to read.
        let scope = RuleScope::registration(&registration.fields, &file.code_lists);
        for (field_index, field) in registration.fields.iter().enumerate() {
            let field_path = format!("{path}.registration.fields[{field_index}]");
            check_field(report, source, &field_path, field, &scope);
            only_in_applications(report, source, &field_path, field);
        }
        check_sms_code_field(report, source, &path, registration);
        let managed_scope = RuleScope::new(&portal.managed_applicant_fields, &[], &file.code_lists);
        report.unique(
            source,
            &format!("{path}.managed_applicant_fields"),
            portal
                .managed_applicant_fields
                .iter()
                .map(|field| field.code.as_str()),
        );
        for (field_index, field) in portal.managed_applicant_fields.iter().enumerate() {
            let field_path = format!("{path}.managed_applicant_fields[{field_index}]");
            check_field(report, source, &field_path, field, &managed_scope);
            only_in_applications(report, source, &field_path, field);
        }
        if registration.password.min_length == 0 {
            report.at(
                source,
                format!("{path}.registration.password.min_length"),
                "minimum password length must be at least 1",
            );
        }
        if registration.match_person_records && registration.no_match_message.is_none() {
            report.at(
                source,
                format!("{path}.registration.no_match_message"),
                "registration matched against records needs a no-match message",
            );
        }
        if let Some(message) = &registration.no_match_message {
            report.text(
                source,
                &format!("{path}.registration.no_match_message"),
                message,
            );
        }
        if !field_codes.contains(&portal.login_with) {
            report.at(
                source,
                format!("{path}.login_with"),
                format!(
                    "login field `{}` is not a registration field",
                    portal.login_with
                ),
            );
        }
    }
    for (list, items) in &file.code_lists {
        report.unique(
            source,
            &format!("code_lists.{list}"),
            items.iter().map(|item| item.code.as_str()),
        );
        for (index, item) in items.iter().enumerate() {
            report.text(
                source,
                &format!("code_lists.{list}[{index}].name"),
                &item.name,
            );
        }
    }
    report.unique(
        source,
        "centres",
        file.centres.iter().map(|centre| centre.code.as_str()),
    );
    for (index, centre) in file.centres.iter().enumerate() {
        let path = format!("centres[{index}]");
        report.text(source, &format!("{path}.name"), &centre.name);
        report.text(source, &format!("{path}.address"), &centre.address);
        check_hours(
            report,
            source,
            &format!("{path}.opening_hours"),
            &centre.opening_hours,
        );
        if centre.slot_minutes == 0 {
            report.at(
                source,
                format!("{path}.slot_minutes"),
                "slot length must be positive",
            );
        }
        if centre.slot_capacity == 0 {
            report.at(
                source,
                format!("{path}.slot_capacity"),
                "slot capacity must be positive",
            );
        }
    }
    if let Err(error) = numbers::validate_format(&file.numbers.receipt) {
        report.at(source, "numbers.receipt", error.to_string());
    }
    if let Some(group) = &file.numbers.group
        && let Err(error) = numbers::validate_format(group)
    {
        report.at(source, "numbers.group", error.to_string());
    }
    if let Some(permit) = &file.numbers.permit
        && let Err(error) = numbers::validate_format(permit)
    {
        report.at(source, "numbers.permit", error.to_string());
    }
    report.unique(
        source,
        "announcements",
        file.announcements
            .iter()
            .map(|announcement| announcement.code.as_str()),
    );
    for (index, announcement) in file.announcements.iter().enumerate() {
        report.text(
            source,
            &format!("announcements[{index}].title"),
            &announcement.title,
        );
        report.text(
            source,
            &format!("announcements[{index}].body"),
            &announcement.body,
        );
    }
}

fn check_hours(report: &mut Report<'_>, source: &SourceFile, path: &str, hours: &[OpeningHours]) {
    for (index, window) in hours.iter().enumerate() {
        if window.opens >= window.closes {
            report.at(
                source,
                format!("{path}[{index}].closes"),
                "closing time must be after opening time",
            );
        }
        if window.days.is_empty() {
            report.at(
                source,
                format!("{path}[{index}].days"),
                "opening window has no days",
            );
        }
    }
}

/// A field asking an identity document's number (in a registration,
/// managed-applicant or application form) names a kind of
/// [`DocumentKind`], whose number is then checked, check digit included.
fn check_identity_kind(
    report: &mut Report<'_>,
    source: &SourceFile,
    path: &str,
    field: &FormField,
) {
    if field.kind != FieldKind::IdentityDocumentNumber {
        return;
    }
    let expected = DocumentKind::codes().join(", ");
    match field.document_kind.as_deref() {
        None => report.at(
            source,
            format!("{path}.document_kind"),
            format!("an identity document number needs its document_kind (one of: {expected})"),
        ),
        Some(kind) if DocumentKind::parse(kind).is_none() => report.at(
            source,
            format!("{path}.document_kind"),
            format!("unknown identity document kind `{kind}` (expected one of: {expected})"),
        ),
        Some(_) => {}
    }
}

/// Checks the declared shape of the agency's permit records.
fn check_records(report: &mut Report<'_>, source: &SourceFile, file: &AgencyFile) {
    let fields = &file.records.permit;
    report.unique(
        source,
        "records.permit",
        fields.iter().map(|field| field.code.as_str()),
    );
    for (index, field) in fields.iter().enumerate() {
        let path = format!("records.permit[{index}]");
        report.text(source, &format!("{path}.meaning"), &field.meaning);
        match (&field.kind, &field.code_list) {
            (RecordFieldKind::Unknown(name), _) => report.at(
                source,
                format!("{path}.type"),
                format!(
                    "unknown record field type `{name}` (expected one of: {})",
                    RecordFieldKind::NAMES.join(", ")
                ),
            ),
            (RecordFieldKind::Choice, None) => report.at(
                source,
                format!("{path}.code_list"),
                "a choice field needs a code list",
            ),
            (RecordFieldKind::Choice, Some(list)) if !file.code_lists.contains_key(list) => {
                report.at(
                    source,
                    format!("{path}.code_list"),
                    format!("unknown code list `{list}`"),
                );
            }
            (RecordFieldKind::Choice, Some(_)) | (_, None) => {}
            (_, Some(_)) => report.at(
                source,
                format!("{path}.code_list"),
                "only choice fields take a code list",
            ),
        }
        let meant = match field.code.as_str() {
            PERMIT_KIND_FIELD => Some((
                matches!(field.kind, RecordFieldKind::Choice | RecordFieldKind::Text),
                "choice or text",
            )),
            PERMIT_EXPIRY_FIELD => Some((field.kind == RecordFieldKind::Date, "date")),
            _ => None,
        };
        if let Some((false, expected)) = meant {
            report.at(
                source,
                format!("{path}.type"),
                format!(
                    "`{}` says what the holder holds and until when (`holds_valid`): its type must be {expected}",
                    field.code
                ),
            );
        }
    }
}

/// Checks one form field (registration or application form).
/// A delivery choice belongs to an application type (its options are the
/// type's); in a registration or a managed applicant's form it means nothing.
fn only_in_applications(
    report: &mut Report<'_>,
    source: &SourceFile,
    path: &str,
    field: &crate::format::FormField,
) {
    if field.kind == FieldKind::Delivery {
        report.at(
            source,
            format!("{path}.type"),
            "a delivery field belongs in an application type's form",
        );
    }
}

/// The declared SMS code field: a text field of the form, on a portal
/// activated by SMS whose form asks for a mobile number to send it to.
fn check_sms_code_field(
    report: &mut Report<'_>,
    source: &SourceFile,
    path: &str,
    registration: &crate::format::RegistrationPolicy,
) {
    let Some(code) = &registration.sms_code_field else {
        return;
    };
    let at = format!("{path}.registration.sms_code_field");
    match registration.fields.iter().find(|field| &field.code == code) {
        None => report.at(source, &at, format!("unknown registration field `{code}`")),
        Some(field) if field.kind != FieldKind::Text => {
            report.at(source, &at, format!("`{code}` is not a text field"))
        }
        Some(_) => {}
    }
    if registration.activation != crate::format::Activation::Sms {
        report.at(source, &at, "an SMS code field needs `activation: sms`");
    }
    if !registration
        .fields
        .iter()
        .any(|field| field.kind == FieldKind::Phone)
    {
        report.at(
            source,
            &at,
            "an SMS code field needs a phone field to send the code to",
        );
    }
}

pub(crate) fn check_field(
    report: &mut Report<'_>,
    source: &SourceFile,
    path: &str,
    field: &FormField,
    scope: &RuleScope<'_>,
) {
    let code_lists = scope.code_lists;
    check_identity_kind(report, source, path, field);
    report.text(source, &format!("{path}.label"), &field.label);
    match &field.kind {
        FieldKind::Unknown(name) => report.at(
            source,
            format!("{path}.type"),
            format!(
                "unknown field type `{name}` (expected one of: {})",
                FieldKind::NAMES.join(", ")
            ),
        ),
        FieldKind::Choice => match &field.code_list {
            None => report.at(
                source,
                format!("{path}.code_list"),
                "a choice field needs a code list",
            ),
            Some(list) if !code_lists.contains_key(list) => report.at(
                source,
                format!("{path}.code_list"),
                format!("unknown code list `{list}`"),
            ),
            Some(_) => {}
        },
        FieldKind::Declarations => {
            if field.options.len() < 2 {
                report.at(
                    source,
                    format!("{path}.options"),
                    "declarations need at least two mutually exclusive statements",
                );
            }
            report.unique(
                source,
                &format!("{path}.options"),
                field.options.iter().map(|option| option.code.as_str()),
            );
            for (index, option) in field.options.iter().enumerate() {
                report.text(
                    source,
                    &format!("{path}.options[{index}].label"),
                    &option.label,
                );
            }
        }
        _ => {}
    }
    if field.address_field.is_some() && field.kind != FieldKind::Delivery {
        report.at(
            source,
            format!("{path}.address_field"),
            "only delivery fields name an address field",
        );
    }
    if field.code_list.is_some() && field.kind != FieldKind::Choice {
        report.at(
            source,
            format!("{path}.code_list"),
            "only choice fields take a code list",
        );
    }
    if let Some(pattern) = &field.pattern
        && let Err(error) = regex::Regex::new(pattern)
    {
        report.at(
            source,
            format!("{path}.pattern"),
            format!("invalid pattern: {error}"),
        );
    }
    if let (Some(min), Some(max)) = (field.min_length, field.max_length)
        && min > max
    {
        report.at(
            source,
            format!("{path}.min_length"),
            "min_length is above max_length",
        );
    }
    if let Some(background) = field
        .image
        .as_ref()
        .and_then(|image| image.background.as_deref())
        .filter(|background| *background != "white")
    {
        report.at(
            source,
            format!("{path}.image.background"),
            format!("`{background}`: only a `white` background can be measured"),
        );
    }
    if let Some(prefill) = &field.prefill_from {
        let known = match prefill.split_once('.') {
            Some(("record", key)) if !key.is_empty() => {
                if !scope.record.iter().any(|declared| declared.code == key) {
                    report.at(
                        source,
                        format!("{path}.prefill_from"),
                        format!("`record.{key}` is not declared in agency.yaml records.permit"),
                    );
                }
                true
            }
            Some(("profile", key)) => !key.is_empty(),
            Some(("applicant", key)) => crate::format::APPLICANT_PREFILL.contains(&key),
            _ => false,
        };
        if !known {
            report.at(
                source,
                format!("{path}.prefill_from"),
                format!(
                    "prefill must name a record field (`record.school`), the applicant's {} (`applicant.date_of_birth`) or a registration field (`profile.sex`)",
                    crate::format::APPLICANT_PREFILL.join(", ")
                ),
            );
        }
    }
    for (name, rule) in [
        ("required_when", &field.required_when),
        ("visible_when", &field.visible_when),
    ] {
        if let Some(rule) = rule {
            report.rule(source, &format!("{path}.{name}"), rule, scope);
        }
    }
    for (index, check) in field.checks.iter().enumerate() {
        report.rule(
            source,
            &format!("{path}.checks[{index}].rule"),
            &check.rule,
            scope,
        );
        report.text(
            source,
            &format!("{path}.checks[{index}].message"),
            &check.message,
        );
    }
}
