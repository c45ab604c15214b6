//! Starting intake for a test: own database, own exchange, own blob folder,
//! the demo agencies published; clients that call as a given account.
#![allow(dead_code)]

pub mod after_approval;
pub mod booking;

use std::time::Duration;

use laissez_eventbus::Outbox;
use laissez_intake::events::decisions::{Outcome, apply_decision};
use laissez_intake::store::CatalogCache;
use laissez_intake::testing::TestIntake;
use laissez_kit::Role;
use laissez_proto::events::v1::{CaseDecided, Decision};
use laissez_proto::intake::v1::catalog_admin_service_client::CatalogAdminServiceClient;
use laissez_proto::intake::v1::intake_service_client::IntakeServiceClient;
use laissez_proto::intake::v1::*;
use tonic::transport::Channel;
use tonic::{Request, Status};

pub const FJ: &str = "fj-exit-entry";
pub const FJ_PORTAL: &str = "nia-app";
pub const TW: &str = "tw-nia";
pub const TW_PORTAL: &str = "mainland-students";

pub struct Intake {
    pub client: IntakeServiceClient<Channel>,
    /// The catalog administration service intake also hosts.
    pub catalog_admin: CatalogAdminServiceClient<Channel>,
    service: TestIntake,
}

/// The running service: `database`, `keys`, `blobs`.
impl std::ops::Deref for Intake {
    type Target = TestIntake;

    fn deref(&self) -> &TestIntake {
        &self.service
    }
}

pub async fn start(name: &str) -> Intake {
    let service = TestIntake::start(name, 20).await.unwrap();
    let channel = tonic::transport::Endpoint::from_shared(format!("http://{}", service.grpc_addr))
        .unwrap()
        .connect_timeout(Duration::from_secs(5))
        .connect()
        .await
        .unwrap();
    Intake {
        client: IntakeServiceClient::new(channel.clone()),
        catalog_admin: CatalogAdminServiceClient::new(channel),
        service,
    }
}

/// Who calls: account, agency, portal and role.
#[derive(Clone)]
pub struct As {
    pub account: String,
    pub agency: &'static str,
    pub portal: &'static str,
    pub role: Role,
}

impl As {
    pub fn applicant(account: &str, agency: &'static str) -> As {
        let portal = if agency == TW { TW_PORTAL } else { FJ_PORTAL };
        As {
            account: account.into(),
            agency,
            portal,
            role: Role::Applicant,
        }
    }

    pub fn staff(agency: &'static str, role: Role) -> As {
        As {
            account: "staff-1".into(),
            agency,
            portal: "staff",
            role,
        }
    }
}

impl Intake {
    pub async fn stop(self) {
        self.service.stop().await.unwrap();
    }

    pub fn request<T>(&self, who: &As, message: T) -> Request<T> {
        let token = self
            .keys
            .token(&who.account, who.agency, who.portal, &[who.role]);
        let mut request = Request::new(message);
        request
            .metadata_mut()
            .insert("authorization", format!("Bearer {token}").parse().unwrap());
        request
    }

    pub async fn start_fj(&self, who: &As) -> Result<Case, Status> {
        self.client
            .clone()
            .start_application(self.request(
                who,
                StartApplicationRequest {
                    application_type: "one_time_taiwan_permit".into(),
                    notice_version: "2024-04".into(),
                    notice_accepted: true,
                    applicant: Some(applicant("陳大文", "A123456789")),
                    ..Default::default()
                },
            ))
            .await
            .map(|response| response.into_inner())
    }

    pub async fn save(
        &self,
        who: &As,
        case_id: &str,
        answers: serde_json::Value,
    ) -> Result<Case, Status> {
        self.client
            .clone()
            .save_draft(self.request(
                who,
                SaveDraftRequest {
                    case_id: case_id.into(),
                    answers_json: answers.to_string(),
                    express: false,
                },
            ))
            .await
            .map(|response| response.into_inner())
    }

    pub async fn upload(
        &self,
        who: &As,
        case_id: &str,
        requirement: &str,
        file_name: &str,
        content: Vec<u8>,
    ) -> Result<Document, Status> {
        self.upload_replacing(who, case_id, requirement, file_name, content, "")
            .await
    }

