//! The notice board's announcements on the administrator's pages: the
//! list (intake `ListAnnouncements` of the administrator's agency), adding
//! (`CreateAnnouncement`), changing (`UpdateAnnouncement`) and removing
//! after a confirmation (`DeleteAnnouncement`). The gateway does not check
//! the fields: intake's refusals come back next to each field, the typed
//! values kept. Another agency's announcement reads like a missing one.

use crate::portal::TokenForm;
use axum::Form;
use axum::extract::OriginalUri;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use laissez_proto::common::v1::LocalizedText;
use laissez_proto::intake::v1::{
    Announcement, CreateAnnouncementRequest, DeleteAnnouncementRequest, ListAnnouncementsRequest,
    UpdateAnnouncementRequest,
};
use maud::{Markup, html};
use serde::Deserialize;

use crate::core::Core;
use crate::core::csrf::CSRF_FORM_FIELD;
use crate::portal::shell::i18n::{Lang, Text};
use crate::portal::shell::locale::texts;
use crate::portal::shell::page::lookup_failed;
use crate::portal::shell::problems::{self, Problem, about};
use crate::portal::shell::site::Lookup;
use crate::portal::staff::desk::{Admins, Desk, Staff, StaffPosted, layout};

texts! {
    pub struct Texts, fn texts, "admin-announcements" {
        list_title,
        none,
        add,
        add_title,
        edit_title,
        code,
        code_help,
        important,
        published_on,
        published_on_help,
        title,
        body,
        unit,
        unit_help,
        actions,
        edit,
        delete,
        save,
        cancel,
        delete_title,
        delete_confirm,
        keep,
        err_required,
        err_too_long,
        err_format,
        err_duplicate_code,
    }
}

/// The texts of an announcement given in every language.
const LOCALIZED: [&str; 3] = ["title", "body", "unit"];
/// The form's suffix of each language.
const LANGUAGES: [(Lang, &str); 3] = [
    (Lang::ZhHant, "zh_hant"),
    (Lang::ZhHans, "zh_hans"),
    (Lang::En, "en"),
];

/// The announcement form as sent (and as shown again with its errors).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AnnouncementForm {
    csrf_token: String,
    code: String,
    important: Option<String>,
    published_on: String,
    title_zh_hant: String,
    title_zh_hans: String,
    title_en: String,
    body_zh_hant: String,
    body_zh_hans: String,
    body_en: String,
    unit_zh_hant: String,
    unit_zh_hans: String,
    unit_en: String,
}

impl AnnouncementForm {
    fn of(announcement: &Announcement) -> Self {
        let text = |text: &Option<LocalizedText>| text.clone().unwrap_or_default();
        let (title, body, unit) = (
            text(&announcement.title),
            text(&announcement.body),
            text(&announcement.unit),
        );
        Self {
            csrf_token: String::new(),
            code: announcement.code.clone(),
            important: announcement.important.then(|| "1".to_owned()),
            published_on: announcement.published_on.clone(),
            title_zh_hant: title.zh_hant,
            title_zh_hans: title.zh_hans,
            title_en: title.en,
            body_zh_hant: body.zh_hant,
            body_zh_hans: body.zh_hans,
            body_en: body.en,
            unit_zh_hant: unit.zh_hant,
            unit_zh_hans: unit.zh_hans,
            unit_en: unit.en,
        }
    }

    /// The value of a localized input, by its id (`title_en`, …).
    fn value(&self, id: &str) -> &str {
        match id {
            "title_zh_hant" => &self.title_zh_hant,
            "title_zh_hans" => &self.title_zh_hans,
            "title_en" => &self.title_en,
            "body_zh_hant" => &self.body_zh_hant,
            "body_zh_hans" => &self.body_zh_hans,
            "body_en" => &self.body_en,
            "unit_zh_hant" => &self.unit_zh_hant,
            "unit_zh_hans" => &self.unit_zh_hans,
            "unit_en" => &self.unit_en,
            _ => "",
        }
    }

    fn localized(&self, name: &str) -> LocalizedText {
        let value = |suffix: &str| self.value(&format!("{name}_{suffix}")).trim().to_owned();
        LocalizedText {
            zh_hant: value("zh_hant"),
            zh_hans: value("zh_hans"),
            en: value("en"),
        }
    }

    fn announcement(&self, announcement_id: String) -> Announcement {
        let unit = self.localized("unit");
        let no_unit = unit.zh_hant.is_empty() && unit.zh_hans.is_empty() && unit.en.is_empty();
        Announcement {
            announcement_id,
            important: self.important.is_some(),
            title: Some(self.localized("title")),
            body: Some(self.localized("body")),
            unit: (!no_unit).then_some(unit),
            published_on: self.published_on.trim().to_owned(),
            code: self.code.trim().to_owned(),
        }
    }
}

