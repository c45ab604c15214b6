//! Submission throughput and latency of intake, in-process on port 0
//! against its own fresh database (see `bench/submit.sh`).
//!
//! The applicant sequence is Taiwan's data-change type (one photo field,
//! one required document): StartApplication → UploadDocument (photo, a
//! small PNG) → SaveDraft (valid answers) → UploadDocument (the document:
//! a 200 KB JPEG) → Submit. Each client holds one token per applicant, as
//! the gateway does for a session.
//!
//! Two measurements, each of `BENCH_SUBMISSIONS` (default 400) by
//! `BENCH_CLIENTS` (default 8) concurrent clients after `BENCH_CLIENTS`
//! warm-up rounds that are not counted:
//! - `intake:` the submission itself: drafts are filled in first (start,
//!   photo, answers; not timed), then each submission uploads its 200 KB
//!   document and submits; latency from the upload's first byte to the
//!   receipt number.
//! - `intake whole flow:` the whole sequence, timed from the start call.
//!
//! Blobs go to a temporary folder removed on exit, or to `BENCH_BLOB_ROOT`
//! when set (left in place).

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
const HOLDER: &str = "350102199903230018";
const DOCUMENT_BYTES: usize = 200 * 1024;

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
    laissez_intake::testing::portrait_png(60, 80)
}

struct Bench {
    client: IntakeServiceClient<Channel>,
    keys: TestKeys,
    photo: Vec<u8>,
    document: Vec<u8>,
}

/// The token an applicant's client holds.
struct Applicant {
    token: String,
}

impl Bench {
    fn request<T>(&self, token: &str, message: T) -> Request<T> {
        let mut request = Request::new(message);
        request.metadata_mut().insert(
            "authorization",
            format!("Bearer {token}").parse().expect("header value"),
        );
        request
    }

    fn applicant(&self, index: usize) -> Applicant {
        let account = format!("bench-{index}");
        let token = self
            .keys
            .token(&account, AGENCY, PORTAL, &[Role::Applicant]);
        Applicant { token }
    }

    async fn import_records(&self) {
        let stay_ends = (chrono::Utc::now() + chrono::Duration::days(400)).format("%Y-%m-%d");
        let csv = format!(
            "permit_number,holder_document_number,permit_kind,entry_inspected,chinese_name,school,stay_ends_on\n\
             {PERMIT},{HOLDER},multiple_entry,true,陳大文,國立臺灣大學,{stay_ends}\n"
        );
        self.client
            .clone()
            .import_permit_records(
                self.request(
                    &self
                        .keys
                        .token("bench-admin", AGENCY, "staff", &[Role::AgencyAdmin]),
                    ImportPermitRecordsRequest {
                        records: vec![],
                        csv: csv.into_bytes(),
                    },
                ),
            )
            .await
            .expect("import permit records");
    }

    async fn upload(
        &self,
        applicant: &Applicant,
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
            .upload_document(self.request(&applicant.token, futures::stream::iter(messages)))
            .await
            .expect("upload")
            .into_inner()
            .document_id
    }

