//! The agency administrator's portal pages against real services: the
//! catalog's versions, validating uploaded files (every error shown) and
//! publishing them after a confirmation; the announcements added, changed
//! and removed; and who may not do any of it (other roles, applicants,
//! visitors, forged tokens, another agency).

use reqwest::header::{CONTENT_TYPE, COOKIE};
use serde_json::Value;

use crate::portal::{error_summary, form, input_value, page};
use crate::support::*;

const ADMIN_BASE: &str = "/portal/fj-exit-entry/staff/admin/";
const BOUNDARY: &str = "laissez-test-boundary-7d1f";

fn cookie_of(session: &str) -> String {
    format!("__Host-laissez-session={session}")
}

/// The contents of `<main>`, without the header's links and forms.
fn main_of(html: &str) -> String {
    let start = html.find("<main").expect("a main element");
    let end = html.find("</main>").expect("the end of main");
    html[start..end].to_owned()
}

/// A part of a multipart form: a plain field, or a file with its name.
enum Part<'a> {
    Field(&'a str, &'a str),
    File(&'a str, &'a str, Vec<u8>),
}

fn multipart_body(parts: &[Part<'_>]) -> Vec<u8> {
    let mut body = Vec::new();
    for part in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        match part {
            Part::Field(name, value) => {
                body.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                        .as_bytes(),
                );
            }
            Part::File(name, file_name, content) => {
                body.extend_from_slice(
                    format!(
                        "Content-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: application/yaml\r\n\r\n"
                    )
                    .as_bytes(),
                );
                body.extend_from_slice(content);
                body.extend_from_slice(b"\r\n");
            }
        }
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

async fn send_multipart(stack: &Stack, path: &str, cookie: &str, parts: &[Part<'_>]) -> Answer {
    let request = stack
        .http
        .post(stack.url(path))
        .header(COOKIE, cookie)
        .header(
            CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(multipart_body(parts));
    stack.send(request).await
}

/// An agency's catalog folder as a browser sends it: file names only.
fn catalog_files(agency: &str) -> Vec<(String, Vec<u8>)> {
    let folder = agencies_dir().join(agency);
    let mut files = Vec::new();
    for entry in std::fs::read_dir(&folder).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            for inner in std::fs::read_dir(&path).unwrap() {
                let inner = inner.unwrap().path();
                files.push(file_of(&inner));
            }
        } else {
            files.push(file_of(&path));
        }
    }
    files.sort();
    files
}

fn file_of(path: &std::path::Path) -> (String, Vec<u8>) {
    (
        path.file_name().unwrap().to_string_lossy().into_owned(),
        std::fs::read(path).unwrap(),
    )
}

fn file_parts(files: &[(String, Vec<u8>)]) -> Vec<Part<'_>> {
    files
        .iter()
        .map(|(name, content)| Part::File("files", name, content.clone()))
        .collect()
}

/// Every `value` of the hidden inputs named `name`, in order.
fn hidden_values(html: &str, name: &str) -> Vec<String> {
    let marker = format!("name=\"{name}\" value=\"");
    html.match_indices(&marker)
        .map(|(at, _)| {
            html[at + marker.len()..]
                .split('"')
                .next()
                .unwrap()
                .to_owned()
        })
        .collect()
}

/// An agency administrator, a plain reviewer and an applicant of Fujian.
struct People {
    operator: String,
    admin: String,
    reviewer: String,
    applicant: String,
}

async fn people(stack: &Stack) -> People {
    let operator = stack.operator().await;
    let admin = stack
        .staff(&operator, FJ, "fj.admin", &["agency_admin"])
        .await;
    let reviewer = stack
        .staff(
            &operator,
            FJ,
            "fj.reviewer",
            &["reviewer", "senior_reviewer"],
        )
        .await;
    let (_, applicant) = stack.fj_applicant().await;
    People {
        operator,
        admin: cookie_of(&admin),
        reviewer: cookie_of(&reviewer),
        applicant: cookie_of(&applicant),
    }
}

