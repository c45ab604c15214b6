//! A portal page as an answer: the visitor's language, the HTML answer,
//! the message pages (not found, forbidden, unavailable) and the way to
//! the sign-in.

use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Redirect, Response};

use crate::core::Core;
use crate::portal::shell::i18n::{self, LANG_COOKIE, Lang};
use crate::portal::shell::site::{Lookup, Site};
use crate::portal::shell::view::{self, Frame};

/// The language of a request and whether `?lang=` chose it.
#[derive(Clone, Copy)]
pub(crate) struct Language {
    pub(crate) lang: Lang,
    chosen: bool,
}

impl Language {
    pub(crate) fn of(uri: &Uri, headers: &HeaderMap) -> Self {
        let (lang, chosen) = i18n::negotiate(uri, headers);
        Self { lang, chosen }
    }
}

/// An HTML answer; when `?lang=` chose the language, the cookie keeps it.
pub(crate) fn page(core: &Core, language: Language, status: StatusCode, body: String) -> Response {
    let mut response = (status, Html(body)).into_response();
    if language.chosen
        && let Some(value) = core
            .cookies
            .set_preference(LANG_COOKIE, language.lang.tag())
    {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

pub(crate) fn message(
    core: &Core,
    language: Language,
    uri: &Uri,
    site: Option<&Site>,
    status: StatusCode,
    title: &str,
    body: &str,
) -> Response {
    let frame = Frame {
        lang: language.lang,
        uri,
        site,
        title,
    };
    page(core, language, status, view::message_page(&frame, body))
}

pub(crate) fn lookup_failed(
    core: &Core,
    language: Language,
    uri: &Uri,
    lookup: Lookup,
) -> Response {
    let messages = language.lang.messages();
    match lookup {
        Lookup::NotFound => message(
            core,
            language,
            uri,
            None,
            StatusCode::NOT_FOUND,
            messages.not_found_title,
            messages.not_found_body,
        ),
        Lookup::Unavailable => unavailable(core, language, uri, None),
    }
}

pub(crate) fn unavailable(
    core: &Core,
    language: Language,
    uri: &Uri,
    site: Option<&Site>,
) -> Response {
    let messages = language.lang.messages();
    message(
        core,
        language,
        uri,
        site,
        StatusCode::SERVICE_UNAVAILABLE,
        messages.unavailable_title,
        messages.unavailable_body,
    )
}

pub(crate) fn forbidden(
    core: &Core,
    language: Language,
    uri: &Uri,
    site: Option<&Site>,
) -> Response {
    let messages = language.lang.messages();
    message(
        core,
        language,
        uri,
        site,
        StatusCode::FORBIDDEN,
        messages.forbidden_title,
        messages.forbidden_body,
    )
}

/// Any path under `/portal` that names no page.
pub fn not_found_page(core: &Core, uri: &Uri, headers: &HeaderMap) -> Response {
    lookup_failed(core, Language::of(uri, headers), uri, Lookup::NotFound)
}

/// `/portal/{agency}/{portal}` → the same with the slash.
pub async fn to_dashboard(uri: Uri) -> Response {
    let target = match uri.query() {
        Some(query) => format!("{}/?{query}", uri.path()),
        None => format!("{}/", uri.path()),
    };
    Redirect::permanent(&target).into_response()
}

/// `?lang=…` of the request again, for redirects that keep the choice.
pub(crate) fn lang_suffix(uri: &Uri) -> String {
    i18n::from_query(uri)
        .map(|lang| format!("?lang={}", lang.tag()))
        .unwrap_or_default()
}

pub(crate) fn to_login(site: &Site, uri: &Uri) -> Response {
    Redirect::to(&format!("{}login{}", site.base_path(), lang_suffix(uri))).into_response()
}
