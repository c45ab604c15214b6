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

mod account;
mod admin;
mod admin_announcements;
mod admin_catalog;
mod applicants;
mod apply;
mod cases;
mod front_door;
pub mod i18n;
mod messages;
mod pages;
mod problems;
mod registration;
mod review;
mod review_actions;
mod review_group;
pub mod site;
mod staff;
mod staff_desk;
mod staff_totp;
mod status;
pub mod view;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;

use crate::core::Core;
use crate::core::edge::body_limit;

const CSS: &str = include_str!("portal.css");
/// GOV.UK Frontend, compiled by `deploy/vendor-govuk-frontend.sh`.
const GOVUK_CSS: &str = include_str!("../../vendor/govuk-frontend/govuk-frontend.css");
const UPLOAD_JS: &str = include_str!("upload.js");

/// A form that carries nothing but its CSRF token (a button that acts).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct TokenForm {
    csrf_token: String,
}

/// Room for the multipart framing and the CSRF token around an uploaded file.
const UPLOAD_FORM_OVERHEAD: usize = 64 * 1024;

/// The `/portal` router.
pub fn router(core: Core) -> Router {
    let limit = core.max_body_bytes;
    // A file and the form around it: the file's own limit is enforced as
    // it streams (and by intake per requirement); this bounds the rest.
    let upload_limit = core.max_upload_bytes + UPLOAD_FORM_OVERHEAD;
    let uploads = Router::new()
        .route(
            "/portal/{agency}/{portal}/cases/{case_id}/documents/{requirement}",
            axum::routing::post(apply::upload),
        )
        .layer(axum::middleware::from_fn_with_state(
            upload_limit,
            body_limit,
        ))
        .layer(DefaultBodyLimit::max(upload_limit));
    Router::new()
        .route("/portal/static/portal.css", get(stylesheet))
        .route(view::GOVUK_CSS_PATH, get(govuk_stylesheet))
        .route("/portal/static/upload.js", get(upload_script))
        .route("/", get(front_door::front_door))
        .route("/activate", get(emailed_link))
        .route("/reset-password", get(emailed_link))
        .route("/portal/{agency}/{portal}", get(pages::to_dashboard))
        .route("/portal/{agency}/{portal}/", get(pages::dashboard))
        .route(
            "/portal/{agency}/{portal}/login",
            get(pages::login_form).post(pages::login),
        )
        .route(
            "/portal/{agency}/{portal}/logout",
            axum::routing::post(pages::logout),
        )
        .route("/portal/{agency}/{portal}/review", get(review::queue_page))
        .route(
            "/portal/{agency}/{portal}/review/claim",
            axum::routing::post(review::claim),
        )
        .route(
            "/portal/{agency}/{portal}/review/cases/{case_id}",
            get(review::case_page),
        )
        .route(
            "/portal/{agency}/{portal}/review/cases/{case_id}/decision",
            axum::routing::post(review::decide),
        )
        .route("/portal/{agency}/{portal}/admin", get(admin::home))
        .route(
            "/portal/{agency}/{portal}/admin/catalog",
            get(admin_catalog::catalog_page),
        )
        .route(
            "/portal/{agency}/{portal}/admin/catalog/validate",
            axum::routing::post(admin_catalog::validate),
        )
        .route(
            "/portal/{agency}/{portal}/admin/catalog/publish",
            axum::routing::post(admin_catalog::publish),
        )
        .route(
            "/portal/{agency}/{portal}/admin/announcements",
            get(admin_announcements::list),
        )
        .route(
            "/portal/{agency}/{portal}/admin/announcements/new",
            get(admin_announcements::new_form).post(admin_announcements::create),
        )
        .route(
            "/portal/{agency}/{portal}/admin/announcements/{announcement_id}/edit",
            get(admin_announcements::edit_form).post(admin_announcements::update),
        )
        .route(
            "/portal/{agency}/{portal}/admin/announcements/{announcement_id}/delete",
            get(admin_announcements::delete_page).post(admin_announcements::delete),
        )
        .route("/portal/{agency}/{portal}/messages", get(messages::list))
        .route(
            "/portal/{agency}/{portal}/messages/read-all",
            axum::routing::post(messages::read_all),
        )
        .route(
            "/portal/{agency}/{portal}/messages/{message_id}",
            get(messages::message_page),
        )
        .route(
            "/portal/{agency}/{portal}/review/cases/{case_id}/release",
            axum::routing::post(review_actions::release),
        )
        .route(
            "/portal/{agency}/{portal}/review/cases/{case_id}/reassign",
            axum::routing::post(review_actions::reassign),
        )
        .route(
            "/portal/{agency}/{portal}/review/cases/{case_id}/priority",
            axum::routing::post(review_actions::request_priority),
        )
        .route(
            "/portal/{agency}/{portal}/review/cases/{case_id}/priority/resolve",
            axum::routing::post(review_actions::resolve_priority),
        )
        .route(
            "/portal/{agency}/{portal}/review/cases/{case_id}/sign-off",
            axum::routing::post(review_actions::sign_off),
        )
        .route(
            "/portal/{agency}/{portal}/review/cases/{case_id}/group-decision",
            axum::routing::post(review_group::decide_group),
        )
        .route("/portal/{agency}/{portal}/totp", get(staff_totp::totp_page))
        .route(
            "/portal/{agency}/{portal}/totp/begin",
            axum::routing::post(staff_totp::begin),
        )
        .route(
            "/portal/{agency}/{portal}/totp/confirm",
            axum::routing::post(staff_totp::confirm),
        )
        .route("/portal/{agency}/{portal}/cases", get(cases::case_list))
        .route(
            "/portal/{agency}/{portal}/cases/{case_id}",
            get(cases::case_page),
        )
        .route(
            "/portal/{agency}/{portal}/cases/{case_id}/withdraw",
            get(cases::withdraw_page).post(cases::withdraw),
        )
        .route(
            "/portal/{agency}/{portal}/cases/{case_id}/resubmit",
            axum::routing::post(cases::resubmit),
        )
        .route(
            "/portal/{agency}/{portal}/account",
            get(account::account_page),
        )
        .route(
            "/portal/{agency}/{portal}/account/profile",
            axum::routing::post(account::update_profile),
        )
        .route(
            "/portal/{agency}/{portal}/account/language",
            axum::routing::post(account::update_language),
        )
        .route(
            "/portal/{agency}/{portal}/account/password",
            axum::routing::post(account::change_password),
        )
        .route(
            "/portal/{agency}/{portal}/account/sessions/{session_id}/revoke",
            axum::routing::post(account::revoke_session),
        )
        .route(
            "/portal/{agency}/{portal}/applicants",
            get(applicants::list),
        )
        .route(
            "/portal/{agency}/{portal}/applicants/new",
            get(applicants::new_form).post(applicants::create),
        )
        .route(
            "/portal/{agency}/{portal}/applicants/{applicant_id}/edit",
            get(applicants::edit_form).post(applicants::update),
        )
        .route(
            "/portal/{agency}/{portal}/applicants/{applicant_id}/remove",
            get(applicants::remove_page).post(applicants::remove),
        )
        .route(
            "/portal/{agency}/{portal}/register",
            get(registration::register_form).post(registration::register),
        )
        .route(
            "/portal/{agency}/{portal}/activate",
            get(registration::activate_form).post(registration::activate),
        )
        .route(
            "/portal/{agency}/{portal}/forgot-password",
            get(account::forgot_form).post(account::forgot),
        )
        .route(
            "/portal/{agency}/{portal}/reset-password",
            get(account::reset_form).post(account::reset),
        )
        .route("/portal/{agency}/{portal}/apply", get(apply::types_page))
        .route(
            "/portal/{agency}/{portal}/apply/{application_type}",
            get(apply::start_page).post(apply::start),
        )
        .route(
            "/portal/{agency}/{portal}/cases/{case_id}/form",
            get(apply::form_page).post(apply::save_form),
        )
        .route(
            "/portal/{agency}/{portal}/cases/{case_id}/documents",
            get(apply::documents_page),
        )
        .route(
            "/portal/{agency}/{portal}/cases/{case_id}/documents/{document_id}/delete",
            axum::routing::post(apply::delete_document),
        )
        .route(
            "/portal/{agency}/{portal}/cases/{case_id}/check",
            get(apply::check_page),
        )
        .route(
            "/portal/{agency}/{portal}/cases/{case_id}/submit",
            axum::routing::post(apply::submit),
        )
        .route(
            "/portal/{agency}/{portal}/cases/{case_id}/receipt",
            get(apply::receipt_page),
        )
        .layer(axum::middleware::from_fn_with_state(limit, body_limit))
        .merge(uploads)
        .with_state(core)
}

/// Whether a path that no route matched is the portal's (and so gets its
/// localized 404 page rather than the API's problem document).
pub fn owns(path: &str) -> bool {
    path == "/portal" || path.starts_with("/portal/")
}

pub use pages::not_found_page;

/// Identity's emailed links (`{public_base_url}/activate?agency=…&portal=…&token=…`
/// and the same for `/reset-password`) to the portal's own page.
async fn emailed_link(
    State(core): State<Core>,
    uri: axum::http::Uri,
    headers: axum::http::HeaderMap,
    Query(query): Query<std::collections::HashMap<String, String>>,
) -> Response {
    let get = |name: &str| query.get(name).map(String::as_str).unwrap_or_default();
    let (agency, portal, token) = (get("agency"), get("portal"), get("token"));
    if !site::plausible_code(agency)
        || !site::plausible_code(portal)
        || token.is_empty()
        || token.len() > 256
        || !token
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_')
    {
        return not_found_page(&core, &uri, &headers);
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
