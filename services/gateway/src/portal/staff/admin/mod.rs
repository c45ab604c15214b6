//! The agency administrator's pages on the staff portal
//! (`/portal/{agency}/staff/admin…`): the agency's catalog versions with
//! validating and publishing a new one (`admin_catalog`), and the notice
//! board's announcements (`admin_announcements`), and the reconciliation
//! of the payment providers' settlement files (`admin_reconciliation`),
//! and the issued documents with revoking and re-rendering
//! (`admin_documents`).
//! Only a signed-in agency administrator of this agency's staff portal
//! gets them.

pub mod announcements;
pub mod catalog;
pub mod documents;
pub mod reconciliation;

use crate::portal::shell::locale::texts;
use axum::extract::OriginalUri;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use maud::html;

use crate::core::Core;
use crate::portal::staff::desk::{Admins, Staff, layout};

texts! {
    /// The texts the administrator's pages share.
    pub struct Texts, fn texts, "admin-desk" {
        admin_title,
        admin_intro,
        catalog_title,
        catalog_summary,
        announcements_title,
        announcements_summary,
        reconciliation_title,
        reconciliation_summary,
        documents_title,
        documents_summary,
    }
}

/// `GET /portal/{agency}/staff/admin`: where the administrator's pages are.
pub async fn home(
    State(core): State<Core>,
    Staff(desk, _): Staff<Admins>,
    OriginalUri(uri): OriginalUri,
) -> Response {
    let texts = texts(desk.lang());
    let content = html! {
        p { (texts.admin_intro) }
        ul.admin-pages {
            li { a href=(desk.link(&uri, "admin/catalog")) { (texts.catalog_title) } " · " (texts.catalog_summary) }
            li { a href=(desk.link(&uri, "admin/announcements")) { (texts.announcements_title) } " · " (texts.announcements_summary) }
            li { a href=(desk.link(&uri, "admin/reconciliation")) { (texts.reconciliation_title) } " · " (texts.reconciliation_summary) }
            li { a href=(desk.link(&uri, "admin/documents")) { (texts.documents_title) } " · " (texts.documents_summary) }
        }
    };
    layout(
        &core,
        &desk,
        &uri,
        StatusCode::OK,
        texts.admin_title,
        content,
    )
}
