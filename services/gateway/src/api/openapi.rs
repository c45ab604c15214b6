//! The OpenAPI 3.1 document of the API, generated from the route table and
//! the contracts' descriptors: every path and method, its parameters, its
//! request and response schemas (the proto3 JSON form of the messages),
//! the problem document of every error, and the two ways to sign in.

use std::collections::BTreeMap;

use prost_reflect::{FieldDescriptor, Kind, MessageDescriptor};
use serde_json::{Value, json};

use super::routes::{Access, Input, Kind as RouteKind};
use super::table::{Route, RouteTable};

const PROBLEM: &str = "#/components/responses/Problem";

/// The whole document.
pub fn document(table: &RouteTable) -> Value {
    let mut schemas = Schemas::default();
    let mut paths: BTreeMap<String, serde_json::Map<String, Value>> = BTreeMap::new();
    for route in &table.routes {
        let mut operation = operation(route, &mut schemas);
        let links = links(route, table);
        if !links.is_empty() {
            operation["responses"]["201"]["links"] = Value::Object(links);
        }
        paths
            .entry(format!("/api/v1{}", route.spec.path))
            .or_default()
            .insert(route.spec.method.to_ascii_lowercase(), operation);
    }
    let mut components = schemas.finish();
    components.insert("Problem".to_owned(), problem_schema());
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Laissez API",
            "version": "v1",
            "description": "The JSON API of the Laissez platform. Bodies use the proto3 JSON mapping (field names as in the contracts; lowerCamelCase is accepted too; 64-bit integers as strings; enums by name; bytes as base64; timestamps in RFC 3339). Unknown fields are refused. Errors are RFC 9457 problem documents listing the fields at fault. Operations that create something honour an Idempotency-Key header. See docs/gateway.md."
        },
        "servers": [{"url": "/"}],
        "tags": [
            {"name": "identity", "description": "Accounts, sessions, managed applicants, staff"},
            {"name": "intake", "description": "Applications, documents, catalogs, announcements"},
            {"name": "review", "description": "Queues, claims, decisions, audit"},
            {"name": "notify", "description": "The message centre and deliveries"}
        ],
        "paths": paths,
        "components": {
            "schemas": components,
            "responses": {
                "Problem": {
                    "description": "An RFC 9457 problem document.",
                    "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
                }
            },
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "The session token answered by POST /api/v1/agencies/{agency}/portals/{portal}/sessions."
                },
                "sessionCookie": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "__Host-laissez-session",
                    "description": "The portal's session cookie. Changes made with it need the X-CSRF-Token header and a same-site Origin."
                }
            }
        }
    })
}

fn operation_id(route: &Route) -> String {
    let (service, method) = route.spec.service_and_method();
    let service_short = service.rsplit('.').next().unwrap_or(service);
    format!("{service_short}.{method}")
}

/// OpenAPI links from what `route` creates to the operations that take
/// it in their path: the created id (a text field of the answer named as
/// their path parameter) and the creating request's own path parameters
/// fill every parameter of the linked path. A client (or a stateful
/// fuzzer) follows them from create to read, update and delete.
fn links(route: &Route, table: &RouteTable) -> serde_json::Map<String, Value> {
    let mut links = serde_json::Map::new();
    if !route.spec.creates || route.spec.kind != RouteKind::Unary {
        return links;
    }
    let output = route.method.output();
    let answered: Vec<String> = output
        .fields()
        .filter(|field| {
            !field.is_list() && field.kind() == Kind::String && field.name().ends_with("_id")
        })
        .map(|field| field.name().to_owned())
        .collect();
    let own = route.spec.path_params();
    for id in &answered {
        for other in &table.routes {
            if std::ptr::eq(other.as_ref(), route) {
                continue;
            }
            let params = other.spec.path_params();
            if !params.contains(&id.as_str())
                || !params
                    .iter()
                    .all(|param| *param == id.as_str() || own.contains(param))
            {
                continue;
            }
            let parameters: serde_json::Map<String, Value> = params
                .iter()
                .map(|param| {
                    let from = if *param == id.as_str() {
                        format!("$response.body#/{id}")
                    } else {
                        format!("$request.path.{param}")
                    };
                    ((*param).to_owned(), Value::String(from))
                })
                .collect();
            let name = operation_id(other).replace('.', "_");
            links.insert(
                name,
                json!({"operationId": operation_id(other), "parameters": parameters}),
            );
        }
    }
    links
}