fn base_label(texts: &Texts, name: &str) -> &'static str {
    match name {
        "title" => texts.title,
        "body" => texts.body,
        _ => texts.unit,
    }
}

/// A localized input's label: the text's name and the language's own name.
fn label_in(lang: Lang, name: &str, of: Lang) -> String {
    let base = base_label(texts(lang), name);
    match lang {
        Lang::En => format!("{base} ({})", of.own_name()),
        _ => format!("{base}（{}）", of.own_name()),
    }
}

/// Intake's field violations as the form's problems, one per input.
fn problems_of(status: &tonic::Status, lang: Lang) -> Vec<Problem> {
    let texts = texts(lang);
    if status.code() == tonic::Code::AlreadyExists {
        return vec![Problem::new("code", texts.err_duplicate_code)];
    }
    let mut found: Vec<Problem> = Vec::new();
    for error in laissez_kit::Problem::from_status(status).errors {
        let field = error
            .field
            .strip_prefix("announcement.")
            .unwrap_or(&error.field);
        let mut parts = field.split('.');
        let name = parts.next().unwrap_or_default();
        let (id, label) = if LOCALIZED.contains(&name) {
            let suffix = parts.next().unwrap_or("zh_hant");
            let of = LANGUAGES
                .iter()
                .find(|(_, known)| *known == suffix)
                .map_or(Lang::ZhHant, |(of, _)| *of);
            (format!("{name}_{suffix}"), label_in(lang, name, of))
        } else if name == "published_on" {
            ("published_on".to_owned(), texts.published_on.to_owned())
        } else {
            ("code".to_owned(), texts.code.to_owned())
        };
        let what = match error.code.as_str() {
            "required" => texts.err_required,
            "too_long" => texts.err_too_long,
            _ => texts.err_format,
        };
        if !found.iter().any(|known| known.field == id) {
            found.push(Problem::new(id, about(lang, &label, what)));
        }
    }
    if found.is_empty() {
        found.push(Problem::new(
            "code",
            about(lang, texts.code, texts.err_format),
        ));
    }
    found
}

async fn announcements(core: &Core, desk: &Desk) -> Result<Vec<Announcement>, tonic::Status> {
    Ok(core
        .upstreams
        .catalog_admin()
        .list_announcements(core.upstreams.request(
            ListAnnouncementsRequest {
                agency: desk.site.agency.clone(),
            },
            Some(desk.caller.token()),
        ))
        .await?
        .into_inner()
        .announcements)
}

/// One announcement of the administrator's agency, or the page to give
/// instead (the 404 page for another agency's or a missing one).
async fn find(
    core: &Core,
    desk: &Desk,
    uri: &Uri,
    announcement_id: &str,
) -> Result<Announcement, Response> {
    let all = announcements(core, desk)
        .await
        .map_err(|status| desk.refused(&status).into_response())?;
    all.into_iter()
        .find(|announcement| announcement.announcement_id == announcement_id)
        .ok_or_else(|| lookup_failed(desk.language, uri, Lookup::NotFound))
}

fn list_path(desk: &Desk, uri: &Uri) -> String {
    desk.link(uri, "admin/announcements")
}

/// `GET /portal/{agency}/staff/admin/announcements`.
pub async fn list(
    State(core): State<Core>,
    Staff(desk, _): Staff<Admins>,
    OriginalUri(uri): OriginalUri,
) -> Response {
    let all = match announcements(&core, &desk).await {
        Ok(all) => all,
        Err(status) => return desk.refused(&status).into_response(),
    };
    let lang = desk.lang();
    let texts = texts(lang);
    let messages = lang.messages();
    let content = html! {
        p { a.button href=(desk.link(&uri, "admin/announcements/new")) { (texts.add) } }
        @if all.is_empty() {
            p { (texts.none) }
        } @else {
            div.table-wrap tabindex="0" { table.announcements-admin {
                thead { tr {
                    th scope="col" { (texts.published_on) }
                    th scope="col" { (texts.title) }
                    th scope="col" { (texts.code) }
                    th scope="col" { (texts.actions) }
                } }
                tbody { @for announcement in &all { tr.announcement-row {
                    td { time datetime=(announcement.published_on) { (announcement.published_on) } }
                    td {
                        @if announcement.important { span.badge { (messages.important) } " " }
                        (Text::from_proto(announcement.title.as_ref()).get(lang))
                    }
                    td { code { (announcement.code) } }
                    td {
                        a href=(desk.link(&uri, &format!("admin/announcements/{}/edit", announcement.announcement_id)))
                            aria-label=(format!("{} {}", texts.edit, announcement.code)) { (texts.edit) }
                        " · "
                        a href=(desk.link(&uri, &format!("admin/announcements/{}/delete", announcement.announcement_id)))
                            aria-label=(format!("{} {}", texts.delete, announcement.code)) { (texts.delete) }
                    }
                } } }
            } }
        }
    };
    layout(
        &core,
        &desk,
        &uri,
        StatusCode::OK,
        texts.list_title,
        content,
    )
}

