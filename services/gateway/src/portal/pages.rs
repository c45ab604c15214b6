//! The portal's handlers: sign-in, sign-out and the dashboard.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use laissez_proto::identity::v1::{CreateCaptchaRequest, LoginRequest, LogoutRequest};
use laissez_proto::intake::v1::{Dashboard, GetDashboardRequest};
use maud::{Markup, html};
use serde::Deserialize;

use super::i18n::{self, LANG_COOKIE, Lang, Text};
use super::site::{self, Lookup, Site};
use super::view::{self, FormError, Frame};
use crate::core::client_ip::ClientIp;
use crate::core::credentials::{Credentials, cookie};
use crate::core::csrf::{CSRF_FORM_FIELD, new_anonymous_binding};
use crate::core::problem::ApiError;
use crate::core::rate_limit::{Bucket, Verdict};
use crate::core::{Caller, Core};

/// The language of a request and whether `?lang=` chose it.
#[derive(Clone, Copy)]
pub(super) struct Language {
    pub(super) lang: Lang,
    chosen: bool,
}

impl Language {
    pub(super) fn of(uri: &Uri, headers: &HeaderMap) -> Self {
        let (lang, chosen) = i18n::negotiate(uri, headers);
        Self { lang, chosen }
    }
}

/// An HTML answer; when `?lang=` chose the language, the cookie keeps it.
pub(super) fn page(core: &Core, language: Language, status: StatusCode, body: String) -> Response {
    let mut response = (status, Html(body)).into_response();
    if language.chosen
        && let Some(value) = core
            .cookies
            .set_preference(LANG_COOKIE, language.lang.tag())
    {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

pub(super) fn message(
    core: &Core,
    language: Language,
    uri: &Uri,
    site: Option<&Site>,
    status: StatusCode,
    title: &str,
    body: &str,
) -> Response {
    let frame = Frame {
        lang: language.lang,
        uri,
        site,
        title,
    };
    page(core, language, status, view::message_page(&frame, body))
}

pub(super) fn lookup_failed(
    core: &Core,
    language: Language,
    uri: &Uri,
    lookup: Lookup,
) -> Response {
    let messages = language.lang.messages();
    match lookup {
        Lookup::NotFound => message(
            core,
            language,
            uri,
            None,
            StatusCode::NOT_FOUND,
            messages.not_found_title,
            messages.not_found_body,
        ),
        Lookup::Unavailable => unavailable(core, language, uri, None),
    }
}

pub(super) fn unavailable(
    core: &Core,
    language: Language,
    uri: &Uri,
    site: Option<&Site>,
) -> Response {
    let messages = language.lang.messages();
    message(
        core,
        language,
        uri,
        site,
        StatusCode::SERVICE_UNAVAILABLE,
        messages.unavailable_title,
        messages.unavailable_body,
    )
}

pub(super) fn forbidden(
    core: &Core,
    language: Language,
    uri: &Uri,
    site: Option<&Site>,
) -> Response {
    let messages = language.lang.messages();
    message(
        core,
        language,
        uri,
        site,
        StatusCode::FORBIDDEN,
        messages.forbidden_title,
        messages.forbidden_body,
    )
}

/// Any path under `/portal` that names no page.
pub fn not_found_page(core: &Core, uri: &Uri, headers: &HeaderMap) -> Response {
    lookup_failed(core, Language::of(uri, headers), uri, Lookup::NotFound)
}

/// `/portal/{agency}/{portal}` → the same with the slash.
pub async fn to_dashboard(uri: Uri) -> Response {
    let target = match uri.query() {
        Some(query) => format!("{}/?{query}", uri.path()),
        None => format!("{}/", uri.path()),
    };
    Redirect::permanent(&target).into_response()
}

/// `?lang=…` of the request again, for redirects that keep the choice.
pub(super) fn lang_suffix(uri: &Uri) -> String {
    i18n::from_query(uri)
        .map(|lang| format!("?lang={}", lang.tag()))
        .unwrap_or_default()
}

pub(super) fn to_login(site: &Site, uri: &Uri) -> Response {
    Redirect::to(&format!("{}login{}", site.base_path(), lang_suffix(uri))).into_response()
}

// ---------------------------------------------------------------- sign-in

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LoginForm {
    csrf_token: String,
    login_name: String,
    password: String,
    pre_session: String,
    captcha_id: String,
    captcha_answer: String,
    /// The authenticator's code (staff portals only).
    totp_code: String,
    /// Set by the "another image" button: only a new captcha is wanted.
    refresh: Option<String>,
}

struct Captcha {
    pre_session: String,
    captcha_id: String,
    data_url: String,
}

async fn new_captcha(core: &Core, site: &Site, pre_session: &str) -> Result<Captcha, ApiError> {
    let issued = core
        .upstreams
        .identity()
        .create_captcha(core.upstreams.request(
            CreateCaptchaRequest {
                agency: site.agency.clone(),
                portal: site.portal.clone(),
                pre_session: pre_session.to_owned(),
            },
            None,
        ))
        .await?
        .into_inner();
    Ok(Captcha {
        pre_session: issued.pre_session,
        captcha_id: issued.captcha_id,
        data_url: format!("data:image/png;base64,{}", STANDARD.encode(&issued.png)),
    })
}

/// The anonymous binding of the browser, and the cookie to set when it
/// has none yet.
fn anonymous_binding(core: &Core, headers: &HeaderMap) -> (String, Option<HeaderValue>) {
    match cookie(headers, core.cookies.anonymous_cookie_name()) {
        Some(binding) if !binding.is_empty() && binding.len() <= 128 => (binding, None),
        _ => {
            let binding = new_anonymous_binding();
            let set = core.cookies.set_anonymous(&binding);
            (binding, set)
        }
    }
}

/// A pre-login page's language, portal and the browser's anonymous binding
/// (with the cookie to set when it has none yet).
pub(super) type Anonymous = (Language, Site, String, Option<HeaderValue>);

/// The portal of a pre-login page and the browser's anonymous binding, or
/// the page that says the portal cannot be shown.
pub(super) async fn anonymous(
    core: &Core,
    agency: &str,
    portal: &str,
    uri: &Uri,
    headers: &HeaderMap,
) -> Result<Anonymous, Response> {
    let language = Language::of(uri, headers);
    match site::find(core, agency, portal).await {
        Ok(site) => Ok(bound(core, language, site, headers)),
        Err(lookup) => Err(lookup_failed(core, language, uri, lookup)),
    }
}

/// As [`anonymous`], on an applicant portal or the agency's staff portal:
/// for the pages staff reach from an emailed link too (setting the password
/// of an invitation or a reset).
pub(super) async fn anonymous_or_staff(
    core: &Core,
    agency: &str,
    portal: &str,
    uri: &Uri,
    headers: &HeaderMap,
) -> Result<Anonymous, Response> {
    let language = Language::of(uri, headers);
    match super::staff::find_any(core, agency, portal).await {
        Ok((site, _)) => Ok(bound(core, language, site, headers)),
        Err(lookup) => Err(lookup_failed(core, language, uri, lookup)),
    }
}

fn bound(core: &Core, language: Language, site: Site, headers: &HeaderMap) -> Anonymous {
    let (binding, set) = anonymous_binding(core, headers);
    (language, site, binding, set)
}

/// `response` with the anonymous binding's cookie, when one is to be set.
pub(super) fn with_cookie(mut response: Response, set: Option<HeaderValue>) -> Response {
    if let Some(set) = set {
        response.headers_mut().append(header::SET_COOKIE, set);
    }
    response
}

struct LoginPage<'a> {
    site: &'a Site,
    uri: &'a Uri,
    language: Language,
    login_name: &'a str,
    errors: Vec<FormError>,
    captcha: Option<Captcha>,
    csrf_token: String,
    /// The agency's staff portal: the form asks for the authenticator's code.
    staff: bool,
}

fn render_login(core: &Core, status: StatusCode, login: LoginPage<'_>) -> Response {
    let lang = login.language.lang;
    let messages = lang.messages();
    let account_label = if login.site.login_with == "document_number" {
        messages.document_number
    } else {
        messages.login_name
    };
    let action = login
        .uri
        .path_and_query()
        .map_or_else(|| login.uri.path().to_owned(), |pq| pq.as_str().to_owned());
    let errors = &login.errors;
    let content: Markup = html! {
        (view::error_summary(lang, errors))
        form.sign-in method="post" action=(action) novalidate {
            input type="hidden" name=(CSRF_FORM_FIELD) value=(login.csrf_token);
            (view::field("login_name", account_label, "text", login.login_name, "username", errors, None))
            (view::field("password", messages.password, "password", "", "current-password", errors, None))
            @if let Some(captcha) = &login.captcha {
                input type="hidden" name="pre_session" value=(captcha.pre_session);
                input type="hidden" name="captcha_id" value=(captcha.captcha_id);
                div.captcha {
                    img src=(captcha.data_url) alt=(messages.captcha_image) width="160" height="60";
                }
                (view::field("captcha_answer", messages.captcha, "text", "", "off", errors, Some(messages.captcha_help)))
            }
            @if login.staff {
                @let staff_texts = super::staff::sign_in_texts(lang);
                (view::field("totp_code", staff_texts.totp_code, "text", "", "one-time-code", errors, Some(staff_texts.totp_help)))
            }
            div.actions {
                button.primary type="submit" { (messages.sign_in) }
                @if login.captcha.is_some() {
                    button.secondary type="submit" name="refresh" value="1" { (messages.captcha_another) }
                }
            }
        }
        @if !login.staff {
            p.forgot-password {
                a href=(format!("{}forgot-password{}", login.site.base_path(), lang_suffix(login.uri))) {
                    (super::account::texts(lang).forgot_password)
                }
            }
        }
        @if !login.site.registration_fields().is_empty() {
            p.register {
                a href=(format!("{}register{}", login.site.base_path(), lang_suffix(login.uri))) {
                    (super::registration::texts(lang).register_link)
                }
            }
        }
    };
    let frame = Frame {
        lang,
        uri: login.uri,
        site: Some(login.site),
        title: messages.sign_in,
    };
    page(
        core,
        login.language,
        status,
        view::layout(&frame, html! {}, content),
    )
}

/// The sign-in form.
pub async fn login_form(
    State(core): State<Core>,
    Path((agency, portal)): Path<(String, String)>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let language = Language::of(&uri, &headers);
    let (site, staff) = match super::staff::find_any(&core, &agency, &portal).await {
        Ok(found) => found,
        Err(lookup) => return lookup_failed(&core, language, &uri, lookup),
    };
    if let Some(landing) = signed_in_landing(&core, &site, staff, &headers).await {
        return Redirect::to(&format!(
            "{}{landing}{}",
            site.base_path(),
            lang_suffix(&uri)
        ))
        .into_response();
    }
    let (binding, set_binding) = anonymous_binding(&core, &headers);
    let captcha = if site.captcha {
        match new_captcha(&core, &site, "").await {
            Ok(captcha) => Some(captcha),
            Err(_) => return unavailable(&core, language, &uri, Some(&site)),
        }
    } else {
        None
    };
    let mut response = render_login(
        &core,
        StatusCode::OK,
        LoginPage {
            site: &site,
            uri: &uri,
            language,
            login_name: "",
            errors: Vec::new(),
            captcha,
            csrf_token: core.csrf_token(&binding),
            staff,
        },
    );
    if let Some(set_binding) = set_binding {
        response
            .headers_mut()
            .append(header::SET_COOKIE, set_binding);
    }
    response
}

/// Where a visitor who is already signed in to this portal belongs instead
/// of the sign-in form: the page a fresh sign-in would land on.
async fn signed_in_landing(
    core: &Core,
    site: &Site,
    staff: bool,
    headers: &HeaderMap,
) -> Option<&'static str> {
    let Credentials::Cookie(token) = core.credentials(headers) else {
        return None;
    };
    let signed_in = core.sessions.exchange(&token).await.ok()?;
    if signed_in.agency != site.agency || signed_in.portal != site.portal {
        return None;
    }
    if staff {
        Some(super::staff_totp::landing(core, &token).await)
    } else {
        (!signed_in.is_staff()).then_some("")
    }
}

