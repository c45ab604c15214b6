//! Rules are checked against what they read when the catalog loads: the
//! form's fields and their code lists, the agency's declared permit
//! records, its code lists (`lists.x`). A typo is a load error naming the
//! file and line, never a rule that silently passes or fails everyone.

mod common;

use common::{edit as replace, files, line_of};
use laissez_catalog::format::RecordValueError;
use laissez_catalog::rules::{self, Literal};
use laissez_catalog::{LoadError, load_files};

/// The one error whose message contains `needle`.
fn error_with<'a>(errors: &'a [LoadError], needle: &str) -> &'a LoadError {
    let found: Vec<&LoadError> = errors
        .iter()
        .filter(|error| error.message.contains(needle))
        .collect();
    match found.as_slice() {
        [one] => one,
        _ => panic!(
            "{} errors contain {needle:?}; all errors:\n{}",
            found.len(),
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        ),
    }
}

fn load_errors(files: &[(String, Vec<u8>)]) -> Vec<LoadError> {
    load_files(files).expect_err("the catalog must not load").0
}

#[test]
fn a_misspelled_code_in_a_rule_is_a_load_error_with_its_line() {
    let mut files = files("mo-csm");
    let path = "types/travel_permit_issue.yaml";
    // `first_chlid` is not in the code list of `issue_case`.
    replace(
        &mut files,
        path,
        "when: \"answers.issue_case == 'first_child'\"",
        "when: \"answers.issue_case == 'first_chlid'\"",
    );
    let errors = load_errors(&files);
    let error = error_with(&errors, "'first_chlid'");
    assert_eq!(error.file, path);
    assert_eq!(error.line, Some(line_of(&files, path, "first_chlid")));
    assert!(
        error
            .message
            .contains("not in its code list `travel_permit_issue_case`"),
        "{error}"
    );
    assert_eq!(errors.len(), 1, "{errors:?}");
}

#[test]
fn a_yes_no_answer_compared_with_text_is_a_load_error() {
    let mut files = files("mo-cts");
    let path = "types/home_return_permit.yaml";
    replace(
        &mut files,
        path,
        "answers.old_style_permit == true",
        "answers.old_style_permit == 'yes'",
    );
    let errors = load_errors(&files);
    let error = error_with(&errors, "answers.old_style_permit");
    assert!(error.message.contains("holds true or false"), "{error}");
    assert_eq!(
        error.line,
        Some(line_of(&files, path, "old_style_permit == 'yes'"))
    );
}

#[test]
fn a_rule_reads_only_declared_record_fields_with_values_they_can_hold() {
    let mut files = files("tw-nia");
    let multi = "types/multi_entry_permit.yaml";
    replace(
        &mut files,
        multi,
        "record.permit_kind == 'single_entry' && record.entry_inspected == true",
        "record.permit_kind == 'single_entri' && record.entry_inspected == 'true'",
    );
    let extension = "types/permit_extension.yaml";
    replace(
        &mut files,
        extension,
        "today <= record.stay_ends_on &&",
        "today <= record.stay_end_on &&",
    );
    let errors = load_errors(&files);
    let kind = error_with(&errors, "'single_entri'");
    assert!(kind.message.contains("code list `permit_kind`"), "{kind}");
    assert_eq!(kind.line, Some(line_of(&files, multi, "single_entri")));
    let inspected = error_with(&errors, "record.entry_inspected");
    assert!(
        inspected.message.contains("holds true or false"),
        "{inspected}"
    );
    let stay = error_with(&errors, "record.stay_end_on");
    assert_eq!(stay.file, extension);
    assert!(
        stay.message.contains("undeclared record field") && stay.message.contains("stay_ends_on"),
        "{stay}"
    );
    assert_eq!(errors.len(), 3, "{errors:?}");
}

#[test]
fn an_agency_without_declared_records_cannot_read_them() {
    let mut files = files("mo-cts");
    replace(
        &mut files,
        "agency.yaml",
        "    - {code: expires_on, type: date,",
        "    - {code: valid_until, type: date,",
    );
    let errors = load_errors(&files);
    let error = error_with(&errors, "record.expires_on");
    assert!(
        error
            .message
            .contains("declared in agency.yaml records.permit: valid_until")
    );

    // With no records declared at all, the message says where to declare them.
    let mut files = common::files("hk-cts");
    let path = "types/home_return_permit.yaml";
    replace(
        &mut files,
        path,
        "when: \"answers.reason == 'renewal' || answers.reason == 'damaged'\"",
        "when: \"record.expires_on < today\"",
    );
    let errors = load_errors(&files);
    let error = error_with(&errors, "record.expires_on");
    assert!(
        error
            .message
            .contains("declares no permit record fields (records.permit in agency.yaml)"),
        "{error}"
    );
}

