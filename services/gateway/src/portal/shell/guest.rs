//! Who a pre-login page is for: the visitor of a portal's registration,
//! activation or password pages ([`Guest`], [`AnyGuest`]) with the
//! browser's anonymous binding (the cookie that CSRF tokens before sign-in
//! are bound to).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;

use crate::core::Core;
use crate::core::credentials::cookie;
use crate::core::csrf::new_anonymous_binding;
use crate::portal::shell::error::PortalError;
use crate::portal::shell::page::Language;
use crate::portal::shell::request::{SitePath, place};
use crate::portal::shell::site::{self, Lookup, Site};

/// The anonymous binding of the browser, and the cookie to set when it
/// has none yet.
pub(crate) fn anonymous_binding(core: &Core, headers: &HeaderMap) -> (String, Option<HeaderValue>) {
    match cookie(headers, core.cookies.anonymous_cookie_name()) {
        Some(binding) if !binding.is_empty() && binding.len() <= 128 => (binding, None),
        _ => {
            let binding = new_anonymous_binding();
            let set = core.cookies.set_anonymous(&binding);
            (binding, set)
        }
    }
}

/// A pre-login page's language, portal and the browser's anonymous binding
/// (with the cookie to set when it has none yet).
pub(crate) type Anonymous = (Language, Site, String, Option<HeaderValue>);

/// A visitor of an applicant portal's pre-login page (registration,
/// activation, a forgotten password), or the page that says the portal
/// cannot be shown.
pub(crate) struct Guest(pub(crate) Anonymous);

/// As [`Guest`], on an applicant portal or the agency's staff portal: for
/// the pages staff reach from an emailed link too (setting the password of
/// an invitation or a reset).
pub(crate) struct AnyGuest(pub(crate) Anonymous);

impl FromRequestParts<Core> for Guest {
    type Rejection = PortalError;

    async fn from_request_parts(parts: &mut Parts, core: &Core) -> Result<Self, PortalError> {
        guest(parts, core, false).await.map(Guest)
    }
}

impl FromRequestParts<Core> for AnyGuest {
    type Rejection = PortalError;

    async fn from_request_parts(parts: &mut Parts, core: &Core) -> Result<Self, PortalError> {
        guest(parts, core, true).await.map(AnyGuest)
    }
}

/// The portal the path names (an applicant portal, or also the agency's
/// staff portal when `or_staff`) and the browser's anonymous binding.
async fn guest(parts: &mut Parts, core: &Core, or_staff: bool) -> Result<Anonymous, PortalError> {
    let (uri, path) = place(parts, core).await;
    let language = Language::of(&uri, &parts.headers);
    let found = match path {
        Some(SitePath { agency, portal }) if or_staff => site::find_any(core, &agency, &portal)
            .await
            .map(|(site, _)| site),
        Some(SitePath { agency, portal }) => site::find(core, &agency, &portal).await,
        None => Err(Lookup::NotFound),
    };
    let site = found.map_err(|lookup| PortalError::lookup(lookup, language, &uri))?;
    Ok(bound(core, language, site, &parts.headers))
}

fn bound(core: &Core, language: Language, site: Site, headers: &HeaderMap) -> Anonymous {
    let (binding, set) = anonymous_binding(core, headers);
    (language, site, binding, set)
}

/// `response` with the anonymous binding's cookie, when one is to be set.
pub(crate) fn with_cookie(mut response: Response, set: Option<HeaderValue>) -> Response {
    if let Some(set) = set {
        response.headers_mut().append(header::SET_COOKIE, set);
    }
    response
}
