//! The documents page: one upload form per thing the type asks for (its
//! photo and signature fields, then its documents), the files already
//! uploaded, and their removal. Files are sent as `multipart/form-data`
//! and streamed to intake part by part, never held whole; a small script
//! (`upload.js`) shows the upload's progress where scripts run.
//!
//! Every upload answers with a redirect back to this page, carrying what
//! happened as fixed codes (`?uploaded=…`, `?failed=…&reason=…`), so the
//! page reads the same with or without the script.

use crate::portal::TokenForm;
use std::sync::{Arc, Mutex};

use axum::extract::OriginalUri;
use axum::extract::multipart::Field;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use laissez_proto::intake::v1::{Case, DeleteDocumentRequest, SaveDraftRequest, UploadHeader};
use maud::html;
use serde_json::Value;
use tokio::sync::mpsc;

use crate::api::documents::{UploadFailure, send_upload};
use crate::core::Core;
use crate::core::csrf::CSRF_FORM_FIELD;
use crate::portal::applicant::apply::spec::{TypeSpec, Upload, document_name};
use crate::portal::applicant::apply::texts::Texts;
use crate::portal::applicant::apply::{
    answers_editable, case_page_path, documents_editable, see_other, step_path, step_path_with,
    texts, type_of,
};
use crate::portal::applicant::parts::{returned, size, state_of};
use crate::portal::applicant::visit::get_case;
use crate::portal::applicant::visit::{PostedCase, Visit, layout};
use crate::portal::shell::i18n::Lang;
use crate::portal::shell::page::forbidden;
use crate::portal::shell::request::query_value;

/// The most a small text part of the upload form (the CSRF token) may be.
const MAX_TEXT_PART: usize = 1024;

fn reason_text(words: &Texts, reason: &str) -> &'static str {
    match reason {
        "choose_file" => words.err_choose_file,
        "too_large" => words.err_too_large,
        "kind" => words.err_kind,
        "damaged" => words.err_damaged,
        "encrypted" => words.err_encrypted,
        "active" => words.err_active,
        "image_size" => words.err_image_size,
        "not_colour" => words.err_not_colour,
        "background" => words.err_background,
        "file_name" => words.err_file_name,
        "closed" => words.err_closed,
        _ => words.err_upload,
    }
}

/// Intake's refusal of a file as a reason [`reason_text`] tells (or `failed`).
fn reason_of(status: &tonic::Status) -> &'static str {
    match status.code() {
        tonic::Code::FailedPrecondition => "closed",
        tonic::Code::InvalidArgument => {
            let problem = laissez_kit::Problem::from_status(status);
            match problem.errors.first().map(|error| error.code.as_str()) {
                Some("too_large") => "too_large",
                Some("empty") => "choose_file",
                Some("not_accepted") => "kind",
                Some("extension_mismatch" | "polyglot" | "corrupt") => "damaged",
                Some("pdf_encrypted") => "encrypted",
                Some("pdf_active_content" | "compression_bomb") => "active",
                Some("image_too_large" | "image_dimensions") => "image_size",
                Some("not_colour") => "not_colour",
                Some("background") => "background",
                Some("unsafe_file_name") => "file_name",
                _ => "failed",
            }
        }
        _ => "failed",
    }
}

/// `GET …/cases/{case_id}/documents`.
pub async fn documents_page(
    State(core): State<Core>,
    visit: Visit,
    Path((_, _, case_id)): Path<(String, String, String)>,
    OriginalUri(uri): OriginalUri,
) -> Response {
    let case = match get_case(&core, &visit.caller, &case_id).await {
        Ok(case) => case,
        Err(status) => return visit.refused(&status).into_response(),
    };
    if !documents_editable(state_of(&case)) {
        return see_other(&case_page_path(&visit, &case.case_id, &uri));
    }
    let kind = match type_of(&visit, &uri, &case.application_type) {
        Ok(kind) => kind,
        Err(answer) => return answer,
    };
    let failed = query_value(&uri, "failed").zip(query_value(&uri, "reason"));
    let status = if failed.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let failed = failed
        .as_ref()
        .map(|(name, reason)| (name.as_str(), reason.as_str()));
    render(&core, &visit, &uri, status, &case, &kind, failed)
}

