//! One mapping from service errors to `tonic::Status`, and from a status to
//! an HTTP `application/problem+json` body for the gateway. Internal detail
//! is logged here and never sent to the caller.

use laissez_proto::common::v1::{BadRequest, FieldViolation};
use prost::Message;
use serde::Serialize;

/// A field that failed validation: `field` is a dotted path into the request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub code: String,
    pub message: String,
}

impl FieldError {
    pub fn new(
        field: impl Into<String>,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            field: field.into(),
            code: code.into(),
            message: message.into(),
        }
    }
}

/// What a service handler can fail with; each kind has exactly one status.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("invalid request: {} field(s) at fault", .0.len())]
    InvalidArgument(Vec<FieldError>),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    AlreadyExists(String),
    #[error("{0}")]
    FailedPrecondition(String),
    #[error("{0}")]
    PermissionDenied(String),
    #[error("{0}")]
    Unauthenticated(String),
    #[error("{0}")]
    ResourceExhausted(String),
    #[error("{0}")]
    Unavailable(String),
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl ServiceError {
    pub fn invalid(
        field: impl Into<String>,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self::InvalidArgument(vec![FieldError::new(field, code, message)])
    }

    pub fn internal(error: impl Into<anyhow::Error>) -> Self {
        Self::Internal(error.into())
    }
}

impl From<sqlx::Error> for ServiceError {
    fn from(error: sqlx::Error) -> Self {
        match &error {
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_) => Self::Unavailable("the database is unavailable".to_owned()),
            _ => Self::Internal(error.into()),
        }
    }
}

impl From<redis::RedisError> for ServiceError {
    fn from(error: redis::RedisError) -> Self {
        if error.is_io_error() || error.is_connection_dropped() || error.is_timeout() {
            Self::Unavailable("the session store is unavailable".to_owned())
        } else {
            Self::Internal(error.into())
        }
    }
}

impl ServiceError {
    /// The gRPC code the error is answered with.
    pub fn code(&self) -> tonic::Code {
        match self {
            ServiceError::InvalidArgument(_) => tonic::Code::InvalidArgument,
            ServiceError::NotFound(_) => tonic::Code::NotFound,
            ServiceError::AlreadyExists(_) => tonic::Code::AlreadyExists,
            ServiceError::FailedPrecondition(_) => tonic::Code::FailedPrecondition,
            ServiceError::PermissionDenied(_) => tonic::Code::PermissionDenied,
            ServiceError::Unauthenticated(_) => tonic::Code::Unauthenticated,
            ServiceError::ResourceExhausted(_) => tonic::Code::ResourceExhausted,
            ServiceError::Unavailable(_) => tonic::Code::Unavailable,
            ServiceError::Internal(_) => tonic::Code::Internal,
        }
    }
}

impl From<ServiceError> for tonic::Status {
    fn from(error: ServiceError) -> Self {
        match error {
            ServiceError::InvalidArgument(fields) => {
                let details = BadRequest {
                    field_violations: fields
                        .iter()
                        .map(|f| FieldViolation {
                            field: f.field.clone(),
                            code: f.code.clone(),
                            description: f.message.clone(),
                        })
                        .collect(),
                }
                .encode_to_vec();
                let summary = fields
                    .iter()
                    .map(|f| f.field.as_str())
                    .collect::<Vec<_>>()
                    .join(", ");
                tonic::Status::with_details(
                    tonic::Code::InvalidArgument,
                    format!("invalid fields: {summary}"),
                    details.into(),
                )
            }
            ServiceError::NotFound(what) => tonic::Status::not_found(format!("{what} not found")),
            ServiceError::AlreadyExists(message) => tonic::Status::already_exists(message),
            ServiceError::FailedPrecondition(message) => {
                tonic::Status::failed_precondition(message)
            }
            ServiceError::PermissionDenied(message) => tonic::Status::permission_denied(message),
            ServiceError::Unauthenticated(message) => tonic::Status::unauthenticated(message),
            ServiceError::ResourceExhausted(message) => tonic::Status::resource_exhausted(message),
            ServiceError::Unavailable(message) => tonic::Status::unavailable(message),
            ServiceError::Internal(error) => {
                let trace_id = crate::telemetry::current_trace_id().unwrap_or_default();
                tracing::error!(error = ?error, %trace_id, "internal error");
                tonic::Status::internal(if trace_id.is_empty() {
                    "internal error".to_owned()
                } else {
                    format!("internal error (trace {trace_id})")
                })
            }
        }
    }
}

