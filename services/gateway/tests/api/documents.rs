//! Issued documents through the gateway against real services: a
//! submission's acknowledgement appears in the applicant's downloads (API
//! and portal), downloads as the stored PDF named in the asked language,
//! is nobody else's; the public verify page and API check seals and PDFs
//! and publish the keys.

use std::time::Duration;

use reqwest::header::ACCEPT_LANGUAGE;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::journey::post_with_key;
use crate::portal::page;
use crate::support::*;

fn cookie_of(session: &str) -> String {
    format!("__Host-laissez-session={session}")
}

/// The caller's documents, waiting up to 30 s for `count`.
async fn documents(stack: &Stack, token: &str, count: usize) -> Vec<Value> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let listed = stack.get("/api/v1/documents?language=en", token).await.ok();
        let documents = listed["documents"].as_array().cloned().unwrap_or_default();
        if documents.len() >= count || tokio::time::Instant::now() > deadline {
            return documents;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn form_encode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (byte as char).to_string()
            }
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_acknowledgement_downloads_for_its_owner_only_and_seals_verify_for_anyone() {
    let stack = Stack::start(Services::ALL).await;
    let (_, applicant) = stack.fj_applicant().await;
    let case_id = stack.complete_fj_draft(&applicant).await;
    let submitted = post_with_key(
        &stack,
        "/api/v1/submissions",
        &applicant,
        "submit-docs",
        &json!({"case_ids": [case_id]}),
    )
    .await;
    assert_eq!(submitted.status, 201, "{}", submitted.text());
    let receipt = submitted.json()["cases"][0]["receipt_number"]
        .as_str()
        .unwrap()
        .to_owned();

    // The acknowledgement, rendered from the submission's event.
    let listed = documents(&stack, &applicant, 1).await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    let document = &listed[0];
    assert_eq!(document["kind"], "acknowledgement");
    assert_eq!(document["number"], receipt.as_str());
    assert_eq!(document["case_id"], case_id.as_str());
    let id = document["document_id"].as_str().unwrap().to_owned();
    let sha = document["sha256"].as_str().unwrap().to_owned();

    // The API download: the stored bytes, named in the asked language.
    let english = stack
        .get(&format!("/api/v1/documents/{id}?language=en"), &applicant)
        .await;
    assert_eq!(english.status, 200, "{}", english.text());
    assert_eq!(english.header("content-type"), Some("application/pdf"));
    assert_eq!(hex::encode(Sha256::digest(&english.body)), sha);
    let disposition = english.header("content-disposition").unwrap().to_owned();
    assert!(
        disposition.contains(&format!("Acknowledgement%20of%20submission-{receipt}.pdf")),
        "{disposition}"
    );
    let chinese = stack
        .send(
            stack
                .http
                .get(stack.url(&format!("/api/v1/documents/{id}")))
                .bearer_auth(&applicant)
                .header(ACCEPT_LANGUAGE, "zh-CN,zh;q=0.9"),
        )
        .await;
    assert_eq!(chinese.body, english.body, "the same bytes every time");
    let disposition = chinese.header("content-disposition").unwrap();
    let simplified: String = "申请送件确认"
        .bytes()
        .map(|byte| format!("%{byte:02X}"))
        .collect();
    assert!(disposition.contains(&simplified), "{disposition}");
    let refused = stack
        .get(
            &format!("/api/v1/documents/{id}?language=klingon"),
            &applicant,
        )
        .await;
    assert_eq!(refused.status, 400, "{}", refused.text());

    // Nobody else's: another applicant lists nothing and downloads nothing.
    let (_, other) = stack.fj_applicant().await;
    let theirs = stack.get("/api/v1/documents", &other).await.ok();
    assert!(
        theirs["documents"].as_array().is_none_or(Vec::is_empty),
        "{theirs}"
    );
    let theirs = stack.get(&format!("/api/v1/documents/{id}"), &other).await;
    assert_eq!(theirs.status, 404, "{}", theirs.text());
    let anonymous = stack
        .send(
            stack
                .http
                .get(stack.url(&format!("/api/v1/documents/{id}"))),
        )
        .await;
    assert_eq!(anonymous.status, 401);

    // The portal's downloads page and its link.
    let base = format!("/portal/{FJ}/{FJ_PORTAL}/");
    let cookie = cookie_of(&applicant);
    let listing = page(
        &stack,
        &format!("{base}documents?lang=en"),
        Some(&cookie),
        None,
    )
    .await;
    assert_eq!(listing.status, 200);
    let html = listing.text();
    assert!(html.contains(&receipt), "{html}");
    let link = format!("{base}documents/{id}?lang=en");
    assert!(
        html.contains(&link.replace('&', "&amp;")) || html.contains(&link),
        "{html}"
    );
    let downloaded = page(&stack, &link, Some(&cookie), None).await;
    assert_eq!(downloaded.status, 200);
    assert_eq!(downloaded.body, english.body);
    let searched = page(
        &stack,
        &format!("{base}documents?receipt=NOPE&lang=en"),
        Some(&cookie),
        None,
    )
    .await;
    assert!(searched.text().contains("no-documents"));
    let bad_date = page(
        &stack,
        &format!("{base}documents?from=yesterday"),
        Some(&cookie),
        None,
    )
    .await;
    assert_eq!(bad_date.status, 422);
    let not_theirs = page(
        &stack,
        &format!("{base}documents/{id}"),
        Some(&cookie_of(&other)),
        None,
    )
    .await;
    assert_eq!(not_theirs.status, 404);

    // A sealed document (tw-nia's permit, published as intake would).
    let render = stack.render.as_ref().expect("render runs");
    let permit_case = uuid::Uuid::now_v7().to_string();
    let answers = laissez_render::sample::answers(
        &laissez_catalog::load_dir(&agencies_dir().join(TW)).unwrap(),
        "multi_entry_permit",
    );
    let issued = laissez_render::sample::issued(
        &permit_case,
        "multi_entry_permit",
        1,
        &answers,
        &laissez_render::sample::HOLDER,
    );
    render.publish(TW, &permit_case, &issued).await;
    assert_eq!(render.wait_for_documents(&permit_case, 1, 30).await, 1);
    let (seal, blob_key): (String, String) =
        sqlx::query_as("SELECT seal, blob_key FROM documents WHERE case_id = $1::uuid")
            .bind(&permit_case)
            .fetch_one(&render.pool)
            .await
            .unwrap();
    let pdf = render.renderer.blobs.get(&blob_key).await.unwrap();

    // The verify page: a scanned seal (in the link), pasted, tampered, a PDF.
    let scanned = page(
        &stack,
        &format!("/verify?lang=en&seal={}", form_encode(&seal)),
        None,
        None,
    )
    .await;
    assert_eq!(scanned.status, 200);
    let html = scanned.text();
    assert!(html.contains("data-verdict=\"valid\""), "{html}");
    assert!(html.contains(laissez_render::sample::HOLDER.name), "{html}");
    assert!(html.contains("108695200100"));
    let post = |form: reqwest::multipart::Form| async {
        stack
            .send(
                stack
                    .http
                    .post(stack.url("/verify?lang=zh-Hant"))
                    .multipart(form),
            )
            .await
    };
    let tampered = seal.replace("108695200100", "108695200199");
    let answer = post(reqwest::multipart::Form::new().text("seal", tampered)).await;
    assert_eq!(answer.status, 200);
    assert!(
        answer.text().contains("data-verdict=\"invalid\""),
        "{}",
        answer.text()
    );
    // Nothing of an invalid seal is shown as signed (the form keeps the text).
    assert!(
        !answer.text().contains("sealed-holder"),
        "{}",
        answer.text()
    );
    let answer = post(reqwest::multipart::Form::new().part(
        "pdf",
        reqwest::multipart::Part::bytes(pdf.to_vec()).file_name("permit.pdf"),
    ))
    .await;
    assert!(
        answer.text().contains("data-verdict=\"valid\""),
        "{}",
        answer.text()
    );
    let answer = post(reqwest::multipart::Form::new().part(
        "pdf",
        reqwest::multipart::Part::bytes(b"%PDF-1.7 forged".to_vec()).file_name("forged.pdf"),
    ))
    .await;
    assert!(answer.text().contains("data-verdict=\"invalid\""));
    let answer = post(reqwest::multipart::Form::new().text("seal", "")).await;
    assert_eq!(answer.status, 422);
    let answer = post(reqwest::multipart::Form::new().text("seal", "x".repeat(5000))).await;
    assert_eq!(answer.status, 422);

    // The same through the JSON API, without signing in; and the keys.
    let checked = stack
        .post("/api/v1/verify/seals", None, json!({"seal": seal}))
        .await
        .ok();
    assert_eq!(checked["verdict"], "VERDICT_VALID", "{checked}");
    assert_eq!(
        checked["data"]["holder_name"],
        laissez_render::sample::HOLDER.name
    );
    let digest = hex::encode(Sha256::digest(&pdf));
    let checked = stack
        .send(
            stack
                .http
                .get(stack.url(&format!("/api/v1/verify/documents/{digest}"))),
        )
        .await
        .ok();
    assert_eq!(checked["verdict"], "VERDICT_VALID", "{checked}");
    let keys = stack
        .send(stack.http.get(stack.url("/verify/keys.json")))
        .await
        .ok();
    let tw: Vec<&Value> = keys["keys"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|key| key["agency"] == TW)
        .collect();
    assert_eq!(tw.len(), 1, "{keys}");
    assert!(
        tw[0]["public_key_pem"]
            .as_str()
            .unwrap()
            .contains("PUBLIC KEY")
    );

    // The administrator finds the permit by its receipt number, renders it
    // again (a new version, the old kept) and revokes it; each needs a
    // reason, and the revoked seal then verifies as revoked.
    let operator = stack.operator().await;
    let admin = cookie_of(
        &stack
            .staff(&operator, TW, "tw.documents", &["agency_admin"])
            .await,
    );
    let staff_documents = format!("/portal/{TW}/staff/admin/documents");
    let found = page(
        &stack,
        &format!("{staff_documents}?receipt=1130000123&lang=en"),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(found.status, 200, "{}", found.text());
    let html = found.text();
    assert!(html.contains("108695200100"), "{html}");
    let first_id = section_id(&html);
    let token = crate::portal::input_value(&html, "csrf_token");
    let act = |id: String, verb: &'static str, reason: &'static str| {
        let (stack, admin, token, staff_documents) = (&stack, &admin, &token, &staff_documents);
        async move {
            crate::portal::form(
                stack,
                &format!("{staff_documents}/{id}/{verb}?lang=en"),
                admin,
                &[
                    ("csrf_token", token.as_str()),
                    ("receipt", "1130000123"),
                    ("reason", reason),
                ],
            )
            .await
        }
    };
    let refused = act(first_id.clone(), "rerender", "  ").await;
    assert_eq!(refused.status, 422, "{}", refused.text());
    assert!(crate::portal::error_summary(&refused.text()).is_some());
    let again = act(first_id.clone(), "rerender", "template corrected").await;
    assert_eq!(again.status, 303, "{}", again.text());
    let back = again.header("location").unwrap().to_owned();
    let html = page(&stack, &back, Some(&admin), None).await.text();
    assert!(html.contains("the old version is kept"), "{html}");
    let second_id = section_id(&html);
    assert_ne!(second_id, first_id, "a new version");
    assert!(
        html.contains("<dd class=\"govuk-summary-list__value version\">2</dd>"),
        "{html}"
    );
    let revoked = act(second_id.clone(), "revoke", "issued in error").await;
    assert_eq!(revoked.status, 303, "{}", revoked.text());
    let back = revoked.header("location").unwrap().to_owned();
    let html = page(&stack, &back, Some(&admin), None).await.text();
    assert!(html.contains("The document is revoked."), "{html}");
    assert!(
        html.contains("<dd class=\"govuk-summary-list__value state\">Revoked</dd>"),
        "{html}"
    );
    let (new_seal,): (String,) = sqlx::query_as("SELECT seal FROM documents WHERE id = $1::uuid")
        .bind(&second_id)
        .fetch_one(&render.pool)
        .await
        .unwrap();
    let checked = stack
        .post("/api/v1/verify/seals", None, json!({"seal": new_seal}))
        .await
        .ok();
    assert_eq!(checked["verdict"], "VERDICT_REVOKED", "{checked}");
    // Not for applicants.
    let applicant_tries = page(
        &stack,
        &format!("{staff_documents}?receipt=1130000123"),
        Some(&cookie),
        None,
    )
    .await;
    assert_ne!(applicant_tries.status, 200);
    stack.stop().await;
}

/// The id of the first document section on the staff documents page.
fn section_id(html: &str) -> String {
    let marker = "id=\"document-";
    let start = html.find(marker).expect("a document section") + marker.len();
    html[start..start + 36].to_owned()
}
