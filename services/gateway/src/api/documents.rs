//! Documents in and out, streamed: an upload's body goes to intake in
//! 64 KiB chunks as it arrives (never held whole), and a download's chunks
//! go to the client as intake sends them.
//!
//! An upload that breaks off (the client goes away, or the body grows past
//! the limit) must not reach intake as a complete, shorter file: the chunk
//! stream then simply stops yielding, and the call is dropped, which resets
//! the HTTP/2 stream so intake sees a broken stream and stores nothing.

use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures::{Stream, StreamExt};
use laissez_proto::intake::v1::upload_document_chunk::Part;
use laissez_proto::intake::v1::{
    DownloadDocumentRequest, GetCaseRequest, UploadDocumentChunk, UploadHeader,
};
use laissez_proto::render::v1::{DownloadRenderedRequest, RenderedChunk};
use prost::Message;
use prost_reflect::DynamicMessage;
use sha2::{Digest, Sha256};
use tokio::sync::oneshot;

use super::Api;
use super::handler::{
    JSON, KeyOutcome, Presented, authenticate, begin_idempotent, idempotency_key, path_params,
    query_pairs, replay,
};
use super::table::Route;
use super::transcode::encode_json;
use crate::core::idempotency::{self, StoredAnswer};
use crate::core::problem::ApiError;

/// Size of the data chunks sent to intake.
const CHUNK_BYTES: usize = 64 * 1024;

fn required(name: &str) -> ApiError {
    ApiError::invalid(name, "required", "this query parameter is required")
}

pub async fn upload(api: Api, route: Arc<Route>, request: Request) -> Response {
    match serve_upload(&api, &route, request).await {
        Ok(response) => response,
        Err(error) => error.into_response(),
    }
}

/// Why an upload stopped before its end.
#[derive(Debug, Clone, Copy)]
enum Broken {
    TooLarge,
    Unreadable,
}

async fn serve_upload(api: &Api, route: &Route, request: Request) -> Result<Response, ApiError> {
    let (mut parts, body) = request.into_parts();
    let presented = authenticate(api, route, &parts).await?;
    let Presented::SignedIn(caller) = &presented else {
        return Err(ApiError::Unauthenticated("sign in first"));
    };
    let params = path_params(&mut parts).await?;
    let mut header_message = UploadHeader {
        case_id: params.get("case_id").cloned().unwrap_or_default(),
        ..UploadHeader::default()
    };
    for (name, value) in query_pairs(&parts)? {
        match name.as_str() {
            "requirement" => header_message.requirement = value,
            "file_name" => header_message.file_name = value,
            "replaces_document_id" => header_message.replaces_document_id = value,
            _ => {
                return Err(ApiError::invalid(
                    &name,
                    "unknown_parameter",
                    "this operation takes no such query parameter",
                ));
            }
        }
    }
    if header_message.requirement.trim().is_empty() {
        return Err(required("requirement"));
    }
    if header_message.file_name.trim().is_empty() {
        return Err(required("file_name"));
    }
    let limit = api.core.max_upload_bytes;
    let key = idempotency_key(&parts.headers)?;
    let metadata_fingerprint = idempotency::fingerprint(&[
        parts.method.as_str().as_bytes(),
        parts.uri.path().as_bytes(),
        parts.uri.query().unwrap_or_default().as_bytes(),
    ]);
    let scope = format!("account:{}", caller.signed_in.account_id);

    // With a key, the body's hash is part of the request's identity: a
    // repeated key is judged after reading (and hashing) the body again.
    let reservation = match key {
        None => None,
        Some(key) => {
            let replayable = api
                .core
                .idempotency
                .stored_answer(&scope, &route_name(route), &key)
                .await
                .map_err(|_| {
                    ApiError::Unavailable("idempotency keys cannot be checked right now; try again")
                })?;
            if let Some((fingerprint, answer)) = replayable {
                let content = hash_whole_body(body, limit).await?;
                let request_fingerprint = idempotency::fingerprint(&[
                    metadata_fingerprint.as_bytes(),
                    content.as_bytes(),
                ]);
                return if fingerprint == request_fingerprint {
                    Ok(replay(answer))
                } else {
                    Err(ApiError::Conflict(
                        "this Idempotency-Key was already used for a different request",
                    ))
                };
            }
            match begin_idempotent(&api.core, &scope, route, Some(key), &metadata_fingerprint)
                .await?
            {
                KeyOutcome::Run(reservation) => reservation,
                KeyOutcome::Answer(response) => return Ok(response),
            }
        }
    };

    let digest = Arc::new(Mutex::new(None::<String>));
    let sent = send_upload(
        &api.core,
        caller.token(),
        header_message,
        body.into_data_stream(),
        limit,
        digest.clone(),
    )
    .await;
    let document = match sent {
        Ok(document) => document,
        Err(failure) => {
            if let Some(reservation) = reservation {
                reservation.release().await;
            }
            return Err(match failure {
                UploadFailure::Refused(status) => ApiError::Upstream(status),
                UploadFailure::TooLarge => ApiError::PayloadTooLarge { limit },
                UploadFailure::BrokeOff => {
                    ApiError::invalid("body", "unreadable", "the upload broke off before its end")
                }
            });
        }
    };
    let answer = DynamicMessage::decode(route.method.output(), document.encode_to_vec().as_slice())
        .map(|message| encode_json(&message))
        .map_err(|_| ApiError::Upstream(tonic::Status::internal("unreadable document")))?;
    if let Some(reservation) = reservation {
        let content = digest
            .lock()
            .ok()
            .and_then(|digest| digest.clone())
            .unwrap_or_default();
        reservation
            .complete_with_fingerprint(
                idempotency::fingerprint(&[metadata_fingerprint.as_bytes(), content.as_bytes()]),
                StoredAnswer {
                    status: StatusCode::CREATED.as_u16(),
                    content_type: JSON.to_owned(),
                    body: answer.clone(),
                },
            )
            .await;
    }
    Ok((StatusCode::CREATED, [(header::CONTENT_TYPE, JSON)], answer).into_response())
}

