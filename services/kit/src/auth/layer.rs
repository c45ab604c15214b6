//! The tower layer that authenticates every gRPC call.

use std::collections::HashSet;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use super::{Caller, KeyFetcher, KeySet, TokenError};

/// Paths every service leaves open: health and reflection.
const ALWAYS_PUBLIC_PREFIXES: &[&str] = &[
    "/grpc.health.v1.Health/",
    "/grpc.reflection.v1.ServerReflection/",
    "/grpc.reflection.v1alpha.ServerReflection/",
];

#[derive(Clone)]
pub struct AuthLayer {
    keys: KeySet,
    fetcher: Option<KeyFetcher>,
    public_methods: Arc<HashSet<String>>,
    leeway_seconds: i64,
}

impl AuthLayer {
    /// `public_methods` are full gRPC paths (`/laissez.identity.v1.IdentityService/Login`)
    /// callable without a token.
    pub fn new(keys: KeySet, public_methods: impl IntoIterator<Item = String>) -> Self {
        Self {
            keys,
            fetcher: None,
            public_methods: Arc::new(public_methods.into_iter().collect()),
            leeway_seconds: 5,
        }
    }

    /// Fetch identity's keys when a token names an unknown key id.
    pub fn with_fetcher(mut self, fetcher: KeyFetcher) -> Self {
        self.fetcher = Some(fetcher);
        self
    }

    pub fn with_leeway(mut self, seconds: i64) -> Self {
        self.leeway_seconds = seconds;
        self
    }
}

impl<S> tower::Layer<S> for AuthLayer {
    type Service = AuthService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        AuthService {
            inner,
            layer: self.clone(),
        }
    }
}

#[derive(Clone)]
pub struct AuthService<S> {
    inner: S,
    layer: AuthLayer,
}

enum Presented {
    None,
    Bearer(String),
    Garbled,
}

fn presented_token(headers: &http::HeaderMap) -> Presented {
    let Some(value) = headers.get(http::header::AUTHORIZATION) else {
        return Presented::None;
    };
    match value.to_str().ok().and_then(|v| v.strip_prefix("Bearer ")) {
        Some(token) if !token.is_empty() => Presented::Bearer(token.trim().to_owned()),
        _ => Presented::Garbled,
    }
}

fn refusal(message: &'static str) -> http::Response<tonic::body::Body> {
    tonic::Status::unauthenticated(message).into_http()
}

impl<S, B> tower::Service<http::Request<B>> for AuthService<S>
where
    S: tower::Service<http::Request<B>, Response = http::Response<tonic::body::Body>>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    B: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: http::Request<B>) -> Self::Future {
        // Take the service that was polled ready; leave a fresh clone behind.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let layer = self.layer.clone();
        Box::pin(async move {
            let path = request.uri().path();
            let public = ALWAYS_PUBLIC_PREFIXES
                .iter()
                .any(|prefix| path.starts_with(prefix))
                || layer.public_methods.contains(path);
            let token = match presented_token(request.headers()) {
                Presented::Bearer(token) => token,
                Presented::None if public => return inner.call(request).await,
                Presented::None => return Ok(refusal("a caller token is required")),
                Presented::Garbled => return Ok(refusal("the authorization header is malformed")),
            };
            let now = chrono::Utc::now().timestamp();
            let mut verified = layer.keys.verify(&token, now, layer.leeway_seconds);
            if verified == Err(TokenError::UnknownKey)
                && let Some(fetcher) = &layer.fetcher
            {
                fetcher.refresh().await;
                verified = layer.keys.verify(&token, now, layer.leeway_seconds);
            }
            match verified {
                Ok(claims) => {
                    if let Some(slot) = request.extensions().get::<crate::metrics::AgencySlot>() {
                        slot.set(&claims.agency);
                    }
                    request
                        .extensions_mut()
                        .insert(Caller::from_claims(claims, token));
                    inner.call(request).await
                }
                Err(TokenError::Expired) => Ok(refusal("the caller token has expired")),
                Err(error) => {
                    tracing::debug!(%error, "caller token refused");
                    Ok(refusal("the caller token is not valid"))
                }
            }
        })
    }
}
