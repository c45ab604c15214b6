//! Submission errors of application forms, with the demo agencies' catalogs.

use super::*;
use laissez_catalog::rules::Applicant as RuleApplicant;

fn catalog(agency: &str) -> Catalog {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../deploy/agencies")
        .join(agency);
    laissez_catalog::load_dir(&dir).expect("the demo agency loads")
}

fn input(answers: Value) -> RuleInput {
    RuleInput {
        answers: answers.as_object().cloned().unwrap_or_default(),
        applicant: RuleApplicant {
            date_of_birth: NaiveDate::from_ymd_opt(2001, 5, 15).unwrap(),
            relationship: "self".into(),
            documents_held: Vec::new(),
            attributes: Map::new(),
        },
        record: serde_json::json!({"permit_kind": "single_entry", "entry_inspected": true})
            .as_object()
            .cloned()
            .unwrap(),
        today: NaiveDate::from_ymd_opt(2026, 12, 4).unwrap(),
        lists: BTreeMap::new(),
    }
}

#[test]
fn a_missing_answer_is_named_never_the_rule_engine() {
    let catalog = catalog("tw-nia");
    let kind = catalog.application_type("multi_entry_permit").unwrap();
    for language in Language::ALL {
        let errors =
            submission_errors(&catalog, kind, &input(serde_json::json!({})), &[], language);
        for error in &errors {
            assert_ne!(error.code, "rule_error", "{error:?}");
            assert!(!error.message.contains("No such key"), "{error:?}");
        }
        assert!(
            errors
                .iter()
                .any(|error| error.field == "answers.resumed_studies"),
            "{errors:?}"
        );
    }
}

#[test]
fn an_unanswered_question_a_rule_reads_is_asked_for_by_its_label() {
    let catalog = catalog("tw-nia");
    let mut kind = catalog
        .application_type("multi_entry_permit")
        .unwrap()
        .clone();
    // Make the question optional: only the document rule needs it now.
    for section in &mut kind.form {
        for field in &mut section.fields {
            if field.code == "resumed_studies" {
                field.required = false;
            }
        }
    }
    let errors = submission_errors(
        &catalog,
        &kind,
        &input(serde_json::json!({})),
        &[],
        Language::ZhHant,
    );
    let asked = errors
        .iter()
        .find(|error| error.field == "answers.resumed_studies")
        .expect("the question is asked for");
    assert_eq!(asked.code, "required");
    assert_eq!(asked.message, "請先回答「是否為復學之陸生」");
}

#[test]
fn a_courier_delivery_without_an_address_is_not_submitted() {
    let catalog = catalog("hk-cts");
    let kind = catalog.application_type("home_return_permit").unwrap();
    let errors_for = |answers: Value| {
        submission_errors(&catalog, kind, &input(answers), &[], Language::En)
            .into_iter()
            .filter(|error| error.field.starts_with("answers.delivery"))
            .map(|error| (error.field, error.code))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        errors_for(serde_json::json!({"delivery": "courier"})),
        [("answers.delivery_address".to_owned(), "required".to_owned())]
    );
    assert_eq!(
        errors_for(serde_json::json!({"delivery": "drone"})),
        [("answers.delivery".to_owned(), "not_in_list".to_owned())]
    );
    assert_eq!(
        errors_for(serde_json::json!({})),
        [("answers.delivery".to_owned(), "required".to_owned())]
    );
    assert!(errors_for(serde_json::json!({"delivery": "pickup"})).is_empty());
    assert!(
        errors_for(
            serde_json::json!({"delivery": "courier", "delivery_address": "1 Queen's Road"})
        )
        .is_empty()
    );
}
