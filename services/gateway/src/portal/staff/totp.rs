//! A staff member's authenticator enrolment on the staff portal
//! (`/portal/{agency}/staff/totp`). A staff account signs in without a
//! code until it has an authenticator, and such a session can do nothing
//! but enrol one: identity `BeginTotpEnrolment` answers the secret and the
//! `otpauth://` URI (shown as text, to type or paste into the app), and
//! `ConfirmTotpEnrolment` with the app's first code completes it; the
//! session then counts as signed in with the second factor.
//!
//! Such a session cannot be exchanged for an internal token yet, so these
//! pages work with the session cookie itself (identity checks it on every
//! call) and its CSRF token.

use axum::Form;
use axum::extract::OriginalUri;
use axum::extract::State;
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use laissez_kit::Role;
use laissez_proto::identity::v1::{BeginTotpEnrolmentRequest, ConfirmTotpEnrolmentRequest};
use maud::{Markup, html};
use serde::Deserialize;

use crate::core::Core;
use crate::core::credentials::Credentials;
use crate::core::csrf::CSRF_FORM_FIELD;
use crate::portal::shell::error::{Audience, PortalError, Refusal};
use crate::portal::shell::locale::texts;
use crate::portal::shell::page::{Language, lang_suffix, page};
use crate::portal::shell::problems::{self, Problem};
use crate::portal::shell::request::{SitePath, place};
use crate::portal::shell::site::Site;
use crate::portal::shell::site::{STAFF_PORTAL, find_staff};
use crate::portal::shell::view::{self, Frame};
use crate::portal::staff::desk;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;

texts! {
    pub struct Texts, fn texts, "totp" {
        title,
        intro,
        start,
        secret,
        secret_help,
        uri,
        code,
        code_help,
        confirm,
        restart,
        err_code_required,
        err_code_wrong,
        done_title,
        done_body,
        continue_link,
    }
}

/// Where a staff session goes after signing in: the enrolment while it
/// has no second factor, else the page of its roles.
pub(crate) async fn landing(core: &Core, session_token: &str) -> &'static str {
    match core.sessions.exchange(session_token).await {
        Err(status) if status.code() == tonic::Code::FailedPrecondition => "totp",
        Ok(signed_in) => {
            let holds = |role| signed_in.roles.contains(&role);
            if holds(Role::Reviewer) || holds(Role::SeniorReviewer) {
                "review"
            } else if holds(Role::Counter) {
                "counter"
            } else if holds(Role::AgencyAdmin) {
                "admin"
            } else {
                "review"
            }
        }
        _ => "review",
    }
}

/// The staff portal and the session cookie of a visit to these pages.
pub(crate) struct Visit {
    language: Language,
    site: Site,
    session_token: String,
    /// The session has its second factor: there is nothing to enrol.
    enrolled: bool,
    /// The staff roles of an enrolled session (none before: such a
    /// session opens no other staff page).
    roles: Vec<Role>,
    /// The page's address, as the visitor asked for it.
    uri: Uri,
}

impl FromRequestParts<Core> for Visit {
    type Rejection = PortalError;

    /// The staff portal and a staff session of it (enrolled or not), or
    /// the refusal.
    async fn from_request_parts(parts: &mut Parts, core: &Core) -> Result<Self, PortalError> {
        let (uri, path) = place(parts, core).await;
        let language = Language::of(&uri, &parts.headers);
        let Some(SitePath { agency, .. }) = path.filter(|path| path.portal == STAFF_PORTAL) else {
            return Err(PortalError::new(Refusal::NotFound, language, &uri, None));
        };
        let site = find_staff(core, &agency)
            .await
            .map_err(|lookup| PortalError::lookup(lookup, language, &uri))?;
        let refuse = |refusal| PortalError::new(refusal, language, &uri, Some(&site));
        let Credentials::Cookie(session_token) = core.credentials(&parts.headers) else {
            return Err(refuse(Refusal::SignIn));
        };
        let roles = match core.sessions.exchange(&session_token).await {
            Ok(signed_in)
                if !signed_in.is_staff()
                    || signed_in.agency != site.agency
                    || signed_in.portal != site.portal =>
            {
                return Err(refuse(Refusal::Forbidden));
            }
            Ok(signed_in) => Some(signed_in.roles.clone()),
            Err(status) if status.code() == tonic::Code::FailedPrecondition => None,
            Err(_) => return Err(refuse(Refusal::SignIn)),
        };
        Ok(Visit {
            language,
            site,
            session_token,
            enrolled: roles.is_some(),
            roles: roles.unwrap_or_default(),
            uri,
        })
    }
}

