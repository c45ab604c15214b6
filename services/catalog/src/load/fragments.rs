//! Fragments: form fields, documents, eligibility rules and priority lanes
//! written once in `fragments.yaml` and used by several types. An entry
//! `{use: <code>}` in a type's `form[].fields`, `documents`, `eligibility`
//! or `priority_lanes` stands for the fragment of that code; keys written
//! beside `use` replace the fragment's (`{use: photo, required: false}`).
//! Types are read with their fragments in place, so everything the loader
//! checks about a type it checks about what a fragment brings; such an
//! error is reported at the line of the `use`.

use super::{LoadError, SourceFile};
use serde_yaml::{Mapping, Value};
use std::collections::{BTreeMap, BTreeSet};

pub(crate) const FRAGMENTS_FILE: &str = "fragments.yaml";

/// The kinds of fragment: their key in `fragments.yaml`.
const KINDS: [&str; 4] = ["fields", "documents", "eligibility", "priority_lanes"];

#[derive(Debug, Default)]
pub(crate) struct Fragments {
    by_kind: BTreeMap<&'static str, BTreeMap<String, Mapping>>,
    used: BTreeSet<(&'static str, String)>,
}

impl Fragments {
    /// Reads `fragments.yaml`; what is wrong in it is reported and left out.
    pub(crate) fn read(source: &SourceFile, errors: &mut Vec<LoadError>) -> Fragments {
        let mut fragments = Fragments::default();
        let mut error = |field: String, message: String| {
            errors.push(LoadError {
                file: source.path.clone(),
                line: source.lines.line_of(&field),
                field,
                message,
            })
        };
        let value: Value = match serde_yaml::from_str(&source.text) {
            Ok(value) => value,
            Err(parse) => {
                let line = parse.location().map(|location| location.line());
                errors.push(LoadError {
                    file: source.path.clone(),
                    line,
                    field: String::new(),
                    message: parse.to_string(),
                });
                return fragments;
            }
        };
        let Value::Mapping(top) = value else {
            error(
                String::new(),
                format!("fragments are grouped by kind: {}", KINDS.join(", ")),
            );
            return fragments;
        };
        for (key, entries) in top {
            let name = key.as_str().unwrap_or_default().to_owned();
            let Some(kind) = KINDS.iter().copied().find(|kind| *kind == name) else {
                error(
                    name.clone(),
                    format!(
                        "unknown kind of fragment `{name}` (expected one of: {})",
                        KINDS.join(", ")
                    ),
                );
                continue;
            };
            let Value::Sequence(entries) = entries else {
                error(name.clone(), format!("`{name}` is a list of fragments"));
                continue;
            };
            let known = fragments.by_kind.entry(kind).or_default();
            for (index, entry) in entries.into_iter().enumerate() {
                let path = format!("{name}[{index}]");
                let code = entry.get("code").and_then(Value::as_str).map(str::to_owned);
                match (entry, code) {
                    (Value::Mapping(mapping), Some(code)) => {
                        if known.insert(code.clone(), mapping).is_some() {
                            error(
                                format!("{path}.code"),
                                format!("duplicate {kind} fragment `{code}`"),
                            );
                        }
                    }
                    _ => error(path, "a fragment is a mapping with a `code`".into()),
                }
            }
        }
        fragments
    }

    /// Puts the fragments a type uses in place; every unknown one is
    /// reported. Returns whether the type used any.
    pub(crate) fn expand(
        &mut self,
        source: &SourceFile,
        value: &mut Value,
        errors: &mut Vec<LoadError>,
    ) -> bool {
        let mut used_any = false;
        let Value::Mapping(type_file) = value else {
            return false;
        };
        // Where a `use` may stand: each section's fields, and the lists.
        let mut places: Vec<(String, &'static str, &mut Vec<Value>)> = Vec::new();
        for (key, entry) in type_file.iter_mut() {
            let key = key.as_str().unwrap_or_default();
            match (key, entry) {
                ("form", Value::Sequence(sections)) => {
                    for (index, section) in sections.iter_mut().enumerate() {
                        if let Some(Value::Sequence(fields)) = section.get_mut("fields") {
                            places.push((format!("form[{index}].fields"), "fields", fields));
                        }
                    }
                }
                (key, Value::Sequence(entries)) => {
                    if let Some(kind) = KINDS[1..].iter().copied().find(|kind| *kind == key) {
                        places.push((kind.to_owned(), kind, entries));
                    }
                }
                _ => {}
            }
        }
        for (path, kind, entries) in places {
            for (index, entry) in entries.iter_mut().enumerate() {
                let Some(code) = entry.get("use") else {
                    continue;
                };
                used_any = true;
                let at = format!("{path}[{index}].use");
                let Some(code) = code.as_str().map(str::to_owned) else {
                    errors.push(LoadError {
                        file: source.path.clone(),
                        line: source.lines.line_of(&at),
                        field: at,
                        message: "`use` names a fragment by its code".into(),
                    });
                    continue;
                };
                let Some(fragment) = self.by_kind.get(kind).and_then(|known| known.get(&code))
                else {
                    let known: Vec<&str> = self
                        .by_kind
                        .get(kind)
                        .map(|known| known.keys().map(String::as_str).collect())
                        .unwrap_or_default();
                    errors.push(LoadError {
                        file: source.path.clone(),
                        line: source.lines.line_of(&at),
                        field: at,
                        message: format!(
                            "unknown {kind} fragment `{code}` (fragments.yaml has: {})",
                            if known.is_empty() {
                                "none".to_owned()
                            } else {
                                known.join(", ")
                            }
                        ),
                    });
                    continue;
                };
                let mut merged = fragment.clone();
                if let Value::Mapping(overrides) = entry {
                    for (key, value) in overrides.iter() {
                        if key.as_str() != Some("use") {
                            merged.insert(key.clone(), value.clone());
                        }
                    }
                }
                self.used.insert((kind, code));
                *entry = Value::Mapping(merged);
            }
        }
        used_any
    }

    /// A fragment no type uses is a load error (most often a misspelled
    /// `use`, reported there too).
    pub(crate) fn report_unused(&self, source: &SourceFile, errors: &mut Vec<LoadError>) {
        for (kind, known) in &self.by_kind {
            for code in known.keys() {
                if !self.used.contains(&(*kind, code.clone())) {
                    errors.push(LoadError {
                        file: source.path.clone(),
                        line: find_line(source, code),
                        field: format!("{kind}.{code}"),
                        message: format!("{kind} fragment `{code}` is used by no type"),
                    });
                }
            }
        }
    }
}

/// The line that defines the fragment `code` (`code: <code>`).
fn find_line(source: &SourceFile, code: &str) -> Option<usize> {
    let patterns = [
        format!("code: {code},"),
        format!("code: {code}}}"),
        format!("code: {code} "),
        format!("code: \"{code}\""),
        format!("code: '{code}'"),
    ];
    source
        .text
        .lines()
        .position(|line| {
            let line = format!("{} ", line.trim_end());
            patterns
                .iter()
                .any(|pattern| line.contains(pattern.as_str()))
        })
        .map(|index| index + 1)
}
