//! The one handler behind every unary route: who calls, the request message
//! from body, path and query, the gateway's own fields, the idempotency
//! key, the call, and the answer as JSON or as a problem document.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{FromRequestParts, Path, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use laissez_kit::FieldError;
use prost_reflect::{DynamicMessage, ReflectMessage, Value};

use super::Api;
use super::routes::{Access, Hook, Input};
use super::table::Route;
use super::transcode::{decode_json, encode_json, set_from_text};
use crate::core::client_ip::ClientIp;
use crate::core::credentials::Credentials;
use crate::core::idempotency::{self, Claim, IDEMPOTENCY_HEADER, Reservation, StoredAnswer};
use crate::core::problem::ApiError;
use crate::core::rate_limit::{Bucket, Verdict};
use crate::core::{Caller, Core};

pub const JSON: &str = "application/json";
/// Set on an answer replayed for a repeated idempotency key.
pub const REPLAYED_HEADER: &str = "idempotent-replayed";

/// Who calls a route, as its access level asks.
pub enum Presented {
    Anonymous,
    /// A session token handed to identity inside the request.
    SessionToken(Credentials),
    SignedIn(Caller),
}

impl Presented {
    pub fn token(&self) -> Option<&str> {
        match self {
            Presented::SignedIn(caller) => Some(caller.token()),
            _ => None,
        }
    }

    /// Whose idempotency keys these are.
    fn scope(&self, client: ClientIp) -> String {
        match self {
            Presented::Anonymous => format!("address:{}", client.0),
            Presented::SessionToken(credentials) => format!(
                "session:{}",
                idempotency::fingerprint(&[credentials
                    .session_token()
                    .unwrap_or_default()
                    .as_bytes()])
            ),
            Presented::SignedIn(caller) => format!("account:{}", caller.signed_in.account_id),
        }
    }
}

/// Rate limit, credentials and CSRF for a route.
pub async fn authenticate(api: &Api, route: &Route, parts: &Parts) -> Result<Presented, ApiError> {
    let client = client_of(parts);
    if route.spec.is_sign_in_family()
        && let Verdict::Limited {
            retry_after_seconds,
        } = api.core.rate_limiter.check(Bucket::SignIn, client.0).await
    {
        return Err(ApiError::TooManyRequests {
            retry_after_seconds,
        });
    }
    match route.spec.access {
        Access::Public => Ok(Presented::Anonymous),
        Access::SessionToken => {
            let credentials = api.core.credentials(&parts.headers);
            if credentials.session_token().is_none() {
                return Err(ApiError::Unauthenticated(
                    "send the session token as `Authorization: Bearer`",
                ));
            }
            api.core
                .check_csrf(&credentials, &parts.method, &parts.headers, None)?;
            Ok(Presented::SessionToken(credentials))
        }
        Access::SignedIn => Ok(Presented::SignedIn(
            api.core
                .signed_in(&parts.method, &parts.headers, None)
                .await?,
        )),
    }
}

pub fn client_of(parts: &Parts) -> ClientIp {
    parts
        .extensions
        .get::<ClientIp>()
        .copied()
        .unwrap_or(ClientIp([127, 0, 0, 1].into()))
}

pub async fn path_params(parts: &mut Parts) -> Result<HashMap<String, String>, ApiError> {
    match Path::<HashMap<String, String>>::from_request_parts(parts, &()).await {
        Ok(Path(params)) => Ok(params),
        Err(_) => Err(ApiError::invalid(
            "path",
            "invalid_value",
            "a path parameter is not valid UTF-8",
        )),
    }
}

/// The query string as name/value pairs.
pub fn query_pairs(parts: &Parts) -> Result<Vec<(String, String)>, ApiError> {
    axum::extract::Query::<Vec<(String, String)>>::try_from_uri(&parts.uri)
        .map(|axum::extract::Query(pairs)| pairs)
        .map_err(|_| ApiError::invalid("query", "invalid_value", "the query string is malformed"))
}

