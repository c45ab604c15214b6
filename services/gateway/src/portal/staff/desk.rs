//! The way into the staff portal's pages for the roles a page is for:
//! a visitor goes to the staff sign-in, a session of another portal,
//! agency or role gets the refusal page (GET and POST alike), and the
//! pages of an applicant portal under the same path do not exist. POSTs
//! check the session's CSRF token before anything else happens.

use std::marker::PhantomData;

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use laissez_kit::Role;
use maud::{Markup, html};

use crate::core::credentials::Credentials;
use crate::core::csrf::CSRF_FORM_FIELD;
use crate::core::problem::ApiError;
use crate::core::{Caller, Core};
use crate::portal::shell::error::{Audience, PortalError, Refusal};
use crate::portal::shell::i18n::Lang;
use crate::portal::shell::locale::texts;
use crate::portal::shell::page::{Language, lang_suffix, page};
use crate::portal::shell::request::{CsrfToken, SitePath, place};
use crate::portal::shell::site::Site;
use crate::portal::shell::site::{STAFF_PORTAL, find_staff};
use crate::portal::shell::view::{self, Frame};

/// A signed-in staff member's visit to one of the agency's staff pages.
pub(crate) struct Desk {
    pub(crate) language: Language,
    pub(crate) site: Site,
    pub(crate) caller: Caller,
    /// The page's address, as the visitor asked for it.
    pub(crate) uri: Uri,
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

    /// [`Desk::link`] with `pairs` added to its query, form-encoded.
    pub(crate) fn link_with(&self, uri: &Uri, path: &str, pairs: &[(&str, &str)]) -> String {
        let link = self.link(uri, path);
        let separator = if link.contains('?') { '&' } else { '?' };
        let query = serde_urlencoded::to_string(pairs).unwrap_or_default();
        format!("{link}{separator}{query}")
    }

    /// A service's refusal of this staff page.
    pub(crate) fn refused(&self, status: &tonic::Status) -> PortalError {
        PortalError::from_status(
            status,
            Audience::Staff,
            self.language,
            &self.uri,
            &self.site,
        )
    }
}

/// The roles a staff page is for.
pub(crate) trait Roles {
    const ROLES: &'static [Role];
}

/// The review pages: reviewers and senior reviewers.
pub(crate) struct Reviewers;

impl Roles for Reviewers {
    const ROLES: &'static [Role] = &[Role::Reviewer, Role::SeniorReviewer];
}

/// The agency administrator's pages.
pub(crate) struct Admins;

impl Roles for Admins {
    const ROLES: &'static [Role] = &[Role::AgencyAdmin];
}

/// The counter desk: the counter (cashier) of a service centre.
pub(crate) struct Counter;

impl Roles for Counter {
    const ROLES: &'static [Role] = &[Role::Counter];
}

/// A GET of a staff page for the roles `R`: the desk, or the refusal.
pub(crate) struct Staff<R>(pub(crate) Desk, pub(crate) PhantomData<R>);

/// A POST of a staff page for the roles `R`: the desk and the body (a
/// form, or an upload), after
/// the session's CSRF token (checked before anything else happens).
pub(crate) struct StaffPosted<R, T>(pub(crate) Desk, pub(crate) T, pub(crate) PhantomData<R>);

/// The page's address, language and staff portal, or the 404 (an
/// applicant portal has no staff pages).
async fn staff_place(parts: &mut Parts, core: &Core) -> Result<(Uri, Language, Site), PortalError> {
    let (uri, path) = place(parts, core).await;
    let language = Language::of(&uri, &parts.headers);
    let Some(SitePath { agency, portal: _ }) = path.filter(|path| path.portal == STAFF_PORTAL)
    else {
        return Err(PortalError::new(Refusal::NotFound, language, &uri, None));
    };
    let site = find_staff(core, &agency)
        .await
        .map_err(|lookup| PortalError::lookup(lookup, language, &uri))?;
    Ok((uri, language, site))
}