fn render(
    core: &Core,
    visit: &Visit,
    uri: &Uri,
    status: StatusCode,
    case: &Case,
    kind: &TypeSpec<'_>,
    failed: Option<(&str, &str)>,
) -> Response {
    let lang = visit.language.lang;
    let words = texts(lang);
    let uploads = kind.uploads();
    let failed = failed.filter(|(code, _)| uploads.iter().any(|upload| upload.code == *code));
    let uploaded_notice = query_value(uri, "uploaded").is_some();
    let removed_notice = query_value(uri, "removed").is_some();
    let csrf = core.csrf_token(visit.caller.session_token());
    let content = html! {
        @if let Some((code, reason)) = failed {
            div.error-summary role="alert" aria-labelledby="error-summary-title" tabindex="-1" {
                h2 #error-summary-title { (lang.messages().error_summary) }
                ul { li { a href=(format!("#file-{code}")) { (reason_text(words, reason)) } } }
            }
        }
        @if uploaded_notice { p.notice role="status" { (words.uploaded_notice) } }
        @if removed_notice { p.notice role="status" { (words.removed_notice) } }
        h2 { (kind.name().get(lang)) }
        p { (words.documents_intro) }
        @for upload in &uploads {
            (upload_section(visit, uri, case, upload, &csrf, failed, lang))
        }
        (uploaded_table(visit, uri, case, &csrf, lang))
        nav.steps {
            @if returned(state_of(case)) {
                a.button.secondary #back-to-case href=(case_page_path(visit, &case.case_id, uri)) { (words.back_to_case) }
            } @else {
                a.button.secondary #back-to-form href=(step_path(visit, &case.case_id, "form", uri)) { (words.back_to_form) }
            }
            " "
            a.button.primary #to-check href=(step_path(visit, &case.case_id, "check", uri)) { (words.to_check) }
        }
        script src="/portal/static/upload.js" defer {}
    };
    layout(core, visit, uri, status, words.documents_title, content)
}

fn upload_section(
    visit: &Visit,
    uri: &Uri,
    case: &Case,
    upload: &Upload,
    csrf: &str,
    failed: Option<(&str, &str)>,
    lang: Lang,
) -> maud::Markup {
    let words = texts(lang);
    let code = &upload.code;
    let file_id = format!("file-{code}");
    let fault = failed
        .filter(|(failed_code, _)| failed_code == code)
        .map(|(_, reason)| reason_text(words, reason));
    let has = case
        .documents
        .iter()
        .any(|document| &document.requirement == code);
    let mut name = upload.name.get(lang).to_owned();
    if upload.conditional {
        name.push_str(words.if_applicable);
    } else if !upload.required {
        name.push_str(words.optional);
    }
    let action = format!(
        "{}cases/{}/documents/{code}{}",
        visit.site.base_path(),
        case.case_id,
        crate::portal::applicant::apply::lang_suffix(uri)
    );
    html! {
        section.upload id=(format!("requirement-{code}")) aria-labelledby=(format!("upload-{code}-title")) {
            h3 id=(format!("upload-{code}-title")) {
                (name)
                @if has { " " span.badge.done { (words.uploaded) } }
            }
            p.help id=(format!("{file_id}-help")) {
                (words.accepted_kinds) ": " (upload.kinds())
                @if let Some(max) = upload.max_bytes { " · " (words.largest_file) ": " (size(max)) }
                @if let Some(note) = &upload.note { br; (note.get(lang)) }
            }
            form.upload id=(format!("upload-{code}")) method="post" action=(action)
                enctype="multipart/form-data" novalidate {
                input type="hidden" name=(CSRF_FORM_FIELD) value=(csrf);
                div.field.field-error[fault.is_some()] {
                    label for=(file_id) { (words.choose_file) }
                    @if let Some(fault) = fault {
                        p.error-message id=(format!("{file_id}-error")) { (fault) }
                    }
                    input id=(file_id) name="file" type="file" accept=(upload.accept())
                        aria-describedby=(if fault.is_some() { format!("{file_id}-help {file_id}-error") } else { format!("{file_id}-help") })
                        aria-invalid=[fault.map(|_| "true")];
                }
                progress id=(format!("progress-{code}")) max="100" value="0" hidden
                    aria-label=(words.upload_progress) {}
                p.upload-status role="status" aria-live="polite" data-label=(words.upload_progress)
                    data-failed=(words.err_upload) {}
                div.actions {
                    button.secondary id=(format!("upload-{code}-submit")) type="submit" {
                        @if has && upload.answers_field { (words.replace) } @else { (words.upload) }
                    }
                }
            }
        }
    }
}

