//! The agency's staff portal (`staff`): identity gives every agency one,
//! whether or not its catalog lists it. Its sign-in asks for the captcha
//! and the authenticator's code; its pages are the reviewer's.

pub mod admin;
pub mod appointments;
pub mod counter;
pub mod desk;
pub mod handover;
pub mod review;
pub mod totp;

use axum::Router;
use axum::routing::{get, post};

use crate::core::Core;

/// The staff sign-in's own texts.
pub struct SignInTexts {
    pub totp_code: &'static str,
    pub totp_help: &'static str,
    pub err_totp_required: &'static str,
}

pub fn sign_in_texts(lang: crate::portal::shell::i18n::Lang) -> &'static SignInTexts {
    use crate::portal::shell::i18n::Lang;
    match lang {
        Lang::ZhHant => &SignInTexts {
            totp_code: "驗證碼（身分驗證器）",
            totp_help: "請輸入身分驗證器 App 顯示的 6 位數字。",
            err_totp_required: "請輸入身分驗證器的驗證碼",
        },
        Lang::ZhHans => &SignInTexts {
            totp_code: "验证码（身份验证器）",
            totp_help: "请输入身份验证器 App 显示的 6 位数字。",
            err_totp_required: "请输入身份验证器的验证码",
        },
        Lang::En => &SignInTexts {
            totp_code: "Authenticator code",
            totp_help: "The 6 digits your authenticator app shows.",
            err_totp_required: "Enter the code from your authenticator",
        },
    }
}

/// The staff portal's pages, below `/portal/{agency}/{portal}` (each
/// refuses a portal that is not the agency's staff portal).
pub fn routes() -> Router<Core> {
    Router::new()
        .route("/totp", get(totp::totp_page))
        .route("/totp/begin", post(totp::begin))
        .route("/totp/confirm", post(totp::confirm))
        .route("/review", get(review::queue_page))
        .route("/review/claim", post(review::claim))
        .route("/review/cases/{case_id}", get(review::case_page))
        .route("/review/cases/{case_id}/decision", post(review::decide))
        .route(
            "/review/cases/{case_id}/release",
            post(review::actions::release),
        )
        .route(
            "/review/cases/{case_id}/reassign",
            post(review::actions::reassign),
        )
        .route(
            "/review/cases/{case_id}/priority",
            post(review::actions::request_priority),
        )
        .route(
            "/review/cases/{case_id}/priority/resolve",
            post(review::actions::resolve_priority),
        )
        .route(
            "/review/cases/{case_id}/sign-off",
            post(review::actions::sign_off),
        )
        .route(
            "/review/cases/{case_id}/group-decision",
            post(review::group::decide_group),
        )
        .route("/counter", get(counter::desk_page))
        .route("/appointments", get(appointments::day_page))
        .route(
            "/appointments/attendance",
            post(appointments::record_attendance),
        )
        .route(
            "/appointments/closures",
            post(appointments::declare_closure),
        )
        .route("/counter/payments", post(counter::take_payment))
        .route("/counter/production", post(handover::complete_production))
        .route("/counter/collection", post(handover::record_collection))
        .route("/counter/dispatch", post(handover::record_dispatch))
        .route("/counter/delivery", post(handover::record_delivery))
        .route("/admin", get(admin::home))
        .route("/admin/catalog", get(admin::catalog::catalog_page))
        .route("/admin/catalog/validate", post(admin::catalog::validate))
        .route("/admin/catalog/publish", post(admin::catalog::publish))
        .route("/admin/documents", get(admin::documents::page))
        .route(
            "/admin/documents/{document_id}/revoke",
            post(admin::documents::revoke),
        )
        .route(
            "/admin/documents/{document_id}/rerender",
            post(admin::documents::rerender),
        )
        .route("/admin/announcements", get(admin::announcements::list))
        .route(
            "/admin/reconciliation",
            get(admin::reconciliation::page).post(admin::reconciliation::run),
        )
        .route(
            "/admin/announcements/new",
            get(admin::announcements::new_form).post(admin::announcements::create),
        )
        .route(
            "/admin/announcements/{announcement_id}/edit",
            get(admin::announcements::edit_form).post(admin::announcements::update),
        )
        .route(
            "/admin/announcements/{announcement_id}/delete",
            get(admin::announcements::delete_page).post(admin::announcements::delete),
        )
}
