//! Form answers, registration policies and message templates of the demo catalogs.

mod common;

use common::{input, load};
use laissez_catalog::format::Language;
use laissez_catalog::forms::{Problem, validate_answers};
use laissez_catalog::registration::{PasswordProblem, check_password, email_domain_forbidden};
use laissez_catalog::templates::render_message;
use serde_json::json;
use std::collections::BTreeMap;

fn problems(
    agency: &str,
    type_code: &str,
    answers: serde_json::Value,
    today: &str,
) -> Vec<(String, Problem)> {
    let catalog = load(agency);
    let application_type = catalog.application_type(type_code).expect("type");
    let fields: Vec<_> = application_type.fields().collect();
    validate_answers(
        &fields,
        &catalog.code_lists,
        &input(answers, "1995-03-23", today),
    )
    .into_iter()
    .map(|violation| (violation.field, violation.problem))
    .collect()
}

#[test]
fn declarations_are_exclusive_and_need_their_free_text() {
    let base = json!({
        "permit_number": "108695200100", "photo": "upload-1", "student_category": "general", "resumed_studies": false,
        "chinese_name": "鄭一", "date_of_birth": "1995-03-23", "mainland_id_number": "440183199503230414", "sex": "male",
        "school": "國立臺北科技大學", "department": "餐旅管理系", "place_of_birth": "guangdong",
        "mainland_address": "廣東省", "taiwan_address": "新北市", "father_name": "鄭父", "mother_name": "鄭母"
    });
    let with = |declaration: serde_json::Value| {
        let mut answers = base.clone();
        answers["political_posts"] = declaration;
        problems("tw-nia", "multi_entry_permit", answers, "2026-05-01")
    };
    assert!(
        with(json!({"option": "never"})).is_empty(),
        "{:?}",
        with(json!({"option": "never"}))
    );
    assert_eq!(
        with(json!({"option": "held_before"})),
        vec![("political_posts".to_owned(), Problem::DeclarationNeedsText)]
    );
    assert!(with(json!({"option": "holds_now", "text": "某市政協委員"})).is_empty());
    assert_eq!(
        with(json!({"option": "both"})),
        vec![(
            "political_posts".to_owned(),
            Problem::UnknownDeclaration {
                value: "both".into()
            }
        )]
    );
}

#[test]
fn required_conditional_and_checked_fields() {
    let found = problems(
        "fj-exit-entry",
        "one_time_taiwan_permit",
        json!({"photo": "upload-1", "port_of_entry": "xiamen_wutong", "planned_entry_date": "2026-04-30"}),
        "2026-05-01",
    );
    assert_eq!(found.len(), 1);
    assert!(
        matches!(&found[0].1, Problem::Check { message } if message.zh_hans == "拟入境时间不得早于今日")
    );

    let missing = problems(
        "fj-exit-entry",
        "one_time_taiwan_permit",
        json!({"port_of_entry": "nowhere"}),
        "2026-05-01",
    );
    let fields: Vec<&str> = missing.iter().map(|(field, _)| field.as_str()).collect();
    assert_eq!(fields, vec!["photo", "port_of_entry", "planned_entry_date"]);
    assert_eq!(
        missing[1].1,
        Problem::NotInCodeList {
            value: "nowhere".into()
        }
    );

    // Hong Kong: the HK identity card number is required only for holders, and its pattern is checked.
    let hk = |answers| problems("hk-cts", "home_return_permit", answers, "2026-05-01");
    let base = json!({"nationality_class": "chinese", "reason": "renewal", "has_hksar_passport": false,
        "english_name": "CHAN TAI MAN", "date_of_birth": "1990-01-01", "mobile": "+852 9123 4567",
        "email": "chan@example.hk", "address": "Sha Tin", "photo": "upload-1", "chinese_name": "陳大文",
        "delivery": "pickup"});
    let mut holder = base.clone();
    holder["has_hk_identity_card"] = json!(true);
    assert_eq!(
        hk(holder.clone()),
        vec![("hk_identity_card".to_owned(), Problem::Required)]
    );
    holder["hk_identity_card"] = json!("A123456(3)");
    assert!(hk(holder.clone()).is_empty(), "{:?}", hk(holder.clone()));
    holder["hk_identity_card"] = json!("123");
    assert_eq!(
        hk(holder.clone()),
        vec![("hk_identity_card".to_owned(), Problem::PatternMismatch)]
    );
    // The card's check character is checked, as at registration.
    holder["hk_identity_card"] = json!("A123456(7)");
    assert_eq!(
        hk(holder.clone()),
        vec![(
            "hk_identity_card".to_owned(),
            Problem::BadDocumentNumber {
                reason: "bad_checksum".into()
            }
        )]
    );
    holder["hk_identity_card"] = json!("A123456(3)");
    holder["mobile"] = json!("13812345678");
    assert!(matches!(
        &hk(holder)[0].1,
        Problem::NotAPhoneOfRegion { .. }
    ));
}