/// Whether a document answers a photo or signature field of the case.
fn answers_a_field(case: &Case, document_id: &str) -> bool {
    serde_json::from_str::<serde_json::Map<String, Value>>(&case.answers_json).is_ok_and(
        |answers| {
            answers
                .values()
                .any(|value| value.as_str() == Some(document_id))
        },
    )
}

/// A file may be removed unless it answers a field the applicant can no
/// longer change (a supplement return keeps the answers as they are).
fn removable(case: &Case, document_id: &str) -> bool {
    answers_editable(state_of(case)) || !answers_a_field(case, document_id)
}

fn uploaded_table(visit: &Visit, uri: &Uri, case: &Case, csrf: &str, lang: Lang) -> maud::Markup {
    let words = texts(lang);
    let messages = lang.messages();
    html! {
        section aria-labelledby="uploaded-title" {
            h2 #uploaded-title { (messages.documents) }
            @if case.documents.is_empty() {
                p { (words.nothing_uploaded) }
            } @else {
                div.table-wrap tabindex="0" { table #uploaded {
                    thead { tr {
                        th scope="col" { (messages.document_type) }
                        th scope="col" { (messages.file_name) }
                        th scope="col" { (messages.file_size) }
                        th scope="col" { (words.remove) }
                    } }
                    tbody { @for document in &case.documents { tr {
                        td { (document_name(&visit.site, &case.application_type, &document.requirement, lang)) }
                        td { a href=(format!("/api/v1/cases/{}/documents/{}", case.case_id, document.document_id))
                                download=(document.file_name) { (document.file_name) } }
                        td { (size(document.size_bytes)) }
                        td {
                            @if removable(case, &document.document_id) {
                                form method="post" action=(format!("{}cases/{}/documents/{}/delete{}",
                                    visit.site.base_path(), case.case_id, document.document_id, crate::portal::applicant::apply::lang_suffix(uri))) {
                                    input type="hidden" name=(CSRF_FORM_FIELD) value=(csrf);
                                    button.secondary.delete-document id=(format!("delete-{}", document.document_id)) type="submit" {
                                        (words.remove) " " span.visually-hidden { (document.file_name) }
                                    }
                                }
                            }
                        }
                    } } }
                } }
            }
        }
    }
}

/// The documents page again, with what happened.
fn back(visit: &Visit, case_id: &str, uri: &Uri, outcome: &str) -> Response {
    see_other(&step_path_with(visit, case_id, "documents", uri, outcome))
}

/// A small text part, read whole up to [`MAX_TEXT_PART`] bytes.
async fn small_text(field: &mut Field<'_>) -> Option<String> {
    let mut text = Vec::new();
    while let Ok(Some(chunk)) = field.chunk().await {
        if text.len() + chunk.len() > MAX_TEXT_PART {
            return None;
        }
        text.extend_from_slice(&chunk);
    }
    String::from_utf8(text).ok()
}

