//! Rules in CEL (Common Expression Language), evaluated with `cel-interpreter`.
//!
//! A rule sees four variables:
//! - `answers`: the form answers, a map from field code to value;
//! - `applicant`: `age` (whole years at `today`), `age_months`, `date_of_birth`,
//!   `relationship` (to the account holder), `documents_held` (list of
//!   `{kind, number, expires_on}`) and any extra `attributes` given;
//! - `record`: the agency's record for the referenced permit (a map, empty
//!   when there is none), e.g. `record.stay_ends_on`, `record.expires_on`;
//! - `lists`: the agency's code lists by name, each the list of its codes
//!   (`answers.city in lists.listed_cities`);
//! - `today`: the evaluation date as `"YYYY-MM-DD"`.
//!
//! Dates are ISO strings, so they compare with `<`, `<=`, `>`, `>=`. Helpers:
//! `days_until(date)`, `months_before(date, n)`, `months_after(date, n)`,
//! `age_on(date)` (applicant's age on that date), `holds_valid(kind)`
//! (a held document of that kind that has not expired at `today`).

use cel_interpreter::{Context, ExecutionError, Program, ResolveResult, Value};
use cel_parser::Expression;
use cel_parser::ast::{Expr, operators};
use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

mod reads;
pub use reads::{Literal, Member, Reads, reads};

/// Variables a rule may reference.
pub const VARIABLES: [&str; 5] = ["answers", "applicant", "record", "lists", "today"];

/// Fields of `applicant` a rule may reference.
pub const APPLICANT_FIELDS: [&str; 6] = [
    "age",
    "age_months",
    "date_of_birth",
    "relationship",
    "documents_held",
    "attributes",
];

/// Functions added by this crate on top of CEL's standard ones.
pub const HELPER_FUNCTIONS: [&str; 5] = [
    "days_until",
    "months_before",
    "months_after",
    "age_on",
    "holds_valid",
];

/// Functions and macros `cel-interpreter` provides.
pub const STANDARD_FUNCTIONS: [&str; 28] = [
    "contains",
    "size",
    "max",
    "min",
    "startsWith",
    "endsWith",
    "string",
    "bytes",
    "double",
    "int",
    "uint",
    "matches",
    "duration",
    "timestamp",
    "getFullYear",
    "getMonth",
    "getDayOfYear",
    "getDayOfMonth",
    "getDate",
    "getDayOfWeek",
    "has",
    "exists",
    "all",
    "exists_one",
    "map",
    "filter",
    "@in",
    "@not_strictly_false",
];

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum Error {
    #[error("rule does not compile: {0}")]
    Compile(String),
    #[error("rule could not be evaluated: {0}")]
    Evaluation(String),
    #[error("rule gave {0}, not a boolean")]
    NotBoolean(String),
    #[error("rule input cannot be converted: {0}")]
    Input(String),
}

/// A document the applicant holds (passport, permit...).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeldDocument {
    pub kind: String,
    #[serde(default)]
    pub number: Option<String>,
    #[serde(default)]
    pub expires_on: Option<NaiveDate>,
}

/// The person the application is for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Applicant {
    pub date_of_birth: NaiveDate,
    #[serde(default = "default_relationship")]
    pub relationship: String,
    #[serde(default)]
    pub documents_held: Vec<HeldDocument>,
    #[serde(default)]
    pub attributes: serde_json::Map<String, serde_json::Value>,
}

impl Applicant {
    /// Where there is no applicant to speak of (a registration form, a
    /// type-wide rule): born `today`, applying for themselves, holding
    /// nothing.
    pub fn unknown(today: NaiveDate) -> Applicant {
        Applicant {
            date_of_birth: today,
            relationship: default_relationship(),
            documents_held: Vec::new(),
            attributes: serde_json::Map::new(),
        }
    }
}

fn default_relationship() -> String {
    "self".to_owned()
}

/// Everything a rule is evaluated against.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleInput {
    #[serde(default)]
    pub answers: serde_json::Map<String, serde_json::Value>,
    pub applicant: Applicant,
    #[serde(default)]
    pub record: serde_json::Map<String, serde_json::Value>,
    pub today: NaiveDate,
    /// The agency's code lists, by name: the codes of each.
    #[serde(default)]
    pub lists: BTreeMap<String, Vec<String>>,
}

/// The codes of each code list, as rules see them (`lists.<name>`).
pub fn list_codes(
    code_lists: &BTreeMap<String, Vec<crate::format::CodeItem>>,
) -> BTreeMap<String, Vec<String>> {
    code_lists
        .iter()
        .map(|(name, items)| {
            let codes = items.iter().map(|item| item.code.clone()).collect();
            (name.clone(), codes)
        })
        .collect()
}

