//! The render service end to end: facts arrive over RabbitMQ, documents
//! are rendered once, their owners (and only they) download them, and
//! anyone can check a seal or a PDF, online or offline.

use std::process::Command;

use laissez_kit::Role;
use laissez_proto::render::v1::{
    DownloadRenderedRequest, ListDocumentsRequest, ListSealKeysRequest, RenderedDocument,
    RerenderDocumentRequest, RevokeDocumentRequest, Verdict, VerifyDocumentRequest,
};
use laissez_render::sample::{self, HOLDER};
use laissez_render::seal::{self, Seal};
use laissez_render::testing::TestRender;
use sha2::{Digest, Sha256};
use tokio_stream::StreamExt;
use uuid::Uuid;

const OWNER: &str = "acct-owner";

async fn download(
    render: &TestRender,
    id: &str,
    account: &str,
    agency: &str,
    language: &str,
) -> Result<(Vec<u8>, String), tonic::Status> {
    let mut stream = render
        .client()
        .await
        .download_rendered(render.request(
            DownloadRenderedRequest {
                document_id: id.to_owned(),
                language: language.to_owned(),
            },
            account,
            agency,
            Role::Applicant,
        ))
        .await?
        .into_inner();
    let mut bytes = Vec::new();
    let mut name = String::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        if let Some(document) = chunk.document {
            name = document.file_name;
        }
        bytes.extend(chunk.data);
    }
    Ok((bytes, name))
}

