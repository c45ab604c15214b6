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
use crate::portal::shell::locale::texts;
use crate::portal::shell::problems::{self, Problem};
use crate::portal::shell::request::{csrf_token_field, query_value};
use crate::portal::staff::desk::{Admins, Desk, Staff, StaffPosted, layout};

/// Longest reason render keeps.
const REASON_CHARS: usize = 500;

texts! {
    pub struct Texts, fn texts, "admin-documents" {
        title,
        intro,
        receipt,
        find,
        none,
        kind,
        number,
        rendered,
        version,
        state,
        valid,
        revoked,
        reason,
        revoke,
        rerender,
        done_revoked,
        done_rerendered,
        err_reason,
        err_template,
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