/// `POST …/cases/{case_id}/documents/{requirement}` (multipart: the CSRF
/// token first, then `file`): streams the file to intake; a photo or
/// signature field is then answered with the new document.
pub async fn upload(
    State(core): State<Core>,
    visit: Visit,
    Path((_, _, case_id, requirement)): Path<(String, String, String, String)>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> Response {
    let plausible = !requirement.is_empty()
        && requirement.len() <= 64
        && requirement
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'-');
    if !plausible {
        return crate::portal::shell::page::not_found_page(&uri, &headers);
    }
    // The token comes first: nothing of the file is read for a forged form.
    let token = match multipart.next_field().await {
        Ok(Some(mut field)) if field.name() == Some(CSRF_FORM_FIELD) => {
            small_text(&mut field).await
        }
        _ => None,
    };
    if core
        .check_csrf(
            &visit.caller.credentials,
            &Method::POST,
            &headers,
            token.as_deref(),
        )
        .is_err()
    {
        return forbidden(visit.language, &uri, Some(&visit.site));
    }
    let case = match get_case(&core, &visit.caller, &case_id).await {
        Ok(case) => case,
        Err(status) => return visit.refused(&status).into_response(),
    };
    let state = state_of(&case);
    if !documents_editable(state) {
        return back(
            &visit,
            &case.case_id,
            &uri,
            &format!("failed={requirement}&reason=closed"),
        );
    }
    let kind = match type_of(&visit, &uri, &case.application_type) {
        Ok(kind) => kind,
        Err(answer) => return answer,
    };
    let Some(wanted) = kind
        .uploads()
        .into_iter()
        .find(|upload| upload.code == requirement)
    else {
        return crate::portal::shell::page::not_found_page(&uri, &headers);
    };
    let failed = |reason: &str| {
        back(
            &visit,
            &case.case_id,
            &uri,
            &format!("failed={}&reason={reason}", wanted.code),
        )
    };
    let mut field = match multipart.next_field().await {
        Ok(Some(field)) if field.name() == Some("file") => field,
        Ok(_) => return failed("choose_file"),
        Err(_) => return failed("failed"),
    };
    let file_name = field.file_name().unwrap_or_default().trim().to_owned();
    if file_name.is_empty() {
        return failed("choose_file");
    }
    // A photo or signature field holds one file: a new one replaces it
    // (while the answers may change; a supplement adds one beside it).
    let answers = serde_json::from_str::<Value>(&case.answers_json).unwrap_or(Value::Null);
    let replaces = answers[wanted.code.as_str()]
        .as_str()
        .filter(|id| {
            wanted.answers_field
                && answers_editable(state)
                && case.documents.iter().any(|doc| doc.document_id == *id)
        })
        .unwrap_or_default()
        .to_owned();
    let header = UploadHeader {
        case_id: case.case_id.clone(),
        requirement: wanted.code.clone(),
        file_name,
        replaces_document_id: replaces,
    };
    let (sender, receiver) = mpsc::channel::<Result<Bytes, std::io::Error>>(2);
    let pump = async move {
        loop {
            let item = match field.chunk().await {
                Ok(Some(chunk)) => Ok(chunk),
                Ok(None) => return,
                Err(error) => Err(std::io::Error::other(error.to_string())),
            };
            let stop = item.is_err();
            if sender.send(item).await.is_err() || stop {
                return;
            }
        }
    };
    let digest = Arc::new(Mutex::new(None));
    let sent = send_upload(
        &core,
        visit.caller.token(),
        header,
        tokio_stream::wrappers::ReceiverStream::new(receiver),
        core.max_upload_bytes,
        digest,
    );
    let (sent, ()) = tokio::join!(sent, pump);
    let document = match sent {
        Ok(document) => document,
        Err(UploadFailure::TooLarge) => return failed("too_large"),
        Err(UploadFailure::BrokeOff) => return failed("failed"),
        Err(UploadFailure::Refused(status)) if status.code() == tonic::Code::NotFound => {
            return visit.refused(&status).into_response();
        }
        Err(UploadFailure::Refused(status)) => return failed(reason_of(&status)),
    };
    if wanted.answers_field && answers_editable(state) {
        let mut answers = answers.as_object().cloned().unwrap_or_default();
        answers.insert(
            wanted.code.clone(),
            Value::String(document.document_id.clone()),
        );
        answer_field(&core, &visit, &case, answers).await;
    }
    back(
        &visit,
        &case.case_id,
        &uri,
        &format!("uploaded={}", wanted.code),
    )
}

