//! The applicant's message centre: the in-app messages notify keeps for
//! the account (after a submission, a decision, a withdrawal…), newest
//! first, a page at a time (notify's cursor: "next" and "back to the
//! newest"), optionally only the unread ones; one message on its own page,
//! which marks it read; and "mark all as read". The header of every
//! signed-in page shows the unread count (notify `GetUnreadCount`).
//!
//! Notify scopes everything to the caller's account and agency: another
//! account's message reads exactly like one that does not exist.

use crate::portal::TokenForm;
use axum::extract::OriginalUri;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use laissez_proto::notify::v1::{
    InAppMessage, ListMessagesRequest, ListMessagesResponse, MarkReadRequest,
};
use maud::html;
use serde::Deserialize;

use crate::core::csrf::CSRF_FORM_FIELD;
use crate::core::{Caller, Core};
use crate::portal::applicant::header::notify_client;
use crate::portal::applicant::parts::when;
use crate::portal::applicant::visit::{Posted, Visit, layout};
use crate::portal::shell::locale::texts;
use crate::portal::shell::page::{lang_suffix, lookup_failed};
use crate::portal::shell::site::Lookup;
use crate::portal::shell::view::{self, FormError};

/// Messages per page of the list.
const PAGE_SIZE: u32 = 10;
/// Notify's largest page, used when looking for one message.
const SEARCH_PAGE_SIZE: u32 = 100;
/// Pages searched for one message (the newest 2,000 messages).
const SEARCH_PAGES: usize = 20;

texts! {
    pub struct Texts, fn texts, "messages" {
        messages,
        intro,
        none,
        none_unread,
        subject,
        received,
        status,
        unread,
        read,
        all_messages,
        unread_only,
        mark_all_read,
        newest,
        older,
        about_case,
        back_to_messages,
        message_title,
        err_page_link,
    }
}

/// The list's query: where the page starts, and whether only unread.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    after: String,
    unread: String,
}

fn list_link(visit: &Visit, uri: &Uri, after: &str, unread: bool) -> String {
    let mut pairs = Vec::new();
    if !after.is_empty() {
        pairs.push(format!("after={after}"));
    }
    if unread {
        pairs.push("unread=1".to_owned());
    }
    if let Some(lang) = crate::portal::shell::i18n::from_query(uri) {
        pairs.push(format!("lang={}", lang.tag()));
    }
    let path = format!("{}messages", visit.site.base_path());
    if pairs.is_empty() {
        path
    } else {
        format!("{path}?{}", pairs.join("&"))
    }
}

fn message_link(visit: &Visit, uri: &Uri, message: &InAppMessage) -> String {
    format!(
        "{}messages/{}{}",
        visit.site.base_path(),
        message.message_id,
        lang_suffix(uri)
    )
}

