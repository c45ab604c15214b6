//! Which documents an application needs, and what an upload must be.

use crate::format::{ApplicationType, ContentKind, DocumentRequirement, ImageRules, LocalizedText};
use crate::rules::{self, RuleInput};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RequiredDocument {
    pub code: String,
    pub name: LocalizedText,
    /// `false`: upload if the applicant has it ("如有").
    pub required: bool,
    pub accepted: Vec<ContentKind>,
    pub max_bytes: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<ImageRules>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<LocalizedText>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
#[error("document `{document}`: {error}")]
pub struct Error {
    pub document: String,
    pub error: rules::Error,
}

/// The documents that apply to these answers and this applicant, in catalog order.
pub fn documents_for(
    application_type: &ApplicationType,
    input: &RuleInput,
) -> Result<Vec<RequiredDocument>, Error> {
    let mut documents = Vec::new();
    for requirement in &application_type.documents {
        let applies = match &requirement.when {
            Some(rule) => rules::evaluate_bool(rule, input).map_err(|error| Error {
                document: requirement.code.clone(),
                error,
            })?,
            None => true,
        };
        if applies {
            documents.push(to_required(requirement));
        }
    }
    Ok(documents)
}

fn to_required(requirement: &DocumentRequirement) -> RequiredDocument {
    RequiredDocument {
        code: requirement.code.clone(),
        name: requirement.name.clone(),
        required: requirement.required,
        accepted: requirement.accepted.clone(),
        max_bytes: requirement.max_bytes,
        image: requirement.image.clone(),
        note: requirement.note.clone(),
    }
}

/// The kind of a file judged by its first bytes, never by its name.
pub fn sniff_content_kind(bytes: &[u8]) -> Option<ContentKind> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(ContentKind::Jpeg)
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some(ContentKind::Png)
    } else if bytes.starts_with(b"BM") && bytes.len() > 14 {
        Some(ContentKind::Bmp)
    } else if bytes.starts_with(b"%PDF-") {
        Some(ContentKind::Pdf)
    } else {
        None
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum UploadError {
    #[error("file is {size} bytes, the limit is {limit}")]
    TooLarge { size: u64, limit: u64 },
    #[error("file content is not an accepted kind")]
    NotAccepted,
}

/// Checks size and content kind of an upload against its requirement.
pub fn check_upload(
    requirement: &RequiredDocument,
    bytes: &[u8],
) -> Result<ContentKind, UploadError> {
    let size = bytes.len() as u64;
    if size > requirement.max_bytes {
        return Err(UploadError::TooLarge {
            size,
            limit: requirement.max_bytes,
        });
    }
    match sniff_content_kind(bytes) {
        Some(kind) if requirement.accepted.contains(&kind) => Ok(kind),
        _ => Err(UploadError::NotAccepted),
    }
}