/// Why an upload sent to intake produced no document.
#[derive(Debug)]
pub(crate) enum UploadFailure {
    /// Intake refused it (the status says why, with its field errors).
    Refused(tonic::Status),
    /// The content went past the limit.
    TooLarge,
    /// The content broke off before its end.
    BrokeOff,
}

/// Streams `body` to intake as one upload under `header`, in chunks of
/// [`CHUNK_BYTES`], never holding it whole; `digest` gets the content's
/// SHA-256 once the body has ended. A body that breaks off or grows past
/// `limit` never reaches intake as a complete file (the call is dropped).
pub(crate) async fn send_upload<S, E>(
    core: &crate::core::Core,
    token: &str,
    header: UploadHeader,
    body: S,
    limit: usize,
    digest: Arc<Mutex<Option<String>>>,
) -> Result<laissez_proto::intake::v1::Document, UploadFailure>
where
    S: Stream<Item = Result<Bytes, E>> + Send + Unpin + 'static,
{
    let (broken_tx, broken_rx) = oneshot::channel::<Broken>();
    let chunks = upload_chunks(body, limit, broken_tx, digest);
    let header_chunk = UploadDocumentChunk {
        part: Some(Part::Header(header)),
    };
    let stream = futures::stream::iter([header_chunk]).chain(chunks);
    let mut intake = core.upstreams.intake();
    let call = intake.upload_document(core.upstreams.streaming_request(stream, Some(token)));
    tokio::select! {
        answer = call => answer.map(tonic::Response::into_inner).map_err(UploadFailure::Refused),
        Ok(broken) = broken_rx => Err(match broken {
            Broken::TooLarge => UploadFailure::TooLarge,
            Broken::Unreadable => UploadFailure::BrokeOff,
        }),
    }
}

fn route_name(route: &Route) -> String {
    format!("{} {}", route.spec.method, route.spec.path)
}