/// Whole years between `date_of_birth` and `on`.
pub fn age_on(date_of_birth: NaiveDate, on: NaiveDate) -> i64 {
    let mut years = i64::from(on.year() - date_of_birth.year());
    if (on.month(), on.day()) < (date_of_birth.month(), date_of_birth.day()) {
        years -= 1;
    }
    years.max(0)
}

/// Whole months between `date_of_birth` and `on`.
pub fn age_in_months(date_of_birth: NaiveDate, on: NaiveDate) -> i64 {
    let mut months = i64::from(on.year() - date_of_birth.year()) * 12 + i64::from(on.month())
        - i64::from(date_of_birth.month());
    if on.day() < date_of_birth.day() {
        months -= 1;
    }
    months.max(0)
}

/// Compiles a rule; used by the loader so every rule is known to compile.
pub fn compile(source: &str) -> Result<Program, Error> {
    Program::compile(source).map_err(|errors| compile_error(&errors))
}

/// The parser's message ends with the source and a caret line; the first
/// line has line:column.
pub(crate) fn compile_error(errors: &cel_parser::ParseErrors) -> Error {
    let message = errors.to_string();
    let first = message.lines().next().unwrap_or_default().trim();
    Error::Compile(first.strip_prefix("ERROR: ").unwrap_or(first).to_owned())
}

/// Function names a compiled rule calls that neither CEL nor this crate provides.
pub fn unknown_functions(program: &Program) -> Vec<String> {
    let references = program.references();
    let mut unknown: Vec<String> = references
        .functions()
        .into_iter()
        .filter(|name| {
            // Operators (`_&&_`, `!_`, `@in`) are not names a rule writer chooses.
            name.chars()
                .all(|character| character.is_ascii_alphanumeric() || character == '_')
                && !name.starts_with('_')
                && !STANDARD_FUNCTIONS.contains(name)
                && !HELPER_FUNCTIONS.contains(name)
        })
        .map(str::to_owned)
        .collect();
    unknown.sort();
    unknown.dedup();
    unknown
}

/// Evaluates a rule that must give a boolean.
pub fn evaluate_bool(source: &str, input: &RuleInput) -> Result<bool, Error> {
    let expression = cel_parser::Parser::default()
        .parse(source)
        .map_err(|errors| compile_error(&errors))?;
    let context = build_context(input, source.contains("lists"))?;
    match resolve(&expression, &context) {
        Ok(Value::Bool(result)) => Ok(result),
        Ok(other) => Err(Error::NotBoolean(format!("{other:?}"))),
        Err(error) => Err(Error::Evaluation(error.to_string())),
    }
}

/// Evaluates `expression` with CEL's logical operators as the
/// specification defines them, which `cel-interpreter` does not: `a || b`
/// is true when either side is true and `a && b` false when either side
/// is false, whatever error the other side gives (a missing optional
/// answer); an error counts only when the other side does not decide.
/// `!` and `?:` are followed so the operators nest; everything else, and
/// any operand that is not a boolean, is the interpreter's.
fn resolve(expression: &Expression, context: &Context<'_>) -> ResolveResult {
    let Expr::Call(call) = &expression.expr else {
        return Value::resolve(expression, context);
    };
    if call.target.is_some() {
        return Value::resolve(expression, context);
    }
    let name = call.func_name.as_str();
    match call.args.as_slice() {
        [left, right] if name == operators::LOGICAL_OR || name == operators::LOGICAL_AND => {
            // The value that decides the operator alone: true for `||`.
            let decides = name == operators::LOGICAL_OR;
            match resolve(left, context) {
                Ok(Value::Bool(value)) if value == decides => Ok(Value::Bool(decides)),
                Ok(Value::Bool(_)) => match resolve(right, context)? {
                    Value::Bool(value) => Ok(Value::Bool(value)),
                    _ => Value::resolve(expression, context),
                },
                Ok(_) => Value::resolve(expression, context),
                Err(error) => match resolve(right, context) {
                    Ok(Value::Bool(value)) if value == decides => Ok(Value::Bool(decides)),
                    _ => Err(error),
                },
            }
        }
        [operand] if name == operators::LOGICAL_NOT => match resolve(operand, context)? {
            Value::Bool(value) => Ok(Value::Bool(!value)),
            _ => Value::resolve(expression, context),
        },
        [condition, then, otherwise] if name == operators::CONDITIONAL => {
            match resolve(condition, context)? {
                Value::Bool(true) => resolve(then, context),
                Value::Bool(false) => resolve(otherwise, context),
                _ => Value::resolve(expression, context),
            }
        }
        _ => Value::resolve(expression, context),
    }
}

