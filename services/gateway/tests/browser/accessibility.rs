//! The accessibility check run on every page a browser test visits:
//! axe-core (from the npm registry, installed by `./deploy/dev.sh deps`)
//! injected through WebDriver, with the WCAG 2.0, 2.1 and 2.2 A and AA
//! rules. A serious or critical violation fails the test; the others are
//! written beside the screenshots.

use std::path::PathBuf;
use std::sync::OnceLock;

use serde_json::Value;

use crate::webdriver::{self, WebDriver};

/// The rule tags run: WCAG 2.2 level AA and everything below it.
const TAGS: &[&str] = &[
    "wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa",
];

/// The impacts that fail a test.
const FAILING: &[&str] = &["serious", "critical"];

/// `$LAISSEZ_AXE_CORE`, else where `./deploy/dev.sh deps` installs it.
fn script_path() -> PathBuf {
    if let Some(path) = std::env::var_os("LAISSEZ_AXE_CORE").filter(|path| !path.is_empty()) {
        return PathBuf::from(path);
    }
    let home = std::env::var_os("HOME").unwrap_or_default();
    PathBuf::from(home).join(".cache/laissez-tools/axe-core/node_modules/axe-core/axe.min.js")
}

/// axe-core's source, read once. Fails (never skips) when it is missing.
fn source() -> &'static str {
    static SOURCE: OnceLock<String> = OnceLock::new();
    SOURCE.get_or_init(|| {
        let path = script_path();
        std::fs::read_to_string(&path).unwrap_or_else(|error| {
            panic!(
                "the accessibility check needs axe-core at {} ({error}): \
                 run `./deploy/dev.sh deps` or set LAISSEZ_AXE_CORE",
                path.display()
            )
        })
    })
}

/// One rule a page breaks, with the elements that break it.
#[derive(Debug)]
pub struct Violation {
    pub rule: String,
    pub impact: String,
    pub help: String,
    pub targets: Vec<String>,
}

impl Violation {
    pub fn fails(&self) -> bool {
        FAILING.contains(&self.impact.as_str())
    }

    fn from_json(value: &Value) -> Violation {
        let text = |key: &str| value[key].as_str().unwrap_or_default().to_owned();
        let targets = value["nodes"]
            .as_array()
            .map(|nodes| {
                nodes
                    .iter()
                    .map(|node| node["target"].to_string())
                    .collect()
            })
            .unwrap_or_default();
        Violation {
            rule: text("id"),
            impact: text("impact"),
            help: text("help"),
            targets,
        }
    }
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ({}): {} at {}",
            self.rule,
            self.impact,
            self.help,
            self.targets.join(", ")
        )
    }
}

/// Runs axe-core on the page the driver shows now; answers every
/// violation and axe's raw report (kept as an artifact).
pub async fn audit(driver: &WebDriver) -> webdriver::Result<(Vec<Violation>, Value)> {
    // The page may have loaded axe already (the same document audited
    // twice); injecting again would only redefine it.
    let injected = driver
        .execute(
            &format!(
                "if (!window.axe) {{ {} }} return typeof window.axe;",
                source()
            ),
            &[],
        )
        .await?;
    debug_assert_eq!(injected, Value::String("object".into()));
    let options = serde_json::json!({
        "runOnly": {"type": "tag", "values": TAGS},
        "resultTypes": ["violations"],
    });
    // WebDriver waits for a returned promise to settle.
    let report = driver
        .execute(
            &format!(
                "return window.axe.run(document, {options}).then(r => ({{url: r.url, violations: r.violations}}));"
            ),
            &[],
        )
        .await?;
    let violations = report["violations"]
        .as_array()
        .map(|all| all.iter().map(Violation::from_json).collect())
        .unwrap_or_default();
    Ok((violations, report))
}
