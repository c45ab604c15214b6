//! `documents.yaml` and its Typst templates: checked when the catalog
//! loads, every problem with its file and line.

mod common;

use common::files;
use laissez_catalog::format::DocumentKind;
use laissez_catalog::{LoadError, load_files};

fn set(files: &mut Vec<(String, Vec<u8>)>, path: &str, text: &str) {
    files.retain(|(name, _)| name != path);
    files.push((path.to_owned(), text.as_bytes().to_vec()));
}

fn errors_of(files: &[(String, Vec<u8>)]) -> Vec<LoadError> {
    match load_files(files) {
        Ok(_) => panic!("the catalog loads, but it should not"),
        Err(errors) => errors.0,
    }
}

fn describe(errors: &[LoadError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn every_demo_agency_declares_its_acknowledgement_and_tw_nia_its_permit_and_receipt() {
    for code in ["fj-exit-entry", "mo-csm", "tw-nia", "hk-cts", "mo-cts"] {
        let catalog = common::load(code);
        let kinds: Vec<DocumentKind> = catalog
            .documents
            .iter()
            .map(|document| document.kind)
            .collect();
        assert!(
            kinds.contains(&DocumentKind::Acknowledgement),
            "{code}: {kinds:?}"
        );
        for document in &catalog.documents {
            assert!(
                document.source.contains("json(\"data.json\")"),
                "{code} {}",
                document.template
            );
        }
    }
    let tw = common::load("tw-nia");
    let permit = tw
        .document(DocumentKind::EPermit, "multi_entry_permit")
        .expect("tw-nia issues electronic permits");
    assert!(permit.sealed);
    assert!(
        tw.document(DocumentKind::Receipt, "permit_extension")
            .is_some()
    );
    assert!(
        common::load("hk-cts")
            .document(DocumentKind::EPermit, "home_return_permit")
            .is_none()
    );
}

#[test]
fn a_template_reading_an_unknown_field_is_named_with_its_line() {
    let mut files = files("tw-nia");
    set(
        &mut files,
        "documents/acknowledgement.typ",
        "#let data = json(\"data.json\")\n= Title\n#data.case.receipt_number\n#data.case.recipt_number\n#data.payment.total\n",
    );
    let errors = errors_of(&files);
    let typo = errors
        .iter()
        .find(|error| error.field == "data.case.recipt_number")
        .unwrap_or_else(|| panic!("the typo is reported:\n{}", describe(&errors)));
    assert_eq!(typo.file, "documents/acknowledgement.typ");
    assert_eq!(typo.line, Some(4));
    assert!(
        typo.message.contains("data.case.receipt_number"),
        "{}",
        typo.message
    );
    // A receipt's field is not an acknowledgement's.
    let wrong_kind = errors
        .iter()
        .find(|error| error.field == "data.payment.total")
        .unwrap_or_else(|| panic!("the other kind's field is reported:\n{}", describe(&errors)));
    assert_eq!(wrong_kind.line, Some(5));
    assert_eq!(errors.len(), 2, "{}", describe(&errors));
}

#[test]
fn a_permit_template_may_read_its_types_form_fields_only() {
    let mut files = files("tw-nia");
    let original = String::from_utf8(
        files
            .iter()
            .find(|(name, _)| name == "documents/e_permit.typ")
            .expect("the permit template")
            .1
            .clone(),
    )
    .expect("utf-8");
    let text = format!(
        "{original}\n#data.answers.school\n#data.answers.favourite_colour\n#data.labels.sex.at(\"en\")\n"
    );
    set(&mut files, "documents/e_permit.typ", &text);
    let errors = errors_of(&files);
    assert_eq!(errors.len(), 1, "{}", describe(&errors));
    assert_eq!(errors[0].field, "data.answers.favourite_colour");
    // The original ends with a newline; one blank line, then the two reads.
    assert_eq!(errors[0].line, Some(original.lines().count() + 3));
}

#[test]
fn a_template_naming_a_font_the_platform_does_not_install_is_named_with_its_line() {
    let mut files = files("hk-cts");
    set(
        &mut files,
        "documents/acknowledgement.typ",
        "#let data = json(\"data.json\")\n#set text(font: (\"Noto Sans CJK TC\", \"HanaMinB\"))\n#set text(font: (\"noto sans cjk hk\", \"Comic Sans MS\"))\n#text(font: \"Papyrus\")[#data.case.receipt_number]\n",
    );
    let errors = errors_of(&files);
    let fonts: Vec<&LoadError> = errors
        .iter()
        .filter(|error| error.message.contains("is not installed for documents"))
        .collect();
    assert_eq!(fonts.len(), 2, "{}", describe(&errors));
    assert_eq!(fonts[0].file, "documents/acknowledgement.typ");
    assert_eq!(fonts[0].line, Some(3));
    assert!(
        fonts[0].message.contains("`Comic Sans MS`"),
        "{}",
        fonts[0].message
    );
    assert!(
        fonts[0].message.contains("Noto Sans CJK TC"),
        "{}",
        fonts[0].message
    );
    assert_eq!(fonts[1].line, Some(4));
    assert!(
        fonts[1].message.contains("`Papyrus`"),
        "{}",
        fonts[1].message
    );
    assert_eq!(errors.len(), 2, "{}", describe(&errors));
}

#[test]
fn syntax_errors_missing_and_stray_templates_are_reported() {
    let mut files = files("hk-cts");
    set(
        &mut files,
        "documents/acknowledgement.typ",
        "#let data = json(\"data.json\")\n\n#table(columns: 2, [a], [b]\n",
    );
    set(&mut files, "documents/stray.typ", "= Not named anywhere\n");
    let errors = errors_of(&files);
    let syntax = errors
        .iter()
        .find(|error| error.file == "documents/acknowledgement.typ")
        .unwrap_or_else(|| panic!("the syntax error is reported:\n{}", describe(&errors)));
    assert_eq!(syntax.line, Some(3), "{}", describe(&errors));
    assert!(
        errors
            .iter()
            .any(|error| error.file == "documents/stray.typ" && error.message.contains("not named")),
        "{}",
        describe(&errors)
    );

    // Only the acknowledgement's declaration is broken: the agency's other
    // templates go with their declarations.
    let mut files = files_without(
        files_without(common::files("mo-cts"), "documents/acknowledgement.typ"),
        "documents/pickup_slip.typ",
    );
    set(
        &mut files,
        "documents.yaml",
        "documents:\n  - kind: acknowledgement\n    template: documents/acknowledgement.typ\n    name: {zh-Hant: 確認, zh-Hans: 确认, en: Acknowledgement}\n    types: [no_such_type]\n  - kind: acknowledgement\n    template: documents/other.pdf\n    name: {zh-Hant: 確認, zh-Hans: 确认, en: ''}\n",
    );
    let errors = errors_of(&files);
    let messages = describe(&errors);
    for expected in [
        "template file documents/acknowledgement.typ is missing",
        "unknown application type `no_such_type`",
        "a case would get two `acknowledgement` documents",
        "a template is a file documents/<name>.typ",
        "text missing in en",
    ] {
        assert!(
            messages.contains(expected),
            "missing {expected:?} in:\n{messages}"
        );
    }
    assert!(
        errors
            .iter()
            .all(|error| error.file == "documents.yaml" && error.line.is_some()),
        "{messages}"
    );
}

fn files_without(mut files: Vec<(String, Vec<u8>)>, path: &str) -> Vec<(String, Vec<u8>)> {
    files.retain(|(name, _)| name != path);
    files
}
