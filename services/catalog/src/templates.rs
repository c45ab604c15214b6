//! Message templates: `{{ variable }}` placeholders, rendered per event and
//! language, and optional sections `{{#variable}}…{{/variable}}` that are
//! left out when the variable is empty (a comment line with no comment).

use crate::format::{Language, MessageText, TemplateSet};
use std::collections::BTreeMap;

/// Variables every event offers to its templates (the agency name is always there).
pub const EVENT_VARIABLES: &[(&str, &[&str])] = &[
    (
        "identity.account.registered",
        &[
            "agency_name",
            "display_name",
            "login_name",
            "portal_name",
            "activation_url",
            "activation_channel",
        ],
    ),
    (
        "identity.account.activated",
        &["agency_name", "display_name", "portal_name", "login_url"],
    ),
    (
        "identity.password.reset_requested",
        &[
            "agency_name",
            "display_name",
            "reset_url",
            "expires_in_minutes",
            "purpose",
        ],
    ),
    // Not an event of its own: how notify words a `reset_requested` whose
    // purpose is a staff invitation.
    (
        "identity.staff.invited",
        &[
            "agency_name",
            "display_name",
            "reset_url",
            "expires_in_minutes",
        ],
    ),
    (
        "identity.sms_code.requested",
        &["agency_name", "code", "purpose", "expires_in_minutes"],
    ),
    (
        "intake.case.submitted",
        &[
            "agency_name",
            "applicant_name",
            "receipt_number",
            "group_number",
            "application_type_name",
            "submitted_at",
            "express",
        ],
    ),
    (
        "intake.case.resubmitted",
        &[
            "agency_name",
            "applicant_name",
            "receipt_number",
            "round",
            "resubmitted_at",
            "applicant_reply",
        ],
    ),
    (
        "intake.case.withdrawn",
        &[
            "agency_name",
            "applicant_name",
            "receipt_number",
            "withdrawn_at",
        ],
    ),
    (
        "intake.appointment.booked",
        &[
            "agency_name",
            "applicant_name",
            "receipt_number",
            "centre_name",
            "centre_address",
            "starts_at",
            "moved",
            "previous_starts_at",
            "reason",
        ],
    ),
    (
        "intake.appointment.cancelled",
        &[
            "agency_name",
            "applicant_name",
            "receipt_number",
            "centre_name",
            "starts_at",
            "no_show",
            "reason",
        ],
    ),
    (
        "intake.appointment.reminder",
        &[
            "agency_name",
            "applicant_name",
            "receipt_number",
            "centre_name",
            "centre_address",
            "starts_at",
        ],
    ),
    (
        "intake.case.progressed",
        &[
            "agency_name",
            "applicant_name",
            "receipt_number",
            "application_type_name",
            "in_production",
            "issued",
            "ready_for_pickup",
            "collected",
            "cancelled",
            "uncollected",
            "awaiting_dispatch",
            "dispatched",
            "delivered",
            "tracking_number",
            "reason",
            "production_due_on",
            "permit_number",
            "permit_valid_until",
            "collect_by",
            "at",
        ],
    ),
    (
        "review.case.decided",
        &[
            "agency_name",
            "applicant_name",
            "receipt_number",
            "group_number",
            "application_type_name",
            "decision",
            "comment",
            "decided_at",
        ],
    ),
    (
        "payment.order.created",
        &[
            "agency_name",
            "amount",
            "method",
            "expires_at",
            "receipt_numbers",
        ],
    ),
    (
        "payment.order.paid",
        &["agency_name", "amount", "paid_at", "receipt_numbers"],
    ),
    (
        "payment.order.expired",
        &[
            "agency_name",
            "receipt_numbers",
            "slip_expired",
            "order_expired",
        ],
    ),
    (
        "payment.slip.expiring",
        &[
            "agency_name",
            "receipt_numbers",
            "amount",
            "method",
            "expires_at",
        ],
    ),
    (
        "payment.order.refunded",
        &["agency_name", "amount", "reason"],
    ),
    (
        "render.document.rendered",
        &["agency_name", "kind", "receipt_number", "download_url"],
    ),
];

