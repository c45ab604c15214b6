//! Small reusable checks: texts, unique codes, rules.

use super::{LoadError, SourceFile};
use crate::format::LocalizedText;
use crate::rules;
use std::collections::{BTreeSet, HashMap};

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

    /// Checks a CEL rule: it compiles, calls known functions, and names
    /// only existing form fields (`answers.x`) and applicant fields.
    pub fn rule(
        &mut self,
        source: &SourceFile,
        field: &str,
        rule: &str,
        answer_fields: &BTreeSet<String>,
    ) {
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
        for name in member_names(rule, "answers") {
            if !answer_fields.contains(&name) {
                self.at(
                    source,
                    field,
                    format!("rule refers to unknown form field `answers.{name}`"),
                );
            }
        }
        for name in member_names(rule, "applicant") {
            if !rules::APPLICANT_FIELDS.contains(&name.as_str()) {
                self.at(
                    source,
                    field,
                    format!(
                        "rule refers to unknown applicant field `applicant.{name}` (known: {})",
                        rules::APPLICANT_FIELDS.join(", ")
                    ),
                );
            }
        }
    }
}

/// Names `x` in `<variable>.x` outside string literals.
pub(crate) fn member_names(rule: &str, variable: &str) -> Vec<String> {
    let mut names = Vec::new();
    let bytes = rule.as_bytes();
    let mut quote: Option<u8> = None;
    let mut index = 0;
    while index < bytes.len() {
        let byte = bytes[index];
        if let Some(open) = quote {
            if byte == b'\\' {
                index += 2;
                continue;
            }
            if byte == open {
                quote = None;
            }
            index += 1;
            continue;
        }
        if byte == b'"' || byte == b'\'' {
            quote = Some(byte);
            index += 1;
            continue;
        }
        let preceded_by_identifier = index > 0
            && (bytes[index - 1].is_ascii_alphanumeric()
                || bytes[index - 1] == b'_'
                || bytes[index - 1] == b'.');
        if !preceded_by_identifier
            && rule[index..].starts_with(variable)
            && rule[index + variable.len()..].starts_with('.')
        {
            let start = index + variable.len() + 1;
            let end = rule[start..]
                .find(|character: char| !(character.is_ascii_alphanumeric() || character == '_'))
                .map_or(rule.len(), |offset| start + offset);
            if end > start {
                names.push(rule[start..end].to_owned());
            }
            index = end;
            continue;
        }
        index += 1;
    }
    names
}

#[cfg(test)]
mod tests {
    use super::member_names;

    #[test]
    fn finds_member_names_outside_strings() {
        let names = member_names(
            "answers.a == 'answers.b' && has(answers.c) && xanswers.d",
            "answers",
        );
        assert_eq!(names, vec!["a".to_owned(), "c".to_owned()]);
    }
}
