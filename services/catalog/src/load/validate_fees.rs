//! Checks of the fee schedule: every row refers to a known type, variant,
//! age band and speed, and is reachable (no earlier row shadows it).

use super::Parts;
use super::checks::Report;
use crate::format::{ApplicationType, Currency, FeeRow, FieldKind, Pricing, Speed, Stage};
use std::collections::BTreeSet;

pub(crate) fn check_fees(report: &mut Report<'_>, parts: &Parts<'_>) {
    let Some((source, fees)) = &parts.fees else {
        return;
    };
    let currencies: BTreeSet<Currency> = parts
        .agency
        .as_ref()
        .map(|(_, agency)| {
            [
                Some(agency.agency.currency),
                agency.agency.secondary_currency,
            ]
            .into_iter()
            .flatten()
            .collect()
        })
        .unwrap_or_default();
    let code_lists = parts.agency.as_ref().map(|(_, agency)| &agency.code_lists);

    report.unique(
        source,
        "age_bands",
        fees.age_bands.iter().map(|band| band.code.as_str()),
    );
    for (index, band) in fees.age_bands.iter().enumerate() {
        report.text(source, &format!("age_bands[{index}].name"), &band.name);
    }
    report.unique(
        source,
        "payment_methods",
        fees.payment_methods
            .iter()
            .map(|method| method.code.as_str()),
    );
    for (index, method) in fees.payment_methods.iter().enumerate() {
        report.text(
            source,
            &format!("payment_methods[{index}].name"),
            &method.name,
        );
        for currency in method.surcharge.fixed.keys() {
            if !currencies.contains(currency) {
                report.at(
                    source,
                    format!("payment_methods[{index}].surcharge.fixed.{currency}"),
                    format!("currency {currency} is not the agency's"),
                );
            }
        }
    }
    if fees.refund_when_not_approved && !fees.refundable {
        report.at(
            source,
            "refund_when_not_approved".to_owned(),
            "a fee refunded when not approved must be refundable (refundable: true)".to_owned(),
        );
    }
    if fees.order_valid_days == Some(0) {
        report.at(
            source,
            "order_valid_days".to_owned(),
            "an order must stay payable at least one day".to_owned(),
        );
    }
    for (index, method) in fees.payment_methods.iter().enumerate() {
        if method.slip_valid_days == Some(0) {
            report.at(
                source,
                format!("payment_methods[{index}].slip_valid_days"),
                "a slip must stay payable at least one day".to_owned(),
            );
        }
    }
    report.unique(
        source,
        "delivery_options",
        fees.delivery_options
            .iter()
            .map(|option| option.code.as_str()),
    );
    for (index, option) in fees.delivery_options.iter().enumerate() {
        report.text(
            source,
            &format!("delivery_options[{index}].name"),
            &option.name,
        );
        if !matches!(
            option.stage,
            Stage::Pickup | Stage::Delivery | Stage::ElectronicIssue
        ) {
            report.at(
                source,
                format!("delivery_options[{index}].stage"),
                "a delivery option hands the document over in a pickup, delivery or electronic_issue stage",
            );
        }
    }

    for (index, row) in fees.rows.iter().enumerate() {
        let path = format!("rows[{index}]");
        let application_type = parts
            .types
            .iter()
            .map(|(_, application_type)| application_type)
            .find(|application_type| application_type.code == row.application_type);
        let Some(application_type) = application_type else {
            if parts.unparsed_type_codes.contains(&row.application_type) {
                continue;
            }
            report.at(
                source,
                format!("{path}.type"),
                format!(
                    "fee refers to unknown application type `{}`",
                    row.application_type
                ),
            );
            continue;
        };
        if application_type.pricing != Pricing::Schedule {
            report.at(
                source,
                format!("{path}.type"),
                format!(
                    "fee row is unreachable: type `{}` is priced {:?}, not by schedule",
                    row.application_type, application_type.pricing
                ),
            );
        }
        check_variants(report, source, &path, row, application_type, code_lists);
        check_answers(report, source, &path, row, application_type, code_lists);
        if let Some(band) = &row.age_band
            && !fees
                .age_bands
                .iter()
                .any(|candidate| &candidate.code == band)
        {
            report.at(
                source,
                format!("{path}.age_band"),
                format!("unknown age band `{band}`"),
            );
        }
        if row.speed == Some(Speed::Express) && !application_type.processing.offers_express() {
            report.at(
                source,
                format!("{path}.speed"),
                format!(
                    "fee row is unreachable: type `{}` has no express service",
                    row.application_type
                ),
            );
        }
        if row.amounts.is_empty() {
            report.at(source, format!("{path}.amounts"), "fee row has no amount");
        }
        for (currency, amount) in &row.amounts {
            if !currencies.contains(currency) {
                report.at(
                    source,
                    format!("{path}.amounts.{currency}"),
                    format!("currency {currency} is not the agency's"),
                );
            }
            if *amount < 0 {
                report.at(
                    source,
                    format!("{path}.amounts.{currency}"),
                    "amount is negative",
                );
            }
        }
        if let Some(earlier) = fees.rows[..index]
            .iter()
            .position(|other| shadows(other, row))
        {
            report.at(
                source,
                path,
                format!(
                    "fee row is unreachable: rows[{earlier}] already matches every case it matches"
                ),
            );
        }
    }
    for (source_type, application_type) in &parts.types {
        if application_type.pricing == Pricing::Schedule
            && !fees
                .rows
                .iter()
                .any(|row| row.application_type == application_type.code)
        {
            report.at(
                source_type,
                "pricing",
                "priced by schedule but fees.yaml has no row for this type",
            );
        }
    }
}

