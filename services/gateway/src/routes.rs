//! The HTTP surface. Every response carries the security headers; errors are
//! `application/problem+json`.

use axum::Router;
use axum::response::{IntoResponse, Response};

use crate::core::edge;
use crate::core::problem::ApiError;

pub fn router(max_body_bytes: usize) -> Router {
    Router::new()
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(
            max_body_bytes,
            edge::body_limit,
        ))
        .layer(axum::middleware::from_fn(edge::security_headers))
}

async fn not_found() -> Response {
    ApiError::NotFound.into_response()
}
