//! Broken catalogs: every error reported at once, with file, line and field.

mod common;

use common::{edit as replace, files, line_of};
use laissez_catalog::{LoadError, load_files};

fn find<'a>(errors: &'a [LoadError], file: &str, field: &str) -> &'a LoadError {
    errors
        .iter()
        .find(|error| error.file == file && error.field == field)
        .unwrap_or_else(|| {
            panic!(
                "no error for {file} {field}; got:\n{}",
                errors
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        })
}

#[test]
fn the_demo_agencies_load_without_errors() {
    for code in ["fj-exit-entry", "mo-csm", "tw-nia", "hk-cts", "mo-cts"] {
        common::load(code);
    }
}

/// The agency k8s/overlays/agency-example adds to a running platform is a
/// catalog the services accept.
#[test]
fn the_kubernetes_example_agency_loads_without_errors() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../k8s/overlays/agency-example/agencies");
    let loaded = laissez_catalog::load::load_all(&root);
    assert_eq!(loaded.len(), 1, "one example agency");
    for (code, catalog) in loaded {
        if let Err(errors) = catalog {
            panic!("{code} does not load: {errors}");
        }
    }
}

#[test]
fn every_error_is_reported_at_once_with_its_place() {
    let mut files = files("hk-cts");
    let permit = "types/home_return_permit.yaml";
    // 1. Unknown field type.
    replace(
        &mut files,
        permit,
        "{code: reduced_mobility, type: yes_no,",
        "{code: reduced_mobility, type: yes_or_no,",
    );
    // 2. A rule that does not compile.
    replace(
        &mut files,
        permit,
        "rule: \"answers.nationality_class != 'non_chinese' ||",
        "rule: \"answers.nationality_class != 'non_chinese' || ((",
    );
    // 3. A document rule naming a field that does not exist.
    replace(
        &mut files,
        permit,
        "when: \"answers.reason == 'renewal' || answers.reason == 'damaged'\"",
        "when: \"answers.purpose == 'renewal'\"",
    );
    // 4. A fee referring to an unknown type, and an unreachable fee row.
    replace(
        &mut files,
        "fees.yaml",
        "  - {type: temporary_permit, variants: [border_same_day]",
        "  - {type: passport, amounts: {HKD: 100}}\n  - {type: temporary_permit, variants: [border_same_day]",
    );
    replace(
        &mut files,
        "fees.yaml",
        "  - {type: temporary_permit, variants: [service_centre], speed: normal",
        "  - {type: temporary_permit, variants: [no_such_channel], speed: normal, amounts: {HKD: 1}}\n  - {type: temporary_permit, variants: [service_centre], speed: normal",
    );
    // 5. Duplicate codes: a centre and a document.
    replace(
        &mut files,
        "agency.yaml",
        "  - code: kowloon-east",
        "  - code: hk-island",
    );
    replace(
        &mut files,
        permit,
        "  - code: foreign_travel_document",
        "  - code: current_permit",
    );
    // 6. A template with a missing variable.
    files.push((
        "templates.yaml".into(),
        "templates:\n  intake.case.submitted:\n    en:\n      sms: \"Receipt {{ receipt_no }}\"\n"
            .as_bytes()
            .to_vec(),
    ));

    let errors = load_files(&files).expect_err("broken catalog").0;

    let kind = find(&errors, permit, "form[0].fields[5].type");
    assert!(
        kind.message.contains("unknown field type `yes_or_no`"),
        "{kind}"
    );
    assert_eq!(kind.line, Some(line_of(&files, permit, "type: yes_or_no")));

    let rule = find(&errors, permit, "eligibility[0].rule");
    assert!(rule.message.starts_with("rule does not compile"), "{rule}");
    assert_eq!(rule.line, Some(line_of(&files, permit, "|| ((")));

    let field = find(&errors, permit, "documents[6].when");
    assert!(
        field
            .message
            .contains("unknown form field `answers.purpose`"),
        "{field}"
    );

    let fee = errors
        .iter()
        .find(|error| {
            error.file == "fees.yaml"
                && error
                    .message
                    .contains("unknown application type `passport`")
        })
        .expect("unknown type error");
    assert_eq!(
        fee.line,
        Some(line_of(&files, "fees.yaml", "{type: passport"))
    );
    let unreachable = errors
        .iter()
        .find(|error| error.message.contains("`no_such_channel` is not a value"))
        .unwrap_or_else(|| panic!("no unreachable row error in {errors:#?}"));
    assert_eq!(
        unreachable.line,
        Some(line_of(&files, "fees.yaml", "no_such_channel"))
    );

    let centre = find(&errors, "agency.yaml", "centres[1].code");
    assert!(
        centre.message.contains("duplicate code `hk-island`"),
        "{centre}"
    );
    let (_, agency) = files
        .iter()
        .find(|(name, _)| name == "agency.yaml")
        .expect("agency.yaml");
    let second = String::from_utf8_lossy(agency)
        .lines()
        .enumerate()
        .filter(|(_, line)| line.contains("  - code: hk-island"))
        .nth(1)
        .map(|(index, _)| index + 1);
    assert_eq!(centre.line, second);
    let document = errors
        .iter()
        .find(|error| {
            error.file == permit && error.message.contains("duplicate code `current_permit`")
        })
        .expect("duplicate document");
    assert!(document.field.starts_with("documents["));

    let template = find(
        &errors,
        "templates.yaml",
        "templates.intake.case.submitted.en.sms",
    );
    assert!(
        template.message.contains("unknown variable `receipt_no`"),
        "{template}"
    );
    assert_eq!(template.line, Some(4));

    assert!(errors.len() >= 8, "{errors:?}");
}

