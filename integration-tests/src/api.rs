//! A client of `/api/v1` that knows only what the OpenAPI document says, as
//! an outside integrator's would: it reads `/api/v1/openapi.json` once and
//! calls operations by their `operationId`, filling the path's parameters.
//! An operation the document does not describe is a test failure.

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use reqwest::{Method, StatusCode};
use serde_json::Value;

/// An answer of the gateway, read whole.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|_| panic!("not JSON ({}): {}", self.status, self.text()))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    /// The JSON body of a successful answer; panics with the body otherwise.
    pub fn ok(self) -> Value {
        assert!(self.status.is_success(), "{}: {}", self.status, self.text());
        self.json()
    }

    /// Asserts a problem document with this status; returns it.
    pub fn problem(&self, status: u16) -> Value {
        assert_eq!(self.status.as_u16(), status, "{}", self.text());
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "{}",
            self.text()
        );
        self.json()
    }
}

#[derive(Debug, Clone)]
struct Operation {
    method: Method,
    path: String,
}

/// One call: the operation, its path parameters, and what to send.
#[derive(Debug, Clone, Default)]
pub struct Call<'a> {
    pub operation: &'a str,
    pub params: Vec<(&'a str, String)>,
    pub query: Vec<(&'a str, String)>,
    pub token: Option<&'a str>,
    pub idempotency_key: Option<String>,
    pub body: Option<Value>,
}

impl<'a> Call<'a> {
    pub fn new(operation: &'a str) -> Self {
        Self {
            operation,
            ..Self::default()
        }
    }

    pub fn param(mut self, name: &'a str, value: impl Into<String>) -> Self {
        self.params.push((name, value.into()));
        self
    }

    pub fn query(mut self, name: &'a str, value: impl Into<String>) -> Self {
        self.query.push((name, value.into()));
        self
    }

    pub fn token(mut self, token: &'a str) -> Self {
        self.token = Some(token);
        self
    }

    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }

    pub fn body(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }
}

/// The public API of one platform.
#[derive(Clone)]
pub struct Api {
    base: String,
    pub http: reqwest::Client,
    operations: std::sync::Arc<BTreeMap<String, Operation>>,
}

impl Api {
    /// Reads the OpenAPI document of the gateway at `base`.
    pub async fn connect(base: &str) -> Result<Api> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(60))
            .build()?;
        let document: Value = http
            .get(format!("{base}/api/v1/openapi.json"))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await
            .context("the OpenAPI document")?;
        let mut operations = BTreeMap::new();
        let paths = document["paths"].as_object().context("no paths")?;
        for (path, item) in paths {
            for (method, operation) in item.as_object().into_iter().flatten() {
                let Some(id) = operation["operationId"].as_str() else {
                    continue;
                };
                let method = Method::from_bytes(method.to_ascii_uppercase().as_bytes())?;
                operations.insert(
                    id.to_owned(),
                    Operation {
                        method,
                        path: path.clone(),
                    },
                );
            }
        }
        if operations.is_empty() {
            bail!("the OpenAPI document describes no operation");
        }
        Ok(Api {
            base: base.to_owned(),
            http,
            operations: std::sync::Arc::new(operations),
        })
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// The method and filled path of a call, from the document.
    pub fn resolve(&self, call: &Call<'_>) -> (Method, String) {
        let operation = self
            .operations
            .get(call.operation)
            .unwrap_or_else(|| panic!("the OpenAPI document has no operation {}", call.operation));
        let mut path = operation.path.clone();
        for (name, value) in &call.params {
            let placeholder = format!("{{{name}}}");
            assert!(
                path.contains(&placeholder),
                "{} has no path parameter {name}",
                call.operation
            );
            path = path.replace(&placeholder, &encode_segment(value));
        }
        assert!(
            !path.contains('{'),
            "{}: path parameters left unfilled in {path}",
            call.operation
        );
        (operation.method.clone(), path)
    }

    pub async fn call(&self, call: Call<'_>) -> Answer {
        self.try_call(call).await.expect("the gateway answers")
    }

    pub async fn try_call(&self, call: Call<'_>) -> reqwest::Result<Answer> {
        let (method, path) = self.resolve(&call);
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if !call.query.is_empty() {
            request = request.query(&call.query);
        }
        if let Some(token) = call.token {
            request = request.bearer_auth(token);
        }
        if let Some(key) = &call.idempotency_key {
            request = request.header("idempotency-key", key);
        }
        if let Some(body) = &call.body {
            request = request.json(body);
        }
        send(request).await
    }

    /// An upload (the operation's body is the file itself).
    pub async fn upload(&self, call: Call<'_>, content_type: &str, content: Vec<u8>) -> Answer {
        self.try_upload(call, content_type, content)
            .await
            .expect("the gateway answers")
    }

    /// An upload whose transport error is the caller's to judge: a server
    /// may answer before the whole body is sent and close the connection,
    /// which the sender sees as a broken pipe rather than as the answer.
    pub async fn try_upload(
        &self,
        call: Call<'_>,
        content_type: &str,
        content: Vec<u8>,
    ) -> reqwest::Result<Answer> {
        let (method, path) = self.resolve(&call);
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .query(&call.query)
            .header("content-type", content_type)
            .body(content);
        if let Some(token) = call.token {
            request = request.bearer_auth(token);
        }
        send(request).await
    }

    /// A GET of any path of the gateway (a download link an answer gave).
    pub async fn get_path(&self, path: &str, token: Option<&str>) -> Answer {
        let mut request = self.http.get(format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        send(request).await.expect("the gateway answers")
    }
}

pub async fn send(request: reqwest::RequestBuilder) -> reqwest::Result<Answer> {
    let response = request.send().await?;
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.bytes().await?.to_vec();
    Ok(Answer {
        status,
        headers,
        body,
    })
}

/// Percent-encodes a path segment (everything but letters and digits).
fn encode_segment(value: &str) -> String {
    percent_encoding::utf8_percent_encode(value, percent_encoding::NON_ALPHANUMERIC).to_string()
}