fn render_form(
    core: &Core,
    desk: &Desk,
    uri: &Uri,
    status: StatusCode,
    title: &str,
    form: &AnnouncementForm,
    problems: &[Problem],
) -> Response {
    let lang = desk.lang();
    let texts = texts(lang);
    let action = uri
        .path_and_query()
        .map_or_else(|| uri.path().to_owned(), |pq| pq.as_str().to_owned());
    let content = html! {
        (problems::summary(lang, problems))
        form method="post" action=(action) novalidate {
            input type="hidden" name=(CSRF_FORM_FIELD) value=(desk.csrf_token(core));
            (problems::input("code", texts.code, "text", &form.code, Some(texts.code_help), problems))
            (problems::input("published_on", texts.published_on, "date", &form.published_on, Some(texts.published_on_help), problems))
            (problems::checkbox("important", texts.important, form.important.is_some(), problems))
            @for name in LOCALIZED {
                fieldset.localized {
                    legend { (base_label(texts, name)) }
                    @if name == "unit" { p.help { (texts.unit_help) } }
                    @for (of, suffix) in LANGUAGES {
                        @let id = format!("{name}_{suffix}");
                        @let label = label_in(lang, name, of);
                        @if name == "body" {
                            (problems::textarea(&id, &label, form.value(&id), problems))
                        } @else {
                            (problems::input(&id, &label, "text", form.value(&id), None, problems))
                        }
                    }
                }
            }
            div.actions {
                button.primary type="submit" { (texts.save) }
                a.button.secondary href=(list_path(desk, uri)) { (texts.cancel) }
            }
        }
    };
    layout(core, desk, uri, status, title, content)
}

/// `GET /portal/{agency}/staff/admin/announcements/new`.
pub async fn new_form(
    State(core): State<Core>,
    Staff(desk, _): Staff<Admins>,
    OriginalUri(uri): OriginalUri,
) -> Response {
    let form = AnnouncementForm {
        published_on: chrono::Utc::now().format("%Y-%m-%d").to_string(),
        ..AnnouncementForm::default()
    };
    let title = texts(desk.lang()).add_title;
    render_form(&core, &desk, &uri, StatusCode::OK, title, &form, &[])
}

/// `POST /portal/{agency}/staff/admin/announcements/new`: the list, or the
/// form again with intake's refusals.
pub async fn create(
    State(core): State<Core>,
    OriginalUri(uri): OriginalUri,
    StaffPosted(desk, Form(form), _): StaffPosted<Admins, Form<AnnouncementForm>>,
) -> Response {
    let answer = core
        .upstreams
        .catalog_admin()
        .create_announcement(core.upstreams.request(
            CreateAnnouncementRequest {
                announcement: Some(form.announcement(String::new())),
            },
            Some(desk.caller.token()),
        ))
        .await;
    saved(
        &core,
        &desk,
        &uri,
        &form,
        texts(desk.lang()).add_title,
        answer,
    )
}

/// After a create or update: the list, the form with the refusals, or the
/// page of another refusal.
fn saved(
    core: &Core,
    desk: &Desk,
    uri: &Uri,
    form: &AnnouncementForm,
    title: &str,
    answer: Result<tonic::Response<Announcement>, tonic::Status>,
) -> Response {
    match answer {
        Ok(_) => Redirect::to(&list_path(desk, uri)).into_response(),
        Err(status)
            if matches!(
                status.code(),
                tonic::Code::InvalidArgument | tonic::Code::AlreadyExists
            ) =>
        {
            render_form(
                core,
                desk,
                uri,
                StatusCode::UNPROCESSABLE_ENTITY,
                title,
                form,
                &problems_of(&status, desk.lang()),
            )
        }
        Err(status) => desk.refused(&status).into_response(),
    }
}

/// `GET /portal/{agency}/staff/admin/announcements/{id}/edit`.
pub async fn edit_form(
    State(core): State<Core>,
    Staff(desk, _): Staff<Admins>,
    Path((_, _, announcement_id)): Path<(String, String, String)>,
    OriginalUri(uri): OriginalUri,
) -> Response {
    let announcement = match find(&core, &desk, &uri, &announcement_id).await {
        Ok(announcement) => announcement,
        Err(answer) => return answer,
    };
    let title = texts(desk.lang()).edit_title;
    let form = AnnouncementForm::of(&announcement);
    render_form(&core, &desk, &uri, StatusCode::OK, title, &form, &[])
}

