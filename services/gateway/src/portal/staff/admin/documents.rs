//! The agency administrator's documents page
//! (`/portal/{agency}/staff/admin/documents`): the documents issued for a
//! receipt number, each with its version and state, and the two staff
//! actions render keeps for them: revoking one (its seal then verifies as
//! revoked) and laying it out again with the current templates (a new
//! version; the old one is kept). Both need a reason, which render records.

use axum::Form;
use axum::extract::{OriginalUri, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use laissez_proto::render::v1::{
    ListDocumentsRequest, RenderedDocument, RerenderDocumentRequest, RevokeDocumentRequest,
};
use maud::html;
use serde::Deserialize;

use crate::core::Core;
use crate::core::csrf::CSRF_FORM_FIELD;
use crate::portal::applicant::parts::when;
use crate::portal::shell::i18n::Lang;
use crate::portal::shell::problems::{self, Problem};
use crate::portal::shell::request::{csrf_token_field, query_value};
use crate::portal::staff::desk::{Admins, Desk, Staff, StaffPosted, layout};

/// Longest reason render keeps.
const REASON_CHARS: usize = 500;

pub struct Texts {
    pub title: &'static str,
    pub intro: &'static str,
    pub receipt: &'static str,
    pub find: &'static str,
    pub none: &'static str,
    pub kind: &'static str,
    pub number: &'static str,
    pub rendered: &'static str,
    pub version: &'static str,
    pub state: &'static str,
    pub valid: &'static str,
    pub revoked: &'static str,
    pub reason: &'static str,
    pub revoke: &'static str,
    pub rerender: &'static str,
    pub done_revoked: &'static str,
    pub done_rerendered: &'static str,
    pub err_reason: &'static str,
    pub err_template: &'static str,
}

static ZH_HANT: Texts = Texts {
    title: "核發文件",
    intro: "依收件號查詢已核發的文件。撤銷後，文件的防偽碼驗證結果為「已撤銷」；重新產製以目前的範本產生新版本，舊版本保留。兩者都須填寫原因。",
    receipt: "收件號",
    find: "查詢",
    none: "此收件號沒有核發文件。",
    kind: "文件",
    number: "號碼",
    rendered: "產製時間",
    version: "版本",
    state: "狀態",
    valid: "有效",
    revoked: "已撤銷",
    reason: "原因",
    revoke: "撤銷",
    rerender: "重新產製",
    done_revoked: "文件已撤銷。",
    done_rerendered: "已以目前的範本重新產製，舊版本已保留。",
    err_reason: "請填寫原因（500 字以內）",
    err_template: "此文件目前無法重新產製：目前的申請目錄不再核發此文件，或範本無法產製。",
};

static ZH_HANS: Texts = Texts {
    title: "核发文件",
    intro: "依收件号查询已核发的文件。撤销后，文件的防伪码验证结果为“已撤销”；重新生成以当前的模板生成新版本，旧版本保留。两者都须填写原因。",
    receipt: "收件号",
    find: "查询",
    none: "此收件号没有核发文件。",
    kind: "文件",
    number: "号码",
    rendered: "生成时间",
    version: "版本",
    state: "状态",
    valid: "有效",
    revoked: "已撤销",
    reason: "原因",
    revoke: "撤销",
    rerender: "重新生成",
    done_revoked: "文件已撤销。",
    done_rerendered: "已以当前的模板重新生成，旧版本已保留。",
    err_reason: "请填写原因（500 字以内）",
    err_template: "此文件当前无法重新生成：当前的申请目录不再核发此文件，或模板无法生成。",
};

static EN: Texts = Texts {
    title: "Issued documents",
    intro: "Find the documents issued for a receipt number. A revoked document's seal verifies as revoked; re-rendering lays it out again with the current templates as a new version and keeps the old one. Both need a reason.",
    receipt: "Receipt number",
    find: "Find",
    none: "No document was issued for this receipt number.",
    kind: "Document",
    number: "Number",
    rendered: "Rendered",
    version: "Version",
    state: "State",
    valid: "Valid",
    revoked: "Revoked",
    reason: "Reason",
    revoke: "Revoke",
    rerender: "Re-render",
    done_revoked: "The document is revoked.",
    done_rerendered: "Rendered again with the current templates; the old version is kept.",
    err_reason: "Give a reason (at most 500 characters)",
    err_template: "This document cannot be rendered again: the current catalog no longer issues it, or its template does not lay it out.",
};

pub fn texts(lang: Lang) -> &'static Texts {
    match lang {
        Lang::ZhHant => &ZH_HANT,
        Lang::ZhHans => &ZH_HANS,
        Lang::En => &EN,
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ActionForm {
    csrf_token: String,
    receipt: String,
    reason: String,
}

csrf_token_field!(ActionForm);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Revoke,
    Rerender,
}

/// `GET /portal/{agency}/staff/admin/documents[?receipt=…]`.
pub async fn page(
    State(core): State<Core>,
    Staff(desk, _): Staff<Admins>,
    OriginalUri(uri): OriginalUri,
) -> Response {
    let receipt = query_value(&uri, "receipt").unwrap_or_default();
    let done = query_value(&uri, "done").unwrap_or_default();
    render(&core, &desk, StatusCode::OK, receipt.trim(), &done, &[]).await
}

/// `POST …/admin/documents/{document_id}/revoke`.
pub async fn revoke(
    State(core): State<Core>,
    Path((_, _, document_id)): Path<(String, String, String)>,
    StaffPosted(desk, Form(form), _): StaffPosted<Admins, Form<ActionForm>>,
) -> Response {
    act(&core, &desk, &document_id, &form, Action::Revoke).await
}

/// `POST …/admin/documents/{document_id}/rerender`.
pub async fn rerender(
    State(core): State<Core>,
    Path((_, _, document_id)): Path<(String, String, String)>,
    StaffPosted(desk, Form(form), _): StaffPosted<Admins, Form<ActionForm>>,
) -> Response {
    act(&core, &desk, &document_id, &form, Action::Rerender).await
}

async fn act(
    core: &Core,
    desk: &Desk,
    document_id: &str,
    form: &ActionForm,
    action: Action,
) -> Response {
    let texts = texts(desk.lang());
    let receipt = form.receipt.trim();
    let reason = form.reason.trim();
    if reason.is_empty() || reason.chars().count() > REASON_CHARS {
        let problem = Problem::new("reason", texts.err_reason);
        return render(
            core,
            desk,
            StatusCode::UNPROCESSABLE_ENTITY,
            receipt,
            "",
            &[problem],
        )
        .await;
    }
    let mut client = core.upstreams.render();
    let token = Some(desk.caller.token());
    let answer = match action {
        Action::Revoke => {
            client
                .revoke_document(core.upstreams.request(
                    RevokeDocumentRequest {
                        document_id: document_id.to_owned(),
                        reason: reason.to_owned(),
                    },
                    token,
                ))
                .await
        }
        Action::Rerender => {
            client
                .rerender_document(core.upstreams.request(
                    RerenderDocumentRequest {
                        document_id: document_id.to_owned(),
                        reason: reason.to_owned(),
                    },
                    token,
                ))
                .await
        }
    };
    match answer {
        Ok(_) => {
            let done = match action {
                Action::Revoke => "revoked",
                Action::Rerender => "rerendered",
            };
            Redirect::to(&desk.link_with(
                &desk.uri,
                "admin/documents",
                &[("receipt", receipt), ("done", done)],
            ))
            .into_response()
        }
        Err(status) => {
            let problem = match status.code() {
                tonic::Code::InvalidArgument
                    if laissez_kit::error::field_errors(&status)
                        .iter()
                        .any(|error| error.field == "reason") =>
                {
                    Problem::new("reason", texts.err_reason)
                }
                tonic::Code::FailedPrecondition if action == Action::Rerender => {
                    Problem::new("reason", texts.err_template)
                }
                _ => return desk.refused(&status).into_response(),
            };
            render(
                core,
                desk,
                StatusCode::UNPROCESSABLE_ENTITY,
                receipt,
                "",
                &[problem],
            )
            .await
        }
    }
}

async fn render(
    core: &Core,
    desk: &Desk,
    status: StatusCode,
    receipt: &str,
    done: &str,
    problems: &[Problem],
) -> Response {
    let lang = desk.lang();
    let texts = texts(lang);
    let documents = if receipt.is_empty() {
        Vec::new()
    } else {
        let listed = core
            .upstreams
            .render()
            .list_documents(core.upstreams.request(
                ListDocumentsRequest {
                    receipt_number: receipt.to_owned(),
                    language: lang.tag().to_owned(),
                    ..Default::default()
                },
                Some(desk.caller.token()),
            ))
            .await;
        match listed {
            Ok(listed) => listed.into_inner().documents,
            Err(status) => return desk.refused(&status).into_response(),
        }
    };
    let notice = match done {
        "revoked" => Some(texts.done_revoked),
        "rerendered" => Some(texts.done_rerendered),
        _ => None,
    };
    let search = desk.link(&desk.uri, "admin/documents");
    let content = html! {
        @if !problems.is_empty() { (problems::summary(lang, problems)) }
        @if let Some(notice) = notice { p.notice #done role="status" { (notice) } }
        p { (texts.intro) }
        form #find-documents method="get" action=(search) {
            @if let Some(lang) = crate::portal::shell::i18n::from_query(&desk.uri) {
                input type="hidden" name="lang" value=(lang.tag());
            }
            (problems::input("receipt", texts.receipt, "text", receipt, None, &[]))
            div.actions { button.primary type="submit" { (texts.find) } }
        }
        @if !receipt.is_empty() && documents.is_empty() {
            p #no-documents { (texts.none) }
        }
        @for document in &documents { (section(core, desk, lang, receipt, document)) }
    };
    layout(core, desk, &desk.uri, status, texts.title, content)
}

fn section(
    core: &Core,
    desk: &Desk,
    lang: Lang,
    receipt: &str,
    document: &RenderedDocument,
) -> maud::Markup {
    let texts = texts(lang);
    let name = document
        .file_name
        .strip_suffix(".pdf")
        .unwrap_or(&document.file_name);
    let action = |verb: &str| {
        desk.link(
            &desk.uri,
            &format!("admin/documents/{}/{verb}", document.document_id),
        )
    };
    html! {
        section.document id=(format!("document-{}", document.document_id)) {
            h2 { (name) }
            dl.govuk-summary-list {
                div.govuk-summary-list__row {
                    dt.govuk-summary-list__key { (texts.kind) }
                    dd.govuk-summary-list__value { (document.kind) }
                }
                div.govuk-summary-list__row {
                    dt.govuk-summary-list__key { (texts.number) }
                    dd.govuk-summary-list__value { (document.number) }
                }
                div.govuk-summary-list__row {
                    dt.govuk-summary-list__key { (texts.rendered) }
                    dd.govuk-summary-list__value { (when(&desk.site, document.rendered_at.as_ref()).unwrap_or_default()) }
                }
                div.govuk-summary-list__row {
                    dt.govuk-summary-list__key { (texts.version) }
                    dd.govuk-summary-list__value.version { (document.version) }
                }
                div.govuk-summary-list__row {
                    dt.govuk-summary-list__key { (texts.state) }
                    dd.govuk-summary-list__value.state { (if document.revoked { texts.revoked } else { texts.valid }) }
                }
            }
            @for (verb, label, shown) in [
                ("rerender", texts.rerender, !document.revoked),
                ("revoke", texts.revoke, !document.revoked),
            ] {
                @if shown {
                    form.document-action method="post" action=(action(verb)) novalidate {
                        input type="hidden" name=(CSRF_FORM_FIELD) value=(desk.csrf_token(core));
                        input type="hidden" name="receipt" value=(receipt);
                        @let id = format!("reason-{verb}-{}", document.document_id);
                        div.field {
                            label for=(id) { (texts.reason) }
                            input id=(id) name="reason" type="text" maxlength=(REASON_CHARS) required;
                        }
                        div.actions { button type="submit" { (label) } }
                    }
                }
            }
        }
    }
}