    /// As [`Intake::upload`], replacing the document `replaces`.
    pub async fn upload_replacing(
        &self,
        who: &As,
        case_id: &str,
        requirement: &str,
        file_name: &str,
        content: Vec<u8>,
        replaces: &str,
    ) -> Result<Document, Status> {
        let header = UploadDocumentChunk {
            part: Some(upload_document_chunk::Part::Header(UploadHeader {
                case_id: case_id.into(),
                requirement: requirement.into(),
                file_name: file_name.into(),
                replaces_document_id: replaces.into(),
            })),
        };
        let mut messages = vec![header];
        for chunk in content.chunks(64 * 1024) {
            messages.push(UploadDocumentChunk {
                part: Some(upload_document_chunk::Part::Data(chunk.to_vec())),
            });
        }
        self.client
            .clone()
            .upload_document(self.request(who, futures::stream::iter(messages)))
            .await
            .map(|response| response.into_inner())
    }

    /// A Fujian draft with every answer and document: ready to submit.
    pub async fn complete_fj_draft(&self, who: &As) -> Case {
        let case = self.start_fj(who).await.unwrap();
        let photo = self
            .upload(who, &case.case_id, "photo", "photo.png", png(60, 80))
            .await
            .unwrap();
        for requirement in [
            "tw_id_card_front",
            "tw_id_card_back",
            "tw_exit_entry_document",
        ] {
            self.upload(who, &case.case_id, requirement, "scan.png", png(50, 30))
                .await
                .unwrap();
        }
        self.save(who, &case.case_id, fj_answers(&photo.document_id))
            .await
            .unwrap()
    }

    pub async fn submit(&self, who: &As, case_ids: &[&str]) -> Result<SubmitResponse, Status> {
        self.client
            .clone()
            .submit(self.request(
                who,
                SubmitRequest {
                    case_ids: case_ids.iter().map(|id| id.to_string()).collect(),
                },
            ))
            .await
            .map(|response| response.into_inner())
    }

    pub async fn get(&self, who: &As, case_id: &str) -> Result<Case, Status> {
        self.client
            .clone()
            .get_case(self.request(
                who,
                GetCaseRequest {
                    case_id: case_id.into(),
                },
            ))
            .await
            .map(|response| response.into_inner())
    }

    /// Applies review's decision as its consumer does, in one transaction.
    pub async fn decide(
        &self,
        agency: &str,
        case_id: &str,
        decision: Decision,
        comment: &str,
    ) -> Outcome {
        let mut transaction = self.database.pool.begin().await.unwrap();
        let outcome = apply_decision(
            &mut transaction,
            &CatalogCache::default(),
            &self.database.pool,
            agency,
            &case_decided(case_id, decision, comment),
        )
        .await
        .unwrap();
        transaction.commit().await.unwrap();
        outcome
    }