/// The owner's tw-nia documents of `kind`, named in `language`.
async fn owners(render: &TestRender, kind: &str, language: &str) -> Vec<RenderedDocument> {
    render
        .client()
        .await
        .list_documents(render.request(
            ListDocumentsRequest {
                kind: kind.to_owned(),
                language: language.to_owned(),
                ..Default::default()
            },
            OWNER,
            "tw-nia",
            Role::Applicant,
        ))
        .await
        .expect("the owner lists")
        .into_inner()
        .documents
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn facts_become_documents_once_and_only_their_owner_downloads_them() {
    let render = TestRender::start("flow").await.expect("render starts");
    let case_id = Uuid::now_v7().to_string();
    let mut submitted = sample::submitted(&case_id, "multi_entry_permit", 1);
    let mut answers = sample::answers(&render_catalog(), "multi_entry_permit");
    answers.insert("chinese_name".into(), "鄭𠀀明".into());
    let mut issued = sample::issued(&case_id, "multi_entry_permit", 1, &answers, &HOLDER);
    let mut paid = sample::paid(&case_id, "multi_entry_permit", 1, "TWD");
    paid.order_id = Uuid::now_v7().to_string();
    for party in [submitted.party.as_mut(), issued.party.as_mut()]
        .into_iter()
        .flatten()
    {
        party.account_id = OWNER.to_owned();
    }
    paid.account_id = OWNER.to_owned();
    // Each fact twice (a redelivery with a new event id) and the permit's
    // before the acknowledgement's (out of order).
    for _ in 0..2 {
        render.publish("tw-nia", &case_id, &issued).await;
        render.publish("tw-nia", &case_id, &submitted).await;
        render.publish("tw-nia", &paid.order_id, &paid).await;
    }
    // A state that renders nothing.
    let mut produced = issued.clone();
    produced.state = "in_production".into();
    produced.holder = None;
    render.publish("tw-nia", &case_id, &produced).await;
    assert_eq!(render.wait_for_documents(&case_id, 3, 90).await, 3);
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    assert_eq!(
        render.wait_for_documents(&case_id, 4, 0).await,
        3,
        "one document per fact"
    );

    let mut client = render.client().await;
    let list = |account: &str, agency: &str, role: Role, request: ListDocumentsRequest| {
        render.request(request, account, agency, role)
    };
    let mine = client
        .list_documents(list(
            OWNER,
            "tw-nia",
            Role::Applicant,
            ListDocumentsRequest {
                language: "en".into(),
                ..Default::default()
            },
        ))
        .await
        .expect("the owner lists")
        .into_inner()
        .documents;
    let mut kinds: Vec<&str> = mine.iter().map(|document| document.kind.as_str()).collect();
    kinds.sort_unstable();
    assert_eq!(kinds, ["acknowledgement", "e_permit", "receipt"]);
    let permit = mine
        .iter()
        .find(|document| document.kind == "e_permit")
        .expect("the permit");
    assert_eq!(permit.number, "108695200100");
    assert_eq!(
        permit.file_name,
        "Electronic exit and entry permit-108695200100.pdf"
    );

    // Receipts are found by group, receipt number and payment date.
    let by = |request: ListDocumentsRequest| list(OWNER, "tw-nia", Role::Applicant, request);
    let receipts = client
        .list_documents(by(ListDocumentsRequest {
            group_number: "G1130000045".into(),
            receipt_number: "1130000123".into(),
            kind: "receipt".into(),
            paid_from: Some(prost_types::Timestamp {
                seconds: 1_779_999_000,
                nanos: 0,
            }),
            paid_to: Some(prost_types::Timestamp {
                seconds: 1_780_001_000,
                nanos: 0,
            }),
            ..Default::default()
        }))
        .await
        .expect("the owner searches")
        .into_inner()
        .documents;
    assert_eq!(receipts.len(), 1);
    let none = client
        .list_documents(by(ListDocumentsRequest {
            paid_from: Some(prost_types::Timestamp {
                seconds: 1_790_000_000,
                nanos: 0,
            }),
            ..Default::default()
        }))
        .await
        .expect("the owner searches")
        .into_inner()
        .documents;
    assert!(none.is_empty());
    let refused = client
        .list_documents(by(ListDocumentsRequest {
            kind: "passport".into(),
            ..Default::default()
        }))
        .await
        .expect_err("an unknown kind is refused");
    assert_eq!(refused.code(), tonic::Code::InvalidArgument);

    // Every download returns the stored bytes, named in the asked language.
    for document in &mine {
        let (bytes, name) = download(&render, &document.document_id, OWNER, "tw-nia", "zh-Hant")
            .await
            .expect("the owner downloads");
        assert_eq!(hex::encode(Sha256::digest(&bytes)), document.sha256);
        assert!(bytes.starts_with(b"%PDF-"));
        assert!(name.ends_with(".pdf") && !name.is_ascii(), "{name}");
        let (again, _) = download(&render, &document.document_id, OWNER, "tw-nia", "en")
            .await
            .expect("again");
        assert_eq!(again, bytes, "the same bytes every time");
    }
    assert_eq!(
        download(&render, &permit.document_id, OWNER, "tw-nia", "en")
            .await
            .expect("ok")
            .1,
        "Electronic exit and entry permit-108695200100.pdf"
    );

    // Another account, another agency, a made-up id: not found.
    for (account, agency) in [("acct-other", "tw-nia"), (OWNER, "hk-cts")] {
        let error = download(&render, &permit.document_id, account, agency, "en")
            .await
            .expect_err("not theirs");
        assert_eq!(error.code(), tonic::Code::NotFound, "{account} {agency}");
        let theirs = client
            .list_documents(list(
                account,
                agency,
                Role::Applicant,
                ListDocumentsRequest::default(),
            ))
            .await
            .expect("they list")
            .into_inner()
            .documents;
        assert!(theirs.is_empty(), "{account} {agency}");
    }
    let error = download(&render, &Uuid::now_v7().to_string(), OWNER, "tw-nia", "en")
        .await
        .expect_err("no such document");
    assert_eq!(error.code(), tonic::Code::NotFound);
    let error = download(&render, "../../etc/passwd", OWNER, "tw-nia", "en")
        .await
        .expect_err("a hostile id");
    assert_eq!(error.code(), tonic::Code::InvalidArgument);
    let staff = client
        .list_documents(list(
            "reviewer-1",
            "tw-nia",
            Role::Reviewer,
            ListDocumentsRequest::default(),
        ))
        .await
        .expect("staff list")
        .into_inner()
        .documents;
    assert_eq!(staff.len(), 3);

    // An agency that issues no permit renders only the acknowledgement.
    let hk_case = Uuid::now_v7().to_string();
    let mut hk_submitted = sample::submitted(&hk_case, "home_return_permit", 1);
    hk_submitted.receipt_number = "HK0001".into();
    let hk_issued = sample::issued(
        &hk_case,
        "home_return_permit",
        1,
        &Default::default(),
        &HOLDER,
    );
    render.publish("hk-cts", &hk_case, &hk_issued).await;
    render.publish("hk-cts", &hk_case, &hk_submitted).await;
    assert_eq!(render.wait_for_documents(&hk_case, 1, 90).await, 1);
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(render.wait_for_documents(&hk_case, 2, 0).await, 1);

    rerender_receipt(&render, &mine).await;
    check_seals(&render, &case_id, &permit.document_id, &permit.sha256).await;
    render.stop().await;
}

/// After a template change the agency lays the receipt out again: a new
/// version with its own seal; the old one is kept but no longer listed.
async fn rerender_receipt(
    render: &TestRender,
    mine: &[laissez_proto::render::v1::RenderedDocument],
) {
    let receipt = mine
        .iter()
        .find(|document| document.kind == "receipt")
        .expect("the receipt");
    let ask = |reason: &str| RerenderDocumentRequest {
        document_id: receipt.document_id.clone(),
        reason: reason.to_owned(),
    };
    let mut client = render.client().await;
    for (account, agency, role, reason, code) in [
        (
            OWNER,
            "tw-nia",
            Role::Applicant,
            "new layout",
            tonic::Code::PermissionDenied,
        ),
        (
            "admin-hk",
            "hk-cts",
            Role::AgencyAdmin,
            "new layout",
            tonic::Code::NotFound,
        ),
        (
            "admin-1",
            "tw-nia",
            Role::AgencyAdmin,
            "  ",
            tonic::Code::InvalidArgument,
        ),
    ] {
        let error = client
            .rerender_document(render.request(ask(reason), account, agency, role))
            .await
            .expect_err("refused");
        assert_eq!(error.code(), code, "{account} {agency}");
    }
    let again = client
        .rerender_document(render.request(
            ask("the receipt's layout changed"),
            "admin-1",
            "tw-nia",
            Role::AgencyAdmin,
        ))
        .await
        .expect("the agency re-renders")
        .into_inner();
    assert_eq!(again.version, 2);
    assert_ne!(again.document_id, receipt.document_id);
    assert_eq!(again.number, receipt.number);
    let error = client
        .rerender_document(render.request(ask("twice"), "admin-1", "tw-nia", Role::AgencyAdmin))
        .await
        .expect_err("the old version is superseded");
    assert_eq!(error.code(), tonic::Code::FailedPrecondition);
    // Listed: the new version only; the old one still downloads, the same bytes.
    let receipts = owners(render, "receipt", "").await;
    assert_eq!(receipts.len(), 1);
    assert_eq!(receipts[0].document_id, again.document_id);
    let (old, _) = download(render, &receipt.document_id, OWNER, "tw-nia", "en")
        .await
        .expect("kept");
    assert_eq!(hex::encode(Sha256::digest(&old)), receipt.sha256);
    // The new seal names the new document.
    let seal: String = sqlx::query_scalar("SELECT seal FROM documents WHERE id = $1::uuid")
        .bind(&again.document_id)
        .fetch_one(&render.pool)
        .await
        .expect("the new seal");
    let answer = render.verify_seal(&seal).await;
    assert_eq!(answer.verdict(), Verdict::Valid, "{}", answer.reason);
    assert_eq!(answer.data.expect("data").document_id, again.document_id);
}

fn render_catalog() -> laissez_catalog::Catalog {
    laissez_catalog::load_dir(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/agencies/tw-nia"),
    )
    .expect("tw-nia loads")
}

async fn check_seals(render: &TestRender, case_id: &str, permit_id: &str, permit_sha: &str) {
    let text: String = sqlx::query_scalar(
        "SELECT seal FROM documents WHERE case_id = $1::uuid AND kind = 'e_permit'",
    )
    .bind(case_id)
    .fetch_one(&render.pool)
    .await
    .expect("the permit's seal");
    let answer = render.verify_seal(&text).await;
    assert_eq!(answer.verdict(), Verdict::Valid, "{}", answer.reason);
    let data = answer.data.expect("the signed data");
    assert_eq!(data.holder_name, HOLDER.name);
    assert_eq!(data.number, "108695200100");
    assert_eq!(data.document_id, permit_id);
    assert_eq!(data.agency, "tw-nia");

    // The text travels as ASCII (non-ASCII escaped) and reads back whole.
    assert!(text.is_ascii(), "{text}");
    // A changed name, a foreign key under the agency's key id, junk.
    let mut tampered: Seal = serde_json::from_str(&text).expect("a seal");
    tampered.data.msg.nam = "王大明 WANG DAMING".into();
    let tampered = seal::seal_text(&tampered);
    assert_ne!(tampered, text);
    let mut forged: Seal = serde_json::from_str(&text).expect("a seal");
    let other = tempfile::tempdir().expect("a folder");
    let ring = seal::KeyRing::new(other.path(), true);
    let foreign = ring
        .sign(forged.data.clone())
        .expect("signed with another key");
    forged.sig.sigvl = foreign.sig.sigvl;
    let forged = serde_json::to_string(&forged).expect("json");
    let oversized = "x".repeat(seal::MAX_SEAL_BYTES + 1);
    for bad in [
        tampered.as_str(),
        forged.as_str(),
        "{\"data\":1}",
        "not a seal",
        oversized.as_str(),
    ] {
        let answer = render.verify_seal(bad).await;
        assert_eq!(answer.verdict(), Verdict::Invalid, "{bad:.60}");
        assert!(answer.data.is_none());
        assert!(!answer.reason.is_empty());
    }

    // The PDF itself, by its digest.
    let mut client = render.client().await;
    let by_digest = |sha: &str| VerifyDocumentRequest {
        sha256: sha.to_owned(),
    };
    let answer = client
        .verify_document(by_digest(permit_sha))
        .await
        .expect("answers")
        .into_inner();
    assert_eq!(answer.verdict(), Verdict::Valid);
    let unknown = hex::encode(Sha256::digest(b"a forged pdf"));
    let answer = client
        .verify_document(by_digest(&unknown))
        .await
        .expect("answers")
        .into_inner();
    assert_eq!(answer.verdict(), Verdict::Invalid);
    let error = client
        .verify_document(by_digest("zz"))
        .await
        .expect_err("malformed");
    assert_eq!(error.code(), tonic::Code::InvalidArgument);

    // Published keys verify offline; the command-line verifier says so.
    let keys = client
        .list_seal_keys(ListSealKeysRequest {})
        .await
        .expect("keys are public")
        .into_inner()
        .keys;
    let tw: Vec<_> = keys.iter().filter(|key| key.agency == "tw-nia").collect();
    assert_eq!(tw.len(), 1);
    assert!(tw[0].signing && tw[0].public_key_pem.contains("BEGIN PUBLIC KEY"));
    let published: Vec<seal::PublicKey> = keys
        .iter()
        .map(|key| seal::PublicKey {
            agency: key.agency.clone(),
            key_id: key.key_id.clone(),
            public_key_pem: key.public_key_pem.clone(),
            signing: key.signing,
        })
        .collect();
    let folder = tempfile::tempdir().expect("a folder");
    let keys_file = folder.path().join("keys.json");
    std::fs::write(
        &keys_file,
        serde_json::to_vec(&serde_json::json!({ "keys": published })).expect("json"),
    )
    .expect("written");
    let seal_file = folder.path().join("seal.txt");
    let binary = env!("CARGO_BIN_EXE_laissez-render");
    for (seal_text, expected) in [(&text, true), (&tampered, false), (&forged, false)] {
        std::fs::write(&seal_file, seal_text).expect("written");
        let output = Command::new(binary)
            .args([
                "verify",
                "--keys",
                &keys_file.to_string_lossy(),
                &format!("@{}", seal_file.display()),
            ])
            .output()
            .expect("the verifier runs");
        assert_eq!(
            output.status.success(),
            expected,
            "{}",
            String::from_utf8_lossy(&output.stdout)
        );
    }

    // Revoked by the agency: the seal and the PDF say so; an applicant cannot revoke.
    let revoke = RevokeDocumentRequest {
        document_id: permit_id.to_owned(),
        reason: "issued in error".into(),
    };
    let error = client
        .revoke_document(render.request(revoke.clone(), OWNER, "tw-nia", Role::Applicant))
        .await
        .expect_err("applicants do not revoke");
    assert_eq!(error.code(), tonic::Code::PermissionDenied);
    let error = client
        .revoke_document(render.request(revoke.clone(), "admin-hk", "hk-cts", Role::AgencyAdmin))
        .await
        .expect_err("another agency's admin finds nothing");
    assert_eq!(error.code(), tonic::Code::NotFound);
    let revoked = client
        .revoke_document(render.request(revoke, "admin-1", "tw-nia", Role::AgencyAdmin))
        .await
        .expect("the agency revokes")
        .into_inner();
    assert!(revoked.revoked);
    assert_eq!(render.verify_seal(&text).await.verdict(), Verdict::Revoked);
    let answer = client
        .verify_document(by_digest(permit_sha))
        .await
        .expect("answers")
        .into_inner();
    assert_eq!(answer.verdict(), Verdict::Revoked);
}

/// A convenience-store slip is laid out once however often payment's
/// event arrives, named in the owner's language, and only its owner
/// downloads it; an agency that declares no slip gets none.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_convenience_store_slip_is_laid_out_once_for_its_owner() {
    let render = TestRender::start("slip").await.expect("render starts");
    let case_id = Uuid::now_v7().to_string();
    let mut slip = sample::slip_issued(&case_id, "multi_entry_permit", 1);
    slip.payment_id = Uuid::now_v7().to_string();
    slip.account_id = OWNER.to_owned();
    for _ in 0..2 {
        render.publish("tw-nia", &slip.payment_id, &slip).await;
    }
    let hk_case = Uuid::now_v7().to_string();
    let mut hk = sample::slip_issued(&hk_case, "home_return_permit", 1);
    hk.payment_id = Uuid::now_v7().to_string();
    render.publish("hk-cts", &hk.payment_id, &hk).await;
    assert_eq!(render.wait_for_documents(&case_id, 1, 90).await, 1);
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    assert_eq!(
        render.wait_for_documents(&case_id, 2, 0).await,
        1,
        "one slip per payment"
    );
    assert_eq!(render.wait_for_documents(&hk_case, 1, 0).await, 0);

    let mine = owners(&render, "payment_slip", "zh-Hant").await;
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].number, slip.slip_number);
    assert_eq!(
        mine[0].file_name,
        format!("超商繳費單-{}.pdf", slip.slip_number)
    );
    let (pdf, _) = download(&render, &mine[0].document_id, OWNER, "tw-nia", "en")
        .await
        .expect("the owner downloads the slip");
    assert!(pdf.starts_with(b"%PDF"));
    let stranger = download(
        &render,
        &mine[0].document_id,
        "acct-stranger",
        "tw-nia",
        "en",
    )
    .await;
    assert_eq!(
        stranger.expect_err("another account").code(),
        tonic::Code::NotFound
    );
    render.stop().await;
}
