//! The OpenAPI document the gateway serves describes every route, and
//! every schema it refers to is in it.

use laissez_gateway::api::routes::{Access, ROUTES};
use serde_json::Value;

use crate::support::*;

fn references<'a>(value: &'a Value, found: &mut Vec<&'a str>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                match (key.as_str(), inner.as_str()) {
                    ("$ref", Some(target)) => found.push(target),
                    _ => references(inner, found),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| references(item, found)),
        _ => {}
    }
}

#[tokio::test]
async fn the_document_covers_every_route_and_every_reference_resolves() {
    let stack = Stack::start(Services::IDENTITY).await;
    let answer = stack
        .send(stack.http.get(stack.url("/api/v1/openapi.json")))
        .await;
    assert_eq!(answer.header("content-type"), Some("application/json"));
    let document = answer.ok();
    assert_eq!(document["openapi"], "3.1.0");

    let mut operations = 0;
    for spec in ROUTES {
        let path = format!("/api/v1{}", spec.path);
        let operation = &document["paths"][&path][spec.method.to_ascii_lowercase()];
        assert!(operation.is_object(), "{} {path} is missing", spec.method);
        operations += 1;
        let (_, method) = spec.service_and_method();
        assert!(
            operation["operationId"].as_str().unwrap().ends_with(method),
            "{operation}"
        );
        for param in spec.path_params() {
            let documented = operation["parameters"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["name"] == param && p["in"] == "path" && p["required"] == true);
            assert!(documented, "{{{param}}} of {path} is not documented");
        }
        let secured = operation["security"].as_array().unwrap();
        assert_eq!(secured.is_empty(), spec.access == Access::Public, "{path}");
        let success = if spec.creates { "201" } else { "200" };
        assert!(operation["responses"][success].is_object(), "{path}");
        assert_eq!(
            operation["responses"]["400"]["$ref"],
            "#/components/responses/Problem"
        );
        if spec.creates {
            let key = operation["parameters"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["name"] == "Idempotency-Key" && p["in"] == "header");
            assert!(key, "{path} does not offer an Idempotency-Key");
        }
    }
    let documented: usize = document["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|item| item.as_object().unwrap().len())
        .sum();
    assert_eq!(
        documented, operations,
        "the document has operations no route serves"
    );

    let mut found = Vec::new();
    references(&document, &mut found);
    assert!(!found.is_empty());
    for target in found {
        let pointer = target.strip_prefix('#').expect("a local reference");
        assert!(
            document.pointer(pointer).is_some(),
            "{target} does not resolve"
        );
    }
    let case = &document["components"]["schemas"]["laissez.intake.v1.Case"];
    assert_eq!(
        case["properties"]["state"]["$ref"],
        "#/components/schemas/laissez.intake.v1.CaseState"
    );
    assert_eq!(case["properties"]["created_at"]["format"], "date-time");
    assert!(document["components"]["securitySchemes"]["bearerAuth"].is_object());
    stack.stop().await;
}
