//! The services behind the gateway: one lazily connected channel each,
//! calls made with the caller's internal token and the current trace
//! context, and a codec that carries `prost_reflect::DynamicMessage`s so
//! that one handler can call any method of the contracts.

use std::time::Duration;

use laissez_kit::health::DependencyCheck;
use laissez_proto::identity::v1::identity_service_client::IdentityServiceClient;
use laissez_proto::intake::v1::appointment_service_client::AppointmentServiceClient;
use laissez_proto::intake::v1::catalog_admin_service_client::CatalogAdminServiceClient;
use laissez_proto::intake::v1::intake_service_client::IntakeServiceClient;
use laissez_proto::payment::v1::payment_service_client::PaymentServiceClient;
use laissez_proto::render::v1::render_service_client::RenderServiceClient;
use prost::Message;
use prost_reflect::{DynamicMessage, MessageDescriptor, MethodDescriptor};
use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::metadata::MetadataValue;
use tonic::transport::{Channel, Endpoint};

use crate::config::ServicesConfig;

/// Largest message the gateway sends to or accepts from a service.
pub const MAX_MESSAGE_BYTES: usize = 16 * 1024 * 1024;

/// A service the gateway calls, named by its proto package.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Upstream {
    Identity,
    Intake,
    Review,
    Notify,
    Payment,
    Render,
}

impl Upstream {
    pub const ALL: [Upstream; 6] = [
        Upstream::Identity,
        Upstream::Intake,
        Upstream::Review,
        Upstream::Notify,
        Upstream::Payment,
        Upstream::Render,
    ];

    /// The upstream that serves a fully qualified gRPC service name.
    pub fn of_service(full_name: &str) -> Option<Upstream> {
        match full_name.split('.').nth(1)? {
            "identity" => Some(Upstream::Identity),
            "intake" => Some(Upstream::Intake),
            "review" => Some(Upstream::Review),
            "notify" => Some(Upstream::Notify),
            "payment" => Some(Upstream::Payment),
            "render" => Some(Upstream::Render),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Upstream::Identity => "identity",
            Upstream::Intake => "intake",
            Upstream::Review => "review",
            Upstream::Notify => "notify",
            Upstream::Payment => "payment",
            Upstream::Render => "render",
        }
    }
}

/// Channels to every service the gateway calls. Cheap to clone.
#[derive(Clone)]
pub struct Upstreams {
    identity: Channel,
    intake: Channel,
    review: Channel,
    notify: Channel,
    payment: Channel,
    render: Channel,
    timeout: Duration,
}

impl Upstreams {
    /// Channels connect on first use and reconnect by themselves, so the
    /// gateway starts (and reports not ready) while a service is down.
    pub fn connect_lazy(services: &ServicesConfig, timeout: Duration) -> anyhow::Result<Self> {
        let channel = |url: &str| -> anyhow::Result<Channel> {
            Ok(Endpoint::from_shared(url.to_owned())?
                .connect_timeout(Duration::from_secs(2))
                .tcp_nodelay(true)
                .http2_keep_alive_interval(Duration::from_secs(30))
                .connect_lazy())
        };
        Ok(Self {
            identity: channel(&services.identity)?,
            intake: channel(&services.intake)?,
            review: channel(&services.review)?,
            notify: channel(&services.notify)?,
            payment: channel(&services.payment)?,
            render: channel(&services.render)?,
            timeout,
        })
    }

    pub fn channel(&self, upstream: Upstream) -> Channel {
        match upstream {
            Upstream::Identity => self.identity.clone(),
            Upstream::Intake => self.intake.clone(),
            Upstream::Review => self.review.clone(),
            Upstream::Notify => self.notify.clone(),
            Upstream::Payment => self.payment.clone(),
            Upstream::Render => self.render.clone(),
        }
    }

    pub fn identity(&self) -> IdentityServiceClient<Channel> {
        IdentityServiceClient::new(self.identity.clone())
            .max_decoding_message_size(MAX_MESSAGE_BYTES)
            .max_encoding_message_size(MAX_MESSAGE_BYTES)
    }

    pub fn intake(&self) -> IntakeServiceClient<Channel> {
        IntakeServiceClient::new(self.intake.clone())
            .max_decoding_message_size(MAX_MESSAGE_BYTES)
            .max_encoding_message_size(MAX_MESSAGE_BYTES)
    }

    pub fn payment(&self) -> PaymentServiceClient<Channel> {
        PaymentServiceClient::new(self.payment.clone())
            .max_decoding_message_size(MAX_MESSAGE_BYTES)
            .max_encoding_message_size(MAX_MESSAGE_BYTES)
    }

    pub fn render(&self) -> RenderServiceClient<Channel> {
        RenderServiceClient::new(self.render.clone())
            .max_decoding_message_size(MAX_MESSAGE_BYTES)
            .max_encoding_message_size(MAX_MESSAGE_BYTES)
    }

    pub fn appointments(&self) -> AppointmentServiceClient<Channel> {
        AppointmentServiceClient::new(self.intake.clone())
    }

