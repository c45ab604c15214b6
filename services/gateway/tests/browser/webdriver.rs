//! A small W3C WebDriver client over reqwest: one chromedriver process per
//! browser, one session, the commands the portal's tests use. Every command
//! answers a `Result` whose error names the command and WebDriver's own
//! error code and message; the caller adds what it was looking for.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// The key under which WebDriver names an element (W3C, section 12).
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// How long chromedriver may take to say it is ready.
const DRIVER_START: Duration = Duration::from_secs(20);

/// A failed WebDriver command.
#[derive(Debug, thiserror::Error)]
#[error("{command}: {code}: {message}")]
pub struct Error {
    pub command: String,
    /// WebDriver's error code (`no such element`, `stale element
    /// reference`, …) or `transport` when chromedriver did not answer.
    pub code: String,
    pub message: String,
}

impl Error {
    fn transport(command: &str, error: impl std::fmt::Display) -> Self {
        Self {
            command: command.to_owned(),
            code: "transport".to_owned(),
            message: error.to_string(),
        }
    }

    pub fn is_no_such_element(&self) -> bool {
        self.code == "no such element"
    }

    /// The element belongs to a document the browser has left.
    pub fn is_stale(&self) -> bool {
        self.code == "stale element reference" || self.code == "no such element"
    }
}

pub type Result<T> = std::result::Result<T, Error>;

/// An element of the current document, as WebDriver names it.
#[derive(Debug, Clone)]
pub struct Element(String);

impl Element {
    fn reference(&self) -> Value {
        json!({ ELEMENT_KEY: self.0 })
    }
}

/// chromedriver (in its own process group, so the browsers it starts go
/// with it) and the one session it runs.
pub struct WebDriver {
    http: reqwest::Client,
    /// `http://127.0.0.1:{port}/session/{id}`.
    session: String,
    driver: Child,
    /// The browser's profile, removed after the browser is gone.
    profile: tempfile::TempDir,
}

/// Whether both programs are installed where the tests expect them.
pub fn installed() -> bool {
    Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists()
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("a free local port")
}

