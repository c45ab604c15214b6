//! What every request passes through, the API's and the portal's alike:
//! the client's address, the per-address rate limit, the body size limit
//! (by `Content-Length`, before anything is read), a span and a log line
//! that name the route template (never the path with its ids, never bodies,
//! tokens or cookies), metrics, and the security headers on every answer.

use std::net::{IpAddr, SocketAddr};
use std::time::Instant;

use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tracing::Instrument;

use super::client_ip::{ClientIp, client_ip};
use super::problem::ApiError;
use super::rate_limit::{Bucket, RateLimiter, Verdict};

/// The headers every answer carries.
pub const SECURITY_HEADERS: &[(&str, &str)] = &[
    (
        "content-security-policy",
        "default-src 'self'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
    ),
    (
        "strict-transport-security",
        "max-age=63072000; includeSubDomains",
    ),
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "same-origin"),
    (
        "permissions-policy",
        "camera=(), microphone=(), geolocation=(), payment=()",
    ),
    ("cross-origin-opener-policy", "same-origin"),
    ("cross-origin-resource-policy", "same-origin"),
];

/// Sets the security headers on every answer (overriding any a handler set).
pub async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    for (name, value) in SECURITY_HEADERS {
        headers.insert(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        );
    }
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// Shared state of the edge middleware.
#[derive(Clone)]
pub struct Edge {
    pub rate_limiter: RateLimiter,
    pub trusted_proxies: Vec<IpAddr>,
}

/// Works out the client's address and applies the general rate limit.
pub async fn client_and_rate_limit(
    State(edge): State<Edge>,
    mut request: Request,
    next: Next,
) -> Response {
    let address = client_ip(
        request.extensions().get::<ConnectInfo<SocketAddr>>(),
        request.headers(),
        &edge.trusted_proxies,
    );
    request.extensions_mut().insert(ClientIp(address));
    if let Verdict::Limited {
        retry_after_seconds,
    } = edge.rate_limiter.check(Bucket::General, address).await
    {
        return ApiError::TooManyRequests {
            retry_after_seconds,
        }
        .into_response();
    }
    next.run(request).await
}

/// Refuses a body whose declared length is over `limit` before reading any
/// of it. Bodies without a length are cut off by the handler that reads
/// them (`read_body`, the upload stream) at the same limit.
pub fn declared_length_over(request: &Request, limit: usize) -> bool {
    request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<u64>().ok())
        .is_some_and(|length| length > limit as u64)
}

/// Middleware form of [`declared_length_over`] for a router whose routes
/// share one limit.
pub async fn body_limit(State(limit): State<usize>, request: Request, next: Next) -> Response {
    if declared_length_over(&request, limit) {
        return ApiError::PayloadTooLarge { limit }.into_response();
    }
    next.run(request).await
}

/// A span per request named by its route template, the W3C trace context
/// taken from the caller, one log line and the request metrics.
pub async fn observe(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
    let method = request.method().clone();
    let span = tracing::info_span!(
        "http",
        otel.name = %format!("{method} {route}"),
        http.method = %method,
        http.route = %route,
        http.status = tracing::field::Empty,
    );
    laissez_kit::telemetry::set_parent_from_headers(&span, request.headers());
    let started = Instant::now();
    let (response, agency) =
        laissez_kit::metrics::with_agency_slot(next.run(request).instrument(span.clone())).await;
    let agency = laissez_kit::metrics::agency_label(agency.get());
    let status = response.status().as_u16();
    let elapsed = started.elapsed();
    span.record("http.status", status);
    span.in_scope(|| {
        tracing::info!(
            method = %method,
            route = %route,
            status,
            elapsed_ms = elapsed.as_secs_f64() * 1000.0,
            "request"
        );
    });
    metrics::counter!(
        "http_server_requests_total",
        "method" => method.to_string(),
        "route" => route.clone(),
        "status" => status.to_string(),
        "agency" => agency.clone()
    )
    .increment(1);
    metrics::histogram!(
        "http_server_request_duration_seconds",
        "method" => method.to_string(),
        "route" => route,
        "agency" => agency
    )
    .record(elapsed.as_secs_f64());
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;

    #[test]
    fn the_declared_length_is_judged_without_the_body() {
        let request = Request::builder()
            .header(header::CONTENT_LENGTH, "1048577")
            .body(Body::empty())
            .unwrap();
        assert!(declared_length_over(&request, 1024 * 1024));
        assert!(!declared_length_over(&request, 2 * 1024 * 1024));
        let unknown = Request::builder().body(Body::empty()).unwrap();
        assert!(!declared_length_over(&unknown, 1));
    }
}
