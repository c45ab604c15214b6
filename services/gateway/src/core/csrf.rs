//! CSRF protection for changes made with cookies.
//!
//! A token is the HMAC-SHA256 of a binding under the gateway's key: the
//! session token when someone is signed in, else the random value of the
//! anonymous cookie (for the sign-in and registration forms). A forger can
//! neither read the binding (HttpOnly cookies) nor compute the HMAC, so a
//! page of another site cannot produce a valid token. Forms carry it as
//! `csrf_token`, scripts as the `X-CSRF-Token` header. On top of that, a
//! cookie-authenticated change whose `Origin` (or `Sec-Fetch-Site`) says it
//! comes from another site is refused outright. Bearer-token requests need
//! neither: a browser never adds that header by itself.

use axum::http::{HeaderMap, Method, header};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

pub const CSRF_HEADER: &str = "x-csrf-token";
pub const CSRF_FORM_FIELD: &str = "csrf_token";

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CsrfError {
    #[error("the request comes from another site")]
    CrossOrigin,
    #[error("the CSRF token is missing or wrong; reload the page and try again")]
    BadToken,
}

/// Makes and checks CSRF tokens and origins.
#[derive(Clone)]
pub struct CsrfGuard {
    key: Vec<u8>,
    allowed_origins: Vec<String>,
}

impl CsrfGuard {
    /// `key` empty: a random key for this process (development).
    pub fn new(key: &str, allowed_origins: Vec<String>) -> Self {
        let key = if key.is_empty() {
            let mut random = vec![0u8; 32];
            rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut random);
            random
        } else {
            key.as_bytes().to_vec()
        };
        Self {
            key,
            allowed_origins: allowed_origins
                .into_iter()
                .map(|origin| origin.trim_end_matches('/').to_ascii_lowercase())
                .collect(),
        }
    }

    /// The token for forms and scripts of the holder of `binding`.
    pub fn token(&self, binding: &str) -> String {
        URL_SAFE_NO_PAD.encode(self.mac(binding))
    }

    fn mac(&self, binding: &str) -> Vec<u8> {
        // HMAC accepts keys of any length.
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&self.key).unwrap_or_else(|_| unreachable_hmac());
        mac.update(b"laissez-csrf:");
        mac.update(binding.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }

    pub fn verify(&self, binding: &str, presented: &str) -> bool {
        if binding.is_empty() {
            return false;
        }
        let Ok(presented) = URL_SAFE_NO_PAD.decode(presented.trim()) else {
            return false;
        };
        bool::from(presented.ct_eq(&self.mac(binding)))
    }

    /// Refuses a change that says it comes from another site. A request
    /// without `Origin` and `Sec-Fetch-Site` (an old browser, a script)
    /// passes this check and still needs the token.
    pub fn check_origin(&self, headers: &HeaderMap) -> Result<(), CsrfError> {
        if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok())
            && site.eq_ignore_ascii_case("cross-site")
        {
            return Err(CsrfError::CrossOrigin);
        }
        let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
            return Ok(());
        };
        let origin = origin.trim_end_matches('/').to_ascii_lowercase();
        if self.allowed_origins.contains(&origin) {
            return Ok(());
        }
        let host = headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .map(str::to_ascii_lowercase);
        let same_host = host.is_some_and(|host| {
            origin
                .split_once("://")
                .is_some_and(|(_, origin_host)| origin_host == host)
        });
        if self.allowed_origins.is_empty() && same_host {
            Ok(())
        } else {
            Err(CsrfError::CrossOrigin)
        }
    }

    /// The whole check for a cookie-authenticated request: safe methods
    /// pass; changes need a same-site origin and the token for `binding`
    /// (from the header, or from a form field the caller has read).
    pub fn check(
        &self,
        method: &Method,
        headers: &HeaderMap,
        binding: &str,
        form_token: Option<&str>,
    ) -> Result<(), CsrfError> {
        if is_safe(method) {
            return Ok(());
        }
        self.check_origin(headers)?;
        let presented = headers
            .get(CSRF_HEADER)
            .and_then(|value| value.to_str().ok())
            .or(form_token)
            .ok_or(CsrfError::BadToken)?;
        if self.verify(binding, presented) {
            Ok(())
        } else {
            Err(CsrfError::BadToken)
        }
    }
}

pub fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn unreachable_hmac() -> Hmac<Sha256> {
    // `new_from_slice` only fails for fixed-size-key MACs, never for HMAC.
    <Hmac<Sha256> as Mac>::new_from_slice(b"laissez").expect("HMAC takes any key length")
}

/// A random value for the anonymous binding cookie.
pub fn new_anonymous_binding() -> String {
    let mut bytes = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn a_token_fits_only_its_binding_and_key() {
        let guard = CsrfGuard::new("key-one", Vec::new());
        let token = guard.token("session-a");
        assert!(guard.verify("session-a", &token));
        assert!(!guard.verify("session-b", &token));
        assert!(!CsrfGuard::new("key-two", Vec::new()).verify("session-a", &token));
        assert!(!guard.verify("", &guard.token("")));
        assert!(!guard.verify("session-a", "garbage!"));
    }

    #[test]
    fn changes_need_the_token_and_a_same_site_origin() {
        let guard = CsrfGuard::new("k", vec!["https://portal.example".into()]);
        let token = guard.token("s");
        let post = Method::POST;
        assert_eq!(
            guard.check(&post, &headers(&[]), "s", None),
            Err(CsrfError::BadToken)
        );
        assert!(
            guard
                .check(&post, &headers(&[("x-csrf-token", &token)]), "s", None)
                .is_ok()
        );
        assert!(guard.check(&post, &headers(&[]), "s", Some(&token)).is_ok());
        let foreign = headers(&[("x-csrf-token", &token), ("origin", "https://evil.example")]);
        assert_eq!(
            guard.check(&post, &foreign, "s", None),
            Err(CsrfError::CrossOrigin)
        );
        let cross = headers(&[("x-csrf-token", &token), ("sec-fetch-site", "cross-site")]);
        assert_eq!(
            guard.check(&post, &cross, "s", None),
            Err(CsrfError::CrossOrigin)
        );
        let allowed = headers(&[
            ("x-csrf-token", &token),
            ("origin", "https://portal.example"),
        ]);
        assert!(guard.check(&post, &allowed, "s", None).is_ok());
        assert!(guard.check(&Method::GET, &headers(&[]), "s", None).is_ok());
    }

    #[test]
    fn without_configured_origins_the_own_host_is_the_origin() {
        let guard = CsrfGuard::new("k", Vec::new());
        let same = headers(&[
            ("origin", "http://127.0.0.1:8080"),
            ("host", "127.0.0.1:8080"),
        ]);
        assert!(guard.check_origin(&same).is_ok());
        let other = headers(&[
            ("origin", "http://127.0.0.1:9999"),
            ("host", "127.0.0.1:8080"),
        ]);
        assert_eq!(guard.check_origin(&other), Err(CsrfError::CrossOrigin));
    }
}
