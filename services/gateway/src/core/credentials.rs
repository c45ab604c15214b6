//! How a caller presents a session: `Authorization: Bearer <session token>`
//! (apps and scripts using the API) or the session cookie (the portal).
//! Cookies are HttpOnly, SameSite=Lax and, unless a plain-HTTP development
//! setup turns it off, Secure with the `__Host-` prefix (no Domain, Path=/),
//! so no other host can plant or read them.

use axum::http::{HeaderMap, HeaderValue, header};

/// The session a request presents, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credentials {
    None,
    Bearer(String),
    Cookie(String),
}

impl Credentials {
    pub fn session_token(&self) -> Option<&str> {
        match self {
            Credentials::None => None,
            Credentials::Bearer(token) | Credentials::Cookie(token) => Some(token),
        }
    }

    /// Cookie-borne credentials are sent by the browser on its own, so
    /// changes made with them need CSRF protection; bearer ones are not.
    pub fn is_cookie(&self) -> bool {
        matches!(self, Credentials::Cookie(_))
    }
}

/// Names and attributes of the gateway's cookies.
#[derive(Debug, Clone)]
pub struct CookiePolicy {
    secure: bool,
}

impl CookiePolicy {
    pub fn new(secure: bool) -> Self {
        Self { secure }
    }

    pub fn session_cookie_name(&self) -> &'static str {
        if self.secure {
            "__Host-laissez-session"
        } else {
            "laissez-session"
        }
    }

    /// The cookie that binds a CSRF token when nobody is signed in yet.
    pub fn anonymous_cookie_name(&self) -> &'static str {
        if self.secure {
            "__Host-laissez-anon"
        } else {
            "laissez-anon"
        }
    }

    fn attributes(&self) -> &'static str {
        if self.secure {
            "Path=/; HttpOnly; Secure; SameSite=Lax"
        } else {
            "Path=/; HttpOnly; SameSite=Lax"
        }
    }

    /// `Set-Cookie` for a new session; it lasts as long as the session can.
    pub fn set_session(&self, session_token: &str, max_age_seconds: i64) -> Option<HeaderValue> {
        self.set(self.session_cookie_name(), session_token, max_age_seconds)
    }

    /// `Set-Cookie` that removes the session cookie (logout).
    pub fn clear_session(&self) -> HeaderValue {
        self.set(self.session_cookie_name(), "", 0)
            .unwrap_or_else(|| HeaderValue::from_static("laissez-session=; Max-Age=0; Path=/"))
    }

    /// `Set-Cookie` for the anonymous CSRF binding (a browser session cookie).
    pub fn set_anonymous(&self, value: &str) -> Option<HeaderValue> {
        HeaderValue::from_str(&format!(
            "{}={value}; {}",
            self.anonymous_cookie_name(),
            self.attributes()
        ))
        .ok()
    }

    /// `Set-Cookie` for a preference the portal remembers for a year (the
    /// language); same attributes as the others.
    pub fn set_preference(&self, name: &str, value: &str) -> Option<HeaderValue> {
        self.set(name, value, 365 * 24 * 3600)
    }

    fn set(&self, name: &str, value: &str, max_age_seconds: i64) -> Option<HeaderValue> {
        if !value.bytes().all(is_cookie_octet) {
            return None;
        }
        HeaderValue::from_str(&format!(
            "{name}={value}; Max-Age={}; {}",
            max_age_seconds.max(0),
            self.attributes()
        ))
        .ok()
    }

    /// The credentials a request presents. A bearer token wins over a
    /// cookie: a script that sends one means it.
    pub fn credentials(&self, headers: &HeaderMap) -> Credentials {
        if let Some(token) = bearer(headers) {
            return Credentials::Bearer(token);
        }
        match cookie(headers, self.session_cookie_name()) {
            Some(token) if !token.is_empty() => Credentials::Cookie(token),
            _ => Credentials::None,
        }
    }
}

fn is_cookie_octet(byte: u8) -> bool {
    matches!(byte, 0x21 | 0x23..=0x2B | 0x2D..=0x3A | 0x3C..=0x5B | 0x5D..=0x7E)
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then(|| token.to_owned())
}

/// The value of cookie `name`, from any `Cookie` header of the request
/// (parsed by the `cookie` crate; surrounding quotes removed).
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    axum_extra::extract::cookie::CookieJar::from_headers(headers)
        .get(name)
        .map(|cookie| cookie.value_trimmed().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn bearer_wins_over_the_cookie() {
        let policy = CookiePolicy::new(true);
        let both = headers(&[
            ("authorization", "Bearer abc"),
            ("cookie", "__Host-laissez-session=def"),
        ]);
        assert_eq!(policy.credentials(&both), Credentials::Bearer("abc".into()));
        let cookie_only = headers(&[("cookie", "a=1; __Host-laissez-session=def; b=2")]);
        assert_eq!(
            policy.credentials(&cookie_only),
            Credentials::Cookie("def".into())
        );
        let other_scheme = headers(&[("authorization", "Basic abc")]);
        assert_eq!(policy.credentials(&other_scheme), Credentials::None);
    }

    #[test]
    fn cookies_are_http_only_lax_and_secure_with_the_host_prefix() {
        let secure = CookiePolicy::new(true).set_session("tok", 3600).unwrap();
        let secure = secure.to_str().unwrap();
        assert!(
            secure.starts_with("__Host-laissez-session=tok;"),
            "{secure}"
        );
        for attribute in [
            "HttpOnly",
            "Secure",
            "SameSite=Lax",
            "Path=/",
            "Max-Age=3600",
        ] {
            assert!(secure.contains(attribute), "{secure} lacks {attribute}");
        }
        assert!(!secure.contains("Domain"));
        let cleared = CookiePolicy::new(true).clear_session();
        assert!(cleared.to_str().unwrap().contains("Max-Age=0"));
        // A value that could break out of the cookie is refused.
        assert!(CookiePolicy::new(true).set_session("a;b", 1).is_none());
    }
}
