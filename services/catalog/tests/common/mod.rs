#![allow(dead_code)]

use laissez_catalog::Catalog;
use laissez_catalog::rules::{Applicant, HeldDocument, RuleInput};
use std::path::PathBuf;

pub fn agency_dir(code: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../deploy/agencies")
        .join(code)
}

pub fn load(code: &str) -> Catalog {
    match laissez_catalog::load_dir(&agency_dir(code)) {
        Ok(catalog) => catalog,
        Err(errors) => panic!("{code} does not load: {errors}"),
    }
}

pub fn files(code: &str) -> Vec<(String, Vec<u8>)> {
    laissez_catalog::load::read_dir_files(&agency_dir(code)).expect("agency folder is readable")
}

pub fn date(text: &str) -> chrono::NaiveDate {
    text.parse().expect("test date")
}

pub fn input(answers: serde_json::Value, date_of_birth: &str, today: &str) -> RuleInput {
    RuleInput {
        answers: answers.as_object().cloned().unwrap_or_default(),
        applicant: Applicant {
            date_of_birth: date(date_of_birth),
            relationship: "self".into(),
            documents_held: Vec::new(),
            attributes: Default::default(),
        },
        record: Default::default(),
        today: date(today),
        lists: Default::default(),
    }
}

pub fn with_record(mut input: RuleInput, record: serde_json::Value) -> RuleInput {
    input.record = record.as_object().cloned().unwrap_or_default();
    input
}

pub fn with_document(mut input: RuleInput, kind: &str, expires_on: &str) -> RuleInput {
    input.applicant.documents_held.push(HeldDocument {
        kind: kind.into(),
        number: None,
        expires_on: Some(date(expires_on)),
    });
    input
}

/// Replaces the first `from` with `to` in the file at `path` (it must be there).
pub fn edit(files: &mut [(String, Vec<u8>)], path: &str, from: &str, to: &str) {
    let file = files
        .iter_mut()
        .find(|(name, _)| name == path)
        .expect("file exists");
    let text = String::from_utf8(file.1.clone()).expect("utf-8");
    assert!(text.contains(from), "{path} does not contain {from}");
    file.1 = text.replacen(from, to, 1).into_bytes();
}

/// The line (from 1) of the first line of `path` containing `needle`.
pub fn line_of(files: &[(String, Vec<u8>)], path: &str, needle: &str) -> usize {
    let (_, bytes) = files.iter().find(|(name, _)| name == path).expect("file");
    String::from_utf8_lossy(bytes)
        .lines()
        .position(|line| line.contains(needle))
        .expect("needle present")
        + 1
}
