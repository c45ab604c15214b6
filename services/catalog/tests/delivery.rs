//! The delivery choice is one form answer that the fee and the workflow
//! both read: hk-cts offers pickup or a local courier (+HK$50); courier
//! cases go through a delivery stage with an address instead of pickup.

mod common;

use common::{date, edit, files, input, line_of, load};
use laissez_catalog::fees::{FeeQuery, LineKind, answer_fields, quote};
use laissez_catalog::format::Stage;
use laissez_catalog::forms::{Problem, delivery_violations};
use laissez_catalog::{LoadError, load_files};
use serde_json::json;

const HRP: &str = "types/home_return_permit.yaml";

fn answers(value: serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
    value.as_object().cloned().unwrap_or_default()
}

#[test]
fn the_chosen_option_decides_between_pickup_and_delivery() {
    let catalog = load("hk-cts");
    let kind = catalog
        .application_type("home_return_permit")
        .expect("type");
    use Stage::*;
    assert_eq!(
        catalog.workflow_for(kind, &answers(json!({"delivery": "courier"}))),
        [Appointment, Review, Payment, Production, Delivery]
    );
    assert_eq!(
        catalog.workflow_for(kind, &answers(json!({"delivery": "pickup"}))),
        [Appointment, Review, Payment, Production, Pickup]
    );
    // An option the type does not offer chooses nothing.
    assert_eq!(
        kind.chosen_delivery(&answers(json!({"delivery": "drone"}))),
        None
    );
    // A type with one option needs no answer: tw-nia's permits are issued
    // electronically.
    let tw = load("tw-nia");
    let permit = tw.application_type("multi_entry_permit").expect("type");
    assert_eq!(
        permit.chosen_delivery(&Default::default()),
        Some("electronic")
    );
    assert_eq!(
        tw.workflow_for(permit, &Default::default()),
        [Review, Payment, ElectronicIssue]
    );
}

#[test]
fn the_fee_reads_the_delivery_answer() {
    let catalog = load("hk-cts");
    assert!(answer_fields(&catalog, "home_return_permit").contains(&"delivery".to_owned()));
    let query = |delivery: &str| FeeQuery {
        application_type: "home_return_permit".into(),
        answers: answers(json!({"reason": "renewal", "delivery": delivery})),
        variant: None,
        date_of_birth: Some(date("1990-05-01")),
        on: date("2026-03-02"),
        express: false,
        delivery: None,
        payment_method: None,
        currency: None,
    };
    let courier = quote(&catalog, &query("courier")).expect("quote");
    let line = courier
        .lines
        .iter()
        .find(|line| line.kind == LineKind::Delivery)
        .expect("a delivery line");
    assert_eq!(
        (line.code.as_str(), line.amount.minor_units),
        ("courier", 5000)
    );
    let pickup = quote(&catalog, &query("pickup")).expect("quote");
    assert_eq!(
        courier.total.minor_units - pickup.total.minor_units,
        5000,
        "courier costs HK$50 more"
    );
    assert!(quote(&catalog, &query("drone")).is_err());
}

#[test]
fn a_delivered_option_needs_the_address_and_an_offered_code() {
    let catalog = load("hk-cts");
    let kind = catalog
        .application_type("home_return_permit")
        .expect("type");
    let options = &catalog.fees.delivery_options;
    let check = |value: serde_json::Value| {
        delivery_violations(kind, options, &input(value, "1990-05-01", "2026-03-02"))
    };
    let missing = check(json!({"delivery": "courier"}));
    assert_eq!(missing.len(), 1, "{missing:?}");
    assert_eq!(missing[0].field, "delivery_address");
    assert_eq!(missing[0].problem, Problem::Required);
    let blank = check(json!({"delivery": "courier", "delivery_address": "   "}));
    assert_eq!(blank.len(), 1, "a blank address is no address");
    assert!(check(json!({"delivery": "courier", "delivery_address": "1 Queen's Road"})).is_empty());
    assert!(check(json!({"delivery": "pickup"})).is_empty());
    let unknown = check(json!({"delivery": "drone"}));
    assert_eq!(unknown[0].field, "delivery");
    assert_eq!(
        unknown[0].problem,
        Problem::NotInCodeList {
            value: "drone".into()
        }
    );
}

fn load_errors(files: &[(String, Vec<u8>)]) -> Vec<LoadError> {
    load_files(files).expect_err("the catalog must not load").0
}

fn the_error<'a>(errors: &'a [LoadError], needle: &str) -> &'a LoadError {
    let found: Vec<_> = errors
        .iter()
        .filter(|error| error.message.contains(needle))
        .collect();
    assert_eq!(found.len(), 1, "{needle:?} in {errors:#?}");
    found[0]
}

#[test]
fn a_rule_comparing_the_delivery_answer_with_an_unoffered_code_is_a_load_error() {
    let mut files = files("hk-cts");
    edit(
        &mut files,
        HRP,
        "visible_when: \"answers.delivery == 'courier'\"",
        "visible_when: \"answers.delivery == 'couriers'\"",
    );
    let errors = load_errors(&files);
    let error = the_error(&errors, "'couriers'");
    assert_eq!(error.file, HRP);
    assert_eq!(error.line, Some(line_of(&files, HRP, "'couriers'")));
    assert!(
        error
            .message
            .contains("not one of its options (pickup, courier)"),
        "{error}"
    );
    assert_eq!(errors.len(), 1, "{errors:?}");
}

#[test]
fn options_without_a_choice_or_a_stage_are_load_errors() {
    // Two options, no field to choose in.
    let mut files = files("hk-cts");
    edit(
        &mut files,
        HRP,
        "type: delivery, required: true, address_field: delivery_address,",
        "type: text, required: true,",
    );
    let errors = load_errors(&files);
    let error = the_error(&errors, "add a form field of type delivery");
    assert_eq!(error.line, Some(line_of(&files, HRP, "delivery_options:")));
    assert_eq!(errors.len(), 1, "{errors:?}");

    // Courier hands over in a delivery stage the workflow lacks.
    let mut files = common::files("hk-cts");
    edit(
        &mut files,
        HRP,
        "production, pickup, delivery]",
        "production, pickup]",
    );
    let errors = load_errors(&files);
    let error = the_error(&errors, "option `courier` hands over in a delivery stage");
    assert_eq!(error.line, Some(line_of(&files, HRP, "delivery_options:")));
    assert_eq!(errors.len(), 1, "{errors:?}");

    // A misspelled address field, and an optional choice.
    let mut files = common::files("hk-cts");
    edit(
        &mut files,
        HRP,
        "type: delivery, required: true, address_field: delivery_address,",
        "type: delivery, address_field: delivery_adress,",
    );
    let errors = load_errors(&files);
    let unknown = the_error(&errors, "unknown form field `delivery_adress`");
    assert_eq!(unknown.line, Some(line_of(&files, HRP, "delivery_adress")));
    the_error(&errors, "the delivery field must be required");
    assert_eq!(errors.len(), 2, "{errors:?}");

    // An address field on anything but a delivery field.
    let mut files = common::files("hk-cts");
    edit(
        &mut files,
        HRP,
        "{code: delivery_address, type: address,",
        "{code: delivery_address, type: address, address_field: address,",
    );
    let errors = load_errors(&files);
    the_error(&errors, "only delivery fields name an address field");
}
