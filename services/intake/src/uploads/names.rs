//! File names: shown to reviewers and offered on download, never used as a
//! path (blobs are stored under their hash). Hostile names are refused
//! rather than silently rewritten, so the applicant knows.

use laissez_catalog::format::ContentKind;

use super::Rejection;

const MAX_NAME_BYTES: usize = 255;

/// Characters that reorder or hide text (bidi overrides, zero-width marks).
fn deceptive(character: char) -> bool {
    matches!(
        character,
        '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}'
    )
}

pub fn check_file_name(name: &str) -> Result<(), Rejection> {
    if name.trim().is_empty() {
        return Err(Rejection::FileName("it is empty"));
    }
    if name.len() > MAX_NAME_BYTES {
        return Err(Rejection::FileName("it is longer than 255 bytes"));
    }
    if name.chars().any(char::is_control) {
        return Err(Rejection::FileName("it contains control characters"));
    }
    if name.chars().any(deceptive) {
        return Err(Rejection::FileName(
            "it contains direction overrides or invisible characters",
        ));
    }
    if name.contains('/') || name.contains('\\') || name.contains(':') {
        return Err(Rejection::FileName("it contains a path separator"));
    }
    if name.starts_with('.') || name.contains("..") {
        return Err(Rejection::FileName("it contains dot segments"));
    }
    Ok(())
}

/// The name's extension must agree with the content (a `.jpg` that is a PDF
/// is refused).
pub fn check_extension(name: &str, kind: ContentKind) -> Result<(), Rejection> {
    let extension = name
        .rsplit_once('.')
        .map(|(_, extension)| extension.to_ascii_lowercase())
        .unwrap_or_default();
    let (allowed, actual): (&[&str], &'static str) = match kind {
        ContentKind::Jpeg => (&["jpg", "jpeg", "jpe"], "jpeg"),
        ContentKind::Png => (&["png"], "png"),
        ContentKind::Bmp => (&["bmp"], "bmp"),
        ContentKind::Pdf => (&["pdf"], "pdf"),
    };
    if allowed.contains(&extension.as_str()) {
        Ok(())
    } else {
        Err(Rejection::ExtensionMismatch {
            named: if extension.is_empty() {
                "no extension".to_owned()
            } else {
                format!(".{extension}")
            },
            actual,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_names_are_refused() {
        for name in [
            "../../etc/passwd.jpg",
            "a/b.jpg",
            "a\\b.jpg",
            "photo\0.jpg",
            "invoice\u{202E}gpj.pdf",
            "",
            ".hidden.jpg",
            "x\n.jpg",
        ] {
            assert!(check_file_name(name).is_err(), "{name:?}");
        }
        assert!(check_file_name("護照 第1頁.jpg").is_ok());
        assert!(check_file_name(&"a".repeat(300)).is_err());
    }

    #[test]
    fn extensions_must_match_the_content() {
        assert!(check_extension("photo.JPG", ContentKind::Jpeg).is_ok());
        assert!(check_extension("photo.jpg", ContentKind::Pdf).is_err());
        assert!(check_extension("scan", ContentKind::Pdf).is_err());
    }
}