    pub fn catalog_admin(&self) -> CatalogAdminServiceClient<Channel> {
        CatalogAdminServiceClient::new(self.intake.clone())
            .max_decoding_message_size(MAX_MESSAGE_BYTES)
            .max_encoding_message_size(MAX_MESSAGE_BYTES)
    }

    /// A request carrying `token` (when signed in), the trace context and,
    /// for unary calls, the deadline.
    pub fn request<T>(&self, message: T, token: Option<&str>) -> tonic::Request<T> {
        let mut request = tonic::Request::new(message);
        request.set_timeout(self.timeout);
        authorize(&mut request, token);
        request
    }

    /// As [`Upstreams::request`] without a deadline: streams run as long as
    /// their data flows (the HTTP side has its own limits).
    pub fn streaming_request<T>(&self, message: T, token: Option<&str>) -> tonic::Request<T> {
        let mut request = tonic::Request::new(message);
        authorize(&mut request, token);
        request
    }

    /// Calls a unary method of any contract with a dynamic message.
    pub async fn call_dynamic(
        &self,
        upstream: Upstream,
        method: &MethodDescriptor,
        message: DynamicMessage,
        token: Option<&str>,
    ) -> Result<DynamicMessage, tonic::Status> {
        let path = format!("/{}/{}", method.parent_service().full_name(), method.name());
        let path = http::uri::PathAndQuery::try_from(path)
            .map_err(|_| tonic::Status::internal("method path is not a valid URI path"))?;
        let mut grpc = tonic::client::Grpc::new(self.channel(upstream))
            .max_decoding_message_size(MAX_MESSAGE_BYTES)
            .max_encoding_message_size(MAX_MESSAGE_BYTES);
        grpc.ready().await.map_err(|error| {
            tracing::warn!(upstream = upstream.name(), %error, "service not reachable");
            tonic::Status::unavailable(format!("{} is not reachable", upstream.name()))
        })?;
        let codec = DynamicCodec::new(method.output());
        grpc.unary(self.request(message, token), path, codec)
            .await
            .map(tonic::Response::into_inner)
    }

    /// Readiness: each service answers grpc.health.v1 with SERVING.
    pub fn health_checks(&self) -> Vec<DependencyCheck> {
        Upstream::ALL
            .into_iter()
            .map(|upstream| {
                let channel = self.channel(upstream);
                DependencyCheck::new(upstream.name(), move || {
                    let mut client =
                        tonic_health::pb::health_client::HealthClient::new(channel.clone());
                    async move {
                        let mut request =
                            tonic::Request::new(tonic_health::pb::HealthCheckRequest {
                                service: String::new(),
                            });
                        request.set_timeout(Duration::from_secs(1));
                        client.check(request).await.is_ok_and(|response| {
                            response.into_inner().status
                                == tonic_health::pb::health_check_response::ServingStatus::Serving
                                    as i32
                        })
                    }
                })
            })
            .collect()
    }
}

fn authorize<T>(request: &mut tonic::Request<T>, token: Option<&str>) {
    if let Some(token) = token
        && let Ok(value) = MetadataValue::try_from(format!("Bearer {token}"))
    {
        request.metadata_mut().insert("authorization", value);
    }
    if let Some(agency) = laissez_kit::metrics::noted_agency()
        && let Ok(value) = MetadataValue::try_from(agency)
    {
        request
            .metadata_mut()
            .insert(laissez_kit::metrics::AGENCY_HEADER, value);
    }
    laissez_kit::telemetry::inject_into_metadata(request.metadata_mut());
}

/// Encodes and decodes `DynamicMessage`s; decoding needs the response type.
#[derive(Clone)]
pub struct DynamicCodec {
    response: MessageDescriptor,
}

impl DynamicCodec {
    pub fn new(response: MessageDescriptor) -> Self {
        Self { response }
    }
}

impl Codec for DynamicCodec {
    type Encode = DynamicMessage;
    type Decode = DynamicMessage;
    type Encoder = DynamicEncoder;
    type Decoder = DynamicDecoder;

    fn encoder(&mut self) -> Self::Encoder {
        DynamicEncoder
    }

    fn decoder(&mut self) -> Self::Decoder {
        DynamicDecoder {
            response: self.response.clone(),
        }
    }
}

pub struct DynamicEncoder;

impl Encoder for DynamicEncoder {
    type Item = DynamicMessage;
    type Error = tonic::Status;

    fn encode(&mut self, item: Self::Item, buf: &mut EncodeBuf<'_>) -> Result<(), Self::Error> {
        item.encode(buf)
            .map_err(|error| tonic::Status::internal(format!("encoding the request: {error}")))
    }
}

pub struct DynamicDecoder {
    response: MessageDescriptor,
}

impl Decoder for DynamicDecoder {
    type Item = DynamicMessage;
    type Error = tonic::Status;

    fn decode(&mut self, buf: &mut DecodeBuf<'_>) -> Result<Option<Self::Item>, Self::Error> {
        DynamicMessage::decode(self.response.clone(), buf)
            .map(Some)
            .map_err(|error| tonic::Status::internal(format!("decoding the response: {error}")))
    }
}
