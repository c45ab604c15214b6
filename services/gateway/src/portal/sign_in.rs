//! Sign-in (with the agency's captcha and, on the staff portal, the
//! authenticator's code) and sign-out, on every portal.

use axum::Form;
use axum::extract::OriginalUri;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use laissez_proto::identity::v1::{CreateCaptchaRequest, LoginRequest, LogoutRequest};
use maud::{Markup, html};
use serde::Deserialize;

use crate::core::Core;
use crate::core::client_ip::ClientIp;
use crate::core::credentials::{Credentials, cookie};
use crate::core::csrf::CSRF_FORM_FIELD;
use crate::core::problem::ApiError;
use crate::core::rate_limit::{Bucket, Verdict};
use crate::portal::shell::guest::anonymous_binding;
use crate::portal::shell::i18n::Lang;
use crate::portal::shell::site::Site;
use crate::portal::shell::view::{self, FormError, Frame};

use crate::portal::shell::page::{
    Language, forbidden, lang_suffix, lookup_failed, page, to_login, unavailable,
};

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

fn render_login(status: StatusCode, login: LoginPage<'_>) -> Response {
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
                @let staff_texts = crate::portal::staff::sign_in_texts(lang);
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
                    (crate::portal::applicant::account::texts(lang).forgot_password)
                }
            }
        }
        @if !login.site.registration_fields().is_empty() {
            p.register {
                a href=(format!("{}register{}", login.site.base_path(), lang_suffix(login.uri))) {
                    (crate::portal::applicant::registration::texts(lang).register_link)
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
        login.language,
        status,
        view::layout(&frame, html! {}, content),
    )
}

/// The sign-in form.
pub async fn login_form(
    State(core): State<Core>,
    Path((agency, portal)): Path<(String, String)>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Response {
    let language = Language::of(&uri, &headers);
    let (site, staff) = match crate::portal::shell::site::find_any(&core, &agency, &portal).await {
        Ok(found) => found,
        Err(lookup) => return lookup_failed(language, &uri, lookup),
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
            Err(_) => return unavailable(language, &uri, Some(&site)),
        }
    } else {
        None
    };
    let mut response = render_login(
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
        Some(crate::portal::staff::totp::landing(core, &token).await)
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
    OriginalUri(uri): OriginalUri,
    client: Option<axum::Extension<ClientIp>>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let language = Language::of(&uri, &headers);
    let lang = language.lang;
    let messages = lang.messages();
    let (site, staff) = match crate::portal::shell::site::find_any(&core, &agency, &portal).await {
        Ok(found) => found,
        Err(lookup) => return lookup_failed(language, &uri, lookup),
    };
    if !core.anonymous_form_allowed(&headers, &form.csrf_token) {
        return forbidden(language, &uri, Some(&site));
    }
    let binding = cookie(&headers, core.cookies.anonymous_cookie_name()).unwrap_or_default();
    let again = async |status: StatusCode, errors: Vec<FormError>| {
        let captcha = if site.captcha {
            match new_captcha(&core, &site, &form.pre_session).await {
                Ok(captcha) => Some(captcha),
                Err(_) => return unavailable(language, &uri, Some(&site)),
            }
        } else {
            None
        };
        render_login(
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
                    message: crate::portal::staff::sign_in_texts(lang).err_totp_required,
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
        return unavailable(language, &uri, Some(&site));
    };
    // Staff land on their first page (the authenticator's enrolment, the
    // review queue, the administration), applicants on their dashboard.
    let landing = if staff {
        crate::portal::staff::totp::landing(&core, &signed_in.session_token).await
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
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Form(form): Form<LogoutForm>,
) -> Response {
    let language = Language::of(&uri, &headers);
    let site = match crate::portal::shell::site::find_any(&core, &agency, &portal).await {
        Ok((site, _)) => site,
        Err(lookup) => return lookup_failed(language, &uri, lookup),
    };
    if !core.credentials(&headers).is_cookie() {
        return to_login(&site, &uri);
    }
    let caller = match core
        .signed_in(&Method::POST, &headers, Some(&form.csrf_token))
        .await
    {
        Ok(caller) => caller,
        Err(ApiError::Forbidden(_)) => return forbidden(language, &uri, Some(&site)),
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

/// Sign-in and sign-out, below `/portal/{agency}/{portal}`.
pub fn routes() -> axum::Router<Core> {
    axum::Router::new()
        .route("/login", axum::routing::get(login_form).post(login))
        .route("/logout", axum::routing::post(logout))
}
