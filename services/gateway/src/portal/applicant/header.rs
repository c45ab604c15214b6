//! The header of every signed-in applicant page: where to go (with the
//! message centre's unread count) and the sign-out form.

use axum::http::Uri;
use laissez_proto::notify::v1::GetUnreadCountRequest;
use laissez_proto::notify::v1::notify_service_client::NotifyServiceClient;
use maud::{Markup, html};
use tonic::transport::Channel;

use crate::core::csrf::CSRF_FORM_FIELD;
use crate::core::upstream::Upstream;
use crate::core::{Caller, Core};
use crate::portal::shell::i18n::Lang;
use crate::portal::shell::locale::texts;
use crate::portal::shell::page::lang_suffix;
use crate::portal::shell::site::Site;

/// How long a page waits for the header's unread count.
const UNREAD_COUNT_TIMEOUT: std::time::Duration = std::time::Duration::from_millis(500);

texts! {
    /// The header's links.
    pub struct Nav, fn nav, "nav" {
        apply,
        applicants,
        account,
        payments,
        documents,
        addresses,
        courier,
        messages,
        unread,
    }
}

pub(crate) fn notify_client(core: &Core) -> NotifyServiceClient<Channel> {
    NotifyServiceClient::new(core.upstreams.channel(Upstream::Notify))
}

/// The caller's unread messages, for the header; `None` when notify does
/// not answer within [`UNREAD_COUNT_TIMEOUT`] (the header then shows the
/// link without a count, and the page is not held up by notify). A count
/// is reused for [`crate::core::UNREAD_COUNT_REUSE`] (a new message shows
/// that much later; reading messages here forgets it at once), so a busy
/// user's pages do not each cost a call to notify.
pub(crate) async fn unread_count(core: &Core, caller: &Caller) -> Option<u64> {
    let account = &caller.signed_in.account_id;
    if let Some(count) = core.unread_counts.get(account) {
        return Some(count);
    }
    let mut client = notify_client(core);
    let call = client.get_unread_count(
        core.upstreams
            .request(GetUnreadCountRequest {}, Some(caller.token())),
    );
    match tokio::time::timeout(UNREAD_COUNT_TIMEOUT, call).await {
        Ok(Ok(answer)) => {
            let count = answer.into_inner().unread;
            core.unread_counts.insert(account.clone(), count);
            Some(count)
        }
        Ok(Err(status)) => {
            tracing::debug!(code = ?status.code(), "no unread count");
            None
        }
        Err(_) => {
            tracing::debug!("notify was too slow for the unread count");
            None
        }
    }
}

/// The header's link to the message centre, with the unread count.
pub(crate) fn header_link(lang: Lang, href: &str, unread: Option<u64>) -> Markup {
    let texts = nav(lang);
    html! {
        a href=(href) {
            (texts.messages)
            @if let Some(unread) = unread.filter(|count| *count > 0) {
                " " span.badge.unread-count { (unread) } " "
                span.unread-label { (texts.unread) }
            }
        }
    }
}

/// The header of a signed-in page: where to go, and the sign-out form.
pub(crate) fn signed_in_header(
    core: &Core,
    site: &Site,
    uri: &Uri,
    caller: &Caller,
    lang: Lang,
    unread: Option<u64>,
) -> Markup {
    let messages = lang.messages();
    let base = site.base_path();
    let suffix = lang_suffix(uri);
    let logout_action = format!("{base}logout{suffix}");
    html! {
        nav.account aria-label=(messages.my_applications) {
            ul {
                li { a href=(format!("{base}{suffix}")) { (messages.dashboard) } }
                li { a #nav-apply href=(format!("{base}apply{suffix}")) { (nav(lang).apply) } }
                li { a href=(format!("{base}cases{suffix}")) { (messages.all_cases) } }
                li { a href=(format!("{base}applicants{suffix}")) { (nav(lang).applicants) } }
                li { a #nav-payments href=(format!("{base}payments{suffix}")) { (nav(lang).payments) } }
                li { a #nav-documents href=(format!("{base}documents{suffix}")) { (nav(lang).documents) } }
                @if site.offers_courier() {
                    li { a #nav-courier href=(format!("{base}courier{suffix}")) { (nav(lang).courier) } }
                    li { a #nav-addresses href=(format!("{base}addresses{suffix}")) { (nav(lang).addresses) } }
                }
                li { a href=(format!("{base}account{suffix}")) { (nav(lang).account) } }
                li { (header_link(lang, &format!("{base}messages{suffix}"), unread)) }
            }
        }
        form.sign-out method="post" action=(logout_action) {
            input type="hidden" name=(CSRF_FORM_FIELD) value=(core.csrf_token(caller.session_token()));
            div.checkbox {
                input #everywhere type="checkbox" name="everywhere" value="1";
                label for="everywhere" { (messages.sign_out_everywhere) }
            }
            button.secondary type="submit" { (messages.sign_out) }
        }
    }
}
