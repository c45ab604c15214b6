//! Files that are two things at once (PDF+ZIP, JPEG+HTML): a second format's
//! structure anywhere in the content is refused. The markers are long enough
//! that compressed image or PDF data practically never contains them.

use laissez_catalog::format::ContentKind;

use super::Rejection;

/// Markup a browser would run or render if the file were served as HTML.
const MARKUP: [&[u8]; 8] = [
    b"<script",
    b"<html",
    b"<!doctype",
    b"<iframe",
    b"<svg",
    b"<body",
    b"<?php",
    b"<object",
];

/// ZIP readers look for the end-of-central-directory record in the last
/// 64 KiB + 22 bytes of a file.
const ZIP_TAIL: usize = 65_557;

fn starts_with_ignore_case(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.len() >= needle.len() && haystack[..needle.len()].eq_ignore_ascii_case(needle)
}

fn find(haystack: &[u8], needle: &[u8]) -> bool {
    memchr::memmem::find(haystack, needle).is_some()
}

/// Each search is a vectorised scan (memchr): the whole file is read a few
/// times, never byte by byte against every marker.
pub fn check(content: &[u8], kind: ContentKind) -> Result<(), Rejection> {
    let tail = &content[content.len().saturating_sub(ZIP_TAIL)..];
    if find(tail, b"PK\x05\x06") || find(content, b"PK\x01\x02") {
        return Err(Rejection::Polyglot("a ZIP archive"));
    }
    let local_header = memchr::memmem::find_iter(content, b"PK\x03\x04").any(|at| {
        content
            .get(at + 4..at + 6)
            .is_some_and(|version| version[0] <= 63 && version[1] == 0)
    });
    if local_header {
        return Err(Rejection::Polyglot("a ZIP archive"));
    }
    let markup = memchr::memchr_iter(b'<', content).any(|at| {
        MARKUP
            .iter()
            .any(|marker| starts_with_ignore_case(&content[at..], marker))
    });
    if markup {
        return Err(Rejection::Polyglot("HTML or script markup"));
    }
    // A PDF header past the start still makes PDF readers open the file.
    if kind != ContentKind::Pdf && find(content, b"%PDF-") {
        return Err(Rejection::Polyglot("a PDF document"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_second_format() {
        let mut jpeg_html = vec![0xFF, 0xD8, 0xFF, 0xE0];
        jpeg_html.extend_from_slice(b"<HTML><ScRiPt>alert(1)</script>");
        assert_eq!(
            check(&jpeg_html, ContentKind::Jpeg),
            Err(Rejection::Polyglot("HTML or script markup"))
        );
        let mut pdf_zip = b"%PDF-1.7\n".to_vec();
        pdf_zip.extend_from_slice(b"PK\x03\x04\x14\x00\x00\x00");
        assert!(check(&pdf_zip, ContentKind::Pdf).is_err());
        assert!(check(b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF", ContentKind::Pdf).is_ok());
    }
}