#[test]
fn prefilling_from_an_undeclared_record_field_is_a_load_error() {
    let mut files = files("tw-nia");
    let path = "types/data_change.yaml";
    replace(
        &mut files,
        path,
        "prefill_from: record.school,",
        "prefill_from: record.schol,",
    );
    let errors = load_errors(&files);
    let error = error_with(&errors, "record.schol");
    assert!(error.field.ends_with(".prefill_from"), "{error}");
    assert_eq!(error.line, Some(line_of(&files, path, "record.schol")));
}

#[test]
fn the_declared_record_shape_is_checked() {
    let mut files = files("tw-nia");
    replace(
        &mut files,
        "agency.yaml",
        "{code: entry_inspected, type: boolean,",
        "{code: entry_inspected, type: bool,",
    );
    replace(
        &mut files,
        "agency.yaml",
        "{code: permit_kind, type: choice, code_list: permit_kind,",
        "{code: permit_kind, type: choice, code_list: permit_kinds,",
    );
    replace(
        &mut files,
        "agency.yaml",
        "{code: expires_on, type: date,",
        "{code: expires_on, type: text,",
    );
    let errors = load_errors(&files);
    let kind = error_with(&errors, "unknown record field type `bool`");
    assert_eq!(kind.field, "records.permit[1].type");
    assert_eq!(
        kind.line,
        Some(line_of(&files, "agency.yaml", "type: bool,"))
    );
    let list = error_with(&errors, "unknown code list `permit_kinds`");
    assert_eq!(list.field, "records.permit[0].code_list");
    let expiry = error_with(&errors, "`expires_on` says what the holder holds");
    assert!(expiry.message.contains("must be date"), "{expiry}");
}

#[test]
fn holds_valid_names_a_kind_of_the_records() {
    let mut files = files("mo-csm");
    let path = "types/travel_permit_renewal.yaml";
    replace(
        &mut files,
        path,
        "rule: \"!holds_valid('passport')\"",
        "rule: \"!holds_valid('pasport')\"",
    );
    let errors = load_errors(&files);
    let error = error_with(&errors, "holds_valid('pasport')");
    assert!(
        error.message.contains("code list `held_document`"),
        "{error}"
    );
    assert_eq!(error.line, Some(line_of(&files, path, "pasport")));
}

#[test]
fn a_rule_sees_the_code_lists_and_an_unknown_list_is_a_load_error() {
    // Evaluation: `lists.<name>` is the list's codes.
    let catalog = common::load("tw-nia");
    let mut input = common::input(
        serde_json::json!({"province": "fujian"}),
        "2001-05-15",
        "2026-12-06",
    );
    input.lists = rules::list_codes(&catalog.code_lists);
    assert_eq!(
        rules::evaluate_bool("answers.province in lists.provinces", &input),
        Ok(true)
    );
    input.answers.insert("province".into(), "atlantis".into());
    assert_eq!(
        rules::evaluate_bool("answers.province in lists.provinces", &input),
        Ok(false)
    );

    // Loading: a list that does not exist is named with the lists there are.
    let mut files = files("mo-csm");
    let path = "types/travel_permit_issue.yaml";
    replace(
        &mut files,
        path,
        "when: \"answers.issue_case == 'emergency'\"",
        "when: \"answers.issue_case in lists.issue_cases\"",
    );
    let errors = load_errors(&files);
    let error = error_with(&errors, "lists.issue_cases");
    assert!(
        error.message.contains("travel_permit_issue_case"),
        "{error}"
    );
    assert_eq!(error.line, Some(line_of(&files, path, "lists.issue_cases")));

    // A list that exists loads.
    let mut files = common::files("mo-csm");
    replace(
        &mut files,
        path,
        "when: \"answers.issue_case == 'emergency'\"",
        "when: \"answers.issue_case in lists.travel_permit_issue_case\"",
    );
    load_files(&files).expect("a rule reading an existing list loads");
}

