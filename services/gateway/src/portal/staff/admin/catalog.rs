//! The agency's catalog on the administrator's pages: the published
//! versions (the newest is the one in use), validating uploaded files
//! (intake `ValidateCatalog`, every error with its file, line and field),
//! and publishing them as the next version (intake `PublishCatalog`) after
//! an explicit confirmation.
//!
//! The upload is `multipart/form-data` from one `input type=file multiple`:
//! browsers send file names without folders, so an application type's
//! file (`types/…` in the catalog's folder) is recognised as any YAML file
//! that is not one of the top-level files. The confirmation page carries
//! the validated files back (base64 in hidden fields), since a browser
//! cannot send a chosen file twice; intake checks them again on publish.

use axum::extract::OriginalUri;
use axum::extract::{FromRequest, Request};
use axum::extract::{Multipart, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use laissez_proto::intake::v1::{
    CatalogError, CatalogFile, CatalogVersion, ListCatalogVersionsRequest, PublishCatalogRequest,
    ValidateCatalogRequest,
};
use maud::{Markup, html};

use crate::core::Core;
use crate::core::csrf::CSRF_FORM_FIELD;
use crate::portal::applicant::parts::{size, when};
use crate::portal::shell::i18n::Lang;
use crate::portal::shell::locale::texts;
use crate::portal::shell::problems::{self, Problem};
use crate::portal::shell::site::Site;
use crate::portal::staff::admin::texts as admin_texts;
use crate::portal::staff::desk::{Admins, Desk, Staff, StaffPosted, layout};

/// The files of a catalog that sit at the top of its folder.
const TOP_LEVEL_FILES: [&str; 6] = [
    "agency.yaml",
    "fees.yaml",
    "calendar.yaml",
    "templates.yaml",
    "documents.yaml",
    "fragments.yaml",
];
/// Characters of the fingerprint shown in the list.
const FINGERPRINT_CHARS: usize = 12;

texts! {
    pub struct Texts, fn texts, "admin-catalog" {
        versions_title,
        no_versions,
        version,
        published_at,
        published_by,
        fingerprint,
        in_use,
        current_badge,
        published_notice: phrase,
        upload_title,
        upload_intro,
        files,
        files_help,
        validate,
        err_no_files,
        err_unreadable,
        err_other_agency,
        invalid_title,
        invalid_intro,
        file,
        line,
        field,
        error,
        valid_title,
        valid_intro,
        file_size,
        confirm,
        err_confirm,
        publish,
        back,
    }
}

/// Where an uploaded file sits in the catalog's folder.
fn catalog_path(file_name: &str) -> String {
    let normalized = file_name.replace('\\', "/");
    let name = normalized
        .rsplit('/')
        .find(|part| !part.is_empty())
        .unwrap_or_default();
    if TOP_LEVEL_FILES.contains(&name) {
        name.to_owned()
    } else if name.ends_with(".yaml") || name.ends_with(".yml") {
        format!("types/{name}")
    } else if name.ends_with(".typ") {
        format!("documents/{name}")
    } else {
        // Intake names it as a file a catalog does not have.
        name.to_owned()
    }
}

/// What an upload form sent.
#[derive(Default)]
pub(crate) struct Upload {
    csrf_token: String,
    confirm: bool,
    files: Vec<CatalogFile>,
    /// The body could not be read whole (cut off, malformed, bad base64).
    unreadable: bool,
}

/// Reads the form: the token, the confirmation, the chosen files (`files`)
/// and the files a confirmation page carries (`file_path`/`file_content`).
impl FromRequest<Core> for Upload {
    type Rejection = Response;

    async fn from_request(request: Request, core: &Core) -> Result<Self, Response> {
        let multipart = Multipart::from_request(request, core)
            .await
            .map_err(IntoResponse::into_response)?;
        Ok(read_upload(multipart).await)
    }
}

crate::portal::shell::request::csrf_token_field!(Upload);

async fn read_upload(mut multipart: Multipart) -> Upload {
    let mut upload = Upload::default();
    let mut kept_paths = Vec::new();
    let mut kept_contents = Vec::new();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(_) => {
                upload.unreadable = true;
                break;
            }
        };
        let name = field.name().unwrap_or_default().to_owned();
        let file_name = field.file_name().unwrap_or_default().to_owned();
        let Ok(bytes) = field.bytes().await else {
            upload.unreadable = true;
            break;
        };
        let text = || String::from_utf8_lossy(&bytes).into_owned();
        match name.as_str() {
            CSRF_FORM_FIELD => upload.csrf_token = text(),
            "confirm" => upload.confirm = !bytes.is_empty(),
            // A file input left empty still sends a part without a name.
            "files" if file_name.is_empty() && bytes.is_empty() => {}
            "files" => upload.files.push(CatalogFile {
                path: catalog_path(&file_name),
                content: bytes.to_vec(),
            }),
            "file_path" => kept_paths.push(text()),
            "file_content" => match STANDARD.decode(bytes.as_ref()) {
                Ok(content) => kept_contents.push(content),
                Err(_) => upload.unreadable = true,
            },
            _ => {}
        }
    }
    if kept_paths.len() != kept_contents.len() {
        upload.unreadable = true;
    }
    upload.files.extend(
        kept_paths
            .into_iter()
            .zip(kept_contents)
            .map(|(path, content)| CatalogFile { path, content }),
    );
    upload
}

