//! Small reusable checks: texts, unique codes, rules.

use super::{LoadError, SourceFile};
use crate::format::{
    CodeItem, FieldKind, FormField, LocalizedText, PERMIT_KIND_FIELD, RecordField, RecordFieldKind,
};
use crate::rules::{self, Literal, Member};
use std::collections::{BTreeMap, HashMap};

pub(crate) struct Report<'e> {
    pub errors: &'e mut Vec<LoadError>,
}

impl Report<'_> {
    pub fn at(
        &mut self,
        source: &SourceFile,
        field: impl Into<String>,
        message: impl Into<String>,
    ) {
        let field = field.into();
        self.errors.push(LoadError {
            file: source.path.clone(),
            line: source.lines.line_of(&field),
            field,
            message: message.into(),
        });
    }

    pub fn text(&mut self, source: &SourceFile, field: &str, text: &LocalizedText) {
        for language in text.missing_languages() {
            self.at(source, field, format!("text missing in {}", language.tag()));
        }
    }

    /// Reports every code that appears twice in `list` (a field path prefix).
    pub fn unique<'c>(
        &mut self,
        source: &SourceFile,
        list: &str,
        codes: impl Iterator<Item = &'c str>,
    ) {
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for (index, code) in codes.enumerate() {
            if code.trim().is_empty() {
                self.at(source, format!("{list}[{index}].code"), "code is empty");
            } else if let Some(first) = seen.get(code) {
                self.at(
                    source,
                    format!("{list}[{index}].code"),
                    format!("duplicate code `{code}` (first at {list}[{first}])"),
                );
            } else {
                seen.insert(code, index);
            }
        }
    }

    /// Checks a CEL rule: it compiles, calls known functions, reads only
    /// what `scope` declares, and compares answers and record fields only
    /// with values they can hold (a code of their list, a boolean for a
    /// yes/no field...).
    pub fn rule(&mut self, source: &SourceFile, field: &str, rule: &str, scope: &RuleScope<'_>) {
        let program = match rules::compile(rule) {
            Ok(program) => program,
            Err(error) => {
                self.at(source, field, error.to_string());
                return;
            }
        };
        for name in rules::unknown_functions(&program) {
            self.at(
                source,
                field,
                format!("rule calls unknown function `{name}`"),
            );
        }
        let reads = match rules::reads(rule) {
            Ok(reads) => reads,
            Err(error) => {
                self.at(source, field, error.to_string());
                return;
            }
        };
        for member in &reads.members {
            if let Some(message) = scope.unknown(member) {
                self.at(source, field, message);
            }
        }
        for (member, literal) in &reads.comparisons {
            if let Some(message) = scope.mismatch(member, literal) {
                self.at(source, field, message);
            }
        }
        if let Some(list) = scope
            .record_field(PERMIT_KIND_FIELD)
            .and_then(|kind| kind.code_list.as_deref())
        {
            for kind in &reads.held_kinds {
                if !scope.in_list(list, kind) {
                    self.at(
                        source,
                        field,
                        format!(
                            "`holds_valid('{kind}')`: `{kind}` is not in the code list `{list}` of record field `{PERMIT_KIND_FIELD}`"
                        ),
                    );
                }
            }
        }
    }
}

/// What a rule may read where it is written: the form's fields, the
/// agency's permit record fields and code lists.
pub(crate) struct RuleScope<'a> {
    pub answers: BTreeMap<&'a str, &'a FormField>,
    pub record: &'a [RecordField],
    pub code_lists: &'a BTreeMap<String, Vec<CodeItem>>,
    /// Whether rules may read `applicant.x` (not in a registration form:
    /// there is no applicant yet).
    pub applicant: bool,
    /// The codes a `delivery` field takes: the type's delivery options.
    pub delivery_options: &'a [String],
}

impl<'a> RuleScope<'a> {
    pub fn new(
        fields: impl IntoIterator<Item = &'a FormField>,
        record: &'a [RecordField],
        code_lists: &'a BTreeMap<String, Vec<CodeItem>>,
    ) -> Self {
        RuleScope {
            answers: fields
                .into_iter()
                .map(|field| (field.code.as_str(), field))
                .collect(),
            record,
            code_lists,
            applicant: true,
            delivery_options: &[],
        }
    }

    /// The same scope, where a `delivery` field takes `options`.
    pub fn with_delivery_options(self, options: &'a [String]) -> Self {
        RuleScope {
            delivery_options: options,
            ..self
        }
    }

    /// The scope of a registration form's rules: its answers, the code
    /// lists and `today`; no applicant and no record exist yet.
    pub fn registration(
        fields: impl IntoIterator<Item = &'a FormField>,
        code_lists: &'a BTreeMap<String, Vec<CodeItem>>,
    ) -> Self {
        RuleScope {
            applicant: false,
            ..RuleScope::new(fields, &[], code_lists)
        }
    }

