//! A registration form checked against its portal's policy: every field
//! gets its own error, all at once.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use laissez_catalog::format::Language;
use laissez_catalog::rules::{self, RuleInput};
use laissez_kit::FieldError;

use super::contact::{Email, PhoneNumber};
use super::documents::IdentityDocumentNumber;
use super::login_name::LoginName;
use super::password::Password;
use super::policy::{FieldKind, FieldRule, LoginIdentifier, PortalPolicy, RegistrationPolicy};

/// Longest value of any field.
const MAX_FIELD_LENGTH: usize = 500;
const MAX_FIELDS: usize = 64;

/// What a registration request carries.
pub struct RegistrationInput<'a> {
    pub login_name: &'a str,
    pub password: &'a str,
    pub password_confirmation: &'a str,
    pub fields: &'a HashMap<String, String>,
    /// The language a field check's message is given in.
    pub language: Language,
}

/// A registration that passed every check.
#[derive(Debug, Clone)]
pub struct RegistrationForm {
    pub login_name: LoginName,
    pub password: Password,
    pub email: Option<Email>,
    pub mobile: Option<PhoneNumber>,
    pub display_name: String,
    /// Profile fields in canonical form (no password, login name or SMS code).
    pub fields: BTreeMap<String, String>,
    pub sms_code: Option<String>,
    /// The canonical identity-document number person records are matched on.
    pub match_key: Option<String>,
}

