//! JSON to protobuf and back, for any message of the contracts, with the
//! proto3 JSON mapping (field names as in the .proto files on output; both
//! those and lowerCamelCase accepted on input; 64-bit integers as strings;
//! enums by name; bytes as base64; timestamps as RFC 3339). Unknown fields
//! are refused, naming the field; any other error names the field and the
//! position in the body.

use laissez_kit::FieldError;
use prost_reflect::{
    DeserializeOptions, DynamicMessage, FieldDescriptor, Kind, MessageDescriptor, ReflectMessage,
    SerializeOptions, Value,
};

use serde_json::Value as Json;

use crate::core::problem::ApiError;

/// Field names as in the .proto files, and every field present (clients
/// need not know proto3's defaults).
const SERIALIZE_OPTIONS: SerializeOptions = SerializeOptions::new()
    .use_proto_field_name(true)
    .skip_default_fields(false);

/// Parses `body` as the JSON form of `descriptor`. An empty body is `{}`;
/// anything else must be JSON (blank space alone is not).
pub fn decode_json(descriptor: MessageDescriptor, body: &[u8]) -> Result<DynamicMessage, ApiError> {
    if body.is_empty() {
        return Ok(DynamicMessage::new(descriptor));
    }
    // proto3's JSON reads `null` as "the default"; this API refuses it,
    // so a client that sends one learns it was not taken as a value.
    if let Ok(value) = serde_json::from_slice::<Json>(body)
        && let Some((path, problem)) = first_unusable(&value, "")
    {
        let error = match problem {
            Unusable::Null => FieldError::new(
                path.clone(),
                "null_value",
                "null is not a value here: leave the field out for its default",
            ),
            Unusable::NulCharacter => FieldError::new(
                path.clone(),
                "invalid_character",
                "text may not contain the NUL character (U+0000)",
            ),
        };
        return Err(ApiError::InvalidRequest {
            detail: format!("the request body cannot be read: {path}"),
            errors: vec![error],
        });
    }
    let mut json = serde_json::Deserializer::from_slice(body);
    let options = DeserializeOptions::new().deny_unknown_fields(true);
    let mut track = serde_path_to_error::Track::new();
    let parsed = DynamicMessage::deserialize_with_options(
        descriptor,
        serde_path_to_error::Deserializer::new(&mut json, &mut track),
        &options,
    );
    let message = match parsed {
        Ok(message) => message,
        Err(error) => return Err(json_error(&error, &track.path().to_string())),
    };
    if let Err(error) = json.end() {
        return Err(json_error(&error, "."));
    }
    Ok(message)
}

/// What JSON allows and this API does not take.
enum Unusable {
    Null,
    /// No text the services store can hold it (PostgreSQL refuses it).
    NulCharacter,
}

/// The path of the first value in `value` the API does not take (`body`
/// for the body itself), and why.
fn first_unusable(value: &Json, path: &str) -> Option<(String, Unusable)> {
    let at = |key: &str| {
        if path.is_empty() {
            key.to_owned()
        } else {
            format!("{path}.{key}")
        }
    };
    let here = || {
        if path.is_empty() {
            "body".to_owned()
        } else {
            path.to_owned()
        }
    };
    match value {
        Json::Null => Some((here(), Unusable::Null)),
        Json::String(text) if text.contains('\0') => Some((here(), Unusable::NulCharacter)),
        Json::Object(fields) => fields.iter().find_map(|(key, field)| {
            if key.contains('\0') {
                return Some((at(key), Unusable::NulCharacter));
            }
            first_unusable(field, &at(key))
        }),
        Json::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(index, item)| first_unusable(item, &at(&index.to_string()))),
        _ => None,
    }
}