/// The body as data chunks of at most [`CHUNK_BYTES`], hashed on the way.
/// On a read error or past `limit` it reports why and then never yields
/// again (ending the stream would tell intake the file is complete).
fn upload_chunks<S, E>(
    body: S,
    limit: usize,
    broken: oneshot::Sender<Broken>,
    digest: Arc<Mutex<Option<String>>>,
) -> impl Stream<Item = UploadDocumentChunk> + Send + 'static
where
    S: Stream<Item = Result<Bytes, E>> + Send + Unpin + 'static,
{
    struct Feed<S> {
        body: S,
        pending: Bytes,
        seen: usize,
        limit: usize,
        hash: Sha256,
        broken: Option<oneshot::Sender<Broken>>,
        digest: Arc<Mutex<Option<String>>>,
    }
    let feed = Feed {
        body,
        pending: Bytes::new(),
        seen: 0,
        limit,
        hash: Sha256::new(),
        broken: Some(broken),
        digest,
    };
    futures::stream::unfold(feed, |mut feed| async move {
        loop {
            if !feed.pending.is_empty() {
                let take = feed.pending.len().min(CHUNK_BYTES);
                let data = feed.pending.split_to(take);
                let chunk = UploadDocumentChunk {
                    part: Some(Part::Data(data.to_vec())),
                };
                return Some((chunk, feed));
            }
            let failure = match feed.body.next().await {
                Some(Ok(bytes)) => {
                    feed.seen += bytes.len();
                    if feed.seen > feed.limit {
                        Broken::TooLarge
                    } else {
                        feed.hash.update(&bytes);
                        feed.pending = bytes;
                        continue;
                    }
                }
                Some(Err(_)) => Broken::Unreadable,
                None => {
                    let digest = hex::encode(std::mem::take(&mut feed.hash).finalize());
                    if let Ok(mut slot) = feed.digest.lock() {
                        *slot = Some(digest);
                    }
                    return None;
                }
            };
            if let Some(broken) = feed.broken.take() {
                let _ = broken.send(failure);
            }
            futures::future::pending::<()>().await;
        }
    })
}

async fn hash_whole_body(body: Body, limit: usize) -> Result<String, ApiError> {
    let mut stream = body.into_data_stream();
    let mut hash = Sha256::new();
    let mut seen = 0usize;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| {
            ApiError::invalid("body", "unreadable", "the upload broke off before its end")
        })?;
        seen += chunk.len();
        if seen > limit {
            return Err(ApiError::PayloadTooLarge { limit });
        }
        hash.update(&chunk);
    }
    Ok(hex::encode(hash.finalize()))
}

pub async fn download(api: Api, route: Arc<Route>, request: Request) -> Response {
    match serve_download(&api, &route, request).await {
        Ok(response) => response,
        Err(error) => error.into_response(),
    }
}

async fn serve_download(api: &Api, route: &Route, request: Request) -> Result<Response, ApiError> {
    if route.upstream == crate::core::upstream::Upstream::Render {
        return serve_rendered(api, route, request).await;
    }
    let (mut parts, _body) = request.into_parts();
    let presented = authenticate(api, route, &parts).await?;
    let Presented::SignedIn(caller) = &presented else {
        return Err(ApiError::Unauthenticated("sign in first"));
    };
    let params = path_params(&mut parts).await?;
    let case_id = params.get("case_id").cloned().unwrap_or_default();
    let document_id = params.get("document_id").cloned().unwrap_or_default();
    let (inline, _) = download_query(&parts, false)?;
    let mut intake = api.core.upstreams.intake();
    // The case says the file's name (and answers NOT_FOUND alike for a
    // case that does not exist and one that is not the caller's).
    let case = intake
        .get_case(api.core.upstreams.request(
            GetCaseRequest {
                case_id: case_id.clone(),
            },
            Some(caller.token()),
        ))
        .await?
        .into_inner();
    let file_name = case
        .documents
        .iter()
        .find(|document| document.document_id == document_id.trim())
        .map(|document| document.file_name.clone())
        .unwrap_or_else(|| "document".to_owned());
    let mut chunks = intake
        .download_document(api.core.upstreams.streaming_request(
            DownloadDocumentRequest {
                case_id,
                document_id,
            },
            Some(caller.token()),
        ))
        .await?
        .into_inner();
    // The first chunk (or the error instead of it) decides the answer's
    // status and type; the rest streams.
    let first = chunks.message().await?;
    let media_type = first
        .as_ref()
        .map(|chunk| chunk.media_type.clone())
        .filter(|media| is_safe_media_type(media))
        .unwrap_or_else(|| "application/octet-stream".to_owned());
    let head =
        futures::stream::iter(first.map(|chunk| Ok::<_, tonic::Status>(Bytes::from(chunk.data))));
    let rest = chunks.map(|chunk| chunk.map(|chunk| Bytes::from(chunk.data)));
    let body = Body::from_stream(head.chain(rest));
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&media_type) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    headers.insert(
        header::CONTENT_DISPOSITION,
        content_disposition(if inline { "inline" } else { "attachment" }, &file_name),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(response)
}

