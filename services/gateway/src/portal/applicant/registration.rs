//! Registration, generated from the portal's registration fields in the
//! agency's catalog (with the SMS code's "send code" button where the
//! portal asks for one), and activation from the emailed link.

use std::collections::HashMap;

use axum::Form;
use axum::extract::OriginalUri;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use laissez_proto::identity::v1::{ActivateRequest, RegisterRequest, RequestSmsCodeRequest};
use maud::{Markup, html};
use serde::Deserialize;

use crate::core::Core;
use crate::core::client_ip::ClientIp;
use crate::core::credentials::cookie;
use crate::core::csrf::CSRF_FORM_FIELD;
use crate::portal::shell::guest::{Guest, with_cookie};
use crate::portal::shell::i18n::{Lang, Text};
use crate::portal::shell::locale::texts;
use crate::portal::shell::page::{
    Language, forbidden, lang_suffix, lookup_failed, page, unavailable,
};
use crate::portal::shell::site::{self, Site};
use crate::portal::shell::view::{self, Frame};

texts! {
    pub struct Texts, fn texts, "registration" {
        register,
        register_link,
        password_confirmation,
        send_code,
        code_sent,
        registered_title,
        registered_email,
        registered_ready,
        to_sign_in,
        activate_title,
        activate_button,
        activated,
        activation_invalid,
        registered_sms,
        sms_code,
        choose,
        err_required,
        err_invalid,
        err_taken,
        err_password,
        err_confirmation,
        err_consent,
        err_code,
    }
}

struct Problem {
    field: String,
    message: String,
}

fn summary(lang: Lang, problems: &[Problem]) -> Markup {
    html! {
        @if !problems.is_empty() {
            div.error-summary role="alert" aria-labelledby="error-summary-title" tabindex="-1" {
                h2 #error-summary-title { (lang.messages().error_summary) }
                ul {
                    @for problem in problems {
                        li { a href=(format!("#{}", problem.field)) { (problem.message) } }
                    }
                }
            }
        }
    }
}

/// The portal's registration policy from the catalog.
fn policy(site: &Site) -> serde_json::Value {
    site.catalog["portals"]
        .as_array()
        .and_then(|portals| {
            portals
                .iter()
                .find(|portal| portal["code"] == site.portal.as_str())
        })
        .map(|portal| portal["registration"].clone())
        .unwrap_or_default()
}