pub fn validate_registration(
    portal: &PortalPolicy,
    policy: &RegistrationPolicy,
    password_floor: usize,
    input: &RegistrationInput<'_>,
) -> Result<RegistrationForm, Vec<FieldError>> {
    let mut errors = Vec::new();
    // The form's own rules first: which fields are asked and required for
    // these answers (as application forms do).
    let rules = FormRules::of(policy, input.fields);
    let mut checked = check_fields(policy, input.fields, &[], Some(&rules), &mut errors);
    rules.check(policy, &mut checked, input.language, &mut errors);

    let login_name = match &portal.login_with {
        LoginIdentifier::ChosenName => {
            let text = if input.login_name.trim().is_empty() {
                input
                    .fields
                    .get("login_name")
                    .map(String::as_str)
                    .unwrap_or("")
            } else {
                input.login_name
            };
            let rule = policy.field("login_name");
            let min = rule
                .and_then(|r| r.min_length)
                .unwrap_or(LoginName::DEFAULT_MIN);
            let max = rule
                .and_then(|r| r.max_length)
                .unwrap_or(LoginName::DEFAULT_MAX);
            LoginName::parse_with(text, min, max)
                .map_err(|error| {
                    errors.push(FieldError::new("login_name", error.code(), error.message()))
                })
                .ok()
        }
        LoginIdentifier::Field(code) => {
            login_from_field(policy, code, input, &checked, &mut errors)
        }
    };

    let email = policy
        .fields
        .iter()
        .filter(|rule| rule.kind == FieldKind::Email)
        .find_map(|rule| checked.get(&rule.code))
        .and_then(|value| Email::parse(value, &policy.forbidden_email_domains).ok());
    let mobile = policy
        .fields
        .iter()
        .filter_map(|rule| match &rule.kind {
            FieldKind::Phone(regions) => checked.get(&rule.code).and_then(|value| {
                PhoneNumber::parse(value, regions_or(regions, &policy.phone_regions)).ok()
            }),
            _ => None,
        })
        .find(PhoneNumber::is_mobile);
    // A login identifier that is itself an address or a mobile number (a
    // portal's "email or mobile number") is also how the account is reached.
    let email = email.or_else(|| {
        login_name
            .as_ref()
            .and_then(|login| Email::parse(login.as_str(), &policy.forbidden_email_domains).ok())
    });
    let mobile = mobile.or_else(|| {
        login_name
            .as_ref()
            .and_then(|login| PhoneNumber::parse(login.as_str(), &policy.phone_regions).ok())
            .filter(PhoneNumber::is_mobile)
    });

    let mut identifiers: Vec<&str> = Vec::new();
    if let Some(login) = &login_name {
        identifiers.push(login.as_str());
    }
    if let Some(email) = &email {
        identifiers.push(email.local_part());
    }
    let confirmation = policy
        .password
        .confirm_twice
        .then_some(input.password_confirmation);
    errors.extend(policy.password.clone().with_floor(password_floor).check(
        "password",
        input.password,
        confirmation,
        &identifiers,
    ));

    for consent in &policy.consents {
        let accepted = input.fields.get(consent).is_some_and(|value| is_yes(value));
        if !accepted {
            errors.push(FieldError::new(
                format!("fields.{consent}"),
                "consent_required",
                "this agreement must be accepted",
            ));
        }
    }

    // A missing code of a required code field is reported by check_fields.
    let sms_code = policy
        .sms_code_field
        .as_deref()
        .and_then(|field| input.fields.get(field))
        .map(|code| code.trim().to_owned())
        .filter(|c| !c.is_empty());
    let match_key = policy
        .match_field()
        .and_then(|rule| checked.get(&rule.code).cloned());

    let Some(login_name) = login_name else {
        return Err(errors);
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut fields = checked;
    for reserved in policy.reserved_fields() {
        fields.remove(reserved);
    }
    for consent in &policy.consents {
        fields.insert(consent.clone(), "true".to_owned());
    }
    let display_name = display_name(&fields, login_name.as_str());
    Ok(RegistrationForm {
        login_name,
        password: Password::new(input.password),
        email,
        mobile,
        display_name,
        fields,
        sms_code,
        match_key,
    })
}

fn login_from_field(
    policy: &RegistrationPolicy,
    code: &str,
    input: &RegistrationInput<'_>,
    checked: &BTreeMap<String, String>,
    errors: &mut Vec<FieldError>,
) -> Option<LoginName> {
    let from_field = checked.get(code);
    let from_request = if input.login_name.trim().is_empty() {
        None
    } else {
        match policy.field(code) {
            Some(rule) => match check_value(rule, input.login_name, policy) {
                Ok(value) => Some(value),
                Err(error) => {
                    errors.push(FieldError::new("login_name", error.code, error.message));
                    return None;
                }
            },
            None => Some(input.login_name.trim().to_owned()),
        }
    };
    let value = match (from_request, from_field) {
        (Some(request), Some(field)) if &request != field => {
            errors.push(FieldError::new(
                "login_name",
                "differs_from_field",
                format!("the login name must equal fields.{code}"),
            ));
            return None;
        }
        (Some(request), _) => request,
        (None, Some(field)) => field.clone(),
        (None, None) => {
            if !errors
                .iter()
                .any(|error| error.field == format!("fields.{code}"))
            {
                errors.push(FieldError::new(
                    "login_name",
                    "required",
                    "a login name is required",
                ));
            }
            return None;
        }
    };
    LoginName::parse_with(&value, 1, 254)
        .map_err(|error| errors.push(FieldError::new("login_name", error.code(), error.message())))
        .ok()
}

/// Checks `fields` against the policy and returns them in canonical form.
/// `read_only` fields may not be given; with `complete` every required field
/// must be there (registration), otherwise only given ones are checked
/// (a profile update).
pub fn check_fields(
    policy: &RegistrationPolicy,
    fields: &HashMap<String, String>,
    read_only: &[&str],
    rules: Option<&FormRules>,
    errors: &mut Vec<FieldError>,
) -> BTreeMap<String, String> {
    // A complete form (registration) comes with its rules' verdicts.
    let complete = rules.is_some();
    let mut checked = BTreeMap::new();
    if fields.len() > MAX_FIELDS {
        errors.push(FieldError::new(
            "fields",
            "too_many",
            format!("at most {MAX_FIELDS} fields"),
        ));
        return checked;
    }
    let mut codes: Vec<&String> = fields.keys().collect();
    codes.sort();
    for code in codes {
        let known = policy.field(code).is_some()
            || policy.consents.iter().any(|consent| consent == code)
            || policy.reserved_fields().contains(&code.as_str());
        if !known {
            errors.push(FieldError::new(
                format!("fields.{code}"),
                "unknown_field",
                "this portal has no such field",
            ));
        } else if read_only.contains(&code.as_str()) {
            errors.push(FieldError::new(
                format!("fields.{code}"),
                "read_only",
                "this field cannot be changed",
            ));
        }
    }
    for rule in &policy.fields {
        if rule.code == "password"
            || (rule.code == "login_name" && !complete)
            || read_only.contains(&rule.code.as_str())
            || rules.is_some_and(|rules| rules.hidden.contains(&rule.code))
        {
            continue;
        }
        let required =
            rule.required || rules.is_some_and(|rules| rules.required.contains(&rule.code));
        let value = fields
            .get(&rule.code)
            .map(|value| value.trim())
            .unwrap_or("");
        if value.is_empty() {
            let given_empty = fields.contains_key(&rule.code);
            if required && (complete || given_empty) && rule.code != "login_name" {
                errors.push(FieldError::new(
                    format!("fields.{}", rule.code),
                    "required",
                    "this field is required",
                ));
            }
            if given_empty && !required {
                checked.insert(rule.code.clone(), String::new());
            }
            continue;
        }
        match check_value(rule, value, policy) {
            Ok(canonical) => {
                checked.insert(rule.code.clone(), canonical);
            }
            Err(error) => errors.push(error),
        }
    }
    checked
}

/// What a registration form's rules say for one set of answers: the
/// fields not asked (`visible_when` false) and those required by
/// `required_when`. A condition that cannot be evaluated (it reads an
/// answer not given) leaves the field asked and not required by it.
pub struct FormRules {
    hidden: BTreeSet<String>,
    required: BTreeSet<String>,
}

impl FormRules {
    pub fn of(policy: &RegistrationPolicy, fields: &HashMap<String, String>) -> FormRules {
        let input = rule_input(
            policy,
            fields.iter().map(|(code, value)| (code, value.as_str())),
        );
        let holds = |rule: &Option<String>| {
            rule.as_deref()
                .map(|rule| rules::evaluate_bool(rule, &input))
        };
        let mut hidden = BTreeSet::new();
        let mut required = BTreeSet::new();
        for field in &policy.fields {
            if let Some(Ok(false)) = holds(&field.visible_when) {
                hidden.insert(field.code.clone());
            }
            if let Some(Ok(true)) = holds(&field.required_when) {
                required.insert(field.code.clone());
            }
        }
        FormRules { hidden, required }
    }

    /// Runs each asked field's checks on the canonical answers (an answer
    /// to a field not asked is dropped). A check that fails, or cannot be
    /// evaluated, refuses the field with its message in `language`.
    fn check(
        &self,
        policy: &RegistrationPolicy,
        checked: &mut BTreeMap<String, String>,
        language: Language,
        errors: &mut Vec<FieldError>,
    ) {
        checked.retain(|code, _| !self.hidden.contains(code));
        let input = rule_input(
            policy,
            checked.iter().map(|(code, value)| (code, value.as_str())),
        );
        for field in &policy.fields {
            let answered = checked
                .get(&field.code)
                .is_some_and(|value| !value.is_empty());
            if !answered || self.hidden.contains(&field.code) {
                continue;
            }
            let name = format!("fields.{}", field.code);
            if errors.iter().any(|error| error.field == name) {
                continue;
            }
            if let Some(check) = field
                .checks
                .iter()
                .find(|check| rules::evaluate_bool(&check.rule, &input) != Ok(true))
            {
                errors.push(FieldError::new(name, "check", check.message.get(language)));
            }
        }
    }
}

/// The answers as rules read them: a yes/no as a boolean, anything else as
/// text. A registration has no applicant or record yet; its rules read
/// `answers`, `lists` and `today`.
fn rule_input<'a>(
    policy: &RegistrationPolicy,
    answers: impl Iterator<Item = (&'a String, &'a str)>,
) -> RuleInput {
    let today = chrono::Utc::now().date_naive();
    let answers = answers
        .filter(|(_, value)| !value.trim().is_empty())
        .map(|(code, value)| {
            let value = value.trim();
            let typed = match policy.field(code).map(|rule| &rule.kind) {
                Some(FieldKind::YesNo) => match value.to_ascii_lowercase().as_str() {
                    "true" | "yes" | "1" => serde_json::Value::Bool(true),
                    "false" | "no" | "0" => serde_json::Value::Bool(false),
                    _ => serde_json::Value::String(value.to_owned()),
                },
                _ => serde_json::Value::String(value.to_owned()),
            };
            (code.clone(), typed)
        })
        .collect();
    RuleInput {
        answers,
        applicant: rules::Applicant::unknown(today),
        record: serde_json::Map::new(),
        today,
        lists: policy.lists.clone(),
    }
}

