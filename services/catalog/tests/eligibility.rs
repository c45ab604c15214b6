//! The seed rules, both ways, with the reason text.

mod common;

use common::{date, input, load, with_document, with_record};
use laissez_catalog::format::Entries;
use laissez_catalog::{documents, eligibility};
use serde_json::json;

#[test]
fn extension_only_within_the_last_three_months_of_the_stay() {
    let catalog = load("tw-nia");
    let extension = catalog.application_type("permit_extension").expect("type");
    let record = json!({"stay_ends_on": "2026-06-30", "permit_kind": "multi_entry"});
    for (today, eligible) in [
        ("2026-04-15", true),
        ("2026-03-30", true),
        ("2026-06-30", true),
        ("2026-03-29", false),
        ("2026-01-10", false),
        ("2026-07-01", false),
    ] {
        let decision = eligibility::evaluate(
            extension,
            &with_record(input(json!({}), "2000-01-01", today), record.clone()),
        );
        assert_eq!(decision.eligible, eligible, "today {today}");
        if !eligible {
            assert_eq!(decision.failures.len(), 1);
            assert_eq!(decision.failures[0].rule, "within_last_three_months");
            assert_eq!(
                decision.failures[0].reason.zh_hant,
                "須於停留期間屆滿前3個月內始得申請延期"
            );
            assert_eq!(
                decision.failures[0].reason.en,
                "An extension can be applied for only within the last 3 months before the permitted stay ends"
            );
        }
    }
}

#[test]
fn a_rule_on_a_missing_record_fails_with_the_evaluation_error() {
    let catalog = load("tw-nia");
    let extension = catalog.application_type("permit_extension").expect("type");
    let decision = eligibility::evaluate(extension, &input(json!({}), "2000-01-01", "2026-04-15"));
    assert!(!decision.eligible);
    assert!(decision.failures[0].error.is_some());
}

#[test]
fn under_sixteen_needs_guardian_documents() {
    let catalog = load("mo-csm");
    let renewal = catalog.application_type("passport_renewal").expect("type");
    let answers = json!({"residence_status": "long_term_resident", "holds_permanent_id": false, "chinese_name_changed": false});
    let codes = |date_of_birth: &str| -> Vec<String> {
        documents::documents_for(
            renewal,
            &input(answers.clone(), date_of_birth, "2026-05-01"),
        )
        .expect("documents")
        .into_iter()
        .map(|document| document.code)
        .collect()
    };
    let fifteen = codes("2010-05-02");
    for guardian in [
        "guardian_consent",
        "guardianship_proof",
        "guardian_travel_document",
    ] {
        assert!(
            fifteen.contains(&guardian.to_owned()),
            "{guardian} missing for a 15-year-old: {fifteen:?}"
        );
    }
    let sixteen = codes("2010-05-01");
    assert!(
        !sixteen.iter().any(|code| code.starts_with("guardian")),
        "{sixteen:?}"
    );
    assert!(
        sixteen.contains(&"photo".to_owned()) && sixteen.contains(&"current_passport".to_owned())
    );
}

#[test]
fn hong_kong_documents_follow_age_and_case() {
    let catalog = load("hk-cts");
    let permit = catalog
        .application_type("home_return_permit")
        .expect("type");
    let answers = json!({"nationality_class": "chinese", "reason": "first", "has_hk_identity_card": false, "has_hksar_passport": false});
    let documents = documents::documents_for(permit, &input(answers, "2018-01-01", "2026-05-01"))
        .expect("documents");
    let codes: Vec<&str> = documents
        .iter()
        .map(|document| document.code.as_str())
        .collect();
    assert!(codes.contains(&"re_entry_permit_chinese_name"), "{codes:?}");
    assert!(
        codes.contains(&"guardian_relationship_proof")
            && codes.contains(&"parent_chinese_document")
    );
    assert!(!codes.contains(&"current_permit"));
}

#[test]
fn a_travel_permit_is_refused_while_a_valid_passport_is_held() {
    let catalog = load("mo-csm");
    let issue = catalog
        .application_type("travel_permit_issue")
        .expect("type");
    let answers = json!({"issue_case": "emergency", "residence_status": "temporary_visitor", "holds_permanent_id": false});
    let base = input(answers, "1990-01-01", "2026-05-01");

    let refused = eligibility::evaluate(
        issue,
        &with_document(base.clone(), "passport", "2030-01-01"),
    );
    assert!(!refused.eligible);
    assert_eq!(refused.failures[0].rule, "no_valid_passport");
    assert_eq!(
        refused.failures[0].reason.zh_hans,
        "旅行证是替代护照的临时证件，已持有有效护照者不可申请旅行证"
    );

    let expired = eligibility::evaluate(
        issue,
        &with_document(base.clone(), "passport", "2026-04-30"),
    );
    assert!(expired.eligible, "{expired:?}");
    assert!(eligibility::evaluate(issue, &base).eligible);
}