#[test]
fn references_are_read_from_the_syntax_tree_not_the_text() {
    let reads = rules::reads(
        "answers.a == 'answers.b' && has(answers.c) && answers['d'] in ['x', 'y'] \
         && applicant.documents_held.exists(record, record.kind == 'p') && !holds_valid('passport')",
    )
    .expect("the rule parses");
    let members: Vec<String> = reads
        .members
        .iter()
        .map(|member| format!("{}.{}", member.variable, member.member))
        .collect();
    assert_eq!(
        members,
        [
            "answers.a",
            "answers.c",
            "answers.d",
            "applicant.documents_held"
        ]
    );
    let compared: Vec<String> = reads
        .comparisons
        .iter()
        .map(|(member, literal)| format!("{}={literal}", member.member))
        .collect();
    // `record.kind` inside the comprehension is its own variable.
    assert!(
        compared.contains(&"a='answers.b'".to_owned()),
        "{compared:?}"
    );
    assert!(compared.contains(&"d='x'".to_owned()), "{compared:?}");
    assert!(compared.contains(&"d='y'".to_owned()), "{compared:?}");
    assert_eq!(reads.held_kinds, ["passport"]);
    assert_eq!(reads.comparisons[0].1, Literal::Text("answers.b".into()));
}

#[test]
fn imported_records_are_typed_by_the_declared_shape() {
    let catalog = common::load("tw-nia");
    let fields = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(code, value)| ((*code).to_owned(), (*value).to_owned()))
            .collect()
    };
    let typed = catalog
        .records
        .permit_values(
            fields(&[
                ("permit_kind", "single_entry"),
                ("entry_inspected", "true"),
                ("stay_ends_on", "2027-08-31"),
                ("school", ""),
            ]),
            &catalog.code_lists,
        )
        .expect("a record that fits");
    assert_eq!(typed["entry_inspected"], serde_json::Value::Bool(true));
    assert_eq!(typed["stay_ends_on"], "2027-08-31");
    assert!(!typed.contains_key("school"), "an empty value is not given");

    let errors = catalog
        .records
        .permit_values(
            fields(&[
                ("permit_kind", "triple_entry"),
                ("entry_inspected", "yes"),
                ("stay_ends_on", "31/08/2027"),
                ("shoe_size", "42"),
            ]),
            &catalog.code_lists,
        )
        .expect_err("nothing fits");
    let by_field: std::collections::BTreeMap<&str, &RecordValueError> = errors
        .iter()
        .map(|(code, error)| (code.as_str(), error))
        .collect();
    assert!(matches!(
        by_field["permit_kind"],
        RecordValueError::NotInList { .. }
    ));
    assert!(matches!(
        by_field["entry_inspected"],
        RecordValueError::NotBoolean(_)
    ));
    assert!(matches!(
        by_field["stay_ends_on"],
        RecordValueError::NotDate(_)
    ));
    assert!(matches!(
        by_field["shoe_size"],
        RecordValueError::Undeclared(_)
    ));

    // A required field left out is named.
    let missing = catalog
        .records
        .permit_values(fields(&[("school", "NTU")]), &catalog.code_lists)
        .expect_err("permit_kind is required");
    assert_eq!(
        missing,
        vec![("permit_kind".to_owned(), RecordValueError::Missing)]
    );
}

#[test]
fn the_demo_records_fit_their_agencies_declared_shapes() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/demo");
    let mut checked = 0;
    for (path, demo) in laissez_catalog::demo::load_dir(&dir).expect("demo files load") {
        if demo.permit_records.is_empty() {
            continue;
        }
        let catalog = common::load(&demo.agency);
        for record in &demo.permit_records {
            let fields = record
                .fields
                .iter()
                .map(|(code, value)| (code.clone(), value.clone()));
            if let Err(errors) = catalog.records.permit_values(fields, &catalog.code_lists) {
                panic!("{}: {}: {errors:?}", path.display(), record.permit_number);
            }
            checked += 1;
        }
    }
    assert!(checked > 0, "the demo has permit records");
}

/// A registration form's rules read its answers, the code lists and today:
/// there is no applicant or record yet.
#[test]
fn registration_rules_cannot_read_an_applicant_or_a_record() {
    let mut files = files("tw-nia");
    replace(
        &mut files,
        "agency.yaml",
        "        - {code: sex, type: choice, code_list: sex, required: true,",
        "        - {code: sex, type: choice, code_list: sex, required: true, visible_when: \"applicant.age >= 18\", checks: [{rule: \"answers.sex in lists.sex && record.school != ''\", message: {zh-Hant: 否, zh-Hans: 否, en: No}}],",
    );
    let errors = load_errors(&files);
    let applicant = error_with(&errors, "applicant.age");
    assert!(
        applicant.message.contains("there is no applicant yet"),
        "{applicant}"
    );
    assert!(applicant.field.ends_with(".visible_when"), "{applicant}");
    let record = error_with(&errors, "record.school");
    assert!(record.field.ends_with(".checks[0].rule"), "{record}");
    assert_eq!(errors.len(), 2, "{errors:?}");
}