#[test]
fn a_yaml_syntax_or_shape_error_names_the_line() {
    let mut files = files("tw-nia");
    replace(
        &mut files,
        "fees.yaml",
        "  - {type: permit_extension, amounts: {TWD: 300}",
        "  - {type: permit_extension, amount: {TWD: 300}",
    );
    let errors = load_files(&files).expect_err("broken").0;
    let error = errors
        .iter()
        .find(|error| error.file == "fees.yaml")
        .expect("fees error");
    assert!(error.message.contains("unknown field `amount`"), "{error}");
    assert_eq!(
        error.line,
        Some(line_of(&files, "fees.yaml", "amount: {TWD: 300}"))
    );
    assert_eq!(error.field, "rows[1].amount");
}

#[test]
fn an_order_deadline_and_late_payments_are_read_and_a_zero_day_refused() {
    let mut deadline = files("mo-cts");
    replace(
        &mut deadline,
        "fees.yaml",
        "refundable: true",
        "refundable: true\norder_valid_days: 7\nlate_payment: refund",
    );
    let catalog = load_files(&deadline).expect("loads");
    assert_eq!(catalog.fees.order_valid_days, Some(7));
    assert_eq!(
        catalog.fees.late_payment,
        laissez_catalog::format::LatePayment::Refund
    );
    // Absent: orders wait, late money is accepted.
    let plain = common::load("mo-cts");
    assert_eq!(plain.fees.order_valid_days, None);
    assert_eq!(
        plain.fees.late_payment,
        laissez_catalog::format::LatePayment::Accept
    );

    let mut unknown = files("mo-cts");
    replace(
        &mut unknown,
        "fees.yaml",
        "refundable: true",
        "refundable: true\nlate_payment: whenever",
    );
    let errors = load_files(&unknown).expect_err("broken").0;
    let error = errors
        .iter()
        .find(|error| error.file == "fees.yaml")
        .expect("a fees error");
    assert!(error.message.contains("whenever"), "{error}");
    let mut zero = files("mo-cts");
    replace(
        &mut zero,
        "fees.yaml",
        "refundable: true",
        "refundable: true\norder_valid_days: 0",
    );
    let errors = load_files(&zero).expect_err("broken").0;
    find(&errors, "fees.yaml", "order_valid_days");
}

/// mo-cts takes its fee when a case is lodged and refunds it when the case
/// is not approved: payment may come before review, after an appointment
/// only, and nothing else may; a refund on a refusal needs refundable fees.
#[test]
fn only_an_appointment_then_a_payment_come_before_review() {
    let plain = common::load("mo-cts");
    assert!(plain.fees.refund_when_not_approved);
    assert_eq!(
        plain
            .application_type("home_return_permit")
            .unwrap()
            .workflow[..2],
        [
            laissez_catalog::format::Stage::Payment,
            laissez_catalog::format::Stage::Review
        ]
    );
    for workflow in [
        "workflow: [production, review, payment, pickup]",
        "workflow: [payment, appointment, review, production, pickup]",
    ] {
        let mut early = files("mo-cts");
        replace(
            &mut early,
            "types/home_return_permit.yaml",
            "workflow: [payment, review, production, pickup]",
            workflow,
        );
        let errors = load_files(&early).expect_err(workflow).0;
        let error = find(&errors, "types/home_return_permit.yaml", "workflow");
        assert!(
            error.message.contains("before review"),
            "{workflow}: {error}"
        );
        assert_eq!(
            error.line,
            Some(line_of(&early, "types/home_return_permit.yaml", workflow)),
            "{workflow}"
        );
    }
    let mut kept = files("mo-cts");
    replace(
        &mut kept,
        "fees.yaml",
        "refundable: true",
        "refundable: false",
    );
    let errors = load_files(&kept).expect_err("not refundable").0;
    find(&errors, "fees.yaml", "refund_when_not_approved");
}

