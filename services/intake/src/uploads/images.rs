//! Images: dimensions read from the header before anything is decoded (a
//! 50,000 × 50,000 header is refused without allocating), then integrity
//! proved by an entropy decode of every block (sequential JPEGs, `jpeg`) or
//! a full decode under limits (the rest); metadata (EXIF with GPS, XMP, IPTC,
//! comments, text chunks) is removed losslessly, segment by segment.

use std::io::Cursor;

use image::{ImageFormat, ImageReader, Limits as DecodeLimits};
use laissez_catalog::format::{ContentKind, ImageRules};

use super::{Rejection, corrupt, jpeg};

const MAX_SIDE: u32 = 20_000;

fn format(kind: ContentKind) -> ImageFormat {
    match kind {
        ContentKind::Png => ImageFormat::Png,
        ContentKind::Bmp => ImageFormat::Bmp,
        _ => ImageFormat::Jpeg,
    }
}

fn reader(content: &[u8], kind: ContentKind, max_pixels: u64) -> ImageReader<Cursor<&[u8]>> {
    let mut reader = ImageReader::with_format(Cursor::new(content), format(kind));
    let mut limits = DecodeLimits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    // Room for the decoded pixels (up to 4 bytes each) and the decoder's own buffers.
    limits.max_alloc = Some(max_pixels.saturating_mul(4).saturating_add(16 << 20));
    reader.limits(limits);
    reader
}

pub fn check(
    content: &[u8],
    kind: ContentKind,
    rules: Option<&ImageRules>,
    max_pixels: u64,
) -> Result<(), Rejection> {
    // The header alone, without the side limits, so the answer names the size.
    let mut header = ImageReader::with_format(Cursor::new(content), format(kind));
    let mut limits = DecodeLimits::default();
    limits.max_alloc = Some(16 << 20);
    header.limits(limits);
    let (width, height) = header
        .into_dimensions()
        .map_err(|error| Rejection::Corrupt(error.to_string()))?;
    if u64::from(width) * u64::from(height) > max_pixels || width > MAX_SIDE || height > MAX_SIDE {
        return Err(Rejection::ImageTooLarge {
            width,
            height,
            max_pixels,
        });
    }
    if let Some(rules) = rules
        && let (Some(expected_width), Some(expected_height)) = (rules.width_px, rules.height_px)
        && (width, height) != (expected_width, expected_height)
    {
        return Err(Rejection::ImageDimensions {
            width,
            height,
            expected_width,
            expected_height,
        });
    }
    let looks = rules.filter(|rules| rules.colour || rules.background.is_some());
    // Sequential JPEGs are checked block by block without building their
    // pixels (see `jpeg`); progressive ones, PNG and BMP are decoded, and so
    // is any photo whose catalog rules are about what it looks like.
    if looks.is_none()
        && kind == ContentKind::Jpeg
        && jpeg::check(content)? == jpeg::Coding::Sequential
    {
        return Ok(());
    }
    let decoded = reader(content, kind, max_pixels)
        .decode()
        .map_err(|error| Rejection::Corrupt(error.to_string()))?;
    if let Some(rules) = looks {
        super::photo::check(&decoded.to_rgb8(), rules)?;
    }
    Ok(())
}

pub fn strip_metadata(content: Vec<u8>, kind: ContentKind) -> Result<Vec<u8>, Rejection> {
    match kind {
        ContentKind::Jpeg => strip_jpeg(content),
        ContentKind::Png => strip_png(&content),
        _ => Ok(content),
    }
}

/// Segments kept: JFIF (APP0), ICC profile (APP2), Adobe colour (APP14) and
/// everything that is not an application segment or a comment.
fn keep_jpeg_segment(marker: u8) -> bool {
    !matches!(marker, 0xE1 | 0xE3..=0xED | 0xEF | 0xFE)
}

