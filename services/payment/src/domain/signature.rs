//! Signed messages between payment and its providers: HMAC-SHA256 over the
//! timestamp, a dot and the raw body, hex in `X-Laissez-Signature: v1=…`,
//! the Unix time in `X-Laissez-Timestamp`. Verification is constant-time and
//! refuses a timestamp outside the tolerance (a replay of an old message).

use hmac::{Hmac, Mac};
use sha2::Sha256;

pub const SIGNATURE_HEADER: &str = "x-laissez-signature";
pub const TIMESTAMP_HEADER: &str = "x-laissez-timestamp";

type HmacSha256 = Hmac<Sha256>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the signature header is missing or malformed")]
    Missing,
    #[error("the timestamp header is missing or malformed")]
    Timestamp,
    #[error("the timestamp is outside the accepted window")]
    Stale,
    #[error("the signature does not match")]
    Mismatch,
}

fn mac(secret: &[u8], timestamp: i64, body: &[u8]) -> HmacSha256 {
    // HMAC takes keys of any length.
    let mut mac = HmacSha256::new_from_slice(secret).unwrap_or_else(|_| unreachable!());
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The signature header's value for `body` at `timestamp`.
pub fn sign(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    format!(
        "v1={}",
        hex::encode(mac(secret, timestamp, body).finalize().into_bytes())
    )
}

/// Checks a message's headers against `secret`, at `now`, within
/// `tolerance_seconds` either way.
pub fn verify(
    secret: &[u8],
    signature: Option<&str>,
    timestamp: Option<&str>,
    body: &[u8],
    now: i64,
    tolerance_seconds: i64,
) -> Result<(), SignatureError> {
    let timestamp: i64 = timestamp
        .and_then(|value| value.trim().parse().ok())
        .ok_or(SignatureError::Timestamp)?;
    let signature = signature
        .and_then(|value| value.trim().strip_prefix("v1="))
        .and_then(|value| hex::decode(value).ok())
        .ok_or(SignatureError::Missing)?;
    if (now - timestamp).abs() > tolerance_seconds {
        return Err(SignatureError::Stale);
    }
    mac(secret, timestamp, body)
        .verify_slice(&signature)
        .map_err(|_| SignatureError::Mismatch)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signed_body_verifies_and_a_changed_one_does_not() {
        let signature = sign(b"secret", 1_000, b"{\"a\":1}");
        assert_eq!(
            verify(
                b"secret",
                Some(&signature),
                Some("1000"),
                b"{\"a\":1}",
                1_010,
                300
            ),
            Ok(())
        );
        assert_eq!(
            verify(
                b"secret",
                Some(&signature),
                Some("1000"),
                b"{\"a\":2}",
                1_010,
                300
            ),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(
                b"other",
                Some(&signature),
                Some("1000"),
                b"{\"a\":1}",
                1_010,
                300
            ),
            Err(SignatureError::Mismatch)
        );
        // The timestamp is signed: moving it breaks the signature.
        assert_eq!(
            verify(
                b"secret",
                Some(&signature),
                Some("1001"),
                b"{\"a\":1}",
                1_010,
                300
            ),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn stale_missing_and_garbled_headers_are_refused() {
        let signature = sign(b"secret", 1_000, b"x");
        assert_eq!(
            verify(b"secret", Some(&signature), Some("1000"), b"x", 2_000, 300),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            verify(b"secret", None, Some("1000"), b"x", 1_000, 300),
            Err(SignatureError::Missing)
        );
        assert_eq!(
            verify(b"secret", Some("v1=zz"), Some("1000"), b"x", 1_000, 300),
            Err(SignatureError::Missing)
        );
        assert_eq!(
            verify(b"secret", Some(&signature), Some("soon"), b"x", 1_000, 300),
            Err(SignatureError::Timestamp)
        );
    }
}
