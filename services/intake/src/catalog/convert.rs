//! Between the catalog crate's types and the contract's messages.

use laissez_catalog::format::{Announcement, LocalizedText};
use laissez_catalog::store::{StoredAnnouncement, VersionInfo};
use laissez_kit::{FieldError, ServiceError};
use laissez_proto::common::v1 as common;
use laissez_proto::intake::v1 as proto;

pub fn localized(text: &LocalizedText) -> common::LocalizedText {
    common::LocalizedText {
        zh_hant: text.zh_hant.clone(),
        zh_hans: text.zh_hans.clone(),
        en: text.en.clone(),
    }
}

fn from_localized(text: common::LocalizedText) -> LocalizedText {
    LocalizedText {
        zh_hant: text.zh_hant,
        zh_hans: text.zh_hans,
        en: text.en,
    }
}

pub fn timestamp(at: chrono::DateTime<chrono::Utc>) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: at.timestamp(),
        nanos: i32::try_from(at.timestamp_subsec_nanos()).unwrap_or(0),
    }
}

pub fn version(info: &VersionInfo, catalog_json: String) -> proto::CatalogVersion {
    proto::CatalogVersion {
        agency: info.agency.clone(),
        version: info.version,
        published_at: Some(timestamp(info.published_at)),
        published_by: info.published_by.clone(),
        sha256: info.sha256.clone(),
        catalog_json,
    }
}

pub fn announcement(stored: &StoredAnnouncement) -> proto::Announcement {
    let announcement = &stored.announcement;
    proto::Announcement {
        announcement_id: stored.id.to_string(),
        important: announcement.important,
        title: Some(localized(&announcement.title)),
        body: Some(localized(&announcement.body)),
        unit: announcement.unit.as_ref().map(localized),
        published_on: announcement.published_on.to_string(),
        code: announcement.code.clone(),
    }
}

const MAX_CODE: usize = 64;
const MAX_TITLE: usize = 200;
const MAX_BODY: usize = 20_000;

fn check_text(
    errors: &mut Vec<FieldError>,
    field: &str,
    text: &Option<common::LocalizedText>,
    max: usize,
    required: bool,
) {
    let Some(text) = text else {
        if required {
            errors.push(FieldError::new(
                field,
                "required",
                "required in zh-Hant, zh-Hans and en",
            ));
        }
        return;
    };
    for (language, value) in [
        ("zh_hant", &text.zh_hant),
        ("zh_hans", &text.zh_hans),
        ("en", &text.en),
    ] {
        let field = format!("{field}.{language}");
        if required && value.trim().is_empty() {
            errors.push(FieldError::new(field, "required", "must not be empty"));
        } else if value.chars().count() > max {
            errors.push(FieldError::new(
                field,
                "too_long",
                format!("at most {max} characters"),
            ));
        }
    }
}

/// Parses an announcement from a request, reporting every field at fault.
pub fn parse_announcement(
    message: Option<proto::Announcement>,
) -> Result<Announcement, ServiceError> {
    let Some(message) = message else {
        return Err(ServiceError::invalid(
            "announcement",
            "required",
            "the announcement is missing",
        ));
    };
    let mut errors = Vec::new();
    let code = message.code.trim();
    if code.is_empty() {
        errors.push(FieldError::new(
            "announcement.code",
            "required",
            "must not be empty",
        ));
    } else if code.len() > MAX_CODE
        || !code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        errors.push(FieldError::new(
            "announcement.code",
            "invalid_format",
            format!("letters, digits, '-' and '_', at most {MAX_CODE}"),
        ));
    }
    check_text(
        &mut errors,
        "announcement.title",
        &message.title,
        MAX_TITLE,
        true,
    );
    check_text(
        &mut errors,
        "announcement.body",
        &message.body,
        MAX_BODY,
        true,
    );
    check_text(
        &mut errors,
        "announcement.unit",
        &message.unit,
        MAX_TITLE,
        false,
    );
    let published_on = match chrono::NaiveDate::parse_from_str(&message.published_on, "%Y-%m-%d") {
        Ok(date) => Some(date),
        Err(_) => {
            errors.push(FieldError::new(
                "announcement.published_on",
                "invalid_format",
                "a date YYYY-MM-DD",
            ));
            None
        }
    };
    match (errors.is_empty(), published_on) {
        (true, Some(published_on)) => Ok(Announcement {
            code: code.to_owned(),
            title: from_localized(message.title.unwrap_or_default()),
            body: from_localized(message.body.unwrap_or_default()),
            unit: message.unit.map(from_localized),
            important: message.important,
            published_on,
        }),
        _ => Err(ServiceError::InvalidArgument(errors)),
    }
}
