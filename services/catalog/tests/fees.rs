//! Every fee of the seeds, quoted from the demo catalogs (table-driven).

mod common;

use common::{date, edit, load};
use laissez_catalog::fees::{FeeQuery, quote};
use laissez_catalog::format::Currency;
use serde_json::json;

struct Case {
    agency: &'static str,
    application_type: &'static str,
    answers: serde_json::Value,
    date_of_birth: &'static str,
    express: bool,
    delivery: Option<&'static str>,
    payment_method: Option<&'static str>,
    currency: Option<Currency>,
    expected_total: i64,
    expected_currency: Currency,
}

fn case(
    agency: &'static str,
    application_type: &'static str,
    answers: serde_json::Value,
    date_of_birth: &'static str,
    express: bool,
    expected_total: i64,
    expected_currency: Currency,
) -> Case {
    Case {
        agency,
        application_type,
        answers,
        date_of_birth,
        express,
        delivery: None,
        payment_method: None,
        currency: None,
        expected_total,
        expected_currency,
    }
}

const ADULT: &str = "1990-05-01";
const CHILD: &str = "2015-05-01";
const ON: &str = "2026-03-02";

fn cases() -> Vec<Case> {
    use Currency::{Hkd, Mop, Twd};
    let hk = |reason: &str, dob, express, total| {
        case(
            "hk-cts",
            "home_return_permit",
            json!({"reason": reason}),
            dob,
            express,
            total,
            Hkd,
        )
    };
    let mo = |reason: &str, dob, currency: Currency, total| Case {
        currency: Some(currency),
        ..case(
            "mo-cts",
            "home_return_permit",
            json!({"reason": reason}),
            dob,
            false,
            total,
            currency,
        )
    };
    let tw = |application_type, method: Option<&'static str>, total| Case {
        payment_method: method,
        ..case(
            "tw-nia",
            application_type,
            json!({}),
            ADULT,
            false,
            total,
            Twd,
        )
    };
    vec![
        // Hong Kong, seed 003: first / renewal, lost / damaged, adult / child, normal / express.
        hk("first", ADULT, false, 39000),
        hk("renewal", ADULT, false, 39000),
        hk("first", CHILD, false, 26000),
        hk("renewal", CHILD, false, 26000),
        hk("first", ADULT, true, 67000),
        hk("renewal", ADULT, true, 67000),
        hk("first", CHILD, true, 54000),
        hk("renewal", CHILD, true, 54000),
        hk("lost", ADULT, false, 59000),
        hk("damaged", ADULT, false, 59000),
        hk("lost", CHILD, false, 43000),
        hk("damaged", CHILD, false, 43000),
        hk("lost", ADULT, true, 87000),
        hk("damaged", ADULT, true, 87000),
        hk("lost", CHILD, true, 71000),
        hk("damaged", CHILD, true, 71000),
        // Courier delivery adds HK$50.
        Case {
            delivery: Some("courier"),
            ..hk("first", ADULT, false, 44000)
        },
        Case {
            delivery: Some("courier"),
            ..hk("lost", CHILD, true, 76000)
        },
        // Temporary permit: HK$120 normal, HK$320 express, HK$570 same day at the border.
        case(
            "hk-cts",
            "temporary_permit",
            json!({"channel": "service_centre"}),
            ADULT,
            false,
            12000,
            Hkd,
        ),
        case(
            "hk-cts",
            "temporary_permit",
            json!({"channel": "service_centre"}),
            ADULT,
            true,
            32000,
            Hkd,
        ),
        case(
            "hk-cts",
            "temporary_permit",
            json!({"channel": "border_same_day"}),
            ADULT,
            false,
            57000,
            Hkd,
        ),
        // Macao, seed 004: 10-year (18+) and 3-year (under 18), in HKD and MOP.
        mo("first", ADULT, Hkd, 39000),
        mo("renewal", ADULT, Hkd, 39000),
        mo("first", ADULT, Mop, 40230),
        mo("renewal", ADULT, Mop, 40230),
        mo("lost", ADULT, Hkd, 56000),
        mo("lost", ADULT, Mop, 57770),
        mo("damaged", ADULT, Hkd, 56000),
        mo("damaged", ADULT, Mop, 57770),
        mo("first", CHILD, Hkd, 26000),
        mo("renewal", CHILD, Mop, 26820),
        mo("first", CHILD, Mop, 26820),
        mo("lost", CHILD, Hkd, 40000),
        mo("lost", CHILD, Mop, 41260),
        mo("damaged", CHILD, Hkd, 40000),
        mo("damaged", CHILD, Mop, 41260),
        // Taiwan, seed 002: NT$1,000, NT$300, free; surcharges per payment method.
        tw("multi_entry_permit", None, 1000),
        tw("permit_extension", None, 300),
        tw("data_change", None, 0),
        // The card's 2 % is inside the fee (seed 002: 「內含」): not added.
        tw(
            "multi_entry_permit",
            Some("international_credit_card"),
            1000,
        ),
        tw("permit_extension", Some("international_credit_card"), 300),
        tw("multi_entry_permit", Some("web_atm"), 1007),
        tw("multi_entry_permit", Some("virtual_account"), 1010),
        tw("multi_entry_permit", Some("egov_account_or_web_atm"), 1015),
        tw("multi_entry_permit", Some("egov_credit_card"), 1000),
        tw("multi_entry_permit", Some("convenience_store"), 1008),
        tw("permit_extension", Some("convenience_store"), 308),
        tw("permit_extension", Some("web_atm"), 307),
    ]
}