    /// Sends `review.case.decided` the way review does (outbox, relay,
    /// RabbitMQ) and waits until intake's consumer has moved the case.
    pub async fn send_decision(
        &self,
        who: &As,
        case_id: &str,
        decision: Decision,
        comment: &str,
        expected: CaseState,
    ) -> Case {
        let mut transaction = self.database.pool.begin().await.unwrap();
        Outbox::enqueue(
            &mut transaction,
            who.agency,
            "review-case",
            case_id,
            &case_decided(case_id, decision, comment),
        )
        .await
        .unwrap();
        transaction.commit().await.unwrap();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            let case = self.get(who, case_id).await.unwrap();
            if case.state() == expected {
                return case;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "the decision never arrived: {:?}",
                case.state()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Imports the Taiwan agency's two demo permits: S100 (single entry,
    /// holder 350102199903230018) and S200 (multiple entry).
    pub async fn import_tw_records(&self) {
        let admin = As::staff(TW, Role::AgencyAdmin);
        let stay_ends = (chrono::Utc::now() + chrono::Duration::days(400)).format("%Y-%m-%d");
        let csv = format!(
            "permit_number,holder_document_number,permit_kind,entry_inspected,chinese_name,school,stay_ends_on\n\
             S100,{TW_HOLDER},single_entry,true,陳大文,國立臺灣大學,{stay_ends}\n\
             S200,350102199903230022,multiple_entry,true,李小明,國立政治大學,{stay_ends}\n"
        );
        let imported = self
            .client
            .clone()
            .import_permit_records(self.request(
                &admin,
                ImportPermitRecordsRequest {
                    records: vec![],
                    csv: csv.into_bytes(),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(imported.imported, 2);
    }

    /// A Taiwan draft of `application_type` for permit S100 with every
    /// answer and document: ready to submit.
    pub async fn complete_tw_draft(&self, who: &As, application_type: &str) -> Case {
        let case = self
            .client
            .clone()
            .start_application(self.request(who, tw_start(application_type, "S100", TW_HOLDER)))
            .await
            .unwrap()
            .into_inner();
        let photo = self
            .upload(who, &case.case_id, "photo", "photo.png", png(60, 80))
            .await
            .unwrap();
        let documents: &[&str] = if application_type == "data_change" {
            &["change_proof"]
        } else {
            &["single_entry_permit", "mainland_travel_document"]
        };
        for requirement in documents {
            self.upload(who, &case.case_id, requirement, "scan.png", png(50, 30))
                .await
                .unwrap();
        }
        self.save(who, &case.case_id, tw_answers(&photo.document_id))
            .await
            .unwrap()
    }

    pub fn blob_count(&self) -> usize {
        fn count(dir: &std::path::Path) -> usize {
            std::fs::read_dir(dir)
                .map(|entries| {
                    entries
                        .flatten()
                        .map(|entry| {
                            if entry.path().is_dir() {
                                count(&entry.path())
                            } else {
                                1
                            }
                        })
                        .sum()
                })
                .unwrap_or(0)
        }
        count(self.blobs.path())
    }
}

/// Identity document number of the holder of the demo permit S100.
pub const TW_HOLDER: &str = "350102199903230018";

pub fn tw_start(application_type: &str, permit: &str, document: &str) -> StartApplicationRequest {
    StartApplicationRequest {
        application_type: application_type.into(),
        notice_version: "2019-07-10".into(),
        notice_accepted: true,
        permit_number: permit.into(),
        applicant: Some(applicant("陳大文", document)),
        ..Default::default()
    }
}

/// The answers a Taiwan student gives besides what the permit record fills in.
pub fn tw_answers(photo: &str) -> serde_json::Value {
    serde_json::json!({
        "photo": photo,
        "student_category": "general",
        "chinese_name": "陳大文",
        "resumed_studies": true,
        "date_of_birth": "1999-03-23",
        "mainland_id_number": TW_HOLDER,
        "sex": "male",
        "department": "法律學系",
        "place_of_birth": "fujian",
        "mainland_address": "福建省福州市鼓樓區1號",
        "taiwan_address": "臺北市大安區羅斯福路四段1號",
        "father_name": "陳父",
        "mother_name": "林母",
        "political_posts": {"option": "never"},
    })
}

pub fn case_decided(case_id: &str, decision: Decision, comment: &str) -> CaseDecided {
    CaseDecided {
        case_id: case_id.into(),
        decision: decision.into(),
        comment: comment.into(),
        decided_by: "reviewer-7".into(),
        ..Default::default()
    }
}

pub fn applicant(name: &str, document_number: &str) -> ApplicantData {
    ApplicantData {
        name: name.into(),
        date_of_birth: "1999-03-23".into(),
        relationship: "self".into(),
        document_number: document_number.into(),
        contact_email: "student@example.org".into(),
        language: 1,
        ..Default::default()
    }
}

pub fn fj_answers(photo: &str) -> serde_json::Value {
    let entry = (chrono::Utc::now() + chrono::Duration::days(30))
        .format("%Y-%m-%d")
        .to_string();
    serde_json::json!({
        "photo": photo,
        "port_of_entry": "xiamen_wutong",
        "planned_entry_date": entry,
    })
}

pub fn png(width: u32, height: u32) -> Vec<u8> {
    laissez_intake::testing::portrait_png(width, height)
}

pub fn field_errors(status: &Status) -> Vec<(String, String)> {
    laissez_kit::error::field_errors(status)
        .into_iter()
        .map(|error| (error.field, error.code))
        .collect()
}