fn json_error(error: &serde_json::Error, path: &str) -> ApiError {
    use serde_json::error::Category;
    let text = error.to_string();
    let (code, field) = match error.classify() {
        Category::Syntax | Category::Eof | Category::Io => ("malformed_json", "body".to_owned()),
        Category::Data => {
            // prost-reflect names an unknown field in its message; the
            // tracked path is then that of the enclosing message.
            let unknown = text
                .strip_prefix("unrecognized field name '")
                .and_then(|rest| rest.split('\'').next())
                .or_else(|| {
                    text.strip_prefix("unknown field `")
                        .and_then(|rest| rest.split('`').next())
                });
            let base = if path.is_empty() || path == "." {
                String::new()
            } else {
                path.to_owned()
            };
            match unknown {
                Some(name) if base.is_empty() => ("unknown_field", name.to_owned()),
                Some(name) => ("unknown_field", format!("{base}.{name}")),
                None if base.is_empty() => ("invalid_value", "body".to_owned()),
                None => ("invalid_value", base),
            }
        }
    };
    let message = match code {
        "malformed_json" => format!("the body is not valid JSON: {text}"),
        "unknown_field" => format!("no such field here ({text})"),
        _ => format!("wrong type or value ({text})"),
    };
    ApiError::InvalidRequest {
        detail: format!(
            "the request body cannot be read: {field} at line {} column {}",
            error.line(),
            error.column()
        ),
        errors: vec![FieldError::new(field, code, message)],
    }
}

/// The JSON form of a message, every field present.
pub fn encode_json(message: &DynamicMessage) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    let mut serializer = serde_json::Serializer::new(&mut out);
    if let Err(error) = message.serialize_with_options(&mut serializer, &SERIALIZE_OPTIONS) {
        tracing::error!(%error, message = message.descriptor().full_name(), "a response could not be written as JSON");
        return b"{}".to_vec();
    }
    out
}

/// The field a dotted path names, from `descriptor`.
pub fn field_at(descriptor: &MessageDescriptor, path: &str) -> Option<FieldDescriptor> {
    let mut current = descriptor.clone();
    let mut segments = path.split('.').peekable();
    while let Some(segment) = segments.next() {
        let field = current
            .get_field_by_name(segment)
            .or_else(|| current.get_field_by_json_name(segment))?;
        if segments.peek().is_none() {
            return Some(field);
        }
        let Kind::Message(inner) = field.kind() else {
            return None;
        };
        if field.is_list() || field.is_map() {
            return None;
        }
        current = inner;
    }
    None
}

/// Whether a field is given a value from one piece of text (path and query
/// parameters): scalars, enums, timestamps, and lists of those.
pub fn takes_text(field: &FieldDescriptor) -> bool {
    if field.is_map() {
        return false;
    }
    match field.kind() {
        Kind::Message(message) => message.full_name() == "google.protobuf.Timestamp",
        _ => true,
    }
}

/// Every field reachable from `descriptor` that a query parameter can set,
/// with its dotted path (one level of nested messages, such as `page.page_size`).
pub fn query_fields(descriptor: &MessageDescriptor) -> Vec<(String, FieldDescriptor)> {
    let mut found = Vec::new();
    for field in descriptor.fields() {
        if takes_text(&field) {
            found.push((field.name().to_owned(), field));
        } else if let Kind::Message(inner) = field.kind()
            && !field.is_list()
            && !field.is_map()
        {
            for nested in inner.fields() {
                if takes_text(&nested) && !matches!(nested.kind(), Kind::Message(_)) {
                    found.push((format!("{}.{}", field.name(), nested.name()), nested));
                }
            }
        }
    }
    found
}

/// Sets the field at `path` from `text` (lists get the value appended).
/// `Ok(false)` when the field already held another value (a path parameter
/// that contradicts the body).
pub fn set_from_text(
    message: &mut DynamicMessage,
    path: &str,
    text: &str,
) -> Result<bool, FieldError> {
    let (head, rest) = match path.split_once('.') {
        Some((head, rest)) => (head, Some(rest)),
        None => (path, None),
    };
    let descriptor = message.descriptor();
    let Some(field) = descriptor.get_field_by_name(head) else {
        return Err(FieldError::new(path, "unknown_field", "no such field"));
    };
    if let Some(rest) = rest {
        let Value::Message(inner) = message.get_field_mut(&field) else {
            return Err(FieldError::new(path, "unknown_field", "no such field"));
        };
        return set_from_text(inner, rest, text).map_err(|mut error| {
            error.field = path.to_owned();
            error
        });
    }
    if text.contains('\0') {
        return Err(FieldError::new(
            path,
            "invalid_character",
            "text may not contain the NUL character (U+0000)",
        ));
    }
    let value = parse_text(&field, text).ok_or_else(|| {
        FieldError::new(
            path,
            "invalid_value",
            format!("not a valid {}", kind_name(&field)),
        )
    })?;
    if field.is_list() {
        if let Value::List(items) = message.get_field_mut(&field) {
            items.push(value);
        }
        return Ok(true);
    }
    if message.has_field(&field) && *message.get_field(&field) != value {
        return Ok(false);
    }
    message.set_field(&field, value);
    Ok(true)
}