/// What identity's refusal means for the applicant. Every refusal of the
/// account or the password reads the same, so the form never tells
/// whether an account exists.
fn login_errors(status: &tonic::Status, lang: Lang) -> Vec<FormError> {
    let messages = lang.messages();
    let general = |message| {
        vec![FormError {
            field: "login_name",
            message,
        }]
    };
    match status.code() {
        tonic::Code::Unauthenticated => general(messages.err_credentials),
        tonic::Code::ResourceExhausted => general(messages.err_too_many),
        tonic::Code::FailedPrecondition => general(messages.err_not_activated),
        tonic::Code::InvalidArgument => {
            let problem = laissez_kit::Problem::from_status(status);
            let errors: Vec<FormError> = problem
                .errors
                .iter()
                .map(|error| match (error.field.as_str(), error.code.as_str()) {
                    ("captcha_answer", "required") => FormError {
                        field: "captcha_answer",
                        message: messages.err_captcha_required,
                    },
                    ("captcha_answer", "expired") => FormError {
                        field: "captcha_answer",
                        message: messages.err_captcha_expired,
                    },
                    ("captcha_answer", _) => FormError {
                        field: "captcha_answer",
                        message: messages.err_captcha_wrong,
                    },
                    ("password", _) => FormError {
                        field: "password",
                        message: messages.err_password_required,
                    },
                    ("login_name", _) => FormError {
                        field: "login_name",
                        message: messages.err_account_required,
                    },
                    _ => FormError {
                        field: "login_name",
                        message: messages.err_failed,
                    },
                })
                .collect();
            if errors.is_empty() {
                general(messages.err_failed)
            } else {
                errors
            }
        }
        _ => general(messages.err_failed),
    }
}