#[test]
fn macao_permit_renewal_only_from_three_months_before_expiry() {
    let catalog = load("mo-cts");
    let permit = catalog
        .application_type("home_return_permit")
        .expect("type");
    let record = json!({"expires_on": "2026-09-01"});
    let renewal = |today: &str, old_style: bool| {
        let answers = json!({"reason": "renewal", "old_style_permit": old_style, "eligibility_class": "born_in_macao"});
        eligibility::evaluate(
            permit,
            &with_record(input(answers, "1980-01-01", today), record.clone()),
        )
    };
    assert!(renewal("2026-06-01", false).eligible);
    assert!(renewal("2026-08-15", false).eligible);
    let early = renewal("2026-05-31", false);
    assert!(!early.eligible);
    assert_eq!(
        early.failures[0].reason.zh_hant,
        "《通行證》期滿前三個月方可申請換領（舊式《回鄉證》可隨時換領）"
    );
    assert!(
        renewal("2026-01-01", true).eligible,
        "an old-style permit may be exchanged at any time"
    );
    // The old-style question left blank (an optional yes/no): a renewal a
    // month before expiry is still decided by the date, as CEL's `||`
    // absorbs the missing answer's error when another side is true.
    let blank = |today: &str| {
        let answers = json!({"reason": "renewal", "eligibility_class": "born_in_macao"});
        eligibility::evaluate(
            permit,
            &with_record(input(answers, "1980-01-01", today), record.clone()),
        )
    };
    let decision = blank("2026-08-01");
    assert!(decision.eligible, "{:?}", decision.failures);
    let early = blank("2026-01-01");
    assert!(!early.eligible, "too early, and nothing else says yes");
}

#[test]
fn validity_is_three_years_under_eighteen_and_ten_from_eighteen() {
    let catalog = load("mo-cts");
    let permit = catalog
        .application_type("home_return_permit")
        .expect("type");
    let years = |date_of_birth: &str| {
        eligibility::grant(
            permit,
            &input(json!({"reason": "first"}), date_of_birth, "2026-05-01"),
        )
        .valid_months
        .map(|months| months / 12)
    };
    assert_eq!(years("2008-05-02"), Some(3));
    assert_eq!(years("2008-05-01"), Some(10));
    assert_eq!(years("1950-01-01"), Some(10));
}

#[test]
fn hong_kong_priority_lanes() {
    let catalog = load("hk-cts");
    let permit = catalog
        .application_type("home_return_permit")
        .expect("type");
    let lanes = |answers, date_of_birth: &str| {
        eligibility::priority_lanes(permit, &input(answers, date_of_birth, "2026-05-01"))
            .expect("lanes")
    };
    assert_eq!(
        lanes(
            json!({"urgent_reason": "none", "reduced_mobility": false}),
            "1956-05-01"
        ),
        vec!["aged_70_plus"]
    );
    assert_eq!(
        lanes(
            json!({"urgent_reason": "none", "reduced_mobility": false}),
            "2026-03-15"
        ),
        vec!["infant_under_3_months"]
    );
    assert_eq!(
        lanes(
            json!({"urgent_reason": "funeral", "reduced_mobility": true}),
            "1990-01-01"
        ),
        vec!["reduced_mobility", "funeral"]
    );
    assert!(
        lanes(
            json!({"urgent_reason": "none", "reduced_mobility": false}),
            "1990-01-01"
        )
        .is_empty()
    );
    assert_eq!(date("2026-05-01").to_string(), "2026-05-01");
}

