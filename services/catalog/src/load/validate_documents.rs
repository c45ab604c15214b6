//! Checks of `documents.yaml` and the Typst templates it names: every
//! template exists and parses, reads only the data its kind is given and
//! names only the font families the platform installs.
//!
//! Laying a template out needs fonts and the render service's data; the
//! render service compiles each version's templates before it uses them.

use super::checks::Report;
use super::{LoadError, Parts, SourceFile};
use crate::format::{ApplicationType, DocumentKind, DocumentTemplate, FONT_FAMILIES};
use std::collections::BTreeSet;
use typst_syntax::{LinkedNode, SyntaxKind, SyntaxNode};

pub(crate) fn check_documents(report: &mut Report<'_>, parts: &Parts<'_>) -> Vec<DocumentTemplate> {
    let mut documents = Vec::new();
    let Some((source, file)) = &parts.documents else {
        for template in &parts.document_sources {
            unused(report, template);
        }
        return documents;
    };
    let type_codes: BTreeSet<&str> = parts
        .types
        .iter()
        .map(|(_, application_type)| application_type.code.as_str())
        .chain(parts.unparsed_type_codes.iter().map(String::as_str))
        .collect();
    let mut named = BTreeSet::new();
    for (index, declaration) in file.documents.iter().enumerate() {
        let at = |field: &str| format!("documents[{index}].{field}");
        report.text(source, &at("name"), &declaration.name);
        for code in &declaration.types {
            if !type_codes.contains(code.as_str()) {
                report.at(
                    source,
                    at("types"),
                    format!("unknown application type `{code}`"),
                );
            }
        }
        let overlaps = file.documents[..index].iter().any(|earlier| {
            earlier.kind == declaration.kind
                && (earlier.types.is_empty()
                    || declaration.types.is_empty()
                    || earlier
                        .types
                        .iter()
                        .any(|code| declaration.types.contains(code)))
        });
        if overlaps {
            report.at(
                source,
                at("kind"),
                format!(
                    "a case would get two `{}` documents: give each its own types",
                    declaration.kind.as_str()
                ),
            );
        }
        if !declaration.template.starts_with("documents/")
            || !declaration.template.ends_with(".typ")
        {
            report.at(
                source,
                at("template"),
                "a template is a file documents/<name>.typ",
            );
            continue;
        }
        let Some(template) = parts
            .document_sources
            .iter()
            .find(|template| template.path == declaration.template)
        else {
            report.at(
                source,
                at("template"),
                format!("template file {} is missing", declaration.template),
            );
            continue;
        };
        named.insert(template.path.as_str());
        let fields = form_fields(parts, &declaration.types);
        check_template(report.errors, template, declaration.kind, &fields);
        documents.push(DocumentTemplate {
            kind: declaration.kind,
            template: declaration.template.clone(),
            name: declaration.name.clone(),
            types: declaration.types.clone(),
            sealed: declaration.sealed,
            source: template.text.clone(),
        });
    }
    for template in &parts.document_sources {
        if !named.contains(template.path.as_str()) {
            unused(report, template);
        }
    }
    documents
}

fn unused(report: &mut Report<'_>, template: &SourceFile) {
    report.at(template, "", "template is not named in documents.yaml");
}

/// The form field codes of the types a document is issued for.
fn form_fields<'a>(parts: &'a Parts<'_>, types: &[String]) -> BTreeSet<&'a str> {
    parts
        .types
        .iter()
        .map(|(_, application_type)| application_type)
        .filter(|application_type: &&ApplicationType| {
            types.is_empty() || types.contains(&application_type.code)
        })
        .flat_map(|application_type| &application_type.form)
        .flat_map(|section| &section.fields)
        .map(|field| field.code.as_str())
        .collect()
}