/// The JPEG without its metadata segments; the file itself (no copy) when
/// it has none.
fn strip_jpeg(content: Vec<u8>) -> Result<Vec<u8>, Rejection> {
    if !content.starts_with(&[0xFF, 0xD8]) {
        return Err(corrupt("no JPEG start marker"));
    }
    // Byte ranges of `content` to keep, in order (the start marker first).
    let mut kept: Vec<std::ops::Range<usize>> = Vec::new();
    kept.push(0..2);
    let mut dropped = false;
    let mut position = 2;
    let mut in_scan = false;
    loop {
        if in_scan {
            // Entropy-coded data: 0xFF is followed by 0x00 (stuffing) or a
            // restart marker; anything else is the next marker.
            let start = position;
            loop {
                position += memchr::memchr(0xFF, &content[position..])
                    .ok_or_else(|| corrupt("no end of image"))?;
                let next = content.get(position + 1).copied();
                if next
                    .is_some_and(|next| next != 0 && !(0xD0..=0xD7).contains(&next) && next != 0xFF)
                {
                    break;
                }
                position += 1;
            }
            kept.push(start..position);
            in_scan = false;
        }
        let fill = position;
        while content.get(position) == Some(&0xFF) && content.get(position + 1) == Some(&0xFF) {
            position += 1;
        }
        dropped |= position != fill;
        if content.get(position) != Some(&0xFF) {
            return Err(corrupt("a JPEG marker was expected"));
        }
        let marker = *content
            .get(position + 1)
            .ok_or_else(|| corrupt("truncated marker"))?;
        let marker_start = position;
        position += 2;
        if marker == 0xD9 {
            kept.push(marker_start..position);
            break;
        }
        if (0xD0..=0xD7).contains(&marker) || marker == 0x01 {
            kept.push(marker_start..position);
            continue;
        }
        let length_bytes = content
            .get(position..position + 2)
            .ok_or_else(|| corrupt("truncated segment"))?;
        let length = usize::from(u16::from_be_bytes([length_bytes[0], length_bytes[1]]));
        if length < 2 {
            return Err(corrupt("bad segment length"));
        }
        if content.get(position..position + length).is_none() {
            return Err(corrupt("truncated segment"));
        }
        if keep_jpeg_segment(marker) {
            kept.push(marker_start..position + length);
        } else {
            dropped = true;
        }
        position += length;
        if marker == 0xDA {
            in_scan = true;
        }
    }
    if content[position..].iter().any(|byte| *byte != 0) {
        return Err(Rejection::Polyglot("data after the end of the image"));
    }
    if !dropped && position == content.len() {
        return Ok(content);
    }
    let mut output = Vec::with_capacity(content.len());
    for range in kept {
        output.extend_from_slice(&content[range]);
    }
    Ok(output)
}

const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];

/// Chunks that carry metadata: EXIF, text and the modification time.
fn drop_png_chunk(kind: &[u8]) -> bool {
    matches!(kind, b"eXIf" | b"tEXt" | b"zTXt" | b"iTXt" | b"tIME")
}

fn strip_png(content: &[u8]) -> Result<Vec<u8>, Rejection> {
    if !content.starts_with(&PNG_SIGNATURE) {
        return Err(corrupt("no PNG signature"));
    }
    let mut output = Vec::with_capacity(content.len());
    output.extend_from_slice(&PNG_SIGNATURE);
    let mut position = PNG_SIGNATURE.len();
    loop {
        let header = content
            .get(position..position + 8)
            .ok_or_else(|| corrupt("truncated chunk"))?;
        let length = usize::try_from(u32::from_be_bytes([
            header[0], header[1], header[2], header[3],
        ]))
        .map_err(|_| corrupt("bad chunk length"))?;
        let kind = [header[4], header[5], header[6], header[7]];
        let end = position
            .checked_add(12)
            .and_then(|end| end.checked_add(length))
            .ok_or_else(|| corrupt("bad chunk length"))?;
        let chunk = content
            .get(position..end)
            .ok_or_else(|| corrupt("truncated chunk"))?;
        if !drop_png_chunk(&kind) {
            output.extend_from_slice(chunk);
        }
        position = end;
        if &kind == b"IEND" {
            break;
        }
    }
    if position != content.len() {
        return Err(Rejection::Polyglot("data after the end of the image"));
    }
    Ok(output)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jpeg_metadata_segments_are_removed() {
        // SOI, APP1 "Exif", COM, SOS with two data bytes, EOI.
        let jpeg = [
            0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x06, b'E', b'x', b'i', b'f', 0xFF, 0xFE, 0x00, 0x04,
            b'h', b'i', 0xFF, 0xDA, 0x00, 0x02, 0x12, 0x34, 0xFF, 0xD9,
        ];
        let stripped = strip_jpeg(jpeg.to_vec()).unwrap();
        assert_eq!(
            stripped,
            [0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x02, 0x12, 0x34, 0xFF, 0xD9]
        );
        let mut trailing = jpeg.to_vec();
        trailing.extend_from_slice(b"<html>");
        assert!(matches!(strip_jpeg(trailing), Err(Rejection::Polyglot(_))));
        // Without metadata the file comes back as it was.
        let clean = stripped.clone();
        assert_eq!(strip_jpeg(stripped).unwrap(), clean);
    }
}
