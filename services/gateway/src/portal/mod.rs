//! The applicants' web portal: server-rendered HTML under
//! `/portal/{agency}/{portal}/`, in Traditional Chinese, Simplified Chinese
//! and English. It uses the same core as the JSON API: the services behind
//! it, sessions in the HttpOnly cookie, CSRF tokens bound to the session
//! (or, before sign-in, to the anonymous binding cookie), rate limits and
//! the security headers of every answer.
//!
//! Pages so far: the application wizard (types, notice and start, form,
//! documents with uploads, check, submission and receipt), sign-in (with the agency's captcha and "another image"),
//! sign-out (optionally everywhere), the dashboard (notice board, a tab
//! per application type, the sections of each), the progress query, a
//! case's page, withdrawal and resubmission after a return, the account
//! page (profile, password change, sessions), managed applicants, registration and
//! activation, and the forgotten-password
//! request and reset, the message centre; on the agency's staff portal,
//! the staff sign-in (with the authenticator's code) and the
//! authenticator's enrolment, the review queues with "claim next", a
//! claimed case with its decision form, case actions, its group's decision
//! and audit history, and the agency administrator's catalog and
//! announcement pages.

mod applicant;
mod front_door;
pub mod shell;
mod sign_in;
mod staff;
mod verify;

pub use shell::i18n;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::extract::Query;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;

use crate::core::Core;
use crate::core::edge::body_limit;

const CSS: &str = include_str!("portal.css");
/// GOV.UK Frontend, compiled by `deploy/vendor-govuk-frontend.sh`.
const GOVUK_CSS: &str = include_str!("../../vendor/govuk-frontend/govuk-frontend.css");
const UPLOAD_JS: &str = include_str!("upload.js");

/// Loads every table of the portal's fixed texts in every language (each
/// is built once), so that a text missing or broken in `locales/` panics
/// here, when the gateway starts, and never while a page is shown. A new
/// table is added here; the locale tests fail on texts no table reads.
pub fn load_texts() {
    use staff::{admin, review};
    for lang in i18n::Lang::ALL {
        lang.messages();
        front_door::texts(lang);
        verify::texts(lang);
        applicant::header::nav(lang);
        applicant::registration::texts(lang);
        applicant::account::texts(lang);
        applicant::applicants::texts(lang);
        applicant::addresses::texts(lang);
        applicant::apply::texts::texts(lang);
        applicant::appointment::texts::texts(lang);
        applicant::documents::texts(lang);
        applicant::messages::texts(lang);
        applicant::payments::texts(lang);
        applicant::permit::texts(lang);
        applicant::courier::texts(lang);
        staff::desk::nav(lang);
        staff::totp::texts(lang);
        staff::counter::texts(lang);
        staff::handover::texts(lang);
        staff::appointments::texts(lang);
        review::texts::texts(lang);
        review::actions::texts(lang);
        review::group::texts(lang);
        admin::texts(lang);
        admin::announcements::texts(lang);
        admin::catalog::texts(lang);
        admin::documents::texts(lang);
        admin::reconciliation::texts(lang);
    }
}

/// A form that carries nothing but its CSRF token (a button that acts).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct TokenForm {
    csrf_token: String,
}

/// Room for the multipart framing and the CSRF token around an uploaded file.
const UPLOAD_FORM_OVERHEAD: usize = 64 * 1024;

/// The `/portal` router: the assets, the front door and the emailed links
/// at the top; every page of a portal nested once under
/// `/portal/{agency}/{portal}`.
pub fn router(core: Core) -> Router {
    let limit = core.max_body_bytes;
    // A file and the form around it: the file's own limit is enforced as
    // it streams (and by intake per requirement); this bounds the rest.
    let upload_limit = core.max_upload_bytes + UPLOAD_FORM_OVERHEAD;
    let pages = Router::new()
        .merge(sign_in::routes())
        .merge(applicant::routes())
        .merge(staff::routes())
        .layer(axum::middleware::from_fn_with_state(limit, body_limit));
    let uploads = applicant::upload_routes()
        .layer(axum::middleware::from_fn_with_state(
            upload_limit,
            body_limit,
        ))
        .layer(DefaultBodyLimit::max(upload_limit));
    // The public verify page takes a PDF: a limit of its own.
    let verify_limit = verify::MAX_PDF_BYTES + UPLOAD_FORM_OVERHEAD;
    let verify_routes = Router::new()
        .route("/verify", get(verify::verify_page).post(verify::verify))
        .layer(axum::middleware::from_fn_with_state(
            verify_limit,
            body_limit,
        ))
        .layer(DefaultBodyLimit::max(verify_limit));
    Router::new()
        .route("/portal/static/portal.css", get(stylesheet))
        .route(shell::view::GOVUK_CSS_PATH, get(govuk_stylesheet))
        .route("/portal/static/upload.js", get(upload_script))
        .route("/", get(front_door::front_door))
        .route("/verify/keys.json", get(verify::keys))
        .route("/activate", get(emailed_link))
        .route("/reset-password", get(emailed_link))
        // The portal's own address and its dashboard, with the slash.
        .route(SITE, get(shell::page::to_dashboard))
        .route(
            "/portal/{agency}/{portal}/",
            get(applicant::dashboard::dashboard),
        )
        .layer(axum::middleware::from_fn_with_state(limit, body_limit))
        .nest(SITE, pages)
        .nest(SITE, uploads)
        .merge(verify_routes)
        .with_state(core)
}

/// Where every portal's pages are nested.
const SITE: &str = "/portal/{agency}/{portal}";

/// Whether a path that no route matched is the portal's (and so gets its
/// localized 404 page rather than the API's problem document).
pub fn owns(path: &str) -> bool {
    path == "/portal" || path.starts_with("/portal/")
}

pub use shell::page::{not_found_page, remember_language};

/// Identity's emailed links (`{public_base_url}/activate?agency=…&portal=…&token=…`
/// and the same for `/reset-password`) to the portal's own page.
async fn emailed_link(
    uri: axum::http::Uri,
    headers: axum::http::HeaderMap,
    Query(query): Query<std::collections::HashMap<String, String>>,
) -> Response {
    let get = |name: &str| query.get(name).map(String::as_str).unwrap_or_default();
    let (agency, portal, token) = (get("agency"), get("portal"), get("token"));
    if !shell::site::plausible_code(agency)
        || !shell::site::plausible_code(portal)
        || token.is_empty()
        || token.len() > 256
        || !token
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_')
    {
        return not_found_page(&uri, &headers);
    }
    let page = uri.path().trim_start_matches('/');
    Redirect::to(&format!("/portal/{agency}/{portal}/{page}?token={token}")).into_response()
}

async fn upload_script() -> Response {
    static_asset(
        "text/javascript; charset=utf-8",
        "public, max-age=3600",
        UPLOAD_JS,
    )
}

async fn stylesheet() -> Response {
    static_asset("text/css; charset=utf-8", "public, max-age=3600", CSS)
}

/// The vendored GOV.UK Frontend styles: the path names the version, so a
/// browser may keep it for a year.
async fn govuk_stylesheet() -> Response {
    static_asset(
        "text/css; charset=utf-8",
        "public, max-age=31536000, immutable",
        GOVUK_CSS,
    )
}

fn static_asset(
    content_type: &'static str,
    cache_control: &'static str,
    body: &'static str,
) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static(cache_control),
            ),
        ],
        body,
    )
        .into_response()
}

crate::portal::shell::request::csrf_token_field!(TokenForm);
