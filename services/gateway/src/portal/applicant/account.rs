//! The account's own pages: the profile, changing the password, the
//! account's sessions. Before sign-in, the password reset is
//! `password_reset`'s, with these pages' texts.

use crate::portal::TokenForm;
use std::collections::HashMap;

use axum::extract::OriginalUri;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use laissez_proto::identity::v1::{
    ChangePasswordRequest, GetProfileRequest, ListSessionsRequest, Profile, RevokeSessionRequest,
    Session, UpdateProfileRequest,
};
use maud::{Markup, html};
use serde::Deserialize;

use crate::core::Core;
use crate::core::csrf::CSRF_FORM_FIELD;
use crate::portal::applicant::parts::when;
use crate::portal::applicant::visit::{Posted, Visit, layout};
use crate::portal::shell::i18n::{Lang, Text};
use crate::portal::shell::locale::texts;
use crate::portal::shell::page::{lang_suffix, lookup_failed, page};
use crate::portal::shell::site::{self, Site};
use crate::portal::shell::view::{self, FormError, Frame};

texts! {
    /// The texts of these pages (`locales/*/account.ftl`).
    pub struct Texts, fn texts, "account" {
        account,
        profile,
        profile_empty,
        change_password,
        current_password,
        new_password,
        new_password_confirmation,
        password_change_ends_sessions,
        password_changed_title,
        password_changed_body,
        sign_in_again,
        sessions,
        session_started,
        session_last_seen,
        session_address,
        session_browser,
        this_session,
        revoke,
        forgot_password,
        forgot_intro,
        send_reset_link,
        reset_sent_title,
        reset_sent_body,
        reset_title,
        set_password,
        reset_link_invalid,
        back_to_sign_in,
        err_current_password_wrong,
        err_current_password_required,
        err_new_password_required,
        err_new_password_rules,
        err_new_password_short,
        err_new_password_common,
        err_new_password_similar,
        err_new_password_unchanged,
        err_confirmation_differs,
        edit_profile,
        save_profile,
        message_language,
        message_language_help,
        save_language,
        language_saved,
        profile_saved,
        choose,
        err_field_required,
        err_field_invalid,
        err_field_read_only,
    }
}

pub(crate) fn action_of(uri: &Uri) -> String {
    uri.path_and_query()
        .map_or_else(|| uri.path().to_owned(), |pq| pq.as_str().to_owned())
}

/// Identity's refusal of a new password, per field.
pub(crate) fn password_errors(status: &tonic::Status, lang: Lang) -> Vec<FormError> {
    let texts = texts(lang);
    let problem = laissez_kit::Problem::from_status(status);
    let mut errors: Vec<FormError> = Vec::new();
    for error in &problem.errors {
        let found = match (error.field.as_str(), error.code.as_str()) {
            ("current_password", "wrong") => ("current_password", texts.err_current_password_wrong),
            ("current_password", _) => ("current_password", texts.err_current_password_required),
            (_, "confirmation_differs") => {
                ("new_password_confirmation", texts.err_confirmation_differs)
            }
            (_, "required") => ("new_password", texts.err_new_password_required),
            (_, "too_short") => ("new_password", texts.err_new_password_short),
            (_, "too_common") => ("new_password", texts.err_new_password_common),
            (_, "similar_to_account") => ("new_password", texts.err_new_password_similar),
            (_, "unchanged") => ("new_password", texts.err_new_password_unchanged),
            _ => ("new_password", texts.err_new_password_rules),
        };
        if !errors.iter().any(|known| known.field == found.0) {
            errors.push(FormError {
                field: found.0,
                message: found.1,
            });
        }
    }
    if errors.is_empty() {
        errors.push(FormError {
            field: "new_password",
            message: texts.err_new_password_rules,
        });
    }
    errors
}

/// Empty fields the applicant must fill before identity is asked.
pub(crate) fn missing_passwords(
    lang: Lang,
    current: Option<&str>,
    new: &str,
    confirmation: &str,
) -> Vec<FormError> {
    let texts = texts(lang);
    let mut errors = Vec::new();
    if current.is_some_and(str::is_empty) {
        errors.push(FormError {
            field: "current_password",
            message: texts.err_current_password_required,
        });
    }
    if new.is_empty() {
        errors.push(FormError {
            field: "new_password",
            message: texts.err_new_password_required,
        });
    } else if new != confirmation {
        errors.push(FormError {
            field: "new_password_confirmation",
            message: texts.err_confirmation_differs,
        });
    }
    errors
}

