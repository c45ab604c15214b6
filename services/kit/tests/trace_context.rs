//! W3C trace context crosses gRPC: a server span becomes the child of the
//! caller's `traceparent`, and outgoing calls carry the current span's
//! context. One test per binary: it installs the global subscriber.

mod support;

use laissez_kit::Role;
use laissez_kit::auth::testing::TestKeys;
use laissez_proto::notify::v1::GetUnreadCountRequest;
use opentelemetry::trace::{SpanId, TraceId, TracerProvider as _};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider};
use support::{AGENCY, client, start, with_token};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

#[tokio::test]
async fn trace_context_crosses_grpc_both_ways() {
    let exporter = InMemorySpanExporter::default();
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(exporter.clone())
        .build();
    tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("kit-test")))
        .init();
    opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());

    let keys = TestKeys::new();
    let running = start(&keys, vec![]).await;
    let mut client = client(running.grpc).await;
    let token = keys.token("acct-1", AGENCY, "portal", &[Role::Applicant]);

    let mut request = with_token(GetUnreadCountRequest {}, &token);
    request.metadata_mut().insert(
        "traceparent",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
            .parse()
            .unwrap(),
    );
    client.get_unread_count(request).await.unwrap();

    running.shutdown.cancel();
    running.task.await.unwrap().unwrap();
    provider.force_flush().unwrap();
    let spans = exporter.get_finished_spans().unwrap();
    let server_span = spans
        .iter()
        .find(|span| span.name == "/laissez.notify.v1.NotifyService/GetUnreadCount")
        .expect("the RPC produced a span");
    assert_eq!(
        server_span.span_context.trace_id(),
        TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736").unwrap()
    );
    assert_eq!(
        server_span.parent_span_id,
        SpanId::from_hex("00f067aa0ba902b7").unwrap()
    );

    // Outgoing: the current span's context is written into the metadata.
    let span = tracing::info_span!("outgoing-call");
    let mut metadata = tonic::metadata::MetadataMap::new();
    {
        let _entered = span.enter();
        laissez_kit::telemetry::inject_into_metadata(&mut metadata);
    }
    let traceparent = metadata
        .get("traceparent")
        .expect("traceparent injected")
        .to_str()
        .unwrap();
    assert!(traceparent.starts_with("00-"), "{traceparent}");
    assert_eq!(traceparent.len(), 55, "{traceparent}");
}
