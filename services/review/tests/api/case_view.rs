//! The reviewer's case view, end to end with a real intake: an applicant
//! submits through intake, the event builds review's queue, a reviewer
//! claims the case and reads it; review fetches the submitted case from
//! intake with the reviewer's own token. A return and the applicant's reply
//! show up in the next view.

use std::time::Duration;

use futures::StreamExt;
use laissez_intake::testing::TestIntake;
use laissez_kit::Role;
use laissez_kit::auth::testing::TestKeys;
use laissez_proto::events::v1::Decision;
use laissez_proto::intake::v1 as intake;
use laissez_proto::intake::v1::intake_service_client::IntakeServiceClient;
use laissez_proto::review::v1::*;
use tonic::transport::Channel;
use tonic::{Code, Request};

use crate::support::*;

const FJ: &str = "fj-exit-entry";

struct Applicant {
    client: IntakeServiceClient<Channel>,
    keys: TestKeys,
    account: String,
}

impl Applicant {
    fn request<T>(&self, message: T) -> Request<T> {
        let token = self
            .keys
            .token(&self.account, FJ, "nia-app", &[Role::Applicant]);
        let mut request = Request::new(message);
        request
            .metadata_mut()
            .insert("authorization", format!("Bearer {token}").parse().unwrap());
        request
    }

    async fn upload(&self, case_id: &str, requirement: &str, content: Vec<u8>) -> intake::Document {
        let mut messages = vec![intake::UploadDocumentChunk {
            part: Some(intake::upload_document_chunk::Part::Header(
                intake::UploadHeader {
                    case_id: case_id.into(),
                    requirement: requirement.into(),
                    file_name: format!("{requirement}.png"),
                    replaces_document_id: String::new(),
                },
            )),
        }];
        for chunk in content.chunks(64 * 1024) {
            messages.push(intake::UploadDocumentChunk {
                part: Some(intake::upload_document_chunk::Part::Data(chunk.to_vec())),
            });
        }
        self.client
            .clone()
            .upload_document(self.request(futures::stream::iter(messages)))
            .await
            .unwrap()
            .into_inner()
    }

    /// A complete Fujian one-time permit application, submitted.
    async fn submit_case(&self) -> String {
        let mut client = self.client.clone();
        let case = client
            .start_application(self.request(intake::StartApplicationRequest {
                application_type: "one_time_taiwan_permit".into(),
                notice_version: "2024-04".into(),
                notice_accepted: true,
                applicant: Some(intake::ApplicantData {
                    name: "陳大文".into(),
                    date_of_birth: "1990-01-01".into(),
                    relationship: "self".into(),
                    document_number: "A123456789".into(),
                    contact_email: "applicant@example.org".into(),
                    language: 1,
                    ..Default::default()
                }),
                ..Default::default()
            }))
            .await
            .unwrap()
            .into_inner();
        let photo = self.upload(&case.case_id, "photo", png(60, 80)).await;
        for requirement in [
            "tw_id_card_front",
            "tw_id_card_back",
            "tw_exit_entry_document",
        ] {
            self.upload(&case.case_id, requirement, png(50, 30)).await;
        }
        let entry = (chrono::Utc::now() + chrono::Duration::days(30)).format("%Y-%m-%d");
        client
            .save_draft(
                self.request(intake::SaveDraftRequest {
                    case_id: case.case_id.clone(),
                    answers_json: serde_json::json!({
                        "photo": photo.document_id,
                        "port_of_entry": "xiamen_wutong",
                        "planned_entry_date": entry.to_string(),
                    })
                    .to_string(),
                    express: false,
                }),
            )
            .await
            .unwrap();
        client
            .submit(self.request(intake::SubmitRequest {
                case_ids: vec![case.case_id.clone()],
            }))
            .await
            .unwrap();
        case.case_id
    }
}

fn png(width: u32, height: u32) -> Vec<u8> {
    laissez_intake::testing::portrait_png(width, height)
}

