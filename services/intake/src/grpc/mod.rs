//! `IntakeService`: applications from start to decision, over gRPC.
//! Protocol types become domain types here and nowhere else.

mod documents;
mod lifecycle;
mod read;
mod start;
mod submit;
pub mod view;

pub use start::load_demo_permit_records;

use std::pin::Pin;
use std::sync::Arc;

use futures::Stream;
use laissez_kit::blob::BlobStore;
use laissez_kit::{Caller, Role, ServiceError};
use laissez_proto::intake::v1 as proto;
use laissez_proto::intake::v1::intake_service_server::IntakeService;
use sqlx::PgPool;
use tonic::{Request, Response, Status, Streaming};
use uuid::Uuid;

use crate::config::UploadConfig;
use crate::store::{CatalogCache, Scope};

#[derive(Clone)]
pub struct Intake {
    pub(crate) pool: PgPool,
    pub(crate) catalogs: CatalogCache,
    pub(crate) blobs: Arc<dyn BlobStore>,
    pub(crate) uploads: UploadConfig,
}

impl Intake {
    pub fn new(
        pool: PgPool,
        catalogs: CatalogCache,
        blobs: Arc<dyn BlobStore>,
        uploads: UploadConfig,
    ) -> Self {
        Self {
            pool,
            catalogs,
            blobs,
            uploads,
        }
    }
}

const STAFF: [Role; 5] = [
    Role::Reviewer,
    Role::SeniorReviewer,
    Role::AgencyAdmin,
    Role::Counter,
    Role::PlatformOperator,
];

/// Applicants act on their own cases (and their managed applicants').
pub(crate) fn applicant_scope(caller: &Caller) -> Result<Scope, ServiceError> {
    if caller.has_role(Role::Applicant) {
        Ok(Scope {
            agency: caller.agency.clone(),
            account: Some(caller.account_id.clone()),
        })
    } else {
        Err(ServiceError::PermissionDenied(
            "only applicants file applications".into(),
        ))
    }
}

/// Readers: applicants see their own cases, staff their agency's.
pub(crate) fn read_scope(caller: &Caller) -> Result<Scope, ServiceError> {
    if caller.has_role(Role::Applicant) {
        applicant_scope(caller)
    } else if STAFF.iter().any(|role| caller.has_role(*role)) {
        Ok(Scope {
            agency: caller.agency.clone(),
            account: None,
        })
    } else {
        Err(ServiceError::PermissionDenied(
            "the caller's role does not allow this call".into(),
        ))
    }
}

/// A case id; anything that is not one is a case that does not exist.
pub(crate) fn case_id(text: &str) -> Result<Uuid, ServiceError> {
    Uuid::parse_str(text.trim()).map_err(|_| ServiceError::NotFound("case"))
}

pub(crate) fn caller<T>(request: &Request<T>) -> Result<Caller, Status> {
    laissez_kit::caller(request).cloned()
}

type DocumentStream = Pin<Box<dyn Stream<Item = Result<proto::DocumentChunk, Status>> + Send>>;

#[tonic::async_trait]
impl IntakeService for Intake {
    async fn start_application(
        &self,
        request: Request<proto::StartApplicationRequest>,
    ) -> Result<Response<proto::Case>, Status> {
        let caller = caller(&request)?;
        Ok(Response::new(
            start::start_application(self, &caller, request.into_inner()).await?,
        ))
    }

    async fn save_draft(
        &self,
        request: Request<proto::SaveDraftRequest>,
    ) -> Result<Response<proto::Case>, Status> {
        let caller = caller(&request)?;
        Ok(Response::new(
            start::save_draft(self, &caller, request.into_inner()).await?,
        ))
    }

    async fn upload_document(
        &self,
        request: Request<Streaming<proto::UploadDocumentChunk>>,
    ) -> Result<Response<proto::Document>, Status> {
        let caller = caller(&request)?;
        Ok(Response::new(
            documents::upload(self, &caller, request.into_inner()).await?,
        ))
    }

    async fn delete_document(
        &self,
        request: Request<proto::DeleteDocumentRequest>,
    ) -> Result<Response<proto::DeleteDocumentResponse>, Status> {
        let caller = caller(&request)?;
        documents::delete(self, &caller, request.into_inner()).await?;
        Ok(Response::new(proto::DeleteDocumentResponse {}))
    }

    type DownloadDocumentStream = DocumentStream;

