//! The JSON API under `/api/v1`: every route of [`routes::ROUTES`],
//! transcoded to the services' gRPC methods, and the OpenAPI document that
//! describes them at `/api/v1/openapi.json`.

pub mod applicant;
pub mod documents;
pub mod handler;
pub mod openapi;
pub mod routes;
pub mod table;
pub mod transcode;

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter, get, on};

use crate::core::Core;
use crate::core::edge::body_limit;
use crate::core::problem::ApiError;
use routes::Kind;
use table::RouteTable;

/// What the API's handlers share.
#[derive(Clone)]
pub struct Api {
    pub core: Core,
    pub table: Arc<RouteTable>,
    openapi: Arc<Vec<u8>>,
}

impl Api {
    pub fn new(core: Core) -> anyhow::Result<Self> {
        let table = Arc::new(RouteTable::load()?);
        let openapi = serde_json::to_vec(&openapi::document(&table))?;
        Ok(Self {
            core,
            table,
            openapi: Arc::new(openapi),
        })
    }
}

fn method_filter(method: &str) -> anyhow::Result<MethodFilter> {
    Ok(match method {
        "GET" => MethodFilter::GET,
        "POST" => MethodFilter::POST,
        "PUT" => MethodFilter::PUT,
        "PATCH" => MethodFilter::PATCH,
        "DELETE" => MethodFilter::DELETE,
        other => anyhow::bail!("no method filter for {other}"),
    })
}

/// The `/api/v1` router. JSON routes and uploads get their own body limits,
/// both checked against `Content-Length` before the body is read.
pub fn router(api: Api) -> anyhow::Result<Router> {
    let mut json_paths: BTreeMap<String, MethodRouter<Api>> = BTreeMap::new();
    let mut upload_paths: BTreeMap<String, MethodRouter<Api>> = BTreeMap::new();
    for route in &api.table.routes {
        let filter = method_filter(route.spec.method)?;
        let path = route.axum_path();
        let captured = route.clone();
        let (paths, handler) = match route.spec.kind {
            Kind::Unary => (
                &mut json_paths,
                on(filter, move |State(api): State<Api>, request: Request| {
                    handler::unary(api, captured.clone(), request)
                }),
            ),
            Kind::Download => (
                &mut json_paths,
                on(filter, move |State(api): State<Api>, request: Request| {
                    documents::download(api, captured.clone(), request)
                }),
            ),
            Kind::Upload => (
                &mut upload_paths,
                on(filter, move |State(api): State<Api>, request: Request| {
                    documents::upload(api, captured.clone(), request)
                }),
            ),
        };
        let merged = match paths.remove(&path) {
            Some(existing) => existing.merge(handler),
            None => handler,
        };
        paths.insert(path, merged);
    }
    let with_fallback = |router: MethodRouter<Api>| router.fallback(method_not_allowed);
    let mut json = Router::new().route("/api/v1/openapi.json", get(openapi_document));
    for (path, router) in json_paths {
        json = json.route(&path, with_fallback(router));
    }
    let json = json.layer(axum::middleware::from_fn_with_state(
        api.core.max_body_bytes,
        body_limit,
    ));
    let mut uploads = Router::new();
    for (path, router) in upload_paths {
        uploads = uploads.route(&path, with_fallback(router));
    }
    let uploads = uploads.layer(axum::middleware::from_fn_with_state(
        api.core.max_upload_bytes,
        body_limit,
    ));
    Ok(json
        .merge(uploads)
        .route("/api/v1/{*rest}", axum::routing::any(not_found))
        .with_state(api))
}

async fn openapi_document(State(api): State<Api>) -> Response {
    let mut response = (api.openapi.as_ref().clone()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

async fn method_not_allowed() -> Response {
    ApiError::MethodNotAllowed.into_response()
}

async fn not_found() -> Response {
    ApiError::NotFound.into_response()
}
