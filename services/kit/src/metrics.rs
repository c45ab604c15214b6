//! Prometheus metrics: one process-wide recorder, rendered on the admin
//! port's `/metrics`, and a tower layer that records rate, errors and latency
//! of every RPC (`grpc_server_handled_total`, `grpc_server_handling_seconds`)
//! by agency.
//!
//! The agency of a request is learnt while it is served (see [`AgencySlot`]):
//! an RPC's from the caller's verified token, or else from the
//! `x-laissez-agency` header the gateway sets once identity or intake has
//! confirmed the agency; an HTTP request's from the session or catalog the
//! gateway resolved. [`agency_label`] keeps the label's values bounded.

use std::collections::HashSet;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll};
use std::time::Instant;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

const LATENCY_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The process's Prometheus handle, installing the recorder on first use.
/// Several services in one test process share it, which is harmless: every
/// series carries the `service` label.
pub fn prometheus() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".to_owned()), LATENCY_BUCKETS)
            .unwrap_or_else(|_| PrometheusBuilder::new());
        match builder.install_recorder() {
            Ok(handle) => handle,
            // Another recorder is installed (only possible in tests that set
            // their own); keep a private one so /metrics still answers.
            Err(_) => PrometheusBuilder::new().build_recorder().handle(),
        }
    })
}

/// The metadata header that carries the agency a gateway request is for.
pub const AGENCY_HEADER: &str = "x-laissez-agency";

/// Distinct agency label values one process records; later ones are
/// `other`. Agencies are few, so this only bites on a bug or an attack.
const MAX_AGENCY_LABELS: usize = 64;

/// The label value for `agency`: `none` when unknown, `other` once
/// [`MAX_AGENCY_LABELS`] values were seen or when it is not a catalog code.
pub fn agency_label(agency: Option<&str>) -> String {
    static SEEN: OnceLock<Mutex<HashSet<String>>> = OnceLock::new();
    let Some(agency) = agency.filter(|agency| !agency.is_empty()) else {
        return "none".to_owned();
    };
    let well_formed = agency.len() <= 32
        && agency
            .bytes()
            .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'-');
    if !well_formed {
        return "other".to_owned();
    }
    let mut seen = SEEN
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if seen.contains(agency) || seen.len() < MAX_AGENCY_LABELS {
        seen.insert(agency.to_owned());
        agency.to_owned()
    } else {
        "other".to_owned()
    }
}

/// Where the agency of the request being served is written when it is
/// learnt; the first agency written stays.
#[derive(Clone, Default, Debug)]
pub struct AgencySlot(Arc<OnceLock<String>>);

impl AgencySlot {
    pub fn set(&self, agency: &str) {
        let _ = self.0.set(agency.to_owned());
    }

    pub fn get(&self) -> Option<&str> {
        self.0.get().map(String::as_str)
    }
}

tokio::task_local! {
    static CURRENT_AGENCY: AgencySlot;
}

/// Runs `future` with a fresh [`AgencySlot`] that [`note_agency`] fills;
/// returns the output and the slot.
pub async fn with_agency_slot<F: Future>(future: F) -> (F::Output, AgencySlot) {
    let slot = AgencySlot::default();
    let output = CURRENT_AGENCY.scope(slot.clone(), future).await;
    (output, slot)
}

/// Notes the agency the current request (inside [`with_agency_slot`]) is
/// for; outside one it does nothing.
pub fn note_agency(agency: &str) {
    let _ = CURRENT_AGENCY.try_with(|slot| slot.set(agency));
}

/// The agency noted for the current request, if any.
pub fn noted_agency() -> Option<String> {
    CURRENT_AGENCY
        .try_with(|slot| slot.get().map(str::to_owned))
        .ok()
        .flatten()
}

/// Records every request through it under the given service label.
#[derive(Clone)]
pub struct RpcMetricsLayer {
    service: &'static str,
}

impl RpcMetricsLayer {
    pub fn new(service: &'static str) -> Self {
        prometheus();
        Self { service }
    }
}

impl<S> tower::Layer<S> for RpcMetricsLayer {
    type Service = RpcMetrics<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RpcMetrics {
            inner,
            service: self.service,
        }
    }
}

#[derive(Clone)]
pub struct RpcMetrics<S> {
    inner: S,
    service: &'static str,
}

impl<S, B, ResBody> tower::Service<http::Request<B>> for RpcMetrics<S>
where
    S: tower::Service<http::Request<B>, Response = http::Response<ResBody>>,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: http::Request<B>) -> Self::Future {
        let method = request.uri().path().to_owned();
        let service = self.service;
        let started = Instant::now();
        // The auth layer inside fills the slot from the verified token; the
        // gateway's header is the fallback for calls made without one.
        let slot = AgencySlot::default();
        request.extensions_mut().insert(slot.clone());
        let header = request
            .headers()
            .get(AGENCY_HEADER)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        let future = self.inner.call(request);
        Box::pin(async move {
            let result = future.await;
            let code = match &result {
                // Errors are sent "trailers-only", so the status is in the
                // headers; a response without one succeeded (its status
                // travels in trailers this layer does not wait for).
                Ok(response) => response
                    .headers()
                    .get("grpc-status")
                    .and_then(|value| value.to_str().ok())
                    .and_then(|value| value.parse::<i32>().ok())
                    .map(|code| format!("{:?}", tonic::Code::from(code)))
                    .unwrap_or_else(|| "Ok".to_owned()),
                Err(_) => "Transport".to_owned(),
            };
            let elapsed = started.elapsed().as_secs_f64();
            let agency = agency_label(slot.get().or(header.as_deref()));
            metrics::counter!("grpc_server_handled_total", "service" => service, "method" => method.clone(), "code" => code, "agency" => agency.clone()).increment(1);
            metrics::histogram!("grpc_server_handling_seconds", "service" => service, "method" => method, "agency" => agency).record(elapsed);
            result
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agency_labels_are_bounded_and_well_formed() {
        assert_eq!(agency_label(None), "none");
        assert_eq!(agency_label(Some("")), "none");
        assert_eq!(agency_label(Some("tw-nia")), "tw-nia");
        assert_eq!(agency_label(Some("TW NIA")), "other");
        assert_eq!(agency_label(Some(&"a".repeat(33))), "other");
        for index in 0..(MAX_AGENCY_LABELS + 5) {
            let _ = agency_label(Some(&format!("agency-{index}")));
        }
        assert_eq!(agency_label(Some("agency-one-too-many")), "other");
        // Values seen before the bound keep their label.
        assert_eq!(agency_label(Some("tw-nia")), "tw-nia");
    }

    #[tokio::test]
    async fn a_noted_agency_is_read_back_inside_its_scope_only() {
        let ((), slot) = with_agency_slot(async {
            assert_eq!(noted_agency(), None);
            note_agency("mo-csm");
            note_agency("hk-cts");
            assert_eq!(noted_agency().as_deref(), Some("mo-csm"));
        })
        .await;
        assert_eq!(slot.get(), Some("mo-csm"));
        note_agency("outside");
        assert_eq!(noted_agency(), None);
    }
}