/// `GET /portal/{agency}/{portal}/messages[?after=…][&unread=1]`.
pub async fn list(
    State(core): State<Core>,
    visit: Visit,
    OriginalUri(uri): OriginalUri,
) -> Response {
    let query = Query::<ListQuery>::try_from_uri(&uri)
        .map(|Query(query)| query)
        .unwrap_or_default();
    let unread_only = !query.unread.is_empty();
    let answer = notify_client(&core)
        .list_messages(core.upstreams.request(
            ListMessagesRequest {
                page_size: PAGE_SIZE,
                page_token: query.after.trim().to_owned(),
                unread_only,
            },
            Some(visit.caller.token()),
        ))
        .await;
    // A page link notify did not make (edited, or from another list).
    let (status, listed, bad_link) = match answer {
        Ok(answer) => (StatusCode::OK, answer.into_inner(), false),
        Err(status) if status.code() == tonic::Code::InvalidArgument => (
            StatusCode::UNPROCESSABLE_ENTITY,
            ListMessagesResponse::default(),
            true,
        ),
        Err(status) => return visit.refused(&status).into_response(),
    };
    let lang = visit.language.lang;
    let texts = texts(lang);
    let messages = lang.messages();
    let any_unread = visit.unread.is_some_and(|count| count > 0);
    let content = html! {
        @if bad_link {
            (view::error_summary(lang, &[FormError { field: "newest", message: texts.err_page_link }]))
        }
        p { (texts.intro) }
        nav.message-filter aria-label=(texts.messages) {
            ul {
                li { @if unread_only {
                    a href=(list_link(&visit, &uri, "", false)) { (texts.all_messages) }
                } @else {
                    a href=(list_link(&visit, &uri, "", false)) aria-current="page" { (texts.all_messages) }
                } }
                li { @if unread_only {
                    a href=(list_link(&visit, &uri, "", true)) aria-current="page" { (texts.unread_only) }
                } @else {
                    a href=(list_link(&visit, &uri, "", true)) { (texts.unread_only) }
                } }
            }
        }
        @if any_unread {
            form method="post" action=(format!("{}messages/read-all{}", visit.site.base_path(), lang_suffix(&uri))) {
                input type="hidden" name=(CSRF_FORM_FIELD) value=(core.csrf_token(visit.caller.session_token()));
                div.actions { button.secondary type="submit" { (texts.mark_all_read) } }
            }
        }
        @if listed.messages.is_empty() {
            p { @if unread_only { (texts.none_unread) } @else { (texts.none) } }
        } @else {
            div.table-wrap tabindex="0" { table.messages {
                thead { tr {
                    th scope="col" { (texts.subject) }
                    th scope="col" { (texts.received) }
                    th scope="col" { (texts.status) }
                } }
                tbody { @for message in &listed.messages { tr.message.unread[!message.read] {
                    td { a href=(message_link(&visit, &uri, message)) {
                        @if message.read { (message.subject) } @else { strong { (message.subject) } }
                    } }
                    td { (when(&visit.site, message.created_at.as_ref()).unwrap_or_default()) }
                    td { @if message.read { (texts.read) } @else { span.badge { (texts.unread) } } }
                } } }
            } }
        }
        nav.paging aria-label=(messages.paging) {
            ul {
                @if !query.after.is_empty() {
                    li { a #newest href=(list_link(&visit, &uri, "", unread_only)) { (texts.newest) } }
                }
                @if !listed.next_page_token.is_empty() {
                    li { a rel="next" href=(list_link(&visit, &uri, &listed.next_page_token, unread_only)) { (texts.older) } }
                }
            }
        }
    };
    layout(&core, &visit, &uri, status, texts.messages, content)
}

/// One of the caller's messages, found among the newest pages.
async fn find(
    core: &Core,
    caller: &Caller,
    message_id: &str,
) -> Result<Option<InAppMessage>, tonic::Status> {
    let mut page_token = String::new();
    for _ in 0..SEARCH_PAGES {
        let page = notify_client(core)
            .list_messages(core.upstreams.request(
                ListMessagesRequest {
                    page_size: SEARCH_PAGE_SIZE,
                    page_token: page_token.clone(),
                    unread_only: false,
                },
                Some(caller.token()),
            ))
            .await?
            .into_inner();
        if let Some(found) = page
            .messages
            .into_iter()
            .find(|message| message.message_id == message_id)
        {
            return Ok(Some(found));
        }
        if page.next_page_token.is_empty() {
            break;
        }
        page_token = page.next_page_token;
    }
    Ok(None)
}

/// `GET /portal/{agency}/{portal}/messages/{message_id}`: the message,
/// marked read.
pub async fn message_page(
    State(core): State<Core>,
    mut visit: Visit,
    Path((_, _, message_id)): Path<(String, String, String)>,
    OriginalUri(uri): OriginalUri,
) -> Response {
    let message = match find(&core, &visit.caller, &message_id).await {
        Ok(Some(message)) => message,
        Ok(None) => return lookup_failed(visit.language, &uri, Lookup::NotFound),
        Err(status) => return visit.refused(&status).into_response(),
    };
    if !message.read {
        let marked = notify_client(&core)
            .mark_read(core.upstreams.request(
                MarkReadRequest {
                    message_ids: vec![message.message_id.clone()],
                    all: false,
                },
                Some(visit.caller.token()),
            ))
            .await;
        match marked {
            // The header counted it as unread before it was opened.
            Ok(answer) => {
                core.unread_counts
                    .remove(&visit.caller.signed_in.account_id);
                let marked = answer.into_inner().marked;
                visit.unread = visit.unread.map(|count| count.saturating_sub(marked));
            }
            Err(status) => return visit.refused(&status).into_response(),
        }
    }
    let lang = visit.language.lang;
    let texts = texts(lang);
    let content = html! {
        article.message aria-labelledby="message-subject" {
            h2 #message-subject { (message.subject) }
            p.meta { time { (when(&visit.site, message.created_at.as_ref()).unwrap_or_default()) } }
            div.message-body {
                @for paragraph in message.body.split("\n\n").filter(|part| !part.trim().is_empty()) {
                    p { @for (index, line) in paragraph.lines().enumerate() {
                        @if index > 0 { br; }
                        (line)
                    } }
                }
            }
            @if !message.case_id.is_empty() {
                p { a href=(format!("{}cases/{}{}", visit.site.base_path(), message.case_id, lang_suffix(&uri))) { (texts.about_case) } }
            }
        }
        p { a href=(list_link(&visit, &uri, "", false)) { (texts.back_to_messages) } }
    };
    layout(
        &core,
        &visit,
        &uri,
        StatusCode::OK,
        texts.message_title,
        content,
    )
}

/// `POST /portal/{agency}/{portal}/messages/read-all`: every message
/// marked read, then the list (303).
pub async fn read_all(
    State(core): State<Core>,
    OriginalUri(uri): OriginalUri,
    Posted(visit, _form): Posted<TokenForm>,
) -> Response {
    let answer = notify_client(&core)
        .mark_read(core.upstreams.request(
            MarkReadRequest {
                message_ids: Vec::new(),
                all: true,
            },
            Some(visit.caller.token()),
        ))
        .await;
    match answer {
        Ok(_) => {
            core.unread_counts
                .remove(&visit.caller.signed_in.account_id);
            Redirect::to(&list_link(&visit, &uri, "", false)).into_response()
        }
        Err(status) => visit.refused(&status).into_response(),
    }
}