// --------------------------------------------------------------- account

async fn profile_and_sessions(
    core: &Core,
    visit: &Visit,
) -> Result<(Profile, Vec<Session>), tonic::Status> {
    let profile = core
        .upstreams
        .identity()
        .get_profile(
            core.upstreams
                .request(GetProfileRequest {}, Some(visit.caller.token())),
        )
        .await?
        .into_inner();
    let sessions = core
        .upstreams
        .identity()
        .list_sessions(
            core.upstreams
                .request(ListSessionsRequest {}, Some(visit.caller.token())),
        )
        .await?
        .into_inner()
        .sessions;
    Ok((profile, sessions))
}

fn profile_label(site: &Site, lang: Lang, code: &str) -> String {
    site.registration_label(code)
        .map(|label| label.get(lang).to_owned())
        .filter(|label| !label.is_empty())
        .unwrap_or_else(|| code.to_owned())
}

/// A profile field's error: the field's code and what is wrong.
pub struct FieldProblem {
    code: String,
    message: String,
}

/// The profile form as typed (after a refusal) and what was wrong, or
/// the saved note.
#[derive(Default)]
pub struct ProfileEdit {
    typed: Option<HashMap<String, String>>,
    problems: Vec<FieldProblem>,
    saved: bool,
    language_saved: bool,
}

fn profile_input_id(code: &str) -> String {
    format!("profile-{code}")
}

/// The summary of the profile's errors (same look as the others').
fn profile_summary(lang: Lang, problems: &[FieldProblem]) -> Markup {
    html! {
        @if !problems.is_empty() {
            div.error-summary role="alert" aria-labelledby="profile-error-summary-title" tabindex="-1" {
                h2 #profile-error-summary-title { (lang.messages().error_summary) }
                ul {
                    @for problem in problems {
                        li { a href=(format!("#{}", profile_input_id(&problem.code))) { (problem.message) } }
                    }
                }
            }
        }
    }
}

/// One editable profile field, by the catalog's kind.
fn profile_input(
    site: &Site,
    lang: Lang,
    field: &serde_json::Value,
    value: &str,
    problems: &[FieldProblem],
) -> Markup {
    let code = field["code"].as_str().unwrap_or_default();
    let id = profile_input_id(code);
    let label = profile_label(site, lang, code);
    let help = Text::from_json(&field["help"]);
    let help = help.get(lang);
    let problem = problems.iter().find(|problem| problem.code == code);
    let mut described = Vec::new();
    if !help.is_empty() {
        described.push(format!("{id}-help"));
    }
    if problem.is_some() {
        described.push(format!("{id}-error"));
    }
    let described = described.join(" ");
    let described = (!described.is_empty()).then_some(described.as_str());
    let invalid = problem.map(|_| "true");
    let kind = field["type"].as_str().unwrap_or("text");
    html! {
        div.field.field-error[problem.is_some()] {
            label for=(id) { (label) }
            @if !help.is_empty() {
                p.help id=(format!("{id}-help")) { (help) }
            }
            @if let Some(problem) = problem {
                p.error-message id=(format!("{id}-error")) { (problem.message) }
            }
            @if kind == "choice" {
                select id=(id) name=(code) aria-describedby=[described] aria-invalid=[invalid] {
                    option value="" { (texts(lang).choose) }
                    @for (option, name) in site.code_list(field["code_list"].as_str().unwrap_or_default()) {
                        option value=(option) selected[option == value] { (name.get(lang)) }
                    }
                }
            } @else {
                @let input_type = match kind {
                    "date" => "date",
                    "email" => "email",
                    "phone" => "tel",
                    _ => "text",
                };
                input id=(id) name=(code) type=(input_type) value=(value)
                    aria-describedby=[described] aria-invalid=[invalid];
            }
        }
    }
}

/// A profile value as shown: a code list's name in the language, else
/// the value.
fn shown_value(site: &Site, lang: Lang, code: &str, value: &str) -> String {
    site.registration_fields()
        .into_iter()
        .find(|field| field["code"] == code)
        .and_then(|field| field["code_list"].as_str())
        .and_then(|list| {
            site.code_list(list)
                .into_iter()
                .find(|(entry, _)| entry == value)
        })
        .map_or_else(|| value.to_owned(), |(_, name)| name.get(lang).to_owned())
}