/// `POST /portal/{agency}/staff/admin/announcements/{id}/edit`.
pub async fn update(
    State(core): State<Core>,
    Path((_, _, announcement_id)): Path<(String, String, String)>,
    OriginalUri(uri): OriginalUri,
    StaffPosted(desk, Form(form), _): StaffPosted<Admins, Form<AnnouncementForm>>,
) -> Response {
    let answer = core
        .upstreams
        .catalog_admin()
        .update_announcement(core.upstreams.request(
            UpdateAnnouncementRequest {
                announcement: Some(form.announcement(announcement_id)),
            },
            Some(desk.caller.token()),
        ))
        .await;
    saved(
        &core,
        &desk,
        &uri,
        &form,
        texts(desk.lang()).edit_title,
        answer,
    )
}

/// `GET /portal/{agency}/staff/admin/announcements/{id}/delete`: the
/// confirmation.
pub async fn delete_page(
    State(core): State<Core>,
    Staff(desk, _): Staff<Admins>,
    Path((_, _, announcement_id)): Path<(String, String, String)>,
    OriginalUri(uri): OriginalUri,
) -> Response {
    let announcement = match find(&core, &desk, &uri, &announcement_id).await {
        Ok(announcement) => announcement,
        Err(answer) => return answer,
    };
    let lang = desk.lang();
    let texts = texts(lang);
    let action = uri
        .path_and_query()
        .map_or_else(|| uri.path().to_owned(), |pq| pq.as_str().to_owned());
    let content = delete_content(&core, &desk, &uri, &announcement, &action);
    layout(
        &core,
        &desk,
        &uri,
        StatusCode::OK,
        texts.delete_title,
        content,
    )
}

fn delete_content(
    core: &Core,
    desk: &Desk,
    uri: &Uri,
    announcement: &Announcement,
    action: &str,
) -> Markup {
    let lang = desk.lang();
    let texts = texts(lang);
    html! {
        dl.summary {
            dt { (texts.title) } dd { (Text::from_proto(announcement.title.as_ref()).get(lang)) }
            dt { (texts.code) } dd { code { (announcement.code) } }
            dt { (texts.published_on) } dd { (announcement.published_on) }
        }
        p.warning { (texts.delete_confirm) }
        form method="post" action=(action) {
            input type="hidden" name=(CSRF_FORM_FIELD) value=(desk.csrf_token(core));
            div.actions {
                button.primary type="submit" { (texts.delete) }
                a.button.secondary href=(list_path(desk, uri)) { (texts.keep) }
            }
        }
    }
}

/// `POST /portal/{agency}/staff/admin/announcements/{id}/delete`: removes
/// it, then the list.
pub async fn delete(
    State(core): State<Core>,
    Path((_, _, announcement_id)): Path<(String, String, String)>,
    OriginalUri(uri): OriginalUri,
    StaffPosted(desk, Form(_form), _): StaffPosted<Admins, Form<TokenForm>>,
) -> Response {
    let answer = core
        .upstreams
        .catalog_admin()
        .delete_announcement(core.upstreams.request(
            DeleteAnnouncementRequest { announcement_id },
            Some(desk.caller.token()),
        ))
        .await;
    match answer {
        Ok(_) => Redirect::to(&list_path(&desk, &uri)).into_response(),
        Err(status) => desk.refused(&status).into_response(),
    }
}

crate::portal::shell::request::csrf_token_field!(AnnouncementForm);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intake_field_violations_land_on_their_inputs() {
        let status: tonic::Status = laissez_kit::ServiceError::InvalidArgument(vec![
            laissez_kit::FieldError::new("announcement.title.en", "required", "x"),
            laissez_kit::FieldError::new("announcement.published_on", "invalid_format", "x"),
            laissez_kit::FieldError::new("announcement.body", "required", "x"),
        ])
        .into();
        let problems = problems_of(&status, Lang::En);
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["title_en", "published_on", "body_zh_hant"]);
        assert_eq!(problems[0].message, "Title (English): required");
    }

    #[test]
    fn an_empty_unit_is_no_unit() {
        let form = AnnouncementForm {
            code: " c1 ".into(),
            title_en: "T".into(),
            ..AnnouncementForm::default()
        };
        let announcement = form.announcement(String::new());
        assert!(announcement.unit.is_none());
        assert_eq!(announcement.code, "c1");
        assert_eq!(announcement.title.unwrap().en, "T");
    }
}
