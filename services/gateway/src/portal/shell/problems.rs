//! Form errors whose messages are made at run time (a service's field
//! violations, a catalog's errors): the summary at the top of the form,
//! each entry a link to its field, and the inputs that show their error
//! and point to it with `aria-describedby`.

use maud::{Markup, html};

use crate::portal::shell::i18n::Lang;

/// One error of a form: the id of the field it concerns and the message.
#[derive(Debug, Clone)]
pub(crate) struct Problem {
    pub(crate) field: String,
    pub(crate) message: String,
}

impl Problem {
    pub(crate) fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// `label` and what is wrong with it, in the word order of `lang`.
pub(crate) fn about(lang: Lang, label: &str, what: &str) -> String {
    match lang {
        Lang::En => format!("{label}: {what}"),
        _ => format!("{label}{what}"),
    }
}

fn first<'a>(problems: &'a [Problem], id: &str) -> Option<&'a Problem> {
    problems.iter().find(|problem| problem.field == id)
}

/// The summary: focusable, announced, each error a link to its field.
pub(crate) fn summary(lang: Lang, problems: &[Problem]) -> Markup {
    html! {
        @if !problems.is_empty() {
            div.error-summary role="alert" aria-labelledby="error-summary-title" tabindex="-1" {
                h2 #error-summary-title { (lang.messages().error_summary) }
                ul {
                    @for problem in problems {
                        li { a href=(format!("#{}", problem.field)) { (problem.message) } }
                    }
                }
            }
        }
    }
}

fn described(id: &str, help: bool, error: bool) -> Option<String> {
    let mut ids = Vec::new();
    if help {
        ids.push(format!("{id}-help"));
    }
    if error {
        ids.push(format!("{id}-error"));
    }
    (!ids.is_empty()).then(|| ids.join(" "))
}

/// A labelled input.
pub(crate) fn input(
    id: &str,
    label: &str,
    kind: &str,
    value: &str,
    help: Option<&str>,
    problems: &[Problem],
) -> Markup {
    let problem = first(problems, id);
    html! {
        div.field.field-error[problem.is_some()] {
            label for=(id) { (label) }
            @if let Some(help) = help {
                p.help id=(format!("{id}-help")) { (help) }
            }
            @if let Some(problem) = problem {
                p.error-message id=(format!("{id}-error")) { (problem.message) }
            }
            input id=(id) name=(id) type=(kind) value=(value)
                aria-describedby=[described(id, help.is_some(), problem.is_some())]
                aria-invalid=[problem.map(|_| "true")];
        }
    }
}

/// A labelled text area.
pub(crate) fn textarea(id: &str, label: &str, value: &str, problems: &[Problem]) -> Markup {
    let problem = first(problems, id);
    html! {
        div.field.field-error[problem.is_some()] {
            label for=(id) { (label) }
            @if let Some(problem) = problem {
                p.error-message id=(format!("{id}-error")) { (problem.message) }
            }
            textarea id=(id) name=(id) rows="4"
                aria-describedby=[described(id, false, problem.is_some())]
                aria-invalid=[problem.map(|_| "true")] { (value) }
        }
    }
}

/// A checkbox with its label after it.
pub(crate) fn checkbox(id: &str, label: &str, checked: bool, problems: &[Problem]) -> Markup {
    let problem = first(problems, id);
    html! {
        div.field.checkbox.field-error[problem.is_some()] {
            @if let Some(problem) = problem {
                p.error-message id=(format!("{id}-error")) { (problem.message) }
            }
            input id=(id) type="checkbox" name=(id) value="1" checked[checked]
                aria-describedby=[described(id, false, problem.is_some())]
                aria-invalid=[problem.map(|_| "true")];
            label for=(id) { (label) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_input_points_to_its_help_and_its_error() {
        let problems = [Problem::new("code", "Code: required")];
        let html = input("code", "Code", "text", "", Some("letters"), &problems).into_string();
        assert!(
            html.contains("aria-describedby=\"code-help code-error\""),
            "{html}"
        );
        assert!(html.contains("aria-invalid=\"true\""), "{html}");
        let summary = summary(Lang::En, &problems).into_string();
        assert!(summary.contains("href=\"#code\""), "{summary}");
        let fine = input("unit", "Unit", "text", "x", None, &problems).into_string();
        assert!(!fine.contains("aria-describedby"), "{fine}");
    }
}