/// A misspelled identity document kind in a registration form is the
/// catalog's error, named with its place, rather than a service that
/// cannot start.
#[test]
fn an_unknown_identity_document_kind_is_a_load_error() {
    let mut files = files("tw-nia");
    replace(
        &mut files,
        "agency.yaml",
        "document_kind: cn_resident_id",
        "document_kind: cn_resident_idd",
    );
    let errors = load_files(&files).expect_err("the typo is refused");
    let error = errors
        .0
        .iter()
        .find(|error| error.field.ends_with(".document_kind"))
        .unwrap_or_else(|| panic!("no document_kind error: {:?}", errors.0));
    assert_eq!(error.file, "agency.yaml");
    assert_eq!(
        error.line,
        Some(line_of(&files, "agency.yaml", "cn_resident_idd"))
    );
    assert!(
        error
            .message
            .contains("unknown identity document kind `cn_resident_idd`")
            && error.message.contains("cn_resident_id,"),
        "{}",
        error.message
    );
}

/// One YAML mistake in agency.yaml is reported as itself: the files that
/// read the agency (fees' currency, code lists) are not blamed for it,
/// while their own mistakes still are.
#[test]
fn a_broken_agency_file_is_the_one_error_not_a_cascade() {
    let mut files = files("mo-cts");
    replace(
        &mut files,
        "agency.yaml",
        "currency: HKD",
        "currency: HKD : :",
    );
    let errors = load_files(&files).expect_err("the YAML mistake is refused");
    assert_eq!(errors.0.len(), 1, "{:?}", errors.0);
    assert_eq!(errors.0[0].file, "agency.yaml");
    assert_eq!(
        errors.0[0].line,
        Some(line_of(&files, "agency.yaml", "currency: HKD : :"))
    );

    // A mistake of fees.yaml's own is still reported beside it.
    let fees = String::from_utf8(
        files
            .iter()
            .find(|(name, _)| name == "fees.yaml")
            .expect("fees.yaml")
            .1
            .clone(),
    )
    .expect("utf-8");
    let first = fees
        .lines()
        .find(|line| !line.starts_with('#'))
        .expect("a line");
    replace(
        &mut files,
        "fees.yaml",
        first,
        &format!("{first}\n  - : : ["),
    );
    let errors = load_files(&files).expect_err("both mistakes are refused");
    let mut broken: Vec<&str> = errors.0.iter().map(|error| error.file.as_str()).collect();
    broken.sort_unstable();
    assert_eq!(broken, ["agency.yaml", "fees.yaml"], "{:?}", errors.0);
}

/// SMS verification is declared (`sms_code_field`), never inferred from a
/// field's name: the declared field must exist, be text, and belong to a
/// portal activated by SMS with a phone field to send the code to.
#[test]
fn a_declared_sms_code_field_is_checked() {
    let catalog = common::load("fj-exit-entry");
    let portal = &catalog.portals[0];
    let registration = &portal.registration;
    assert_eq!(registration.sms_code_field.as_deref(), Some("sms_code"));

    let mut files = files("fj-exit-entry");
    replace(
        &mut files,
        "agency.yaml",
        "sms_code_field: sms_code",
        "sms_code_field: sms_cod",
    );
    let errors = load_files(&files).expect_err("the typo is refused").0;
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].file, "agency.yaml");
    assert!(errors[0].field.ends_with("registration.sms_code_field"));
    assert_eq!(
        errors[0].line,
        Some(line_of(&files, "agency.yaml", "sms_code_field: sms_cod"))
    );
    assert!(
        errors[0]
            .message
            .contains("unknown registration field `sms_cod`"),
        "{}",
        errors[0].message
    );

    let mut files = common::files("fj-exit-entry");
    replace(
        &mut files,
        "agency.yaml",
        "activation: sms",
        "activation: email",
    );
    replace(
        &mut files,
        "agency.yaml",
        "sms_code_field: sms_code",
        "sms_code_field: password",
    );
    let errors = load_files(&files).expect_err("refused").0;
    let messages: Vec<&str> = errors.iter().map(|error| error.message.as_str()).collect();
    assert!(
        messages.contains(&"an SMS code field needs `activation: sms`"),
        "{messages:?}"
    );
}

/// A delivery choice offers a type's options: a registration form has none.
#[test]
fn a_delivery_field_outside_an_application_form_is_a_load_error() {
    let mut files = files("fj-exit-entry");
    replace(
        &mut files,
        "agency.yaml",
        "{code: household_place, type: choice, code_list: household_place, required: true,",
        "{code: household_place, type: delivery, required: true,",
    );
    let errors = load_files(&files).expect_err("refused").0;
    let error = errors
        .iter()
        .find(|error| {
            error
                .message
                .contains("belongs in an application type's form")
        })
        .unwrap_or_else(|| panic!("{errors:?}"));
    assert_eq!(
        error.line,
        Some(line_of(&files, "agency.yaml", "type: delivery"))
    );
}