fn operation(route: &Route, schemas: &mut Schemas) -> Value {
    let spec = &route.spec;
    let input = route.method.input();
    let mut parameters: Vec<Value> = Vec::new();
    for (param, field_path) in &route.path_fields {
        let schema = super::transcode::field_at(&input, field_path)
            .map(|field| schemas.field(&field))
            .unwrap_or_else(|| json!({"type": "string"}));
        parameters.push(json!({"name": param, "in": "path", "required": true, "schema": schema}));
    }
    for (name, field) in &route.query_fields {
        let schema = schemas.field(field);
        let mut parameter =
            json!({"name": name, "in": "query", "required": false, "schema": schema});
        if field.is_list() {
            parameter["explode"] = json!(true);
        }
        parameters.push(parameter);
    }
    match spec.kind {
        RouteKind::Upload => {
            for (name, required, description) in [
                (
                    "requirement",
                    true,
                    "The document requirement (or photo field) the file answers.",
                ),
                (
                    "file_name",
                    true,
                    "The file's name as the applicant knows it.",
                ),
                (
                    "replaces_document_id",
                    false,
                    "Replace this document instead of adding one.",
                ),
            ] {
                parameters.push(json!({
                    "name": name, "in": "query", "required": required,
                    "description": description, "schema": {"type": "string"}
                }));
            }
        }
        RouteKind::Download => parameters.push(json!({
            "name": "disposition", "in": "query", "required": false,
            "description": "attachment (default) or inline (for previews).",
            "schema": {"type": "string", "enum": ["attachment", "inline"]}
        })),
        RouteKind::Unary => {}
    }
    if spec.creates {
        parameters.push(json!({
            "name": "Idempotency-Key", "in": "header", "required": false,
            "description": "Repeat the request with the same key and body to get the same answer without creating a second thing; a different body with the same key is answered 409.",
            "schema": {"type": "string", "minLength": 1, "maxLength": 255}
        }));
    }

    let mut operation = json!({
        "operationId": operation_id(route),
        "summary": spec.summary,
        "tags": [route.upstream.name()],
        "parameters": parameters,
    });
    let request_body = match (spec.kind, spec.input) {
        (RouteKind::Upload, _) => Some(json!({
            "required": true,
            "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}
        })),
        (_, Input::Query) => None,
        (_, Input::Body | Input::BodyField(_)) => route.body_message().map(|body| {
            let hidden = spec.hook.gateway_fields();
            let schema = if hidden.is_empty() {
                schemas.reference(&body)
            } else {
                schemas.message_schema(&body, hidden)
            };
            json!({"required": false, "content": {"application/json": {"schema": schema}}})
        }),
    };
    if let Some(body) = request_body {
        operation["requestBody"] = body;
    }
    let success_code = if spec.creates { "201" } else { "200" };
    let success = match spec.kind {
        RouteKind::Download => json!({
            "description": "The document's bytes, with its media type.",
            "headers": {"Content-Disposition": {"schema": {"type": "string"}}},
            "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}
        }),
        _ => json!({
            "description": "The service's answer.",
            "content": {"application/json": {"schema": schemas.reference(&route.method.output())}}
        }),
    };
    let mut responses = serde_json::Map::new();
    responses.insert(success_code.to_owned(), success);
    let mut errors = vec!["400", "404", "422", "429", "500", "503"];
    if spec.access != Access::Public {
        errors.extend(["401", "403"]);
    } else if spec.is_sign_in_family() {
        // Credentials in the body: a wrong password or code is 401.
        errors.push("401");
    }
    if spec.creates {
        errors.push("409");
    }
    if spec.input != Input::Query || spec.kind == RouteKind::Upload {
        errors.extend(["413", "415"]);
    }
    errors.sort_unstable();
    for code in errors {
        responses.insert(code.to_owned(), json!({"$ref": PROBLEM}));
    }
    operation["responses"] = Value::Object(responses);
    operation["security"] = match spec.access {
        Access::Public => json!([]),
        Access::SessionToken | Access::SignedIn => {
            json!([{"bearerAuth": []}, {"sessionCookie": []}])
        }
    };
    operation
}