/// The caller holds one of `roles` on this very staff portal, or the refusal.
fn admit(
    language: Language,
    uri: Uri,
    site: Site,
    caller: Caller,
    roles: &[Role],
) -> Result<Desk, PortalError> {
    let signed_in = &caller.signed_in;
    if signed_in.agency != site.agency
        || signed_in.portal != site.portal
        || !signed_in.roles.iter().any(|role| roles.contains(role))
    {
        return Err(PortalError::new(
            Refusal::Forbidden,
            language,
            &uri,
            Some(&site),
        ));
    }
    Ok(Desk {
        language,
        site,
        caller,
        uri,
    })
}

impl<R: Roles> FromRequestParts<Core> for Staff<R> {
    type Rejection = PortalError;

    async fn from_request_parts(parts: &mut Parts, core: &Core) -> Result<Self, PortalError> {
        let (uri, language, site) = staff_place(parts, core).await?;
        let credentials = core.credentials(&parts.headers);
        let Credentials::Cookie(token) = &credentials else {
            return Err(PortalError::new(
                Refusal::SignIn,
                language,
                &uri,
                Some(&site),
            ));
        };
        let Ok(signed_in) = core.sessions.exchange(token).await else {
            return Err(PortalError::new(
                Refusal::SignIn,
                language,
                &uri,
                Some(&site),
            ));
        };
        let caller = Caller {
            credentials,
            signed_in,
        };
        admit(language, uri, site, caller, R::ROLES).map(|desk| Staff(desk, PhantomData))
    }
}

impl<R, T> FromRequest<Core> for StaffPosted<R, T>
where
    R: Roles,
    T: FromRequest<Core> + CsrfToken + Send,
{
    type Rejection = Response;

    async fn from_request(request: Request, core: &Core) -> Result<Self, Response> {
        let (mut parts, body) = request.into_parts();
        let (uri, language, site) = staff_place(&mut parts, core)
            .await
            .map_err(IntoResponse::into_response)?;
        let refuse =
            |refusal| PortalError::new(refusal, language, &uri, Some(&site)).into_response();
        if !core.credentials(&parts.headers).is_cookie() {
            return Err(refuse(Refusal::SignIn));
        }
        let headers = parts.headers.clone();
        let form = T::from_request(Request::from_parts(parts, body), core)
            .await
            .map_err(IntoResponse::into_response)?;
        let caller = match core
            .signed_in(&Method::POST, &headers, Some(form.csrf_token()))
            .await
        {
            Ok(caller) => caller,
            Err(ApiError::Forbidden(_)) => return Err(refuse(Refusal::Forbidden)),
            Err(_) => return Err(refuse(Refusal::SignIn)),
        };
        admit(language, uri, site, caller, R::ROLES)
            .map(|desk| StaffPosted(desk, form, PhantomData))
            .map_err(IntoResponse::into_response)
    }
}

texts! {
    /// The staff header's links.
    pub struct Nav, fn nav, "staff-nav" {
        staff_pages,
        review,
        counter,
        appointments,
        catalog,
        announcements,
    }
}

/// The header of a staff page: a link to each staff area `roles` open
/// (the review queues for reviewers, the counter desk for the counter,
/// the admin pages for agency admins),
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
    let counter = roles.contains(&Role::Counter);
    let nav = nav(lang);
    let link = |path: &str| format!("{}{path}{}", site.base_path(), lang_suffix(uri));
    html! {
        @if reviewer || admin || counter {
            nav.account aria-label=(nav.staff_pages) {
                ul {
                    @if reviewer {
                        li { a href=(link("review")) { (nav.review) } }
                    }
                    @if counter {
                        li { a href=(link("counter")) { (nav.counter) } }
                    }
                    @if counter || admin {
                        li { a href=(link("appointments")) { (nav.appointments) } }
                    }
                    @if admin {
                        li { a href=(link("admin/catalog")) { (nav.catalog) } }
                        li { a href=(link("admin/announcements")) { (nav.announcements) } }
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
