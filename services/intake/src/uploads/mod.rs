//! Judging an uploaded file before anything is stored: its name, its kind
//! by content (never by name), polyglots, image integrity without decoding
//! bombs, PDF structure and active content; then metadata stripped. Pure
//! functions over bytes already bounded by the requirement's size limit.

mod images;
mod jpeg;
mod names;
mod pdf;
mod photo;
mod polyglot;

use laissez_catalog::documents::{RequiredDocument, sniff_content_kind};
use laissez_catalog::format::ContentKind;
use laissez_kit::FieldError;

pub use names::check_file_name;

/// Why an upload is refused; each becomes a field error with its code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    #[error("the file name is not acceptable: {0}")]
    FileName(&'static str),
    #[error("the file is larger than the limit of {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("the file is empty")]
    Empty,
    #[error("the file's content is not one of the accepted kinds ({accepted})")]
    NotAccepted { accepted: String },
    #[error("the file name says {named} but the content is {actual}")]
    ExtensionMismatch { named: String, actual: &'static str },
    #[error("the file carries another file inside it ({0})")]
    Polyglot(&'static str),
    #[error("the image is {width} x {height} pixels, above the limit of {max_pixels} pixels")]
    ImageTooLarge {
        width: u32,
        height: u32,
        max_pixels: u64,
    },
    #[error(
        "the image must be {expected_width} x {expected_height} pixels, not {width} x {height}"
    )]
    ImageDimensions {
        width: u32,
        height: u32,
        expected_width: u32,
        expected_height: u32,
    },
    #[error("the photo must be in colour, not black and white")]
    NotColour,
    #[error("the photo's background must be plain {expected}: {found}")]
    Background {
        expected: String,
        found: &'static str,
    },
    #[error("the file is damaged or not what it claims to be: {0}")]
    Corrupt(String),
    #[error("encrypted PDF files are not accepted")]
    PdfEncrypted,
    #[error("the PDF contains active content ({0})")]
    PdfActiveContent(String),
    #[error("the PDF expands beyond {limit} bytes when decompressed")]
    CompressionBomb { limit: u64 },
}

impl Rejection {
    pub fn code(&self) -> &'static str {
        match self {
            Rejection::FileName(_) => "unsafe_file_name",
            Rejection::TooLarge { .. } => "too_large",
            Rejection::Empty => "empty",
            Rejection::NotAccepted { .. } => "not_accepted",
            Rejection::ExtensionMismatch { .. } => "extension_mismatch",
            Rejection::Polyglot(_) => "polyglot",
            Rejection::ImageTooLarge { .. } => "image_too_large",
            Rejection::ImageDimensions { .. } => "image_dimensions",
            Rejection::NotColour => "not_colour",
            Rejection::Background { .. } => "background",
            Rejection::Corrupt(_) => "corrupt",
            Rejection::PdfEncrypted => "pdf_encrypted",
            Rejection::PdfActiveContent(_) => "pdf_active_content",
            Rejection::CompressionBomb { .. } => "compression_bomb",
        }
    }

    pub fn field_error(&self) -> FieldError {
        let field = match self {
            Rejection::FileName(_) | Rejection::ExtensionMismatch { .. } => "header.file_name",
            _ => "data",
        };
        FieldError::new(field, self.code(), self.to_string())
    }
}

/// A file found damaged, with what is wrong with it.
fn corrupt(what: impl Into<String>) -> Rejection {
    Rejection::Corrupt(what.into())
}

/// Limits that protect the service itself, whatever the catalog allows.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest image accepted, in pixels (width × height), checked from the
    /// header before any decoding.
    pub max_image_pixels: u64,
    /// Most bytes all streams of one PDF may inflate to.
    pub max_pdf_inflated_bytes: u64,
}

/// A file that passed every check, as it will be stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Accepted {
    pub kind: ContentKind,
    pub media_type: &'static str,
    /// The content to store: images without their metadata.
    pub content: Vec<u8>,
}

pub fn media_type(kind: ContentKind) -> &'static str {
    match kind {
        ContentKind::Jpeg => "image/jpeg",
        ContentKind::Png => "image/png",
        ContentKind::Bmp => "image/bmp",
        ContentKind::Pdf => "application/pdf",
    }
}

fn kind_name(kind: ContentKind) -> &'static str {
    match kind {
        ContentKind::Jpeg => "jpeg",
        ContentKind::Png => "png",
        ContentKind::Bmp => "bmp",
        ContentKind::Pdf => "pdf",
    }
}

/// The kind judged from the first bytes, refused early when not accepted.
pub fn sniff(requirement: &RequiredDocument, head: &[u8]) -> Result<ContentKind, Rejection> {
    match sniff_content_kind(head) {
        Some(kind) if requirement.accepted.contains(&kind) => Ok(kind),
        _ => Err(Rejection::NotAccepted {
            accepted: requirement
                .accepted
                .iter()
                .map(|kind| kind_name(*kind))
                .collect::<Vec<_>>()
                .join(", "),
        }),
    }
}

/// Every check on a complete file (already within the size limit).
pub fn inspect(
    requirement: &RequiredDocument,
    file_name: &str,
    content: Vec<u8>,
    limits: Limits,
) -> Result<Accepted, Rejection> {
    if content.is_empty() {
        return Err(Rejection::Empty);
    }
    if content.len() as u64 > requirement.max_bytes {
        return Err(Rejection::TooLarge {
            limit: requirement.max_bytes,
        });
    }
    let kind = sniff(requirement, &content)?;
    names::check_extension(file_name, kind)?;
    polyglot::check(&content, kind)?;
    let content = match kind {
        ContentKind::Pdf => {
            pdf::check(&content, limits.max_pdf_inflated_bytes)?;
            content
        }
        ContentKind::Jpeg | ContentKind::Png | ContentKind::Bmp => {
            images::check(
                &content,
                kind,
                requirement.image.as_ref(),
                limits.max_image_pixels,
            )?;
            images::strip_metadata(content, kind)?
        }
    };
    Ok(Accepted {
        kind,
        media_type: media_type(kind),
        content,
    })
}