    async fn download_document(
        &self,
        request: Request<proto::DownloadDocumentRequest>,
    ) -> Result<Response<Self::DownloadDocumentStream>, Status> {
        let caller = caller(&request)?;
        let chunks = documents::download(self, &caller, request.into_inner()).await?;
        Ok(Response::new(Box::pin(futures::stream::iter(
            chunks.into_iter().map(Ok),
        ))))
    }

    async fn submit(
        &self,
        request: Request<proto::SubmitRequest>,
    ) -> Result<Response<proto::SubmitResponse>, Status> {
        let caller = caller(&request)?;
        let submitted = submit::submit(self, &caller, request.into_inner()).await;
        // Submission success per agency is an SLO: an applicant's refusable
        // mistakes (invalid, failed precondition) are told apart from faults.
        let outcome = match &submitted {
            Ok(_) => "ok".to_owned(),
            Err(status) => format!("{:?}", status.code()),
        };
        metrics::counter!(
            "intake_submissions_total",
            "agency" => laissez_kit::metrics::agency_label(Some(&caller.agency)),
            "outcome" => outcome
        )
        .increment(1);
        Ok(Response::new(submitted?))
    }

    async fn resubmit(
        &self,
        request: Request<proto::ResubmitRequest>,
    ) -> Result<Response<proto::Case>, Status> {
        let caller = caller(&request)?;
        Ok(Response::new(
            submit::resubmit(self, &caller, request.into_inner()).await?,
        ))
    }

    async fn withdraw(
        &self,
        request: Request<proto::WithdrawRequest>,
    ) -> Result<Response<proto::WithdrawResponse>, Status> {
        let caller = caller(&request)?;
        Ok(Response::new(
            submit::withdraw(self, &caller, request.into_inner()).await?,
        ))
    }

    async fn get_case(
        &self,
        request: Request<proto::GetCaseRequest>,
    ) -> Result<Response<proto::Case>, Status> {
        let caller = caller(&request)?;
        Ok(Response::new(
            read::get_case(self, &caller, request.into_inner()).await?,
        ))
    }

    async fn list_cases(
        &self,
        request: Request<proto::ListCasesRequest>,
    ) -> Result<Response<proto::ListCasesResponse>, Status> {
        let caller = caller(&request)?;
        Ok(Response::new(
            read::list_cases(self, &caller, request.into_inner()).await?,
        ))
    }

    async fn complete_production(
        &self,
        request: Request<proto::CompleteProductionRequest>,
    ) -> Result<Response<proto::Case>, Status> {
        let caller = caller(&request)?;
        Ok(Response::new(
            lifecycle::complete_production(self, &caller, request.into_inner()).await?,
        ))
    }

    async fn record_collection(
        &self,
        request: Request<proto::RecordCollectionRequest>,
    ) -> Result<Response<proto::Case>, Status> {
        let caller = caller(&request)?;
        Ok(Response::new(
            lifecycle::record_collection(self, &caller, request.into_inner()).await?,
        ))
    }

    async fn record_dispatch(
        &self,
        request: Request<proto::RecordDispatchRequest>,
    ) -> Result<Response<proto::Case>, Status> {
        let caller = caller(&request)?;
        Ok(Response::new(
            lifecycle::record_dispatch(self, &caller, request.into_inner()).await?,
        ))
    }

    async fn record_delivery(
        &self,
        request: Request<proto::RecordDeliveryRequest>,
    ) -> Result<Response<proto::Case>, Status> {
        let caller = caller(&request)?;
        Ok(Response::new(
            lifecycle::record_delivery(self, &caller, request.into_inner()).await?,
        ))
    }

    async fn cancel_case(
        &self,
        request: Request<proto::CancelCaseRequest>,
    ) -> Result<Response<proto::Case>, Status> {
        let caller = caller(&request)?;
        Ok(Response::new(
            lifecycle::cancel_case(self, &caller, request.into_inner()).await?,
        ))
    }

    async fn get_dashboard(
        &self,
        request: Request<proto::GetDashboardRequest>,
    ) -> Result<Response<proto::Dashboard>, Status> {
        let caller = caller(&request)?;
        Ok(Response::new(read::dashboard(self, &caller).await?))
    }

    async fn import_permit_records(
        &self,
        request: Request<proto::ImportPermitRecordsRequest>,
    ) -> Result<Response<proto::ImportPermitRecordsResponse>, Status> {
        let caller = caller(&request)?;
        Ok(Response::new(
            start::import_permit_records(self, &caller, request.into_inner()).await?,
        ))
    }
}
