//! What a test does with the browser: open portal paths, wait for what a
//! page should show, fill and submit forms, and keep a screenshot of every
//! significant step. A step that cannot be done fails the test with the
//! selector, the page's URL and the paths of a screenshot and the page's
//! source taken at that moment.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use serde_json::Value;

use crate::accessibility;
use crate::support::Stack;
use crate::webdriver::{self, Element, WebDriver};

/// How long a page may take to show what a step waits for.
const PATIENCE: Duration = Duration::from_secs(10);
const POLL: Duration = Duration::from_millis(100);

/// Where screenshots go: `$LAISSEZ_TEST_ARTIFACTS`, else
/// `<cargo target dir>/test-artifacts/browser` (the test binary runs from
/// `<target>/<profile>/deps/`).
pub fn artifacts_root() -> PathBuf {
    if let Some(dir) = std::env::var_os("LAISSEZ_TEST_ARTIFACTS").filter(|dir| !dir.is_empty()) {
        return PathBuf::from(dir);
    }
    let exe = std::env::current_exe().expect("the test binary's path");
    let target = exe
        .ancestors()
        .nth(3)
        .expect("the test binary lives under <target>/<profile>/deps");
    target.join("test-artifacts").join("browser")
}

/// Fails (never skips) when Chromium or chromedriver is missing.
fn require_browser() {
    assert!(
        webdriver::installed(),
        "browser tests need {} and {}: run `./deploy/dev.sh deps` \
         (it installs Debian's chromium and chromium-driver)",
        webdriver::CHROMIUM,
        webdriver::CHROMEDRIVER,
    );
}

/// One test's screenshots: `<artifacts>/<test>/NN-step.png`, numbered in
/// the order they were taken by any of the test's browsers.
#[derive(Clone)]
pub struct Artifacts {
    dir: PathBuf,
    step: Arc<AtomicU32>,
}

impl Artifacts {
    /// An empty directory for `test` (an earlier run's screenshots would
    /// mix with this one's). Fails first when there is no browser to run.
    pub fn for_test(test: &str) -> Artifacts {
        require_browser();
        let dir = artifacts_root().join(test);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)
            .unwrap_or_else(|error| panic!("cannot create {}: {error}", dir.display()));
        Artifacts {
            dir,
            step: Arc::new(AtomicU32::new(0)),
        }
    }

    /// `<dir>/NN-{name}` (no extension).
    fn next(&self, name: &str) -> PathBuf {
        let step = self.step.fetch_add(1, Ordering::SeqCst) + 1;
        self.dir.join(format!("{step:02}-{name}"))
    }

    /// Says where the screenshots are (at the end of a test).
    pub fn report(&self) {
        println!("browser screenshots: {}", self.dir.display());
    }
}

/// A browser driven against one stack's gateway: one person's window.
pub struct Browser {
    driver: Option<WebDriver>,
    /// `http://127.0.0.1:{port}` of the gateway.
    origin: String,
    artifacts: Artifacts,
    /// Whose browser it is, in the names of its screenshots.
    who: &'static str,
    /// A failure's screenshot was already kept (so the drop adds none).
    failure_kept: bool,
}

impl Browser {
    /// Starts chromedriver and Chromium for `who` (e.g. "applicant").
    pub async fn start(stack: &Stack, artifacts: &Artifacts, who: &'static str) -> Browser {
        require_browser();
        let driver = WebDriver::start()
            .await
            .unwrap_or_else(|error| panic!("the browser did not start: {error}"));
        Browser {
            driver: Some(driver),
            origin: format!("http://{}", stack.addr),
            artifacts: artifacts.clone(),
            who,
            failure_kept: false,
        }
    }

    fn driver(&self) -> &WebDriver {
        self.driver.as_ref().expect("the browser is running")
    }