/// Signs in: CSRF, the sign-in rate limit, identity's `Login` with the
/// captcha; the session cookie and the dashboard, or the form again with
/// an error summary and a new captcha.
pub async fn login(
    State(core): State<Core>,
    Path((agency, portal)): Path<(String, String)>,
    uri: Uri,
    client: Option<axum::Extension<ClientIp>>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let language = Language::of(&uri, &headers);
    let lang = language.lang;
    let messages = lang.messages();
    let (site, staff) = match super::staff::find_any(&core, &agency, &portal).await {
        Ok(found) => found,
        Err(lookup) => return lookup_failed(&core, language, &uri, lookup),
    };
    if !core.anonymous_form_allowed(&headers, &form.csrf_token) {
        return forbidden(&core, language, &uri, Some(&site));
    }
    let binding = cookie(&headers, core.cookies.anonymous_cookie_name()).unwrap_or_default();
    let again = async |status: StatusCode, errors: Vec<FormError>| {
        let captcha = if site.captcha {
            match new_captcha(&core, &site, &form.pre_session).await {
                Ok(captcha) => Some(captcha),
                Err(_) => return unavailable(&core, language, &uri, Some(&site)),
            }
        } else {
            None
        };
        render_login(
            &core,
            status,
            LoginPage {
                site: &site,
                uri: &uri,
                language,
                login_name: &form.login_name,
                errors,
                captcha,
                csrf_token: core.csrf_token(&binding),
                staff,
            },
        )
    };
    if form.refresh.is_some() {
        return again(StatusCode::OK, Vec::new()).await;
    }
    let source_ip = client.map(|axum::Extension(ClientIp(ip))| ip);
    if let Some(ip) = source_ip
        && let Verdict::Limited { .. } = core.rate_limiter.check(Bucket::SignIn, ip).await
    {
        let errors = vec![FormError {
            field: "login_name",
            message: messages.err_too_many,
        }];
        return again(StatusCode::TOO_MANY_REQUESTS, errors).await;
    }
    let mut errors = Vec::new();
    if form.login_name.trim().is_empty() {
        errors.push(FormError {
            field: "login_name",
            message: messages.err_account_required,
        });
    }
    if form.password.is_empty() {
        errors.push(FormError {
            field: "password",
            message: messages.err_password_required,
        });
    }
    if site.captcha && form.captcha_answer.trim().is_empty() {
        errors.push(FormError {
            field: "captcha_answer",
            message: messages.err_captcha_required,
        });
    }
    // Staff without an authenticator yet sign in without a code (identity
    // then lets the session only enrol one); for everyone else identity
    // refuses an empty code, and the form asks for it.
    let totp_missing = staff && form.totp_code.trim().is_empty();
    if !errors.is_empty() {
        return again(StatusCode::UNPROCESSABLE_ENTITY, errors).await;
    }
    let user_agent: String = headers
        .get(header::USER_AGENT)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .chars()
        .take(256)
        .collect();
    let answer = core
        .upstreams
        .identity()
        .login(core.upstreams.request(
            LoginRequest {
                agency: site.agency.clone(),
                portal: site.portal.clone(),
                login_name: form.login_name.trim().to_owned(),
                password: form.password.clone(),
                pre_session: form.pre_session.clone(),
                captcha_id: form.captcha_id.clone(),
                captcha_answer: form.captcha_answer.trim().to_owned(),
                source_ip: source_ip.map(|ip| ip.to_string()).unwrap_or_default(),
                totp_code: form.totp_code.trim().to_owned(),
                user_agent,
            },
            None,
        ))
        .await;
    let signed_in = match answer {
        Ok(answer) => answer.into_inner(),
        Err(status) => {
            let status_code = match status.code() {
                tonic::Code::ResourceExhausted => StatusCode::TOO_MANY_REQUESTS,
                tonic::Code::Unavailable
                | tonic::Code::Internal
                | tonic::Code::Unknown
                | tonic::Code::DeadlineExceeded => StatusCode::SERVICE_UNAVAILABLE,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            let errors = if totp_missing && status.code() == tonic::Code::Unauthenticated {
                vec![FormError {
                    field: "totp_code",
                    message: super::staff::sign_in_texts(lang).err_totp_required,
                }]
            } else {
                login_errors(&status, lang)
            };
            return again(status_code, errors).await;
        }
    };
    let max_age = signed_in
        .absolute_expires_at
        .map_or(0, |at| at.seconds - chrono::Utc::now().timestamp());
    let Some(set_session) = core.cookies.set_session(&signed_in.session_token, max_age) else {
        return unavailable(&core, language, &uri, Some(&site));
    };
    // Staff land on their first page (the authenticator's enrolment, the
    // review queue, the administration), applicants on their dashboard.
    let landing = if staff {
        super::staff_totp::landing(&core, &signed_in.session_token).await
    } else {
        ""
    };
    let mut response = Redirect::to(&format!(
        "{}{landing}{}",
        site.base_path(),
        lang_suffix(&uri)
    ))
    .into_response();
    response
        .headers_mut()
        .append(header::SET_COOKIE, set_session);
    response
}

// --------------------------------------------------------------- sign-out

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LogoutForm {
    csrf_token: String,
    everywhere: Option<String>,
}

/// Signs out (this browser, or every session of the account) and clears
/// the cookie.
pub async fn logout(
    State(core): State<Core>,
    Path((agency, portal)): Path<(String, String)>,
    uri: Uri,
    headers: HeaderMap,
    Form(form): Form<LogoutForm>,
) -> Response {
    let language = Language::of(&uri, &headers);
    let site = match super::staff::find_any(&core, &agency, &portal).await {
        Ok((site, _)) => site,
        Err(lookup) => return lookup_failed(&core, language, &uri, lookup),
    };
    if !core.credentials(&headers).is_cookie() {
        return to_login(&site, &uri);
    }
    let caller = match core
        .signed_in(&Method::POST, &headers, Some(&form.csrf_token))
        .await
    {
        Ok(caller) => caller,
        Err(ApiError::Forbidden(_)) => return forbidden(&core, language, &uri, Some(&site)),
        Err(_) => {
            let mut response = to_login(&site, &uri);
            response
                .headers_mut()
                .append(header::SET_COOKIE, core.cookies.clear_session());
            return response;
        }
    };
    let everywhere = form.everywhere.is_some();
    if let Err(status) = core
        .upstreams
        .identity()
        .logout(
            core.upstreams
                .request(LogoutRequest { everywhere }, Some(caller.token())),
        )
        .await
    {
        tracing::warn!(code = ?status.code(), "identity did not confirm the logout");
    }
    core.forget_session(&caller, everywhere);
    let mut response = to_login(&site, &uri);
    response
        .headers_mut()
        .append(header::SET_COOKIE, core.cookies.clear_session());
    response
}

// -------------------------------------------------------------- dashboard

/// The signed-in applicant of this portal, if the cookie names one.
pub(super) async fn applicant_of(core: &Core, site: &Site, headers: &HeaderMap) -> Option<Caller> {
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

/// The dashboard: the agency's notice board and, per application type, the
/// applicant's cases by section. Signed-out visitors go to the sign-in.
pub async fn dashboard(
    State(core): State<Core>,
    Path((agency, portal)): Path<(String, String)>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let language = Language::of(&uri, &headers);
    let site = match site::find(&core, &agency, &portal).await {
        Ok(site) => site,
        Err(lookup) => return lookup_failed(&core, language, &uri, lookup),
    };
    let Some(caller) = applicant_of(&core, &site, &headers).await else {
        return to_login(&site, &uri);
    };
    let answer = core
        .upstreams
        .intake()
        .get_dashboard(
            core.upstreams
                .request(GetDashboardRequest {}, Some(caller.token())),
        )
        .await;
    let dashboard = match answer {
        Ok(answer) => answer.into_inner(),
        Err(status) if status.code() == tonic::Code::Unauthenticated => {
            return to_login(&site, &uri);
        }
        Err(status) => {
            tracing::warn!(code = ?status.code(), "the dashboard could not be read");
            return unavailable(&core, language, &uri, Some(&site));
        }
    };
    let lang = language.lang;
    let messages = lang.messages();
    let unread = super::messages::unread_count(&core, &caller).await;
    let header_extra = signed_in_header(&core, &site, &uri, &caller, lang, unread);
    let frame = Frame {
        lang,
        uri: &uri,
        site: Some(&site),
        title: messages.dashboard,
    };
    page(
        &core,
        language,
        StatusCode::OK,
        view::layout(
            &frame,
            header_extra,
            dashboard_content(lang, &site, &uri, &dashboard),
        ),
    )
}

/// The header of a signed-in page: where to go, and the sign-out form.
pub(super) fn signed_in_header(
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
                li { a #nav-apply href=(format!("{base}apply{suffix}")) { (super::apply::texts(lang).apply) } }
                li { a href=(format!("{base}cases{suffix}")) { (messages.all_cases) } }
                li { a href=(format!("{base}applicants{suffix}")) { (super::applicants::texts(lang).applicants) } }
                li { a href=(format!("{base}account{suffix}")) { (super::account::texts(lang).account) } }
                li { (super::messages::header_link(lang, &format!("{base}messages{suffix}"), unread)) }
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

fn dashboard_content(lang: Lang, site: &Site, uri: &Uri, dashboard: &Dashboard) -> Markup {
    let messages = lang.messages();
    let suffix = lang_suffix(uri);
    // Only the types and sections that hold a case: one empty state for
    // an account with none, not an empty list under every heading.
    let tabs: Vec<_> = dashboard
        .tabs
        .iter()
        .filter(|tab| tab.sections.iter().any(|section| !section.cases.is_empty()))
        .collect();
    html! {
        section.notice-board aria-labelledby="notice-board-title" {
            h2 #notice-board-title { (messages.notice_board) }
            @if dashboard.announcements.is_empty() {
                p { (messages.no_announcements) }
            } @else {
                ul.announcements {
                    @for announcement in &dashboard.announcements {
                        li.announcement.important[announcement.important] {
                            h3 {
                                @if announcement.important {
                                    span.badge { (messages.important) } " "
                                }
                                (Text::from_proto(announcement.title.as_ref()).get(lang))
                            }
                            p.meta {
                                (Text::from_proto(announcement.unit.as_ref()).get(lang))
                                @if !announcement.published_on.is_empty() {
                                    " · " (messages.published_on) " "
                                    time datetime=(announcement.published_on) { (announcement.published_on) }
                                }
                            }
                            p { (Text::from_proto(announcement.body.as_ref()).get(lang)) }
                        }
                    }
                }
            }
        }
        section.applications aria-labelledby="applications-title" {
            h2 #applications-title { (messages.my_applications) }
            @if dashboard.tabs.is_empty() {
                p { (messages.no_applications) }
            } @else if tabs.is_empty() {
                div.empty-state {
                    p { (messages.no_cases_yet) }
                    p { a.button href=(format!("{}apply{suffix}", site.base_path())) { (super::apply::texts(lang).apply) } }
                }
            } @else {
                nav.tabs aria-labelledby="applications-title" {
                    ul {
                        @for tab in &tabs {
                            li { a href=(format!("#tab-{}", tab.application_type)) {
                                (Text::from_proto(tab.name.as_ref()).get(lang))
                            } }
                        }
                    }
                }
                @for tab in &tabs {
                    section.tab id=(format!("tab-{}", tab.application_type))
                        aria-labelledby=(format!("tab-{}-title", tab.application_type)) {
                        h3 id=(format!("tab-{}-title", tab.application_type)) {
                            (Text::from_proto(tab.name.as_ref()).get(lang))
                        }
                        @for section in tab.sections.iter().filter(|section| !section.cases.is_empty()) {
                            h4 { (i18n::section_name(lang, &section.section)) }
                            div.table-wrap {
                                table {
                                    thead { tr {
                                        th scope="col" { (messages.receipt_number) }
                                        th scope="col" { (messages.applicant) }
                                        th scope="col" { (messages.state) }
                                    } }
                                    tbody {
                                        @for case in &section.cases {
                                            tr {
                                                td { a href=(format!("{}cases/{}", site.base_path(), case.case_id)) {
                                                    @if case.receipt_number.is_empty() {
                                                        (messages.not_yet_numbered)
                                                    } @else { (case.receipt_number) }
                                                } }
                                                td { (case.applicant_masked_name) }
                                                td { (super::status::tag(lang, case.state)) }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
