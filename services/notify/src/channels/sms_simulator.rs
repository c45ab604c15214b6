//! A simulated HTTP SMS gateway for tests and the local stack: it speaks the
//! protocol [`super::sms::HttpSmsGateway`] sends, keeps what it receives in
//! memory (one message per reference) and lists it at `GET /messages`.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::post;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use super::sms::{SendRequest, SendResponse};

/// A message the simulator accepted.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ReceivedSms {
    pub id: String,
    pub to: String,
    pub text: String,
    pub sender: String,
    pub reference: String,
    pub received_at: DateTime<Utc>,
}

#[derive(Default)]
struct SimulatorState {
    api_key: String,
    messages: Mutex<Vec<ReceivedSms>>,
    /// Answer every send with this status instead of accepting it.
    failure: Mutex<Option<u16>>,
}

/// A running simulator; stops when its shutdown token is cancelled.
#[derive(Clone)]
pub struct SmsSimulator {
    address: SocketAddr,
    state: Arc<SimulatorState>,
}

impl SmsSimulator {
    /// Listens on `listen` (port 0 picks one). An empty `api_key` accepts any caller.
    pub async fn start(
        listen: SocketAddr,
        api_key: &str,
        shutdown: CancellationToken,
    ) -> std::io::Result<Self> {
        let listener = TcpListener::bind(listen).await?;
        let address = listener.local_addr()?;
        let state = Arc::new(SimulatorState {
            api_key: api_key.to_owned(),
            ..SimulatorState::default()
        });
        let router = Router::new()
            .route("/messages", post(receive).get(list))
            .with_state(Arc::clone(&state));
        tokio::spawn(async move {
            let served = axum::serve(listener, router)
                .with_graceful_shutdown(async move { shutdown.cancelled().await })
                .await;
            if let Err(error) = served {
                tracing::warn!(%error, "sms simulator stopped");
            }
        });
        tracing::info!(%address, "sms gateway simulator listening");
        Ok(Self { address, state })
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The URL to configure as `sms.url`.
    pub fn send_url(&self) -> String {
        format!("http://{}/messages", self.address)
    }

    pub fn messages(&self) -> Vec<ReceivedSms> {
        self.state
            .messages
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Makes every send fail with `status` (e.g. 503, 400) until cleared with `None`.
    pub fn fail_with(&self, status: Option<u16>) {
        *self
            .state
            .failure
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = status;
    }
}

async fn receive(
    State(state): State<Arc<SimulatorState>>,
    headers: HeaderMap,
    Json(request): Json<SendRequest>,
) -> impl IntoResponse {
    if !state.api_key.is_empty() {
        let expected = format!("Bearer {}", state.api_key);
        let given = headers
            .get("authorization")
            .and_then(|value| value.to_str().ok());
        if given != Some(expected.as_str()) {
            return (StatusCode::UNAUTHORIZED, "invalid api key").into_response();
        }
    }
    let failure = *state.failure.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(status) = failure {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
        return (status, "simulated failure").into_response();
    }
    if request.to.trim().is_empty() || request.text.is_empty() {
        return (StatusCode::BAD_REQUEST, "to and text are required").into_response();
    }
    let mut messages = state
        .messages
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    if !request.reference.is_empty()
        && let Some(existing) = messages
            .iter()
            .find(|message| message.reference == request.reference)
    {
        return Json(SendResponse {
            id: existing.id.clone(),
        })
        .into_response();
    }
    let id = format!("sim-{}", messages.len() + 1);
    tracing::info!(to = %request.to, text = %request.text, "sms simulator received a message");
    messages.push(ReceivedSms {
        id: id.clone(),
        to: request.to,
        text: request.text,
        sender: request.sender,
        reference: request.reference,
        received_at: Utc::now(),
    });
    Json(SendResponse { id }).into_response()
}

async fn list(State(state): State<Arc<SimulatorState>>) -> Json<Vec<ReceivedSms>> {
    Json(
        state
            .messages
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone(),
    )
}
