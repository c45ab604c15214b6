//! Logs, traces and the W3C trace context.
//!
//! Logs are human-readable locally and JSON in production. When an OTLP
//! endpoint is configured, spans are exported over OTLP/gRPC. The
//! `traceparent`/`tracestate` of a call travel in gRPC metadata (see
//! [`inject_into_metadata`] and the server's span factory) and in AMQP headers
//! (the event bus uses the same global propagator).

use opentelemetry::propagation::{Extractor, Injector, TextMapPropagator};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

use crate::config::{LogFormat, TelemetryConfig};

/// Keeps the tracer provider alive; flushes pending spans when dropped.
pub struct TelemetryGuard {
    provider: Option<SdkTracerProvider>,
}

impl Drop for TelemetryGuard {
    fn drop(&mut self) {
        if let Some(provider) = self.provider.take()
            && let Err(error) = provider.shutdown()
        {
            eprintln!("telemetry: flushing spans failed: {error}");
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("telemetry: OTLP exporter: {0}")]
    Exporter(String),
    #[error("telemetry: a global subscriber is already installed")]
    AlreadyInstalled,
}

/// Installs the global subscriber and propagator. Call once, first thing in `main`.
pub fn init(service: &'static str, config: &TelemetryConfig) -> Result<TelemetryGuard, Error> {
    opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&config.filter))
        .unwrap_or_else(|_| EnvFilter::new("info"));

    let provider = match &config.otlp_endpoint {
        Some(endpoint) if !endpoint.is_empty() => Some(otlp_provider(service, endpoint, config)?),
        _ => None,
    };
    let otel_layer = provider.as_ref().map(|provider| {
        let tracer = provider.tracer(service);
        opentelemetry::global::set_tracer_provider(provider.clone());
        tracing_opentelemetry::layer().with_tracer(tracer)
    });

    let fmt_layer = match config.format {
        LogFormat::Json => tracing_subscriber::fmt::layer()
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .boxed(),
        LogFormat::Pretty => tracing_subscriber::fmt::layer()
            .compact()
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
            .boxed(),
    };

    tracing_subscriber::registry()
        .with(filter)
        .with(otel_layer)
        .with(fmt_layer)
        .try_init()
        .map_err(|_| Error::AlreadyInstalled)?;
    Ok(TelemetryGuard { provider })
}

fn otlp_provider(
    service: &'static str,
    endpoint: &str,
    config: &TelemetryConfig,
) -> Result<SdkTracerProvider, Error> {
    use opentelemetry_otlp::WithExportConfig;
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_tonic()
        .with_endpoint(endpoint)
        .build()
        .map_err(|error| Error::Exporter(error.to_string()))?;
    Ok(SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(resource(service, config))
        .with_sampler(sampler(config.sample_ratio))
        .build())
}

/// What every span of this process says about where it comes from.
fn resource(service: &'static str, config: &TelemetryConfig) -> opentelemetry_sdk::Resource {
    use opentelemetry::KeyValue;
    let mut attributes = vec![KeyValue::new("service.version", env!("CARGO_PKG_VERSION"))];
    if let Some(deployment) = config.deployment.as_deref().filter(|name| !name.is_empty()) {
        attributes.push(KeyValue::new(
            "deployment.environment.name",
            deployment.to_owned(),
        ));
    }
    if let Some(agency) = config.agency.as_deref().filter(|agency| !agency.is_empty()) {
        attributes.push(KeyValue::new("laissez.agency", agency.to_owned()));
    }
    opentelemetry_sdk::Resource::builder()
        .with_service_name(service)
        .with_attributes(attributes)
        .build()
}

/// Parent-based: a call inside a sampled trace is sampled; new traces are
/// sampled at `ratio`.
fn sampler(ratio: f64) -> opentelemetry_sdk::trace::Sampler {
    use opentelemetry_sdk::trace::Sampler;
    let root = if ratio >= 1.0 {
        Sampler::AlwaysOn
    } else {
        Sampler::TraceIdRatioBased(ratio.max(0.0))
    };
    Sampler::ParentBased(Box::new(root))
}

/// Adapts gRPC / HTTP headers to the OpenTelemetry propagator.
pub struct HeaderCarrier<'a>(pub &'a http::HeaderMap);

impl Extractor for HeaderCarrier<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|value| value.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(http::HeaderName::as_str).collect()
    }
}

pub struct HeaderInjector<'a>(pub &'a mut http::HeaderMap);

impl Injector for HeaderInjector<'_> {
    fn set(&mut self, key: &str, value: String) {
        if let (Ok(name), Ok(value)) = (
            http::HeaderName::from_bytes(key.as_bytes()),
            http::HeaderValue::from_str(&value),
        ) {
            self.0.insert(name, value);
        }
    }
}

/// Makes `span` a child of the trace context found in `headers`, if any.
pub fn set_parent_from_headers(span: &tracing::Span, headers: &http::HeaderMap) {
    let context = TraceContextPropagator::new().extract(&HeaderCarrier(headers));
    // A span without an OpenTelemetry layer has nothing to parent; that is fine.
    let _ = span.set_parent(context);
}

/// Writes the current span's trace context into outgoing gRPC metadata.
pub fn inject_into_metadata(metadata: &mut tonic::metadata::MetadataMap) {
    let context = tracing::Span::current().context();
    let mut headers = http::HeaderMap::new();
    TraceContextPropagator::new().inject_context(&context, &mut HeaderInjector(&mut headers));
    for (name, value) in &headers {
        if let (Ok(key), Ok(value)) = (
            tonic::metadata::MetadataKey::from_bytes(name.as_str().as_bytes()),
            tonic::metadata::MetadataValue::try_from(value.as_bytes()),
        ) {
            metadata.insert(key, value);
        }
    }
}

/// The trace id of the current span, for log correlation in error replies.
pub fn current_trace_id() -> Option<String> {
    use opentelemetry::trace::TraceContextExt;
    let context = tracing::Span::current().context();
    let span_context = context.span().span_context().clone();
    span_context
        .is_valid()
        .then(|| span_context.trace_id().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry::{Key, Value};

    #[test]
    fn spans_say_which_service_version_deployment_and_agency() {
        let mut config = crate::config::CommonConfig::for_service("intake", 50062, 9062).telemetry;
        config.deployment = Some("staging".to_owned());
        config.agency = Some("tw-nia".to_owned());
        let resource = resource("intake", &config);
        let value = |key: &'static str| resource.get(&Key::from_static_str(key));
        assert_eq!(value("service.name"), Some(Value::from("intake")));
        assert_eq!(
            value("service.version"),
            Some(Value::from(env!("CARGO_PKG_VERSION")))
        );
        assert_eq!(
            value("deployment.environment.name"),
            Some(Value::from("staging"))
        );
        assert_eq!(value("laissez.agency"), Some(Value::from("tw-nia")));
    }
}
