//! Checks of application types and their references to the rest of the catalog.

use super::Parts;
use super::checks::{Report, RuleScope};
use super::validate::check_field;
use super::validate_delivery::check_delivery;
use crate::format::{FieldKind, Pricing, Stage};
use std::collections::{BTreeMap, BTreeSet};

pub(crate) fn check_types(report: &mut Report<'_>, parts: &Parts<'_>) {
    // Without a parsed agency.yaml (its own error is reported) references into it are not checked.
    let Some((_, agency)) = &parts.agency else {
        return;
    };
    let portals: BTreeSet<&str> = agency
        .portals
        .iter()
        .map(|portal| portal.code.as_str())
        .collect();
    let code_lists = &agency.code_lists;
    let fees = parts.fees.as_ref().map(|(_, fees)| fees);
    let methods: Option<BTreeSet<&str>> = fees.map(|fees| {
        fees.payment_methods
            .iter()
            .map(|method| method.code.as_str())
            .collect()
    });
    let deliveries: Option<BTreeSet<&str>> = fees.map(|fees| {
        fees.delivery_options
            .iter()
            .map(|option| option.code.as_str())
            .collect()
    });
    let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
    for (source, application_type) in &parts.types {
        if let Some(first) = seen.insert(application_type.code.as_str(), source.path.as_str()) {
            report.at(
                source,
                "code",
                format!(
                    "duplicate application type code `{}` (also in {first})",
                    application_type.code
                ),
            );
        }
        report.text(source, "name", &application_type.name);
        report.text(source, "notice.title", &application_type.notice.title);
        report.text(source, "notice.text", &application_type.notice.text);
        if application_type.notice.version.trim().is_empty() {
            report.at(source, "notice.version", "the notice needs a version");
        }
        if !portals.contains(application_type.portal.as_str()) {
            report.at(
                source,
                "portal",
                format!("unknown portal `{}`", application_type.portal),
            );
        }
        if application_type.who_may_apply.relationships.is_empty() {
            report.at(source, "who_may_apply.relationships", "nobody may apply");
        }

        let fields: BTreeSet<String> = application_type
            .fields()
            .map(|field| field.code.clone())
            .collect();
        let scope = RuleScope::new(
            application_type.fields(),
            &agency.records.permit,
            code_lists,
        )
        .with_delivery_options(&application_type.delivery_options);
        report.unique(
            source,
            "form",
            application_type
                .form
                .iter()
                .map(|section| section.code.as_str()),
        );
        let mut field_seen: BTreeMap<&str, String> = BTreeMap::new();
        for (section_index, section) in application_type.form.iter().enumerate() {
            report.text(
                source,
                &format!("form[{section_index}].title"),
                &section.title,
            );
            for (field_index, field) in section.fields.iter().enumerate() {
                let path = format!("form[{section_index}].fields[{field_index}]");
                if let Some(first) = field_seen.insert(field.code.as_str(), path.clone()) {
                    report.at(
                        source,
                        format!("{path}.code"),
                        format!("duplicate field code `{}` (first at {first})", field.code),
                    );
                }
                check_field(report, source, &path, field, &scope);
            }
        }
        if let Some(lookup) = &application_type.record_lookup {
            if !fields.contains(&lookup.by_field) {
                report.at(
                    source,
                    "record_lookup.by_field",
                    format!("unknown form field `{}`", lookup.by_field),
                );
            }
            report.text(source, "record_lookup.not_found", &lookup.not_found);
            report.text(source, "record_lookup.mismatch", &lookup.mismatch);
        }

        report.unique(
            source,
            "documents",
            application_type
                .documents
                .iter()
                .map(|document| document.code.as_str()),
        );
        for (index, document) in application_type.documents.iter().enumerate() {
            let path = format!("documents[{index}]");
            report.text(source, &format!("{path}.name"), &document.name);
            if document.accepted.is_empty() {
                report.at(source, format!("{path}.accepted"), "no accepted file kind");
            }
            if document.max_bytes == 0 {
                report.at(
                    source,
                    format!("{path}.max_bytes"),
                    "maximum size must be positive",
                );
            }
            if let Some(rule) = &document.when {
                report.rule(source, &format!("{path}.when"), rule, &scope);
            }
        }

        report.unique(
            source,
            "eligibility",
            application_type
                .eligibility
                .iter()
                .map(|rule| rule.code.as_str()),
        );
        for (index, rule) in application_type.eligibility.iter().enumerate() {
            report.rule(
                source,
                &format!("eligibility[{index}].rule"),
                &rule.rule,
                &scope,
            );
            report.text(
                source,
                &format!("eligibility[{index}].reason"),
                &rule.reason,
            );
        }

        if let Some(variant_field) = &application_type.fee_variant_field {
            match application_type.field(variant_field) {
                None => report.at(
                    source,
                    "fee_variant_field",
                    format!("unknown form field `{variant_field}`"),
                ),
                Some(field) if field.kind != FieldKind::Choice => report.at(
                    source,
                    "fee_variant_field",
                    format!("fee variant field `{variant_field}` must be a choice field"),
                ),
                Some(_) => {}
            }
        }

        let workflow = &application_type.workflow;
        if workflow.is_empty() {
            report.at(source, "workflow", "the workflow has no stage");
        }
        let mut stages = BTreeSet::new();
        for (index, stage) in workflow.iter().enumerate() {
            if !stages.insert(format!("{stage:?}")) {
                report.at(
                    source,
                    format!("workflow[{index}]"),
                    format!("stage {stage:?} appears twice"),
                );
            }
        }
        match workflow.iter().position(|stage| *stage == Stage::Review) {
            None => report.at(source, "workflow", "the workflow needs a review stage"),
            // Before review a case can only book (with its draft) and then
            // pay (when it is lodged): nothing else happens to a case no
            // one has reviewed.
            Some(review) => {
                let before = &workflow[..review];
                let allowed: &[&[Stage]] = &[
                    &[],
                    &[Stage::Appointment],
                    &[Stage::Payment],
                    &[Stage::Appointment, Stage::Payment],
                ];
                if !allowed.contains(&before) {
                    report.at(
                        source,
                        "workflow",
                        "before review a workflow may only have an appointment, then a payment",
                    );
                }
            }
        }
        if workflow.contains(&Stage::ElectronicIssue)
            && parts
                .agency
                .as_ref()
                .is_some_and(|(_, agency)| agency.numbers.permit.is_none())
        {
            report.at(
                source,
                "workflow",
                "electronic issue needs a permit number format (numbers.permit in agency.yaml)",
            );
        }
        if let Some(by_answers) = &application_type.appointment_by_answers {
            if !workflow.contains(&Stage::Appointment) {
                report.at(
                    source,
                    "appointment_by_answers",
                    "the workflow has no appointment stage",
                );
            }
            for (key, code) in [("place", &by_answers.place), ("date", &by_answers.date)] {
                if application_type.field(code).is_none() {
                    report.at(
                        source,
                        format!("appointment_by_answers.{key}"),
                        format!("unknown form field `{code}`"),
                    );
                }
            }
        }
        if let Some(fees) = fees {
            check_delivery(report, source, application_type, fees);
        }
        let charges = application_type.pricing == Pricing::Schedule
            || application_type.pricing == Pricing::NotPublished;
        if workflow.contains(&Stage::Payment) && application_type.payment_methods.is_empty() {
            report.at(
                source,
                "payment_methods",
                "a payment stage needs at least one payment method",
            );
        }
        if charges && application_type.payment_methods.is_empty() {
            report.at(
                source,
                "payment_methods",
                "a type with a fee needs at least one payment method",
            );
        }
        for (index, method) in application_type.payment_methods.iter().enumerate() {
            if methods
                .as_ref()
                .is_some_and(|methods| !methods.contains(method.as_str()))
            {
                report.at(
                    source,
                    format!("payment_methods[{index}]"),
                    format!("unknown payment method `{method}` (not in fees.yaml)"),
                );
            }
        }
        for (index, option) in application_type.delivery_options.iter().enumerate() {
            if deliveries
                .as_ref()
                .is_some_and(|deliveries| !deliveries.contains(option.as_str()))
            {
                report.at(
                    source,
                    format!("delivery_options[{index}]"),
                    format!("unknown delivery option `{option}` (not in fees.yaml)"),
                );
            }
        }
        for (index, rule) in application_type.processing.overrides.iter().enumerate() {
            report.rule(
                source,
                &format!("processing.overrides[{index}].when"),
                &rule.when,
                &scope,
            );
        }
        report.unique(
            source,
            "priority_lanes",
            application_type
                .priority_lanes
                .iter()
                .map(|lane| lane.code.as_str()),
        );
        for (index, lane) in application_type.priority_lanes.iter().enumerate() {
            report.text(source, &format!("priority_lanes[{index}].name"), &lane.name);
            report.rule(
                source,
                &format!("priority_lanes[{index}].when"),
                &lane.when,
                &scope,
            );
        }
        if let Some(rule) = &application_type.senior_sign_off_when {
            report.rule(source, "senior_sign_off_when", rule, &scope);
        }
        for (index, rule) in application_type.validity.iter().enumerate() {
            report.rule(
                source,
                &format!("validity[{index}].when"),
                &rule.when,
                &scope,
            );
            if rule.total_months() == 0 {
                report.at(
                    source,
                    format!("validity[{index}]"),
                    "a validity needs years or months (or both)",
                );
            }
        }
        for (index, rule) in application_type.entries.iter().enumerate() {
            report.rule(
                source,
                &format!("entries[{index}].when"),
                &rule.when,
                &scope,
            );
        }
        for (index, rule) in application_type.stay_per_entry.iter().enumerate() {
            report.rule(
                source,
                &format!("stay_per_entry[{index}].when"),
                &rule.when,
                &scope,
            );
            if rule.days == 0 {
                report.at(
                    source,
                    format!("stay_per_entry[{index}].days"),
                    "a stay needs at least one day",
                );
            }
        }
    }
}
