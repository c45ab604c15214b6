//! A portal page as an answer: the visitor's language, the HTML answer,
//! the message pages (not found, forbidden, unavailable) and the way to
//! the sign-in.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};

use crate::core::Core;
use crate::portal::shell::i18n::{self, LANG_COOKIE, Lang};
use crate::portal::shell::site::{Lookup, Site};
use crate::portal::shell::view::{self, Frame};

/// The language of a request: `?lang=`, else the cookie, else the
/// browser's `Accept-Language`.
#[derive(Clone, Copy)]
pub(crate) struct Language {
    pub(crate) lang: Lang,
}

impl Language {
    pub(crate) fn of(uri: &Uri, headers: &HeaderMap) -> Self {
        let (lang, _) = i18n::negotiate(uri, headers);
        Self { lang }
    }
}

/// An HTML answer (the language cookie is [`remember_language`]'s).
pub(crate) fn page(_language: Language, status: StatusCode, body: String) -> Response {
    (status, Html(body)).into_response()
}

/// When `?lang=` chose the language of a portal page, the cookie keeps
/// the choice: every HTML answer of the portal sets it, whichever page
/// (or error page) answered.
pub async fn remember_language(State(core): State<Core>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let chosen = (path == "/" || crate::portal::owns(path))
        .then(|| i18n::from_query(request.uri()))
        .flatten();
    let mut response = next.run(request).await;
    let html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("text/html"));
    if let Some(lang) = chosen
        && html
        && let Some(value) = core.cookies.set_preference(LANG_COOKIE, lang.tag())
    {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

pub(crate) fn message(
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
    page(language, status, view::message_page(&frame, body))
}

pub(crate) fn lookup_failed(language: Language, uri: &Uri, lookup: Lookup) -> Response {
    let messages = language.lang.messages();
    match lookup {
        Lookup::NotFound => message(
            language,
            uri,
            None,
            StatusCode::NOT_FOUND,
            messages.not_found_title,
            messages.not_found_body,
        ),
        Lookup::Unavailable => unavailable(language, uri, None),
    }
}

pub(crate) fn unavailable(language: Language, uri: &Uri, site: Option<&Site>) -> Response {
    let messages = language.lang.messages();
    message(
        language,
        uri,
        site,
        StatusCode::SERVICE_UNAVAILABLE,
        messages.unavailable_title,
        messages.unavailable_body,
    )
}

pub(crate) fn forbidden(language: Language, uri: &Uri, site: Option<&Site>) -> Response {
    let messages = language.lang.messages();
    message(
        language,
        uri,
        site,
        StatusCode::FORBIDDEN,
        messages.forbidden_title,
        messages.forbidden_body,
    )
}

/// Any path under `/portal` that names no page.
pub fn not_found_page(uri: &Uri, headers: &HeaderMap) -> Response {
    lookup_failed(Language::of(uri, headers), uri, Lookup::NotFound)
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
