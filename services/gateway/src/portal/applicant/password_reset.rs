//! Before sign-in: asking for a password reset and choosing a new password
//! from the emailed link (the texts are the account pages').

use axum::Form;
use axum::extract::OriginalUri;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use laissez_proto::identity::v1::{RequestPasswordResetRequest, ResetPasswordRequest};
use maud::{Markup, html};
use serde::Deserialize;

use crate::core::Core;
use crate::core::csrf::CSRF_FORM_FIELD;
use crate::portal::applicant::account::{action_of, missing_passwords, password_errors, texts};
use crate::portal::shell::guest::{AnyGuest, Guest, with_cookie};
use crate::portal::shell::page::{Language, forbidden, lang_suffix, page, unavailable};
use crate::portal::shell::site::Site;
use crate::portal::shell::view::{self, FormError, Frame};

fn anonymous_page(
    language: Language,
    site: &Site,
    uri: &Uri,
    status: StatusCode,
    title: &str,
    content: Markup,
) -> Response {
    let frame = Frame {
        lang: language.lang,
        uri,
        site: Some(site),
        title,
    };
    page(language, status, view::layout(&frame, html! {}, content))
}

#[allow(clippy::too_many_arguments)]
fn render_forgot(
    core: &Core,
    language: Language,
    site: &Site,
    uri: &Uri,
    status: StatusCode,
    binding: &str,
    login_name: &str,
    errors: &[FormError],
) -> Response {
    let lang = language.lang;
    let messages = lang.messages();
    let texts = texts(lang);
    let account_label = if site.login_with == "document_number" {
        messages.document_number
    } else {
        messages.login_name
    };
    let content = html! {
        (view::error_summary(lang, errors))
        p { (texts.forgot_intro) }
        form method="post" action=(action_of(uri)) novalidate {
            input type="hidden" name=(CSRF_FORM_FIELD) value=(core.csrf_token(binding));
            (view::field("login_name", account_label, "text", login_name, "username", errors, None))
            div.actions { button.primary type="submit" { (texts.send_reset_link) } }
        }
        p { a href=(format!("{}login{}", site.base_path(), lang_suffix(uri))) { (texts.back_to_sign_in) } }
    };
    anonymous_page(language, site, uri, status, texts.forgot_password, content)
}

