//! The address book (地址管理): the delivery addresses an account keeps
//! for courier deliveries. Identity checks and keeps them; the first one
//! saved is the default, and the wizard offers them where a type delivers
//! by courier.

use std::collections::HashMap;

use axum::extract::OriginalUri;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use laissez_proto::identity::v1::{
    Address, CreateAddressRequest, DeleteAddressRequest, ListAddressesRequest, UpdateAddressRequest,
};
use maud::{Markup, html};

use crate::core::Core;
use crate::core::csrf::CSRF_FORM_FIELD;
use crate::portal::applicant::apply::spec::TypeSpec;
use crate::portal::applicant::visit::{
    Posted, Removal, Visit, back_or_refused, confirm_removal, layout,
};
use crate::portal::shell::i18n::Lang;
use crate::portal::shell::locale::texts;
use crate::portal::shell::page::lang_suffix;
use crate::portal::shell::site::Site;

texts! {
    pub struct Texts, fn texts, "addresses" {
        title,
        none,
        add,
        edit,
        remove,
        remove_title,
        remove_confirm,
        keep,
        save,
        make_default,
        default,
        recipient,
        phone,
        address,
        is_default,
        actions,
        err_required,
        err_too_long,
        err_characters,
        err_invalid,
        err_full,
    }
}

/// A saved address as one text: what a courier case's address answer
/// becomes when the applicant picks it in the wizard.
pub fn as_text(address: &Address) -> String {
    format!(
        "{} {}\n{}",
        address.recipient, address.phone, address.address
    )
}

/// The account's saved addresses, the default first.
pub async fn saved(core: &Core, visit: &Visit) -> Result<Vec<Address>, tonic::Status> {
    Ok(core
        .upstreams
        .identity()
        .list_addresses(
            core.upstreams
                .request(ListAddressesRequest {}, Some(visit.caller.token())),
        )
        .await?
        .into_inner()
        .addresses)
}

/// The saved addresses a wizard form offers: where the type has a field a
/// courier delivers to and the portal offers a courier; none when identity
/// does not answer (the address is then typed).
pub async fn for_form(core: &Core, visit: &Visit, kind: &TypeSpec<'_>) -> Vec<Address> {
    if kind.courier_address_field().is_none() || !visit.site.offers_courier() {
        return Vec::new();
    }
    saved(core, visit).await.unwrap_or_else(|status| {
        tracing::debug!(code = ?status.code(), "no saved addresses for the form");
        Vec::new()
    })
}

/// A form's problem: the input it belongs to (none: the whole form) and
/// the message.
struct Problem {
    field: Option<&'static str>,
    message: String,
}

const FIELDS: [&str; 3] = ["recipient", "phone", "address"];

fn label_of(lang: Lang, field: &str) -> &'static str {
    let texts = texts(lang);
    match field {
        "recipient" => texts.recipient,
        "phone" => texts.phone,
        _ => texts.address,
    }
}

fn problems_of(status: &tonic::Status, lang: Lang) -> Vec<Problem> {
    let texts = texts(lang);
    if status.code() == tonic::Code::FailedPrecondition {
        return vec![Problem {
            field: None,
            message: texts.err_full.to_owned(),
        }];
    }
    let problem = laissez_kit::Problem::from_status(status);
    let mut problems: Vec<Problem> = Vec::new();
    for error in &problem.errors {
        let named = error
            .field
            .strip_prefix("address.")
            .and_then(|field| FIELDS.iter().find(|known| **known == field))
            .copied();
        let field = named.unwrap_or("address");
        let what = match error.code.as_str() {
            "required" => texts.err_required,
            "too_long" => texts.err_too_long,
            "invalid_character" => texts.err_characters,
            _ => texts.err_invalid,
        };
        let label = label_of(lang, field);
        let message = match lang {
            Lang::En => format!("{label} {what}"),
            _ => format!("{label}{what}"),
        };
        if !problems.iter().any(|known| known.field == Some(field)) {
            problems.push(Problem {
                field: Some(field),
                message,
            });
        }
    }
    problems
}

fn summary(lang: Lang, problems: &[Problem]) -> Markup {
    html! {
        @if !problems.is_empty() {
            div.error-summary role="alert" aria-labelledby="error-summary-title" tabindex="-1" {
                h2 #error-summary-title { (lang.messages().error_summary) }
                ul {
                    @for problem in problems {
                        li {
                            @if let Some(field) = problem.field {
                                a href=(format!("#{field}")) { (problem.message) }
                            } @else {
                                (problem.message)
                            }
                        }
                    }
                }
            }
        }
    }
}

fn list_path(site: &Site, uri: &Uri) -> String {
    format!("{}addresses{}", site.base_path(), lang_suffix(uri))
}

fn here(uri: &Uri) -> String {
    uri.path_and_query()
        .map_or_else(|| uri.path().to_owned(), |pq| pq.as_str().to_owned())
}