fn regions_or<'a>(own: &'a [String], fallback: &'a [String]) -> &'a [String] {
    if own.is_empty() { fallback } else { own }
}

fn is_yes(value: &str) -> bool {
    matches!(
        value.trim().to_ascii_lowercase().as_str(),
        "true" | "yes" | "1" | "on"
    )
}

/// One value, checked and put in canonical form.
pub fn check_value(
    rule: &FieldRule,
    value: &str,
    policy: &RegistrationPolicy,
) -> Result<String, FieldError> {
    let field = format!("fields.{}", rule.code);
    let value = value.trim();
    let length = value.chars().count();
    if length
        > rule
            .max_length
            .unwrap_or(MAX_FIELD_LENGTH)
            .min(MAX_FIELD_LENGTH)
    {
        return Err(FieldError::new(
            field,
            "too_long",
            format!(
                "at most {} characters",
                rule.max_length.unwrap_or(MAX_FIELD_LENGTH)
            ),
        ));
    }
    if rule.min_length.is_some_and(|min| length < min) {
        return Err(FieldError::new(
            field,
            "too_short",
            format!("at least {} characters", rule.min_length.unwrap_or(0)),
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(FieldError::new(
            field,
            "bad_characters",
            "control characters are not allowed",
        ));
    }
    let canonical = match &rule.kind {
        FieldKind::Text => value.to_owned(),
        FieldKind::Date => parse_date(value)
            .map(|date| date.format("%Y-%m-%d").to_string())
            .ok_or_else(|| FieldError::new(&field, "bad_date", "a date as YYYY-MM-DD"))?,
        FieldKind::Choice(codes) => {
            if !codes.is_empty() && !codes.iter().any(|code| code == value) {
                return Err(FieldError::new(
                    field,
                    "not_a_choice",
                    "not one of the choices offered",
                ));
            }
            value.to_owned()
        }
        FieldKind::IdentityDocument(kind) => IdentityDocumentNumber::parse(*kind, value)
            .map(|number| number.as_str().to_owned())
            .map_err(|error| FieldError::new(&field, error.code(), error.message()))?,
        FieldKind::Phone(regions) => {
            PhoneNumber::parse(value, regions_or(regions, &policy.phone_regions))
                .map(|phone| phone.as_str().to_owned())
                .map_err(|error| FieldError::new(&field, error.code(), error.message()))?
        }
        FieldKind::Email => Email::parse(value, &policy.forbidden_email_domains)
            .map(|email| email.as_str().to_owned())
            .map_err(|error| FieldError::new(&field, error.code(), error.message()))?,
        FieldKind::YesNo => {
            let lowered = value.to_ascii_lowercase();
            match lowered.as_str() {
                "true" | "yes" | "1" => "true".to_owned(),
                "false" | "no" | "0" => "false".to_owned(),
                _ => return Err(FieldError::new(field, "not_yes_no", "yes or no")),
            }
        }
    };
    if let Some(pattern) = &rule.pattern {
        let matches = regex::Regex::new(&format!("^(?:{pattern})$"))
            .map(|re| re.is_match(&canonical))
            .unwrap_or(true);
        if !matches {
            return Err(FieldError::new(
                field,
                "bad_format",
                "the value does not have the required format",
            ));
        }
    }
    Ok(canonical)
}

pub fn parse_date(value: &str) -> Option<chrono::NaiveDate> {
    let value = value.trim().replace('/', "-");
    chrono::NaiveDate::parse_from_str(&value, "%Y-%m-%d").ok()
}

/// The name notifications greet the account holder with.
pub fn display_name(fields: &BTreeMap<String, String>, login_name: &str) -> String {
    let get = |code: &str| {
        fields
            .get(code)
            .map(String::as_str)
            .unwrap_or("")
            .trim()
            .to_owned()
    };
    let chinese = get("chinese_name");
    if !chinese.is_empty() {
        return chinese;
    }
    let split = format!("{}{}", get("chinese_surname"), get("chinese_given_name"));
    if !split.is_empty() {
        return split;
    }
    let english = format!("{} {}", get("english_given_name"), get("english_surname"))
        .trim()
        .to_owned();
    if !english.is_empty() {
        return english;
    }
    login_name.to_owned()
}

#[cfg(test)]
#[path = "registration_tests.rs"]
mod tests;
