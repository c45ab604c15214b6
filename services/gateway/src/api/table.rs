//! The route table bound to the contracts: each route's gRPC method, the
//! message its JSON body is, which field each path parameter sets, and the
//! query parameters it takes. Built once at start-up; a route that names a
//! method or field the contracts do not have stops the start.

use std::collections::BTreeSet;
use std::sync::Arc;

use prost_reflect::{DescriptorPool, FieldDescriptor, Kind, MessageDescriptor, MethodDescriptor};

use super::routes::{Input, Kind as RouteKind, ROUTES, RouteSpec};
use super::transcode::{field_at, query_fields, takes_text};
use crate::core::upstream::Upstream;

pub struct Route {
    pub spec: RouteSpec,
    pub upstream: Upstream,
    pub method: MethodDescriptor,
    /// `{param}` → dotted field path it sets.
    pub path_fields: Vec<(&'static str, String)>,
    /// Query parameter name → field (Query routes only).
    pub query_fields: Vec<(String, FieldDescriptor)>,
}

impl Route {
    /// The message the JSON body is (None: no body).
    pub fn body_message(&self) -> Option<MessageDescriptor> {
        match self.spec.input {
            Input::Query => None,
            Input::Body => Some(self.method.input()),
            Input::BodyField(field) => match field_at(&self.method.input(), field)?.kind() {
                Kind::Message(message) => Some(message),
                _ => None,
            },
        }
    }

    /// Axum's form of the path, under `/api/v1`.
    pub fn axum_path(&self) -> String {
        format!("/api/v1{}", self.spec.path)
    }
}

pub struct RouteTable {
    pub pool: DescriptorPool,
    pub routes: Vec<Arc<Route>>,
}

impl RouteTable {
    pub fn load() -> anyhow::Result<Self> {
        let pool = DescriptorPool::decode(laissez_proto::FILE_DESCRIPTOR_SET)?;
        let routes = ROUTES
            .iter()
            .map(|spec| resolve(&pool, *spec).map(Arc::new))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let mut seen = BTreeSet::new();
        for route in &routes {
            anyhow::ensure!(
                seen.insert((route.spec.method, route.spec.path)),
                "route {} {} is declared twice",
                route.spec.method,
                route.spec.path
            );
        }
        Ok(Self { pool, routes })
    }
}

fn resolve(pool: &DescriptorPool, spec: RouteSpec) -> anyhow::Result<Route> {
    let (service_name, method_name) = spec.service_and_method();
    let service = pool
        .get_service_by_name(service_name)
        .ok_or_else(|| anyhow::anyhow!("route {}: no service {service_name}", spec.path))?;
    let method = service
        .methods()
        .find(|method| method.name() == method_name)
        .ok_or_else(|| anyhow::anyhow!("route {}: no method {}", spec.path, spec.rpc))?;
    let upstream = Upstream::of_service(service_name)
        .ok_or_else(|| anyhow::anyhow!("route {}: no upstream serves {service_name}", spec.path))?;
    let streaming = match spec.kind {
        RouteKind::Unary => !method.is_client_streaming() && !method.is_server_streaming(),
        RouteKind::Upload => method.is_client_streaming() && !method.is_server_streaming(),
        RouteKind::Download => !method.is_client_streaming() && method.is_server_streaming(),
    };
    anyhow::ensure!(
        streaming,
        "route {}: {} is served the wrong way",
        spec.path,
        spec.rpc
    );
    let input = method.input();
    let mut path_fields = Vec::new();
    for param in spec.path_params() {
        let field_path = match spec.input {
            // An upload's parameters go in the header of its first chunk.
            _ if spec.kind == RouteKind::Upload => format!("header.{param}"),
            _ if input.get_field_by_name(param).is_some() => param.to_owned(),
            Input::BodyField(body) => format!("{body}.{param}"),
            _ => param.to_owned(),
        };
        let field = field_at(&input, &field_path).ok_or_else(|| {
            anyhow::anyhow!(
                "route {}: {{{param}}} names no field of {}",
                spec.path,
                input.full_name()
            )
        })?;
        anyhow::ensure!(
            takes_text(&field) && !field.is_list(),
            "route {}: {{{param}}} cannot set {field_path}",
            spec.path
        );
        path_fields.push((param, field_path));
    }
    let gateway_fields = spec.hook.gateway_fields();
    let query_fields = match (spec.input, spec.kind) {
        (Input::Query, RouteKind::Unary) => query_fields(&input)
            .into_iter()
            .filter(|(name, _)| {
                !path_fields.iter().any(|(_, field)| field == name)
                    && !gateway_fields.contains(&name.as_str())
            })
            .collect(),
        _ => Vec::new(),
    };
    if let Input::BodyField(body) = spec.input {
        anyhow::ensure!(
            field_at(&input, body).is_some_and(|field| matches!(field.kind(), Kind::Message(_))),
            "route {}: body field {body} is not a message field",
            spec.path
        );
    }
    Ok(Route {
        spec,
        upstream,
        method,
        path_fields,
        query_fields,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::routes::{Access, INTERNAL_ONLY};

    #[test]
    fn every_route_resolves() {
        let table = RouteTable::load().unwrap();
        assert_eq!(table.routes.len(), ROUTES.len());
        let update = table
            .routes
            .iter()
            .find(|route| route.spec.rpc.ends_with("/UpdateAnnouncement"))
            .unwrap();
        assert_eq!(
            update.path_fields,
            [("announcement_id", "announcement.announcement_id".to_owned())]
        );
    }

    #[test]
    fn every_method_of_the_four_services_is_exposed_or_declared_internal() {
        let table = RouteTable::load().unwrap();
        let exposed: BTreeSet<&str> = table.routes.iter().map(|route| route.spec.rpc).collect();
        let mut missing = Vec::new();
        for service in table.pool.services() {
            if Upstream::of_service(service.full_name()).is_none() {
                continue;
            }
            for method in service.methods() {
                let rpc = format!("{}/{}", service.full_name(), method.name());
                if !exposed.contains(rpc.as_str()) && !INTERNAL_ONLY.contains(&rpc.as_str()) {
                    missing.push(rpc);
                }
            }
        }
        assert!(missing.is_empty(), "methods without a route: {missing:?}");
        // And nothing internal is exposed by mistake.
        for internal in INTERNAL_ONLY {
            assert!(!exposed.contains(internal), "{internal} is exposed");
        }
    }

    #[test]
    fn only_signed_in_routes_reach_non_public_methods() {
        // Identity's, intake's and render's public methods are the only
        // ones a route may call without a session.
        let public_by_contract = [
            "CreateCaptcha",
            "Register",
            "Activate",
            "Login",
            "RequestPasswordReset",
            "ResetPassword",
            "RequestSmsCode",
            "BeginTotpEnrolment",
            "ConfirmTotpEnrolment",
            "GetCurrentCatalog",
            "ListAgencies",
            "ListAnnouncements",
            "VerifySeal",
            "VerifyDocument",
            "ListSealKeys",
        ];
        for spec in ROUTES {
            if spec.access != Access::SignedIn {
                let (_, method) = spec.service_and_method();
                assert!(public_by_contract.contains(&method), "{} is open", spec.rpc);
            }
        }
    }
}
