//! Intake started in-process for tests and benchmarks (feature `testing`):
//! its own database, its own exchange and its own blob folder, the demo
//! agencies published, tokens signed by test keys.

use std::net::SocketAddr;
use std::path::PathBuf;

use laissez_kit::auth::testing::TestKeys;
use laissez_kit::config::ConnectionUrl;
use laissez_kit::db::TestDatabase;
use tokio_util::sync::CancellationToken;

use crate::config::Config;
use crate::startup::Application;

pub struct TestIntake {
    pub grpc_addr: SocketAddr,
    pub keys: TestKeys,
    pub database: TestDatabase,
    pub blobs: tempfile::TempDir,
    events: laissez_eventbus::EventBusConfig,
    shutdown: CancellationToken,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl TestIntake {
    /// Starts intake on port 0 against a fresh database named after `name`,
    /// with a pool of `max_connections`.
    pub async fn start(name: &str, max_connections: u32) -> anyhow::Result<Self> {
        Self::start_with(name, max_connections, TestKeys::new(), |_| {}).await
    }

    /// As [`TestIntake::start`], verifying tokens signed by `keys` (shared
    /// with another in-process service), with `tweak` applied to the
    /// configuration last (e.g. to share an event exchange).
    pub async fn start_with(
        name: &str,
        max_connections: u32,
        keys: TestKeys,
        tweak: impl FnOnce(&mut Config),
    ) -> anyhow::Result<Self> {
        let database = TestDatabase::create(&format!("laissez_intake_{name}")).await?;
        let blobs = tempfile::tempdir()?;
        let mut config = Config::default();
        config.common.grpc.listen = SocketAddr::from(([127, 0, 0, 1], 0));
        config.common.admin.listen = SocketAddr::from(([127, 0, 0, 1], 0));
        config.common.database.url = ConnectionUrl::new(database.url.clone());
        config.common.database.max_connections = max_connections;
        config.common.blob.root = blobs.path().to_path_buf();
        config.events.exchange = format!("test.intake.{}", uuid::Uuid::new_v4().simple());
        config.catalog.dir = demo_agencies();
        tweak(&mut config);
        let events = config.events.clone();
        let shutdown = CancellationToken::new();
        let application =
            Application::build_with_keys(config, shutdown.clone(), Some(keys.keys.clone())).await?;
        let grpc_addr = application.grpc_addr();
        let task = tokio::spawn(application.run_until_stopped());
        Ok(Self {
            grpc_addr,
            keys,
            database,
            blobs,
            events,
            shutdown,
            task,
        })
    }

    /// Stops the service, drops its database and removes its consumer's
    /// queues and its exchanges from the broker (best effort: an exchange
    /// shared with another test service may already be gone).
    pub async fn stop(self) -> anyhow::Result<()> {
        self.shutdown.cancel();
        self.task.await??;
        self.database.drop_database().await;
        let _ = laissez_eventbus::topology::remove(
            &self.events,
            &[
                crate::events::decisions::CONSUMER,
                crate::events::payments::CONSUMER,
            ],
        )
        .await;
        Ok(())
    }
}

/// The demo agencies shipped in `deploy/agencies`.
pub fn demo_agencies() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../deploy/agencies")
}

/// A PNG that passes every catalog's photo rules at any size: a plain white
/// background, a face-coloured oval and shoulders, in colour. Tests and
/// benchmarks upload it as a photo (and, being an image, as any scan).
pub fn portrait_png(width: u32, height: u32) -> Vec<u8> {
    let (w, h) = (f64::from(width.max(1)), f64::from(height.max(1)));
    let image = image::RgbImage::from_fn(width, height, |x, y| {
        let dx = (f64::from(x) - w / 2.0) / (w * 0.27);
        let dy = (f64::from(y) - h * 0.42) / (h * 0.28);
        if dx * dx + dy * dy <= 1.0 || f64::from(y) > h * 0.85 {
            image::Rgb([224, 172, 140])
        } else {
            image::Rgb([248, 248, 246])
        }
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image
        .write_to(&mut out, image::ImageFormat::Png)
        .expect("a PNG in memory");
    out.into_inner()
}