pub fn variables_of(event_type: &str) -> Option<&'static [&'static str]> {
    EVENT_VARIABLES
        .iter()
        .find(|(name, _)| *name == event_type)
        .map(|(_, variables)| *variables)
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum Error {
    #[error("unclosed `{{{{` at byte {0}")]
    Unclosed(usize),
    #[error("empty or invalid variable name `{0}`")]
    BadName(String),
    #[error("section `{{{{#{0}}}}}` is not closed")]
    UnclosedSection(String),
    #[error("`{{{{/{0}}}}}` closes no open section of that name")]
    StraySectionEnd(String),
    #[error("no value for variable `{0}`")]
    MissingValue(String),
    #[error("no template for event `{event}` in {language}")]
    NoTemplate { event: String, language: String },
}

enum Piece<'a> {
    Literal(&'a str),
    Variable(&'a str),
    /// `{{#name}}`: what follows up to its end is kept only when `name` has
    /// a non-empty value; `{{^name}}` (inverted) only when it has none.
    SectionStart(&'a str, bool),
    SectionEnd,
}

fn parse(text: &str) -> Result<Vec<Piece<'_>>, Error> {
    let mut pieces = Vec::new();
    let mut open: Vec<&str> = Vec::new();
    let mut rest = text;
    let mut offset = 0;
    while let Some(start) = rest.find("{{") {
        pieces.push(Piece::Literal(&rest[..start]));
        let after = &rest[start + 2..];
        let end = after.find("}}").ok_or(Error::Unclosed(offset + start))?;
        let tag = after[..end].trim();
        let (kind, name) = match tag.as_bytes().first() {
            Some(b'#') => (Some(Some(false)), tag[1..].trim()),
            Some(b'^') => (Some(Some(true)), tag[1..].trim()),
            Some(b'/') => (Some(None), tag[1..].trim()),
            _ => (None, tag),
        };
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(Error::BadName(tag.to_owned()));
        }
        pieces.push(match kind {
            None => Piece::Variable(name),
            Some(Some(inverted)) => {
                open.push(name);
                Piece::SectionStart(name, inverted)
            }
            Some(None) => {
                if open.pop() != Some(name) {
                    return Err(Error::StraySectionEnd(name.to_owned()));
                }
                Piece::SectionEnd
            }
        });
        let consumed = start + 2 + end + 2;
        offset += consumed;
        rest = &rest[consumed..];
    }
    if let Some(name) = open.pop() {
        return Err(Error::UnclosedSection(name.to_owned()));
    }
    pieces.push(Piece::Literal(rest));
    Ok(pieces)
}

/// Variable names a template uses (in placeholders and as sections).
pub fn variables_used(text: &str) -> Result<Vec<String>, Error> {
    Ok(parse(text)?
        .into_iter()
        .filter_map(|piece| match piece {
            Piece::Variable(name) | Piece::SectionStart(name, _) => Some(name.to_owned()),
            Piece::Literal(_) | Piece::SectionEnd => None,
        })
        .collect())
}

/// Renders `text`; with `escape_html`, values are HTML-escaped (for HTML bodies).
pub fn render(
    text: &str,
    values: &BTreeMap<String, String>,
    escape_html: bool,
) -> Result<String, Error> {
    let mut output = String::with_capacity(text.len());
    // How many enclosing sections are left out (nothing is written while > 0).
    let mut skipped = 0usize;
    for piece in parse(text)? {
        match piece {
            Piece::SectionStart(name, inverted) => {
                let set = values
                    .get(name)
                    .is_some_and(|value| !value.trim().is_empty());
                let shown = set != inverted;
                if skipped > 0 || !shown {
                    skipped += 1;
                }
            }
            Piece::SectionEnd => skipped = skipped.saturating_sub(1),
            _ if skipped > 0 => {}
            Piece::Literal(literal) => output.push_str(literal),
            Piece::Variable(name) => {
                let value = values
                    .get(name)
                    .ok_or_else(|| Error::MissingValue(name.to_owned()))?;
                if escape_html {
                    output.push_str(&html_escape(value));
                } else {
                    output.push_str(value);
                }
            }
        }
    }
    Ok(output)
}

fn html_escape(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len());
    for character in value.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            other => escaped.push(other),
        }
    }
    escaped
}

