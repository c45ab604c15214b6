//! Managed applicants (辦理人管理): the people an account applies for. The
//! list shows masked names and document numbers (identity masks them);
//! adding and editing are checked by identity (identity documents
//! included), removing asks for a confirmation first.

use std::collections::HashMap;

use axum::extract::OriginalUri;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use laissez_proto::identity::v1::{
    Applicant, CreateApplicantRequest, DeleteApplicantRequest, GetApplicantRequest,
    ListApplicantsRequest, Relationship, UpdateApplicantRequest,
};
use maud::{Markup, html};

use crate::core::Core;
use crate::core::csrf::CSRF_FORM_FIELD;
use crate::portal::applicant::visit::{
    Posted, Removal, Visit, back_or_refused, confirm_removal, layout,
};
use crate::portal::shell::i18n::Lang;
use crate::portal::shell::locale::texts;
use crate::portal::shell::page::lang_suffix;
use crate::portal::shell::site::Site;

texts! {
    pub struct Texts, fn texts, "applicants" {
        applicants,
        none,
        add,
        edit,
        remove,
        remove_title,
        remove_confirm,
        keep,
        save,
        name,
        relationship,
        guardian,
        document_type,
        document_number,
        valid_long_term,
        valid_from,
        valid_until,
        surname,
        given_name,
        household_place,
        email,
        date_of_birth,
        choose,
        relationship_self,
        relationship_child,
        relationship_parent,
        relationship_spouse,
        relationship_other,
        err_required,
        err_invalid,
        err_not_applicable,
        err_expired,
        err_duplicate,
    }
}

impl Texts {
    /// The names of [`RELATIONSHIPS`], in their order.
    fn relationships(&self) -> [&'static str; 5] {
        [
            self.relationship_self,
            self.relationship_child,
            self.relationship_parent,
            self.relationship_spouse,
            self.relationship_other,
        ]
    }
}

const RELATIONSHIPS: [(Relationship, &str); 5] = [
    (Relationship::Self_, "self"),
    (Relationship::Child, "child"),
    (Relationship::Parent, "parent"),
    (Relationship::Spouse, "spouse"),
    (Relationship::Other, "other"),
];

fn relationship_name(lang: Lang, value: i32) -> &'static str {
    RELATIONSHIPS
        .iter()
        .position(|(relationship, _)| *relationship as i32 == value)
        .map_or("", |index| texts(lang).relationships()[index])
}

/// A field's problem: the field (an input id) and the message.
struct Problem {
    field: String,
    message: String,
}

fn label_of(lang: Lang, field: &str) -> &'static str {
    let texts = texts(lang);
    match field {
        "relationship" => texts.relationship,
        "guardian" => texts.guardian,
        "document_type" => texts.document_type,
        "document_number" => texts.document_number,
        "valid_long_term" => texts.valid_long_term,
        "valid_from" => texts.valid_from,
        "valid_until" => texts.valid_until,
        "surname" => texts.surname,
        "given_name" => texts.given_name,
        "household_place" => texts.household_place,
        "email" => texts.email,
        "date_of_birth" => texts.date_of_birth,
        _ => texts.name,
    }
}

fn problems_of(status: &tonic::Status, lang: Lang) -> Vec<Problem> {
    let texts = texts(lang);
    let problem = laissez_kit::Problem::from_status(status);
    let mut problems: Vec<Problem> = Vec::new();
    for error in &problem.errors {
        let field = error
            .field
            .strip_prefix("applicant.")
            .unwrap_or(&error.field);
        let field = if label_of(lang, field) == texts.name {
            "surname"
        } else {
            field
        };
        let what = match error.code.as_str() {
            "required" => texts.err_required,
            "not_applicable" => texts.err_not_applicable,
            "expired" => texts.err_expired,
            _ => texts.err_invalid,
        };
        let label = label_of(lang, field);
        let message = match lang {
            Lang::En => format!("{label} {what}"),
            _ => format!("{label}{what}"),
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
            field: "document_number".to_owned(),
            message: if status.code() == tonic::Code::AlreadyExists {
                texts.err_duplicate.to_owned()
            } else {
                format!("{}{}", texts.document_number, texts.err_invalid)
            },
        });
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
                        li { a href=(format!("#{}", problem.field)) { (problem.message) } }
                    }
                }
            }
        }
    }
}

