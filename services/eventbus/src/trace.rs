//! W3C trace context: captured when an event is enqueued, carried in the
//! envelope and in AMQP headers, restored as the parent of the consumer span.

use std::collections::HashMap;

use lapin::types::{AMQPValue, FieldTable, LongString, ShortString};
use opentelemetry::propagation::{Extractor, Injector, TextMapPropagator};
use opentelemetry::trace::TraceContextExt;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use tracing_opentelemetry::OpenTelemetrySpanExt;

pub(crate) const TRACEPARENT: &str = "traceparent";
pub(crate) const TRACESTATE: &str = "tracestate";

/// W3C trace context of a span, as the two header values.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TraceContext {
    pub traceparent: String,
    pub tracestate: String,
}

impl TraceContext {
    /// The context of the current `tracing` span (empty when no
    /// OpenTelemetry layer is installed or no span is sampled).
    pub fn current() -> Self {
        let mut context = tracing::Span::current().context();
        if !context.span().span_context().is_valid() {
            context = opentelemetry::Context::current();
        }
        // The propagator is used directly rather than the global one so the
        // context travels even when a service did not register a global
        // propagator.
        let mut carrier = HashMap::new();
        TraceContextPropagator::new().inject_context(&context, &mut carrier);
        Self {
            traceparent: carrier.remove(TRACEPARENT).unwrap_or_default(),
            tracestate: carrier.remove(TRACESTATE).unwrap_or_default(),
        }
    }

    /// Adds the context to AMQP headers (nothing when empty).
    pub(crate) fn inject_into(&self, headers: &mut FieldTable) {
        let mut injector = HeaderInjector(headers);
        if !self.traceparent.is_empty() {
            injector.set(TRACEPARENT, self.traceparent.clone());
        }
        if !self.tracestate.is_empty() {
            injector.set(TRACESTATE, self.tracestate.clone());
        }
    }

    /// The OpenTelemetry context these values describe.
    pub(crate) fn to_otel_context(&self) -> opentelemetry::Context {
        let mut carrier = HashMap::new();
        if !self.traceparent.is_empty() {
            carrier.insert(TRACEPARENT.to_owned(), self.traceparent.clone());
        }
        if !self.tracestate.is_empty() {
            carrier.insert(TRACESTATE.to_owned(), self.tracestate.clone());
        }
        TraceContextPropagator::new().extract(&carrier)
    }
}

/// The parent context from AMQP headers; `fallback` (the envelope's own
/// fields) when the headers carry none, e.g. a message republished by hand.
pub(crate) fn parent_from_headers(
    headers: Option<&FieldTable>,
    fallback: &TraceContext,
) -> opentelemetry::Context {
    if let Some(headers) = headers {
        let context = TraceContextPropagator::new().extract(&HeaderExtractor(headers));
        if context.span().span_context().is_valid() {
            return context;
        }
    }
    fallback.to_otel_context()
}

/// Makes `span` a child of `parent` when `parent` carries a valid context.
pub(crate) fn set_span_parent(span: &tracing::Span, parent: opentelemetry::Context) {
    if parent.span().span_context().is_valid() {
        // An error only means no OpenTelemetry layer is installed.
        let _ = span.set_parent(parent);
    }
}

struct HeaderInjector<'a>(&'a mut FieldTable);

impl Injector for HeaderInjector<'_> {
    fn set(&mut self, key: &str, value: String) {
        self.0.insert(
            ShortString::from(key),
            AMQPValue::LongString(LongString::from(value)),
        );
    }
}

struct HeaderExtractor<'a>(&'a FieldTable);

impl Extractor for HeaderExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        match self.0.inner().get(key)? {
            AMQPValue::LongString(value) => std::str::from_utf8(value.as_bytes()).ok(),
            AMQPValue::ShortString(value) => Some(value.as_str()),
            _ => None,
        }
    }

    fn keys(&self) -> Vec<&str> {
        self.0.inner().keys().map(ShortString::as_str).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_round_trip() {
        let context = TraceContext {
            traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".to_owned(),
            tracestate: "vendor=value".to_owned(),
        };
        let mut headers = FieldTable::default();
        context.inject_into(&mut headers);
        let parent = parent_from_headers(Some(&headers), &TraceContext::default());
        let span_context = parent.span().span_context().clone();
        assert!(span_context.is_valid());
        assert_eq!(
            span_context.trace_id().to_string(),
            "4bf92f3577b34da6a3ce929d0e0e4736"
        );
        assert_eq!(span_context.trace_state().header(), "vendor=value");
    }
}
