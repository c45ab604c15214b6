//! One refusal for every portal page: [`PortalError`] renders itself as
//! the page the visitor gets instead (not found, forbidden, unavailable,
//! or the way to the sign-in), in the visitor's language, and a service's
//! gRPC status becomes one in exactly one place, [`PortalError::from_status`].

use axum::http::Uri;
use axum::response::{IntoResponse, Response};

use crate::portal::shell::page::{Language, forbidden, lookup_failed, to_login, unavailable};
use crate::portal::shell::site::{Lookup, Site};

/// What the visitor gets instead of the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The page, or what it names, does not exist for this visitor
    /// (another account's or agency's reads the same).
    NotFound,
    Forbidden,
    Unavailable,
    /// No session here (or it ended): to this portal's sign-in.
    SignIn,
}

/// Who a page is for: an applicant is never told that something exists
/// and is not theirs; staff are told their role does not reach it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Applicant,
    Staff,
}

/// A refused page, with what it takes to render the refusal.
pub(crate) struct PortalError(Box<Refused>);

struct Refused {
    refusal: Refusal,
    language: Language,
    uri: Uri,
    site: Option<Site>,
}

impl PortalError {
    pub(crate) fn new(
        refusal: Refusal,
        language: Language,
        uri: &Uri,
        site: Option<&Site>,
    ) -> Self {
        Self(Box::new(Refused {
            refusal,
            language,
            uri: uri.clone(),
            site: site.cloned(),
        }))
    }

    /// A portal that could not be found (or read).
    pub(crate) fn lookup(lookup: Lookup, language: Language, uri: &Uri) -> Self {
        let refusal = match lookup {
            Lookup::NotFound => Refusal::NotFound,
            Lookup::Unavailable => Refusal::Unavailable,
        };
        Self::new(refusal, language, uri, None)
    }

    /// A service's refusal of a page: what is missing (or another's) is
    /// the 404 page, a role the service refuses the 403 page for staff
    /// (404 for an applicant), an ended session the sign-in, the rest
    /// unavailable.
    pub(crate) fn from_status(
        status: &tonic::Status,
        audience: Audience,
        language: Language,
        uri: &Uri,
        site: &Site,
    ) -> Self {
        let refusal = match (status.code(), audience) {
            (tonic::Code::NotFound | tonic::Code::InvalidArgument, _)
            | (tonic::Code::PermissionDenied, Audience::Applicant) => Refusal::NotFound,
            (tonic::Code::PermissionDenied, Audience::Staff) => Refusal::Forbidden,
            (tonic::Code::Unauthenticated, _) => Refusal::SignIn,
            (code, _) => {
                tracing::warn!(?code, "a service did not answer a portal page");
                Refusal::Unavailable
            }
        };
        Self::new(refusal, language, uri, Some(site))
    }
}

impl IntoResponse for PortalError {
    fn into_response(self) -> Response {
        let Refused {
            refusal,
            language,
            uri,
            site,
        } = *self.0;
        let (uri, site) = (&uri, site.as_ref());
        match (refusal, site) {
            (Refusal::SignIn, Some(site)) => to_login(site, uri),
            (Refusal::NotFound | Refusal::SignIn, _) => {
                lookup_failed(language, uri, Lookup::NotFound)
            }
            (Refusal::Forbidden, _) => forbidden(language, uri, site),
            (Refusal::Unavailable, _) => unavailable(language, uri, site),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use axum::http::{StatusCode, header};

    use super::*;
    use crate::portal::shell::i18n::{Lang, Text};

    fn site() -> Site {
        Site {
            agency: "tw-nia".into(),
            portal: "students".into(),
            agency_name: Text::default(),
            portal_name: Text::default(),
            captcha: false,
            login_with: "login_name".into(),
            catalog: Arc::new(serde_json::json!({})),
        }
    }

    fn answer(code: tonic::Code, audience: Audience) -> Response {
        let uri: Uri = "/portal/tw-nia/students/cases/x?lang=en".parse().unwrap();
        let language = Language { lang: Lang::En };
        PortalError::from_status(
            &tonic::Status::new(code, "refused"),
            audience,
            language,
            &uri,
            &site(),
        )
        .into_response()
    }

    #[test]
    fn an_applicant_is_never_told_that_something_exists_and_is_not_theirs() {
        for code in [
            tonic::Code::NotFound,
            tonic::Code::InvalidArgument,
            tonic::Code::PermissionDenied,
        ] {
            assert_eq!(
                answer(code, Audience::Applicant).status(),
                StatusCode::NOT_FOUND,
                "{code:?}"
            );
        }
    }

    #[test]
    fn staff_are_told_their_role_does_not_reach_a_page() {
        assert_eq!(
            answer(tonic::Code::PermissionDenied, Audience::Staff).status(),
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            answer(tonic::Code::NotFound, Audience::Staff).status(),
            StatusCode::NOT_FOUND
        );
    }

    #[test]
    fn an_ended_session_goes_to_the_sign_in_keeping_the_language() {
        let response = answer(tonic::Code::Unauthenticated, Audience::Applicant);
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            response.headers()[header::LOCATION],
            "/portal/tw-nia/students/login?lang=en"
        );
    }

    #[test]
    fn anything_else_is_unavailable() {
        for code in [
            tonic::Code::Unavailable,
            tonic::Code::Internal,
            tonic::Code::DeadlineExceeded,
        ] {
            assert_eq!(
                answer(code, Audience::Applicant).status(),
                StatusCode::SERVICE_UNAVAILABLE,
                "{code:?}"
            );
        }
    }
}
