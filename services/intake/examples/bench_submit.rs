//! Submission throughput and latency of intake, in-process on port 0
//! against its own fresh database (see `bench/submit.sh`).
//!
//! One submission is the whole applicant sequence for Taiwan's data-change
//! type (one photo field, one required document): StartApplication →
//! UploadDocument (photo, a small PNG) → SaveDraft (valid answers) →
//! UploadDocument (the document: a 200 KB JPEG) → Submit. Its latency is
//! measured from the start call to the submit answer.
//!
//! `BENCH_SUBMISSIONS` (default 400) submissions by `BENCH_CLIENTS`
//! (default 8) concurrent clients, after `BENCH_CLIENTS` warm-up
//! submissions that are not counted. Prints one `intake:` line.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use laissez_intake::testing::TestIntake;
use laissez_kit::Role;
use laissez_kit::auth::testing::TestKeys;
use laissez_proto::intake::v1::intake_service_client::IntakeServiceClient;
use laissez_proto::intake::v1::*;
use tonic::Request;
use tonic::transport::Channel;

const AGENCY: &str = "tw-nia";
const PORTAL: &str = "mainland-students";
const APPLICATION_TYPE: &str = "data_change";
const PERMIT: &str = "S100";
const HOLDER: &str = "350102199903230011";
const DOCUMENT_BYTES: usize = 200 * 1024;
const STEPS: [&str; 5] = ["start", "photo", "save", "document", "submit"];

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

/// A valid JPEG of about 200 KB: noise compresses badly, so the size
/// follows the pixel count.
fn document_jpeg() -> Vec<u8> {
    let mut side = 256;
    loop {
        let mut state: u32 = 0x2545_f491;
        let image = image::RgbImage::from_fn(side, side, |_, _| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            let [r, g, b, _] = state.to_le_bytes();
            image::Rgb([r, g, b])
        });
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80)
            .encode_image(&image)
            .expect("jpeg encoding");
        if out.len() >= DOCUMENT_BYTES {
            return out;
        }
        side += 8;
    }
}

