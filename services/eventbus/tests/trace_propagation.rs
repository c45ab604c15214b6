//! The consumer's span continues the trace of the transaction that enqueued
//! the event (W3C trace context through the outbox row and AMQP headers).
//! A test binary of its own: it installs a global tracing subscriber.

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use laissez_eventbus::{Consumer, Handler, HandlerError, Outbox, Relay};
use laissez_proto::events::v1::Envelope;
use opentelemetry::trace::{TraceContextExt, TraceId, TracerProvider};
use sqlx::PgConnection;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::layer::SubscriberExt;

use support::{TestBed, eventually, probe};

struct RecordTraceId(Arc<Mutex<Vec<TraceId>>>);

#[async_trait::async_trait]
impl Handler for RecordTraceId {
    async fn handle(&self, _: &Envelope, _: &mut PgConnection) -> Result<(), HandlerError> {
        let trace_id = tracing::Span::current()
            .context()
            .span()
            .span_context()
            .trace_id();
        if let Ok(mut seen) = self.0.lock() {
            seen.push(trace_id);
        }
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consumer_span_continues_the_producer_trace() {
    let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder().build();
    let subscriber = tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("eventbus-test")));
    tracing::subscriber::set_global_default(subscriber).expect("install the subscriber");

    let bed = TestBed::new().await;
    let shutdown = CancellationToken::new();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let consumer = Consumer::builder("traced", ["platform.probe.emitted"])
        .handler(RecordTraceId(Arc::clone(&seen)))
        .spawn(bed.pool.clone(), bed.config.clone(), shutdown.clone())
        .expect("spawn the consumer");
    assert!(
        eventually(Duration::from_secs(10), || async {
            consumer.is_connected()
        })
        .await
    );
    let relay = Relay::spawn(bed.pool.clone(), bed.config.clone(), shutdown.clone());

    let request_span = tracing::info_span!("submit_case");
    let producer_trace_id = request_span.context().span().span_context().trace_id();
    assert_ne!(producer_trace_id, TraceId::INVALID);
    async {
        let mut transaction = bed.pool.begin().await.expect("begin");
        Outbox::enqueue(
            &mut transaction,
            "agency-a",
            "probe",
            "p-1",
            &probe("traced", 1),
        )
        .await
        .expect("enqueue");
        transaction.commit().await.expect("commit");
    }
    .instrument(request_span)
    .await;

    assert!(
        eventually(Duration::from_secs(10), || async {
            seen.lock().map(|seen| !seen.is_empty()).unwrap_or(false)
        })
        .await
    );
    let consumer_trace_id = seen.lock().map(|seen| seen[0]).expect("trace id");
    assert_eq!(consumer_trace_id, producer_trace_id);

    let traceparent: String = sqlx::query_scalar("SELECT traceparent FROM outbox")
        .fetch_one(&bed.pool)
        .await
        .expect("read the outbox");
    assert!(
        traceparent.contains(&producer_trace_id.to_string()),
        "{traceparent}"
    );

    shutdown.cancel();
    relay.join().await;
    consumer.join().await;
    bed.cleanup(&["traced"]).await;
}