    /// Keeps a screenshot and the page's source of a failed step; the
    /// message to fail the test with: what could not be done, where.
    async fn failure(&mut self, what: &str) -> String {
        let url = self.driver().current_url().await.unwrap_or_default();
        let kept = self.keep_failure("failure").await;
        format!("{what}\n  on {url}\n  {kept}")
    }

    /// Keeps `NN-{who}-{label}.png` and `.html`; says where.
    async fn keep_failure(&mut self, label: &str) -> String {
        self.failure_kept = true;
        let base = self.artifacts.next(&format!("{}-{label}", self.who));
        let mut kept = Vec::new();
        let png = match self.driver().full_page_screenshot().await {
            Ok(png) => Ok(png),
            Err(_) => self.driver().screenshot().await,
        };
        if let Ok(png) = png
            && std::fs::write(base.with_extension("png"), png).is_ok()
        {
            kept.push(format!(
                "screenshot {}",
                base.with_extension("png").display()
            ));
        }
        if let Ok(source) = self.driver().page_source().await
            && std::fs::write(base.with_extension("html"), source).is_ok()
        {
            kept.push(format!("source {}", base.with_extension("html").display()));
        }
        if kept.is_empty() {
            "no screenshot could be taken".to_owned()
        } else {
            kept.join(", ")
        }
    }

    /// Unwraps a WebDriver answer, or fails the test saying what was tried.
    async fn check<T>(&mut self, result: webdriver::Result<T>, what: &str) -> T {
        match result {
            Ok(value) => value,
            Err(error) => panic!("{}", self.failure(&format!("{what}: {error}")).await),
        }
    }

    /// Saves a screenshot of the whole page as `NN-{who}-{name}.png`.
    pub async fn snapshot(&mut self, name: &str) {
        let path = self
            .artifacts
            .next(&format!("{}-{name}", self.who))
            .with_extension("png");
        let png = match self.driver().full_page_screenshot().await {
            Ok(png) => Ok(png),
            Err(_) => self.driver().screenshot().await,
        };
        let png = self.check(png, &format!("screenshot {name}")).await;
        std::fs::write(&path, png)
            .unwrap_or_else(|error| panic!("cannot write {}: {error}", path.display()));
    }

    /// Opens a path of the gateway (`/portal/…`) and checks the page's
    /// accessibility.
    pub async fn open(&mut self, path: &str) {
        self.navigate(path).await;
        self.audit().await;
    }

    async fn navigate(&mut self, path: &str) {
        let url = format!("{}{path}", self.origin);
        let loaded = self.driver().navigate(&url).await;
        self.check(loaded, &format!("cannot open {url}")).await;
    }

    /// The current page's path and query (without the origin).
    pub async fn path(&mut self) -> String {
        let url = self.driver().current_url().await;
        let url = self.check(url, "the current URL").await;
        url.strip_prefix(&self.origin).unwrap_or(&url).to_owned()
    }