#[test]
fn senior_sign_off_follows_its_rule() {
    let mut catalog = load("mo-csm");
    let issue = catalog
        .application_types
        .iter_mut()
        .find(|candidate| candidate.code == "travel_permit_issue")
        .expect("type");
    assert_eq!(
        eligibility::senior_sign_off_needed(issue, &input(json!({}), "1990-01-01", "2026-05-01")),
        Ok(false)
    );
    issue.senior_sign_off_when = Some("answers.issue_case == 'emergency'".into());
    let emergency = input(
        json!({"issue_case": "emergency"}),
        "1990-01-01",
        "2026-05-01",
    );
    assert_eq!(
        eligibility::senior_sign_off_needed(issue, &emergency),
        Ok(true)
    );
    let first_child = input(
        json!({"issue_case": "first_child"}),
        "2020-01-01",
        "2026-05-01",
    );
    assert_eq!(
        eligibility::senior_sign_off_needed(issue, &first_child),
        Ok(false)
    );
}

#[test]
fn demo_receipt_and_group_numbers() {
    use laissez_catalog::numbers::format_receipt_number;
    let fujian = load("fj-exit-entry");
    assert_eq!(
        format_receipt_number(&fujian.numbers.receipt, date("2024-04-01"), 7).as_deref(),
        Ok("FJ20240401000007")
    );
    let taiwan = load("tw-nia");
    assert_eq!(
        format_receipt_number(&taiwan.numbers.receipt, date("2019-07-04"), 695200100).as_deref(),
        Ok("108695200100")
    );
    let group = taiwan.numbers.group.as_deref().expect("group format");
    assert_eq!(
        format_receipt_number(group, date("2019-07-04"), 86970017).as_deref(),
        Ok("086970017")
    );
}

/// What a permit grants: validity in months (years and months add up),
/// entries, and a stay per entry that may depend on an answer.
#[test]
fn a_permit_grants_validity_entries_and_a_stay_that_may_depend_on_an_answer() {
    let catalog = load("hk-cts");
    let permit = catalog
        .application_type("home_return_permit")
        .expect("type");
    let grant = |class: &str| {
        eligibility::grant(
            permit,
            &input(
                json!({"nationality_class": class}),
                "1990-01-01",
                "2026-05-01",
            ),
        )
    };
    let non_chinese = grant("non_chinese");
    assert_eq!(non_chinese.valid_months, Some(60));
    assert_eq!(non_chinese.entries, Some(Entries::Multiple));
    assert_eq!(non_chinese.stay_days, Some(90));
    assert_eq!(
        non_chinese.valid_until(date("2026-05-01")),
        Some(date("2031-04-30"))
    );
    let chinese = grant("chinese");
    assert_eq!(chinese.valid_months, None);
    assert_eq!(chinese.entries, Some(Entries::Multiple));
    assert_eq!(chinese.stay_days, None);

    // A rule that cannot be evaluated (the answer is missing) does not hold.
    let unanswered = eligibility::grant(permit, &input(json!({}), "1990-01-01", "2026-05-01"));
    assert_eq!(unanswered.stay_days, None);
}

#[test]
fn grants_are_checked_when_the_catalog_loads() {
    let mut files = common::files("hk-cts");
    let path = "types/home_return_permit.yaml";
    common::edit(
        &mut files,
        path,
        "  - {when: \"answers.nationality_class == 'non_chinese'\", years: 5}",
        "  - {when: \"answers.nationality_class == 'non_chinese'\", months: 0}",
    );
    common::edit(
        &mut files,
        path,
        "  - {when: \"answers.nationality_class == 'non_chinese'\", days: 90}",
        "  - {when: \"answers.nationality_class == 'non_chinese'\", days: 0}\n  - {when: \"answers.nationality == 'x'\", days: 14}",
    );
    let errors = laissez_catalog::load_files(&files)
        .expect_err("broken grants")
        .0;
    let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
    let find = |needle: &str| {
        errors
            .iter()
            .find(|error| error.message.contains(needle))
            .unwrap_or_else(|| panic!("no {needle:?} in {messages:#?}"))
    };
    assert_eq!(find("needs years or months").field, "validity[0]");
    assert_eq!(find("at least one day").field, "stay_per_entry[0].days");
    assert_eq!(
        find("unknown form field `answers.nationality`").field,
        "stay_per_entry[1].when"
    );
    assert!(find("needs years or months").line.is_some());

    // A kind of entries that does not exist names its line.
    let mut files = common::files("hk-cts");
    common::edit(
        &mut files,
        path,
        "  - {when: \"true\", entries: multiple}",
        "  - {when: \"true\", entries: several}",
    );
    let errors = laissez_catalog::load_files(&files)
        .expect_err("unknown entries")
        .0;
    assert!(
        errors
            .iter()
            .any(|error| error.file == path && error.message.contains("several")),
        "{errors:?}"
    );
}
