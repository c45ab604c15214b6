//! Checks that a type's delivery choice, fee and workflow agree: the
//! options it offers, the form field the applicant chooses in, the address
//! a delivered option needs, and the stage each option hands over in.

use super::SourceFile;
use super::checks::Report;
use crate::format::{ApplicationType, FeeSchedule, FieldKind, Stage};

pub(crate) fn check_delivery(
    report: &mut Report<'_>,
    source: &SourceFile,
    application_type: &ApplicationType,
    fees: &FeeSchedule,
) {
    let fields: Vec<(String, &crate::format::FormField)> = application_type
        .form
        .iter()
        .enumerate()
        .flat_map(|(section_index, section)| {
            section
                .fields
                .iter()
                .enumerate()
                .map(move |(index, field)| {
                    (format!("form[{section_index}].fields[{index}]"), field)
                })
        })
        .collect();
    let choices: Vec<_> = fields
        .iter()
        .filter(|(_, field)| field.kind == FieldKind::Delivery)
        .collect();
    let offered = &application_type.delivery_options;
    let stage_of = |code: &str| {
        fees.delivery_options
            .iter()
            .find(|option| option.code == code)
            .map(|option| option.stage)
    };
    for (path, _) in choices.iter().skip(1) {
        report.at(
            source,
            format!("{path}.type"),
            "a type has at most one delivery field",
        );
    }
    match choices.first() {
        None if offered.len() > 1 => report.at(
            source,
            "delivery_options",
            format!(
                "the type offers {} delivery options: add a form field of type delivery \
                 where the applicant chooses one",
                offered.len()
            ),
        ),
        None => {}
        Some((path, field)) => {
            if offered.len() < 2 {
                report.at(
                    source,
                    format!("{path}.type"),
                    "a delivery field needs at least two delivery_options to choose from",
                );
            }
            if !field.required {
                report.at(
                    source,
                    format!("{path}.required"),
                    "the delivery field must be required: the fee and the workflow read it",
                );
            }
            let delivered = offered
                .iter()
                .any(|code| stage_of(code) == Some(Stage::Delivery));
            match &field.address_field {
                None if delivered => report.at(
                    source,
                    format!("{path}.address_field"),
                    "an option sends the document: name the form field holding the address",
                ),
                None => {}
                Some(address) => match application_type.field(address) {
                    Some(target) if matches!(target.kind, FieldKind::Address | FieldKind::Text) => {
                    }
                    Some(_) => report.at(
                        source,
                        format!("{path}.address_field"),
                        format!("`{address}` is not an address or text field"),
                    ),
                    None => report.at(
                        source,
                        format!("{path}.address_field"),
                        format!("unknown form field `{address}`"),
                    ),
                },
            }
        }
    }
    // Each option hands over in a stage of the workflow, and each
    // hand-over stage of the workflow is some option's.
    for (index, code) in offered.iter().enumerate() {
        if let Some(stage) = stage_of(code)
            && !application_type.workflow.contains(&stage)
        {
            report.at(
                source,
                format!("delivery_options[{index}]"),
                format!(
                    "option `{code}` hands over in a {} stage, which the workflow lacks",
                    stage_name(stage)
                ),
            );
        }
    }
    for stage in [Stage::Pickup, Stage::Delivery] {
        let used = offered.iter().any(|code| stage_of(code) == Some(stage));
        if application_type.workflow.contains(&stage) && !used && !offered.is_empty() {
            report.at(
                source,
                "workflow",
                format!(
                    "the workflow has a {} stage but no delivery option of the type hands over in it",
                    stage_name(stage)
                ),
            );
        }
    }
}

fn stage_name(stage: Stage) -> &'static str {
    match stage {
        Stage::Appointment => "appointment",
        Stage::Review => "review",
        Stage::Payment => "payment",
        Stage::Production => "production",
        Stage::ElectronicIssue => "electronic_issue",
        Stage::Pickup => "pickup",
        Stage::Delivery => "delivery",
    }
}