/// `GET …/addresses`: the list, the default first.
pub async fn list(
    State(core): State<Core>,
    visit: Visit,
    OriginalUri(uri): OriginalUri,
) -> Response {
    let addresses = match saved(&core, &visit).await {
        Ok(addresses) => addresses,
        Err(status) => return visit.refused(&status).into_response(),
    };
    let lang = visit.language.lang;
    let texts = texts(lang);
    let base = format!("{}addresses", visit.site.base_path());
    let suffix = lang_suffix(&uri);
    let csrf = core.csrf_token(visit.caller.session_token());
    let content = html! {
        p { a.button.primary #add-address href=(format!("{base}/new{suffix}")) { (texts.add) } }
        @if addresses.is_empty() {
            p { (texts.none) }
        } @else {
            div.table-wrap tabindex="0" {
                table #addresses {
                    thead { tr {
                        th scope="col" { (texts.recipient) }
                        th scope="col" { (texts.phone) }
                        th scope="col" { (texts.address) }
                        th scope="col" { (texts.actions) }
                    } }
                    tbody {
                        @for address in &addresses {
                            tr {
                                td {
                                    (address.recipient)
                                    @if address.is_default {
                                        " " span.badge.done.default-address { (texts.default) }
                                    }
                                }
                                td { (address.phone) }
                                td.multiline { (address.address) }
                                td {
                                    a href=(format!("{base}/{}/edit{suffix}", address.address_id)) { (texts.edit) }
                                    " · "
                                    a href=(format!("{base}/{}/remove{suffix}", address.address_id)) { (texts.remove) }
                                    @if !address.is_default {
                                        form.inline method="post" action=(format!("{base}/{}/default{suffix}", address.address_id)) {
                                            input type="hidden" name=(CSRF_FORM_FIELD) value=(csrf);
                                            button.link type="submit" { (texts.make_default) }
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
    layout(&core, &visit, &uri, StatusCode::OK, texts.title, content)
}

fn address_from(form: &HashMap<String, String>, address_id: String) -> Address {
    let text = |name: &str| form.get(name).cloned().unwrap_or_default();
    Address {
        address_id,
        recipient: text("recipient"),
        phone: text("phone"),
        address: text("address"),
        is_default: form.contains_key("is_default"),
    }
}

fn field(
    id: &'static str,
    label: &str,
    value: &str,
    autocomplete: &str,
    problems: &[Problem],
) -> Markup {
    let problem = problems.iter().find(|problem| problem.field == Some(id));
    html! {
        div.field.field-error[problem.is_some()] {
            label for=(id) { (label) }
            @if let Some(problem) = problem {
                p.error-message id=(format!("{id}-error")) { (problem.message) }
            }
            @if id == "address" {
                textarea id=(id) name=(id) rows="3" autocomplete=(autocomplete)
                    aria-describedby=[problem.map(|_| format!("{id}-error"))]
                    aria-invalid=[problem.map(|_| "true")] { (value) }
            } @else {
                input id=(id) name=(id) type=(if id == "phone" { "tel" } else { "text" }) value=(value)
                    autocomplete=(autocomplete)
                    aria-describedby=[problem.map(|_| format!("{id}-error"))]
                    aria-invalid=[problem.map(|_| "true")];
            }
        }
    }
}

fn render_form(
    core: &Core,
    visit: &Visit,
    uri: &Uri,
    status: StatusCode,
    title: &str,
    address: &Address,
    problems: &[Problem],
) -> Response {
    let lang = visit.language.lang;
    let texts = texts(lang);
    let content = html! {
        (summary(lang, problems))
        form method="post" action=(here(uri)) novalidate {
            input type="hidden" name=(CSRF_FORM_FIELD) value=(core.csrf_token(visit.caller.session_token()));
            (field("recipient", texts.recipient, &address.recipient, "name", problems))
            (field("phone", texts.phone, &address.phone, "tel", problems))
            (field("address", texts.address, &address.address, "street-address", problems))
            div.field.checkbox {
                input #is_default type="checkbox" name="is_default" value="1" checked[address.is_default];
                label for="is_default" { (texts.is_default) }
            }
            div.actions {
                button.primary type="submit" { (texts.save) }
                a.button.secondary href=(list_path(&visit.site, uri)) { (texts.title) }
            }
        }
    };
    layout(core, visit, uri, status, title, content)
}

/// Identity's answer to a save: the list, the form again with its
/// problems, or the error page.
fn saved_or_form(
    answer: Result<tonic::Response<Address>, tonic::Status>,
    core: &Core,
    visit: &Visit,
    uri: &Uri,
    title: &str,
    address: &Address,
) -> Response {
    match answer {
        Ok(_) => Redirect::to(&list_path(&visit.site, uri)).into_response(),
        Err(status)
            if matches!(
                status.code(),
                tonic::Code::InvalidArgument | tonic::Code::FailedPrecondition
            ) && !problems_of(&status, visit.language.lang).is_empty() =>
        {
            render_form(
                core,
                visit,
                uri,
                StatusCode::UNPROCESSABLE_ENTITY,
                title,
                address,
                &problems_of(&status, visit.language.lang),
            )
        }
        Err(status) => visit.refused(&status).into_response(),
    }
}

/// `GET …/addresses/new`.
pub async fn new_form(
    State(core): State<Core>,
    visit: Visit,
    OriginalUri(uri): OriginalUri,
) -> Response {
    let title = texts(visit.language.lang).add;
    render_form(
        &core,
        &visit,
        &uri,
        StatusCode::OK,
        title,
        &Address::default(),
        &[],
    )
}

/// `POST …/addresses/new`.
pub async fn create(
    State(core): State<Core>,
    OriginalUri(uri): OriginalUri,
    Posted(visit, form): Posted<HashMap<String, String>>,
) -> Response {
    let address = address_from(&form, String::new());
    let answer = core
        .upstreams
        .identity()
        .create_address(core.upstreams.request(
            CreateAddressRequest {
                address: Some(address.clone()),
            },
            Some(visit.caller.token()),
        ))
        .await;
    let title = texts(visit.language.lang).add;
    saved_or_form(answer, &core, &visit, &uri, title, &address)
}

/// One of the account's addresses (another account's is not found).
async fn find(core: &Core, visit: &Visit, address_id: &str) -> Result<Address, tonic::Status> {
    saved(core, visit)
        .await?
        .into_iter()
        .find(|address| address.address_id == address_id)
        .ok_or_else(|| tonic::Status::not_found("address"))
}

/// `GET …/addresses/{address_id}/edit`.
pub async fn edit_form(
    State(core): State<Core>,
    visit: Visit,
    Path((_, _, address_id)): Path<(String, String, String)>,
    OriginalUri(uri): OriginalUri,
) -> Response {
    let address = match find(&core, &visit, &address_id).await {
        Ok(address) => address,
        Err(status) => return visit.refused(&status).into_response(),
    };
    let title = texts(visit.language.lang).edit;
    render_form(&core, &visit, &uri, StatusCode::OK, title, &address, &[])
}

async fn update_address(
    core: &Core,
    visit: &Visit,
    address: Address,
) -> Result<tonic::Response<Address>, tonic::Status> {
    core.upstreams
        .identity()
        .update_address(core.upstreams.request(
            UpdateAddressRequest {
                address: Some(address),
            },
            Some(visit.caller.token()),
        ))
        .await
}

/// `POST …/addresses/{address_id}/edit`.
pub async fn update(
    State(core): State<Core>,
    Path((_, _, address_id)): Path<(String, String, String)>,
    OriginalUri(uri): OriginalUri,
    Posted(visit, form): Posted<HashMap<String, String>>,
) -> Response {
    let address = address_from(&form, address_id);
    let answer = update_address(&core, &visit, address.clone()).await;
    let title = texts(visit.language.lang).edit;
    saved_or_form(answer, &core, &visit, &uri, title, &address)
}

/// `POST …/addresses/{address_id}/default`: the list's "make default".
pub async fn make_default(
    State(core): State<Core>,
    Path((_, _, address_id)): Path<(String, String, String)>,
    OriginalUri(uri): OriginalUri,
    Posted(visit, _form): Posted<HashMap<String, String>>,
) -> Response {
    let answer = match find(&core, &visit, &address_id).await {
        Ok(address) => {
            update_address(
                &core,
                &visit,
                Address {
                    is_default: true,
                    ..address
                },
            )
            .await
        }
        Err(status) => Err(status),
    };
    back_or_refused(answer, &visit, &list_path(&visit.site, &uri))
}

/// `GET …/addresses/{address_id}/remove`: the confirmation.
pub async fn remove_page(
    State(core): State<Core>,
    visit: Visit,
    Path((_, _, address_id)): Path<(String, String, String)>,
    OriginalUri(uri): OriginalUri,
) -> Response {
    let address = match find(&core, &visit, &address_id).await {
        Ok(address) => address,
        Err(status) => return visit.refused(&status).into_response(),
    };
    let texts = texts(visit.language.lang);
    let back = list_path(&visit.site, &uri);
    let summary = html! {
        dl.summary {
            dt { (texts.recipient) } dd { (address.recipient) }
            dt { (texts.address) } dd.multiline { (address.address) }
        }
    };
    confirm_removal(
        &core,
        &visit,
        &uri,
        Removal {
            title: texts.remove_title,
            summary,
            warning: texts.remove_confirm,
            remove: texts.remove,
            keep: texts.keep,
            back: &back,
        },
    )
}

/// `POST …/addresses/{address_id}/remove`.
pub async fn remove(
    State(core): State<Core>,
    Path((_, _, address_id)): Path<(String, String, String)>,
    OriginalUri(uri): OriginalUri,
    Posted(visit, _form): Posted<HashMap<String, String>>,
) -> Response {
    let answer = core
        .upstreams
        .identity()
        .delete_address(core.upstreams.request(
            DeleteAddressRequest { address_id },
            Some(visit.caller.token()),
        ))
        .await;
    back_or_refused(answer, &visit, &list_path(&visit.site, &uri))
}