#[tokio::test]
async fn an_agency_admin_validates_and_publishes_a_catalog_version() {
    let stack = Stack::start(Services::INTAKE).await;
    let people = people(&stack).await;
    let catalog = format!("{ADMIN_BASE}catalog");
    let validate = format!("{catalog}/validate?lang=en");
    let publish = format!("{catalog}/publish?lang=en");

    let shown = page(
        &stack,
        &format!("{catalog}?lang=en"),
        Some(&people.admin),
        None,
    )
    .await;
    assert_eq!(shown.status, 200, "{}", shown.text());
    let html = main_of(&shown.text());
    for expected in [
        "Published versions",
        "<td class=\"version\">1</td>",
        "In use",
        "enctype=\"multipart/form-data\"",
        "type=\"file\"",
        "multiple",
        "<label for=\"files\">",
    ] {
        assert!(html.contains(expected), "lacks {expected}: {html}");
    }
    assert!(!html.contains("<td class=\"version\">2</td>"));
    let token = input_value(&html, "csrf_token");
    // The header links to the administrator's pages, not to the queues.
    assert!(
        shown
            .text()
            .contains("href=\"/portal/fj-exit-entry/staff/admin/announcements?lang=en\"")
    );
    assert!(!shown.text().contains("/staff/review"));

    let files = catalog_files(FJ);
    assert!(
        files
            .iter()
            .any(|(name, _)| name == "one_time_taiwan_permit.yaml")
    );

    // Without the session's token nothing is validated.
    let mut forged = vec![Part::Field("csrf_token", "forged")];
    forged.extend(file_parts(&files));
    let refused = send_multipart(&stack, &validate, &people.admin, &forged).await;
    assert_eq!(refused.status, 403, "{}", refused.text());

    // No file chosen.
    let empty = send_multipart(
        &stack,
        &validate,
        &people.admin,
        &[
            Part::Field("csrf_token", &token),
            Part::File("files", "", Vec::new()),
        ],
    )
    .await;
    assert_eq!(empty.status, 422, "{}", empty.text());
    let summary = error_summary(&empty.text()).expect("an error summary");
    assert!(summary.contains("href=\"#files\""), "{summary}");
    assert!(summary.contains("Choose the catalog"), "{summary}");

    // A broken catalog: fees.yaml left out and a type that is not YAML.
    let mut broken = vec![Part::Field("csrf_token", &token)];
    for (name, content) in &files {
        match name.as_str() {
            "fees.yaml" => {}
            "one_time_taiwan_permit.yaml" => {
                broken.push(Part::File("files", name, b"code: [unclosed".to_vec()));
            }
            _ => broken.push(Part::File("files", name, content.clone())),
        }
    }
    let invalid = send_multipart(&stack, &validate, &people.admin, &broken).await;
    assert_eq!(invalid.status, 422, "{}", invalid.text());
    let invalid_html = invalid.text();
    let summary = error_summary(&invalid_html).expect("an error summary");
    assert!(summary.contains("fees.yaml: file is missing"), "{summary}");
    assert!(
        summary.contains("types/one_time_taiwan_permit.yaml"),
        "{summary}"
    );
    assert!(summary.contains("href=\"#files\""), "{summary}");
    assert!(invalid_html.contains("The catalog has errors"));
    assert!(invalid_html.contains("aria-invalid=\"true\""));
    assert!(
        invalid_html.contains("<code>fees.yaml</code>"),
        "{invalid_html}"
    );
    // Nothing was published.
    let unchanged = page(
        &stack,
        &format!("{catalog}?lang=en"),
        Some(&people.admin),
        None,
    )
    .await;
    assert!(!unchanged.text().contains("<td class=\"version\">2</td>"));

    // The agency's own files are valid; the page offers to publish them.
    let mut good = vec![Part::Field("csrf_token", &token)];
    good.extend(file_parts(&files));
    let valid = send_multipart(&stack, &validate, &people.admin, &good).await;
    assert_eq!(valid.status, 200, "{}", valid.text());
    let valid_html = main_of(&valid.text());
    assert!(valid_html.contains("The catalog is valid"), "{valid_html}");
    assert!(valid_html.contains("Publish this version"));
    let paths = hidden_values(&valid_html, "file_path");
    let contents = hidden_values(&valid_html, "file_content");
    assert_eq!(paths.len(), files.len());
    assert!(paths.contains(&"types/one_time_taiwan_permit.yaml".to_owned()));
    assert!(paths.contains(&"agency.yaml".to_owned()));
    let carried = |token: &'static str, confirm: bool| {
        let mut parts = vec![Part::Field("csrf_token", token)];
        for (path, content) in paths.iter().zip(&contents) {
            parts.push(Part::Field("file_path", path));
            parts.push(Part::Field("file_content", content));
        }
        if confirm {
            parts.push(Part::Field("confirm", "1"));
        }
        parts
    };
    let token: &'static str = Box::leak(token.into_boxed_str());

    // Publishing needs the confirmation, and the session's token.
    let unconfirmed = send_multipart(&stack, &publish, &people.admin, &carried(token, false)).await;
    assert_eq!(unconfirmed.status, 422, "{}", unconfirmed.text());
    let unconfirmed_html = unconfirmed.text();
    let summary = error_summary(&unconfirmed_html).expect("an error summary");
    assert!(summary.contains("href=\"#confirm\""), "{summary}");
    assert_eq!(hidden_values(&unconfirmed_html, "file_path"), paths);
    let forged = send_multipart(&stack, &publish, &people.admin, &carried("forged", true)).await;
    assert_eq!(forged.status, 403, "{}", forged.text());

    let published = send_multipart(&stack, &publish, &people.admin, &carried(token, true)).await;
    assert_eq!(published.status, 303, "{}", published.text());
    let location = published.header("location").unwrap().to_owned();
    assert_eq!(
        location,
        "/portal/fj-exit-entry/staff/admin/catalog?published=2&lang=en"
    );
    let after = page(&stack, &location, Some(&people.admin), None).await;
    let after_html = main_of(&after.text());
    assert!(
        after_html.contains("Version 2 is published and is now the catalog in use."),
        "{after_html}"
    );
    assert!(
        after_html.contains("<tr class=\"current\"><td class=\"version\">2</td>"),
        "{after_html}"
    );
    // Intake serves the new version as the agency's current catalog.
    let current = stack
        .call(
            reqwest::Method::GET,
            "/api/v1/admin/catalog/versions",
            Some(people.admin.trim_start_matches("__Host-laissez-session=")),
            None,
        )
        .await
        .ok();
    assert_eq!(current["versions"][0]["version"], 2, "{current}");

    // Another agency's files are refused on publish.
    let taiwan = catalog_files(TW);
    let mut theirs = vec![
        Part::Field("csrf_token", token),
        Part::Field("confirm", "1"),
    ];
    theirs.extend(file_parts(&taiwan));
    let other = send_multipart(&stack, &publish, &people.admin, &theirs).await;
    assert_eq!(other.status, 422, "{}", other.text());
    assert!(
        error_summary(&other.text())
            .unwrap()
            .contains("another agency")
    );

    // In every language.
    for (tag, title) in [("zh-Hant", "申請目錄"), ("zh-Hans", "申请目录")] {
        let shown = page(
            &stack,
            &format!("{catalog}?lang={tag}"),
            Some(&people.admin),
            None,
        )
        .await;
        assert!(shown.text().contains(&format!("<h1>{title}</h1>")), "{tag}");
    }
    stack.stop().await;
}

