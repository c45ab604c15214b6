//! The admin HTTP port: `/metrics` (Prometheus), `/healthz` (the process is
//! alive) and `/readyz` (every dependency answers and no drain is under way).

use axum::Router;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;

use crate::health::Readiness;

pub fn router(readiness: Readiness) -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(ready))
        .with_state(readiness)
}

async fn metrics() -> impl IntoResponse {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4",
        )],
        crate::metrics::prometheus().render(),
    )
}

async fn ready(
    axum::extract::State(readiness): axum::extract::State<Readiness>,
) -> impl IntoResponse {
    let body = serde_json::json!({
        "ready": readiness.is_ready(),
        "draining": readiness.is_draining(),
        "dependencies": readiness.snapshot(),
    });
    let status = if readiness.is_ready() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, axum::Json(body))
}
