//! Fragments: mo-csm writes the fields and the green-channel lane its six
//! types share once, in `fragments.yaml`, and each type uses them with
//! `{use: <code>}`. Misspelled uses, unused fragments and mistakes inside a
//! fragment are load errors with their file and line.

mod common;

use common::{edit, files, line_of, load};
use laissez_catalog::{LoadError, load_files};

const FRAGMENTS: &str = "fragments.yaml";
const ISSUE: &str = "types/travel_permit_issue.yaml";

fn load_errors(files: &[(String, Vec<u8>)]) -> Vec<LoadError> {
    load_files(files).expect_err("the catalog must not load").0
}

#[test]
fn every_type_gets_the_shared_fields_and_lane() {
    let catalog = load("mo-csm");
    assert_eq!(catalog.application_types.len(), 6);
    let first = catalog.application_types[0]
        .field("mainland_id_number")
        .expect("a shared field")
        .clone();
    for kind in &catalog.application_types {
        assert_eq!(
            kind.field("mainland_id_number"),
            Some(&first),
            "{}",
            kind.code
        );
        assert!(kind.field("urgent_reason").is_some(), "{}", kind.code);
        assert_eq!(
            kind.priority_lanes
                .iter()
                .map(|lane| lane.code.as_str())
                .collect::<Vec<_>>(),
            ["green_channel"],
            "{}",
            kind.code
        );
    }
}

#[test]
fn keys_beside_use_replace_the_fragments() {
    let mut files = files("mo-csm");
    edit(
        &mut files,
        ISSUE,
        "{use: address}",
        "{use: address, required: false}",
    );
    let catalog = load_files(&files).expect("loads");
    let address = |code: &str| {
        catalog
            .application_type(code)
            .and_then(|kind| kind.field("address"))
            .map(|field| field.required)
    };
    assert_eq!(address("travel_permit_issue"), Some(false));
    assert_eq!(
        address("travel_permit_renewal"),
        Some(true),
        "only where written"
    );
}

#[test]
fn a_misspelled_use_is_a_load_error_at_its_line() {
    let mut files = files("mo-csm");
    edit(&mut files, ISSUE, "{use: address}", "{use: adress}");
    let errors = load_errors(&files);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let error = &errors[0];
    assert_eq!(error.file, ISSUE);
    assert_eq!(error.line, Some(line_of(&files, ISSUE, "{use: adress}")));
    assert!(
        error.message.contains("unknown fields fragment `adress`")
            && error.message.contains("address,"),
        "{error}"
    );
}

#[test]
fn an_unused_fragment_is_a_load_error() {
    let mut files = files("mo-csm");
    edit(
        &mut files,
        FRAGMENTS,
        "priority_lanes:",
        "  - {code: nickname, type: text, label: {zh-Hant: 別名, zh-Hans: 别名, en: Nickname}}\npriority_lanes:",
    );
    let errors = load_errors(&files);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0].file, FRAGMENTS);
    assert_eq!(
        errors[0].line,
        Some(line_of(&files, FRAGMENTS, "code: nickname"))
    );
    assert!(errors[0].message.contains("`nickname` is used by no type"));
}

#[test]
fn a_mistake_inside_a_fragment_is_reported_where_it_is_used() {
    let mut files = files("mo-csm");
    edit(
        &mut files,
        FRAGMENTS,
        "{code: pinyin_name, type: text,",
        "{code: pinyin_name, type: txt,",
    );
    let errors = load_errors(&files);
    // One per type using it, each at its `use`.
    assert_eq!(errors.len(), 6, "{errors:#?}");
    let in_issue = errors
        .iter()
        .find(|error| error.file == ISSUE)
        .expect("reported in the issue type");
    assert!(
        in_issue.message.contains("unknown field type `txt`"),
        "{in_issue}"
    );
    assert_eq!(
        in_issue.line,
        Some(line_of(&files, ISSUE, "{use: pinyin_name}"))
    );
}

#[test]
fn fragments_yaml_holds_known_kinds_with_codes() {
    let mut files = files("mo-csm");
    edit(&mut files, FRAGMENTS, "priority_lanes:", "lanes:");
    let errors = load_errors(&files);
    let error = errors
        .iter()
        .find(|error| error.file == FRAGMENTS)
        .expect("the kind is named");
    assert!(
        error.message.contains("unknown kind of fragment `lanes`"),
        "{error}"
    );
    assert_eq!(error.line, Some(line_of(&files, FRAGMENTS, "lanes:")));
}

/// The green channel's proof is a shared document asked for exactly when
/// the applicant gives an urgent reason, in every type.
#[test]
fn the_green_channel_proof_is_asked_for_an_urgent_reason() {
    use laissez_catalog::documents::documents_for;
    let catalog = load("mo-csm");
    for kind in &catalog.application_types {
        // Only the proof: the other documents' rules read other answers.
        let mut kind = kind.clone();
        kind.documents
            .retain(|document| document.code == "green_channel_proof");
        let kind = &kind;
        let proof = |reason: &str| {
            let input = common::input(
                serde_json::json!({"urgent_reason": reason}),
                "1990-05-01",
                "2026-12-07",
            );
            documents_for(kind, &input)
                .expect("the document rules evaluate")
                .into_iter()
                .find(|document| document.code == "green_channel_proof")
                .map(|document| document.required)
        };
        assert_eq!(proof("funeral"), Some(true), "{}", kind.code);
        assert_eq!(proof("none"), None, "{}", kind.code);
    }
}
