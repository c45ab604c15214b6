//! A consumer and a relay that stop because the service stops log no error
//! and no warning from the moment the stop begins: an operator reading the logs of a normal restart sees
//! nothing to chase. A test binary of its own: it installs a global
//! tracing subscriber (lapin logs from its own threads).

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use laissez_eventbus::{Consumer, Handler, HandlerError, Outbox, Relay};
use laissez_proto::events::v1::Envelope;
use sqlx::PgConnection;
use tokio_util::sync::CancellationToken;

use support::{TestBed, eventually, probe};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

struct Count(Arc<Mutex<u32>>);

#[async_trait::async_trait]
impl Handler for Count {
    async fn handle(&self, _: &Envelope, _: &mut PgConnection) -> Result<(), HandlerError> {
        *self.0.lock().unwrap() += 1;
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_logs_no_error_or_warning() {
    let captured = Captured::default();
    let writer = captured.clone();
    tracing::subscriber::set_global_default(
        tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .with_max_level(tracing::Level::WARN)
            .finish(),
    )
    .expect("install the subscriber");

    let bed = TestBed::new().await;
    let shutdown = CancellationToken::new();
    let handled = Arc::new(Mutex::new(0));
    let consumer = Consumer::builder("clean-stop", ["platform.probe.emitted"])
        .handler(Count(Arc::clone(&handled)))
        .spawn(bed.pool.clone(), bed.config.clone(), shutdown.clone())
        .expect("spawn the consumer");
    let relay = Relay::spawn(bed.pool.clone(), bed.config.clone(), shutdown.clone());
    assert!(
        eventually(Duration::from_secs(10), || async {
            consumer.is_connected()
        })
        .await
    );
    let mut transaction = bed.pool.begin().await.expect("begin");
    Outbox::enqueue(
        &mut transaction,
        "agency-a",
        "probe",
        "p-1",
        &probe("clean", 1),
    )
    .await
    .expect("enqueue");
    transaction.commit().await.expect("commit");
    assert!(
        eventually(Duration::from_secs(10), || async {
            *handled.lock().unwrap() == 1
        })
        .await
    );

    // What the stop logs, from here on.
    let before_stop = captured.0.lock().unwrap().len();
    shutdown.cancel();
    relay.join().await;
    consumer.join().await;
    // lapin reports from its own threads; give them a moment.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let logged = String::from_utf8(captured.0.lock().unwrap()[before_stop..].to_vec()).unwrap();
    assert!(logged.is_empty(), "a clean stop logged:\n{logged}");
    bed.cleanup(&["clean-stop"]).await;
}