/// A message rendered for one event and language; absent parts stay `None`.
pub fn render_message(
    templates: &TemplateSet,
    event_type: &str,
    language: Language,
    values: &BTreeMap<String, String>,
) -> Result<MessageText, Error> {
    let template = templates
        .templates
        .get(event_type)
        .and_then(|languages| languages.get(&language))
        .ok_or_else(|| Error::NoTemplate {
            event: event_type.to_owned(),
            language: language.tag().to_owned(),
        })?;
    let render_part = |part: &Option<String>, html: bool| -> Result<Option<String>, Error> {
        part.as_deref()
            .map(|text| render(text, values, html))
            .transpose()
    };
    Ok(MessageText {
        email_subject: render_part(&template.email_subject, false)?,
        email_text: render_part(&template.email_text, false)?,
        email_html: render_part(&template.email_html, true)?,
        sms: render_part(&template.sms, false)?,
        in_app: render_part(&template.in_app, false)?,
    })
}

/// The platform's default templates, embedded in the crate.
pub const DEFAULT_TEMPLATES_PATH: &str = "defaults/templates.yaml";
pub const DEFAULT_TEMPLATES_YAML: &str = include_str!("../defaults/templates.yaml");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_and_escapes() {
        let mut values = BTreeMap::new();
        values.insert("name".to_owned(), "<陳**>".to_owned());
        assert_eq!(
            render("Hi {{ name }}!", &values, false).as_deref(),
            Ok("Hi <陳**>!")
        );
        assert_eq!(
            render("<b>{{name}}</b>", &values, true).as_deref(),
            Ok("<b>&lt;陳**&gt;</b>")
        );
        assert_eq!(
            render("{{ other }}", &values, false),
            Err(Error::MissingValue("other".into()))
        );
        assert_eq!(
            variables_used("a {{ x }} b {{y}}"),
            Ok(vec!["x".to_owned(), "y".to_owned()])
        );
        assert!(matches!(variables_used("a {{ x"), Err(Error::Unclosed(_))));
    }

    #[test]
    fn an_inverted_section_is_kept_only_when_its_variable_is_empty() {
        let template = "{{#moved}}Moved{{/moved}}{{^moved}}Booked{{/moved}}: {{ at }}";
        let mut values = BTreeMap::new();
        values.insert("at".to_owned(), "9:00".to_owned());
        values.insert("moved".to_owned(), String::new());
        assert_eq!(
            render(template, &values, false).as_deref(),
            Ok("Booked: 9:00")
        );
        values.insert("moved".to_owned(), "yes".to_owned());
        assert_eq!(
            render(template, &values, false).as_deref(),
            Ok("Moved: 9:00")
        );
        assert_eq!(variables_used("{{^a}}x{{/a}}"), Ok(vec!["a".to_owned()]));
    }

    #[test]
    fn a_section_is_left_out_when_its_variable_is_empty() {
        let template = "Decided.{{#comment}}\nComment: {{ comment }}{{/comment}}";
        let mut values = BTreeMap::new();
        values.insert("comment".to_owned(), "  ".to_owned());
        assert_eq!(render(template, &values, false).as_deref(), Ok("Decided."));
        values.insert("comment".to_owned(), "ok".to_owned());
        assert_eq!(
            render(template, &values, false).as_deref(),
            Ok("Decided.\nComment: ok")
        );
        // Nested: an empty outer section hides everything inside it.
        let nested = "{{#a}}A{{#b}}B{{ b }}{{/b}}{{/a}}.";
        values.insert("a".to_owned(), String::new());
        values.insert("b".to_owned(), "x".to_owned());
        assert_eq!(render(nested, &values, false).as_deref(), Ok("."));
        values.insert("a".to_owned(), "y".to_owned());
        assert_eq!(render(nested, &values, false).as_deref(), Ok("ABx."));
        assert_eq!(
            variables_used("{{#a}}{{ b }}{{/a}}"),
            Ok(vec!["a".to_owned(), "b".to_owned()])
        );
        assert_eq!(
            variables_used("{{#a}} x"),
            Err(Error::UnclosedSection("a".into()))
        );
        assert_eq!(
            variables_used("{{#a}}{{/b}}"),
            Err(Error::StraySectionEnd("b".into()))
        );
        assert_eq!(
            variables_used("{{/a}}"),
            Err(Error::StraySectionEnd("a".into()))
        );
    }
}
