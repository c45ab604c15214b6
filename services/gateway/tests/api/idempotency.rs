//! Idempotency keys: a repeated request gets the stored answer, a reused
//! key with another body gets 409, a key still in use gets 409, a failed
//! request frees its key, and keys are per caller.

use std::sync::Arc;

use serde_json::{Value, json};
use tokio::sync::Mutex;

use crate::support::*;

/// A managed applicant; `number` picks the identity document (an account
/// cannot add the same document twice).
fn person(surname: &str, number: u32) -> Value {
    json!({
        "relationship": "RELATIONSHIP_CHILD",
        "document_type": "tw_id_card",
        "document_number": taiwan_id(number),
        "valid_long_term": true,
        "valid_from": "2020-01-01",
        "surname": surname,
        "given_name": "小明",
        "household_place": "taipei",
        "date_of_birth": "2015-02-03"
    })
}

async fn create(stack: &Stack, token: &str, key: &str, body: Value) -> Answer {
    stack
        .send(
            stack
                .http
                .post(stack.url("/api/v1/applicants"))
                .bearer_auth(token)
                .header("idempotency-key", key)
                .json(&body),
        )
        .await
}

async fn applicants(stack: &Stack, token: &str) -> usize {
    stack.get("/api/v1/applicants", token).await.ok()["applicants"]
        .as_array()
        .unwrap()
        .len()
}

#[tokio::test]
async fn a_repeated_key_replays_and_a_reused_key_conflicts() {
    let stack = Stack::start(Services::IDENTITY).await;
    let (_, token) = stack.fj_applicant().await;
    let (_, neighbour) = stack.fj_applicant().await;

    let first = create(&stack, &token, "key-1", person("王", 4242)).await;
    assert_eq!(first.status, 201, "{}", first.text());
    assert_eq!(first.header("idempotent-replayed"), None);
    let again = create(&stack, &token, "key-1", person("王", 4242)).await;
    assert_eq!(again.status, 201, "{}", again.text());
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.body, first.body);
    assert_eq!(applicants(&stack, &token).await, 1);

    let changed = create(&stack, &token, "key-1", person("李", 4242)).await;
    let problem = changed.problem(409);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("different request"),
        "{problem}"
    );
    assert_eq!(applicants(&stack, &token).await, 1);

    // Another key is another request.
    let second = create(&stack, &token, "key-2", person("王", 4343)).await;
    assert_eq!(second.status, 201);
    assert_ne!(second.json()["applicant_id"], first.json()["applicant_id"]);
    assert_eq!(applicants(&stack, &token).await, 2);

    // Keys belong to their caller: the same key elsewhere is unrelated.
    let theirs = create(&stack, &neighbour, "key-1", person("王", 4242)).await;
    assert_eq!(theirs.status, 201);
    assert_eq!(theirs.header("idempotent-replayed"), None);
    assert_eq!(applicants(&stack, &neighbour).await, 1);

    // Without a key nothing is remembered.
    let plain = stack
        .post("/api/v1/applicants", Some(&token), person("王", 4444))
        .await;
    assert_eq!(plain.status, 201);
    assert_eq!(applicants(&stack, &token).await, 3);

    let bad_key = create(&stack, &token, "not a valid key", person("王", 4242)).await;
    bad_key.problem(400);
    assert_eq!(bad_key.field_errors(), ["Idempotency-Key:invalid_value"]);
    stack.stop().await;
}

#[tokio::test]
async fn a_failed_request_frees_its_key() {
    let stack = Stack::start(Services::IDENTITY).await;
    let (_, token) = stack.fj_applicant().await;
    let mut invalid = person("王", 4242);
    invalid["date_of_birth"] = json!("1800-01-01");
    let refused = create(&stack, &token, "key-f", invalid).await;
    refused.problem(400);
    assert!(
        refused
            .field_errors()
            .contains(&"applicant.date_of_birth:out_of_range".to_owned()),
        "{:?}",
        refused.field_errors()
    );
    let fixed = create(&stack, &token, "key-f", person("王", 4242)).await;
    assert_eq!(fixed.status, 201, "{}", fixed.text());
    assert_eq!(fixed.header("idempotent-replayed"), None);
    stack.stop().await;
}

#[tokio::test]
async fn concurrent_requests_with_one_key_create_one_thing() {
    // Starting an application creates a new draft every time it is called,
    // so only the key can keep eight concurrent calls to one draft.
    let stack = Stack::start(Services::INTAKE).await;
    let (_, token) = stack.fj_applicant().await;
    let start = json!({
        "application_type": "one_time_taiwan_permit",
        "notice_version": "2024-04",
        "notice_accepted": true,
        "applicant": {"date_of_birth": "1985-06-01"},
    });
    let answers = futures::future::join_all((0..8).map(|_| {
        stack.send(
            stack
                .http
                .post(stack.url("/api/v1/cases"))
                .bearer_auth(&token)
                .header("idempotency-key", "key-c")
                .json(&start),
        )
    }))
    .await;
    let created: Vec<&Answer> = answers
        .iter()
        .filter(|answer| answer.status == 201 && answer.header("idempotent-replayed").is_none())
        .collect();
    assert_eq!(created.len(), 1, "{answers:?}");
    for answer in &answers {
        match answer.status.as_u16() {
            201 => assert_eq!(answer.body, created[0].body),
            409 => {
                let problem = answer.problem(409);
                assert!(
                    problem["detail"]
                        .as_str()
                        .unwrap()
                        .contains("still being processed"),
                    "{problem}"
                );
            }
            other => panic!("unexpected {other}: {}", answer.text()),
        }
    }
    let cases = stack.get("/api/v1/cases", &token).await.ok();
    assert_eq!(cases["cases"].as_array().unwrap().len(), 1, "{cases}");
    stack.stop().await;
}