fn build_context(input: &RuleInput, with_lists: bool) -> Result<Context<'static>, Error> {
    let today = input.today;
    let date_of_birth = input.applicant.date_of_birth;
    let mut applicant = serde_json::Map::new();
    applicant.insert("age".into(), age_on(date_of_birth, today).into());
    applicant.insert(
        "age_months".into(),
        age_in_months(date_of_birth, today).into(),
    );
    applicant.insert("date_of_birth".into(), date_of_birth.to_string().into());
    applicant.insert(
        "relationship".into(),
        input.applicant.relationship.clone().into(),
    );
    let documents = serde_json::to_value(&input.applicant.documents_held)
        .map_err(|error| Error::Input(error.to_string()))?;
    applicant.insert("documents_held".into(), documents);
    applicant.insert(
        "attributes".into(),
        serde_json::Value::Object(input.applicant.attributes.clone()),
    );

    let mut context = Context::default();
    add_json(
        &mut context,
        "answers",
        &serde_json::Value::Object(input.answers.clone()),
    )?;
    add_json(
        &mut context,
        "applicant",
        &serde_json::Value::Object(applicant),
    )?;
    add_json(
        &mut context,
        "record",
        &serde_json::Value::Object(input.record.clone()),
    )?;
    // The code lists are converted only for a rule that names them: most
    // rules do not, and the lists are the largest input.
    let lists = if with_lists {
        serde_json::to_value(&input.lists).map_err(|error| Error::Input(error.to_string()))?
    } else {
        serde_json::Value::Object(serde_json::Map::new())
    };
    add_json(&mut context, "lists", &lists)?;
    context.add_variable_from_value("today", today.to_string());

    context.add_function(
        "days_until",
        move |date: Arc<String>| -> Result<i64, ExecutionError> {
            Ok((parse_date("days_until", &date)? - today).num_days())
        },
    );
    context.add_function(
        "months_before",
        |date: Arc<String>, months: i64| -> Result<Value, ExecutionError> {
            let parsed = parse_date("months_before", &date)?;
            shift_months("months_before", parsed, -months)
        },
    );
    context.add_function(
        "months_after",
        |date: Arc<String>, months: i64| -> Result<Value, ExecutionError> {
            let parsed = parse_date("months_after", &date)?;
            shift_months("months_after", parsed, months)
        },
    );
    context.add_function(
        "age_on",
        move |date: Arc<String>| -> Result<i64, ExecutionError> {
            Ok(age_on(date_of_birth, parse_date("age_on", &date)?))
        },
    );
    let held = input.applicant.documents_held.clone();
    context.add_function("holds_valid", move |kind: Arc<String>| -> bool {
        held.iter().any(|document| {
            document.kind == *kind && document.expires_on.is_none_or(|expiry| expiry >= today)
        })
    });
    Ok(context)
}

fn add_json(
    context: &mut Context<'static>,
    name: &str,
    value: &serde_json::Value,
) -> Result<(), Error> {
    let converted =
        cel_interpreter::to_value(value).map_err(|error| Error::Input(error.to_string()))?;
    context.add_variable_from_value(name, converted);
    Ok(())
}

fn parse_date(function: &str, text: &str) -> Result<NaiveDate, ExecutionError> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| ExecutionError::function_error(function, format!("not a date: {text:?}")))
}

fn shift_months(function: &str, date: NaiveDate, months: i64) -> Result<Value, ExecutionError> {
    let magnitude = u32::try_from(months.unsigned_abs())
        .map_err(|_| ExecutionError::function_error(function, "month count out of range"))?;
    let shifted = if months >= 0 {
        date.checked_add_months(Months::new(magnitude))
    } else {
        date.checked_sub_months(Months::new(magnitude))
    };
    shifted
        .map(|value| Value::String(Arc::new(value.to_string())))
        .ok_or_else(|| ExecutionError::function_error(function, "date out of range"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> RuleInput {
        serde_json::from_value(serde_json::json!({
            "answers": {"given": true},
            "applicant": {"date_of_birth": "1990-01-01"},
            "today": "2026-12-06"
        }))
        .expect("a rule input")
    }

    /// CEL's truth tables with an error on either side (`answers.missing`
    /// is an absent optional answer).
    #[test]
    fn logical_operators_absorb_an_error_the_other_side_decides() {
        let input = input();
        for (rule, expected) in [
            ("answers.missing == true || true", Some(true)),
            ("true || answers.missing == true", Some(true)),
            (
                "false || answers.missing == true || answers.given",
                Some(true),
            ),
            ("answers.missing == true || false", None),
            ("answers.missing == true && false", Some(false)),
            ("false && answers.missing == true", Some(false)),
            ("answers.missing == true && true", None),
            ("!(answers.missing == true && false)", Some(true)),
            (
                "(answers.missing == true || true) ? answers.given : false",
                Some(true),
            ),
            ("answers.given && !false", Some(true)),
            ("answers.given || answers.missing == true", Some(true)),
            ("false || false", Some(false)),
            ("true && true", Some(true)),
        ] {
            let result = evaluate_bool(rule, &input);
            match expected {
                Some(value) => assert_eq!(result, Ok(value), "{rule}"),
                None => assert!(
                    matches!(result, Err(Error::Evaluation(_))),
                    "{rule}: {result:?}"
                ),
            }
        }
    }
}