fn kind_name(field: &FieldDescriptor) -> &'static str {
    match field.kind() {
        Kind::Bool => "boolean (true or false)",
        Kind::String => "string",
        Kind::Bytes => "base64 value",
        Kind::Enum(_) => "value of the enumeration",
        Kind::Message(_) => "RFC 3339 timestamp",
        Kind::Float | Kind::Double => "number",
        _ => "integer",
    }
}

fn parse_text(field: &FieldDescriptor, text: &str) -> Option<Value> {
    use base64::Engine;
    let text = text.trim();
    Some(match field.kind() {
        Kind::String => Value::String(text.to_owned()),
        Kind::Bool => Value::Bool(text.parse().ok()?),
        Kind::Int32 | Kind::Sint32 | Kind::Sfixed32 => Value::I32(text.parse().ok()?),
        Kind::Int64 | Kind::Sint64 | Kind::Sfixed64 => Value::I64(text.parse().ok()?),
        Kind::Uint32 | Kind::Fixed32 => Value::U32(text.parse().ok()?),
        Kind::Uint64 | Kind::Fixed64 => Value::U64(text.parse().ok()?),
        Kind::Float => Value::F32(text.parse().ok()?),
        Kind::Double => Value::F64(text.parse().ok()?),
        Kind::Bytes => Value::Bytes(
            base64::engine::general_purpose::STANDARD
                .decode(text)
                .ok()?
                .into(),
        ),
        Kind::Enum(enumeration) => {
            let number = match enumeration.get_value_by_name(text) {
                Some(value) => value.number(),
                None => {
                    let number: i32 = text.parse().ok()?;
                    enumeration.get_value(number)?.number()
                }
            };
            Value::EnumNumber(number)
        }
        Kind::Message(message) if message.full_name() == "google.protobuf.Timestamp" => {
            let at = chrono::DateTime::parse_from_rfc3339(text).ok()?;
            let mut timestamp = DynamicMessage::new(message);
            timestamp
                .try_set_field_by_name("seconds", Value::I64(at.timestamp()))
                .ok()?;
            timestamp
                .try_set_field_by_name(
                    "nanos",
                    Value::I32(i32::try_from(at.timestamp_subsec_nanos()).ok()?),
                )
                .ok()?;
            Value::Message(timestamp)
        }
        Kind::Message(_) => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost_reflect::DescriptorPool;

    fn pool() -> DescriptorPool {
        DescriptorPool::decode(laissez_proto::FILE_DESCRIPTOR_SET).unwrap()
    }

    fn message(name: &str) -> MessageDescriptor {
        pool().get_message_by_name(name).unwrap()
    }

    fn fields_of(error: ApiError) -> Vec<(String, String)> {
        match error {
            ApiError::InvalidRequest { errors, .. } => {
                errors.into_iter().map(|e| (e.field, e.code)).collect()
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn unknown_fields_are_named() {
        let login = message("laissez.identity.v1.LoginRequest");
        let error = decode_json(login, br#"{"login_name":"a","pasword":"x"}"#).unwrap_err();
        assert_eq!(
            fields_of(error),
            [("pasword".into(), "unknown_field".into())]
        );
        let create = message("laissez.identity.v1.CreateApplicantRequest");
        let error =
            decode_json(create, br#"{"applicant":{"surname":"x","nickname":"y"}}"#).unwrap_err();
        assert_eq!(
            fields_of(error),
            [("applicant.nickname".into(), "unknown_field".into())]
        );
    }

    #[test]
    fn wrong_types_and_broken_json_are_named() {
        let withdraw = message("laissez.intake.v1.WithdrawRequest");
        let error = decode_json(withdraw.clone(), br#"{"confirmed":"yes"}"#).unwrap_err();
        assert_eq!(
            fields_of(error),
            [("confirmed".into(), "invalid_value".into())]
        );
        let error = decode_json(withdraw.clone(), br#"{"confirmed":true"#).unwrap_err();
        assert_eq!(fields_of(error), [("body".into(), "malformed_json".into())]);
        let error = decode_json(withdraw, br#"[1,2]"#).unwrap_err();
        assert_eq!(fields_of(error)[0].1, "invalid_value");
    }

    #[test]
    fn nulls_nul_characters_and_blank_bodies_are_refused_naming_the_field() {
        let error = decode_json(
            message("laissez.identity.v1.LogoutRequest"),
            br#"{"everywhere": null}"#,
        )
        .unwrap_err();
        assert_eq!(
            fields_of(error),
            [("everywhere".to_owned(), "null_value".to_owned())]
        );
        let error = decode_json(message("laissez.identity.v1.LogoutRequest"), b"null").unwrap_err();
        assert_eq!(
            fields_of(error),
            [("body".to_owned(), "null_value".to_owned())]
        );
        let error = decode_json(
            message("laissez.identity.v1.LoginRequest"),
            br#"{"login_name": "a\u0000b"}"#,
        )
        .unwrap_err();
        assert_eq!(
            fields_of(error),
            [("login_name".to_owned(), "invalid_character".to_owned())]
        );
        let error = decode_json(message("laissez.identity.v1.LogoutRequest"), b" ").unwrap_err();
        assert_eq!(
            fields_of(error),
            [("body".to_owned(), "malformed_json".to_owned())]
        );
    }

    #[test]
    fn proto_names_and_camel_case_are_both_read_and_proto_names_written() {
        let request = message("laissez.intake.v1.WithdrawRequest");
        let snake = decode_json(request.clone(), br#"{"case_id":"c1","confirmed":true}"#).unwrap();
        let camel = decode_json(request, br#"{"caseId":"c1","confirmed":true}"#).unwrap();
        assert_eq!(snake, camel);
        let json: serde_json::Value = serde_json::from_slice(&encode_json(&snake)).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"case_id": "c1", "confirmed": true})
        );
    }

    #[test]
    fn text_sets_scalars_enums_timestamps_and_lists() {
        let mut list = DynamicMessage::new(message("laissez.intake.v1.ListCasesRequest"));
        assert!(set_from_text(&mut list, "state", "CASE_STATE_DRAFT").unwrap());
        assert!(set_from_text(&mut list, "page.page_size", "20").unwrap());
        assert!(set_from_text(&mut list, "from", "2026-01-02T03:04:05Z").unwrap());
        let error = set_from_text(&mut list, "page.page_size", "many").unwrap_err();
        assert_eq!(error.field, "page.page_size");
        assert_eq!(error.code, "invalid_value");
        assert!(set_from_text(&mut list, "state", "CASE_STATE_NOPE").is_err());
        let json: serde_json::Value = serde_json::from_slice(&encode_json(&list)).unwrap();
        assert_eq!(json["state"], "CASE_STATE_DRAFT");
        assert_eq!(json["page"]["page_size"], 20);
        assert_eq!(json["from"], "2026-01-02T03:04:05Z");

        let mut submit = DynamicMessage::new(message("laissez.intake.v1.SubmitRequest"));
        set_from_text(&mut submit, "case_ids", "a").unwrap();
        set_from_text(&mut submit, "case_ids", "b").unwrap();
        let json: serde_json::Value = serde_json::from_slice(&encode_json(&submit)).unwrap();
        assert_eq!(json["case_ids"], serde_json::json!(["a", "b"]));
    }

    #[test]
    fn a_path_value_that_contradicts_the_body_is_reported() {
        let request = message("laissez.intake.v1.WithdrawRequest");
        let mut body = decode_json(request, br#"{"case_id":"c1"}"#).unwrap();
        assert!(set_from_text(&mut body, "case_id", "c1").unwrap());
        assert!(!set_from_text(&mut body, "case_id", "c2").unwrap());
    }

    #[test]
    fn query_fields_reach_one_level_down() {
        let names: Vec<String> = query_fields(&message("laissez.intake.v1.ListCasesRequest"))
            .into_iter()
            .map(|(name, _)| name)
            .collect();
        assert!(names.contains(&"page.page_token".to_owned()), "{names:?}");
        assert!(names.contains(&"from".to_owned()), "{names:?}");
        assert!(!names.contains(&"page".to_owned()), "{names:?}");
    }
}