/// An upload whose body arrives only when the test says so.
struct HeldUpload {
    release: tokio::sync::oneshot::Sender<()>,
    answer: tokio::task::JoinHandle<Answer>,
}

fn held_upload(
    stack: &Arc<Stack>,
    token: &str,
    case_id: &str,
    key: &str,
    content: Vec<u8>,
) -> HeldUpload {
    let (release, released) = tokio::sync::oneshot::channel::<()>();
    let (head, tail) = content.split_at(content.len() / 2);
    let (head, tail) = (
        bytes::Bytes::from(head.to_vec()),
        bytes::Bytes::from(tail.to_vec()),
    );
    let released = Arc::new(Mutex::new(Some(released)));
    let body = futures::stream::unfold(0u8, move |step| {
        let (head, tail, released) = (head.clone(), tail.clone(), released.clone());
        async move {
            match step {
                0 => Some((Ok::<_, std::io::Error>(head), 1)),
                1 => {
                    if let Some(released) = released.lock().await.take() {
                        let _ = released.await;
                    }
                    Some((Ok(tail), 2))
                }
                _ => None,
            }
        }
    });
    let request = stack
        .http
        .post(stack.url(&format!("/api/v1/cases/{case_id}/documents")))
        .query(&[
            ("requirement", "tw_id_card_front"),
            ("file_name", "front.png"),
        ])
        .bearer_auth(token)
        .header("idempotency-key", key)
        .body(reqwest::Body::wrap_stream(body));
    let stack = stack.clone();
    let answer = tokio::spawn(async move { stack.send(request).await });
    HeldUpload { release, answer }
}

async fn upload_with_key(
    stack: &Stack,
    token: &str,
    case_id: &str,
    key: &str,
    content: Vec<u8>,
) -> Answer {
    stack
        .send(
            stack
                .http
                .post(stack.url(&format!("/api/v1/cases/{case_id}/documents")))
                .query(&[
                    ("requirement", "tw_id_card_front"),
                    ("file_name", "front.png"),
                ])
                .bearer_auth(token)
                .header("idempotency-key", key)
                .body(content),
        )
        .await
}

#[tokio::test]
async fn a_key_in_use_is_refused_until_its_request_ends_then_replayed() {
    let stack = Arc::new(Stack::start(Services::INTAKE).await);
    let (_, token) = stack.fj_applicant().await;
    let case = stack
        .post(
            "/api/v1/cases",
            Some(&token),
            json!({
                "application_type": "one_time_taiwan_permit",
                "notice_version": "2024-04",
                "notice_accepted": true,
                "applicant": {"date_of_birth": "1985-06-01"},
            }),
        )
        .await
        .ok();
    let case_id = case["case_id"].as_str().unwrap().to_owned();
    let image = png(120, 90);

    let held = held_upload(&stack, &token, &case_id, "upload-1", image.clone());
    // The first request holds the key until its body is complete. Wait
    // until the gateway has taken it (the record appears in Redis).
    let pattern = format!("{}idem:*", stack.gateway_config.gateway.redis_prefix);
    let redis = redis::Client::open("redis://127.0.0.1:6379").unwrap();
    let mut connection = redis.get_multiplexed_async_connection().await.unwrap();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let taken: Vec<String> = redis::cmd("KEYS")
            .arg(&pattern)
            .query_async(&mut connection)
            .await
            .unwrap();
        if !taken.is_empty() {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the key was never taken"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let in_flight = upload_with_key(&stack, &token, &case_id, "upload-1", image.clone()).await;
    let problem = in_flight.problem(409);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("still being processed"),
        "{problem}"
    );

    let _ = held.release.send(());
    let first = held.answer.await.unwrap();
    assert_eq!(first.status, 201, "{}", first.text());
    let replayed = upload_with_key(&stack, &token, &case_id, "upload-1", image.clone()).await;
    assert_eq!(replayed.status, 201);
    assert_eq!(replayed.header("idempotent-replayed"), Some("true"));
    assert_eq!(replayed.body, first.body);
    let other_file = upload_with_key(&stack, &token, &case_id, "upload-1", png(121, 90)).await;
    other_file.problem(409);

    let case = stack
        .get(&format!("/api/v1/cases/{case_id}"), &token)
        .await
        .ok();
    assert_eq!(case["documents"].as_array().unwrap().len(), 1, "{case}");
    match Arc::try_unwrap(stack) {
        Ok(stack) => stack.stop().await,
        Err(_) => panic!("the stack is still shared"),
    }
}