/// The field violations carried by an INVALID_ARGUMENT status.
pub fn field_errors(status: &tonic::Status) -> Vec<FieldError> {
    if status.code() != tonic::Code::InvalidArgument {
        return Vec::new();
    }
    BadRequest::decode(status.details())
        .map(|bad| {
            bad.field_violations
                .into_iter()
                .map(|v| FieldError {
                    field: v.field,
                    code: v.code,
                    message: v.description,
                })
                .collect()
        })
        .unwrap_or_default()
}

/// RFC 9457 problem details, as the gateway answers errors.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// The HTTP status a gRPC code maps to.
pub fn http_status(code: tonic::Code) -> u16 {
    use tonic::Code;
    match code {
        Code::Ok => 200,
        Code::InvalidArgument | Code::OutOfRange => 400,
        Code::Unauthenticated => 401,
        Code::PermissionDenied => 403,
        Code::NotFound => 404,
        Code::AlreadyExists | Code::Aborted => 409,
        Code::FailedPrecondition => 422,
        Code::ResourceExhausted => 429,
        Code::Cancelled => 499,
        Code::Unimplemented => 501,
        Code::Unavailable => 503,
        Code::DeadlineExceeded => 504,
        Code::Unknown | Code::Internal | Code::DataLoss => 500,
    }
}

impl Problem {
    pub fn from_status(status: &tonic::Status) -> Self {
        let http = http_status(status.code());
        let slug = format!("{:?}", status.code()).to_lowercase();
        let detail = match status.code() {
            // Never echo what an upstream said about its internals.
            tonic::Code::Internal | tonic::Code::Unknown | tonic::Code::DataLoss => {
                "an internal error occurred".to_owned()
            }
            _ => status.message().to_owned(),
        };
        Self {
            kind: format!("https://laissez.dev/problems/{slug}"),
            title: format!("{:?}", status.code()),
            status: http,
            detail,
            errors: field_errors(status),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_argument_round_trips_every_field() {
        let status: tonic::Status = ServiceError::InvalidArgument(vec![
            FieldError::new(
                "email",
                "forbidden_domain",
                "mainland email domains are refused",
            ),
            FieldError::new("password", "too_short", "at least 8 characters"),
        ])
        .into();
        assert_eq!(status.code(), tonic::Code::InvalidArgument);
        let problem = Problem::from_status(&status);
        assert_eq!(problem.status, 400);
        assert_eq!(problem.errors.len(), 2);
        assert_eq!(problem.errors[0].field, "email");
    }

    #[test]
    fn internal_detail_is_not_returned() {
        let status: tonic::Status =
            ServiceError::internal(anyhow::anyhow!("password column missing in users table"))
                .into();
        assert_eq!(status.code(), tonic::Code::Internal);
        assert!(!status.message().contains("users"));
        let problem = Problem::from_status(&tonic::Status::internal("db host 10.1.2.3 down"));
        assert!(!problem.detail.contains("10.1.2.3"));
        assert_eq!(problem.status, 500);
    }

    #[test]
    fn statuses_map_to_http() {
        assert_eq!(http_status(tonic::Code::NotFound), 404);
        assert_eq!(http_status(tonic::Code::FailedPrecondition), 422);
        assert_eq!(http_status(tonic::Code::Unauthenticated), 401);
        assert_eq!(http_status(tonic::Code::PermissionDenied), 403);
        assert_eq!(http_status(tonic::Code::ResourceExhausted), 429);
    }
}
