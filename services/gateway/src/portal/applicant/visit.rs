//! Who a signed-in applicant page is for: the [`Visit`] extractor (the
//! portal, its signed-in applicant and the language, or the refusal),
//! the CSRF-checked form ([`Posted`]), and the applicant's page layout.

use axum::Form;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use laissez_proto::intake::v1::{Case, GetCaseRequest};
use maud::{Markup, html};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::core::credentials::Credentials;
use crate::core::csrf::CSRF_FORM_FIELD;
use crate::core::{Caller, Core};
use crate::portal::applicant::header::{signed_in_header, unread_count};
use crate::portal::shell::error::{Audience, PortalError, Refusal};
use crate::portal::shell::page::{Language, page};
use crate::portal::shell::request::{CsrfToken, SitePath, place};
use crate::portal::shell::site::{self, Site};
use crate::portal::shell::view::{self, Frame};

/// A signed-in page's applicant, portal and language.
pub(crate) struct Visit {
    pub(crate) language: Language,
    pub(crate) site: Site,
    pub(crate) caller: Caller,
    /// Unread messages, for the header (`None` when notify did not say).
    pub(crate) unread: Option<u64>,
    /// The page's address, as the visitor asked for it.
    pub(crate) uri: Uri,
}

impl FromRequestParts<Core> for Visit {
    type Rejection = PortalError;

    /// The portal and its signed-in applicant, or the refusal (404,
    /// unavailable, or the sign-in).
    async fn from_request_parts(parts: &mut Parts, core: &Core) -> Result<Self, PortalError> {
        let (uri, path) = place(parts, core).await;
        let language = Language::of(&uri, &parts.headers);
        let Some(SitePath { agency, portal }) = path else {
            return Err(PortalError::new(Refusal::NotFound, language, &uri, None));
        };
        let site = site::find(core, &agency, &portal)
            .await
            .map_err(|lookup| PortalError::lookup(lookup, language, &uri))?;
        let Some(caller) = applicant_of(core, &site, &parts.headers).await else {
            return Err(PortalError::new(
                Refusal::SignIn,
                language,
                &uri,
                Some(&site),
            ));
        };
        let unread = unread_count(core, &caller).await;
        Ok(Visit {
            language,
            site,
            caller,
            unread,
            uri,
        })
    }
}

impl Visit {
    /// A service's refusal of this applicant's page.
    pub(crate) fn refused(&self, status: &tonic::Status) -> PortalError {
        PortalError::from_status(
            status,
            Audience::Applicant,
            self.language,
            &self.uri,
            &self.site,
        )
    }

    /// `refusal` of this page, in the visitor's language.
    pub(crate) fn refuse(&self, refusal: Refusal) -> PortalError {
        PortalError::new(refusal, self.language, &self.uri, Some(&self.site))
    }

    /// The case `case_id` of this applicant, or the refusal.
    pub(crate) async fn case(&self, core: &Core, case_id: &str) -> Result<Case, PortalError> {
        get_case(core, &self.caller, case_id)
            .await
            .map_err(|status| self.refused(&status))
    }
}

/// The signed-in applicant of this portal, if the cookie names one.
pub(crate) async fn applicant_of(core: &Core, site: &Site, headers: &HeaderMap) -> Option<Caller> {
    let credentials = core.credentials(headers);
    let Credentials::Cookie(token) = &credentials else {
        return None;
    };
    let signed_in = core.sessions.exchange(token).await.ok()?;
    (signed_in.agency == site.agency && signed_in.portal == site.portal && !signed_in.is_staff())
        .then_some(Caller {
            credentials,
            signed_in,
        })
}

/// A signed-in applicant's form: the visit and the form, after the CSRF
/// check of the form's token (a failed check is the 403 page).
pub(crate) struct Posted<T>(pub(crate) Visit, pub(crate) T);