impl WebDriver {
    /// Starts chromedriver on a free port and a headless Chromium session
    /// with a profile of its own.
    pub async fn start() -> Result<WebDriver> {
        let port = free_port();
        let driver = {
            use std::os::unix::process::CommandExt;
            Command::new(CHROMEDRIVER)
                .arg(format!("--port={port}"))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .process_group(0)
                .spawn()
                .map_err(|error| Error::transport("start chromedriver", error))?
        };
        let profile = tempfile::tempdir().map_err(|error| Error::transport("profile", error))?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .map_err(|error| Error::transport("http client", error))?;
        // From here on, dropping `webdriver` stops chromedriver.
        let mut webdriver = WebDriver {
            http,
            session: String::new(),
            driver,
            profile,
        };
        let root = format!("http://127.0.0.1:{port}");
        webdriver.wait_until_ready(&root).await?;
        let capabilities = json!({
            "capabilities": {"alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": {
                    "binary": CHROMIUM,
                    "args": [
                        "--headless=new",
                        "--no-sandbox",
                        "--disable-gpu",
                        "--disable-dev-shm-usage",
                        "--window-size=1280,1600",
                        format!("--user-data-dir={}", webdriver.profile.path().display()),
                    ],
                },
            }}
        });
        let created = webdriver
            .command(
                "new session",
                reqwest::Method::POST,
                &format!("{root}/session"),
                Some(capabilities),
            )
            .await?;
        let id = created["sessionId"]
            .as_str()
            .ok_or_else(|| Error::transport("new session", format!("no session id: {created}")))?;
        webdriver.session = format!("{root}/session/{id}");
        Ok(webdriver)
    }

    /// Polls `/status` until chromedriver accepts sessions.
    async fn wait_until_ready(&mut self, root: &str) -> Result<()> {
        let deadline = tokio::time::Instant::now() + DRIVER_START;
        loop {
            if let Ok(Some(status)) = self.driver.try_wait() {
                return Err(Error::transport(
                    "start chromedriver",
                    format!("chromedriver exited: {status}"),
                ));
            }
            if let Ok(response) = self.http.get(format!("{root}/status")).send().await
                && let Ok(body) = response.json::<Value>().await
                && body["value"]["ready"] == true
            {
                return Ok(());
            }
            if tokio::time::Instant::now() > deadline {
                return Err(Error::transport(
                    "start chromedriver",
                    format!("not ready after {DRIVER_START:?}"),
                ));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn command(
        &self,
        name: &str,
        method: reqwest::Method,
        url: &str,
        body: Option<Value>,
    ) -> Result<Value> {
        let mut request = self.http.request(method.clone(), url);
        if let Some(body) = body {
            request = request.json(&body);
        } else if method == reqwest::Method::POST {
            request = request.json(&json!({}));
        }
        let response = request
            .send()
            .await
            .map_err(|error| Error::transport(name, error))?;
        let status = response.status();
        let body: Value = response
            .json()
            .await
            .map_err(|error| Error::transport(name, error))?;
        let value = body.get("value").cloned().unwrap_or(Value::Null);
        if status.is_success() {
            return Ok(value);
        }
        Err(Error {
            command: name.to_owned(),
            code: value["error"]
                .as_str()
                .unwrap_or("unknown error")
                .to_owned(),
            message: value["message"]
                .as_str()
                .unwrap_or_default()
                .lines()
                .next()
                .unwrap_or_default()
                .to_owned(),
        })
    }

    async fn get(&self, name: &str, path: &str) -> Result<Value> {
        let url = format!("{}{path}", self.session);
        self.command(name, reqwest::Method::GET, &url, None).await
    }

    async fn post(&self, name: &str, path: &str, body: Value) -> Result<Value> {
        let url = format!("{}{path}", self.session);
        self.command(name, reqwest::Method::POST, &url, Some(body))
            .await
    }

    /// Loads `url` and waits for the document to load.
    pub async fn navigate(&self, url: &str) -> Result<()> {
        self.post("navigate", "/url", json!({"url": url})).await?;
        Ok(())
    }

    pub async fn current_url(&self) -> Result<String> {
        let url = self.get("current url", "/url").await?;
        Ok(url.as_str().unwrap_or_default().to_owned())
    }

    fn element_of(name: &str, value: &Value) -> Result<Element> {
        value[ELEMENT_KEY]
            .as_str()
            .map(|id| Element(id.to_owned()))
            .ok_or_else(|| Error::transport(name, format!("not an element: {value}")))
    }

    /// The first element matching `css`, or None.
    pub async fn find(&self, css: &str) -> Result<Option<Element>> {
        let body = json!({"using": "css selector", "value": css});
        match self.post("find element", "/element", body).await {
            Ok(found) => Self::element_of("find element", &found).map(Some),
            Err(error) if error.is_no_such_element() => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// Every element matching `css`, in document order.
    pub async fn find_all(&self, css: &str) -> Result<Vec<Element>> {
        let body = json!({"using": "css selector", "value": css});
        let found = self.post("find elements", "/elements", body).await?;
        found
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .map(|value| Self::element_of("find elements", value))
            .collect()
    }

    pub async fn click(&self, element: &Element) -> Result<()> {
        let path = format!("/element/{}/click", element.0);
        self.post("click", &path, json!({})).await?;
        Ok(())
    }

    /// Types `text` into the element; for `input[type=file]`, `text` is the
    /// absolute path of the file to choose.
    pub async fn send_keys(&self, element: &Element, text: &str) -> Result<()> {
        let path = format!("/element/{}/value", element.0);
        self.post("send keys", &path, json!({"text": text})).await?;
        Ok(())
    }

    pub async fn clear(&self, element: &Element) -> Result<()> {
        let path = format!("/element/{}/clear", element.0);
        self.post("clear", &path, json!({})).await?;
        Ok(())
    }

    /// The element's rendered text.
    pub async fn text(&self, element: &Element) -> Result<String> {
        let text = self
            .get("element text", &format!("/element/{}/text", element.0))
            .await?;
        Ok(text.as_str().unwrap_or_default().to_owned())
    }

    /// The element's attribute as written in the page, if it has one.
    pub async fn attribute(&self, element: &Element, name: &str) -> Result<Option<String>> {
        let path = format!("/element/{}/attribute/{name}", element.0);
        let value = self.get("element attribute", &path).await?;
        Ok(value.as_str().map(str::to_owned))
    }

    /// The element's DOM property (e.g. an input's current `value`).
    pub async fn property(&self, element: &Element, name: &str) -> Result<Value> {
        let path = format!("/element/{}/property/{name}", element.0);
        self.get("element property", &path).await
    }

    pub async fn page_source(&self) -> Result<String> {
        let source = self.get("page source", "/source").await?;
        Ok(source.as_str().unwrap_or_default().to_owned())
    }

    /// A PNG of the viewport.
    pub async fn screenshot(&self) -> Result<Vec<u8>> {
        let encoded = self.get("screenshot", "/screenshot").await?;
        STANDARD
            .decode(encoded.as_str().unwrap_or_default())
            .map_err(|error| Error::transport("screenshot", error))
    }

    /// A PNG of the whole page, beyond the viewport (Chromium's DevTools
    /// protocol through chromedriver; W3C screenshots stop at the window).
    pub async fn full_page_screenshot(&self) -> Result<Vec<u8>> {
        let metrics = self
            .post(
                "page size",
                "/goog/cdp/execute",
                json!({"cmd": "Page.getLayoutMetrics", "params": {}}),
            )
            .await?;
        let size = &metrics["cssContentSize"];
        let (width, height) = (
            size["width"].as_f64().unwrap_or(1280.0),
            size["height"].as_f64().unwrap_or(1600.0),
        );
        let shot = self
            .post(
                "full-page screenshot",
                "/goog/cdp/execute",
                json!({"cmd": "Page.captureScreenshot", "params": {
                    "format": "png",
                    "captureBeyondViewport": true,
                    "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
                }}),
            )
            .await?;
        STANDARD
            .decode(shot["data"].as_str().unwrap_or_default())
            .map_err(|error| Error::transport("full-page screenshot", error))
    }

    /// Runs `script` in the page (a function body; `arguments[i]` are the
    /// arguments, elements passed as such) and answers what it returns.
    pub async fn execute(&self, script: &str, elements: &[&Element]) -> Result<Value> {
        let args: Vec<Value> = elements.iter().map(|element| element.reference()).collect();
        self.post(
            "execute script",
            "/execute/sync",
            json!({"script": script, "args": args}),
        )
        .await
    }

    /// Ends the session (the browser quits) and chromedriver.
    pub async fn quit(mut self) -> Result<()> {
        let session = std::mem::take(&mut self.session);
        let deleted = self
            .command("delete session", reqwest::Method::DELETE, &session, None)
            .await;
        self.stop_driver();
        deleted.map(|_| ())
    }

    /// Ends chromedriver's process group: chromedriver and any browser it
    /// started that is still running.
    fn stop_driver(&mut self) {
        if let Ok(Some(_)) = self.driver.try_wait() {
            return;
        }
        let group = format!("-{}", self.driver.id());
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for WebDriver {
    fn drop(&mut self) {
        self.stop_driver();
    }
}
