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

use axum::extract::OriginalUri;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use maud::html;

use crate::core::Core;
use crate::portal::shell::i18n::Lang;
use crate::portal::staff::desk::{Admins, Staff, layout};

/// The texts the administrator's pages share.
pub struct Texts {
    pub admin_title: &'static str,
    pub admin_intro: &'static str,
    pub catalog_title: &'static str,
    pub catalog_summary: &'static str,
    pub announcements_title: &'static str,
    pub announcements_summary: &'static str,
    pub reconciliation_title: &'static str,
    pub reconciliation_summary: &'static str,
    pub documents_title: &'static str,
    pub documents_summary: &'static str,
}

static ZH_HANT: Texts = Texts {
    admin_title: "機關管理",
    admin_intro: "管理本機關的申請目錄與公告。",
    catalog_title: "申請目錄",
    catalog_summary: "已發布的版本、檢查並發布新版本。",
    announcements_title: "公告管理",
    announcements_summary: "首頁公告的新增、修改與刪除。",
    reconciliation_title: "對帳",
    reconciliation_summary: "金流業者每日清算檔與帳務紀錄的比對結果。",
    documents_title: "核發文件",
    documents_summary: "依收件號查詢文件、撤銷或以目前的範本重新產製。",
};

static ZH_HANS: Texts = Texts {
    admin_title: "机关管理",
    admin_intro: "管理本机关的申请目录与公告。",
    catalog_title: "申请目录",
    catalog_summary: "已发布的版本、检查并发布新版本。",
    announcements_title: "公告管理",
    announcements_summary: "首页公告的新增、修改与删除。",
    reconciliation_title: "对账",
    reconciliation_summary: "支付机构每日清算文件与账务记录的比对结果。",
    documents_title: "核发文件",
    documents_summary: "依收件号查询文件、撤销或以当前的模板重新生成。",
};

static EN: Texts = Texts {
    admin_title: "Agency administration",
    admin_intro: "Manage the agency's catalog and announcements.",
    catalog_title: "Catalog",
    catalog_summary: "Published versions; validate and publish a new one.",
    announcements_title: "Announcements",
    announcements_summary: "Add, change and remove the notice board's announcements.",
    reconciliation_title: "Reconciliation",
    reconciliation_summary: "Each payment provider's daily settlement file against the ledger.",
    documents_title: "Issued documents",
    documents_summary: "Find documents by receipt number; revoke one or render it again with the current templates.",
};

pub fn texts(lang: Lang) -> &'static Texts {
    match lang {
        Lang::ZhHant => &ZH_HANT,
        Lang::ZhHans => &ZH_HANS,
        Lang::En => &EN,
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
