//! The portal's pages, rendered with maud (which escapes everything it
//! interpolates). No inline scripts or styles: the CSP stays strict.

use axum::http::Uri;
use maud::{DOCTYPE, Markup, html};

use crate::portal::shell::i18n::{Lang, switch_link};
use crate::portal::shell::site::Site;

/// The vendored GOV.UK Frontend stylesheet (its version in the path, so a
/// new one is never read from a browser's cache).
pub const GOVUK_CSS_PATH: &str = "/portal/static/govuk-frontend-6.6.0.css";

/// What the layout needs besides the page's own content.
pub struct Frame<'a> {
    pub lang: Lang,
    pub uri: &'a Uri,
    pub site: Option<&'a Site>,
    pub title: &'a str,
}

/// The page around `content`: language, skip link, header with the
/// agency's and portal's names, the language switcher, `main`, footer.
pub fn layout(frame: &Frame<'_>, header_extra: Markup, content: Markup) -> String {
    let lang = frame.lang;
    let messages = lang.messages();
    let agency_name = frame.site.map(|site| site.agency_name.get(lang));
    let portal_name = frame.site.map(|site| site.portal_name.get(lang));
    let full_title = match portal_name {
        Some(portal) => format!("{} - {}", frame.title, portal),
        None => frame.title.to_owned(),
    };
    html! {
        (DOCTYPE)
        html lang=(lang.tag()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (full_title) }
                link rel="stylesheet" href=(GOVUK_CSS_PATH);
                link rel="stylesheet" href="/portal/static/portal.css";
            }
            body.govuk-template__body {
                a.skip-link.govuk-skip-link href="#main" { (messages.skip_to_content) }
                header.site-header {
                    div.site-names {
                        @if let Some(agency) = agency_name {
                            p.agency-name { (agency) }
                        }
                        @if let Some(portal) = portal_name {
                            p.portal-name { (portal) }
                        }
                    }
                    nav.language aria-label=(messages.language) {
                        ul {
                            @for other in Lang::ALL {
                                li {
                                    @if other == lang {
                                        a href=(switch_link(frame.uri, other)) lang=(other.tag())
                                            hreflang=(other.tag()) aria-current="true" { (other.own_name()) }
                                    } @else {
                                        a href=(switch_link(frame.uri, other)) lang=(other.tag())
                                            hreflang=(other.tag()) { (other.own_name()) }
                                    }
                                }
                            }
                        }
                    }
                    (header_extra)
                }
                div.govuk-width-container {
                    main.govuk-main-wrapper #main tabindex="-1" {
                        h1 { (frame.title) }
                        (content)
                    }
                }
                footer.site-footer.govuk-footer {
                    div.govuk-width-container {
                        p.govuk-body-s { (messages.footer) }
                    }
                }
            }
        }
    }
    .into_string()
}

/// A page that only says something (not found, unavailable, refused).
pub fn message_page(frame: &Frame<'_>, body: &str) -> String {
    layout(frame, html! {}, html! { p { (body) } })
}

/// One error of a form: the field it concerns (for the link and
/// `aria-describedby`) and the message.
#[derive(Debug, Clone)]
pub struct FormError {
    pub field: &'static str,
    pub message: &'static str,
}

/// The summary at the top of a form: focusable, announced, each error a
/// link to its field.
pub fn error_summary(lang: Lang, errors: &[FormError]) -> Markup {
    html! {
        @if !errors.is_empty() {
            div.error-summary role="alert" aria-labelledby="error-summary-title" tabindex="-1" {
                div.govuk-error-summary {
                    h2.govuk-error-summary__title #error-summary-title { (lang.messages().error_summary) }
                    ul.govuk-list.govuk-error-summary__list {
                        @for error in errors {
                            li { a href=(format!("#{}", error.field)) { (error.message) } }
                        }
                    }
                }
            }
        }
    }
}

/// A labelled input with its error message (if any) tied to it.
pub fn field(
    id: &'static str,
    label: &str,
    kind: &str,
    value: &str,
    autocomplete: &str,
    errors: &[FormError],
    help: Option<&str>,
) -> Markup {
    let error = errors.iter().find(|error| error.field == id);
    let mut described = Vec::new();
    if help.is_some() {
        described.push(format!("{id}-help"));
    }
    if error.is_some() {
        described.push(format!("{id}-error"));
    }
    let described = described.join(" ");
    html! {
        div.field.govuk-form-group.field-error[error.is_some()].govuk-form-group--error[error.is_some()] {
            label.govuk-label for=(id) { (label) }
            @if let Some(help) = help {
                p.help.govuk-hint id=(format!("{id}-help")) { (help) }
            }
            @if let Some(error) = error {
                p.error-message.govuk-error-message id=(format!("{id}-error")) { (error.message) }
            }
            input.govuk-input.govuk-input--error[error.is_some()] id=(id) name=(id) type=(kind) value=(value) autocomplete=(autocomplete)
                aria-describedby=[(!described.is_empty()).then_some(described.as_str())]
                aria-invalid=[error.map(|_| "true")];
        }
    }
}

/// A service's amount as the catalog writes it (`TWD 1000`, `MOP 402.30`);
/// nothing when absent.
pub(crate) fn money(money: Option<&laissez_proto::common::v1::Money>) -> String {
    money.map_or_else(String::new, |money| {
        laissez_catalog::format::written_amount(money.minor_units, &money.currency)
    })
}
