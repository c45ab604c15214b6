//! The way into the staff portal's pages for the roles a page is for:
//! a visitor goes to the staff sign-in, a session of another portal,
//! agency or role gets the refusal page (GET and POST alike), and the
//! pages of an applicant portal under the same path do not exist. POSTs
//! check the session's CSRF token before anything else happens.

use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use laissez_kit::Role;
use maud::{Markup, html};

use crate::core::credentials::Credentials;
use crate::core::csrf::CSRF_FORM_FIELD;
use crate::core::problem::ApiError;
use crate::core::{Caller, Core};
use crate::portal::shell::i18n::Lang;
use crate::portal::shell::page::{
    Language, forbidden, lang_suffix, lookup_failed, page, to_login, unavailable,
};
use crate::portal::shell::site::{Lookup, Site};
use crate::portal::shell::view::{self, Frame};
use crate::portal::staff::{STAFF_PORTAL, find_staff};

/// A signed-in staff member's visit to one of the agency's staff pages.
pub(crate) struct Desk {
    pub(crate) language: Language,
    pub(crate) site: Site,
    pub(crate) caller: Caller,
}

impl Desk {
    pub(crate) fn lang(&self) -> Lang {
        self.language.lang
    }

    /// The CSRF token of this session, for the page's forms.
    pub(crate) fn csrf_token(&self, core: &Core) -> String {
        core.csrf_token(self.caller.session_token())
    }

    /// `{staff base}{path}` with the request's `?lang=` kept.
    pub(crate) fn link(&self, uri: &Uri, path: &str) -> String {
        format!("{}{path}{}", self.site.base_path(), lang_suffix(uri))
    }
}

/// The staff portal of `agency`, or the 404 (an applicant portal has no
/// staff pages).
async fn staff_site(
    core: &Core,
    language: Language,
    agency: &str,
    portal: &str,
    uri: &Uri,
) -> Result<Site, Response> {
    if portal != STAFF_PORTAL {
        return Err(lookup_failed(core, language, uri, Lookup::NotFound));
    }
    find_staff(core, agency)
        .await
        .map_err(|lookup| lookup_failed(core, language, uri, lookup))
}

/// The caller holds one of `roles` on this very staff portal, or the refusal.
#[allow(clippy::result_large_err)]
fn admit(
    core: &Core,
    language: Language,
    uri: &Uri,
    site: Site,
    caller: Caller,
    roles: &[Role],
) -> Result<Desk, Response> {
    let signed_in = &caller.signed_in;
    if signed_in.agency != site.agency
        || signed_in.portal != site.portal
        || !signed_in.roles.iter().any(|role| roles.contains(role))
    {
        return Err(forbidden(core, language, uri, Some(&site)));
    }
    Ok(Desk {
        language,
        site,
        caller,
    })
}

/// A GET of a staff page for `roles`.
pub(crate) async fn enter(
    core: &Core,
    agency: &str,
    portal: &str,
    uri: &Uri,
    headers: &HeaderMap,
    roles: &[Role],
) -> Result<Desk, Response> {
    let language = Language::of(uri, headers);
    let site = staff_site(core, language, agency, portal, uri).await?;
    let credentials = core.credentials(headers);
    let Credentials::Cookie(token) = &credentials else {
        return Err(to_login(&site, uri));
    };
    let Ok(signed_in) = core.sessions.exchange(token).await else {
        return Err(to_login(&site, uri));
    };
    let caller = Caller {
        credentials,
        signed_in,
    };
    admit(core, language, uri, site, caller, roles)
}

/// A POST of a staff page for `roles`: as [`enter`], after the session's
/// CSRF token.
pub(crate) async fn enter_post(
    core: &Core,
    agency: &str,
    portal: &str,
    uri: &Uri,
    headers: &HeaderMap,
    roles: &[Role],
    csrf_token: &str,
) -> Result<Desk, Response> {
    let language = Language::of(uri, headers);
    let site = staff_site(core, language, agency, portal, uri).await?;
    if !core.credentials(headers).is_cookie() {
        return Err(to_login(&site, uri));
    }
    let caller = match core
        .signed_in(&Method::POST, headers, Some(csrf_token))
        .await
    {
        Ok(caller) => caller,
        Err(ApiError::Forbidden(_)) => return Err(forbidden(core, language, uri, Some(&site))),
        Err(_) => return Err(to_login(&site, uri)),
    };
    admit(core, language, uri, site, caller, roles)
}

/// The answer to a service's refusal of a staff page: something missing
/// (or another agency's) is the 404 page, a role the service refuses the
/// 403 page, an ended session the sign-in, the rest unavailable.
pub(crate) fn refused(core: &Core, desk: &Desk, uri: &Uri, status: &tonic::Status) -> Response {
    match status.code() {
        tonic::Code::NotFound | tonic::Code::InvalidArgument => {
            lookup_failed(core, desk.language, uri, Lookup::NotFound)
        }
        tonic::Code::PermissionDenied => forbidden(core, desk.language, uri, Some(&desk.site)),
        tonic::Code::Unauthenticated => to_login(&desk.site, uri),
        code => {
            tracing::warn!(?code, "a service did not answer a staff page");
            unavailable(core, desk.language, uri, Some(&desk.site))
        }
    }
}

/// The header of a staff page: a link to each staff area `roles` open
/// (the review queues for reviewers, the admin pages for agency admins),
/// and the sign-out form of the session `session_token`.
pub(crate) fn header(
    core: &Core,
    site: &Site,
    uri: &Uri,
    lang: Lang,
    roles: &[Role],
    session_token: &str,
) -> Markup {
    let messages = lang.messages();
    let reviewer = roles
        .iter()
        .any(|role| matches!(role, Role::Reviewer | Role::SeniorReviewer));
    let admin = roles.contains(&Role::AgencyAdmin);
    let admin_texts = crate::portal::staff::admin::texts(lang);
    let link = |path: &str| format!("{}{path}{}", site.base_path(), lang_suffix(uri));
    html! {
        @if reviewer || admin {
            nav.account aria-label=(admin_texts.staff_pages) {
                ul {
                    @if reviewer {
                        li { a href=(link("review")) { (crate::portal::staff::review::texts(lang).queue_title) } }
                    }
                    @if admin {
                        li { a href=(link("admin/catalog")) { (admin_texts.catalog_title) } }
                        li { a href=(link("admin/announcements")) { (admin_texts.announcements_title) } }
                    }
                }
            }
        }
        form.sign-out method="post" action=(link("logout")) {
            input type="hidden" name=(CSRF_FORM_FIELD) value=(core.csrf_token(session_token));
            div.checkbox {
                input #everywhere type="checkbox" name="everywhere" value="1";
                label for="everywhere" { (messages.sign_out_everywhere) }
            }
            button.secondary type="submit" { (messages.sign_out) }
        }
    }
}

/// A staff page: the layout with the staff header around `content`.
pub(crate) fn layout(
    core: &Core,
    desk: &Desk,
    uri: &Uri,
    status: StatusCode,
    title: &str,
    content: Markup,
) -> Response {
    let frame = Frame {
        lang: desk.lang(),
        uri,
        site: Some(&desk.site),
        title,
    };
    page(
        core,
        desk.language,
        status,
        view::layout(
            &frame,
            header(
                core,
                &desk.site,
                uri,
                desk.lang(),
                &desk.caller.signed_in.roles,
                desk.caller.session_token(),
            ),
            content,
        ),
    )
}
