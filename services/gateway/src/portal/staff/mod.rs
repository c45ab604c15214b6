//! The agency's staff portal (`staff`): identity gives every agency one,
//! whether or not its catalog lists it. Its sign-in asks for the captcha
//! and the authenticator's code; its pages are the reviewer's.

pub mod admin;
pub mod counter;
pub mod desk;
pub mod review;
pub mod totp;

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};

use crate::core::Core;
use crate::portal::shell::i18n::Text;
use crate::portal::shell::site::{self, Lookup, Site};

/// Identity's staff portal code in every agency.
pub const STAFF_PORTAL: &str = "staff";

/// An applicant portal (`staff == false`) or the agency's staff portal.
pub async fn find_any(core: &Core, agency: &str, portal: &str) -> Result<(Site, bool), Lookup> {
    if portal != STAFF_PORTAL {
        return site::find(core, agency, portal)
            .await
            .map(|site| (site, false));
    }
    find_staff(core, agency).await.map(|site| (site, true))
}

/// The agency's staff portal.
pub async fn find_staff(core: &Core, agency: &str) -> Result<Site, Lookup> {
    if !site::plausible_code(agency) {
        return Err(Lookup::NotFound);
    }
    let catalog = site::current_catalog(core, agency).await?;
    staff_site(catalog).ok_or(Lookup::NotFound)
}

fn staff_site(catalog: Arc<serde_json::Value>) -> Option<Site> {
    let listed = catalog["portals"].as_array().and_then(|portals| {
        portals
            .iter()
            .find(|candidate| candidate["code"] == STAFF_PORTAL)
    });
    // A catalog portal of that code that is not a staff portal is not ours.
    if listed.is_some_and(|found| found["staff"].as_bool() != Some(true)) {
        return None;
    }
    let portal_name = listed
        .map(|found| Text::from_json(&found["name"]))
        .filter(|name| !name.zh_hant.is_empty() || !name.en.is_empty())
        .unwrap_or_else(|| Text {
            zh_hant: "審查人員入口".to_owned(),
            zh_hans: "审查人员入口".to_owned(),
            en: "Staff portal".to_owned(),
        });
    Some(Site {
        agency: catalog["agency"]["code"].as_str()?.to_owned(),
        portal: STAFF_PORTAL.to_owned(),
        agency_name: Text::from_json(&catalog["agency"]["name"]),
        portal_name,
        // Identity asks staff for the captcha as well as the second factor.
        captcha: true,
        login_with: "login_name".to_owned(),
        catalog,
    })
}

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
        .route("/admin", get(admin::home))
        .route("/admin/catalog", get(admin::catalog::catalog_page))
        .route("/admin/catalog/validate", post(admin::catalog::validate))
        .route("/admin/catalog/publish", post(admin::catalog::publish))
        .route("/admin/announcements", get(admin::announcements::list))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_agency_has_a_staff_portal_unless_its_catalog_says_otherwise() {
        let catalog = Arc::new(serde_json::json!({
            "agency": {"code": "fj", "name": {"en": "FJ"}},
            "portals": [{"code": "nia-app", "name": {"en": "App"}}]
        }));
        let site = staff_site(catalog).unwrap();
        assert!(site.captcha);
        assert_eq!(site.base_path(), "/portal/fj/staff/");
        let odd = Arc::new(serde_json::json!({
            "agency": {"code": "fj", "name": {"en": "FJ"}},
            "portals": [{"code": "staff", "name": {"en": "Not staff"}}]
        }));
        assert!(staff_site(odd).is_none());
    }
}