#[tokio::test]
async fn only_this_agencys_administrators_reach_the_admin_pages() {
    let stack = Stack::start(Services::INTAKE).await;
    let people = people(&stack).await;
    let catalog = format!("{ADMIN_BASE}catalog");

    // A visitor is sent to the staff sign-in.
    let visitor = page(&stack, &catalog, None, None).await;
    assert_eq!(visitor.status, 303);
    assert_eq!(
        visitor.header("location"),
        Some("/portal/fj-exit-entry/staff/login")
    );
    // A reviewer and an applicant are refused, GET and POST alike.
    for (who, session) in [
        ("reviewer", &people.reviewer),
        ("applicant", &people.applicant),
    ] {
        for path in [
            ADMIN_BASE.trim_end_matches('/').to_owned(),
            catalog.clone(),
            format!("{ADMIN_BASE}announcements"),
            format!("{ADMIN_BASE}announcements/new"),
        ] {
            let refused = page(&stack, &path, Some(session), None).await;
            assert_eq!(refused.status, 403, "{who} {path}: {}", refused.text());
        }
        let raw = session.trim_start_matches("__Host-laissez-session=");
        let token = stack.csrf_token(raw);
        let refused = send_multipart(
            &stack,
            &format!("{catalog}/validate"),
            session,
            &[Part::Field("csrf_token", &token)],
        )
        .await;
        assert_eq!(refused.status, 403, "{who}: {}", refused.text());
        let refused = form(
            &stack,
            &format!("{ADMIN_BASE}announcements/new"),
            session,
            &[("csrf_token", token.as_str()), ("code", "x")],
        )
        .await;
        assert_eq!(refused.status, 403, "{who}: {}", refused.text());
    }
    // An applicant portal has no admin pages.
    let none = page(
        &stack,
        &format!("/portal/{FJ}/{FJ_PORTAL}/admin/catalog"),
        Some(&people.applicant),
        None,
    )
    .await;
    assert_eq!(none.status, 404, "{}", none.text());
    // Another agency's staff portal refuses this agency's administrator.
    let elsewhere = page(
        &stack,
        &format!("/portal/{TW}/staff/admin/catalog"),
        Some(&people.admin),
        None,
    )
    .await;
    assert_eq!(elsewhere.status, 403, "{}", elsewhere.text());
    // …and the review pages are not an administrator's.
    let queues = page(
        &stack,
        "/portal/fj-exit-entry/staff/review",
        Some(&people.admin),
        None,
    )
    .await;
    assert_eq!(queues.status, 403, "{}", queues.text());
    stack.stop().await;
}