fn consents(site: &Site) -> Vec<(String, Text)> {
    policy(site)["consents"]
        .as_array()
        .map(|consents| {
            consents
                .iter()
                .filter_map(|consent| {
                    Some((
                        consent["code"].as_str()?.to_owned(),
                        Text::from_json(&consent["label"]),
                    ))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn label(site: &Site, lang: Lang, code: &str) -> String {
    let found = site
        .registration_label(code)
        .map(|label| label.get(lang).to_owned())
        .filter(|label| !label.is_empty())
        .or_else(|| {
            consents(site)
                .into_iter()
                .find(|(consent, _)| consent == code)
                .map(|(_, label)| label.get(lang).to_owned())
        });
    match (found, code) {
        (Some(found), _) => found,
        (None, "password_confirmation") => texts(lang).password_confirmation.to_owned(),
        (None, "login_name") => lang.messages().login_name.to_owned(),
        (None, "password") => lang.messages().password.to_owned(),
        (None, other) => other.to_owned(),
    }
}

/// The phone field the SMS code goes to, where the portal's form asks for
/// the code (its declared `sms_code_field`).
fn mobile_field(site: &Site) -> Option<String> {
    if policy(site)["activation"] != "sms" || site.sms_code_field().is_none() {
        return None;
    }
    site.registration_fields()
        .into_iter()
        .find(|field| field["type"] == "phone")
        .and_then(|field| field["code"].as_str().map(str::to_owned))
}

struct RegisterPage<'a> {
    language: Language,
    site: &'a Site,
    uri: &'a Uri,
    binding: &'a str,
    typed: &'a HashMap<String, String>,
    problems: &'a [Problem],
    note: Option<&'a str>,
}

fn input(
    id: &str,
    label: &str,
    kind: &str,
    value: &str,
    autocomplete: &str,
    problems: &[Problem],
) -> Markup {
    let problem = problems.iter().find(|problem| problem.field == id);
    html! {
        div.field.field-error[problem.is_some()] {
            label for=(id) { (label) }
            @if let Some(problem) = problem {
                p.error-message id=(format!("{id}-error")) { (problem.message) }
            }
            input id=(id) name=(id) type=(kind) value=(value) autocomplete=(autocomplete)
                aria-describedby=[problem.map(|_| format!("{id}-error"))]
                aria-invalid=[problem.map(|_| "true")];
        }
    }
}

fn render(core: &Core, status: StatusCode, form: RegisterPage<'_>) -> Response {
    let lang = form.language.lang;
    let texts = texts(lang);
    let site = form.site;
    let problems = form.problems;
    let value = |code: &str| form.typed.get(code).cloned().unwrap_or_default();
    let mobile = mobile_field(site);
    let sms_code = site.sms_code_field();
    let action = format!("{}register{}", site.base_path(), lang_suffix(form.uri));
    let content = html! {
        (summary(lang, problems))
        @if let Some(note) = form.note {
            div.outcome role="status" { p { (note) } }
        }
        form method="post" action=(action) novalidate {
            input type="hidden" name=(CSRF_FORM_FIELD) value=(core.csrf_token(form.binding));
            @for field in site.registration_fields() {
                @let code = field["code"].as_str().unwrap_or_default();
                @let kind = field["type"].as_str().unwrap_or("text");
                @if code == "password" {
                    (input("password", &label(site, lang, code), "password", "", "new-password", problems))
                    (input("password_confirmation", texts.password_confirmation, "password", "", "new-password", problems))
                } @else if kind == "choice" {
                    @let problem = problems.iter().find(|problem| problem.field == code);
                    div.field.field-error[problem.is_some()] {
                        label for=(code) { (label(site, lang, code)) }
                        @if let Some(problem) = problem {
                            p.error-message id=(format!("{code}-error")) { (problem.message) }
                        }
                        select id=(code) name=(code)
                            aria-describedby=[problem.map(|_| format!("{code}-error"))]
                            aria-invalid=[problem.map(|_| "true")] {
                            option value="" { (texts.choose) }
                            @for (option, name) in site.code_list(field["code_list"].as_str().unwrap_or_default()) {
                                option value=(option) selected[option == value(code)] { (name.get(lang)) }
                            }
                        }
                    }
                } @else {
                    @let input_type = match kind { "date" => "date", "email" => "email", "phone" => "tel", _ => "text" };
                    @let autocomplete = if sms_code.as_deref() == Some(code) { "one-time-code" } else if code == "login_name" { "username" } else { "off" };
                    (input(code, &label(site, lang, code), input_type, &value(code), autocomplete, problems))
                    @if mobile.as_deref() == Some(code) {
                        div.actions {
                            button.secondary type="submit" name="send_code" value="1" { (texts.send_code) }
                        }
                    }
                }
            }
            @for (code, consent) in consents(site) {
                @let problem = problems.iter().find(|problem| problem.field == code);
                div.field.checkbox.field-error[problem.is_some()] {
                    @if let Some(problem) = problem {
                        p.error-message id=(format!("{code}-error")) { (problem.message) }
                    }
                    input id=(code) type="checkbox" name=(code) value="true" checked[value(&code) == "true"]
                        aria-describedby=[problem.map(|_| format!("{code}-error"))]
                        aria-invalid=[problem.map(|_| "true")];
                    label for=(code) { (consent.get(lang)) }
                }
            }
            div.actions { button.primary type="submit" { (texts.register) } }
        }
        p { a href=(format!("{}login{}", site.base_path(), lang_suffix(form.uri))) { (lang.messages().sign_in) } }
    };
    let frame = Frame {
        lang,
        uri: form.uri,
        site: Some(site),
        title: texts.register,
    };
    page(
        form.language,
        status,
        view::layout(&frame, html! {}, content),
    )
}

/// Portals without a registration policy have no registration page.
fn registers(site: &Site) -> bool {
    !site.registration_fields().is_empty()
}

/// The registration form.
pub async fn register_form(
    State(core): State<Core>,
    Guest((language, site, binding, set)): Guest,
    OriginalUri(uri): OriginalUri,
) -> Response {
    if !registers(&site) {
        return lookup_failed(language, &uri, site::Lookup::NotFound);
    }
    let typed = HashMap::new();
    with_cookie(
        render(
            &core,
            StatusCode::OK,
            RegisterPage {
                language,
                site: &site,
                uri: &uri,
                binding: &binding,
                typed: &typed,
                problems: &[],
                note: None,
            },
        ),
        set,
    )
}

fn problems_of(site: &Site, lang: Lang, status: &tonic::Status) -> Vec<Problem> {
    let texts = texts(lang);
    let first = site
        .registration_fields()
        .into_iter()
        .find_map(|field| field["code"].as_str().map(str::to_owned))
        .unwrap_or_else(|| "login_name".to_owned());
    if status.code() != tonic::Code::InvalidArgument {
        // A refusal of the whole registration (e.g. no such person in the
        // agency's records) reads as identity worded it, in this language.
        return vec![Problem {
            field: first,
            message: status.message().to_owned(),
        }];
    }
    let problem = laissez_kit::Problem::from_status(status);
    let consent_codes: Vec<String> = consents(site).into_iter().map(|(code, _)| code).collect();
    let sms_field = site.sms_code_field();
    let mut problems: Vec<Problem> = Vec::new();
    for error in &problem.errors {
        let field = error.field.strip_prefix("fields.").unwrap_or(&error.field);
        let field = if field == "fields" || field.is_empty() {
            first.as_str()
        } else {
            field
        };
        let message = match (field, error.code.as_str()) {
            ("password_confirmation", _) | (_, "confirmation_differs") => {
                texts.err_confirmation.to_owned()
            }
            ("password", "required") => format!(
                "{}{}{}",
                label(site, lang, "password"),
                if lang == Lang::En { " " } else { "" },
                texts.err_required
            ),
            ("password", _) => texts.err_password.to_owned(),
            (field, code) if code != "required" && sms_field.as_deref() == Some(field) => {
                texts.err_code.to_owned()
            }
            // A field check of the agency's form carries its own message,
            // in the visitor's language.
            (_, "check") if !error.message.is_empty() => error.message.clone(),
            (code, _) if consent_codes.iter().any(|consent| consent == code) => format!(
                "{}{}{}",
                label(site, lang, code),
                if lang == Lang::En { " " } else { "" },
                texts.err_consent
            ),
            (code, kind) => {
                let what = match kind {
                    "required" => texts.err_required,
                    "taken" | "already_registered" | "duplicate" => texts.err_taken,
                    _ => texts.err_invalid,
                };
                format!(
                    "{}{}{}",
                    label(site, lang, code),
                    if lang == Lang::En { " " } else { "" },
                    what
                )
            }
        };
        let field = if error.code == "confirmation_differs" {
            "password_confirmation"
        } else {
            field
        };
        if !problems.iter().any(|known| known.field == field) {
            problems.push(Problem {
                field: field.to_owned(),
                message,
            });
        }
    }
    if problems.is_empty() {
        problems.push(Problem {
            field: first,
            message: texts.err_invalid.to_owned(),
        });
    }
    problems
}

/// Registers, or (the "send code" button) sends the SMS code and shows
/// the form again with what was typed (never the passwords).
pub async fn register(
    State(core): State<Core>,
    Guest((language, site, binding, set)): Guest,
    OriginalUri(uri): OriginalUri,
    client: Option<axum::Extension<ClientIp>>,
    headers: HeaderMap,
    Form(mut form): Form<HashMap<String, String>>,
) -> Response {
    if !registers(&site) {
        return lookup_failed(language, &uri, site::Lookup::NotFound);
    }
    let token = form.remove(CSRF_FORM_FIELD).unwrap_or_default();
    if !core.anonymous_form_allowed(&headers, &token) {
        return forbidden(language, &uri, Some(&site));
    }
    let lang = language.lang;
    let texts = texts(lang);
    let password = form.remove("password").unwrap_or_default();
    let confirmation = form.remove("password_confirmation").unwrap_or_default();
    let send_code = form.remove("send_code").is_some();
    let known: Vec<String> = site
        .registration_fields()
        .into_iter()
        .filter_map(|field| field["code"].as_str().map(str::to_owned))
        .chain(consents(&site).into_iter().map(|(code, _)| code))
        .collect();
    let typed: HashMap<String, String> = form
        .into_iter()
        .filter(|(code, _)| known.contains(code))
        .map(|(code, value)| (code, value.trim().to_owned()))
        .collect();
    let again = |status: StatusCode, problems: &[Problem], note: Option<&str>| {
        with_cookie(
            render(
                &core,
                status,
                RegisterPage {
                    language,
                    site: &site,
                    uri: &uri,
                    binding: &binding,
                    typed: &typed,
                    problems,
                    note,
                },
            ),
            set.clone(),
        )
    };
    if send_code {
        let Some(mobile_code) = mobile_field(&site) else {
            return again(StatusCode::OK, &[], None);
        };
        let mobile = typed.get(&mobile_code).cloned().unwrap_or_default();
        if mobile.is_empty() {
            let problems = [Problem {
                message: format!(
                    "{}{}{}",
                    label(&site, lang, &mobile_code),
                    if lang == Lang::En { " " } else { "" },
                    texts.err_required
                ),
                field: mobile_code,
            }];
            return again(StatusCode::UNPROCESSABLE_ENTITY, &problems, None);
        }
        let answer = core
            .upstreams
            .identity()
            .request_sms_code(
                core.upstreams.request(
                    RequestSmsCodeRequest {
                        agency: site.agency.clone(),
                        portal: site.portal.clone(),
                        mobile,
                        purpose: "registration".to_owned(),
                        source_ip: client
                            .map(|axum::Extension(ClientIp(ip))| ip.to_string())
                            .unwrap_or_default(),
                        language: lang.proto(),
                    },
                    None,
                ),
            )
            .await;
        return match answer {
            Ok(_) => again(StatusCode::OK, &[], Some(texts.code_sent)),
            Err(status) if status.code() == tonic::Code::InvalidArgument => {
                let problems = problems_of(&site, lang, &status)
                    .into_iter()
                    .map(|problem| Problem {
                        field: if problem.field == "mobile" {
                            mobile_code.clone()
                        } else {
                            problem.field
                        },
                        message: problem.message,
                    })
                    .collect::<Vec<_>>();
                again(StatusCode::UNPROCESSABLE_ENTITY, &problems, None)
            }
            Err(status) if status.code() == tonic::Code::ResourceExhausted => {
                let problems = [Problem {
                    field: mobile_code,
                    message: lang.messages().err_too_many.to_owned(),
                }];
                again(StatusCode::TOO_MANY_REQUESTS, &problems, None)
            }
            Err(status) => {
                tracing::warn!(code = ?status.code(), "identity did not send the SMS code");
                unavailable(language, &uri, Some(&site))
            }
        };
    }
    let login_field = if site.login_with == "login_name" {
        "login_name"
    } else {
        site.login_with.as_str()
    };
    let login_name = typed.get(login_field).cloned().unwrap_or_default();
    let answer = core
        .upstreams
        .identity()
        .register(
            core.upstreams.request(
                RegisterRequest {
                    agency: site.agency.clone(),
                    portal: site.portal.clone(),
                    login_name: login_name.clone(),
                    password,
                    password_confirmation: confirmation,
                    fields: typed
                        .iter()
                        .filter(|(code, _)| code.as_str() != "login_name")
                        .map(|(code, value)| (code.clone(), value.clone()))
                        .collect(),
                    language: lang.proto(),
                },
                None,
            ),
        )
        .await;
    match answer {
        Ok(_) if activates_by_code(&site, &login_name) => with_cookie(
            activation_page(
                language,
                &site,
                &uri,
                StatusCode::OK,
                code_form(
                    &core,
                    CodePage {
                        lang,
                        site: &site,
                        uri: &uri,
                        binding: &binding,
                    },
                    &login_name,
                    false,
                ),
            ),
            set,
        ),
        Ok(_) => {
            let body = if policy(&site)["activation"] == "email" {
                texts.registered_email
            } else {
                texts.registered_ready
            };
            let content = html! {
                div.outcome role="status" { p { (body) } }
                p { a.button.primary href=(format!("{}login{}", site.base_path(), lang_suffix(&uri))) { (texts.to_sign_in) } }
            };
            let frame = Frame {
                lang,
                uri: &uri,
                site: Some(&site),
                title: texts.registered_title,
            };
            with_cookie(
                page(
                    language,
                    StatusCode::OK,
                    view::layout(&frame, html! {}, content),
                ),
                set,
            )
        }
        Err(status)
            if matches!(
                status.code(),
                tonic::Code::InvalidArgument
                    | tonic::Code::FailedPrecondition
                    | tonic::Code::AlreadyExists
            ) =>
        {
            again(
                StatusCode::UNPROCESSABLE_ENTITY,
                &problems_of(&site, lang, &status),
                None,
            )
        }
        Err(status) if status.code() == tonic::Code::ResourceExhausted => {
            let problems = [Problem {
                field: "login_name".to_owned(),
                message: lang.messages().err_too_many.to_owned(),
            }];
            again(StatusCode::TOO_MANY_REQUESTS, &problems, None)
        }
        Err(status) => {
            tracing::warn!(code = ?status.code(), "identity did not register");
            unavailable(language, &uri, Some(&site))
        }
    }
}

/// Whether a registrant of `site` activates by typing the code texted to
/// the login: SMS activation without a code on the registration form,
/// and a login that is a mobile number (an address gets the e-mailed
/// link instead, as identity decides).
fn activates_by_code(site: &Site, login: &str) -> bool {
    policy(site)["activation"] == "sms" && site.sms_code_field().is_none() && !login.contains('@')
}

/// Where the code form is shown, and to whom.
struct CodePage<'a> {
    lang: Lang,
    site: &'a Site,
    uri: &'a Uri,
    binding: &'a str,
}

/// The form that activates an account with the texted code.
fn code_form(core: &Core, page: CodePage<'_>, login: &str, wrong: bool) -> Markup {
    let CodePage {
        lang,
        site,
        uri,
        binding,
    } = page;
    let texts = texts(lang);
    let problems: Vec<Problem> = if wrong {
        vec![Problem {
            field: "sms_code".to_owned(),
            message: texts.err_code.to_owned(),
        }]
    } else {
        Vec::new()
    };
    html! {
        (summary(lang, &problems))
        @if !wrong { div.outcome role="status" { p { (texts.registered_sms) } } }
        form method="post" action=(format!("{}activate{}", site.base_path(), lang_suffix(uri))) novalidate {
            input type="hidden" name=(CSRF_FORM_FIELD) value=(core.csrf_token(binding));
            input type="hidden" name="login_name" value=(login);
            div.field.(if wrong { "field-error" } else { "" }) {
                label for="sms_code" { (texts.sms_code) }
                @if wrong { p.error-message #sms_code-error { (texts.err_code) } }
                input #sms_code name="sms_code" type="text" inputmode="numeric"
                    autocomplete="one-time-code" maxlength="12"
                    aria-describedby=[wrong.then_some("sms_code-error")]
                    aria-invalid=[wrong.then_some("true")];
            }
            div.actions { button.primary type="submit" { (texts.activate_button) } }
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ActivateQuery {
    token: String,
}

fn activation_page(
    language: Language,
    site: &Site,
    uri: &Uri,
    status: StatusCode,
    content: Markup,
) -> Response {
    let frame = Frame {
        lang: language.lang,
        uri,
        site: Some(site),
        title: texts(language.lang).activate_title,
    };
    page(language, status, view::layout(&frame, html! {}, content))
}

/// The emailed link's page: one button (a link alone never activates,
/// so mail scanners following it change nothing).
pub async fn activate_form(
    State(core): State<Core>,
    Guest((language, site, binding, set)): Guest,
    Query(query): Query<ActivateQuery>,
    OriginalUri(uri): OriginalUri,
) -> Response {
    let texts = texts(language.lang);
    let content = if query.token.is_empty() || query.token.len() > 256 {
        html! { p { (texts.activation_invalid) } }
    } else {
        html! {
            form method="post" action=(format!("{}activate{}", site.base_path(), lang_suffix(&uri))) {
                input type="hidden" name=(CSRF_FORM_FIELD) value=(core.csrf_token(&binding));
                input type="hidden" name="token" value=(query.token);
                div.actions { button.primary type="submit" { (texts.activate_button) } }
            }
        }
    };
    with_cookie(
        activation_page(language, &site, &uri, StatusCode::OK, content),
        set,
    )
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ActivateForm {
    csrf_token: String,
    /// The e-mailed link's token, or
    token: String,
    /// the login and the code texted to it.
    login_name: String,
    sms_code: String,
}

/// Activates the account of the emailed link, or of the texted code.
pub async fn activate(
    State(core): State<Core>,
    Guest((language, site, _, _)): Guest,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Form(form): Form<ActivateForm>,
) -> Response {
    let binding = cookie(&headers, core.cookies.anonymous_cookie_name()).unwrap_or_default();
    if core
        .csrf
        .check(&Method::POST, &headers, &binding, Some(&form.csrf_token))
        .is_err()
    {
        return forbidden(language, &uri, Some(&site));
    }
    let texts = texts(language.lang);
    let by_code = form.token.is_empty() && activates_by_code(&site, form.login_name.trim());
    let login_name = if by_code {
        form.login_name.trim().to_owned()
    } else {
        String::new()
    };
    let sms_code = if by_code {
        form.sms_code.trim().to_owned()
    } else {
        String::new()
    };
    // The code form again, the code refused (typed or answered wrong).
    let wrong_code = |login: &str| {
        activation_page(
            language,
            &site,
            &uri,
            StatusCode::UNPROCESSABLE_ENTITY,
            code_form(
                &core,
                CodePage {
                    lang: language.lang,
                    site: &site,
                    uri: &uri,
                    binding: &binding,
                },
                login,
                true,
            ),
        )
    };
    if by_code && (sms_code.is_empty() || sms_code.len() > 12 || login_name.len() > 256) {
        return wrong_code(&login_name);
    }
    let answer = core
        .upstreams
        .identity()
        .activate(core.upstreams.request(
            ActivateRequest {
                agency: site.agency.clone(),
                portal: site.portal.clone(),
                token: form.token,
                login_name: login_name.clone(),
                sms_code,
            },
            None,
        ))
        .await;
    let login = format!("{}login{}", site.base_path(), lang_suffix(&uri));
    match answer {
        Ok(_) => activation_page(
            language,
            &site,
            &uri,
            StatusCode::OK,
            html! {
                div.outcome role="status" { p { (texts.activated) } }
                p { a.button.primary href=(login) { (texts.to_sign_in) } }
            },
        ),
        Err(status)
            if by_code
                && matches!(
                    status.code(),
                    tonic::Code::FailedPrecondition
                        | tonic::Code::InvalidArgument
                        | tonic::Code::NotFound
                        | tonic::Code::Unauthenticated
                ) =>
        {
            wrong_code(&login_name)
        }
        Err(status)
            if matches!(
                status.code(),
                tonic::Code::FailedPrecondition
                    | tonic::Code::InvalidArgument
                    | tonic::Code::NotFound
            ) =>
        {
            activation_page(
                language,
                &site,
                &uri,
                StatusCode::GONE,
                html! { p { (texts.activation_invalid) } },
            )
        }
        Err(status) => {
            tracing::warn!(code = ?status.code(), "identity did not activate");
            unavailable(language, &uri, Some(&site))
        }
    }
}
