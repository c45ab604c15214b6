//! The applicant portals' pages: the dashboard, the application wizard,
//! the cases, the account, managed applicants, registration, the
//! message centre, payments and the downloads of issued documents.

pub mod account;
pub mod addresses;
pub mod applicants;
pub mod apply;
pub mod appointment;
pub mod cancel;
pub mod cases;
pub mod courier;
pub mod dashboard;
pub mod documents;
pub mod header;
pub mod messages;
pub mod parts;
pub mod password_reset;
pub mod payments;
pub mod permit;
pub mod registration;
pub mod status;
pub mod visit;

use axum::Router;
use axum::routing::{get, post};

use crate::core::Core;

/// The applicant's pages, below `/portal/{agency}/{portal}`.
pub fn routes() -> Router<Core> {
    Router::new()
        .route("/cases", get(cases::case_list))
        .route("/cases/{case_id}", get(cases::case_page))
        .route(
            "/cases/{case_id}/withdraw",
            get(cases::withdraw_page).post(cases::withdraw),
        )
        .route(
            "/cases/{case_id}/cancel",
            get(cancel::cancel_page).post(cancel::cancel),
        )
        .route("/cases/{case_id}/resubmit", post(cases::resubmit))
        .route(
            "/cases/{case_id}/appointment",
            get(appointment::appointment_page).post(appointment::choose),
        )
        .route(
            "/cases/{case_id}/appointment/confirm",
            post(appointment::confirm),
        )
        .route(
            "/cases/{case_id}/appointment/cancel",
            post(appointment::cancel),
        )
        .route("/account", get(account::account_page))
        .route("/account/profile", post(account::update_profile))
        .route("/account/language", post(account::update_language))
        .route("/account/password", post(account::change_password))
        .route(
            "/account/sessions/{session_id}/revoke",
            post(account::revoke_session),
        )
        .route(
            "/forgot-password",
            get(password_reset::forgot_form).post(password_reset::forgot),
        )
        .route(
            "/reset-password",
            get(password_reset::reset_form).post(password_reset::reset),
        )
        .route("/applicants", get(applicants::list))
        .route(
            "/applicants/new",
            get(applicants::new_form).post(applicants::create),
        )
        .route(
            "/applicants/{applicant_id}/edit",
            get(applicants::edit_form).post(applicants::update),
        )
        .route(
            "/applicants/{applicant_id}/remove",
            get(applicants::remove_page).post(applicants::remove),
        )
        .route("/addresses", get(addresses::list))
        .route(
            "/addresses/new",
            get(addresses::new_form).post(addresses::create),
        )
        .route(
            "/addresses/{address_id}/edit",
            get(addresses::edit_form).post(addresses::update),
        )
        .route(
            "/addresses/{address_id}/default",
            post(addresses::make_default),
        )
        .route(
            "/addresses/{address_id}/remove",
            get(addresses::remove_page).post(addresses::remove),
        )
        .route("/courier", get(courier::courier_page))
        .route(
            "/register",
            get(registration::register_form).post(registration::register),
        )
        .route(
            "/activate",
            get(registration::activate_form).post(registration::activate),
        )
        .route("/payments", get(payments::payments_page))
        .route("/payments/quote", post(payments::quote))
        .route("/payments/start", post(payments::start))
        .route("/payments/return", get(payments::returned))
        .route("/payments/{payment_id}", get(payments::payment_page))
        .route("/documents", get(documents::documents_page))
        .route("/documents/{document_id}", get(documents::download))
        .route("/messages", get(messages::list))
        .route("/messages/read-all", post(messages::read_all))
        .route("/messages/{message_id}", get(messages::message_page))
        .route("/apply", get(apply::types_page))
        .route(
            "/apply/{application_type}",
            get(apply::start_page).post(apply::start),
        )
        .route(
            "/cases/{case_id}/form",
            get(apply::form_page).post(apply::save_form),
        )
        .route("/cases/{case_id}/documents", get(apply::documents_page))
        .route(
            "/cases/{case_id}/documents/{document_id}/delete",
            post(apply::delete_document),
        )
        .route("/cases/{case_id}/check", get(apply::check_page))
        .route("/cases/{case_id}/submit", post(apply::submit))
        .route("/cases/{case_id}/receipt", get(apply::receipt_page))
}

/// The upload of a document's file, below `/portal/{agency}/{portal}`:
/// its own body limit, so it is routed apart.
pub fn upload_routes() -> Router<Core> {
    Router::new().route(
        "/cases/{case_id}/documents/{requirement}",
        post(apply::upload),
    )
}