/// Reads a body up to `limit` bytes; more is a 413.
pub async fn read_body(body: Body, limit: usize) -> Result<Bytes, ApiError> {
    axum::body::to_bytes(body, limit).await.map_err(|error| {
        let too_large = std::iter::successors(
            Some(&error as &(dyn std::error::Error + 'static)),
            |error| error.source(),
        )
        .any(|error| error.is::<http_body_util::LengthLimitError>());
        if too_large {
            ApiError::PayloadTooLarge { limit }
        } else {
            ApiError::invalid("body", "unreadable", "the request body could not be read")
        }
    })
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .map(|media| {
            let media = media.trim().to_ascii_lowercase();
            media == JSON || (media.starts_with("application/") && media.ends_with("+json"))
        })
        .unwrap_or(false)
}

/// The idempotency key of a request, checked; None when it carries none.
pub fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get(IDEMPOTENCY_HEADER) else {
        return Ok(None);
    };
    match value.to_str() {
        Ok(key) if idempotency::valid_key(key) => Ok(Some(key.to_owned())),
        _ => Err(ApiError::invalid(
            "Idempotency-Key",
            "invalid_value",
            "1 to 255 visible ASCII characters",
        )),
    }
}

/// What an idempotency key allows.
pub enum KeyOutcome {
    Run(Option<Reservation>),
    Answer(Response),
}

pub async fn begin_idempotent(
    core: &Core,
    scope: &str,
    route: &Route,
    key: Option<String>,
    request_fingerprint: &str,
) -> Result<KeyOutcome, ApiError> {
    let Some(key) = key else {
        return Ok(KeyOutcome::Run(None));
    };
    let route_name = format!("{} {}", route.spec.method, route.spec.path);
    let claim = core
        .idempotency
        .begin(scope, &route_name, &key, request_fingerprint)
        .await
        .map_err(|error| {
            tracing::warn!(%error, "idempotency store unavailable");
            ApiError::Unavailable("idempotency keys cannot be checked right now; try again")
        })?;
    match claim {
        Claim::Proceed(reservation) => Ok(KeyOutcome::Run(Some(reservation))),
        Claim::Replay(answer) => Ok(KeyOutcome::Answer(replay(answer))),
        Claim::Mismatch => Err(ApiError::Conflict(
            "this Idempotency-Key was already used for a different request",
        )),
        Claim::InFlight => Err(ApiError::Conflict(
            "a request with this Idempotency-Key is still being processed",
        )),
    }
}

pub fn replay(answer: StoredAnswer) -> Response {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK);
    let mut response = (status, answer.body).into_response();
    if let Ok(content_type) = HeaderValue::from_str(&answer.content_type) {
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, content_type);
    }
    response
        .headers_mut()
        .insert(REPLAYED_HEADER, HeaderValue::from_static("true"));
    response
}

/// Serves a unary route.
pub async fn unary(api: Api, route: Arc<Route>, request: Request) -> Response {
    match serve(&api, &route, request).await {
        Ok(response) => response,
        Err(error) => error.into_response(),
    }
}