fn catalog_error_text(error: &CatalogError) -> String {
    let mut place = error.file.clone();
    if error.line > 0 {
        place = format!("{place}:{}", error.line);
    }
    if !error.field.is_empty() {
        place = format!("{place} {}", error.field);
    }
    format!("{place}: {}", error.message)
}

/// Intake's refusal of the files themselves (too many, too large, a bad
/// path; on publish, a catalog error) as catalog errors.
fn refused_files(status: &tonic::Status) -> Vec<CatalogError> {
    laissez_kit::Problem::from_status(status)
        .errors
        .into_iter()
        .map(|error| {
            // A catalog error's field reads `file:line:field` or `file:field`.
            let mut parts = error.field.splitn(3, ':');
            let first = parts.next().unwrap_or_default().to_owned();
            match (parts.next(), parts.next()) {
                (Some(line), Some(field)) if line.parse::<u32>().is_ok() => CatalogError {
                    file: first,
                    line: line.parse().unwrap_or(0),
                    field: field.to_owned(),
                    message: error.message,
                },
                (Some(field), None) => CatalogError {
                    file: first,
                    line: 0,
                    field: field.to_owned(),
                    message: error.message,
                },
                _ => CatalogError {
                    file: String::new(),
                    line: 0,
                    field: error.field,
                    message: error.message,
                },
            }
        })
        .collect()
}

fn upload_form(core: &Core, desk: &Desk, uri: &Uri, problems: &[Problem]) -> Markup {
    let texts = texts(desk.lang());
    let problem = problems.iter().find(|problem| problem.field == "files");
    let described = if problem.is_some() {
        "files-help files-error"
    } else {
        "files-help"
    };
    html! {
        section aria-labelledby="upload-title" {
            h2 #upload-title { (texts.upload_title) }
            p { (texts.upload_intro) }
            form method="post" action=(desk.link(uri, "admin/catalog/validate"))
                enctype="multipart/form-data" novalidate {
                input type="hidden" name=(CSRF_FORM_FIELD) value=(desk.csrf_token(core));
                div.field.field-error[problem.is_some()] {
                    label for="files" { (texts.files) }
                    p.help #files-help { (texts.files_help) }
                    @if let Some(problem) = problem {
                        p.error-message #files-error { (problem.message) }
                    }
                    input #files type="file" name="files" multiple accept=".yaml,.yml,.typ"
                        aria-describedby=(described) aria-invalid=[problem.map(|_| "true")];
                }
                div.actions { button.primary type="submit" { (texts.validate) } }
            }
        }
    }
}

fn versions_table(lang: Lang, site: &Site, versions: &[CatalogVersion]) -> Markup {
    let texts = texts(lang);
    let current = versions.iter().map(|version| version.version).max();
    html! {
        section aria-labelledby="versions-title" {
            h2 #versions-title { (texts.versions_title) }
            @if versions.is_empty() {
                p { (texts.no_versions) }
            } @else {
                div.table-wrap tabindex="0" { table.versions {
                    thead { tr {
                        th scope="col" { (texts.version) }
                        th scope="col" { (texts.published_at) }
                        th scope="col" { (texts.published_by) }
                        th scope="col" { (texts.fingerprint) }
                        th scope="col" { (texts.in_use) }
                    } }
                    tbody { @for version in versions { tr.current[Some(version.version) == current] {
                        td.version { (version.version) }
                        td { (when(site, version.published_at.as_ref()).unwrap_or_default()) }
                        td { (version.published_by) }
                        td { code { (version.sha256.chars().take(FINGERPRINT_CHARS).collect::<String>()) } }
                        td { @if Some(version.version) == current { span.badge { (texts.current_badge) } } }
                    } } }
                } }
            }
        }
    }
}

