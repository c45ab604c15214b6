//! A small PDF scanner, not a parser: header and end-of-file marker,
//! encryption, and active content (scripts, launch and open actions,
//! embedded files, forms that submit) found by name in the file and in
//! every zlib stream, inflated with a budget so a compression bomb is
//! refused after at most the budget's worth of work and a 64 KiB buffer.

use flate2::{Decompress, FlushDecompress, Status};

use super::Rejection;

/// Names whose presence refuses the file, with the reason given.
const ACTIVE: [&[u8]; 13] = [
    b"JavaScript",
    b"JS",
    b"Launch",
    b"EmbeddedFile",
    b"EmbeddedFiles",
    b"OpenAction",
    b"AA",
    b"RichMedia",
    b"XFA",
    b"SubmitForm",
    b"ImportData",
    b"GoToR",
    b"GoToE",
];

const TRAILER_WINDOW: usize = 1024;
const CHUNK: usize = 64 * 1024;
/// A name split across two inflated chunks is still seen.
const OVERLAP: usize = 128;

fn delimiter(byte: u8) -> bool {
    byte.is_ascii_whitespace() || b"()<>[]{}/%".contains(&byte)
}

fn hex(byte: u8) -> Option<u8> {
    (byte as char)
        .to_digit(16)
        .and_then(|digit| u8::try_from(digit).ok())
}

/// The first forbidden name in `bytes`, with `#xx` escapes decoded
/// (`/J#61vaScript` is `/JavaScript`).
fn forbidden_name(bytes: &[u8]) -> Option<Rejection> {
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] != b'/' {
            index += 1;
            continue;
        }
        let mut name = Vec::new();
        let mut cursor = index + 1;
        while cursor < bytes.len() && !delimiter(bytes[cursor]) && name.len() < 64 {
            let byte = bytes[cursor];
            if byte == b'#'
                && let (Some(high), Some(low)) = (
                    bytes.get(cursor + 1).copied().and_then(hex),
                    bytes.get(cursor + 2).copied().and_then(hex),
                )
            {
                name.push(high * 16 + low);
                cursor += 3;
                continue;
            }
            name.push(byte);
            cursor += 1;
        }
        if name == b"Encrypt" {
            return Some(Rejection::PdfEncrypted);
        }
        if ACTIVE.contains(&name.as_slice()) {
            return Some(Rejection::PdfActiveContent(format!(
                "/{}",
                String::from_utf8_lossy(&name)
            )));
        }
        index = cursor.max(index + 1);
    }
    None
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|window| window == needle)
        .map(|position| position + from)
}

pub fn check(content: &[u8], max_inflated: u64) -> Result<(), Rejection> {
    if !content.starts_with(b"%PDF-") {
        return Err(Rejection::Corrupt("no PDF header".into()));
    }
    let tail_start = content.len().saturating_sub(TRAILER_WINDOW);
    let end = find(content, b"%%EOF", tail_start)
        .and_then(|_| content.windows(5).rposition(|window| window == b"%%EOF"))
        .ok_or_else(|| Rejection::Corrupt("no end-of-file marker".into()))?;
    if !content[end + 5..].iter().all(u8::is_ascii_whitespace) {
        return Err(Rejection::Polyglot("data after the end of the PDF"));
    }
    if let Some(rejection) = forbidden_name(content) {
        return Err(rejection);
    }
    let mut budget = max_inflated;
    let mut position = 0;
    while let Some(keyword) = find(content, b"stream", position) {
        let mut start = keyword + b"stream".len();
        if content.get(start) == Some(&b'\r') {
            start += 1;
        }
        if content.get(start) != Some(&b'\n') {
            position = start;
            continue;
        }
        start += 1;
        let stop = find(content, b"endstream", start).unwrap_or(content.len());
        inflate_and_scan(&content[start..stop], &mut budget, max_inflated)?;
        position = stop;
    }
    Ok(())
}

/// Inflates a zlib stream (others are left alone), scanning the output and
/// charging it to `budget`.
fn inflate_and_scan(data: &[u8], budget: &mut u64, limit: u64) -> Result<(), Rejection> {
    let zlib = data.len() >= 2
        && data[0] & 0x0F == 8
        && (u16::from(data[0]) << 8 | u16::from(data[1])) % 31 == 0;
    if !zlib {
        return Ok(());
    }
    let mut inflater = Decompress::new(true);
    let mut window = vec![0u8; OVERLAP + CHUNK];
    let mut carried = 0;
    loop {
        let consumed = usize::try_from(inflater.total_in()).unwrap_or(data.len());
        let before = inflater.total_out();
        let status = inflater.decompress(
            &data[consumed.min(data.len())..],
            &mut window[carried..],
            FlushDecompress::None,
        );
        let produced = usize::try_from(inflater.total_out() - before).unwrap_or(0);
        *budget = budget
            .checked_sub(produced as u64)
            .ok_or(Rejection::CompressionBomb { limit })?;
        let filled = carried + produced;
        if let Some(rejection) = forbidden_name(&window[..filled]) {
            return Err(rejection);
        }
        // Keep the end of this chunk in front of the next one.
        carried = filled.min(OVERLAP);
        window.copy_within(filled - carried..filled, 0);
        match status {
            Ok(Status::StreamEnd) => return Ok(()),
            Ok(_) if produced == 0 && consumed >= data.len() => return Ok(()),
            Ok(Status::BufError) if produced == 0 => return Ok(()),
            Ok(_) => {}
            // A damaged stream is the reader's problem, not an active-content risk.
            Err(_) => return Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pdf(body: &str) -> Vec<u8> {
        format!("%PDF-1.7\n{body}\ntrailer << /Root 1 0 R >>\n%%EOF\n").into_bytes()
    }

    #[test]
    fn active_content_and_encryption_are_found() {
        assert!(check(&pdf("1 0 obj << /Type /Catalog >> endobj"), 1 << 20).is_ok());
        assert!(matches!(
            check(&pdf("1 0 obj << /OpenAction 2 0 R >> endobj"), 1 << 20),
            Err(Rejection::PdfActiveContent(_))
        ));
        assert!(matches!(
            check(&pdf("1 0 obj << /S /J#61vaScript >> endobj"), 1 << 20),
            Err(Rejection::PdfActiveContent(_))
        ));
        assert_eq!(
            check(&pdf("trailer << /Encrypt 5 0 R >>"), 1 << 20),
            Err(Rejection::PdfEncrypted)
        );
        assert!(check(b"%PDF-1.7\n no end marker", 1 << 20).is_err());
    }

    #[test]
    fn scripts_hidden_in_compressed_streams_are_found() {
        use std::io::Write;
        let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        encoder
            .write_all(b"<< /S /JavaScript /JS (app.alert(1)) >>")
            .unwrap();
        let compressed = encoder.finish().unwrap();
        let mut file = b"%PDF-1.7\n1 0 obj << /Filter /FlateDecode >> stream\n".to_vec();
        file.extend_from_slice(&compressed);
        file.extend_from_slice(b"\nendstream endobj\n%%EOF\n");
        assert!(matches!(
            check(&file, 1 << 20),
            Err(Rejection::PdfActiveContent(_))
        ));
    }
}