    /// Starts a case, uploads its photo and saves valid answers: a draft
    /// ready for its document; returns its id.
    async fn draft(&self, applicant: &Applicant) -> String {
        let mut client = self.client.clone();
        let case = client
            .start_application(self.request(
                &applicant.token,
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
        let photo = self
            .upload(applicant, &case.case_id, "photo", "photo.png", &self.photo)
            .await;
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
            .save_draft(self.request(
                &applicant.token,
                SaveDraftRequest {
                    case_id: case.case_id.clone(),
                    answers_json: answers.to_string(),
                    express: false,
                },
            ))
            .await
            .expect("save draft");
        case.case_id
    }

    /// Uploads the case's 200 KB document and submits it.
    async fn submit(&self, applicant: &Applicant, case_id: String) {
        self.upload(
            applicant,
            &case_id,
            "change_proof",
            "proof.jpg",
            &self.document,
        )
        .await;
        let submitted = self
            .client
            .clone()
            .submit(self.request(
                &applicant.token,
                SubmitRequest {
                    case_ids: vec![case_id],
                },
            ))
            .await
            .expect("submit")
            .into_inner();
        assert_eq!(submitted.cases[0].state(), CaseState::Submitted);
    }

    /// The submission of a prepared draft, timed.
    async fn timed_submission(&self, (applicant, case_id): (Applicant, String)) -> Duration {
        let began = Instant::now();
        self.submit(&applicant, case_id).await;
        began.elapsed()
    }

    /// The whole sequence from the start call, timed.
    async fn timed_whole_flow(&self, index: usize) -> Duration {
        let began = Instant::now();
        let applicant = self.applicant(index);
        let case_id = self.draft(&applicant).await;
        self.submit(&applicant, case_id).await;
        began.elapsed()
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
    // `bench/submit.sh` keeps every round's blobs in one folder until its
    // last round: a round that deleted its files on exit would slow the next
    // one's file creation (ext4 without a journal skips inodes freed in the
    // last 30 seconds, one inode-table lookup each), which production, where
    // blobs are not deleted in bulk, does not see.
    let blob_root = std::env::var_os("BENCH_BLOB_ROOT").map(std::path::PathBuf::from);
    let service = TestIntake::start_with("bench", 20, TestKeys::new(), move |config| {
        if let Some(root) = blob_root {
            config.common.blob.root = root;
        }
    })
    .await?;
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
    jpeg_check(&bench.document);
    eprintln!(
        "intake bench: {submissions} submissions, {clients} clients, document {} bytes",
        bench.document.len()
    );

    // Drafts for the warm-up and the measured submissions, not timed.
    let drafts = run(clients, submissions + clients, {
        let bench = Arc::clone(&bench);
        move |index| {
            let bench = Arc::clone(&bench);
            async move {
                let applicant = bench.applicant(index);
                let case_id = bench.draft(&applicant).await;
                (applicant, case_id)
            }
        }
    })
    .await
    .0;
    let mut drafts = drafts.into_iter();
    let warm_up: Vec<_> = drafts.by_ref().take(clients).collect();
    let measured: Vec<_> = drafts.collect();
    let submit_all = |items: Vec<(Applicant, String)>| {
        let bench = Arc::clone(&bench);
        let count = items.len();
        let items = Arc::new(std::sync::Mutex::new(
            items.into_iter().map(Some).collect::<Vec<_>>(),
        ));
        run(clients, count, move |index| {
            let bench = Arc::clone(&bench);
            let item = items.lock().expect("items")[index]
                .take()
                .expect("each draft once");
            async move { bench.timed_submission(item).await }
        })
    };
    submit_all(warm_up).await;
    let (latencies, elapsed) = submit_all(measured).await;
    report("intake", &latencies, elapsed, clients);

    let whole = |offset: usize, count: usize| {
        let bench = Arc::clone(&bench);
        run(clients, count, move |index| {
            let bench = Arc::clone(&bench);
            async move { bench.timed_whole_flow(offset + index).await }
        })
    };
    whole(1_000_000, clients).await;
    let (latencies, elapsed) = whole(2_000_000, submissions).await;
    report("intake whole flow", &latencies, elapsed, clients);
    service.stop().await?;
    Ok(())
}

/// The upload check of the benchmark's document (an entropy decode of
/// every block, `uploads::jpeg`) against the full decode it replaced, in
/// this process; printed as `jpeg check:`.
fn jpeg_check(document: &[u8]) {
    use laissez_catalog::documents::RequiredDocument;
    use laissez_catalog::format::ContentKind;
    use laissez_intake::uploads::{Limits, inspect};

    const ROUNDS: u32 = 200;
    let requirement = RequiredDocument {
        code: "change_proof".into(),
        name: Default::default(),
        required: true,
        accepted: vec![ContentKind::Jpeg],
        max_bytes: 5 << 20,
        image: None,
        note: None,
    };
    let uploads = laissez_intake::config::UploadConfig::default();
    let limits = Limits {
        max_image_pixels: uploads.max_image_pixels,
        max_pdf_inflated_bytes: uploads.max_pdf_inflated_bytes,
    };
    let began = Instant::now();
    for _ in 0..ROUNDS {
        inspect(&requirement, "proof.jpg", document.to_vec(), limits).expect("accepted");
    }
    let checked = began.elapsed() / ROUNDS;
    let began = Instant::now();
    for _ in 0..ROUNDS {
        image::load_from_memory_with_format(document, image::ImageFormat::Jpeg).expect("decoded");
    }
    let decoded = began.elapsed() / ROUNDS;
    println!(
        "jpeg check: upload_check_ms={:.2} full_decode_ms={:.2} ratio={:.2}",
        checked.as_secs_f64() * 1e3,
        decoded.as_secs_f64() * 1e3,
        checked.as_secs_f64() / decoded.as_secs_f64(),
    );
}

/// Runs `count` jobs on `clients` concurrent workers; returns each job's
/// output in job order and the elapsed time.
async fn run<T, F, Fut>(clients: usize, count: usize, job: F) -> (Vec<T>, Duration)
where
    T: Send + 'static,
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = T> + Send,
{
    let job = Arc::new(job);
    let next = Arc::new(AtomicUsize::new(0));
    let began = Instant::now();
    let workers: Vec<_> = (0..clients)
        .map(|_| {
            let job = Arc::clone(&job);
            let next = Arc::clone(&next);
            tokio::spawn(async move {
                let mut outputs = Vec::new();
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    if index >= count {
                        return outputs;
                    }
                    outputs.push((index, job(index).await));
                }
            })
        })
        .collect();
    let mut all = Vec::with_capacity(count);
    for worker in workers {
        all.extend(worker.await.expect("client task"));
    }
    let elapsed = began.elapsed();
    all.sort_by_key(|(index, _)| *index);
    (all.into_iter().map(|(_, output)| output).collect(), elapsed)
}

fn report(label: &str, latencies: &[Duration], elapsed: Duration, clients: usize) {
    let mut sorted = latencies.to_vec();
    sorted.sort();
    println!(
        "{label}: submissions={} clients={clients} elapsed_s={:.2} submissions_per_s={:.1} p50_ms={:.1} p99_ms={:.1}",
        sorted.len(),
        elapsed.as_secs_f64(),
        sorted.len() as f64 / elapsed.as_secs_f64(),
        percentile(&sorted, 0.50),
        percentile(&sorted, 0.99),
    );
}
