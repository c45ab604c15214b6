//! The HTTP listener providers post their notices to:
//! `POST /callbacks/<provider>` with the raw signed body. 200 when applied
//! or already seen; 401 for a bad signature; 404 when the transaction is
//! not known (yet: the provider retries); 503 when the database is down.

use std::net::SocketAddr;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::domain::signature::{SIGNATURE_HEADER, TIMESTAMP_HEADER};
use crate::grpc::outcome;
use crate::service::{NoticeError, Payments};

/// Largest notice accepted.
const MAX_NOTICE_BYTES: usize = 16 * 1024;

async fn notice(
    State(payments): State<Payments>,
    Path(provider): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
    match payments
        .handle_notice(
            &provider,
            header(SIGNATURE_HEADER),
            header(TIMESTAMP_HEADER),
            &body,
        )
        .await
    {
        Ok(applied) => (StatusCode::OK, outcome(applied)).into_response(),
        Err(error) => {
            let status = match &error {
                NoticeError::UnknownProvider | NoticeError::UnknownTransaction => {
                    StatusCode::NOT_FOUND
                }
                NoticeError::Signature(_) => StatusCode::UNAUTHORIZED,
                NoticeError::Malformed(_) => StatusCode::BAD_REQUEST,
                NoticeError::WrongMerchant => StatusCode::FORBIDDEN,
                NoticeError::Database(_) => StatusCode::SERVICE_UNAVAILABLE,
            };
            tracing::warn!(%provider, %error, "provider notice refused");
            (status, error.to_string()).into_response()
        }
    }
}

pub fn router(payments: Payments) -> Router {
    Router::new()
        .route("/callbacks/{provider}", post(notice))
        .layer(DefaultBodyLimit::max(MAX_NOTICE_BYTES))
        .with_state(payments)
}

/// Binds the listener (before the connectors are built: a callback URL
/// left empty in the configuration is this listener's address).
pub async fn bind(listen: SocketAddr) -> anyhow::Result<TcpListener> {
    TcpListener::bind(listen)
        .await
        .map_err(|error| anyhow::anyhow!("providers.callback_listen {listen}: {error}"))
}

/// Serves notices on `listener` until `shutdown`.
pub fn serve(
    listener: TcpListener,
    payments: Payments,
    shutdown: CancellationToken,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let served = axum::serve(listener, router(payments))
            .with_graceful_shutdown(async move { shutdown.cancelled().await })
            .await;
        if let Err(error) = served {
            tracing::error!(%error, "the provider callback listener stopped");
        }
    })
}
