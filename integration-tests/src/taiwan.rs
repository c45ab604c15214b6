//! Taiwan's mainland students (tw-nia), through the public API only: the
//! agency's records imported by its administrator, registration matched
//! against the person record, activation from the e-mailed link, a
//! captcha-checked sign-in, the permit looked up by its number, two
//! applications submitted as two groups (a multiple-entry permit and an
//! extension), both approved, both groups paid at once with one
//! convenience-store slip whose barcodes are read back from the slip's
//! PDF, and the e-permits and e-receipt downloaded and verified.

use std::collections::BTreeSet;

use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::api::Call;
use crate::journeys::{Outside, PASSWORD};
use crate::outside::{eventually, photo, scan};

pub const TW: &str = "tw-nia";
pub const TW_PORTAL: &str = "mainland-students";

/// The agency's administrator (records) and reviewer.
pub struct TwDesk {
    pub admin: String,
    pub reviewer: String,
}

impl TwDesk {
    pub async fn open(out: &Outside, operator: &str) -> TwDesk {
        TwDesk {
            admin: out.staff(operator, TW, "tw.admin", &["agency_admin"]).await,
            reviewer: out.staff(operator, TW, "tw.reviewer", &["reviewer"]).await,
        }
    }
}

/// A valid mainland resident ID number (GB 11643 check character).
pub fn mainland_id(sequence: u32) -> String {
    let prefix = format!("11010519990323{:03}", sequence % 1000);
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];
    let sum: u32 = prefix
        .chars()
        .zip(WEIGHTS)
        .map(|(c, w)| c.to_digit(10).unwrap_or(0) * w)
        .sum();
    format!("{prefix}{}", CHECK[(sum % 11) as usize])
}

/// What the student holds at the end.
#[derive(Debug)]
pub struct TwOutcome {
    pub token: String,
    pub case_ids: Vec<String>,
    pub payment_id: String,
    /// Every document the student can download, by kind.
    pub kinds: Vec<String>,
}

/// The answers a student gives besides what the permit record fills in.
fn answers(photo: &str, id_number: &str) -> Value {
    json!({
        "photo": photo,
        "student_category": "general",
        "chinese_name": "張三豐",
        "resumed_studies": true,
        "date_of_birth": "1999-03-23",
        "mainland_id_number": id_number,
        "sex": "male",
        "department": "法律學系",
        "place_of_birth": "fujian",
        "mainland_address": "福建省福州市鼓樓區1號",
        "taiwan_address": "臺北市大安區羅斯福路四段1號",
        "father_name": "張父",
        "mother_name": "林母",
        "political_posts": {"option": "never"},
    })
}