#[test]
fn every_seed_fee_is_quoted() {
    let mut failures = Vec::new();
    for (index, case) in cases().into_iter().enumerate() {
        let catalog = load(case.agency);
        let query = FeeQuery {
            application_type: case.application_type.into(),
            answers: case.answers.as_object().cloned().unwrap_or_default(),
            variant: None,
            date_of_birth: Some(date(case.date_of_birth)),
            on: date(ON),
            express: case.express,
            delivery: case.delivery.map(Into::into),
            payment_method: case.payment_method.map(Into::into),
            currency: case.currency,
        };
        match quote(&catalog, &query) {
            Ok(result)
                if result.total.minor_units == case.expected_total
                    && result.total.currency == case.expected_currency => {}
            Ok(result) => failures.push(format!(
                "case {index} {}/{}: got {}, expected {}",
                case.agency, case.application_type, result.total, case.expected_total
            )),
            Err(error) => failures.push(format!(
                "case {index} {}/{}: {error}",
                case.agency, case.application_type
            )),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn quote_has_a_breakdown_and_flags_bank_fees() {
    let catalog = load("tw-nia");
    let query = FeeQuery {
        application_type: "multi_entry_permit".into(),
        answers: Default::default(),
        variant: None,
        date_of_birth: None,
        on: date(ON),
        express: false,
        delivery: None,
        payment_method: Some("web_atm".into()),
        currency: None,
    };
    let result = quote(&catalog, &query).expect("quote");
    assert_eq!(result.lines.len(), 2);
    assert_eq!(result.lines[0].amount.minor_units, 1000);
    assert_eq!(result.lines[1].amount.minor_units, 7);
    assert!(result.plus_bank_fee);
    assert_eq!(result.total.to_string(), "TWD 1007");
}

#[test]
fn an_included_surcharge_is_shown_but_not_charged() {
    let catalog = load("tw-nia");
    let query = FeeQuery {
        application_type: "multi_entry_permit".into(),
        answers: Default::default(),
        variant: None,
        date_of_birth: None,
        on: date(ON),
        express: false,
        delivery: None,
        payment_method: Some("international_credit_card".into()),
        currency: None,
    };
    let result = quote(&catalog, &query).expect("quote");
    assert_eq!(result.lines.len(), 2);
    assert_eq!(
        result.lines[1].kind,
        laissez_catalog::fees::LineKind::IncludedSurcharge
    );
    assert_eq!(result.lines[1].amount.minor_units, 20);
    assert_eq!(result.total.to_string(), "TWD 1000");
}

#[test]
fn unpublished_and_impossible_quotes_are_errors() {
    use laissez_catalog::fees::Error;
    let base = |application_type: &str| FeeQuery {
        application_type: application_type.into(),
        answers: Default::default(),
        variant: None,
        date_of_birth: Some(date(ADULT)),
        on: date(ON),
        express: false,
        delivery: None,
        payment_method: None,
        currency: None,
    };
    let csm = load("mo-csm");
    assert_eq!(
        quote(&csm, &base("passport_renewal")),
        Err(Error::NotPublished("passport_renewal".into()))
    );
    let mo = load("mo-cts");
    let express = FeeQuery {
        express: true,
        variant: Some("first".into()),
        ..base("home_return_permit")
    };
    assert_eq!(
        quote(&mo, &express),
        Err(Error::ExpressNotOffered("home_return_permit".into()))
    );
    let macao_mop = FeeQuery {
        variant: Some("first".into()),
        currency: Some(Currency::Mop),
        ..base("home_return_permit")
    };
    assert_eq!(
        quote(&mo, &macao_mop).map(|quote| quote.total.to_string()),
        Ok("MOP 402.30".into())
    );
}

/// hk-cts's temporary permit with a number field (trips) and two rows: one
/// keyed by two answers (the channel and the urgent reason) and priced per
/// trip, before the general row.
fn per_trip_files() -> Vec<(String, Vec<u8>)> {
    let mut files = common::files("hk-cts");
    edit(
        &mut files,
        "types/temporary_permit.yaml",
        "      - {code: english_name,",
        "      - {code: trips, type: number, min: 1, max: 5, label: {zh-Hant: 往返次數, zh-Hans: 往返次数, en: Trips}}\n      - {code: english_name,",
    );
    edit(
        &mut files,
        "fees.yaml",
        "  - {type: temporary_permit, variants: [service_centre], speed: normal, amounts: {HKD: 12000}}",
        "  - {type: temporary_permit, variants: [service_centre], answers: {urgent_reason: [funeral, visiting_sick]}, speed: normal, per: trips, amounts: {HKD: 5000}, label: {zh-Hant: 每次往返, zh-Hans: 每次往返, en: Per trip}}\n  - {type: temporary_permit, variants: [service_centre], speed: normal, amounts: {HKD: 12000}}",
    );
    files
}

#[test]
fn a_row_keyed_by_several_answers_and_priced_per_unit() {
    let catalog = laissez_catalog::load_files(&per_trip_files()).expect("the edited catalog loads");
    let quote_for = |answers: serde_json::Value| {
        quote(
            &catalog,
            &FeeQuery {
                application_type: "temporary_permit".into(),
                answers: answers.as_object().cloned().unwrap_or_default(),
                variant: None,
                date_of_birth: Some(date("1990-01-01")),
                on: date("2026-05-01"),
                express: false,
                delivery: None,
                payment_method: None,
                currency: None,
            },
        )
    };
    // Both answers hold: 3 trips at HK$50.
    let per_trip =
        quote_for(json!({"channel": "service_centre", "urgent_reason": "funeral", "trips": 3}))
            .expect("a quote");
    assert_eq!(per_trip.total.minor_units, 15_000);
    assert_eq!(per_trip.lines[0].quantity, Some(3));
    assert_eq!(per_trip.lines[0].display_label().en, "Per trip × 3");
    // Another reason: the general row, whatever the trips.
    let general =
        quote_for(json!({"channel": "service_centre", "urgent_reason": "studies", "trips": 3}))
            .expect("a quote");
    assert_eq!(general.total.minor_units, 12_000);
    assert_eq!(general.lines[0].quantity, None);
    // The per-unit row needs its count, and a sane one.
    assert_eq!(
        quote_for(json!({"channel": "service_centre", "urgent_reason": "funeral"})),
        Err(laissez_catalog::fees::Error::MissingUnitCount(
            "trips".into()
        ))
    );
    assert_eq!(
        quote_for(
            json!({"channel": "service_centre", "urgent_reason": "funeral", "trips": 5_000_000})
        ),
        Err(laissez_catalog::fees::Error::AmountOverflow(5_000_000))
    );
    // What intake hands payment: only the answers the fee reads.
    assert_eq!(
        laissez_catalog::fees::answer_fields(&catalog, "temporary_permit"),
        ["channel", "trips", "urgent_reason"]
    );
}

#[test]
fn rows_keyed_by_answers_are_checked_when_they_load() {
    let mut files = per_trip_files();
    edit(
        &mut files,
        "fees.yaml",
        "answers: {urgent_reason: [funeral, visiting_sick]}, speed: normal, per: trips,",
        "answers: {urgent_reason: [funeral, visting_sick], reason: [x]}, speed: normal, per: english_name,",
    );
    // A keyed row after the general one is never chosen.
    edit(
        &mut files,
        "fees.yaml",
        "  - {type: temporary_permit, variants: [border_same_day], speed: normal, amounts: {HKD: 57000}}",
        "  - {type: temporary_permit, variants: [border_same_day], speed: normal, amounts: {HKD: 57000}}\n  - {type: temporary_permit, variants: [border_same_day], answers: {urgent_reason: [studies]}, speed: normal, amounts: {HKD: 1000}}",
    );
    let errors = laissez_catalog::load_files(&files)
        .expect_err("broken rows")
        .0;
    let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
    let find = |field: &str| {
        errors
            .iter()
            .find(|error| error.file == "fees.yaml" && error.field == field)
            .unwrap_or_else(|| panic!("no error on {field}: {messages:#?}"))
    };
    assert!(
        find("rows[8].answers.urgent_reason[1]")
            .message
            .contains("`visting_sick` is not a value")
    );
    assert!(
        find("rows[8].answers.reason")
            .message
            .contains("not a field of type")
    );
    assert!(find("rows[8].per").message.contains("number field"));
    assert!(
        find("rows[12]")
            .message
            .contains("rows[11] already matches")
    );
    assert!(find("rows[8].per").line.is_some());
}
