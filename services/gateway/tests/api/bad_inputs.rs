//! Every route against bad input: no session, malformed JSON, unknown
//! fields, wrong types, wrong media types, unknown query parameters, bad
//! path values, bodies over the limit (refused before they are read) and
//! fields only the gateway may set. Each is answered with a problem
//! document naming what is wrong, and none reaches a service.

use std::time::Duration;

use laissez_gateway::api::routes::{Access, Input, Kind, ROUTES, RouteSpec};
use reqwest::Method;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::*;

/// The route's path with every parameter set to "1" (valid for every type).
fn concrete(spec: &RouteSpec) -> String {
    let mut path = format!("/api/v1{}", spec.path);
    for param in spec.path_params() {
        path = path.replace(&format!("{{{param}}}"), "1");
    }
    path
}

fn method(spec: &RouteSpec) -> Method {
    Method::from_bytes(spec.method.as_bytes()).unwrap()
}

fn body_routes() -> impl Iterator<Item = &'static RouteSpec> {
    ROUTES
        .iter()
        .filter(|spec| spec.kind == Kind::Unary && spec.input != Input::Query)
}

/// How the services name a field of the body: from the request's root.
fn rooted(spec: &RouteSpec, field: &str) -> String {
    match spec.input {
        Input::BodyField(body) => format!("{body}.{field}"),
        _ => field.to_owned(),
    }
}

#[tokio::test]
async fn every_route_that_needs_a_session_refuses_without_one() {
    let stack = Stack::start(Services::IDENTITY).await;
    let mut checked = 0;
    for spec in ROUTES.iter().filter(|spec| spec.access != Access::Public) {
        let answer = stack
            .send(
                stack
                    .http
                    .request(method(spec), stack.url(&concrete(spec)))
                    .header("content-type", "application/json")
                    .body("{}"),
            )
            .await;
        let problem = answer.problem(401);
        assert_eq!(
            problem["type"], "https://laissez.dev/problems/unauthenticated",
            "{} {}",
            spec.method, spec.path
        );
        assert_eq!(answer.header("www-authenticate"), Some("Bearer"));
        checked += 1;
    }
    assert!(checked > 50, "{checked}");
    // A session that does not exist is refused the same way.
    let answer = stack.get("/api/v1/cases", "made-up-session-token").await;
    answer.problem(401);
    stack.stop().await;
}

/// A value of the wrong JSON type for a property of the OpenAPI schema.
fn wrong_value(document: &Value, schema: &Value) -> Value {
    let schema = match schema.get("$ref").and_then(Value::as_str) {
        Some(target) => document
            .pointer(target.trim_start_matches('#'))
            .unwrap()
            .clone(),
        None => schema.clone(),
    };
    if schema.get("allOf").is_some() {
        return wrong_value(document, &schema["allOf"][0]);
    }
    if schema.get("enum").is_some() {
        return json!("NO_SUCH_VALUE");
    }
    match schema["type"].as_str() {
        Some("boolean") => json!("maybe"),
        Some("integer") | Some("number") => json!("many"),
        Some("array") => json!("not-an-array"),
        Some("object") => json!(["not", "an", "object"]),
        Some("string") if schema.get("format").is_some() => json!("not-valid-for-the-format"),
        Some("string") if schema.get("contentEncoding").is_some() => json!("not base64!"),
        Some("string") => json!({"not": "a string"}),
        other => panic!("no wrong value for {other:?}: {schema}"),
    }
}

#[tokio::test]
async fn every_body_is_checked_before_any_service_sees_it() {
    let stack = Stack::start(Services::IDENTITY).await;
    let (_, token) = stack.fj_applicant().await;
    let document = stack
        .send(stack.http.get(stack.url("/api/v1/openapi.json")))
        .await
        .ok();
    for spec in body_routes() {
        let path = concrete(spec);
        let label = format!("{} {}", spec.method, spec.path);
        let token = (spec.access != Access::Public).then_some(token.as_str());
        let send = |body: &'static str, content_type: &'static str| {
            let mut request = stack
                .http
                .request(method(spec), stack.url(&path))
                .header("content-type", content_type)
                .body(body);
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            stack.send(request)
        };

        let malformed = send("{", "application/json").await;
        malformed.problem(400);
        assert_eq!(malformed.field_errors(), ["body:malformed_json"], "{label}");

        let unknown = send("{\"no_such_field\": 1}", "application/json").await;
        unknown.problem(400);
        assert_eq!(
            unknown.field_errors(),
            [format!("{}:unknown_field", rooted(spec, "no_such_field"))],
            "{label}"
        );

        let plain = send("{}", "text/plain").await;
        plain.problem(415);

        // A wrong type for the first property the operation documents.
        let operation =
            &document["paths"][format!("/api/v1{}", spec.path)][spec.method.to_ascii_lowercase()];
        let mut schema = operation["requestBody"]["content"]["application/json"]["schema"].clone();
        if let Some(target) = schema.get("$ref").and_then(Value::as_str) {
            schema = document
                .pointer(target.trim_start_matches('#'))
                .unwrap()
                .clone();
        }
        let Some((property, property_schema)) = schema["properties"]
            .as_object()
            .and_then(|properties| properties.iter().next())
        else {
            continue;
        };
        let mut fields = serde_json::Map::new();
        fields.insert(property.clone(), wrong_value(&document, property_schema));
        let body = Value::Object(fields);
        let mut request = stack
            .http
            .request(method(spec), stack.url(&path))
            .json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let wrong = stack.send(request).await;
        wrong.problem(400);
        assert_eq!(
            wrong.field_errors(),
            [format!("{}:invalid_value", rooted(spec, property))],
            "{label} with {body}"
        );
    }
    stack.stop().await;
}

