//! Pre-login sessions and their captchas: a server-drawn image of six
//! characters; the answer lives in Redis for five minutes, bound to the
//! pre-login session, and is deleted by the first attempt to use it.

use redis::aio::ConnectionManager;
use subtle::ConstantTimeEq;

use super::{Keys, random_id, random_token, sha256_hex};

/// Letters and digits that cannot be mistaken for each other (no 0/O, 1/I/l).
const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZabcdefghjkmnpqrstuvwxyz";
pub const ANSWER_LENGTH: usize = 6;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CaptchaError {
    #[error("the captcha is required")]
    Missing,
    #[error("the captcha has expired or was already used; ask for another one")]
    ExpiredOrUsed,
    #[error("the captcha answer is wrong; a new captcha is needed")]
    Wrong,
}

pub struct IssuedCaptcha {
    pub pre_session: String,
    pub captcha_id: String,
    pub png: Vec<u8>,
    pub expires_at: i64,
}

#[derive(Clone)]
pub struct CaptchaStore {
    redis: ConnectionManager,
    keys: Keys,
    captcha_seconds: u64,
    pre_session_seconds: u64,
    /// Development only (refused in production by the configuration): the
    /// answer of every captcha, instead of a random one.
    fixed_answer: Option<String>,
}

/// Draws the answer as a PNG (CPU work: call from a blocking thread).
pub fn render_png(answer: &str) -> Result<Vec<u8>, image::ImageError> {
    let captcha = captcha_rs::CaptchaBuilder::new()
        .text(answer.to_owned())
        .width(180)
        .height(60)
        .dark_mode(false)
        .complexity(2)
        .interference_lines(3)
        .build();
    let mut png = Vec::new();
    captcha
        .image
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)?;
    Ok(png)
}

pub fn random_answer() -> String {
    use rand::Rng;
    let mut rng = rand::rngs::OsRng;
    (0..ANSWER_LENGTH)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

impl CaptchaStore {
    pub fn new(
        redis: ConnectionManager,
        keys: Keys,
        captcha_seconds: u64,
        pre_session_seconds: u64,
    ) -> Self {
        Self {
            redis,
            keys,
            captcha_seconds,
            pre_session_seconds,
            fixed_answer: None,
        }
    }

    /// Every captcha gets `answer` (development setting `dev_captcha_answer`).
    pub fn with_fixed_answer(mut self, answer: Option<String>) -> Self {
        self.fixed_answer = answer;
        self
    }

    fn pre_key(&self, pre_session: &str) -> String {
        self.keys.key("pre-session", &sha256_hex(pre_session))
    }

    fn captcha_key(&self, captcha_id: &str) -> String {
        self.keys.key("captcha", captcha_id)
    }

    /// A new captcha for `pre_session`, or for a new pre-login session when
    /// that one is empty or unknown (a client cannot choose its own id).
    /// The session's previous captcha is void ("another one").
    pub async fn issue(&self, pre_session: &str) -> anyhow::Result<IssuedCaptcha> {
        let mut redis = self.redis.clone();
        let known = !pre_session.is_empty()
            && pre_session.len() <= 128
            && redis::cmd("EXISTS")
                .arg(self.pre_key(pre_session))
                .query_async::<bool>(&mut redis)
                .await?;
        let pre_session = if known {
            pre_session.to_owned()
        } else {
            random_token()
        };
        let pre_key = self.pre_key(&pre_session);

        let answer = self.fixed_answer.clone().unwrap_or_else(random_answer);
        let drawn = answer.clone();
        let png = tokio::task::spawn_blocking(move || render_png(&drawn)).await??;
        let captcha_id = random_id();
        let previous: Option<String> = redis::cmd("HGET")
            .arg(&pre_key)
            .arg("captcha")
            .query_async(&mut redis)
            .await?;
        let binding = format!("{}:{}", sha256_hex(&pre_session), answer.to_lowercase());
        let mut pipe = redis::pipe();
        pipe.atomic();
        if let Some(previous) = previous {
            pipe.del(self.captcha_key(&previous)).ignore();
        }
        pipe.set_ex(self.captcha_key(&captcha_id), binding, self.captcha_seconds)
            .ignore()
            .hset(&pre_key, "captcha", &captcha_id)
            .ignore()
            .expire(
                &pre_key,
                i64::try_from(self.pre_session_seconds).unwrap_or(1800),
            )
            .ignore();
        pipe.query_async::<()>(&mut redis).await?;
        let expires_at = super::now_seconds() + i64::try_from(self.captcha_seconds).unwrap_or(300);
        Ok(IssuedCaptcha {
            pre_session,
            captcha_id,
            png,
            expires_at,
        })
    }

    /// Checks an answer. Any attempt, right or wrong, uses the captcha up.
    pub async fn check(
        &self,
        pre_session: &str,
        captcha_id: &str,
        answer: &str,
    ) -> anyhow::Result<Result<(), CaptchaError>> {
        if pre_session.is_empty() || captcha_id.is_empty() || answer.is_empty() {
            return Ok(Err(CaptchaError::Missing));
        }
        if captcha_id.len() > 64 || pre_session.len() > 128 {
            return Ok(Err(CaptchaError::ExpiredOrUsed));
        }
        let mut redis = self.redis.clone();
        let stored: Option<String> = redis::cmd("GETDEL")
            .arg(self.captcha_key(captcha_id))
            .query_async(&mut redis)
            .await?;
        let Some(stored) = stored else {
            return Ok(Err(CaptchaError::ExpiredOrUsed));
        };
        let expected = format!(
            "{}:{}",
            sha256_hex(pre_session),
            answer.trim().to_lowercase()
        );
        if bool::from(stored.as_bytes().ct_eq(expected.as_bytes())) {
            Ok(Ok(()))
        } else {
            Ok(Err(CaptchaError::Wrong))
        }
    }

    /// Ends a pre-login session (at login: its token is worthless afterwards).
    pub async fn end_pre_session(&self, pre_session: &str) -> anyhow::Result<()> {
        if pre_session.is_empty() {
            return Ok(());
        }
        let mut redis = self.redis.clone();
        let pre_key = self.pre_key(pre_session);
        let current: Option<String> = redis::cmd("HGET")
            .arg(&pre_key)
            .arg("captcha")
            .query_async(&mut redis)
            .await?;
        let mut pipe = redis::pipe();
        pipe.del(&pre_key).ignore();
        if let Some(current) = current {
            pipe.del(self.captcha_key(&current)).ignore();
        }
        pipe.query_async::<()>(&mut redis).await?;
        Ok(())
    }

    /// Test and tooling aid: the stored binding of a captcha (`<pre hash>:<answer>`).
    pub async fn peek_answer(&self, captcha_id: &str) -> anyhow::Result<Option<String>> {
        let mut redis = self.redis.clone();
        let stored: Option<String> = redis::cmd("GET")
            .arg(self.captcha_key(captcha_id))
            .query_async(&mut redis)
            .await?;
        Ok(stored.and_then(|binding| binding.split_once(':').map(|(_, answer)| answer.to_owned())))
    }
}
