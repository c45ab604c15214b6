//! What every portal page reads from its request before it is a page:
//! the address as asked and the agency and portal it names, and the CSRF
//! token a form carries.

use axum::Form;
use axum::extract::{FromRequestParts, OriginalUri, Path};
use axum::http::Uri;
use axum::http::request::Parts;
use serde::Deserialize;

use crate::core::Core;
use crate::core::csrf::CSRF_FORM_FIELD;

/// The agency and portal of every nested page's path.
#[derive(Deserialize)]
pub(crate) struct SitePath {
    pub(crate) agency: String,
    pub(crate) portal: String,
}

/// The page's address as asked (nesting strips the portal's prefix from
/// `Uri`) and the agency and portal it names.
pub(crate) async fn place(parts: &mut Parts, core: &Core) -> (Uri, Option<SitePath>) {
    let OriginalUri(uri) = OriginalUri::from_request_parts(parts, core)
        .await
        .unwrap_or_else(|never| match never {});
    let path = Path::<SitePath>::from_request_parts(parts, core)
        .await
        .ok()
        .map(|Path(path)| path);
    (uri, path)
}

/// A form that carries the session's CSRF token.
pub(crate) trait CsrfToken {
    fn csrf_token(&self) -> &str;
}

impl CsrfToken for std::collections::HashMap<String, String> {
    fn csrf_token(&self) -> &str {
        self.get(CSRF_FORM_FIELD)
            .map(String::as_str)
            .unwrap_or_default()
    }
}

impl CsrfToken for Vec<(String, String)> {
    fn csrf_token(&self) -> &str {
        self.iter()
            .find(|(key, _)| key == CSRF_FORM_FIELD)
            .map(|(_, value)| value.as_str())
            .unwrap_or_default()
    }
}

impl<T: CsrfToken> CsrfToken for Form<T> {
    fn csrf_token(&self) -> &str {
        self.0.csrf_token()
    }
}

/// Implements [`CsrfToken`] for forms whose `csrf_token` field holds it.
macro_rules! csrf_token_field {
    ($($form:ty),+ $(,)?) => {
        $(impl $crate::portal::shell::request::CsrfToken for $form {
            fn csrf_token(&self) -> &str {
                &self.csrf_token
            }
        })+
    };
}
pub(crate) use csrf_token_field;

/// The pairs of the address's query, `%`-escapes and `+` decoded (an
/// escape that is not UTF-8 reads as U+FFFD, never as an error).
pub(crate) fn query_pairs(uri: &Uri) -> Vec<(String, String)> {
    decode_pairs(uri.query().unwrap_or_default())
}

/// The pairs of a query string, decoded as [`query_pairs`] does.
pub(crate) fn decode_pairs(query: &str) -> Vec<(String, String)> {
    serde_urlencoded::from_str(query).unwrap_or_default()
}

/// The first value of `name` in the address's query, decoded.
pub(crate) fn query_value(uri: &Uri, name: &str) -> Option<String> {
    query_pairs(uri)
        .into_iter()
        .find_map(|(key, value)| (key == name).then_some(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri(text: &str) -> Uri {
        text.parse().unwrap()
    }

    #[test]
    fn query_values_are_decoded() {
        let at = uri("/p?name=%E6%9D%8E+%E5%9B%9B&empty=&saved=1&saved=2");
        assert_eq!(query_value(&at, "name").as_deref(), Some("李 四"));
        assert_eq!(query_value(&at, "empty").as_deref(), Some(""));
        assert_eq!(query_value(&at, "saved").as_deref(), Some("1"));
        assert_eq!(query_value(&at, "missing"), None);
        assert_eq!(query_value(&uri("/p"), "name"), None);
    }

    #[test]
    fn a_hostile_query_reads_as_text_never_as_an_error() {
        let at = uri("/p?reason=%FF%FE&%=%&&=x");
        assert_eq!(
            query_value(&at, "reason").as_deref(),
            Some("\u{FFFD}\u{FFFD}")
        );
        assert_eq!(query_pairs(&at).len(), 3);
    }
}