async fn claim_within(review: &TestApp, reviewer: &As, timeout: Duration) -> Option<Claim> {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let claimed = review
            .client
            .clone()
            .claim_next(review.request(reviewer, ClaimNextRequest::default()))
            .await;
        match claimed {
            Ok(claim) => return Some(claim.into_inner()),
            Err(status) if status.code() == Code::NotFound => {}
            Err(status) => panic!("claim failed: {status:?}"),
        }
        if tokio::time::Instant::now() >= deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn view(review: &TestApp, who: &As, case_id: &str) -> Result<ReviewCase, tonic::Status> {
    review
        .client
        .clone()
        .get_review_case(review.request(
            who,
            GetReviewCaseRequest {
                case_id: case_id.into(),
            },
        ))
        .await
        .map(|response| response.into_inner())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_case_view_shows_intakes_submission_documents_and_returns() {
    let keys = TestKeys::new();
    let exchange = format!("test.caseview.{}", uuid::Uuid::new_v4().simple());
    let intake_service = TestIntake::start_with("case_view", 10, keys.clone(), |config| {
        config.events.exchange = exchange.clone();
    })
    .await
    .unwrap();
    let intake_url = format!("http://{}", intake_service.grpc_addr);
    let review = start_with_keys("case_view", keys.clone(), |config| {
        config.events.exchange = exchange.clone();
        config.services.intake = intake_url.clone();
    })
    .await;
    review.ready().await;

    let channel = tonic::transport::Endpoint::from_shared(intake_url)
        .unwrap()
        .connect()
        .await
        .unwrap();
    let applicant = Applicant {
        client: IntakeServiceClient::new(channel),
        keys: keys.clone(),
        account: "case-view-applicant".into(),
    };
    let case_id = applicant.submit_case().await;

    let reviewer = As::reviewer("reviewer-fj", FJ);
    let claim = claim_within(&review, &reviewer, Duration::from_secs(90))
        .await
        .expect("intake's submission should reach the review queue");
    assert_eq!(claim.case_id, case_id);

    let shown = view(&review, &reviewer, &case_id).await.unwrap();
    let submission = shown.submission.expect("intake's case");
    assert_eq!(submission.case_id, case_id);
    assert_eq!(submission.state(), intake::CaseState::Submitted);
    assert_eq!(submission.documents.len(), 4, "photo and three scans");
    let answers: serde_json::Value = serde_json::from_str(&submission.answers_json).unwrap();
    assert_eq!(answers["port_of_entry"], "xiamen_wutong");
    assert!(shown.history.iter().any(|entry| entry.action == "claimed"));

    // The documents listed are readable from intake with the same token.
    let scan = submission
        .documents
        .iter()
        .find(|document| document.requirement == "tw_id_card_front")
        .unwrap();
    let mut intake_client = applicant.client.clone();
    let mut download = intake_client
        .download_document(review.request(
            &reviewer,
            intake::DownloadDocumentRequest {
                case_id: case_id.clone(),
                document_id: scan.document_id.clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    let mut bytes = Vec::new();
    while let Some(chunk) = download.next().await {
        bytes.extend(chunk.unwrap().data);
    }
    assert_eq!(bytes, png(50, 30));

    // Another agency's reviewer sees no such case, in review or via intake.
    let stranger = As::reviewer("reviewer-hk", HK);
    assert_eq!(
        view(&review, &stranger, &case_id).await.unwrap_err().code(),
        Code::NotFound
    );

    // A return and the applicant's reply appear in the next view.
    review
        .client
        .clone()
        .decide(review.request(
            &reviewer,
            DecideRequest {
                case_id: case_id.clone(),
                decision: Decision::ReturnedForCorrection as i32,
                comment: "the port of entry is closed that day".into(),
                fee_forfeited: false,
            },
        ))
        .await
        .unwrap();
    let mut returned = false;
    for _ in 0..200 {
        let case = applicant
            .client
            .clone()
            .get_case(applicant.request(intake::GetCaseRequest {
                case_id: case_id.clone(),
            }))
            .await
            .unwrap()
            .into_inner();
        if case.state() == intake::CaseState::ReturnedForCorrection {
            returned = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(returned, "intake should apply the return");
    applicant
        .client
        .clone()
        .resubmit(applicant.request(intake::ResubmitRequest {
            case_id: case_id.clone(),
            reply: "we will enter at Fuzhou instead".into(),
        }))
        .await
        .unwrap();
    let claim = claim_within(&review, &reviewer, Duration::from_secs(90))
        .await
        .expect("the resubmission should queue the case again");
    assert_eq!(claim.case_id, case_id);
    let shown = view(&review, &reviewer, &case_id).await.unwrap();
    let submission = shown.submission.unwrap();
    assert_eq!(submission.returns.len(), 1);
    assert_eq!(
        submission.returns[0].reviewer_comment,
        "the port of entry is closed that day"
    );
    assert_eq!(
        submission.returns[0].applicant_reply,
        "we will enter at Fuzhou instead"
    );

    review.stop().await;
    intake_service.stop().await.unwrap();
}

#[tokio::test]
async fn while_intake_is_down_the_view_says_so_and_shows_what_review_holds() {
    // The test support points review at a port nothing listens on.
    let review = start("case_view_down").await;
    let case = NewCase::new(HK, chrono::Utc::now());
    let case_id = review.submit(&case).await;
    let reviewer = As::reviewer("reviewer-hk", HK);
    let shown = view(&review, &reviewer, &case_id).await.unwrap();
    assert_eq!(shown.case_id, case_id);
    assert!(shown.submission.is_none());
    assert!(
        shown.submission_error.contains("try again"),
        "{:?}",
        shown.submission_error
    );
    assert_ne!(shown.snapshot_json, "");
    // Unknown cases are still reported as missing without asking intake.
    assert_eq!(
        view(&review, &reviewer, &uuid::Uuid::new_v4().to_string())
            .await
            .unwrap_err()
            .code(),
        Code::NotFound
    );
    review.stop().await;
}
