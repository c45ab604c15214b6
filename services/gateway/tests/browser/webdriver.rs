//! The browser tests' WebDriver client: fantoccini over a plain HTTP
//! connector, one chromedriver process per browser and one session, with
//! the commands the portal's tests use. Every command answers a `Result`
//! whose error names the command and WebDriver's own error code and
//! message; the caller adds what it was looking for.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use fantoccini::error::CmdError;
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

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

    /// WebDriver's refusal keeps its code and the first line of its message.
    fn of(command: &str, error: CmdError) -> Self {
        match error {
            CmdError::Standard(refusal) => Self {
                command: command.to_owned(),
                code: refusal.error.to_string(),
                message: refusal
                    .message
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .to_owned(),
            },
            other => Self::transport(command, other),
        }
    }

    /// The element belongs to a document the browser has left.
    pub fn is_stale(&self) -> bool {
        self.code == "stale element reference" || self.code == "no such element"
    }
}

pub type Result<T> = std::result::Result<T, Error>;

/// An element of the current document.
#[derive(Debug, Clone)]
pub struct Element(fantoccini::elements::Element);

/// chromedriver (in its own process group, so the browsers it starts go
/// with it) and the one session it runs.
pub struct WebDriver {
    /// None once the session has ended.
    client: Option<Client>,
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

/// Chromium's DevTools protocol through chromedriver (`goog/cdp/execute`),
/// which W3C WebDriver has no command for.
#[derive(Debug)]
struct DevTools {
    method: &'static str,
    params: Value,
}

impl WebDriverCompatibleCommand for DevTools {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> std::result::Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        let body = json!({"cmd": self.method, "params": self.params});
        (http::Method::POST, Some(body.to_string()))
    }
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
        // From here on, dropping `webdriver` stops chromedriver.
        let mut webdriver = WebDriver {
            client: None,
            driver,
            profile,
        };
        let root = format!("http://127.0.0.1:{port}");
        webdriver.wait_until_ready(&root).await?;
        let capabilities = json!({
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
        });
        let Value::Object(capabilities) = capabilities else {
            unreachable!("the capabilities are an object")
        };
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&root)
            .await
            .map_err(|error| Error::transport("new session", error))?;
        webdriver.client = Some(client);
        Ok(webdriver)
    }

    /// Polls `/status` until chromedriver accepts sessions.
    async fn wait_until_ready(&mut self, root: &str) -> Result<()> {
        let http = reqwest::Client::new();
        let deadline = tokio::time::Instant::now() + DRIVER_START;
        loop {
            if let Ok(Some(status)) = self.driver.try_wait() {
                return Err(Error::transport(
                    "start chromedriver",
                    format!("chromedriver exited: {status}"),
                ));
            }
            if let Ok(response) = http.get(format!("{root}/status")).send().await
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

    fn client(&self) -> &Client {
        self.client
            .as_ref()
            .expect("the session is open until quit")
    }

    /// Loads `url` and waits for the document to load.
    pub async fn navigate(&self, url: &str) -> Result<()> {
        self.client()
            .goto(url)
            .await
            .map_err(|error| Error::of("navigate", error))
    }

    pub async fn current_url(&self) -> Result<String> {
        self.client()
            .current_url()
            .await
            .map(|url| url.to_string())
            .map_err(|error| Error::of("current url", error))
    }

    /// The first element matching `css`, or None.
    pub async fn find(&self, css: &str) -> Result<Option<Element>> {
        match self.client().find(Locator::Css(css)).await {
            Ok(found) => Ok(Some(Element(found))),
            Err(error) if error.is_no_such_element() => Ok(None),
            Err(error) => Err(Error::of("find element", error)),
        }
    }

    /// Every element matching `css`, in document order.
    pub async fn find_all(&self, css: &str) -> Result<Vec<Element>> {
        let found = self
            .client()
            .find_all(Locator::Css(css))
            .await
            .map_err(|error| Error::of("find elements", error))?;
        Ok(found.into_iter().map(Element).collect())
    }

    pub async fn click(&self, element: &Element) -> Result<()> {
        element
            .0
            .click()
            .await
            .map_err(|error| Error::of("click", error))
    }

    /// Types `text` into the element; for `input[type=file]`, `text` is the
    /// absolute path of the file to choose.
    pub async fn send_keys(&self, element: &Element, text: &str) -> Result<()> {
        element
            .0
            .send_keys(text)
            .await
            .map_err(|error| Error::of("send keys", error))
    }

    pub async fn clear(&self, element: &Element) -> Result<()> {
        element
            .0
            .clear()
            .await
            .map_err(|error| Error::of("clear", error))
    }

    /// The element's rendered text.
    pub async fn text(&self, element: &Element) -> Result<String> {
        element
            .0
            .text()
            .await
            .map_err(|error| Error::of("element text", error))
    }

    /// The element's attribute as written in the page, if it has one.
    pub async fn attribute(&self, element: &Element, name: &str) -> Result<Option<String>> {
        element
            .0
            .attr(name)
            .await
            .map_err(|error| Error::of("element attribute", error))
    }

    /// The element's DOM property (e.g. an input's current `value`), as the
    /// page holds it (a boolean stays a boolean).
    pub async fn property(&self, element: &Element, name: &str) -> Result<Value> {
        self.execute_with(
            "return arguments[0][arguments[1]];",
            &[element],
            &[json!(name)],
        )
        .await
        .map_err(|error| Error {
            command: "element property".to_owned(),
            ..error
        })
    }

    pub async fn page_source(&self) -> Result<String> {
        self.client()
            .source()
            .await
            .map_err(|error| Error::of("page source", error))
    }

    /// A PNG of the viewport.
    pub async fn screenshot(&self) -> Result<Vec<u8>> {
        self.client()
            .screenshot()
            .await
            .map_err(|error| Error::of("screenshot", error))
    }

    async fn devtools(&self, name: &str, method: &'static str, params: Value) -> Result<Value> {
        self.client()
            .issue_cmd(DevTools { method, params })
            .await
            .map_err(|error| Error::of(name, error))
    }

    /// A PNG of the whole page, beyond the viewport (W3C screenshots stop
    /// at the window).
    pub async fn full_page_screenshot(&self) -> Result<Vec<u8>> {
        let metrics = self
            .devtools("page size", "Page.getLayoutMetrics", json!({}))
            .await?;
        let size = &metrics["cssContentSize"];
        let (width, height) = (
            size["width"].as_f64().unwrap_or(1280.0),
            size["height"].as_f64().unwrap_or(1600.0),
        );
        let shot = self
            .devtools(
                "full-page screenshot",
                "Page.captureScreenshot",
                json!({
                    "format": "png",
                    "captureBeyondViewport": true,
                    "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
                }),
            )
            .await?;
        STANDARD
            .decode(shot["data"].as_str().unwrap_or_default())
            .map_err(|error| Error::transport("full-page screenshot", error))
    }

    /// Runs `script` in the page (a function body; `arguments[i]` are the
    /// arguments, elements passed as such) and answers what it returns.
    pub async fn execute(&self, script: &str, elements: &[&Element]) -> Result<Value> {
        self.execute_with(script, elements, &[]).await
    }

    /// [`WebDriver::execute`] with `values` as the arguments after the
    /// elements.
    async fn execute_with(
        &self,
        script: &str,
        elements: &[&Element],
        values: &[Value],
    ) -> Result<Value> {
        let mut args = Vec::with_capacity(elements.len() + values.len());
        for element in elements {
            args.push(
                serde_json::to_value(&element.0)
                    .map_err(|error| Error::transport("execute script", error))?,
            );
        }
        args.extend(values.iter().cloned());
        self.client()
            .execute(script, args)
            .await
            .map_err(|error| Error::of("execute script", error))
    }

    /// Ends the session (the browser quits) and chromedriver.
    pub async fn quit(mut self) -> Result<()> {
        let ended = match self.client.take() {
            Some(client) => client
                .close()
                .await
                .map_err(|error| Error::of("delete session", error)),
            None => Ok(()),
        };
        self.stop_driver();
        ended
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