fn check_variants(
    report: &mut Report<'_>,
    source: &super::SourceFile,
    path: &str,
    row: &FeeRow,
    application_type: &ApplicationType,
    code_lists: Option<&std::collections::BTreeMap<String, Vec<crate::format::CodeItem>>>,
) {
    if row.variants.is_empty() {
        return;
    }
    let Some(field) = application_type
        .fee_variant_field
        .as_ref()
        .and_then(|code| application_type.field(code))
    else {
        report.at(
            source,
            format!("{path}.variants"),
            format!(
                "type `{}` declares no fee_variant_field",
                row.application_type
            ),
        );
        return;
    };
    let codes = list_codes(field, code_lists);
    for (index, variant) in row.variants.iter().enumerate() {
        if !codes.contains(variant.as_str()) {
            report.at(
                source,
                format!("{path}.variants[{index}]"),
                format!(
                    "fee row is unreachable: `{variant}` is not a value of field `{}`",
                    field.code
                ),
            );
        }
    }
}

/// The answers a row is keyed by are fields of the type, each value one
/// the field can hold; a per-unit count is a number field.
fn check_answers(
    report: &mut Report<'_>,
    source: &super::SourceFile,
    path: &str,
    row: &FeeRow,
    application_type: &ApplicationType,
    code_lists: Option<&std::collections::BTreeMap<String, Vec<crate::format::CodeItem>>>,
) {
    for (code, values) in &row.answers {
        let Some(field) = application_type.field(code) else {
            report.at(
                source,
                format!("{path}.answers.{code}"),
                format!(
                    "fee row is unreachable: `{code}` is not a field of type `{}`",
                    row.application_type
                ),
            );
            continue;
        };
        if values.is_empty() {
            report.at(
                source,
                format!("{path}.answers.{code}"),
                "name at least one value",
            );
        }
        let allowed: Option<BTreeSet<String>> = match field.kind {
            FieldKind::Choice => Some(
                list_codes(field, code_lists)
                    .into_iter()
                    .map(str::to_owned)
                    .collect(),
            ),
            FieldKind::YesNo => Some(["true".to_owned(), "false".to_owned()].into()),
            FieldKind::Declarations => Some(
                field
                    .options
                    .iter()
                    .map(|option| option.code.clone())
                    .collect(),
            ),
            _ => None,
        };
        for (index, value) in values.iter().enumerate() {
            let fits = match (&allowed, &field.kind) {
                (Some(allowed), _) => allowed.contains(value),
                (None, FieldKind::Number) => value.parse::<f64>().is_ok(),
                (None, _) => true,
            };
            if !fits {
                report.at(
                    source,
                    format!("{path}.answers.{code}[{index}]"),
                    format!("fee row is unreachable: `{value}` is not a value of field `{code}`"),
                );
            }
        }
    }
    if let Some(code) = &row.per {
        match application_type.field(code) {
            None => report.at(
                source,
                format!("{path}.per"),
                format!("`{code}` is not a field of type `{}`", row.application_type),
            ),
            Some(field) if field.kind != FieldKind::Number => report.at(
                source,
                format!("{path}.per"),
                format!("units are counted by a number field; `{code}` is not one"),
            ),
            Some(_) => {}
        }
    }
}

/// The codes of a choice field's code list (none when it names no known list).
fn list_codes<'c>(
    field: &crate::format::FormField,
    code_lists: Option<&'c std::collections::BTreeMap<String, Vec<crate::format::CodeItem>>>,
) -> BTreeSet<&'c str> {
    field
        .code_list
        .as_ref()
        .and_then(|list| code_lists.and_then(|lists| lists.get(list)))
        .map(|items| items.iter().map(|item| item.code.as_str()).collect())
        .unwrap_or_default()
}

/// `earlier` matches every case `later` matches, so `later` is never chosen.
fn shadows(earlier: &FeeRow, later: &FeeRow) -> bool {
    earlier.application_type == later.application_type
        && (earlier.variants.is_empty()
            || (!later.variants.is_empty()
                && later
                    .variants
                    .iter()
                    .all(|variant| earlier.variants.contains(variant))))
        && (earlier.age_band.is_none() || earlier.age_band == later.age_band)
        && (earlier.speed.is_none() || earlier.speed == later.speed)
        && earlier.answers.iter().all(|(field, values)| {
            later
                .answers
                .get(field)
                .is_some_and(|later_values| later_values.iter().all(|value| values.contains(value)))
        })
}