async fn serve(api: &Api, route: &Route, request: Request) -> Result<Response, ApiError> {
    let (mut parts, body) = request.into_parts();
    let presented = authenticate(api, route, &parts).await?;
    let params = path_params(&mut parts).await?;
    let query = query_pairs(&parts)?;

    let raw_body = match route.spec.input {
        Input::Query => Bytes::new(),
        Input::Body | Input::BodyField(_) => {
            let body = read_body(body, api.core.max_body_bytes).await?;
            if !body.iter().all(u8::is_ascii_whitespace) && !is_json(&parts.headers) {
                return Err(ApiError::UnsupportedMediaType);
            }
            body
        }
    };
    let mut message = request_message(route, &raw_body, &params, &query)?;
    fill_gateway_fields(api, route, &parts, &presented, &mut message).await?;

    let reservation = if route.spec.creates {
        let key = idempotency_key(&parts.headers)?;
        let fingerprint = idempotency::fingerprint(&[
            parts.method.as_str().as_bytes(),
            parts.uri.path().as_bytes(),
            parts.uri.query().unwrap_or_default().as_bytes(),
            &raw_body,
        ]);
        match begin_idempotent(
            &api.core,
            &presented.scope(client_of(&parts)),
            route,
            key,
            &fingerprint,
        )
        .await?
        {
            KeyOutcome::Answer(response) => return Ok(response),
            KeyOutcome::Run(reservation) => reservation,
        }
    } else {
        None
    };

    let called = api
        .core
        .upstreams
        .call_dynamic(
            route.upstream,
            &route.method,
            message.clone(),
            presented.token(),
        )
        .await;
    let answer = match called {
        Ok(answer) => answer,
        Err(status) => {
            if let Some(reservation) = reservation {
                reservation.release().await;
            }
            return Err(ApiError::Upstream(status));
        }
    };
    let status = if route.spec.creates {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let body = encode_json(&answer);
    if let Some(reservation) = reservation {
        reservation
            .complete(StoredAnswer {
                status: status.as_u16(),
                content_type: JSON.to_owned(),
                body: body.clone(),
            })
            .await;
    }
    let mut response = (status, [(header::CONTENT_TYPE, JSON)], body).into_response();
    if route.spec.hook == Hook::Logout
        && let Presented::SignedIn(caller) = &presented
    {
        let everywhere = message
            .get_field_by_name("everywhere")
            .is_some_and(|value| value.as_bool() == Some(true));
        api.core.forget_session(caller, everywhere);
        if caller.credentials.is_cookie() {
            response
                .headers_mut()
                .append(header::SET_COOKIE, api.core.cookies.clear_session());
        }
    }
    Ok(response)
}

/// The request message from the JSON body, the path and the query.
fn request_message(
    route: &Route,
    raw_body: &[u8],
    params: &HashMap<String, String>,
    query: &[(String, String)],
) -> Result<DynamicMessage, ApiError> {
    let input = route.method.input();
    let mut message = match (route.spec.input, route.body_message()) {
        (Input::Body, Some(descriptor)) => decode_json(descriptor, raw_body)?,
        (Input::BodyField(field), Some(descriptor)) => {
            let inner =
                decode_json(descriptor, raw_body).map_err(|error| prefixed(error, field))?;
            let mut outer = DynamicMessage::new(input.clone());
            outer
                .try_set_field_by_name(field, Value::Message(inner))
                .map_err(|_| ApiError::invalid(field, "invalid_value", "cannot be set"))?;
            outer
        }
        _ => DynamicMessage::new(input.clone()),
    };
    let mut errors = Vec::new();
    for name in route.spec.hook.gateway_fields() {
        if message.has_field_by_name(name) {
            errors.push(FieldError::new(
                *name,
                "set_by_gateway",
                "the gateway sets this field; leave it out",
            ));
        }
    }
    for (param, field_path) in &route.path_fields {
        let Some(value) = params.get(*param) else {
            continue;
        };
        match set_from_text(&mut message, field_path, value) {
            Ok(true) => {}
            Ok(false) => errors.push(FieldError::new(
                field_path.clone(),
                "conflicts_with_path",
                format!("differs from the {{{param}}} in the path"),
            )),
            Err(error) => errors.push(error),
        }
    }
    for (name, value) in query {
        match route.query_fields.iter().find(|(known, _)| known == name) {
            Some((path, _)) => {
                if let Err(error) = set_from_text(&mut message, path, value) {
                    errors.push(error);
                }
            }
            None => errors.push(FieldError::new(
                name.clone(),
                "unknown_parameter",
                "this operation takes no such query parameter",
            )),
        }
    }
    if errors.is_empty() {
        Ok(message)
    } else {
        let fields: Vec<&str> = errors.iter().map(|error| error.field.as_str()).collect();
        Err(ApiError::InvalidRequest {
            detail: format!("invalid fields: {}", fields.join(", ")),
            errors,
        })
    }
}

/// Field errors of a body that is one field of the request, named from the
/// request's root (`announcement.title`), as the services name them.
fn prefixed(error: ApiError, field: &str) -> ApiError {
    match error {
        ApiError::InvalidRequest { detail, errors } => ApiError::InvalidRequest {
            detail,
            errors: errors
                .into_iter()
                .map(|mut error| {
                    if error.field != "body" {
                        error.field = format!("{field}.{}", error.field);
                    }
                    error
                })
                .collect(),
        },
        other => other,
    }
}

/// The fields the gateway itself fills in.
async fn fill_gateway_fields(
    api: &Api,
    route: &Route,
    parts: &Parts,
    presented: &Presented,
    message: &mut DynamicMessage,
) -> Result<(), ApiError> {
    let set = |message: &mut DynamicMessage, name: &str, value: String| {
        message
            .try_set_field_by_name(name, Value::String(value))
            .map_err(|_| ApiError::Upstream(tonic::Status::internal("route and contract disagree")))
    };
    match route.spec.hook {
        Hook::Login => {
            let user_agent = parts
                .headers
                .get(header::USER_AGENT)
                .and_then(|value| value.to_str().ok())
                .unwrap_or_default()
                .chars()
                .take(256)
                .collect();
            set(message, "source_ip", client_of(parts).0.to_string())?;
            set(message, "user_agent", user_agent)?;
        }
        Hook::SourceIp => set(message, "source_ip", client_of(parts).0.to_string())?,
        Hook::SessionTokenField => {
            if let Presented::SessionToken(credentials) = presented {
                set(
                    message,
                    "session_token",
                    credentials.session_token().unwrap_or_default().to_owned(),
                )?;
            }
        }
        Hook::StartApplication => {
            if let Presented::SignedIn(caller) = presented {
                let mut request = message
                    .transcode_to::<laissez_proto::intake::v1::StartApplicationRequest>()
                    .map_err(|_| {
                        ApiError::Upstream(tonic::Status::internal("route and contract disagree"))
                    })?;
                super::applicant::fill_applicant(&api.core, caller, &mut request).await?;
                // A fresh message: merging into the old one would keep
                // client values wherever identity's are empty.
                let mut filled = DynamicMessage::new(message.descriptor());
                filled.transcode_from(&request).map_err(|_| {
                    ApiError::Upstream(tonic::Status::internal("route and contract disagree"))
                })?;
                *message = filled;
            }
        }
        Hook::Registration => {
            let named = message
                .get_field_by_name("language")
                .and_then(|value| value.as_enum_number())
                .is_some_and(|number| number != 0);
            // With neither, the agency's default language applies.
            if !named
                && let Some(lang) = crate::portal::shell::i18n::from_accept_language(&parts.headers)
            {
                message
                    .try_set_field_by_name("language", Value::EnumNumber(lang.proto()))
                    .map_err(|_| {
                        ApiError::Upstream(tonic::Status::internal("route and contract disagree"))
                    })?;
            }
        }
        Hook::None | Hook::Logout => {}
    }
    Ok(())
}
