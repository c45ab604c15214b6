//! Hostile uploads refused with nothing stored, and 10,000 probing reads of
//! other accounts' and other agencies' cases and documents: all answer
//! exactly as a case that does not exist.

mod support;

use std::io::Write;

use laissez_kit::Role;
use laissez_proto::intake::v1::*;
use support::*;
use tonic::Code;

fn pdf(body: &[u8]) -> Vec<u8> {
    let mut file = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n".to_vec();
    file.extend_from_slice(body);
    file.extend_from_slice(b"\ntrailer << /Root 1 0 R >>\n%%EOF\n");
    file
}

fn zip_bomb_stream() -> Vec<u8> {
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..200 {
        encoder.write_all(&zeros).unwrap();
    }
    let compressed = encoder.finish().unwrap();
    let mut body = b"2 0 obj << /Filter /FlateDecode >> stream\n".to_vec();
    body.extend_from_slice(&compressed);
    body.extend_from_slice(b"\nendstream endobj");
    pdf(&body)
}

fn huge_png_header() -> Vec<u8> {
    // A valid 50,000 x 50,000 IHDR with a tiny IDAT: the header alone must refuse it.
    let mut png = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    let mut chunk = |kind: &[u8], data: &[u8]| {
        png.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut crc_input = kind.to_vec();
        crc_input.extend_from_slice(data);
        png.extend_from_slice(kind);
        png.extend_from_slice(data);
        let mut crc = flate2::Crc::new();
        crc.update(&crc_input);
        png.extend_from_slice(&crc.sum().to_be_bytes());
    };
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&50_000u32.to_be_bytes());
    ihdr.extend_from_slice(&50_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(b"IHDR", &ihdr);
    chunk(b"IDAT", &[0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
    chunk(b"IEND", &[]);
    png
}

#[tokio::test]
async fn hostile_uploads_are_refused_and_nothing_is_stored() {
    let intake = start("hostile").await;
    let who = As::applicant("hostile-1", TW);
    // tw-nia accepts JPEG, PNG, BMP and PDF under 512 KB.
    let case = {
        let mut client = intake.client.clone();
        let admin = As::staff(TW, Role::AgencyAdmin);
        client
            .import_permit_records(intake.request(
                &admin,
                ImportPermitRecordsRequest {
                    records: vec![PermitRecord {
                            permit_number: "S1".into(),
                            holder_document_number: "ID1".into(),
                            fields: [
                                ("permit_kind".to_string(), "single_entry".to_string()),
                                ("entry_inspected".into(), "true".into()),
                            ]
                            .into(),
                        }],
                    csv: vec![],
                },
            ))
            .await
            .unwrap();
        client
            .start_application(intake.request(
                &who,
                StartApplicationRequest {
                    application_type: "multi_entry_permit".into(),
                    notice_version: "2019-07-10".into(),
                    notice_accepted: true,
                    permit_number: "S1".into(),
                    applicant: Some(applicant("王小明", "ID1")),
                    ..Default::default()
                },
            ))
            .await
            .unwrap()
            .into_inner()
    };
    let id = case.case_id.as_str();
    let mut jpeg_html = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10];
    jpeg_html.extend_from_slice(b"JFIF\0<html><script>alert(document.cookie)</script></html>");
    let mut pdf_zip = pdf(b"");
    pdf_zip.splice(
        20..20,
        b"PK\x03\x04\x14\x00\x00\x00\x08\x00".iter().copied(),
    );
    let mut png_exif_gps = png(20, 20);
    let cases: Vec<(&str, &str, Vec<u8>, &str)> = vec![
        (
            "zip bomb",
            "bomb.pdf",
            {
                let mut zip = b"PK\x03\x04\x14\x00\x00\x00".to_vec();
                zip.extend(vec![0u8; 1000]);
                zip
            },
            "not_accepted",
        ),
        (
            "pdf compression bomb",
            "scan.pdf",
            zip_bomb_stream(),
            "compression_bomb",
        ),
        (
            "50k png header",
            "photo.png",
            huge_png_header(),
            "image_too_large",
        ),
        ("pdf+zip", "scan.pdf", pdf_zip, "polyglot"),
        ("jpeg+html", "photo.jpg", jpeg_html, "polyglot"),
        (
            "jpg that is a pdf",
            "photo.jpg",
            pdf(b""),
            "extension_mismatch",
        ),
        (
            "javascript pdf",
            "scan.pdf",
            pdf(b"3 0 obj << /S /JavaScript /JS (app.alert(1)) >> endobj"),
            "pdf_active_content",
        ),
        (
            "launch pdf",
            "scan.pdf",
            pdf(b"3 0 obj << /S /Launch /F (cmd.exe) >> endobj"),
            "pdf_active_content",
        ),
        (
            "encrypted pdf",
            "scan.pdf",
            pdf(b"trailer << /Encrypt 9 0 R >>"),
            "pdf_encrypted",
        ),
        (
            "dot dot name",
            "../../etc/passwd.png",
            png(10, 10),
            "unsafe_file_name",
        ),
        ("nul name", "photo\0.png", png(10, 10), "unsafe_file_name"),
        (
            "rtl override name",
            "invoice\u{202E}gnp.pdf",
            png(10, 10),
            "unsafe_file_name",
        ),
        (
            "truncated png",
            "photo.png",
            png(40, 40)[..60].to_vec(),
            "corrupt",
        ),
    ];
    for (what, name, content, code) in cases {
        let refused = intake
            .upload(&who, id, "other_proof", name, content)
            .await
            .unwrap_err();
        assert_eq!(refused.code(), Code::InvalidArgument, "{what}: {refused:?}");
        assert_eq!(field_errors(&refused)[0].1, code, "{what}: {refused:?}");
    }
    // A 50 MB stream is cut off at the limit, without the server reading it all.
    let chunk = vec![0x42u8; 64 * 1024];
    let mut first = png(10, 10);
    first.resize(64 * 1024, 0);
    let header = UploadDocumentChunk {
        part: Some(upload_document_chunk::Part::Header(UploadHeader {
            case_id: id.into(),
            requirement: "other_proof".into(),
            file_name: "big.png".into(),
            replaces_document_id: String::new(),
        })),
    };
    let stream = futures::stream::iter(
        std::iter::once(header)
            .chain(std::iter::once(UploadDocumentChunk {
                part: Some(upload_document_chunk::Part::Data(first)),
            }))
            .chain((0..800).map(move |_| UploadDocumentChunk {
                part: Some(upload_document_chunk::Part::Data(chunk.clone())),
            })),
    );
    let refused = intake
        .client
        .clone()
        .upload_document(intake.request(&who, stream))
        .await
        .unwrap_err();
    assert_eq!(field_errors(&refused)[0].1, "too_large", "{refused:?}");

    assert_eq!(intake.blob_count(), 0, "nothing stored");
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM case_documents")
        .fetch_one(&intake.database.pool)
        .await
        .unwrap();
    assert_eq!(rows, 0);

    // A clean photo is stored without its metadata, under its hash.
    png_exif_gps.truncate(png_exif_gps.len() - 12);
    let mut exif = Vec::new();
    let payload = b"Exif\0\0GPSLatitude=25.03";
    exif.extend_from_slice(&(payload.len() as u32).to_be_bytes());
    exif.extend_from_slice(b"eXIf");
    exif.extend_from_slice(payload);
    let mut crc = flate2::Crc::new();
    crc.update(b"eXIf");
    crc.update(payload);
    exif.extend_from_slice(&crc.sum().to_be_bytes());
    png_exif_gps.extend_from_slice(&exif);
    png_exif_gps.extend_from_slice(&[0, 0, 0, 0, b'I', b'E', b'N', b'D', 0xAE, 0x42, 0x60, 0x82]);
    let stored = intake
        .upload(&who, id, "other_proof", "photo.png", png_exif_gps)
        .await
        .unwrap();
    let downloaded: Vec<u8> = {
        let mut stream = intake
            .client
            .clone()
            .download_document(intake.request(
                &who,
                DownloadDocumentRequest {
                    case_id: id.into(),
                    document_id: stored.document_id.clone(),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        let mut bytes = Vec::new();
        while let Some(chunk) = stream.message().await.unwrap() {
            bytes.extend(chunk.data);
        }
        bytes
    };
    assert!(
        !downloaded.windows(4).any(|w| w == b"eXIf"),
        "metadata stripped"
    );
    assert!(!downloaded.windows(11).any(|w| w == b"GPSLatitude"));
    assert_eq!(stored.media_type, "image/png");
    assert_eq!(intake.blob_count(), 1);
    intake.stop().await;
}

#[tokio::test]
async fn probing_other_accounts_and_agencies_leaks_nothing() {
    let intake = start("leaks").await;
    let owner = As::applicant("owner", FJ);
    let case = intake.complete_fj_draft(&owner).await;
    let document = intake.get(&owner, &case.case_id).await.unwrap().documents[0]
        .document_id
        .clone();
    let foreign_agency_case = {
        let admin = As::staff(TW, Role::AgencyAdmin);
        intake
            .client
            .clone()
            .import_permit_records(intake.request(
                &admin,
                ImportPermitRecordsRequest {
                    records: vec![PermitRecord {
                            permit_number: "S1".into(),
                            holder_document_number: "ID1".into(),
                            fields: [
                                ("permit_kind".to_string(), "single_entry".to_string()),
                                ("entry_inspected".into(), "true".into()),
                            ]
                            .into(),
                        }],
                    csv: vec![],
                },
            ))
            .await
            .unwrap();
        let tw = As::applicant("owner", TW);
        let started = intake
            .client
            .clone()
            .start_application(intake.request(
                &tw,
                StartApplicationRequest {
                    application_type: "multi_entry_permit".into(),
                    notice_version: "2019-07-10".into(),
                    notice_accepted: true,
                    permit_number: "S1".into(),
                    applicant: Some(applicant("王小明", "ID1")),
                    ..Default::default()
                },
            ))
            .await
            .unwrap()
            .into_inner();
        started.case_id
    };
    let intruders = [
        As::applicant("intruder", FJ),
        As::staff(TW, Role::Reviewer),
        As::staff(TW, Role::AgencyAdmin),
        As::applicant("owner", TW),
    ];
    let expected_message = intake
        .get(&owner, &uuid::Uuid::new_v4().to_string())
        .await
        .unwrap_err()
        .message()
        .to_owned();
    let probes = (0..10_000usize).map(|index| {
        let intake = &intake;
        let who = intruders[index % intruders.len()].clone();
        let target = match index % 3 {
            0 => case.case_id.clone(),
            1 => uuid::Uuid::new_v4().to_string(),
            _ => {
                if who.agency == FJ {
                    foreign_agency_case.clone()
                } else {
                    case.case_id.clone()
                }
            }
        };
        let document = document.clone();
        async move {
            let result = if index % 2 == 0 {
                intake.get(&who, &target).await.map(|_| ())
            } else {
                intake
                    .client
                    .clone()
                    .download_document(intake.request(
                        &who,
                        DownloadDocumentRequest {
                            case_id: target,
                            document_id: document,
                        },
                    ))
                    .await
                    .map(|_| ())
            };
            result.unwrap_err()
        }
    });
    let mut leaks = 0;
    let mut stream = futures::stream::iter(probes).buffer_unordered(32);
    use futures::StreamExt;
    while let Some(status) = stream.next().await {
        if status.code() != Code::NotFound || status.message() != expected_message {
            leaks += 1;
        }
    }
    drop(stream);
    assert_eq!(leaks, 0);
    // The owner sees it; the agency's staff once it is submitted (a draft
    // is the applicant's alone).
    assert!(intake.get(&owner, &case.case_id).await.is_ok());
    intake.submit(&owner, &[&case.case_id]).await.unwrap();
    assert!(
        intake
            .get(&As::staff(FJ, Role::Reviewer), &case.case_id)
            .await
            .is_ok()
    );
    intake.stop().await;
}

/// A draft belongs to its applicant until it is submitted: the agency's
/// staff, whatever their role, find no such case, document or list entry.
#[tokio::test]
async fn staff_cannot_see_a_draft_until_it_is_submitted() {
    let intake = start("draft_privacy").await;
    let applicant = As::applicant("draft-owner", FJ);
    let draft = intake.complete_fj_draft(&applicant).await;
    let document_id = draft.documents[0].document_id.clone();
    let list = |who: As| {
        let intake = &intake;
        async move {
            intake
                .client
                .clone()
                .list_cases(intake.request(&who, ListCasesRequest::default()))
                .await
                .unwrap()
                .into_inner()
                .cases
                .into_iter()
                .map(|case| case.case_id)
                .collect::<Vec<_>>()
        }
    };
    let download = |who: As| {
        let intake = &intake;
        let case_id = draft.case_id.clone();
        let document_id = document_id.clone();
        async move {
            intake
                .client
                .clone()
                .download_document(intake.request(
                    &who,
                    DownloadDocumentRequest {
                        case_id,
                        document_id,
                    },
                ))
                .await
                .map(|_| ())
        }
    };
    for role in [
        Role::Reviewer,
        Role::SeniorReviewer,
        Role::AgencyAdmin,
        Role::PlatformOperator,
    ] {
        let staff = As::staff(FJ, role);
        let read = intake.get(&staff, &draft.case_id).await.unwrap_err();
        assert_eq!(read.code(), Code::NotFound, "{role:?} read a draft");
        let fetched = download(staff.clone()).await.unwrap_err();
        assert_eq!(
            fetched.code(),
            Code::NotFound,
            "{role:?} downloaded from a draft"
        );
        assert!(list(staff).await.is_empty(), "{role:?} listed a draft");
    }
    // The applicant still sees it; once submitted, so does the agency.
    assert!(intake.get(&applicant, &draft.case_id).await.is_ok());
    intake.submit(&applicant, &[&draft.case_id]).await.unwrap();
    let reviewer = As::staff(FJ, Role::Reviewer);
    assert!(intake.get(&reviewer, &draft.case_id).await.is_ok());
    download(reviewer.clone()).await.unwrap();
    assert_eq!(list(reviewer).await, vec![draft.case_id.clone()]);
    intake.stop().await;
}
