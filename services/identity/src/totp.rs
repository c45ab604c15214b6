//! TOTP (RFC 6238): HMAC-SHA1, 30-second steps, six digits, one step of
//! clock skew either way. Each step is accepted once per account.

use hmac::{Hmac, Mac};
use sha1::Sha1;
use subtle::ConstantTimeEq;

pub const STEP_SECONDS: i64 = 30;
pub const SECRET_BYTES: usize = 20;

pub fn new_secret() -> Vec<u8> {
    let mut secret = vec![0u8; SECRET_BYTES];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut secret);
    secret
}

/// The code of one time step.
pub fn code_at_step(secret: &[u8], step: i64, digits: u32) -> String {
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(secret) else {
        return String::new();
    };
    mac.update(&step.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[digest.len() - 1] & 0x0f);
    let binary = (u32::from(digest[offset]) & 0x7f) << 24
        | u32::from(digest[offset + 1]) << 16
        | u32::from(digest[offset + 2]) << 8
        | u32::from(digest[offset + 3]);
    let code = binary % 10u32.pow(digits);
    format!("{code:0width$}", width = digits as usize)
}

/// The time step `code` belongs to, if it is valid at `unix_seconds`.
pub fn matching_step(secret: &[u8], code: &str, unix_seconds: i64) -> Option<i64> {
    let code = code.trim();
    if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let current = unix_seconds.div_euclid(STEP_SECONDS);
    [current - 1, current, current + 1]
        .into_iter()
        .find(|step| {
            bool::from(
                code_at_step(secret, *step, 6)
                    .as_bytes()
                    .ct_eq(code.as_bytes()),
            )
        })
}

/// RFC 4648 base32 without padding, as authenticator apps expect.
pub fn base32(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::new();
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for byte in bytes {
        buffer = (buffer << 8) | u32::from(*byte);
        bits += 8;
        while bits >= 5 {
            out.push(ALPHABET[((buffer >> (bits - 5)) & 31) as usize] as char);
            bits -= 5;
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// RFC 4648 base32 (as authenticator apps show secrets): upper or lower
/// case, spaces and padding ignored; `None` for any other character.
pub fn from_base32(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for character in text.chars().filter(|c| !c.is_whitespace() && *c != '=') {
        let value = match character.to_ascii_uppercase() {
            letter @ 'A'..='Z' => letter as u32 - 'A' as u32,
            digit @ '2'..='7' => digit as u32 - '2' as u32 + 26,
            _ => return None,
        };
        buffer = (buffer << 5) | value;
        bits += 5;
        if bits >= 8 {
            out.push((buffer >> (bits - 8)) as u8);
            bits -= 8;
            buffer &= (1 << bits) - 1;
        }
    }
    Some(out)
}

pub fn otpauth_url(issuer: &str, account: &str, secret: &[u8]) -> String {
    let encode = |text: &str| -> String {
        text.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect()
    };
    format!(
        "otpauth://totp/{}:{}?secret={}&issuer={}&algorithm=SHA1&digits=6&period=30",
        encode(issuer),
        encode(account),
        base32(secret),
        encode(issuer)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base32_decodes_what_it_encodes() {
        for length in 0..=40 {
            let bytes: Vec<u8> = (0..length).map(|i| (i * 37 + 11) as u8).collect();
            let text = base32(&bytes);
            assert_eq!(from_base32(&text), Some(bytes.clone()));
            assert_eq!(from_base32(&text.to_lowercase()), Some(bytes));
        }
        // RFC 4648 test vector, with padding and spaces.
        assert_eq!(from_base32("MZXW 6YTB OI======"), Some(b"foobar".to_vec()));
        assert_eq!(from_base32("MZXW1"), None);
    }

    #[test]
    fn rfc_6238_vectors() {
        let secret = b"12345678901234567890";
        assert_eq!(code_at_step(secret, 59 / 30, 8), "94287082");
        assert_eq!(code_at_step(secret, 1_111_111_109 / 30, 8), "07081804");
        assert_eq!(code_at_step(secret, 2_000_000_000 / 30, 8), "69279037");
        let code = code_at_step(secret, 1_000, 6);
        assert_eq!(matching_step(secret, &code, 1_000 * 30 + 10), Some(1_000));
        assert_eq!(matching_step(secret, &code, 1_003 * 30), None);
        assert_eq!(matching_step(secret, "abc", 0), None);
    }

    #[test]
    fn base32_of_rfc_4648_vectors() {
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
        assert_eq!(base32(b"f"), "MY");
    }
}
