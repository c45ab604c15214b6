//! Hostile uploads from outside, through the gateway: a 50 MB body, a PNG
//! header claiming 50k×50k pixels, a zip under a PNG name, path names and a
//! polyglot; each refused (or kept harmless) with memory bounded.

use std::time::Duration;

use laissez_integration_tests::api::Call;
use laissez_integration_tests::fujian::fj_applicant;
use laissez_integration_tests::journeys::Outside;
use laissez_integration_tests::platform::{Platform, Service};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Peak resident memory of a process, from `/proc/<pid>/status` (kB).
fn peak_rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with("VmHWM:"))
                .and_then(|line| line.split_whitespace().nth(1))
                .and_then(|kib| kib.parse().ok())
        })
        .unwrap_or(0)
}

/// A PNG header claiming `width`×`height` with a tiny (broken) body.
/// Sends only the head of an upload declaring `length` bytes with
/// `Expect: 100-continue` over a plain socket and returns the status the
/// gateway answers with before any of the body is sent.
async fn ask_before_sending(
    base: &str,
    path: &str,
    query: &[(&str, &str)],
    token: &str,
    length: usize,
) -> u16 {
    let mut url = reqwest::Url::parse(&format!("{base}{path}")).unwrap();
    url.query_pairs_mut().extend_pairs(query);
    let authority = format!(
        "{}:{}",
        url.host_str().unwrap(),
        url.port_or_known_default().unwrap()
    );
    let target = format!("{}?{}", url.path(), url.query().unwrap_or_default());
    let mut stream = tokio::net::TcpStream::connect(&authority).await.unwrap();
    let head = format!(
        "POST {target} HTTP/1.1\r\nHost: {authority}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: image/png\r\nContent-Length: {length}\r\nExpect: 100-continue\r\n\
         Connection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer))
        .await
        .expect("the gateway answers without waiting for the body")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer);
    let status_line = answer.lines().next().unwrap_or_default();
    assert!(
        !status_line.contains(" 100 "),
        "the gateway asked for the body: {answer}"
    );
    status_line
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status line: {answer}"))
}

fn png_claiming(width: u32, height: u32) -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    png.extend_from_slice(&(ihdr.len() as u32).to_be_bytes());
    png.extend_from_slice(b"IHDR");
    png.extend_from_slice(&ihdr);
    png.extend_from_slice(&[0, 0, 0, 0]); // a wrong CRC: decoders must refuse, not allocate
    png.extend_from_slice(b"\0\0\0\0IEND\xaeB`\x82");
    png
}

#[tokio::test]
async fn hostile_uploads_are_refused_with_memory_bounded() {
    let platform = Platform::start().await.expect("the platform starts");
    let out = Outside::of(&platform).await;
    let applicant = fj_applicant(&out).await;
    let started = out
        .send(
            Call::new("IntakeService.StartApplication")
                .token(&applicant.token)
                .body(json!({
                    "application_type": "one_time_taiwan_permit",
                    "notice_version": "2024-04",
                    "notice_accepted": true,
                    "applicant": {"date_of_birth": "1985-06-01"},
                })),
        )
        .await
        .ok();
    let case_id = started["case_id"].as_str().unwrap().to_owned();
    let before: Vec<u64> = [Service::Gateway, Service::Intake]
        .iter()
        .map(|s| peak_rss_kib(platform.pid(*s).unwrap()))
        .collect();

    let call = |file_name: &'static str| {
        Call::new("IntakeService.UploadDocument")
            .param("case_id", case_id.clone())
            .query("requirement", "tw_id_card_front")
            .query("file_name", file_name)
            .token(&applicant.token)
    };
    let upload = |file_name: &'static str, content: Vec<u8>| {
        let (out, call) = (out.clone(), call(file_name));
        async move { out.api.upload(call, "image/png", content).await }
    };

    // 50 MB declared: the answer comes before a byte of the body is read. A
    // client that asks first (`Expect: 100-continue`) is told 413 without
    // sending anything; one that sends anyway may see the connection closed
    // under its body instead of the answer, which is a refusal too.
    let (_, path) = out.api.resolve(&call("big.png"));
    let status = ask_before_sending(
        out.api.base(),
        &path,
        &[
            ("requirement", "tw_id_card_front"),
            ("file_name", "big.png"),
        ],
        &applicant.token,
        50 * 1024 * 1024,
    )
    .await;
    assert_eq!(
        status, 413,
        "a declared 50 MB body is refused before it is sent"
    );
    let big = out
        .api
        .try_upload(call("big.png"), "image/png", vec![0x89; 50 * 1024 * 1024])
        .await;
    match big {
        Ok(answer) => {
            answer.problem(413);
        }
        Err(error) => assert!(error.is_request(), "50 MB sent anyway: {error}"),
    }
    eprintln!("50 MB: refused");

    let mut polyglot = laissez_integration_tests::outside::scan();
    polyglot.extend_from_slice(b"<script>alert(1)</script>%PDF-1.7\nPK\x03\x04");
    let hostile: Vec<(&str, &'static str, Vec<u8>)> = vec![
        ("50k×50k header", "bomb.png", png_claiming(50_000, 50_000)),
        (
            "zip in a png name",
            "bomb.png",
            b"PK\x03\x04\x14\x00\x00\x00\x08\x00".repeat(1000),
        ),
        (
            "a path for a name",
            "../../../etc/passwd",
            laissez_integration_tests::outside::scan(),
        ),
        (
            "a name with a NUL",
            "a\0b.png",
            laissez_integration_tests::outside::scan(),
        ),
    ];
    for (what, name, content) in hostile {
        let answer = upload(name, content).await;
        if what == "a path for a name" || what == "a name with a NUL" {
            // Either refused, or kept under a harmless name.
            if answer.status.is_success() {
                let body = answer.text();
                assert!(!body.contains(".."), "{what}: {body}");
                continue;
            }
        }
        assert!(
            answer.status.is_client_error(),
            "{what}: {} {}",
            answer.status,
            answer.text()
        );
        eprintln!("{what}: refused {}", answer.status);
    }
    // The polyglot is a valid PNG with trailing bytes: accepted or refused,
    // but what comes back is never served as anything but the image.
    let answer = upload("polyglot.png", polyglot).await;
    eprintln!("polyglot: {}", answer.status);
    if answer.status.is_success() {
        let document_id = answer.json()["document_id"].as_str().unwrap().to_owned();
        let downloaded = out
            .send(
                Call::new("IntakeService.DownloadDocument")
                    .param("case_id", &case_id)
                    .param("document_id", &document_id)
                    .token(&applicant.token),
            )
            .await;
        let content_type = downloaded.header("content-type").unwrap_or_default();
        assert!(!content_type.contains("html"), "{content_type}");
        assert_eq!(downloaded.header("x-content-type-options"), Some("nosniff"));
    }
    let after: Vec<u64> = [Service::Gateway, Service::Intake]
        .iter()
        .map(|s| peak_rss_kib(platform.pid(*s).unwrap()))
        .collect();
    eprintln!(
        "peak RSS (kB) before → after: gateway {} → {}, intake {} → {}",
        before[0], after[0], before[1], after[1]
    );
    // Bounded: a 50 MB body and a 7.5 GB image must not be held in memory.
    for (b, a) in before.iter().zip(&after) {
        assert!(
            a.saturating_sub(*b) < 32 * 1024,
            "peak RSS grew by {} kB",
            a - b
        );
    }
    platform.stop().await;
}