async fn render_account(
    core: &Core,
    visit: &Visit,
    uri: &Uri,
    status: StatusCode,
    errors: &[FormError],
    edit: &ProfileEdit,
) -> Response {
    let (profile, sessions) = match profile_and_sessions(core, visit).await {
        Ok(found) => found,
        Err(status) => return visit.refused(&status).into_response(),
    };
    let lang = visit.language.lang;
    let texts = texts(lang);
    let base = visit.site.base_path();
    let suffix = lang_suffix(uri);
    let token = core.csrf_token(visit.caller.session_token());
    // The registration's fields in the catalog's order; not the account
    // (login) itself, the password, the SMS code or the consents.
    let sms_code = visit.site.sms_code_field();
    let shown = |code: &str| {
        !matches!(code, "login_name" | "password" | "password_confirmation")
            && Some(code) != sms_code.as_deref()
            && code != visit.site.login_with
    };
    let fields: Vec<(&str, &String)> = visit
        .site
        .registration_fields()
        .into_iter()
        .filter_map(|field| field["code"].as_str())
        .filter(|code| shown(code))
        .filter_map(|code| profile.fields.get(code).map(|value| (code, value)))
        .collect();
    let editable = visit.site.editable_profile_fields();
    let content = html! {
        (view::error_summary(lang, errors))
        section aria-labelledby="profile-title" {
            h2 #profile-title { (texts.profile) }
            @if fields.is_empty() {
                p { (texts.profile_empty) }
            } @else {
                dl.summary {
                    @for (code, value) in &fields {
                        dt { (profile_label(&visit.site, lang, code)) }
                        dd { (shown_value(&visit.site, lang, code, value)) }
                    }
                }
            }
        }
        @if !editable.is_empty() {
            section aria-labelledby="edit-profile-title" {
                h2 #edit-profile-title { (texts.edit_profile) }
                @if edit.saved {
                    div.outcome role="status" { p { (texts.profile_saved) } }
                }
                (profile_summary(lang, &edit.problems))
                form method="post" action=(format!("{base}account/profile{suffix}")) novalidate {
                    input type="hidden" name=(CSRF_FORM_FIELD) value=(token);
                    @for field in &editable {
                        @let code = field["code"].as_str().unwrap_or_default();
                        @let value = edit.typed.as_ref().map_or_else(
                            || profile.fields.get(code).cloned().unwrap_or_default(),
                            |typed| typed.get(code).cloned().unwrap_or_default(),
                        );
                        (profile_input(&visit.site, lang, field, &value, &edit.problems))
                    }
                    div.actions { button.primary type="submit" { (texts.save_profile) } }
                }
            }
        }
        section aria-labelledby="language-title" {
            h2 #language-title { (texts.message_language) }
            @if edit.language_saved {
                div.outcome role="status" { p { (texts.language_saved) } }
            }
            form method="post" action=(format!("{base}account/language{suffix}")) {
                input type="hidden" name=(CSRF_FORM_FIELD) value=(token);
                div.field {
                    label for="message_language" { (texts.message_language) }
                    p.help #message_language-help { (texts.message_language_help) }
                    select #message_language name="language" aria-describedby="message_language-help" {
                        @for choice in Lang::ALL {
                            option value=(choice.tag()) lang=(choice.tag())
                                selected[choice.proto() == profile.language] { (choice.own_name()) }
                        }
                    }
                }
                div.actions { button.secondary type="submit" { (texts.save_language) } }
            }
        }
        section aria-labelledby="password-title" {
            h2 #password-title { (texts.change_password) }
            p.help { (texts.password_change_ends_sessions) }
            form method="post" action=(format!("{base}account/password{suffix}")) novalidate {
                input type="hidden" name=(CSRF_FORM_FIELD) value=(token);
                (view::field("current_password", texts.current_password, "password", "", "current-password", errors, None))
                (view::field("new_password", texts.new_password, "password", "", "new-password", errors, None))
                (view::field("new_password_confirmation", texts.new_password_confirmation, "password", "", "new-password", errors, None))
                div.actions { button.primary type="submit" { (texts.change_password) } }
            }
        }
        section aria-labelledby="sessions-title" {
            h2 #sessions-title { (texts.sessions) }
            div.table-wrap tabindex="0" {
                table {
                    thead { tr {
                        th scope="col" { (texts.session_started) }
                        th scope="col" { (texts.session_last_seen) }
                        th scope="col" { (texts.session_address) }
                        th scope="col" { (texts.session_browser) }
                        th scope="col" { span.visually-hidden { (texts.revoke) } }
                    } }
                    tbody {
                        @for session in &sessions {
                            tr {
                                td { (when(&visit.site, session.created_at.as_ref()).unwrap_or_default()) }
                                td { (when(&visit.site, session.last_seen_at.as_ref()).unwrap_or_default()) }
                                td { (session.source_ip) }
                                td { (session.user_agent) }
                                td {
                                    @if session.current {
                                        (texts.this_session)
                                    } @else {
                                        form method="post" action=(format!("{base}account/sessions/{}/revoke{suffix}", session.session_id)) {
                                            input type="hidden" name=(CSRF_FORM_FIELD) value=(token);
                                            button.secondary type="submit" { (texts.revoke) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    layout(core, visit, uri, status, texts.account, content)
}

/// The account page: profile, password change, sessions.
pub async fn account_page(
    State(core): State<Core>,
    visit: Visit,
    OriginalUri(uri): OriginalUri,
) -> Response {
    render_account(
        &core,
        &visit,
        &uri,
        StatusCode::OK,
        &[],
        &ProfileEdit::default(),
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ChangePasswordForm {
    csrf_token: String,
    current_password: String,
    new_password: String,
    new_password_confirmation: String,
}

/// Changes the password; identity then ends every session of the
/// account, so the answer clears the cookie and offers the sign-in.
pub async fn change_password(
    State(core): State<Core>,
    OriginalUri(uri): OriginalUri,
    Posted(visit, form): Posted<ChangePasswordForm>,
) -> Response {
    let account_uri = account_uri(&visit, &uri);
    let lang = visit.language.lang;
    let errors = missing_passwords(
        lang,
        Some(&form.current_password),
        &form.new_password,
        &form.new_password_confirmation,
    );
    if !errors.is_empty() {
        return render_account(
            &core,
            &visit,
            &account_uri,
            StatusCode::UNPROCESSABLE_ENTITY,
            &errors,
            &ProfileEdit::default(),
        )
        .await;
    }
    let answer = core
        .upstreams
        .identity()
        .change_password(core.upstreams.request(
            ChangePasswordRequest {
                current_password: form.current_password.clone(),
                new_password: form.new_password.clone(),
                new_password_confirmation: form.new_password_confirmation.clone(),
            },
            Some(visit.caller.token()),
        ))
        .await;
    match answer {
        Ok(_) => {}
        Err(status) if status.code() == tonic::Code::InvalidArgument => {
            let errors = password_errors(&status, lang);
            return render_account(
                &core,
                &visit,
                &account_uri,
                StatusCode::UNPROCESSABLE_ENTITY,
                &errors,
                &ProfileEdit::default(),
            )
            .await;
        }
        Err(status) => return visit.refused(&status).into_response(),
    }
    core.forget_session(&visit.caller, true);
    let texts = texts(lang);
    let login = format!("{}login{}", visit.site.base_path(), lang_suffix(&uri));
    let frame = Frame {
        lang,
        uri: &account_uri,
        site: Some(&visit.site),
        title: texts.password_changed_title,
    };
    let content = html! {
        div.outcome role="status" { p { (texts.password_changed_body) } }
        p { a.button.primary href=(login) { (texts.sign_in_again) } }
    };
    let mut response = page(
        visit.language,
        StatusCode::OK,
        view::layout(&frame, html! {}, content),
    );
    response
        .headers_mut()
        .append(header::SET_COOKIE, core.cookies.clear_session());
    response
}

/// Saves the profile's editable fields (identity checks them like at
/// registration); the account page again, with the saved note or the
/// errors and the typed values.
pub async fn update_profile(
    State(core): State<Core>,
    OriginalUri(uri): OriginalUri,
    Posted(visit, mut form): Posted<HashMap<String, String>>,
) -> Response {
    form.remove(CSRF_FORM_FIELD);
    let account_uri = account_uri(&visit, &uri);
    let lang = visit.language.lang;
    let editable: Vec<String> = visit
        .site
        .editable_profile_fields()
        .into_iter()
        .filter_map(|field| field["code"].as_str().map(str::to_owned))
        .collect();
    let fields: HashMap<String, String> = form
        .into_iter()
        .filter(|(code, _)| editable.contains(code))
        .map(|(code, value)| (code, value.trim().to_owned()))
        .collect();
    let current = match core
        .upstreams
        .identity()
        .get_profile(
            core.upstreams
                .request(GetProfileRequest {}, Some(visit.caller.token())),
        )
        .await
    {
        Ok(profile) => profile.into_inner(),
        Err(status) => return visit.refused(&status).into_response(),
    };
    let answer = core
        .upstreams
        .identity()
        .update_profile(core.upstreams.request(
            UpdateProfileRequest {
                fields: fields.clone(),
                language: current.language,
            },
            Some(visit.caller.token()),
        ))
        .await;
    let edit = match answer {
        Ok(_) => ProfileEdit {
            saved: true,
            ..ProfileEdit::default()
        },
        Err(status) if status.code() == tonic::Code::InvalidArgument => {
            let texts = texts(lang);
            let problem = laissez_kit::Problem::from_status(&status);
            let problems = problem
                .errors
                .iter()
                .map(|error| {
                    let code = error
                        .field
                        .strip_prefix("fields.")
                        .unwrap_or(&error.field)
                        .to_owned();
                    let what = match error.code.as_str() {
                        "required" => texts.err_field_required,
                        "read_only" => texts.err_field_read_only,
                        _ => texts.err_field_invalid,
                    };
                    let label = profile_label(&visit.site, lang, &code);
                    let message = match lang {
                        Lang::En => format!("{label} {what}"),
                        _ => format!("{label}{what}"),
                    };
                    FieldProblem { code, message }
                })
                .collect();
            ProfileEdit {
                typed: Some(fields),
                problems,
                ..ProfileEdit::default()
            }
        }
        Err(status) => return visit.refused(&status).into_response(),
    };
    let status = if edit.saved {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render_account(&core, &visit, &account_uri, status, &[], &edit).await
}

/// The account page (in the visitor's chosen language), where the forms
/// posted from it answer.
fn account_uri(visit: &Visit, uri: &Uri) -> Uri {
    format!("{}account{}", visit.site.base_path(), lang_suffix(uri))
        .parse()
        .unwrap_or_else(|_| uri.clone())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LanguageForm {
    csrf_token: String,
    language: String,
}

/// Sets the language the account's messages are written in.
pub async fn update_language(
    State(core): State<Core>,
    OriginalUri(uri): OriginalUri,
    Posted(visit, form): Posted<LanguageForm>,
) -> Response {
    let account_uri = account_uri(&visit, &uri);
    let Some(chosen) = Lang::from_tag(&form.language) else {
        let errors = [FormError {
            field: "message_language",
            message: texts(visit.language.lang).err_field_invalid,
        }];
        return render_account(
            &core,
            &visit,
            &account_uri,
            StatusCode::UNPROCESSABLE_ENTITY,
            &errors,
            &ProfileEdit::default(),
        )
        .await;
    };
    let answer = core
        .upstreams
        .identity()
        .update_profile(core.upstreams.request(
            UpdateProfileRequest {
                fields: HashMap::new(),
                language: chosen.proto(),
            },
            Some(visit.caller.token()),
        ))
        .await;
    if let Err(status) = answer {
        return visit.refused(&status).into_response();
    }
    let edit = ProfileEdit {
        language_saved: true,
        ..ProfileEdit::default()
    };
    render_account(&core, &visit, &account_uri, StatusCode::OK, &[], &edit).await
}

/// Ends one of the account's sessions, then back to the account page.
pub async fn revoke_session(
    State(core): State<Core>,
    Path((_, _, session_id)): Path<(String, String, String)>,
    OriginalUri(uri): OriginalUri,
    Posted(visit, _form): Posted<TokenForm>,
) -> Response {
    let answer = core
        .upstreams
        .identity()
        .revoke_session(core.upstreams.request(
            RevokeSessionRequest { session_id },
            Some(visit.caller.token()),
        ))
        .await;
    match answer {
        Ok(_) => {}
        Err(status)
            if matches!(
                status.code(),
                tonic::Code::NotFound
                    | tonic::Code::InvalidArgument
                    | tonic::Code::PermissionDenied
            ) =>
        {
            return lookup_failed(visit.language, &uri, site::Lookup::NotFound);
        }
        Err(status) => return visit.refused(&status).into_response(),
    }
    Redirect::to(&format!(
        "{}account{}",
        visit.site.base_path(),
        lang_suffix(&uri)
    ))
    .into_response()
}

crate::portal::shell::request::csrf_token_field!(ChangePasswordForm, LanguageForm);
