//! Every error the gateway answers, as RFC 9457 `application/problem+json`.
//! Errors from the services go through `kit::Problem::from_status` (one
//! mapping of gRPC codes to HTTP); the gateway's own refusals (a body too
//! large, a malformed body, a missing session, a rate limit, an idempotency
//! conflict) are built here in the same shape.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use laissez_kit::{FieldError, Problem};

pub const PROBLEM_JSON: &str = "application/problem+json";

/// A refusal the gateway answers with a problem document.
#[derive(Debug)]
pub enum ApiError {
    /// An answer from a service.
    Upstream(tonic::Status),
    /// The request itself is wrong: every field at fault.
    InvalidRequest {
        detail: String,
        errors: Vec<FieldError>,
    },
    /// No session, or one that has ended.
    Unauthenticated(&'static str),
    /// A cookie-authenticated change without a valid CSRF token or from
    /// another origin.
    Forbidden(&'static str),
    NotFound,
    MethodNotAllowed,
    PayloadTooLarge {
        limit: usize,
    },
    UnsupportedMediaType,
    /// An idempotency key reused with another body, or while its first
    /// request is still running.
    Conflict(&'static str),
    TooManyRequests {
        retry_after_seconds: u64,
    },
    /// A dependency of the gateway itself (Redis) failed.
    Unavailable(&'static str),
}

impl ApiError {
    pub fn invalid(field: &str, code: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        Self::InvalidRequest {
            detail: format!("invalid fields: {field}"),
            errors: vec![FieldError::new(field, code, message)],
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::Upstream(status) => {
                StatusCode::from_u16(laissez_kit::error::http_status(status.code()))
                    .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
            }
            Self::InvalidRequest { .. } => StatusCode::BAD_REQUEST,
            Self::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    pub fn problem(&self) -> Problem {
        let local = |slug: &str, title: &str, detail: String, errors: Vec<FieldError>| Problem {
            kind: format!("https://laissez.dev/problems/{slug}"),
            title: title.to_owned(),
            status: self.status().as_u16(),
            detail,
            errors,
        };
        match self {
            Self::Upstream(status) => Problem::from_status(status),
            Self::InvalidRequest { detail, errors } => local(
                "invalidargument",
                "InvalidArgument",
                detail.clone(),
                errors.clone(),
            ),
            Self::Unauthenticated(detail) => local(
                "unauthenticated",
                "Unauthenticated",
                (*detail).to_owned(),
                Vec::new(),
            ),
            Self::Forbidden(detail) => local(
                "permissiondenied",
                "PermissionDenied",
                (*detail).to_owned(),
                Vec::new(),
            ),
            Self::NotFound => local(
                "notfound",
                "NotFound",
                "no such resource".to_owned(),
                Vec::new(),
            ),
            Self::MethodNotAllowed => local(
                "methodnotallowed",
                "MethodNotAllowed",
                "the resource does not answer this method".to_owned(),
                Vec::new(),
            ),
            Self::PayloadTooLarge { limit } => local(
                "payloadtoolarge",
                "PayloadTooLarge",
                format!("the request body is larger than {limit} bytes"),
                Vec::new(),
            ),
            Self::UnsupportedMediaType => local(
                "unsupportedmediatype",
                "UnsupportedMediaType",
                "send the body as application/json".to_owned(),
                Vec::new(),
            ),
            Self::Conflict(detail) => {
                local("conflict", "Conflict", (*detail).to_owned(), Vec::new())
            }
            Self::TooManyRequests {
                retry_after_seconds,
            } => local(
                "resourceexhausted",
                "ResourceExhausted",
                format!("too many requests; try again in {retry_after_seconds} s"),
                Vec::new(),
            ),
            Self::Unavailable(detail) => local(
                "unavailable",
                "Unavailable",
                (*detail).to_owned(),
                Vec::new(),
            ),
        }
    }
}

impl From<tonic::Status> for ApiError {
    fn from(status: tonic::Status) -> Self {
        Self::Upstream(status)
    }
}

/// A problem document with the given HTTP status.
pub fn problem_response(status: StatusCode, problem: &Problem) -> Response {
    let body = serde_json::to_vec(problem).unwrap_or_default();
    (status, [(header::CONTENT_TYPE, PROBLEM_JSON)], body).into_response()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let mut response = problem_response(status, &self.problem());
        let headers = response.headers_mut();
        match &self {
            Self::Unauthenticated(_) => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            Self::TooManyRequests {
                retry_after_seconds,
            } => {
                if let Ok(value) = HeaderValue::from_str(&retry_after_seconds.to_string()) {
                    headers.insert(header::RETRY_AFTER, value);
                }
            }
            Self::Upstream(status) if status.code() == tonic::Code::Unauthenticated => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            _ => {}
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upstream_field_violations_survive() {
        let status: tonic::Status =
            laissez_kit::ServiceError::invalid("applicant.name", "required", "a name is required")
                .into();
        let error = ApiError::from(status);
        assert_eq!(error.status(), StatusCode::BAD_REQUEST);
        let problem = error.problem();
        assert_eq!(problem.errors[0].field, "applicant.name");
        assert_eq!(problem.kind, "https://laissez.dev/problems/invalidargument");
    }

    #[test]
    fn a_rate_limit_says_when_to_come_back() {
        let response = ApiError::TooManyRequests {
            retry_after_seconds: 17,
        }
        .into_response();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers()[header::RETRY_AFTER], "17");
        assert_eq!(response.headers()[header::CONTENT_TYPE], PROBLEM_JSON);
    }
}
