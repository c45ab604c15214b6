//! A catalog whose template uses an unknown variable (or names an unknown
//! event) → a precise load error, and the service does not start.

use std::path::Path;

use laissez_notify::catalogs::AgencyCatalogs;
use laissez_notify::config::{Config, EmailConfig};
use laissez_notify::startup::Application;
use tokio_util::sync::CancellationToken;

use crate::support::agencies_dir;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create folder");
    for entry in std::fs::read_dir(from).expect("read folder") {
        let path = entry.expect("entry").path();
        let target = to.join(path.file_name().expect("name"));
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).expect("copy file");
        }
    }
}

fn catalog_with_templates(templates: &str) -> tempfile::TempDir {
    let root = tempfile::tempdir().expect("temp dir");
    copy_dir(&agencies_dir().join("mo-csm"), &root.path().join("mo-csm"));
    std::fs::write(root.path().join("mo-csm/templates.yaml"), templates).expect("write templates");
    root
}

#[test]
fn a_template_with_an_unknown_variable_is_a_precise_load_error() {
    let root = catalog_with_templates(
        "templates:\n  intake.case.submitted:\n    en:\n      email_subject: \"Receipt {{ receipt_no }}\"\n",
    );
    let error =
        AgencyCatalogs::load(root.path(), &EmailConfig::default()).expect_err("must not load");
    let message = error.to_string();
    assert!(message.contains("mo-csm"), "{message}");
    assert!(
        message.contains("templates.yaml:4"),
        "names file and line: {message}"
    );
    assert!(
        message.contains("templates.intake.case.submitted.en.email_subject"),
        "names the field: {message}"
    );
    assert!(
        message.contains("unknown variable `receipt_no`"),
        "names the variable: {message}"
    );
    assert!(
        message.contains("receipt_number"),
        "lists what the event provides: {message}"
    );
}

#[test]
fn a_template_for_an_unknown_event_is_a_load_error() {
    let root = catalog_with_templates(
        "templates:\n  intake.case.teleported:\n    en:\n      in_app: \"hi\"\n",
    );
    let message = AgencyCatalogs::load(root.path(), &EmailConfig::default())
        .expect_err("must not load")
        .to_string();
    assert!(
        message.contains("unknown event type `intake.case.teleported`"),
        "{message}"
    );
}

#[test]
fn the_demo_agencies_load() {
    let catalogs =
        AgencyCatalogs::load(&agencies_dir(), &EmailConfig::default()).expect("demo catalogs load");
    for agency in ["fj-exit-entry", "hk-cts", "mo-csm", "mo-cts", "tw-nia"] {
        assert!(catalogs.agency(agency).is_some(), "{agency} missing");
    }
}

#[tokio::test]
async fn the_service_refuses_to_start_with_a_broken_catalog() {
    let root = catalog_with_templates(
        "templates:\n  review.case.decided:\n    zh-Hant:\n      sms: \"{{ verdict }}\"\n",
    );
    let mut config = Config::default();
    config.catalog.dir = root.path().to_path_buf();
    let Err(error) = Application::build(config, CancellationToken::new()).await else {
        panic!("the service started with a broken catalog");
    };
    let message = format!("{error:#}");
    assert!(message.contains("unknown variable `verdict`"), "{message}");
    assert!(
        message.contains("templates.review.case.decided.zh-Hant.sms"),
        "{message}"
    );
}