fn problem_schema() -> Value {
    json!({
        "type": "object",
        "required": ["type", "title", "status", "detail"],
        "properties": {
            "type": {"type": "string", "format": "uri"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "errors": {
                "type": "array",
                "description": "Every field at fault (dotted paths into the request).",
                "items": {
                    "type": "object",
                    "required": ["field", "code", "message"],
                    "properties": {
                        "field": {"type": "string"},
                        "code": {"type": "string"},
                        "message": {"type": "string"}
                    }
                }
            }
        }
    })
}

/// The component schemas referenced so far, filled on demand.
#[derive(Default)]
struct Schemas {
    done: BTreeMap<String, Value>,
    pending: Vec<MessageDescriptor>,
    enums: BTreeMap<String, Value>,
}

impl Schemas {
    fn reference(&mut self, message: &MessageDescriptor) -> Value {
        if let Some(special) = well_known(message) {
            return special;
        }
        let name = message.full_name().to_owned();
        if !self.done.contains_key(&name) {
            self.done.insert(name.clone(), Value::Null);
            self.pending.push(message.clone());
        }
        json!({"$ref": format!("#/components/schemas/{name}")})
    }

    fn message_schema(&mut self, message: &MessageDescriptor, hidden: &[&str]) -> Value {
        let mut properties = serde_json::Map::new();
        for field in message.fields() {
            if hidden.contains(&field.name()) {
                continue;
            }
            let mut schema = self.field(&field);
            if let Some(oneof) = field.containing_oneof() {
                let description =
                    format!("One of `{}`: set at most one of its fields.", oneof.name());
                schema = json!({"allOf": [schema], "description": description});
            }
            properties.insert(field.name().to_owned(), schema);
        }
        json!({
            "type": "object",
            "properties": properties,
            "additionalProperties": false
        })
    }

    fn field(&mut self, field: &FieldDescriptor) -> Value {
        if field.is_map()
            && let Kind::Message(entry) = field.kind()
        {
            let value = entry.map_entry_value_field();
            return json!({"type": "object", "additionalProperties": self.single(&value)});
        }
        let single = self.single(field);
        if field.is_list() {
            json!({"type": "array", "items": single})
        } else {
            single
        }
    }

    fn single(&mut self, field: &FieldDescriptor) -> Value {
        match field.kind() {
            Kind::String => json!({"type": "string"}),
            Kind::Bool => json!({"type": "boolean"}),
            Kind::Bytes => json!({"type": "string", "contentEncoding": "base64"}),
            Kind::Int32 | Kind::Sint32 | Kind::Sfixed32 => {
                json!({"type": "integer", "format": "int32"})
            }
            Kind::Uint32 | Kind::Fixed32 => {
                json!({"type": "integer", "format": "int64", "minimum": 0, "maximum": 4_294_967_295u64})
            }
            Kind::Int64 | Kind::Sint64 | Kind::Sfixed64 => {
                json!({"type": "string", "format": "int64", "pattern": "^-?[0-9]+$"})
            }
            Kind::Uint64 | Kind::Fixed64 => {
                json!({"type": "string", "format": "uint64", "pattern": "^[0-9]+$"})
            }
            Kind::Float => json!({"type": "number", "format": "float"}),
            Kind::Double => json!({"type": "number", "format": "double"}),
            Kind::Enum(enumeration) => {
                let name = enumeration.full_name().to_owned();
                self.enums.entry(name.clone()).or_insert_with(|| {
                    let names: Vec<String> = enumeration
                        .values()
                        .map(|value| value.name().to_owned())
                        .collect();
                    json!({"type": "string", "enum": names})
                });
                json!({"$ref": format!("#/components/schemas/{name}")})
            }
            Kind::Message(message) => self.reference(&message),
        }
    }

    fn finish(mut self) -> serde_json::Map<String, Value> {
        while let Some(message) = self.pending.pop() {
            let schema = self.message_schema(&message, &[]);
            self.done.insert(message.full_name().to_owned(), schema);
        }
        let mut all = serde_json::Map::new();
        for (name, schema) in self.done.into_iter().chain(self.enums) {
            all.insert(name, schema);
        }
        all
    }
}

/// The well-known types, in their JSON forms.
fn well_known(message: &MessageDescriptor) -> Option<Value> {
    Some(match message.full_name() {
        "google.protobuf.Timestamp" => json!({"type": "string", "format": "date-time"}),
        "google.protobuf.Duration" => {
            json!({"type": "string", "pattern": "^-?[0-9]+(\\.[0-9]+)?s$"})
        }
        "google.protobuf.Struct" => json!({"type": "object"}),
        "google.protobuf.Value" => json!({}),
        "google.protobuf.Any" => {
            json!({"type": "object", "required": ["@type"], "properties": {"@type": {"type": "string"}}})
        }
        "google.protobuf.Empty" => json!({"type": "object", "additionalProperties": false}),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refs<'a>(value: &'a Value, found: &mut Vec<&'a str>) {
        match value {
            Value::Object(map) => {
                for (key, inner) in map {
                    if key == "$ref" {
                        if let Some(target) = inner.as_str() {
                            found.push(target);
                        }
                    } else {
                        refs(inner, found);
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|item| refs(item, found)),
            _ => {}
        }
    }

    #[test]
    fn every_reference_resolves() {
        let table = RouteTable::load().unwrap();
        let document = document(&table);
        let mut found = Vec::new();
        refs(&document, &mut found);
        assert!(found.len() > 100, "{}", found.len());
        for target in found {
            let pointer = target.strip_prefix('#').unwrap();
            assert!(
                document.pointer(pointer).is_some(),
                "{target} does not resolve"
            );
        }
    }

    #[test]
    fn gateway_set_fields_are_not_offered() {
        let table = RouteTable::load().unwrap();
        let document = document(&table);
        let login =
            &document["paths"]["/api/v1/agencies/{agency}/portals/{portal}/sessions"]["post"];
        let properties =
            &login["requestBody"]["content"]["application/json"]["schema"]["properties"];
        assert!(properties.get("login_name").is_some(), "{properties}");
        assert!(properties.get("source_ip").is_none(), "{properties}");
        assert_eq!(login["security"], json!([]));
    }

    #[test]
    fn what_is_created_links_to_where_it_is_read_and_changed() {
        let table = RouteTable::load().unwrap();
        let document = document(&table);
        let ids: std::collections::BTreeSet<&str> = document["paths"]
            .as_object()
            .unwrap()
            .values()
            .flat_map(|methods| methods.as_object().unwrap().values())
            .filter_map(|operation| operation["operationId"].as_str())
            .collect();
        let mut linked = 0;
        for methods in document["paths"].as_object().unwrap().values() {
            for operation in methods.as_object().unwrap().values() {
                let Some(links) = operation["responses"]["201"]["links"].as_object() else {
                    continue;
                };
                for link in links.values() {
                    linked += 1;
                    let target = link["operationId"].as_str().unwrap();
                    assert!(ids.contains(target), "{target} is no operation");
                }
            }
        }
        assert!(linked >= 5, "only {linked} links");
        let created = &document["paths"]["/api/v1/applicants"]["post"]["responses"]["201"];
        let read = created["links"]
            .as_object()
            .unwrap()
            .values()
            .find(|link| link["operationId"] == "IdentityService.GetApplicant")
            .unwrap_or_else(|| panic!("no link to GetApplicant: {created}"));
        assert_eq!(
            read["parameters"]["applicant_id"],
            "$response.body#/applicant_id"
        );
    }
}