/// A download's query: `disposition` (`inline` or `attachment`) and, where
/// the file's name has a language, `language`; anything else is refused.
fn download_query(
    parts: &axum::http::request::Parts,
    with_language: bool,
) -> Result<(bool, Option<crate::portal::i18n::Lang>), ApiError> {
    let (mut inline, mut language) = (false, None);
    for (name, value) in query_pairs(parts)? {
        match (name.as_str(), value.as_str()) {
            ("language", tag) if with_language => {
                language = Some(crate::portal::i18n::Lang::from_tag(tag).ok_or_else(|| {
                    ApiError::invalid("language", "invalid_value", "zh-Hant, zh-Hans or en")
                })?);
            }
            ("disposition", "inline") => inline = true,
            ("disposition", "attachment") => inline = false,
            ("disposition", _) => {
                return Err(ApiError::invalid(
                    "disposition",
                    "invalid_value",
                    "inline or attachment",
                ));
            }
            _ => {
                return Err(ApiError::invalid(
                    &name,
                    "unknown_parameter",
                    "this operation takes no such query parameter",
                ));
            }
        }
    }
    Ok((inline, language))
}

/// An issued document's PDF from render, named in the language asked for
/// (`language`, else the browser's `Accept-Language`).
async fn serve_rendered(api: &Api, route: &Route, request: Request) -> Result<Response, ApiError> {
    let (mut parts, _body) = request.into_parts();
    let presented = authenticate(api, route, &parts).await?;
    let Presented::SignedIn(caller) = &presented else {
        return Err(ApiError::Unauthenticated("sign in first"));
    };
    let params = path_params(&mut parts).await?;
    let document_id = params.get("document_id").cloned().unwrap_or_default();
    let (inline, asked) = download_query(&parts, true)?;
    let language = asked
        .or_else(|| crate::portal::i18n::from_accept_language(&parts.headers))
        .unwrap_or(crate::portal::i18n::Lang::ZhHant)
        .tag()
        .to_owned();
    let chunks = api
        .core
        .upstreams
        .render()
        .download_rendered(api.core.upstreams.streaming_request(
            DownloadRenderedRequest {
                document_id,
                language,
            },
            Some(caller.token()),
        ))
        .await?
        .into_inner();
    Ok(rendered_response(chunks, inline).await?)
}

/// The answer of a render download: the first chunk (or the error instead
/// of it) decides the status and names the file; the rest streams.
pub(crate) async fn rendered_response(
    mut chunks: tonic::Streaming<RenderedChunk>,
    inline: bool,
) -> Result<Response, tonic::Status> {
    let first = chunks.message().await?;
    let file_name = first
        .as_ref()
        .and_then(|chunk| chunk.document.as_ref())
        .map(|document| document.file_name.clone())
        .unwrap_or_else(|| "document.pdf".to_owned());
    let head =
        futures::stream::iter(first.map(|chunk| Ok::<_, tonic::Status>(Bytes::from(chunk.data))));
    let rest = chunks.map(|chunk| chunk.map(|chunk| Bytes::from(chunk.data)));
    let mut response = (StatusCode::OK, Body::from_stream(head.chain(rest))).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    headers.insert(
        header::CONTENT_DISPOSITION,
        content_disposition(if inline { "inline" } else { "attachment" }, &file_name),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(response)
}

/// Media types intake stores are plain `type/subtype`; anything else is
/// served as a download of bytes.
fn is_safe_media_type(media: &str) -> bool {
    let Some((kind, subtype)) = media.split_once('/') else {
        return false;
    };
    let token = |text: &str| {
        !text.is_empty()
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b))
    };
    token(kind) && token(subtype)
}

/// RFC 6266: an ASCII fallback name and the UTF-8 name, percent-encoded.
fn content_disposition(kind: &str, file_name: &str) -> HeaderValue {
    let fallback: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._- ".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = file_name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"._-".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    HeaderValue::from_str(&format!(
        "{kind}; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_cannot_break_the_header() {
        let value = content_disposition("attachment", "護照\"; x=\r\n.png");
        let text = value.to_str().unwrap();
        assert!(text.starts_with("attachment; filename=\"__"), "{text}");
        assert!(text.contains("filename*=UTF-8''%E8%AD%B7"), "{text}");
        assert!(!text.contains('\r'));
    }

    #[test]
    fn only_plain_media_types_are_echoed() {
        assert!(is_safe_media_type("image/png"));
        assert!(is_safe_media_type("application/pdf"));
        assert!(!is_safe_media_type("text/html; charset=utf-8"));
        assert!(!is_safe_media_type("nonsense"));
    }
}