/// Reads every barcode of a PDF (poppler draws it, zbar reads it).
pub fn barcodes_in_pdf(pdf: &[u8]) -> Vec<String> {
    let dir = std::env::temp_dir().join(format!("laissez-slip-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    let file = dir.join("slip.pdf");
    std::fs::write(&file, pdf).expect("the slip written");
    let drawn = std::process::Command::new("pdftoppm")
        .args(["-r", "300", "-png"])
        .arg(&file)
        .arg(dir.join("page"))
        .status()
        .expect("pdftoppm (poppler-utils) runs");
    assert!(drawn.success(), "pdftoppm failed");
    let mut found = Vec::new();
    let mut pages: Vec<_> = std::fs::read_dir(&dir)
        .expect("the pages")
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|e| e == "png"))
        .collect();
    pages.sort();
    for page in pages {
        let read = std::process::Command::new("zbarimg")
            .args(["--quiet", "--raw", "-Scode39.enable"])
            .arg(&page)
            .output()
            .expect("zbarimg (zbar-tools) runs");
        found.extend(
            String::from_utf8_lossy(&read.stdout)
                .lines()
                .map(str::to_owned),
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
    found
}

pub async fn tw_nia(out: &Outside, desk: &TwDesk) -> TwOutcome {
    let sequence = out.next();
    let id_number = mainland_id(sequence);
    let login = format!("student{sequence}");
    let email = format!("student{sequence}@example.com");

    // The agency's records: the student, a single-entry permit inspected
    // on entry, and a multiple-entry permit whose stay ends next month.
    out.send(
        Call::new("IdentityService.ImportPersonRecords")
            .token(&desk.admin)
            .body(json!({"portal": TW_PORTAL, "records": [{"fields": {
                "mainland_id_number": id_number,
                "chinese_name": "張三豐",
                "date_of_birth": "1999-03-23",
            }}]})),
    )
    .await
    .ok();
    let single = format!("S{:09}", 100_000_000 + sequence);
    let multiple = format!("M{:09}", 100_000_000 + sequence);
    let stay_ends = (chrono::Utc::now() + chrono::Duration::days(30))
        .format("%Y-%m-%d")
        .to_string();
    let record = |kind: &str, stay_ends_on: &str| {
        json!({
            "permit_kind": kind, "entry_inspected": "true", "chinese_name": "張三豐",
            "english_name": "ZHANG SANFENG", "date_of_birth": "1999-03-23",
            "mainland_id_number": id_number, "school": "國立臺灣大學",
            "department": "法律學系", "stay_ends_on": stay_ends_on,
        })
    };
    out.send(
        Call::new("IntakeService.ImportPermitRecords")
            .token(&desk.admin)
            .body(json!({"records": [
                {"permit_number": single, "holder_document_number": id_number,
                 "fields": record("single_entry", "2027-08-31")},
                {"permit_number": multiple, "holder_document_number": id_number,
                 "fields": record("multiple_entry", &stay_ends)},
            ]})),
    )
    .await
    .ok();

    // Registration, matched against the person record; activation by the
    // e-mailed link; sign-in with a captcha.
    out.register(
        TW,
        TW_PORTAL,
        &login,
        "LANGUAGE_ZH_HANT",
        json!({
            "chinese_name": "張三豐",
            "english_surname": "Zhang",
            "english_given_name": "Sanfeng",
            "mainland_id_number": id_number,
            "place_of_birth": "guangdong",
            "date_of_birth": "1999-03-23",
            "sex": "male",
            "mainland_travel_permit_number": "T12345678",
            "phone": "02-22345678",
            "email": email,
        }),
    )
    .await;
    out.activate_by_mail(TW, TW_PORTAL, &email).await;
    let session = out
        .sign_in_with_captcha(TW, TW_PORTAL, &login, PASSWORD, "")
        .await
        .ok()["session_token"]
        .as_str()
        .expect("a session")
        .to_owned();
    let token = session.as_str();

    // The permit lookup: an unknown number is named, a known one starts
    // the application with the record's data.
    let unknown = out
        .send(
            Call::new("IntakeService.StartApplication")
                .token(token)
                .body(json!({
                    "application_type": "multi_entry_permit",
                    "notice_version": "2019-07-10",
                    "notice_accepted": true,
                    "permit_number": "S000000000",
                })),
        )
        .await;
    assert!(
        unknown.status.is_client_error(),
        "{} {}",
        unknown.status,
        unknown.text()
    );

    let mut case_ids = Vec::new();
    for (application_type, permit) in [
        ("multi_entry_permit", &single),
        ("permit_extension", &multiple),
    ] {
        let case_id = out
            .start_case(
                token,
                application_type,
                "2019-07-10",
                json!({"permit_number": permit}),
            )
            .await;
        let photo_id = out.upload(token, &case_id, "photo", photo()).await;
        out.upload(token, &case_id, "single_entry_permit", scan())
            .await;
        out.upload(token, &case_id, "mainland_travel_document", scan())
            .await;
        out.save_draft(token, &case_id, &answers(&photo_id, &id_number), false)
            .await;
        // Each its own group.
        out.submit(token, &case_id).await;
        case_ids.push(case_id);
    }

    // The reviewer approves both.
    for application_type in ["multi_entry_permit", "permit_extension"] {
        let claimed = eventually(&format!("a {application_type} to claim"), 120, || async {
            let claim = out
                .send(
                    Call::new("ReviewService.ClaimNext")
                        .token(&desk.reviewer)
                        .key(format!("claim-{}", uuid::Uuid::new_v4()))
                        .body(json!({"application_type": application_type})),
                )
                .await;
            (claim.status == StatusCode::CREATED)
                .then(|| claim.json()["case_id"].as_str().map(str::to_owned))
                .flatten()
        })
        .await;
        let decided = out
            .send(
                Call::new("ReviewService.Decide")
                    .param("case_id", &claimed)
                    .token(&desk.reviewer)
                    .key(format!("decide-{claimed}"))
                    .body(json!({"decision": "DECISION_APPROVED", "comment": "符合規定。"})),
            )
            .await;
        assert!(decided.status.is_success(), "{}", decided.text());
    }

    // Both orders open; the student pays both groups with one slip.
    let orders = eventually("both orders open", 120, || async {
        let listed = out
            .send(Call::new("PaymentService.ListOrders").token(token))
            .await
            .ok();
        let orders = listed["orders"].as_array()?.clone();
        (orders.len() == 2).then_some(orders)
    })
    .await;
    let order_ids: Vec<String> = orders
        .iter()
        .map(|o| o["order_id"].as_str().expect("an order id").to_owned())
        .collect();
    let groups: BTreeSet<String> = orders
        .iter()
        .map(|o| o["group_number"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(groups.len(), 2, "two groups: {orders:?}");
    let key = format!("pay-{login}");
    let started = out
        .send(
            Call::new("PaymentService.StartPayment")
                .token(token)
                .key(key.clone())
                .body(json!({
                    "order_ids": order_ids,
                    "method": "convenience_store",
                    "idempotency_key": key,
                })),
        )
        .await;
    assert_eq!(started.status, 201, "{}", started.text());
    let payment = started.json();
    let payment_id = payment["payment_id"]
        .as_str()
        .expect("a payment id")
        .to_owned();
    let slip = &payment["slip"];
    let slip_number = slip["slip_number"].as_str().expect("a slip").to_owned();
    let barcodes: Vec<String> = slip["barcodes"]
        .as_array()
        .expect("barcodes")
        .iter()
        .map(|b| b.as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(barcodes.len(), 3, "{payment}");

    // The slip's PDF, printed at home: its barcodes read back.
    let slip_document = eventually("the payment slip", 120, || async {
        documents(out, token)
            .await
            .into_iter()
            .find(|d| d["kind"] == "payment_slip")
    })
    .await;
    let pdf = download(out, token, &slip_document).await;
    let read = barcodes_in_pdf(&pdf);
    for barcode in &barcodes {
        assert!(
            read.contains(barcode),
            "barcode {barcode} not read from the slip: {read:?}"
        );
    }

    // The shop takes the money; the collector tells the provider.
    let settled = out
        .api
        .http
        .post(format!("{}/cvs/operator/settle", out.paysim))
        .json(&json!({"slip_number": slip_number}))
        .send()
        .await
        .expect("the simulator answers");
    assert!(settled.status().is_success(), "{:?}", settled.text().await);
    for case_id in &case_ids {
        out.case_reaches(token, case_id, "CASE_STATE_ISSUED").await;
    }

    // Two e-permits and the receipt, each verified by its digest.
    let issued = eventually("the e-permits and the receipt", 120, || async {
        let listed = documents(out, token).await;
        let permits = listed.iter().filter(|d| d["kind"] == "e_permit").count();
        let receipts = listed.iter().filter(|d| d["kind"] == "receipt").count();
        (permits == 2 && receipts >= 1).then_some(listed)
    })
    .await;
    for document in issued
        .iter()
        .filter(|d| d["kind"] == "e_permit" || d["kind"] == "receipt")
    {
        let pdf = download(out, token, document).await;
        let digest = hex::encode(Sha256::digest(&pdf));
        assert_eq!(document["sha256"], digest.as_str(), "{document}");
        let verified = out
            .send(Call::new("RenderService.VerifyDocument").param("sha256", &digest))
            .await
            .ok();
        assert_eq!(verified["verdict"], "VERDICT_VALID", "{verified}");
    }
    TwOutcome {
        token: session,
        case_ids,
        payment_id,
        kinds: issued
            .iter()
            .filter_map(|d| d["kind"].as_str().map(str::to_owned))
            .collect(),
    }
}

async fn documents(out: &Outside, token: &str) -> Vec<Value> {
    out.send(Call::new("RenderService.ListDocuments").token(token))
        .await
        .ok()["documents"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

async fn download(out: &Outside, token: &str, document: &Value) -> Vec<u8> {
    let answer = out
        .send(
            Call::new("RenderService.DownloadRendered")
                .param(
                    "document_id",
                    document["document_id"].as_str().unwrap_or_default(),
                )
                .token(token),
        )
        .await;
    assert!(answer.status.is_success(), "{}", answer.text());
    assert_eq!(answer.header("content-type"), Some("application/pdf"));
    answer.body
}