impl<T> FromRequest<Core> for Posted<T>
where
    T: CsrfToken + DeserializeOwned + Send,
{
    type Rejection = Response;

    async fn from_request(request: Request, core: &Core) -> Result<Self, Response> {
        let (mut parts, body) = request.into_parts();
        let visit = Visit::from_request_parts(&mut parts, core)
            .await
            .map_err(IntoResponse::into_response)?;
        let headers: HeaderMap = parts.headers.clone();
        let request = Request::from_parts(parts, body);
        let Form(form) = Form::<T>::from_request(request, core)
            .await
            .map_err(IntoResponse::into_response)?;
        if core
            .check_csrf(
                &visit.caller.credentials,
                &Method::POST,
                &headers,
                Some(form.csrf_token()),
            )
            .is_err()
        {
            return Err(visit.refuse(Refusal::Forbidden).into_response());
        }
        Ok(Posted(visit, form))
    }
}

pub(crate) fn layout(
    core: &Core,
    visit: &Visit,
    uri: &Uri,
    status: StatusCode,
    title: &str,
    content: Markup,
) -> Response {
    let lang = visit.language.lang;
    let frame = Frame {
        lang,
        uri,
        site: Some(&visit.site),
        title,
    };
    let header = signed_in_header(core, &visit.site, uri, &visit.caller, lang, visit.unread);
    page(
        visit.language,
        status,
        view::layout(&frame, header, content),
    )
}

/// The case a nested page's path names.
#[derive(Deserialize)]
struct CasePath {
    case_id: String,
}

/// A signed-in applicant's form about one case: the visit, the case (the
/// applicant's own, or the 404 page) and the form, after the CSRF check.
pub(crate) struct PostedCase<T>(pub(crate) Visit, pub(crate) Case, pub(crate) T);

impl<T> FromRequest<Core> for PostedCase<T>
where
    T: CsrfToken + DeserializeOwned + Send,
{
    type Rejection = Response;

    async fn from_request(request: Request, core: &Core) -> Result<Self, Response> {
        let (mut parts, body) = request.into_parts();
        let case_id = Path::<CasePath>::from_request_parts(&mut parts, core)
            .await
            .map(|Path(path)| path.case_id)
            .unwrap_or_default();
        let Posted(visit, form) =
            Posted::<T>::from_request(Request::from_parts(parts, body), core).await?;
        let case = visit
            .case(core, &case_id)
            .await
            .map_err(IntoResponse::into_response)?;
        Ok(PostedCase(visit, case, form))
    }
}

pub(crate) async fn get_case(
    core: &Core,
    caller: &Caller,
    case_id: &str,
) -> Result<Case, tonic::Status> {
    Ok(core
        .upstreams
        .intake()
        .get_case(core.upstreams.request(
            GetCaseRequest {
                case_id: case_id.to_owned(),
            },
            Some(caller.token()),
        ))
        .await?
        .into_inner())
}

/// A removal to confirm: what goes, the warning, the two buttons' words
/// and where "keep" goes back to.
pub(crate) struct Removal<'a> {
    pub(crate) title: &'a str,
    pub(crate) summary: Markup,
    pub(crate) warning: &'a str,
    pub(crate) remove: &'a str,
    pub(crate) keep: &'a str,
    pub(crate) back: &'a str,
}

/// The page that confirms a removal: it posts back to its own address
/// (session CSRF).
pub(crate) fn confirm_removal(
    core: &Core,
    visit: &Visit,
    uri: &Uri,
    removal: Removal<'_>,
) -> Response {
    let action = uri
        .path_and_query()
        .map_or_else(|| uri.path().to_owned(), |pq| pq.as_str().to_owned());
    let content = html! {
        (removal.summary)
        p.warning { (removal.warning) }
        form method="post" action=(action) {
            input type="hidden" name=(CSRF_FORM_FIELD) value=(core.csrf_token(visit.caller.session_token()));
            div.actions {
                button.primary type="submit" { (removal.remove) }
                a.button.secondary href=(removal.back) { (removal.keep) }
            }
        }
    };
    layout(core, visit, uri, StatusCode::OK, removal.title, content)
}

/// After a change a service made: back to `to`, or the refusal's page.
pub(crate) fn back_or_refused<T>(
    answer: Result<T, tonic::Status>,
    visit: &Visit,
    to: &str,
) -> Response {
    match answer {
        Ok(_) => axum::response::Redirect::to(to).into_response(),
        Err(status) => visit.refused(&status).into_response(),
    }
}