/// The `action` link (path and query) of the announcement `code` in a list page.
fn announcement_link(html: &str, code: &str, action: &str) -> String {
    let row = html
        .split("<tr class=\"announcement-row\">")
        .find(|row| row.contains(&format!("<code>{code}</code>")))
        .unwrap_or_else(|| panic!("no announcement {code}: {html}"));
    let marker = format!("/{action}");
    let at = row.find(&marker).expect("the link");
    let start = row[..at].rfind("href=\"").unwrap() + "href=\"".len();
    row[start..]
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&")
}

async fn public_codes(stack: &Stack, agency: &str) -> Vec<String> {
    let answer = stack
        .call(
            reqwest::Method::GET,
            &format!("/api/v1/agencies/{agency}/announcements"),
            None,
            None,
        )
        .await
        .ok();
    answer["announcements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|announcement: &Value| announcement["code"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn an_agency_admin_adds_changes_and_removes_announcements() {
    let stack = Stack::start(Services::INTAKE).await;
    let people = people(&stack).await;
    let list = format!("{ADMIN_BASE}announcements");
    let new = format!("{list}/new?lang=en");
    let raw = people.admin.trim_start_matches("__Host-laissez-session=");

    let form_page = page(&stack, &new, Some(&people.admin), None).await;
    assert_eq!(form_page.status, 200, "{}", form_page.text());
    let form_html = main_of(&form_page.text());
    for expected in [
        "<label for=\"title_en\">Title (English)</label>",
        "<label for=\"body_zh_hant\">Text (繁體中文)</label>",
        "type=\"date\"",
        "<legend>Issued by</legend>",
    ] {
        assert!(
            form_html.contains(expected),
            "lacks {expected}: {form_html}"
        );
    }
    let token = input_value(&form_html, "csrf_token");
    let fields = |code: &'static str, title_en: &'static str, date: &'static str| {
        vec![
            ("code", code),
            ("important", "1"),
            ("published_on", date),
            ("title_zh_hant", "系統維護"),
            ("title_zh_hans", "系统维护"),
            ("title_en", title_en),
            ("body_zh_hant", "週六暫停服務。"),
            ("body_zh_hans", "周六暂停服务。"),
            ("body_en", "No service on Saturday."),
        ]
    };
    let with_token = |token: &str, mut fields: Vec<(&'static str, &'static str)>| {
        let token: &'static str = Box::leak(token.to_owned().into_boxed_str());
        fields.push(("csrf_token", token));
        fields
    };

    // Intake's refusals come back next to their fields, values kept.
    let bad = form(
        &stack,
        &new,
        &people.admin,
        &with_token(&token, fields("maintenance-1", " ", "next saturday")),
    )
    .await;
    assert_eq!(bad.status, 422, "{}", bad.text());
    let bad_html = bad.text();
    let summary = error_summary(&bad_html).expect("an error summary");
    assert!(summary.contains("href=\"#title_en\""), "{summary}");
    assert!(summary.contains("Title (English): required"), "{summary}");
    assert!(summary.contains("href=\"#published_on\""), "{summary}");
    assert!(bad_html.contains("id=\"title_en-error\""));
    assert!(bad_html.contains("value=\"next saturday\""));
    assert!(bad_html.contains("系統維護"));

    // Without the session's token nothing is created.
    let forged = form(
        &stack,
        &new,
        &people.admin,
        &with_token(
            "forged",
            fields("maintenance-1", "Maintenance", "2026-12-05"),
        ),
    )
    .await;
    assert_eq!(forged.status, 403, "{}", forged.text());
    assert!(
        !public_codes(&stack, FJ)
            .await
            .contains(&"maintenance-1".to_owned())
    );

    let created = form(
        &stack,
        &new,
        &people.admin,
        &with_token(&token, fields("maintenance-1", "Maintenance", "2026-12-05")),
    )
    .await;
    assert_eq!(created.status, 303, "{}", created.text());
    assert_eq!(
        created.header("location"),
        Some(format!("{list}?lang=en").as_str())
    );
    assert!(
        public_codes(&stack, FJ)
            .await
            .contains(&"maintenance-1".to_owned())
    );
    let listed = page(
        &stack,
        &format!("{list}?lang=en"),
        Some(&people.admin),
        None,
    )
    .await;
    let listed_html = main_of(&listed.text());
    assert!(listed_html.contains("Maintenance"), "{listed_html}");
    assert!(
        listed_html.contains("<span class=\"badge\">Important</span>"),
        "{listed_html}"
    );

    // The same code twice is refused on the code.
    let duplicate = form(
        &stack,
        &new,
        &people.admin,
        &with_token(&token, fields("maintenance-1", "Again", "2026-12-06")),
    )
    .await;
    assert_eq!(duplicate.status, 422, "{}", duplicate.text());
    assert!(
        error_summary(&duplicate.text())
            .unwrap()
            .contains("href=\"#code\"")
    );

    // Changing it.
    let edit = announcement_link(&listed_html, "maintenance-1", "edit");
    let edit_page = page(&stack, &edit, Some(&people.admin), None).await;
    assert_eq!(edit_page.status, 200, "{}", edit_page.text());
    let edit_html = main_of(&edit_page.text());
    assert!(edit_html.contains("value=\"Maintenance\""), "{edit_html}");
    assert!(edit_html.contains("value=\"2026-12-05\""));
    let changed = form(
        &stack,
        &edit,
        &people.admin,
        &with_token(
            &token,
            fields("maintenance-1", "Planned maintenance", "2026-12-05"),
        ),
    )
    .await;
    assert_eq!(changed.status, 303, "{}", changed.text());
    let listed = page(
        &stack,
        &format!("{list}?lang=en"),
        Some(&people.admin),
        None,
    )
    .await;
    assert!(listed.text().contains("Planned maintenance"));
    let unchanged_field = form(
        &stack,
        &edit,
        &people.admin,
        &with_token(&token, fields("maintenance-1", "", "2026-12-05")),
    )
    .await;
    assert_eq!(unchanged_field.status, 422, "{}", unchanged_field.text());
    assert!(
        error_summary(&unchanged_field.text())
            .unwrap()
            .contains("href=\"#title_en\"")
    );

    // Another agency's announcement is out of reach: missing, as a random id.
    let taiwan_admin = stack
        .staff(&people.operator, TW, "tw.admin", &["agency_admin"])
        .await;
    let taiwan_cookie = cookie_of(&taiwan_admin);
    let taiwan_new = format!("/portal/{TW}/staff/admin/announcements/new");
    let taiwan_token = stack.csrf_token(&taiwan_admin);
    let theirs = form(
        &stack,
        &taiwan_new,
        &taiwan_cookie,
        &with_token(
            &taiwan_token,
            fields("tw-notice", "Taiwan notice", "2026-12-01"),
        ),
    )
    .await;
    assert_eq!(theirs.status, 303, "{}", theirs.text());
    let taiwan_list = page(
        &stack,
        &format!("/portal/{TW}/staff/admin/announcements"),
        Some(&taiwan_cookie),
        None,
    )
    .await;
    let taiwan_edit = announcement_link(&main_of(&taiwan_list.text()), "tw-notice", "edit");
    let taiwan_id = taiwan_edit
        .split('?')
        .next()
        .unwrap()
        .split('/')
        .nth_back(1)
        .unwrap()
        .to_owned();
    for path in [
        format!("{list}/{taiwan_id}/edit"),
        format!("{list}/{taiwan_id}/delete"),
        format!("{list}/{}/edit", uuid::Uuid::new_v4()),
    ] {
        let missing = page(&stack, &path, Some(&people.admin), None).await;
        assert_eq!(missing.status, 404, "{path}: {}", missing.text());
    }
    let hijack = form(
        &stack,
        &format!("{list}/{taiwan_id}/edit"),
        &people.admin,
        &with_token(&token, fields("tw-notice", "Hijacked", "2026-12-01")),
    )
    .await;
    assert_eq!(hijack.status, 404, "{}", hijack.text());
    let removal = form(
        &stack,
        &format!("{list}/{taiwan_id}/delete"),
        &people.admin,
        &[("csrf_token", token.as_str())],
    )
    .await;
    assert_eq!(removal.status, 404, "{}", removal.text());
    assert!(
        public_codes(&stack, TW)
            .await
            .contains(&"tw-notice".to_owned())
    );

    // Removing, after the confirmation page.
    let delete = announcement_link(&main_of(&listed.text()), "maintenance-1", "delete");
    let confirm = page(&stack, &delete, Some(&people.admin), None).await;
    assert_eq!(confirm.status, 200, "{}", confirm.text());
    assert!(confirm.text().contains("cannot be undone"));
    let forged = form(&stack, &delete, &people.admin, &[("csrf_token", "forged")]).await;
    assert_eq!(forged.status, 403, "{}", forged.text());
    assert!(
        public_codes(&stack, FJ)
            .await
            .contains(&"maintenance-1".to_owned())
    );
    let removed = form(
        &stack,
        &delete,
        &people.admin,
        &[("csrf_token", stack.csrf_token(raw).as_str())],
    )
    .await;
    assert_eq!(removed.status, 303, "{}", removed.text());
    assert!(
        !public_codes(&stack, FJ)
            .await
            .contains(&"maintenance-1".to_owned())
    );
    stack.stop().await;
}
