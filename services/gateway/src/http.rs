//! The whole HTTP surface: the JSON API under `/api/v1` and the portal under
//! `/portal`, behind the edge middleware every request passes through.

use axum::Router;
use axum::http::{HeaderMap, Uri};
use axum::response::{IntoResponse, Response};

use crate::api::{self, Api};
use crate::core::Core;
use crate::core::edge::{self, Edge};
use crate::core::problem::ApiError;
use crate::portal;

pub fn router(core: Core, edge_state: Edge) -> anyhow::Result<Router> {
    let api = api::router(Api::new(core.clone())?)?;
    let core_for_language = core.clone();
    Ok(api
        .merge(portal::router(core))
        .fallback(|uri: Uri, headers: HeaderMap| async move { not_found(&uri, &headers) })
        .layer(axum::middleware::from_fn_with_state(
            core_for_language,
            portal::remember_language,
        ))
        .layer(axum::middleware::from_fn_with_state(
            edge_state,
            edge::client_and_rate_limit,
        ))
        .layer(axum::middleware::from_fn(edge::observe))
        .layer(axum::middleware::from_fn(edge::security_headers)))
}

/// Portal paths get the portal's localized page; anything else a problem.
fn not_found(uri: &Uri, headers: &HeaderMap) -> Response {
    if portal::owns(uri.path()) {
        portal::not_found_page(uri, headers)
    } else {
        ApiError::NotFound.into_response()
    }
}