fn list_path(site: &Site, uri: &Uri) -> String {
    format!("{}applicants{}", site.base_path(), lang_suffix(uri))
}

/// The list.
pub async fn list(
    State(core): State<Core>,
    visit: Visit,
    OriginalUri(uri): OriginalUri,
) -> Response {
    let answer = core
        .upstreams
        .identity()
        .list_applicants(
            core.upstreams
                .request(ListApplicantsRequest {}, Some(visit.caller.token())),
        )
        .await;
    let applicants = match answer {
        Ok(answer) => answer.into_inner().applicants,
        Err(status) => return visit.refused(&status).into_response(),
    };
    let lang = visit.language.lang;
    let texts = texts(lang);
    let base = format!("{}applicants", visit.site.base_path());
    let suffix = lang_suffix(&uri);
    let document_types = visit.site.code_list("managed_document_type");
    let content = html! {
        p { a.button.primary href=(format!("{base}/new{suffix}")) { (texts.add) } }
        @if applicants.is_empty() {
            p { (texts.none) }
        } @else {
            div.table-wrap tabindex="0" {
                table {
                    thead { tr {
                        th scope="col" { (texts.name) }
                        th scope="col" { (texts.relationship) }
                        th scope="col" { (texts.document_type) }
                        th scope="col" { (texts.document_number) }
                        th scope="col" { span.visually-hidden { (texts.edit) } }
                    } }
                    tbody {
                        @for applicant in &applicants {
                            tr {
                                td { (applicant.masked_name) }
                                td { (relationship_name(lang, applicant.relationship)) }
                                td {
                                    (document_types.iter().find(|(code, _)| *code == applicant.document_type)
                                        .map_or(applicant.document_type.as_str(), |(_, name)| name.get(lang)))
                                }
                                td { (applicant.document_number) }
                                td {
                                    a href=(format!("{base}/{}/edit{suffix}", applicant.applicant_id)) { (texts.edit) }
                                    " · "
                                    a href=(format!("{base}/{}/remove{suffix}", applicant.applicant_id)) { (texts.remove) }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    layout(
        &core,
        &visit,
        &uri,
        StatusCode::OK,
        texts.applicants,
        content,
    )
}

fn applicant_from(form: &HashMap<String, String>, applicant_id: String) -> Applicant {
    let text = |name: &str| {
        form.get(name)
            .map(|value| value.trim().to_owned())
            .unwrap_or_default()
    };
    let relationship = RELATIONSHIPS
        .iter()
        .find(|(_, code)| *code == text("relationship"))
        .map_or(0, |(relationship, _)| *relationship as i32);
    Applicant {
        applicant_id,
        relationship,
        guardian: form.contains_key("guardian"),
        document_type: text("document_type"),
        document_number: text("document_number"),
        valid_long_term: form.contains_key("valid_long_term"),
        valid_from: text("valid_from"),
        valid_until: text("valid_until"),
        surname: text("surname"),
        given_name: text("given_name"),
        household_place: text("household_place"),
        email: text("email"),
        date_of_birth: text("date_of_birth"),
        masked_name: String::new(),
    }
}

fn input(id: &'static str, label: &str, kind: &str, value: &str, problems: &[Problem]) -> Markup {
    let problem = problems.iter().find(|problem| problem.field == id);
    html! {
        div.field.field-error[problem.is_some()] {
            label for=(id) { (label) }
            @if let Some(problem) = problem {
                p.error-message id=(format!("{id}-error")) { (problem.message) }
            }
            input id=(id) name=(id) type=(kind) value=(value)
                aria-describedby=[problem.map(|_| format!("{id}-error"))]
                aria-invalid=[problem.map(|_| "true")];
        }
    }
}

fn select(
    id: &'static str,
    label: &str,
    lang: Lang,
    options: &[(String, String)],
    value: &str,
    problems: &[Problem],
) -> Markup {
    let problem = problems.iter().find(|problem| problem.field == id);
    html! {
        div.field.field-error[problem.is_some()] {
            label for=(id) { (label) }
            @if let Some(problem) = problem {
                p.error-message id=(format!("{id}-error")) { (problem.message) }
            }
            select id=(id) name=(id)
                aria-describedby=[problem.map(|_| format!("{id}-error"))]
                aria-invalid=[problem.map(|_| "true")] {
                option value="" { (texts(lang).choose) }
                @for (code, name) in options {
                    option value=(code) selected[code == value] { (name) }
                }
            }
        }
    }
}

fn checkbox(id: &'static str, label: &str, checked: bool, problems: &[Problem]) -> Markup {
    let problem = problems.iter().find(|problem| problem.field == id);
    html! {
        div.field.checkbox.field-error[problem.is_some()] {
            @if let Some(problem) = problem {
                p.error-message id=(format!("{id}-error")) { (problem.message) }
            }
            input id=(id) type="checkbox" name=(id) value="1" checked[checked]
                aria-describedby=[problem.map(|_| format!("{id}-error"))]
                aria-invalid=[problem.map(|_| "true")];
            label for=(id) { (label) }
        }
    }
}

fn render_form(
    core: &Core,
    visit: &Visit,
    uri: &Uri,
    status: StatusCode,
    title: &str,
    applicant: &Applicant,
    problems: &[Problem],
) -> Response {
    let lang = visit.language.lang;
    let texts = texts(lang);
    let site = &visit.site;
    let localized = |list: &str| -> Vec<(String, String)> {
        site.code_list(list)
            .into_iter()
            .map(|(code, name)| (code, name.get(lang).to_owned()))
            .collect()
    };
    let relationships: Vec<(String, String)> = RELATIONSHIPS
        .iter()
        .enumerate()
        .map(|(index, (_, code))| ((*code).to_owned(), texts.relationships()[index].to_owned()))
        .collect();
    let relationship = RELATIONSHIPS
        .iter()
        .find(|(relationship, _)| *relationship as i32 == applicant.relationship)
        .map_or("", |(_, code)| code);
    let document_types = localized("managed_document_type");
    let places = localized("household_place");
    let action = uri
        .path_and_query()
        .map_or_else(|| uri.path().to_owned(), |pq| pq.as_str().to_owned());
    let content = html! {
        (summary(lang, problems))
        form method="post" action=(action) novalidate {
            input type="hidden" name=(CSRF_FORM_FIELD) value=(core.csrf_token(visit.caller.session_token()));
            (select("relationship", texts.relationship, lang, &relationships, relationship, problems))
            (checkbox("guardian", texts.guardian, applicant.guardian, problems))
            @if document_types.is_empty() {
                (input("document_type", texts.document_type, "text", &applicant.document_type, problems))
            } @else {
                (select("document_type", texts.document_type, lang, &document_types, &applicant.document_type, problems))
            }
            (input("document_number", texts.document_number, "text", &applicant.document_number, problems))
            (checkbox("valid_long_term", texts.valid_long_term, applicant.valid_long_term, problems))
            (input("valid_from", texts.valid_from, "date", &applicant.valid_from, problems))
            (input("valid_until", texts.valid_until, "date", &applicant.valid_until, problems))
            (input("surname", texts.surname, "text", &applicant.surname, problems))
            (input("given_name", texts.given_name, "text", &applicant.given_name, problems))
            @if places.is_empty() {
                (input("household_place", texts.household_place, "text", &applicant.household_place, problems))
            } @else {
                (select("household_place", texts.household_place, lang, &places, &applicant.household_place, problems))
            }
            (input("email", texts.email, "email", &applicant.email, problems))
            (input("date_of_birth", texts.date_of_birth, "date", &applicant.date_of_birth, problems))
            div.actions {
                button.primary type="submit" { (texts.save) }
                a.button.secondary href=(list_path(site, uri)) { (texts.applicants) }
            }
        }
    };
    layout(core, visit, uri, status, title, content)
}

/// The empty "add" form.
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
        &Applicant::default(),
        &[],
    )
}

/// Adds an applicant; the list, or the form again with the errors.
pub async fn create(
    State(core): State<Core>,
    OriginalUri(uri): OriginalUri,
    Posted(visit, form): Posted<HashMap<String, String>>,
) -> Response {
    let applicant = applicant_from(&form, String::new());
    let answer = core
        .upstreams
        .identity()
        .create_applicant(core.upstreams.request(
            CreateApplicantRequest {
                applicant: Some(applicant.clone()),
            },
            Some(visit.caller.token()),
        ))
        .await;
    match answer {
        Ok(_) => Redirect::to(&list_path(&visit.site, &uri)).into_response(),
        Err(status)
            if matches!(
                status.code(),
                tonic::Code::InvalidArgument
                    | tonic::Code::AlreadyExists
                    | tonic::Code::FailedPrecondition
            ) =>
        {
            let lang = visit.language.lang;
            render_form(
                &core,
                &visit,
                &uri,
                StatusCode::UNPROCESSABLE_ENTITY,
                texts(lang).add,
                &applicant,
                &problems_of(&status, lang),
            )
        }
        Err(status) => visit.refused(&status).into_response(),
    }
}

async fn get_applicant(
    core: &Core,
    visit: &Visit,
    applicant_id: &str,
) -> Result<Applicant, tonic::Status> {
    Ok(core
        .upstreams
        .identity()
        .get_applicant(core.upstreams.request(
            GetApplicantRequest {
                applicant_id: applicant_id.to_owned(),
            },
            Some(visit.caller.token()),
        ))
        .await?
        .into_inner())
}

/// The "edit" form with the applicant's details (unmasked: their own).
pub async fn edit_form(
    State(core): State<Core>,
    visit: Visit,
    Path((_, _, applicant_id)): Path<(String, String, String)>,
    OriginalUri(uri): OriginalUri,
) -> Response {
    let applicant = match get_applicant(&core, &visit, &applicant_id).await {
        Ok(applicant) => applicant,
        Err(status) => return visit.refused(&status).into_response(),
    };
    let title = texts(visit.language.lang).edit;
    render_form(&core, &visit, &uri, StatusCode::OK, title, &applicant, &[])
}

/// Saves an applicant's changes.
pub async fn update(
    State(core): State<Core>,
    Path((_, _, applicant_id)): Path<(String, String, String)>,
    OriginalUri(uri): OriginalUri,
    Posted(visit, form): Posted<HashMap<String, String>>,
) -> Response {
    let applicant = applicant_from(&form, applicant_id);
    let answer = core
        .upstreams
        .identity()
        .update_applicant(core.upstreams.request(
            UpdateApplicantRequest {
                applicant: Some(applicant.clone()),
            },
            Some(visit.caller.token()),
        ))
        .await;
    match answer {
        Ok(_) => Redirect::to(&list_path(&visit.site, &uri)).into_response(),
        Err(status)
            if status.code() == tonic::Code::InvalidArgument
                && !laissez_kit::Problem::from_status(&status).errors.is_empty() =>
        {
            let lang = visit.language.lang;
            render_form(
                &core,
                &visit,
                &uri,
                StatusCode::UNPROCESSABLE_ENTITY,
                texts(lang).edit,
                &applicant,
                &problems_of(&status, lang),
            )
        }
        Err(status) => visit.refused(&status).into_response(),
    }
}

/// The confirmation before removing.
pub async fn remove_page(
    State(core): State<Core>,
    visit: Visit,
    Path((_, _, applicant_id)): Path<(String, String, String)>,
    OriginalUri(uri): OriginalUri,
) -> Response {
    let applicant = match get_applicant(&core, &visit, &applicant_id).await {
        Ok(applicant) => applicant,
        Err(status) => return visit.refused(&status).into_response(),
    };
    let lang = visit.language.lang;
    let texts = texts(lang);
    let back = list_path(&visit.site, &uri);
    let summary = html! {
        dl.summary {
            dt { (texts.name) } dd { (applicant.masked_name) }
            dt { (texts.relationship) } dd { (relationship_name(lang, applicant.relationship)) }
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

/// Removes the applicant, then the list.
pub async fn remove(
    State(core): State<Core>,
    Path((_, _, applicant_id)): Path<(String, String, String)>,
    OriginalUri(uri): OriginalUri,
    Posted(visit, _form): Posted<HashMap<String, String>>,
) -> Response {
    let answer = core
        .upstreams
        .identity()
        .delete_applicant(core.upstreams.request(
            DeleteApplicantRequest { applicant_id },
            Some(visit.caller.token()),
        ))
        .await;
    back_or_refused(answer, &visit, &list_path(&visit.site, &uri))
}