    fn record_field(&self, code: &str) -> Option<&'a RecordField> {
        self.record.iter().find(|field| field.code == code)
    }

    fn in_list(&self, list: &str, code: &str) -> bool {
        self.code_lists
            .get(list)
            .is_some_and(|items| items.iter().any(|item| item.code == code))
    }

    /// Why `member` cannot be read here, if it cannot.
    fn unknown(&self, member: &Member) -> Option<String> {
        let name = &member.member;
        match member.variable.as_str() {
            "answers" if !self.answers.contains_key(name.as_str()) => Some(format!(
                "rule refers to unknown form field `answers.{name}`"
            )),
            "applicant" if !self.applicant => Some(format!(
                "a registration rule cannot read `applicant.{name}`: there is no applicant yet (rules here read answers, lists and today)"
            )),
            "applicant" if !rules::APPLICANT_FIELDS.contains(&name.as_str()) => Some(format!(
                "rule refers to unknown applicant field `applicant.{name}` (known: {})",
                rules::APPLICANT_FIELDS.join(", ")
            )),
            "record" if self.record_field(name).is_none() => Some(if self.record.is_empty() {
                format!(
                    "rule reads `record.{name}` but the agency declares no permit record fields (records.permit in agency.yaml)"
                )
            } else {
                format!(
                    "rule refers to undeclared record field `record.{name}` (declared in agency.yaml records.permit: {})",
                    self.record
                        .iter()
                        .map(|field| field.code.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }),
            "lists" if !self.code_lists.contains_key(name) => Some(format!(
                "rule refers to unknown code list `lists.{name}` (code lists: {})",
                self.code_lists
                    .keys()
                    .map(String::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            _ => None,
        }
    }

    /// Why comparing `member` with `literal` can never hold as meant.
    fn mismatch(&self, member: &Member, literal: &Literal) -> Option<String> {
        let name = &member.member;
        if *literal == Literal::Null {
            return None;
        }
        let (expected, list, options): (Expected, Option<&str>, Vec<&str>) = match member
            .variable
            .as_str()
        {
            "answers" => {
                let field = self.answers.get(name.as_str())?;
                match field.kind {
                    FieldKind::Choice => (Expected::Text, field.code_list.as_deref(), Vec::new()),
                    FieldKind::Declarations => (
                        Expected::Text,
                        None,
                        field
                            .options
                            .iter()
                            .map(|option| option.code.as_str())
                            .collect(),
                    ),
                    FieldKind::Delivery => (
                        Expected::Text,
                        None,
                        self.delivery_options.iter().map(String::as_str).collect(),
                    ),
                    FieldKind::YesNo => (Expected::Boolean, None, Vec::new()),
                    FieldKind::Number => (Expected::Number, None, Vec::new()),
                    FieldKind::Unknown(_) => return None,
                    _ => (Expected::Text, None, Vec::new()),
                }
            }
            "record" => {
                let field = self.record_field(name)?;
                match field.kind {
                    RecordFieldKind::Choice => {
                        (Expected::Text, field.code_list.as_deref(), Vec::new())
                    }
                    RecordFieldKind::Boolean => (Expected::Boolean, None, Vec::new()),
                    RecordFieldKind::Number => (Expected::Number, None, Vec::new()),
                    RecordFieldKind::Unknown(_) => return None,
                    RecordFieldKind::Text | RecordFieldKind::Date => {
                        (Expected::Text, None, Vec::new())
                    }
                }
            }
            _ => return None,
        };
        let reference = format!("{}.{name}", member.variable);
        let fits = matches!(
            (expected, literal),
            (Expected::Text, Literal::Text(_))
                | (Expected::Boolean, Literal::Boolean(_))
                | (Expected::Number, Literal::Number(_))
        );
        if !fits {
            return Some(format!(
                "rule compares `{reference}` with {literal}, but it holds {}",
                expected.describe()
            ));
        }
        let Literal::Text(code) = literal else {
            return None;
        };
        if let Some(list) = list
            && self.code_lists.contains_key(list)
            && !self.in_list(list, code)
        {
            return Some(format!(
                "rule compares `{reference}` with '{code}', which is not in its code list `{list}`"
            ));
        }
        if !options.is_empty() && !options.contains(&code.as_str()) {
            return Some(format!(
                "rule compares `{reference}` with '{code}', which is not one of its options ({})",
                options.join(", ")
            ));
        }
        None
    }
}

#[derive(Debug, Clone, Copy)]
enum Expected {
    Text,
    Boolean,
    Number,
}

impl Expected {
    fn describe(self) -> &'static str {
        match self {
            Expected::Text => "text (compare it with a quoted value)",
            Expected::Boolean => "true or false",
            Expected::Number => "a number",
        }
    }
}