#[test]
fn travel_documents_must_be_valid_six_months() {
    let answers = json!({"nationality_class": "non_chinese", "reason": "renewal", "has_hk_identity_card": true,
        "hk_identity_card": "A123456(3)", "has_hksar_passport": false, "english_name": "SMITH JOHN",
        "date_of_birth": "1980-01-01", "mobile": "91234567", "email": "john@example.hk", "address": "Central",
        "photo": "upload-1", "travel_document_expires_on": "2026-10-01", "delivery": "pickup"});
    let found = problems(
        "hk-cts",
        "home_return_permit",
        answers.clone(),
        "2026-05-01",
    );
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        matches!(&found[0].1, Problem::Check { message } if message.en == "The travel document must be valid for 6 months or more")
    );
    let mut later = answers;
    later["travel_document_expires_on"] = json!("2026-11-01");
    assert!(problems("hk-cts", "home_return_permit", later, "2026-05-01").is_empty());
}

#[test]
fn taiwan_registration_policy() {
    let catalog = load("tw-nia");
    let policy = &catalog.portals[0].registration;
    assert!(email_domain_forbidden(policy, "student@qq.cn"));
    assert!(email_domain_forbidden(policy, "student@mail.xxx.cn"));
    assert!(!email_domain_forbidden(policy, "student@hotmail.com"));
    assert!(check_password(&policy.password, "abcdefg1", Some("abcdefg1")).is_empty());
    assert_eq!(
        check_password(&policy.password, "ABCDEFGH", Some("ABCDEFGX")),
        vec![
            PasswordProblem::NeedsLowercase,
            PasswordProblem::NeedsDigit,
            PasswordProblem::ConfirmationDiffers
        ]
    );
    assert_eq!(
        check_password(&policy.password, "abc1", None),
        vec![PasswordProblem::TooShort]
    );
    assert!(policy.match_person_records);
    let fujian = load("fj-exit-entry");
    assert!(check_password(&fujian.portals[0].registration.password, "123456", None).is_empty());
}

#[test]
fn templates_render_with_agency_overrides_per_language() {
    let catalog = load("tw-nia");
    let mut values = BTreeMap::new();
    for (name, value) in [
        ("agency_name", "內政部移民署"),
        ("applicant_name", "鄭**"),
        ("receipt_number", "108695200100"),
        ("group_number", "086970017"),
        ("application_type_name", "陸生換發多次證申請"),
        ("submitted_at", "2019-07-04 13:01"),
        ("express", "false"),
    ] {
        values.insert(name.to_owned(), value.to_owned());
    }
    let zh = render_message(
        &catalog.templates,
        "intake.case.submitted",
        Language::ZhHant,
        &values,
    )
    .expect("render");
    assert_eq!(
        zh.email_subject.as_deref(),
        Some("內政部移民署：送件成功，收件號：108695200100")
    );
    assert_eq!(zh.in_app.as_deref(), Some("送件成功，收件號：108695200100"));
    assert!(
        zh.email_text
            .as_deref()
            .is_some_and(|text| text.contains("團號：086970017")),
        "default kept"
    );
    let en = render_message(
        &catalog.templates,
        "intake.case.submitted",
        Language::En,
        &values,
    )
    .expect("render");
    assert_eq!(
        en.email_subject.as_deref(),
        Some("內政部移民署: submitted, receipt number 108695200100")
    );
    assert!(
        en.email_html
            .as_deref()
            .is_some_and(|html| html.contains("<br>"))
    );
    values.remove("receipt_number");
    assert!(
        render_message(
            &catalog.templates,
            "intake.case.submitted",
            Language::En,
            &values
        )
        .is_err()
    );
}

/// A pattern is matched against the whole answer, as registration reads
/// it: an answer that merely contains a match is refused.
#[test]
fn a_pattern_must_match_the_whole_answer_as_at_registration() {
    let field: laissez_catalog::format::FormField = serde_json::from_value(json!({
        "code": "year",
        "type": "text",
        "pattern": "[0-9]{4}",
        "label": {"zh-Hant": "年", "zh-Hans": "年", "en": "Year"},
    }))
    .expect("a field");
    let lists = BTreeMap::new();
    assert!(laissez_catalog::forms::accepts(
        &field,
        &json!("2026"),
        &lists
    ));
    for partial in ["12026", "x2026", "2026 and more"] {
        assert!(
            !laissez_catalog::forms::accepts(&field, &json!(partial), &lists),
            "{partial}"
        );
    }
}