#[tokio::test]
async fn query_and_path_parameters_are_checked() {
    let stack = Stack::start(Services::IDENTITY).await;
    let (_, token) = stack.fj_applicant().await;
    for spec in ROUTES
        .iter()
        .filter(|spec| spec.input == Input::Query && spec.access == Access::SignedIn)
    {
        let path = format!("{}?no_such_parameter=1", concrete(spec));
        let answer = stack.call(method(spec), &path, Some(&token), None).await;
        answer.problem(400);
        assert_eq!(
            answer.field_errors(),
            ["no_such_parameter:unknown_parameter"],
            "{} {}",
            spec.method,
            spec.path
        );
    }
    let version = stack
        .get("/api/v1/admin/catalog/versions/latest", &token)
        .await;
    version.problem(400);
    assert_eq!(version.field_errors(), ["version:invalid_value"]);
    let listed = stack
        .get(
            "/api/v1/cases?state=CASE_STATE_NOPE&page.page_size=ten",
            &token,
        )
        .await;
    listed.problem(400);
    assert_eq!(
        listed.field_errors(),
        ["state:invalid_value", "page.page_size:invalid_value"]
    );
    // Bodies carry no query parameters.
    let body_with_query = stack
        .post("/api/v1/submissions?case_ids=x", Some(&token), json!({}))
        .await;
    body_with_query.problem(400);
    assert_eq!(
        body_with_query.field_errors(),
        ["case_ids:unknown_parameter"]
    );
    // Uploads need their two parameters.
    let upload = stack
        .send(
            stack
                .http
                .post(stack.url("/api/v1/cases/1/documents?file_name=a.png"))
                .bearer_auth(&token)
                .body(png(10, 10)),
        )
        .await;
    upload.problem(400);
    assert_eq!(upload.field_errors(), ["requirement:required"]);
    stack.stop().await;
}

#[tokio::test]
async fn fields_the_gateway_sets_are_refused_and_paths_win_only_when_they_agree() {
    let stack = Stack::start(Services::IDENTITY).await;
    let (_, token) = stack.fj_applicant().await;
    let forged = stack
        .post(
            &format!("/api/v1/agencies/{FJ}/portals/{FJ_PORTAL}/sessions"),
            None,
            json!({"login_name": "x", "password": "y", "source_ip": "10.9.9.9"}),
        )
        .await;
    forged.problem(400);
    assert_eq!(forged.field_errors(), ["source_ip:set_by_gateway"]);
    let contradicting = stack
        .call(
            Method::PUT,
            "/api/v1/applicants/1",
            Some(&token),
            Some(json!({"applicant_id": "2", "surname": "x"})),
        )
        .await;
    contradicting.problem(400);
    assert_eq!(
        contradicting.field_errors(),
        ["applicant.applicant_id:conflicts_with_path"]
    );
    stack.stop().await;
}

/// Sends only the head of a request declaring `length` bytes and reads the
/// answer: a gateway that waited for the body would never answer.
async fn declare_only(
    stack: &Stack,
    method: &str,
    path: &str,
    token: Option<&str>,
    length: usize,
) -> String {
    let mut stream = tokio::net::TcpStream::connect(stack.addr).await.unwrap();
    let authorization = token
        .map(|token| format!("Authorization: Bearer {token}\r\n"))
        .unwrap_or_default();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {}\r\n{authorization}Content-Type: application/json\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n",
        stack.addr
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let mut buffer = [0u8; 4096];
    // The guard is only against a hang (the failure this test looks for).
    let read = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            let n = stream.read(&mut buffer).await.unwrap_or(0);
            if n == 0 {
                break;
            }
            answer.extend_from_slice(&buffer[..n]);
            if String::from_utf8_lossy(&answer).contains("\"status\":413") {
                break;
            }
        }
    })
    .await;
    assert!(
        read.is_ok(),
        "no answer to {method} {path} without its body"
    );
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn bodies_over_the_limit_are_refused_before_they_are_read() {
    let stack = Stack::start_with(Services::IDENTITY, |config| {
        config.http.max_body_bytes = 64 * 1024;
        config.http.max_upload_bytes = 256 * 1024;
    })
    .await;
    let (_, token) = stack.fj_applicant().await;
    for spec in ROUTES
        .iter()
        .filter(|spec| spec.input != Input::Query || spec.kind == Kind::Upload)
    {
        let limit = if spec.kind == Kind::Upload {
            256 * 1024
        } else {
            64 * 1024
        };
        let answer = declare_only(
            &stack,
            spec.method,
            &concrete(spec),
            Some(&token),
            limit + 1,
        )
        .await;
        assert!(
            answer.starts_with("HTTP/1.1 413"),
            "{} {}: {answer}",
            spec.method,
            spec.path
        );
        assert!(answer.contains("application/problem+json"), "{answer}");
    }
    // A body without a declared length is cut off at the limit.
    let chunks = futures::stream::iter(
        (0..80).map(|_| Ok::<_, std::io::Error>(bytes::Bytes::from(vec![b' '; 1024]))),
    );
    let streamed = stack
        .send(
            stack
                .http
                .post(stack.url("/api/v1/submissions"))
                .bearer_auth(&token)
                .header("content-type", "application/json")
                .body(reqwest::Body::wrap_stream(chunks)),
        )
        .await;
    streamed.problem(413);
    stack.stop().await;
}