/// `GET /portal/{agency}/staff/admin/catalog[?published=N]`.
pub async fn catalog_page(
    State(core): State<Core>,
    Staff(desk, _): Staff<Admins>,
    OriginalUri(uri): OriginalUri,
) -> Response {
    let answer = core
        .upstreams
        .catalog_admin()
        .list_catalog_versions(
            core.upstreams
                .request(ListCatalogVersionsRequest {}, Some(desk.caller.token())),
        )
        .await;
    let versions = match answer {
        Ok(answer) => answer.into_inner().versions,
        Err(status) => return desk.refused(&status).into_response(),
    };
    let published: Option<u32> = crate::portal::shell::request::query_value(&uri, "published")
        .and_then(|number| number.parse().ok());
    let lang = desk.lang();
    let texts = texts(lang);
    let content = html! {
        @if let Some(version) = published.filter(|number| versions.iter().any(|known| known.version == *number)) {
            p.notice role="status" { (texts.published_notice.with([("version", version.into())])) }
        }
        (versions_table(lang, &desk.site, &versions))
        (upload_form(&core, &desk, &uri, &[]))
    };
    layout(
        &core,
        &desk,
        &uri,
        StatusCode::OK,
        admin_texts(lang).catalog_title,
        content,
    )
}

/// The page of a refused catalog: every error, and the upload form again.
fn invalid_page(
    core: &Core,
    desk: &Desk,
    uri: &Uri,
    problems: &[Problem],
    errors: &[CatalogError],
) -> Response {
    let lang = desk.lang();
    let texts = texts(lang);
    let content = html! {
        (problems::summary(lang, problems))
        p { (texts.invalid_intro) }
        @if !errors.is_empty() {
            div.table-wrap tabindex="0" { table.catalog-errors {
                thead { tr {
                    th scope="col" { (texts.file) }
                    th scope="col" { (texts.line) }
                    th scope="col" { (texts.field) }
                    th scope="col" { (texts.error) }
                } }
                tbody { @for error in errors { tr {
                    td { code { (error.file) } }
                    td { @if error.line > 0 { (error.line) } }
                    td { code { (error.field) } }
                    td { (error.message) }
                } } }
            } }
        }
        (upload_form(core, desk, uri, problems))
        p { a href=(desk.link(uri, "admin/catalog")) { (texts.back) } }
    };
    layout(
        core,
        desk,
        uri,
        StatusCode::UNPROCESSABLE_ENTITY,
        texts.invalid_title,
        content,
    )
}

/// The errors of a refused catalog as the form's problems: each one on
/// the file input, where the files are chosen again.
fn file_problems(errors: &[CatalogError]) -> Vec<Problem> {
    errors
        .iter()
        .map(|error| Problem::new("files", catalog_error_text(error)))
        .collect()
}

/// The page of a valid catalog: its files, and the confirmed publish form
/// that sends them again.
fn valid_page(
    core: &Core,
    desk: &Desk,
    uri: &Uri,
    status: StatusCode,
    files: &[CatalogFile],
    problems: &[Problem],
) -> Response {
    let lang = desk.lang();
    let texts = texts(lang);
    let content = html! {
        (problems::summary(lang, problems))
        p { (texts.valid_intro) }
        div.table-wrap tabindex="0" { table.catalog-files {
            thead { tr { th scope="col" { (texts.file) } th scope="col" { (texts.file_size) } } }
            tbody { @for file in files { tr {
                td { code { (file.path) } }
                td { (size(file.content.len() as u64)) }
            } } }
        } }
        form method="post" action=(desk.link(uri, "admin/catalog/publish"))
            enctype="multipart/form-data" novalidate {
            input type="hidden" name=(CSRF_FORM_FIELD) value=(desk.csrf_token(core));
            @for file in files {
                input type="hidden" name="file_path" value=(file.path);
                input type="hidden" name="file_content" value=(STANDARD.encode(&file.content));
            }
            (problems::checkbox("confirm", texts.confirm, false, problems))
            div.actions { button.primary type="submit" { (texts.publish) } }
        }
        p { a href=(desk.link(uri, "admin/catalog")) { (texts.back) } }
    };
    layout(core, desk, uri, status, texts.valid_title, content)
}

/// The form's own refusals, before intake is asked.
fn unusable(upload: &Upload, texts: &Texts) -> Option<Problem> {
    if upload.unreadable {
        Some(Problem::new("files", texts.err_unreadable))
    } else if upload.files.is_empty() {
        Some(Problem::new("files", texts.err_no_files))
    } else {
        None
    }
}

