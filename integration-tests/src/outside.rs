//! What an applicant or a member of staff has besides the platform: a mail
//! box (the mail catcher), a phone (notify's SMS gateway simulator), an
//! authenticator app (RFC 6238), documents to scan, and patience.

use std::time::Duration;

use hmac::{Hmac, Mac};
use serde_json::Value;

/// Polls `probe` until it returns `Some` (events take their time to flow).
/// Panics naming `what` after `seconds`.
pub async fn eventually<T, F, Fut>(what: &str, seconds: u64, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(seconds);
    loop {
        if let Some(found) = probe().await {
            return found;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "never within {seconds} s: {what}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// The mail catcher's JSON API.
#[derive(Clone)]
pub struct MailBox {
    url: String,
    http: reqwest::Client,
}

impl MailBox {
    pub fn new(url: String) -> Self {
        Self {
            url,
            http: reqwest::Client::new(),
        }
    }

    /// Every message received so far: `to`, `subject`, `text`, `links`, …
    pub async fn all(&self) -> Vec<Value> {
        let Ok(answer) = self
            .http
            .get(format!("{}/api/messages", self.url))
            .send()
            .await
        else {
            return Vec::new();
        };
        answer
            .json::<Value>()
            .await
            .ok()
            .and_then(|list| list.as_array().cloned())
            .unwrap_or_default()
    }

    /// Messages to `address`.
    pub async fn to(&self, address: &str) -> Vec<Value> {
        self.all()
            .await
            .into_iter()
            .filter(|message| {
                message["to"].as_array().is_some_and(|to| {
                    to.iter()
                        .any(|a| a.as_str().is_some_and(|a| a.contains(address)))
                }) || message["to"]
                    .as_str()
                    .is_some_and(|to| to.contains(address))
            })
            .collect()
    }

    /// Waits for a message to `address` with a link holding `token=` and
    /// returns that token.
    pub async fn token_for(&self, address: &str, link_part: &str) -> String {
        eventually(
            &format!("a mail to {address} with a {link_part} link"),
            60,
            || async {
                self.to(address)
                    .await
                    .into_iter()
                    .rev()
                    .find_map(|message| {
                        message["links"].as_array()?.iter().find_map(|link| {
                            let link = link.as_str()?;
                            if !link.contains(link_part) {
                                return None;
                            }
                            let token = link.split("token=").nth(1)?;
                            Some(token.split('&').next()?.to_owned())
                        })
                    })
            },
        )
        .await
    }
}

/// Notify's SMS gateway simulator: what the phones received.
#[derive(Clone)]
pub struct Phones {
    url: String,
    http: reqwest::Client,
}

impl Phones {
    pub fn new(url: String) -> Self {
        Self {
            url,
            http: reqwest::Client::new(),
        }
    }

    pub async fn all(&self) -> Vec<Value> {
        let Ok(answer) = self.http.get(format!("{}/messages", self.url)).send().await else {
            return Vec::new();
        };
        answer
            .json::<Value>()
            .await
            .ok()
            .and_then(|list| list.as_array().cloned())
            .unwrap_or_default()
    }

    /// Waits for a text to a number ending in `mobile` and returns the
    /// first run of six digits in it (the code).
    pub async fn code_for(&self, mobile: &str) -> String {
        eventually(&format!("an SMS code to {mobile}"), 60, || async {
            self.all().await.into_iter().rev().find_map(|message| {
                if !message["to"].as_str()?.ends_with(mobile) {
                    return None;
                }
                six_digits(message["text"].as_str()?)
            })
        })
        .await
    }
}

fn six_digits(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    (0..bytes.len().saturating_sub(5)).find_map(|start| {
        let window = &bytes[start..start + 6];
        let before = start.checked_sub(1).map(|i| bytes[i].is_ascii_digit());
        let after = bytes.get(start + 6).map(u8::is_ascii_digit);
        (window.iter().all(u8::is_ascii_digit) && before != Some(true) && after != Some(true))
            .then(|| String::from_utf8_lossy(window).into_owned())
    })
}

/// The current code of an authenticator holding the base32 `secret`
/// (RFC 6238: HMAC-SHA1 over the 30-second step, six digits).
pub fn totp(secret: &str) -> String {
    totp_at(secret, chrono::Utc::now().timestamp())
}

pub fn totp_at(secret: &str, unix_seconds: i64) -> String {
    let normalised: String = secret
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '=')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let key = data_encoding::BASE32_NOPAD
        .decode(normalised.as_bytes())
        .expect("a base32 secret");
    let step = unix_seconds.div_euclid(30) as u64;
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(&key).expect("any key length");
    mac.update(&step.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[19] & 0x0f);
    let value = u32::from_be_bytes([
        digest[offset] & 0x7f,
        digest[offset + 1],
        digest[offset + 2],
        digest[offset + 3],
    ]);
    format!("{:06}", value % 1_000_000)
}

/// A valid Taiwan ID number (letter, sex digit, seven digits, check digit).
pub fn taiwan_id(sequence: u32) -> String {
    let body = format!("A1{:07}", sequence % 10_000_000);
    let digits: Vec<u32> = body[1..].chars().filter_map(|c| c.to_digit(10)).collect();
    let weights = [8, 7, 6, 5, 4, 3, 2, 1];
    // A is 10: its tens digit weighs 1 and its units digit 9 (×0).
    let sum: u32 = 1 + digits.iter().zip(weights).map(|(d, w)| d * w).sum::<u32>();
    format!("{body}{}", (10 - sum % 10) % 10)
}

/// A photo the intake checks accept: a face-shaped oval on a light
/// background (PNG, 300×400).
pub fn photo() -> Vec<u8> {
    include_bytes!("../fixtures/photo.png").to_vec()
}

/// The photo Hong Kong's centres take: exactly 354×472 pixels.
pub fn photo_354x472() -> Vec<u8> {
    include_bytes!("../fixtures/photo-354x472.png").to_vec()
}

/// A scanned card or page (PNG, 200×120).
pub fn scan() -> Vec<u8> {
    include_bytes!("../fixtures/scan.png").to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_6238_vectors() {
        // RFC 6238 appendix B, SHA-1, secret "12345678901234567890".
        let secret = data_encoding::BASE32_NOPAD.encode(b"12345678901234567890");
        assert_eq!(totp_at(&secret, 59), "287082");
        assert_eq!(totp_at(&secret, 1_111_111_109), "081804");
        assert_eq!(totp_at(&secret, 2_000_000_000), "279037");
    }

    #[test]
    fn the_code_is_the_six_digits_standing_alone() {
        assert_eq!(
            six_digits("驗證碼 123456，10 分鐘內有效").as_deref(),
            Some("123456")
        );
        assert_eq!(
            six_digits("order 1234567 code 654321").as_deref(),
            Some("654321")
        );
        assert_eq!(six_digits("no code"), None);
    }
}