    /// The first element matching `css` once the page shows it (up to ten
    /// seconds).
    pub async fn wait_for(&mut self, css: &str) -> Element {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let found = self.driver().find(css).await;
            match self.check(found, &format!("looking for `{css}`")).await {
                Some(element) => return element,
                None if tokio::time::Instant::now() < deadline => {
                    tokio::time::sleep(POLL).await;
                }
                None => {
                    panic!(
                        "{}",
                        self.failure(&format!("no `{css}` after {}s", PATIENCE.as_secs()))
                            .await
                    )
                }
            }
        }
    }

    /// Opens `path` again and again until the page has an element matching
    /// `css` whose text contains `text`: for what arrives through events
    /// (a queue, a decision), up to `patience`. Answers that text.
    pub async fn open_until(
        &mut self,
        path: &str,
        css: &str,
        text: &str,
        patience: Duration,
    ) -> String {
        let deadline = tokio::time::Instant::now() + patience;
        loop {
            self.navigate(path).await;
            for element in self.elements(css).await {
                if let Ok(shown) = self.driver().text(&element).await
                    && shown.contains(text)
                {
                    self.audit().await;
                    return shown;
                }
            }
            if tokio::time::Instant::now() > deadline {
                let what = format!(
                    "no `{css}` containing {text:?} after {}s",
                    patience.as_secs()
                );
                panic!("{}", self.failure(&what).await);
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    async fn elements(&mut self, css: &str) -> Vec<Element> {
        let found = self.driver().find_all(css).await;
        self.check(found, &format!("looking for every `{css}`"))
            .await
    }

    /// The rendered text of every element matching `css`.
    pub async fn texts(&mut self, css: &str) -> Vec<String> {
        let mut texts = Vec::new();
        for element in self.elements(css).await {
            let text = self.driver().text(&element).await;
            texts.push(self.check(text, &format!("the text of `{css}`")).await);
        }
        texts
    }

    /// Whether the page has an element matching `css` now.
    pub async fn has(&mut self, css: &str) -> bool {
        let found = self.driver().find(css).await;
        self.check(found, &format!("looking for `{css}`"))
            .await
            .is_some()
    }

    pub async fn count(&mut self, css: &str) -> usize {
        self.elements(css).await.len()
    }

    /// The rendered text of the first element matching `css`.
    pub async fn text(&mut self, css: &str) -> String {
        let element = self.wait_for(css).await;
        let text = self.driver().text(&element).await;
        self.check(text, &format!("the text of `{css}`")).await
    }

    /// An attribute of the first element matching `css`.
    pub async fn attribute(&mut self, css: &str, name: &str) -> Option<String> {
        let element = self.wait_for(css).await;
        let value = self.driver().attribute(&element, name).await;
        self.check(value, &format!("attribute {name} of `{css}`"))
            .await
    }

    /// The current `value` of a form control.
    pub async fn value(&mut self, css: &str) -> String {
        let element = self.wait_for(css).await;
        let value = self.driver().property(&element, "value").await;
        match self.check(value, &format!("the value of `{css}`")).await {
            Value::String(value) => value,
            other => other.to_string(),
        }
    }

    /// Clicks the element (a checkbox, a radio, a button that stays).
    pub async fn click(&mut self, css: &str) {
        let element = self.wait_for(css).await;
        let clicked = self.driver().click(&element).await;
        self.check(clicked, &format!("cannot click `{css}`")).await;
    }

    /// Clicks a link or a submit button and waits until the browser has
    /// left the page and loaded the next one.
    pub async fn click_to_next_page(&mut self, css: &str) {
        let old = self.wait_for("html").await;
        self.click(css).await;
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            match self.driver().property(&old, "isConnected").await {
                Err(error) if error.is_stale() => break,
                Ok(Value::Bool(false)) => break,
                Ok(_) | Err(_) if tokio::time::Instant::now() < deadline => {
                    tokio::time::sleep(POLL).await;
                }
                _ => {
                    panic!(
                        "{}",
                        self.failure(&format!(
                            "clicking `{css}` led to no new page after {}s",
                            PATIENCE.as_secs()
                        ))
                        .await
                    )
                }
            }
        }
        self.wait_until_loaded().await;
        self.audit().await;
    }

    /// Runs the accessibility check on the page shown now: a serious or
    /// critical violation fails the test; any violation's report is kept
    /// as `NN-{who}-accessibility.json` beside the screenshots.
    pub async fn audit(&mut self) {
        let audited = accessibility::audit(self.driver()).await;
        let (violations, report) = self.check(audited, "the accessibility check").await;
        if violations.is_empty() {
            return;
        }
        let path = self
            .artifacts
            .next(&format!("{}-accessibility", self.who))
            .with_extension("json");
        let pretty = serde_json::to_string_pretty(&report).unwrap_or_default();
        std::fs::write(&path, pretty)
            .unwrap_or_else(|error| panic!("cannot write {}: {error}", path.display()));
        let failing: Vec<String> = violations
            .iter()
            .filter(|violation| violation.fails())
            .map(ToString::to_string)
            .collect();
        if !failing.is_empty() {
            let what = format!(
                "the page breaks WCAG 2.2 AA ({}):\n  {}",
                path.display(),
                failing.join("\n  ")
            );
            panic!("{}", self.failure(&what).await);
        }
    }

    async fn wait_until_loaded(&mut self) {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let state = self
                .driver()
                .execute("return document.readyState;", &[])
                .await;
            if let Ok(Value::String(state)) = &state
                && state == "complete"
            {
                return;
            }
            if tokio::time::Instant::now() > deadline {
                panic!("{}", self.failure("the page never finished loading").await);
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Replaces the text of an input or textarea.
    pub async fn fill(&mut self, css: &str, text: &str) {
        let element = self.wait_for(css).await;
        let cleared = self.driver().clear(&element).await;
        self.check(cleared, &format!("cannot clear `{css}`")).await;
        let typed = self.driver().send_keys(&element, text).await;
        self.check(typed, &format!("cannot type into `{css}`"))
            .await;
    }

    /// Sets a control's value directly. Date inputs need it: typed keys
    /// go through the browser's locale-specific date editor.
    pub async fn set_value(&mut self, css: &str, value: &str) {
        let element = self.wait_for(css).await;
        let script = format!(
            "arguments[0].value = {}; \
             arguments[0].dispatchEvent(new Event('input', {{bubbles: true}})); \
             arguments[0].dispatchEvent(new Event('change', {{bubbles: true}})); \
             return arguments[0].value;",
            Value::String(value.to_owned())
        );
        let set = self.driver().execute(&script, &[&element]).await;
        let now = self.check(set, &format!("cannot set `{css}`")).await;
        if now != value {
            panic!(
                "{}",
                self.failure(&format!("`{css}` took {now} instead of {value}"))
                    .await
            );
        }
    }

    /// Chooses the option with `value` of a select.
    pub async fn select(&mut self, css: &str, value: &str) {
        self.click(&format!("{css} option[value=\"{value}\"]"))
            .await;
    }

    /// Chooses `file` (an absolute path) in a file input.
    pub async fn choose_file(&mut self, css: &str, file: &Path) {
        assert!(file.is_absolute(), "{} is not absolute", file.display());
        let element = self.wait_for(css).await;
        let chosen = self
            .driver()
            .send_keys(&element, &file.display().to_string())
            .await;
        self.check(
            chosen,
            &format!("cannot choose {} in `{css}`", file.display()),
        )
        .await;
    }

    /// Ends the browser.
    pub async fn finish(mut self) {
        if let Some(driver) = self.driver.take()
            && let Err(error) = driver.quit().await
        {
            eprintln!("the {} browser did not quit cleanly: {error}", self.who);
        }
    }
}

impl Drop for Browser {
    /// A test that failed still leaves a screenshot of where it stopped
    /// (when an assertion, not a step of this harness, failed), and the
    /// browser is asked to quit: chromedriver then ends and collects its
    /// browser processes, which killing it alone would leave behind.
    fn drop(&mut self) {
        if self.driver.is_none() {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        // Without worker threads the drop cannot wait; WebDriver's own drop
        // still ends chromedriver's process group.
        if runtime.runtime_flavor() != tokio::runtime::RuntimeFlavor::MultiThread {
            return;
        }
        if std::thread::panicking() && !self.failure_kept {
            let kept = tokio::task::block_in_place(|| {
                runtime.block_on(self.keep_failure("when-the-test-failed"))
            });
            eprintln!("the page when the test failed: {kept}");
            eprintln!("browser screenshots: {}", self.artifacts.dir.display());
        }
        if let Some(driver) = self.driver.take() {
            let _ = tokio::task::block_in_place(|| runtime.block_on(driver.quit()));
        }
    }
}