/// `POST /portal/{agency}/staff/admin/catalog/validate` (multipart).
pub async fn validate(
    State(core): State<Core>,
    OriginalUri(uri): OriginalUri,
    StaffPosted(desk, upload, _): StaffPosted<Admins, Upload>,
) -> Response {
    let texts = texts(desk.lang());
    if let Some(problem) = unusable(&upload, texts) {
        return invalid_page(&core, &desk, &uri, &[problem], &[]);
    }
    let answer = core
        .upstreams
        .catalog_admin()
        .validate_catalog(core.upstreams.request(
            ValidateCatalogRequest {
                files: upload.files.clone(),
            },
            Some(desk.caller.token()),
        ))
        .await;
    match answer {
        Ok(answer) => {
            let result = answer.into_inner();
            if result.valid {
                valid_page(&core, &desk, &uri, StatusCode::OK, &upload.files, &[])
            } else {
                invalid_page(
                    &core,
                    &desk,
                    &uri,
                    &file_problems(&result.errors),
                    &result.errors,
                )
            }
        }
        Err(status) if status.code() == tonic::Code::InvalidArgument => {
            let errors = refused_files(&status);
            invalid_page(&core, &desk, &uri, &file_problems(&errors), &errors)
        }
        Err(status) => desk.refused(&status).into_response(),
    }
}

/// `POST /portal/{agency}/staff/admin/catalog/publish` (multipart, from
/// the valid catalog's page): publishes, then the versions (303).
pub async fn publish(
    State(core): State<Core>,
    OriginalUri(uri): OriginalUri,
    StaffPosted(desk, upload, _): StaffPosted<Admins, Upload>,
) -> Response {
    let texts = texts(desk.lang());
    if let Some(problem) = unusable(&upload, texts) {
        return invalid_page(&core, &desk, &uri, &[problem], &[]);
    }
    if !upload.confirm {
        return valid_page(
            &core,
            &desk,
            &uri,
            StatusCode::UNPROCESSABLE_ENTITY,
            &upload.files,
            &[Problem::new("confirm", texts.err_confirm)],
        );
    }
    let answer = core
        .upstreams
        .catalog_admin()
        .publish_catalog(core.upstreams.request(
            PublishCatalogRequest {
                files: upload.files,
            },
            Some(desk.caller.token()),
        ))
        .await;
    match answer {
        Ok(version) => {
            let version = version.into_inner().version;
            let lang = crate::portal::shell::i18n::from_query(&uri)
                .map(|lang| format!("&lang={}", lang.tag()))
                .unwrap_or_default();
            Redirect::to(&format!(
                "{}admin/catalog?published={version}{lang}",
                desk.site.base_path()
            ))
            .into_response()
        }
        Err(status) if status.code() == tonic::Code::InvalidArgument => {
            let errors = refused_files(&status);
            invalid_page(&core, &desk, &uri, &file_problems(&errors), &errors)
        }
        // The caller is an administrator here: intake refuses the files of
        // another agency this way.
        Err(status) if status.code() == tonic::Code::PermissionDenied => invalid_page(
            &core,
            &desk,
            &uri,
            &[Problem::new("files", texts.err_other_agency)],
            &[],
        ),
        Err(status) => desk.refused(&status).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uploaded_names_find_their_place_in_the_folder() {
        assert_eq!(catalog_path("agency.yaml"), "agency.yaml");
        assert_eq!(catalog_path("fj/fees.yaml"), "fees.yaml");
        assert_eq!(
            catalog_path("one_time_taiwan_permit.yaml"),
            "types/one_time_taiwan_permit.yaml"
        );
        assert_eq!(catalog_path("fj\\types\\permit.yml"), "types/permit.yml");
        assert_eq!(catalog_path("notes.txt"), "notes.txt");
    }

    #[test]
    fn a_catalog_error_in_a_field_name_keeps_its_file_and_line() {
        let status: tonic::Status =
            laissez_kit::ServiceError::InvalidArgument(vec![laissez_kit::FieldError::new(
                "types/a.yaml:12:form[0].code",
                "catalog_invalid",
                "unknown",
            )])
            .into();
        let errors = refused_files(&status);
        assert_eq!(errors[0].file, "types/a.yaml");
        assert_eq!(errors[0].line, 12);
        assert_eq!(errors[0].field, "form[0].code");
        assert_eq!(
            catalog_error_text(&errors[0]),
            "types/a.yaml:12 form[0].code: unknown"
        );
    }
}