fn photo_png() -> Vec<u8> {
    let image = image::RgbImage::from_fn(60, 80, |x, y| {
        image::Rgb([(x * 3) as u8, (y * 5) as u8, 200])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image
        .write_to(&mut out, image::ImageFormat::Png)
        .expect("png encoding");
    out.into_inner()
}

struct Bench {
    client: IntakeServiceClient<Channel>,
    keys: TestKeys,
    photo: Vec<u8>,
    document: Vec<u8>,
}

impl Bench {
    fn request<T>(&self, account: &str, role: Role, portal: &str, message: T) -> Request<T> {
        let token = self.keys.token(account, AGENCY, portal, &[role]);
        let mut request = Request::new(message);
        request.metadata_mut().insert(
            "authorization",
            format!("Bearer {token}").parse().expect("header value"),
        );
        request
    }

    fn applicant<T>(&self, account: &str, message: T) -> Request<T> {
        self.request(account, Role::Applicant, PORTAL, message)
    }

    async fn import_records(&self) {
        let stay_ends = (chrono::Utc::now() + chrono::Duration::days(400)).format("%Y-%m-%d");
        let csv = format!(
            "permit_number,holder_document_number,permit_kind,entry_inspected,chinese_name,school,stay_ends_on\n\
             {PERMIT},{HOLDER},multiple_entry,true,陳大文,國立臺灣大學,{stay_ends}\n"
        );
        self.client
            .clone()
            .import_permit_records(self.request(
                "bench-admin",
                Role::AgencyAdmin,
                "staff",
                ImportPermitRecordsRequest {
                    records: vec![],
                    csv: csv.into_bytes(),
                },
            ))
            .await
            .expect("import permit records");
    }

    async fn upload(
        &self,
        account: &str,
        case_id: &str,
        requirement: &str,
        file_name: &str,
        content: &[u8],
    ) -> String {
        let mut messages = vec![UploadDocumentChunk {
            part: Some(upload_document_chunk::Part::Header(UploadHeader {
                case_id: case_id.into(),
                requirement: requirement.into(),
                file_name: file_name.into(),
                replaces_document_id: String::new(),
            })),
        }];
        for chunk in content.chunks(64 * 1024) {
            messages.push(UploadDocumentChunk {
                part: Some(upload_document_chunk::Part::Data(chunk.to_vec())),
            });
        }
        self.client
            .clone()
            .upload_document(self.applicant(account, futures::stream::iter(messages)))
            .await
            .expect("upload")
            .into_inner()
            .document_id
    }

    /// One whole submission; returns the duration of each of its steps.
    async fn submission(&self, index: usize) -> [Duration; STEPS.len()] {
        let account = format!("bench-{index}");
        let mut steps = [Duration::ZERO; STEPS.len()];
        let mut lap = Instant::now();
        let mut record = |step: usize| {
            steps[step] = lap.elapsed();
            lap = Instant::now();
        };
        let mut client = self.client.clone();
        let case = client
            .start_application(self.applicant(
                &account,
                StartApplicationRequest {
                    application_type: APPLICATION_TYPE.into(),
                    notice_version: "2019-07-10".into(),
                    notice_accepted: true,
                    permit_number: PERMIT.into(),
                    applicant: Some(ApplicantData {
                        name: "陳大文".into(),
                        date_of_birth: "1999-03-23".into(),
                        relationship: "self".into(),
                        document_number: HOLDER.into(),
                        contact_email: "student@example.org".into(),
                        language: 1,
                        ..Default::default()
                    }),
                    ..Default::default()
                },
            ))
            .await
            .expect("start application")
            .into_inner();
        record(0);
        let photo = self
            .upload(&account, &case.case_id, "photo", "photo.png", &self.photo)
            .await;
        record(1);
        let answers = serde_json::json!({
            "photo": photo,
            "student_category": "general",
            "resumed_studies": true,
            "chinese_name": "陳大文",
            "date_of_birth": "1999-03-23",
            "mainland_id_number": HOLDER,
            "sex": "male",
            "department": "法律學系",
            "place_of_birth": "fujian",
            "mainland_address": "福建省福州市鼓樓區1號",
            "taiwan_address": "臺北市大安區羅斯福路四段1號",
            "father_name": "陳父",
            "mother_name": "林母",
            "political_posts": {"option": "never"},
        });
        client
            .save_draft(self.applicant(
                &account,
                SaveDraftRequest {
                    case_id: case.case_id.clone(),
                    answers_json: answers.to_string(),
                    express: false,
                },
            ))
            .await
            .expect("save draft");
        record(2);
        self.upload(
            &account,
            &case.case_id,
            "change_proof",
            "proof.jpg",
            &self.document,
        )
        .await;
        record(3);
        let submitted = client
            .submit(self.applicant(
                &account,
                SubmitRequest {
                    case_ids: vec![case.case_id],
                },
            ))
            .await
            .expect("submit")
            .into_inner();
        assert_eq!(submitted.cases[0].state(), CaseState::Submitted);
        record(4);
        steps
    }
}

fn percentile(sorted: &[Duration], fraction: f64) -> f64 {
    let index = ((sorted.len() as f64 - 1.0) * fraction).round() as usize;
    sorted[index.min(sorted.len() - 1)].as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let submissions = env_or("BENCH_SUBMISSIONS", 400);
    let clients = env_or("BENCH_CLIENTS", 8).max(1);
    let service = TestIntake::start("bench", 20).await?;
    let channel = tonic::transport::Endpoint::from_shared(format!("http://{}", service.grpc_addr))?
        .connect()
        .await?;
    let bench = Arc::new(Bench {
        client: IntakeServiceClient::new(channel)
            .max_decoding_message_size(16 << 20)
            .max_encoding_message_size(16 << 20),
        keys: TestKeys {
            signer: service.keys.signer.clone(),
            keys: service.keys.keys.clone(),
        },
        photo: photo_png(),
        document: document_jpeg(),
    });
    bench.import_records().await;
    eprintln!(
        "intake bench: {submissions} submissions, {clients} clients, document {} bytes",
        bench.document.len()
    );

    let run = |offset: usize, count: usize| {
        let next = Arc::new(AtomicUsize::new(0));
        let workers: Vec<_> = (0..clients)
            .map(|_| {
                let bench = Arc::clone(&bench);
                let next = Arc::clone(&next);
                tokio::spawn(async move {
                    let mut latencies = Vec::new();
                    loop {
                        let index = next.fetch_add(1, Ordering::Relaxed);
                        if index >= count {
                            return latencies;
                        }
                        latencies.push(bench.submission(offset + index).await);
                    }
                })
            })
            .collect();
        async move {
            let mut all = Vec::new();
            for worker in workers {
                all.extend(worker.await.expect("client task"));
            }
            all
        }
    };
    run(1_000_000, clients).await;
    let began = Instant::now();
    let latencies = run(0, submissions).await;
    let elapsed = began.elapsed().as_secs_f64();

    let mut whole: Vec<Duration> = latencies.iter().map(|steps| steps.iter().sum()).collect();
    whole.sort();
    let step_p50: Vec<String> = STEPS
        .iter()
        .enumerate()
        .map(|(step, name)| {
            let mut durations: Vec<Duration> = latencies.iter().map(|steps| steps[step]).collect();
            durations.sort();
            format!("{name}_p50_ms={:.1}", percentile(&durations, 0.50))
        })
        .collect();
    println!(
        "intake: submissions={} clients={clients} elapsed_s={elapsed:.2} submissions_per_s={:.1} p50_ms={:.1} p99_ms={:.1}",
        whole.len(),
        whole.len() as f64 / elapsed,
        percentile(&whole, 0.50),
        percentile(&whole, 0.99),
    );
    println!("intake steps: {}", step_p50.join(" "));
    service.stop().await?;
    Ok(())
}