/// As [`Visit`], for a POST: the visit and its form, after the session's
/// CSRF token.
pub(crate) struct Posted(Visit, TotpForm);

impl FromRequest<Core> for Posted {
    type Rejection = Response;

    async fn from_request(request: Request, core: &Core) -> Result<Self, Response> {
        let (mut parts, body) = request.into_parts();
        let visit = Visit::from_request_parts(&mut parts, core)
            .await
            .map_err(IntoResponse::into_response)?;
        let headers = parts.headers.clone();
        let Form(form) = Form::<TotpForm>::from_request(Request::from_parts(parts, body), core)
            .await
            .map_err(IntoResponse::into_response)?;
        let credentials = Credentials::Cookie(visit.session_token.clone());
        if core
            .check_csrf(
                &credentials,
                &Method::POST,
                &headers,
                Some(&form.csrf_token),
            )
            .is_err()
        {
            return Err(PortalError::new(
                Refusal::Forbidden,
                visit.language,
                &visit.uri,
                Some(&visit.site),
            )
            .into_response());
        }
        Ok(Posted(visit, form))
    }
}

/// The staff header of these pages: the sign-out, and once enrolled the
/// staff areas of the session's roles.
fn header(core: &Core, visit: &Visit, uri: &Uri) -> Markup {
    desk::header(
        core,
        &visit.site,
        uri,
        visit.language.lang,
        &visit.roles,
        &visit.session_token,
    )
}

fn render(core: &Core, visit: &Visit, uri: &Uri, status: StatusCode, content: Markup) -> Response {
    let frame = Frame {
        lang: visit.language.lang,
        uri,
        site: Some(&visit.site),
        title: texts(visit.language.lang).title,
    };
    page(
        visit.language,
        status,
        view::layout(&frame, header(core, visit, uri), content),
    )
}

fn action(visit: &Visit, uri: &Uri, path: &str) -> String {
    format!("{}{path}{}", visit.site.base_path(), lang_suffix(uri))
}

fn start_form(core: &Core, visit: &Visit, uri: &Uri, label: &str) -> Markup {
    html! {
        form method="post" action=(action(visit, uri, "totp/begin")) {
            input type="hidden" name=(CSRF_FORM_FIELD) value=(core.csrf_token(&visit.session_token));
            div.actions { button.secondary type="submit" { (label) } }
        }
    }
}

fn confirm_form(core: &Core, visit: &Visit, uri: &Uri, problems: &[Problem]) -> Markup {
    let texts = texts(visit.language.lang);
    html! {
        form method="post" action=(action(visit, uri, "totp/confirm")) novalidate {
            input type="hidden" name=(CSRF_FORM_FIELD) value=(core.csrf_token(&visit.session_token));
            (problems::input("code", texts.code, "text", "", Some(texts.code_help), problems))
            div.actions { button.primary type="submit" { (texts.confirm) } }
        }
    }
}

/// This session has its second factor already.
fn done(core: &Core, visit: &Visit, uri: &Uri, status: StatusCode) -> Response {
    let texts = texts(visit.language.lang);
    let content = html! {
        p { (texts.done_body) }
        p { a href=(action(visit, uri, "")) { (texts.continue_link) } }
    };
    let frame = Frame {
        lang: visit.language.lang,
        uri,
        site: Some(&visit.site),
        title: texts.done_title,
    };
    page(
        visit.language,
        status,
        view::layout(&frame, header(core, visit, uri), content),
    )
}