/// The "forgot password" form.
pub async fn forgot_form(
    State(core): State<Core>,
    Guest((language, site, binding, set)): Guest,
    OriginalUri(uri): OriginalUri,
) -> Response {
    with_cookie(
        render_forgot(
            &core,
            language,
            &site,
            &uri,
            StatusCode::OK,
            &binding,
            "",
            &[],
        ),
        set,
    )
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ForgotForm {
    csrf_token: String,
    login_name: String,
}

/// Asks identity for a reset link. The answer is the same whether or not
/// the account exists (identity answers alike, in the same time).
pub async fn forgot(
    State(core): State<Core>,
    Guest((language, site, binding, set)): Guest,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Form(form): Form<ForgotForm>,
) -> Response {
    if !core.anonymous_form_allowed(&headers, &form.csrf_token) {
        return forbidden(language, &uri, Some(&site));
    }
    let lang = language.lang;
    if form.login_name.trim().is_empty() {
        let errors = [FormError {
            field: "login_name",
            message: lang.messages().err_account_required,
        }];
        return with_cookie(
            render_forgot(
                &core,
                language,
                &site,
                &uri,
                StatusCode::UNPROCESSABLE_ENTITY,
                &binding,
                "",
                &errors,
            ),
            set,
        );
    }
    let answer = core
        .upstreams
        .identity()
        .request_password_reset(core.upstreams.request(
            RequestPasswordResetRequest {
                agency: site.agency.clone(),
                portal: site.portal.clone(),
                login_name: form.login_name.trim().to_owned(),
                email: String::new(),
            },
            None,
        ))
        .await;
    match answer {
        Ok(_) => {}
        // A refused name reads like any other: nothing tells whether it exists.
        Err(status) if status.code() == tonic::Code::InvalidArgument => {}
        Err(status) => {
            tracing::warn!(code = ?status.code(), "identity did not take the reset request");
            return unavailable(language, &uri, Some(&site));
        }
    }
    let texts = texts(lang);
    let content = html! {
        div.outcome role="status" { p { (texts.reset_sent_body) } }
        p { a href=(format!("{}login{}", site.base_path(), lang_suffix(&uri))) { (texts.back_to_sign_in) } }
    };
    with_cookie(
        anonymous_page(
            language,
            &site,
            &uri,
            StatusCode::OK,
            texts.reset_sent_title,
            content,
        ),
        set,
    )
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ResetQuery {
    token: String,
}

#[allow(clippy::too_many_arguments)]
fn render_reset(
    core: &Core,
    language: Language,
    site: &Site,
    uri: &Uri,
    status: StatusCode,
    binding: &str,
    token: &str,
    errors: &[FormError],
) -> Response {
    let lang = language.lang;
    let texts = texts(lang);
    let content = html! {
        (view::error_summary(lang, errors))
        form method="post" action=(format!("{}reset-password{}", site.base_path(), lang_suffix(uri))) novalidate {
            input type="hidden" name=(CSRF_FORM_FIELD) value=(core.csrf_token(binding));
            input type="hidden" name="token" value=(token);
            (view::field("new_password", texts.new_password, "password", "", "new-password", errors, None))
            (view::field("new_password_confirmation", texts.new_password_confirmation, "password", "", "new-password", errors, None))
            div.actions { button.primary type="submit" { (texts.set_password) } }
        }
    };
    anonymous_page(language, site, uri, status, texts.reset_title, content)
}

fn reset_link_invalid(language: Language, site: &Site, uri: &Uri) -> Response {
    let texts = texts(language.lang);
    let content = html! {
        p { (texts.reset_link_invalid) }
        p { a href=(format!("{}forgot-password{}", site.base_path(), lang_suffix(uri))) { (texts.forgot_password) } }
    };
    anonymous_page(
        language,
        site,
        uri,
        StatusCode::GONE,
        texts.reset_title,
        content,
    )
}

/// The page of the emailed link: the new password, twice.
pub async fn reset_form(
    State(core): State<Core>,
    AnyGuest((language, site, binding, set)): AnyGuest,
    Query(query): Query<ResetQuery>,
    OriginalUri(uri): OriginalUri,
) -> Response {
    if query.token.is_empty() || query.token.len() > 256 {
        return with_cookie(reset_link_invalid(language, &site, &uri), set);
    }
    with_cookie(
        render_reset(
            &core,
            language,
            &site,
            &uri,
            StatusCode::OK,
            &binding,
            &query.token,
            &[],
        ),
        set,
    )
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ResetForm {
    csrf_token: String,
    token: String,
    new_password: String,
    new_password_confirmation: String,
}

/// Sets the new password from the emailed link; success goes to the
/// sign-in.
pub async fn reset(
    State(core): State<Core>,
    AnyGuest((language, site, binding, set)): AnyGuest,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Form(form): Form<ResetForm>,
) -> Response {
    if !core.anonymous_form_allowed(&headers, &form.csrf_token) {
        return forbidden(language, &uri, Some(&site));
    }
    let lang = language.lang;
    let again = |errors: &[FormError]| {
        with_cookie(
            render_reset(
                &core,
                language,
                &site,
                &uri,
                StatusCode::UNPROCESSABLE_ENTITY,
                &binding,
                &form.token,
                errors,
            ),
            set.clone(),
        )
    };
    let errors = missing_passwords(
        lang,
        None,
        &form.new_password,
        &form.new_password_confirmation,
    );
    if !errors.is_empty() {
        return again(&errors);
    }
    let answer = core
        .upstreams
        .identity()
        .reset_password(core.upstreams.request(
            ResetPasswordRequest {
                token: form.token.clone(),
                new_password: form.new_password.clone(),
                new_password_confirmation: form.new_password_confirmation.clone(),
            },
            None,
        ))
        .await;
    match answer {
        Ok(_) => {
            Redirect::to(&format!("{}login{}", site.base_path(), lang_suffix(&uri))).into_response()
        }
        Err(status) if status.code() == tonic::Code::InvalidArgument => {
            again(&password_errors(&status, lang))
        }
        Err(status) if status.code() == tonic::Code::FailedPrecondition => {
            with_cookie(reset_link_invalid(language, &site, &uri), set)
        }
        Err(status) => {
            tracing::warn!(code = ?status.code(), "identity did not reset the password");
            unavailable(language, &uri, Some(&site))
        }
    }
}