/// Saves the draft with a photo or signature field's new answer. If that
/// fails the file stays uploaded, and the check page asks for it again.
async fn answer_field(
    core: &Core,
    visit: &Visit,
    case: &Case,
    answers: serde_json::Map<String, Value>,
) {
    let saved = core
        .upstreams
        .intake()
        .save_draft(core.upstreams.request(
            SaveDraftRequest {
                case_id: case.case_id.clone(),
                answers_json: Value::Object(answers).to_string(),
                express: case.express,
            },
            Some(visit.caller.token()),
        ))
        .await;
    if let Err(status) = saved {
        tracing::warn!(code = ?status.code(), "an uploaded photo could not be set as the answer");
    }
}

/// `POST …/cases/{case_id}/documents/{document_id}/delete`.
pub async fn delete_document(
    State(core): State<Core>,
    Path((_, _, _, document_id)): Path<(String, String, String, String)>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    PostedCase(visit, case, _form): PostedCase<TokenForm>,
) -> Response {
    let Some(document) = case
        .documents
        .iter()
        .find(|document| document.document_id == document_id)
    else {
        return crate::portal::shell::page::not_found_page(&uri, &headers);
    };
    if !removable(&case, &document.document_id) {
        return back(
            &visit,
            &case.case_id,
            &uri,
            &format!("failed={}&reason=closed", document.requirement),
        );
    }
    let deleted = core
        .upstreams
        .intake()
        .delete_document(core.upstreams.request(
            DeleteDocumentRequest {
                case_id: case.case_id.clone(),
                document_id: document.document_id.clone(),
            },
            Some(visit.caller.token()),
        ))
        .await;
    match deleted {
        Ok(_) => {
            // A photo field answered by this file is no longer answered.
            let mut answers =
                serde_json::from_str::<serde_json::Map<String, Value>>(&case.answers_json)
                    .unwrap_or_default();
            let before = answers.len();
            answers.retain(|_, value| value.as_str() != Some(document_id.as_str()));
            if answers.len() != before && answers_editable(state_of(&case)) {
                answer_field(&core, &visit, &case, answers).await;
            }
            back(&visit, &case.case_id, &uri, "removed=1")
        }
        Err(status) if status.code() == tonic::Code::FailedPrecondition => back(
            &visit,
            &case.case_id,
            &uri,
            &format!("failed={}&reason=closed", document.requirement),
        ),
        Err(status) => visit.refused(&status).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Why an upload failed, as the page's query names it.
    const REASONS: [&str; 9] = [
        "choose_file",
        "too_large",
        "kind",
        "damaged",
        "encrypted",
        "active",
        "image_size",
        "file_name",
        "closed",
    ];

    #[test]
    fn intake_refusals_become_fixed_reasons() {
        let refusal = |code: &str| -> tonic::Status {
            laissez_kit::ServiceError::invalid("data", code, "english").into()
        };
        assert_eq!(reason_of(&refusal("not_accepted")), "kind");
        assert_eq!(reason_of(&refusal("polyglot")), "damaged");
        assert_eq!(reason_of(&refusal("something_new")), "failed");
        assert_eq!(
            reason_of(&tonic::Status::failed_precondition("x")),
            "closed"
        );
        for reason in REASONS {
            assert_ne!(
                reason_text(texts(Lang::En), reason),
                texts(Lang::En).err_upload
            );
        }
        let uri: Uri = "/p?failed=photo&reason=kind".parse().unwrap();
        assert_eq!(query_value(&uri, "reason").as_deref(), Some("kind"));
        assert_eq!(query_value(&uri, "missing"), None);
    }
}