/// The answer to identity's refusal of an enrolment step: enrolled
/// meanwhile (in another tab) is the done page, a session that may not
/// enrol the sign-in, the rest as any staff page's refusal.
fn refused(core: &Core, visit: &Visit, uri: &Uri, status: &tonic::Status) -> Response {
    match status.code() {
        tonic::Code::FailedPrecondition => done(core, visit, uri, StatusCode::CONFLICT),
        tonic::Code::PermissionDenied => {
            PortalError::new(Refusal::SignIn, visit.language, uri, Some(&visit.site))
                .into_response()
        }
        _ => PortalError::from_status(status, Audience::Staff, visit.language, uri, &visit.site)
            .into_response(),
    }
}

/// `GET /portal/{agency}/staff/totp`.
pub async fn totp_page(
    State(core): State<Core>,
    visit: Visit,
    OriginalUri(uri): OriginalUri,
) -> Response {
    if visit.enrolled {
        return done(&core, &visit, &uri, StatusCode::OK);
    }
    let texts = texts(visit.language.lang);
    let content = html! {
        p { (texts.intro) }
        (start_form(&core, &visit, &uri, texts.start))
    };
    render(&core, &visit, &uri, StatusCode::OK, content)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TotpForm {
    csrf_token: String,
    code: String,
}

/// `POST /portal/{agency}/staff/totp/begin`: a new secret, shown once,
/// with the form for the first code.
pub async fn begin(
    State(core): State<Core>,
    OriginalUri(uri): OriginalUri,
    Posted(visit, _form): Posted,
) -> Response {
    if visit.enrolled {
        return done(&core, &visit, &uri, StatusCode::CONFLICT);
    }
    let answer = core
        .upstreams
        .identity()
        .begin_totp_enrolment(core.upstreams.request(
            BeginTotpEnrolmentRequest {
                session_token: visit.session_token.clone(),
            },
            None,
        ))
        .await;
    let enrolment = match answer {
        Ok(answer) => answer.into_inner(),
        Err(status) => return refused(&core, &visit, &uri, &status),
    };
    let texts = texts(visit.language.lang);
    let content = html! {
        dl.summary {
            dt #secret-label { (texts.secret) }
            dd { p.help #secret-help { (texts.secret_help) } code.secret aria-describedby="secret-help" { (enrolment.secret) } }
            dt { (texts.uri) }
            dd { code.otpauth { (enrolment.otpauth_url) } }
        }
        (confirm_form(&core, &visit, &uri, &[]))
    };
    render(&core, &visit, &uri, StatusCode::OK, content)
}

/// `POST /portal/{agency}/staff/totp/confirm`: the first code; then the
/// staff member's first page (303).
pub async fn confirm(
    State(core): State<Core>,
    OriginalUri(uri): OriginalUri,
    Posted(visit, form): Posted,
) -> Response {
    if visit.enrolled {
        return done(&core, &visit, &uri, StatusCode::CONFLICT);
    }
    let lang = visit.language.lang;
    let texts = texts(lang);
    let again = |message: &'static str| {
        let problems = [Problem::new("code", message)];
        let content = html! {
            (problems::summary(lang, &problems))
            (confirm_form(&core, &visit, &uri, &problems))
            (start_form(&core, &visit, &uri, texts.restart))
        };
        render(
            &core,
            &visit,
            &uri,
            StatusCode::UNPROCESSABLE_ENTITY,
            content,
        )
    };
    let code = form.code.trim();
    if code.is_empty() {
        return again(texts.err_code_required);
    }
    let answer = core
        .upstreams
        .identity()
        .confirm_totp_enrolment(core.upstreams.request(
            ConfirmTotpEnrolmentRequest {
                session_token: visit.session_token.clone(),
                code: code.to_owned(),
            },
            None,
        ))
        .await;
    match answer {
        Ok(_) => {
            let landing = landing(&core, &visit.session_token).await;
            Redirect::to(&action(&visit, &uri, landing)).into_response()
        }
        Err(status) if status.code() == tonic::Code::InvalidArgument => again(texts.err_code_wrong),
        Err(status) => refused(&core, &visit, &uri, &status),
    }
}
