//! Registration forms and their rules: conditional fields and checks.

use super::*;
use crate::domain::policy::{Activation, FieldCheck, LocalText};

/// A registration form with a yes/no, a field asked only when it is
/// yes and required then, and a check on a code.
fn portal() -> PortalPolicy {
    let mut employer = FieldRule::new("employer", FieldKind::Text, false);
    employer.visible_when = Some("answers.employed == true".into());
    employer.required_when = Some("answers.employed == true".into());
    let mut city = FieldRule::new(
        "city",
        FieldKind::Choice(vec!["macao".into(), "taipa".into()]),
        true,
    );
    city.checks = vec![FieldCheck {
        rule: "answers.city in lists.served_cities".into(),
        message: LocalText {
            zh_hant: "此地區不受理".into(),
            zh_hans: "此地区不受理".into(),
            en: "Not served in this area".into(),
        },
    }];
    PortalPolicy {
        agency: "test".into(),
        code: "residents".into(),
        login_with: LoginIdentifier::Field("email".into()),
        captcha: false,
        staff: false,
        registration: Some(RegistrationPolicy {
            fields: vec![
                FieldRule::new("email", FieldKind::Email, true),
                FieldRule::new("employed", FieldKind::YesNo, true),
                employer,
                city,
            ],
            phone_regions: Vec::new(),
            forbidden_email_domains: Vec::new(),
            password: Default::default(),
            match_person_records: false,
            no_match_message: LocalText::plain("no match"),
            activation: Activation::Email,
            sms_code_field: None,
            consents: Vec::new(),
            lists: [("served_cities".to_owned(), vec!["macao".to_owned()])].into(),
        }),
    }
}

fn register(
    fields: &[(&str, &str)],
    language: Language,
) -> Result<RegistrationForm, Vec<FieldError>> {
    register_on(&portal(), fields, language)
}

fn register_on(
    portal: &PortalPolicy,
    fields: &[(&str, &str)],
    language: Language,
) -> Result<RegistrationForm, Vec<FieldError>> {
    let fields: HashMap<String, String> = fields
        .iter()
        .map(|(code, value)| ((*code).to_owned(), (*value).to_owned()))
        .collect();
    let input = RegistrationInput {
        login_name: "",
        password: "Correct-Horse-7",
        password_confirmation: "Correct-Horse-7",
        fields: &fields,
        language,
    };
    validate_registration(portal, portal.registration.as_ref().unwrap(), 8, &input)
}

fn codes(errors: &[FieldError]) -> Vec<(String, String)> {
    errors
        .iter()
        .map(|error| (error.field.clone(), error.code.clone()))
        .collect()
}

#[test]
fn a_field_is_asked_and_required_only_when_its_rule_says_so() {
    // Employed: the employer is required.
    let refused = register(
        &[
            ("email", "a@example.org"),
            ("employed", "yes"),
            ("city", "macao"),
        ],
        Language::En,
    )
    .unwrap_err();
    assert_eq!(
        codes(&refused),
        [("fields.employer".to_owned(), "required".to_owned())]
    );
    let form = register(
        &[
            ("email", "a@example.org"),
            ("employed", "yes"),
            ("employer", "Casino"),
            ("city", "macao"),
        ],
        Language::En,
    )
    .unwrap();
    assert_eq!(form.fields["employer"], "Casino");
    // Not employed: the employer is not asked; an answer given is dropped.
    let form = register(
        &[
            ("email", "a@example.org"),
            ("employed", "no"),
            ("employer", "Casino"),
            ("city", "macao"),
        ],
        Language::En,
    )
    .unwrap();
    assert!(!form.fields.contains_key("employer"), "{:?}", form.fields);
}

#[test]
fn a_field_check_refuses_with_its_message_in_the_visitors_language() {
    let refused = register(
        &[
            ("email", "a@example.org"),
            ("employed", "no"),
            ("city", "taipa"),
        ],
        Language::ZhHant,
    )
    .unwrap_err();
    assert_eq!(
        codes(&refused),
        [("fields.city".to_owned(), "check".to_owned())]
    );
    assert_eq!(refused[0].message, "此地區不受理");
}

/// The SMS code is read from the field the catalog declares, whatever its
/// name, and never kept in the profile; a field merely named `sms_code`
/// is an ordinary (here unknown) field.
#[test]
fn the_sms_code_comes_from_the_declared_field() {
    let mut portal = portal();
    let policy = portal.registration.as_mut().unwrap();
    policy.fields.push(FieldRule::new(
        "mobile",
        FieldKind::Phone(vec!["MO".into()]),
        true,
    ));
    policy
        .fields
        .push(FieldRule::new("otp", FieldKind::Text, true));
    policy.activation = Activation::Sms;
    policy.sms_code_field = Some("otp".into());
    let answers = [
        ("email", "a@example.org"),
        ("employed", "no"),
        ("city", "macao"),
        ("mobile", "66123456"),
        ("otp", " 123456 "),
    ];
    let form = register_on(&portal, &answers, Language::En).unwrap();
    assert_eq!(form.sms_code.as_deref(), Some("123456"));
    assert!(!form.fields.contains_key("otp"), "{:?}", form.fields);

    let mut named = answers.to_vec();
    named.push(("sms_code", "123456"));
    let refused = register_on(&portal, &named, Language::En).unwrap_err();
    assert_eq!(
        codes(&refused),
        [("fields.sms_code".to_owned(), "unknown_field".to_owned())]
    );
}