/// Parses a template and checks every `data.…` path it reads.
pub fn check_template(
    errors: &mut Vec<LoadError>,
    template: &SourceFile,
    kind: DocumentKind,
    form_fields: &BTreeSet<&str>,
) {
    let root = typst_syntax::parse(&template.text);
    let mut found = Vec::new();
    walk(&LinkedNode::new(&root), &mut |node| {
        if node.kind() == SyntaxKind::Error {
            let message = node
                .get()
                .errors_and_warnings()
                .0
                .first()
                .map(|error| error.message.to_string())
                .unwrap_or_else(|| "syntax error".into());
            found.push((node.offset(), String::new(), message));
            return false;
        }
        if node.kind() == SyntaxKind::Named {
            if let Some(message) = unknown_font(node.get()) {
                found.push((node.offset(), String::new(), message));
            }
            return true;
        }
        if node.kind() != SyntaxKind::FieldAccess {
            return true;
        }
        let Some(mut path) = path_of(node.get()) else {
            return true;
        };
        // `data.x.len()`: the last name is a method, not a field.
        if node
            .parent()
            .is_some_and(|parent| parent.kind() == SyntaxKind::FuncCall && node.index() == 0)
        {
            path.pop();
        }
        if path.first().map(String::as_str) != Some("data") || path.len() < 2 {
            return false;
        }
        if let Some(message) = unknown_path(kind, &path[1..], form_fields) {
            found.push((node.offset(), path.join("."), message));
        }
        false
    });
    for (offset, field, message) in found {
        let line = template.text[..offset.min(template.text.len())]
            .matches('\n')
            .count()
            + 1;
        errors.push(LoadError {
            file: template.path.clone(),
            line: Some(line),
            field,
            message,
        });
    }
}

/// Why a `font: …` argument names a family the platform does not give
/// templates (a string, or an array of strings; the first unknown one).
fn unknown_font(named: &SyntaxNode) -> Option<String> {
    let mut children = named.children();
    let name = children.next()?;
    if name.kind() != SyntaxKind::Ident || name.leaf_text() != "font" {
        return None;
    }
    let value = children.last()?;
    let strings: Vec<&SyntaxNode> = match value.kind() {
        SyntaxKind::Str => vec![value],
        SyntaxKind::Array => value
            .children()
            .filter(|child| child.kind() == SyntaxKind::Str)
            .collect(),
        _ => Vec::new(),
    };
    strings.into_iter().find_map(|string| {
        let family = string.leaf_text().trim_matches('"');
        let known = FONT_FAMILIES
            .iter()
            .any(|known| known.eq_ignore_ascii_case(family));
        (!known).then(|| {
            format!(
                "font `{family}` is not installed for documents: use one of {}",
                FONT_FAMILIES.join(", ")
            )
        })
    })
}

/// Visits nodes depth first; `visit` says whether to go into a node.
fn walk(node: &LinkedNode<'_>, visit: &mut dyn FnMut(&LinkedNode<'_>) -> bool) {
    if visit(node) {
        for child in node.children() {
            walk(&child, visit);
        }
    }
}

/// `a.b.c` of a field access chain rooted at an identifier.
fn path_of(node: &SyntaxNode) -> Option<Vec<String>> {
    match node.kind() {
        SyntaxKind::Ident => Some(vec![node.leaf_text().to_string()]),
        SyntaxKind::FieldAccess => {
            let mut children = node.children();
            let mut path = path_of(children.next()?)?;
            let field = children.rfind(|child| child.kind() == SyntaxKind::Ident)?;
            path.push(field.leaf_text().to_string());
            Some(path)
        }
        _ => None,
    }
}

/// Why `data.<path>` is not given to a template of `kind`, if it is not.
fn unknown_path(
    kind: DocumentKind,
    path: &[String],
    form_fields: &BTreeSet<&str>,
) -> Option<String> {
    let head = path[0].as_str();
    if kind == DocumentKind::EPermit && (head == "answers" || head == "labels") {
        return match path.get(1) {
            Some(field) if !form_fields.contains(field.as_str()) => Some(format!(
                "unknown form field `{field}`: the document's types have no such field"
            )),
            _ => None,
        };
    }
    let fields = kind.fields();
    let known = fields.iter().any(|known| {
        let known: Vec<&str> = known.split('.').collect();
        let shared = known.len().min(path.len());
        known[..shared]
            .iter()
            .zip(&path[..shared])
            .all(|(left, right)| *left == right.as_str())
    });
    (!known).then(|| {
        format!(
            "unknown field `data.{}`: a {} template may read {}",
            path.join("."),
            kind.as_str(),
            fields
                .iter()
                .map(|field| format!("data.{field}"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    })
}
