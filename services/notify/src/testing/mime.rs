//! Just enough MIME to read what the service sends: unfolded headers with
//! RFC 2047 encoded words decoded, and the text and HTML parts decoded from
//! base64 or quoted-printable.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

#[derive(Debug, Clone, Default)]
pub struct ParsedEmail {
    pub headers: Vec<(String, String)>,
    pub text: String,
    pub html: Option<String>,
}

impl ParsedEmail {
    pub fn parse(data: &str) -> Self {
        let (headers, body) = split_headers(data);
        let mut parsed = ParsedEmail {
            headers,
            ..ParsedEmail::default()
        };
        parsed.read_part(&parsed.headers.clone(), body);
        parsed
    }

    /// A header's decoded value (first occurrence, name case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    fn read_part(&mut self, headers: &[(String, String)], body: &str) {
        let content_type = find(headers, "content-type")
            .unwrap_or("text/plain")
            .to_owned();
        let lowered = content_type.to_ascii_lowercase();
        if lowered.starts_with("multipart/") {
            let Some(boundary) = parameter(&content_type, "boundary") else {
                return;
            };
            let delimiter = format!("--{boundary}");
            for section in body.split(delimiter.as_str()).skip(1) {
                if section.starts_with("--") {
                    break;
                }
                let section = section.trim_start_matches(['\r', '\n']);
                let (part_headers, part_body) = split_headers(section);
                self.read_part(&part_headers, part_body);
            }
            return;
        }
        let encoding = find(headers, "content-transfer-encoding")
            .unwrap_or("7bit")
            .to_ascii_lowercase();
        let decoded = match encoding.as_str() {
            "base64" => {
                let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
                String::from_utf8_lossy(&STANDARD.decode(compact).unwrap_or_default()).into_owned()
            }
            "quoted-printable" => decode_quoted_printable(body),
            _ => body.to_owned(),
        };
        let decoded = decoded.trim_end_matches(['\r', '\n']).replace("\r\n", "\n");
        if lowered.starts_with("text/html") {
            self.html = Some(decoded);
        } else if lowered.starts_with("text/plain") {
            self.text = decoded;
        }
    }
}

fn find<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| value.as_str())
}

fn parameter(value: &str, name: &str) -> Option<String> {
    value.split(';').skip(1).find_map(|piece| {
        let (key, parameter_value) = piece.trim().split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case(name)
            .then(|| parameter_value.trim().trim_matches('"').to_owned())
    })
}

fn split_headers(data: &str) -> (Vec<(String, String)>, &str) {
    let (head, body) = match data.find("\r\n\r\n") {
        Some(index) => (&data[..index], &data[index + 4..]),
        None => (data, ""),
    };
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in head.split("\r\n") {
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = headers.last_mut() {
                value.push_str(line);
            }
        } else if let Some((key, value)) = line.split_once(':') {
            headers.push((key.trim().to_owned(), value.trim().to_owned()));
        }
    }
    for (_, value) in &mut headers {
        *value = decode_words(value);
    }
    (headers, body)
}

/// Decodes `=?utf-8?b?...?=` and `=?utf-8?q?...?=` words; whitespace
/// between two encoded words is dropped (RFC 2047 §6.2).
fn decode_words(value: &str) -> String {
    let mut output = String::new();
    let mut rest = value;
    let mut previous_was_word = false;
    while let Some(start) = rest.find("=?") {
        let before = &rest[..start];
        if !(previous_was_word && before.trim().is_empty()) {
            output.push_str(before);
        }
        let candidate = &rest[start + 2..];
        let pieces: Vec<&str> = candidate.splitn(3, '?').collect();
        let decoded = match pieces.as_slice() {
            [_charset, encoding, tail] => tail.find("?=").map(|end| {
                let text = &tail[..end];
                let bytes = if encoding.eq_ignore_ascii_case("b") {
                    STANDARD.decode(text).unwrap_or_default()
                } else {
                    decode_quoted_printable(&text.replace('_', " ")).into_bytes()
                };
                let consumed = start + 2 + pieces[0].len() + 1 + pieces[1].len() + 1 + end + 2;
                (String::from_utf8_lossy(&bytes).into_owned(), consumed)
            }),
            _ => None,
        };
        match decoded {
            Some((text, consumed)) => {
                output.push_str(&text);
                rest = &rest[consumed..];
                previous_was_word = true;
            }
            None => {
                output.push_str("=?");
                rest = &rest[start + 2..];
                previous_was_word = false;
            }
        }
    }
    output.push_str(rest);
    output
}

fn decode_quoted_printable(text: &str) -> String {
    let mut bytes = Vec::with_capacity(text.len());
    let raw = text.as_bytes();
    let mut index = 0;
    while index < raw.len() {
        match raw[index] {
            b'=' if raw.get(index + 1) == Some(&b'\r') && raw.get(index + 2) == Some(&b'\n') => {
                index += 3
            }
            b'=' if raw.get(index + 1) == Some(&b'\n') => index += 2,
            b'=' if index + 2 < raw.len() => {
                let hex = std::str::from_utf8(&raw[index + 1..index + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(byte) => {
                        bytes.push(byte);
                        index += 3;
                    }
                    Err(_) => {
                        bytes.push(b'=');
                        index += 1;
                    }
                }
            }
            byte => {
                bytes.push(byte);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_words_and_quoted_printable_decode() {
        assert_eq!(
            decode_words("=?utf-8?b?5Lit5paH?= =?utf-8?b?5Lit?="),
            "中文中"
        );
        assert_eq!(decode_words("plain"), "plain");
        assert_eq!(decode_quoted_printable("caf=C3=A9 =\r\nok"), "café ok");
    }
}
