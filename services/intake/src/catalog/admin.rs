//! `CatalogAdminService`: validate, publish and read catalog versions, and
//! manage announcements. The agency is always the caller's (from the
//! verified token); public reads name the agency in the request.

use laissez_catalog::store;
use laissez_kit::{Caller, FieldError, Role, ServiceError, caller};
use laissez_proto::intake::v1 as proto;
use laissez_proto::intake::v1::catalog_admin_service_server::CatalogAdminService;
use sqlx::PgPool;
use tonic::{Request, Response, Status};

use super::convert;

/// Limits on uploaded catalog folders.
const MAX_FILES: usize = 200;
const MAX_TOTAL_BYTES: usize = 4 * 1024 * 1024;

/// The public methods (no caller token needed), for the service host.
pub const PUBLIC_METHODS: &[&str] = &[
    "/laissez.intake.v1.CatalogAdminService/GetCurrentCatalog",
    "/laissez.intake.v1.CatalogAdminService/GetCatalogVersion",
    "/laissez.intake.v1.CatalogAdminService/ListAgencies",
    "/laissez.intake.v1.CatalogAdminService/ListAnnouncements",
];

pub struct CatalogAdmin {
    pool: PgPool,
}

impl CatalogAdmin {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }

    pub fn public_methods() -> impl Iterator<Item = String> {
        PUBLIC_METHODS.iter().map(|method| (*method).to_owned())
    }
}

fn store_error(error: store::Error) -> Status {
    match error {
        store::Error::Invalid(errors) => ServiceError::InvalidArgument(
            errors
                .0
                .iter()
                .map(|e| FieldError::new(location(e), "catalog_invalid", e.message.clone()))
                .collect(),
        ),
        store::Error::AgencyMismatch { expected, found } => ServiceError::PermissionDenied(
            format!("the files declare agency {found:?}; the caller administers {expected:?}"),
        ),
        store::Error::NotFound => ServiceError::NotFound("catalog version or announcement"),
        store::Error::DuplicateAnnouncement(code) => {
            ServiceError::AlreadyExists(format!("an announcement with code {code:?} exists"))
        }
        other => ServiceError::internal(other),
    }
    .into()
}

fn location(error: &laissez_catalog::LoadError) -> String {
    match error.line {
        Some(line) => format!("{}:{line}:{}", error.file, error.field),
        None => format!("{}:{}", error.file, error.field),
    }
}

fn admin_of_own_agency(caller: &Caller) -> Result<(), Status> {
    caller.require_any_role(&[Role::AgencyAdmin])
}

fn staff(caller: &Caller) -> Result<(), Status> {
    caller.require_any_role(&[
        Role::Reviewer,
        Role::SeniorReviewer,
        Role::AgencyAdmin,
        Role::PlatformOperator,
    ])
}

/// Checks the uploaded files: count, total size and safe relative paths.
fn files(files: Vec<proto::CatalogFile>) -> Result<Vec<(String, Vec<u8>)>, Status> {
    let mut errors = Vec::new();
    if files.is_empty() {
        errors.push(FieldError::new("files", "required", "at least one file"));
    }
    if files.len() > MAX_FILES {
        errors.push(FieldError::new(
            "files",
            "too_many",
            format!("at most {MAX_FILES} files"),
        ));
    }
    let total: usize = files.iter().map(|file| file.content.len()).sum();
    if total > MAX_TOTAL_BYTES {
        errors.push(FieldError::new(
            "files",
            "too_large",
            format!("at most {MAX_TOTAL_BYTES} bytes in all"),
        ));
    }
    for (index, file) in files.iter().enumerate() {
        let safe = !file.path.is_empty()
            && file.path.len() <= 200
            && !file.path.starts_with('/')
            && file
                .path
                .split('/')
                .all(|part| !part.is_empty() && part != ".." && part != ".")
            && !file.path.chars().any(char::is_control);
        if !safe {
            errors.push(FieldError::new(
                format!("files[{index}].path"),
                "invalid_format",
                "a relative path inside the folder",
            ));
        }
    }
    if !errors.is_empty() {
        return Err(ServiceError::InvalidArgument(errors).into());
    }
    Ok(files
        .into_iter()
        .map(|file| (file.path, file.content))
        .collect())
}

fn catalog_json(stored: &store::StoredCatalog) -> Result<String, Status> {
    serde_json::to_string(&stored.catalog).map_err(|error| ServiceError::internal(error).into())
}

/// The agency a public read names; public calls carry no token to take it from.
fn public_agency(text: &str) -> Result<&str, Status> {
    let agency = text.trim();
    if agency.is_empty() || agency.len() > 64 {
        return Err(ServiceError::invalid("agency", "required", "an agency code").into());
    }
    Ok(agency)
}

fn announcement_id(text: &str) -> Result<uuid::Uuid, Status> {
    // An id that cannot exist answers like one that does not.
    uuid::Uuid::parse_str(text).map_err(|_| ServiceError::NotFound("announcement").into())
}

#[tonic::async_trait]
impl CatalogAdminService for CatalogAdmin {
    async fn validate_catalog(
        &self,
        request: Request<proto::ValidateCatalogRequest>,
    ) -> Result<Response<proto::ValidateCatalogResponse>, Status> {
        admin_of_own_agency(caller(&request)?)?;
        let files = files(request.into_inner().files)?;
        let errors = match laissez_catalog::load_files(&files) {
            Ok(_) => Vec::new(),
            Err(errors) => errors
                .0
                .into_iter()
                .map(|e| proto::CatalogError {
                    file: e.file,
                    line: e
                        .line
                        .and_then(|line| u32::try_from(line).ok())
                        .unwrap_or(0),
                    field: e.field,
                    message: e.message,
                })
                .collect(),
        };
        Ok(Response::new(proto::ValidateCatalogResponse {
            valid: errors.is_empty(),
            errors,
        }))
    }

    async fn publish_catalog(
        &self,
        request: Request<proto::PublishCatalogRequest>,
    ) -> Result<Response<proto::CatalogVersion>, Status> {
        let caller = caller(&request)?.clone();
        admin_of_own_agency(&caller)?;
        let files = files(request.into_inner().files)?;
        let info = store::publish(&self.pool, &caller.agency, &files, &caller.account_id)
            .await
            .map_err(store_error)?;
        tracing::info!(agency = %info.agency, version = info.version, "catalog published");
        Ok(Response::new(convert::version(&info, String::new())))
    }

    async fn list_catalog_versions(
        &self,
        request: Request<proto::ListCatalogVersionsRequest>,
    ) -> Result<Response<proto::ListCatalogVersionsResponse>, Status> {
        let caller = caller(&request)?;
        staff(caller)?;
        let versions = store::list_versions(&self.pool, &caller.agency)
            .await
            .map_err(store_error)?;
        Ok(Response::new(proto::ListCatalogVersionsResponse {
            versions: versions
                .iter()
                .map(|info| convert::version(info, String::new()))
                .collect(),
        }))
    }

    async fn get_catalog_version(
        &self,
        request: Request<proto::GetCatalogVersionRequest>,
    ) -> Result<Response<proto::CatalogVersion>, Status> {
        // A published version is public data, like the current one; without
        // an agency named, the staff caller's own agency is meant.
        let agency = if request.get_ref().agency.is_empty() {
            let caller = caller(&request)?;
            staff(caller)?;
            caller.agency.clone()
        } else {
            public_agency(&request.get_ref().agency)?.to_owned()
        };
        let stored = store::get(&self.pool, &agency, request.get_ref().version)
            .await
            .map_err(store_error)?;
        Ok(Response::new(convert::version(
            &stored.info,
            catalog_json(&stored)?,
        )))
    }

    async fn get_current_catalog(
        &self,
        request: Request<proto::GetCurrentCatalogRequest>,
    ) -> Result<Response<proto::CatalogVersion>, Status> {
        let agency = public_agency(&request.get_ref().agency)?;
        let stored = store::current(&self.pool, agency)
            .await
            .map_err(store_error)?;
        Ok(Response::new(convert::version(
            &stored.info,
            catalog_json(&stored)?,
        )))
    }

    async fn list_agencies(
        &self,
        _request: Request<proto::ListAgenciesRequest>,
    ) -> Result<Response<proto::ListAgenciesResponse>, Status> {
        let agencies = store::agencies(&self.pool).await.map_err(store_error)?;
        Ok(Response::new(proto::ListAgenciesResponse { agencies }))
    }

    async fn list_announcements(
        &self,
        request: Request<proto::ListAnnouncementsRequest>,
    ) -> Result<Response<proto::ListAnnouncementsResponse>, Status> {
        let agency = public_agency(&request.get_ref().agency)?;
        let stored = store::list_announcements(&self.pool, agency)
            .await
            .map_err(store_error)?;
        Ok(Response::new(proto::ListAnnouncementsResponse {
            announcements: stored.iter().map(convert::announcement).collect(),
        }))
    }

    async fn create_announcement(
        &self,
        request: Request<proto::CreateAnnouncementRequest>,
    ) -> Result<Response<proto::Announcement>, Status> {
        let caller = caller(&request)?.clone();
        admin_of_own_agency(&caller)?;
        let announcement = convert::parse_announcement(request.into_inner().announcement)?;
        let id = store::create_announcement(&self.pool, &caller.agency, &announcement)
            .await
            .map_err(store_error)?;
        let stored = store::StoredAnnouncement {
            id,
            agency: caller.agency,
            announcement,
        };
        Ok(Response::new(convert::announcement(&stored)))
    }

    async fn update_announcement(
        &self,
        request: Request<proto::UpdateAnnouncementRequest>,
    ) -> Result<Response<proto::Announcement>, Status> {
        let caller = caller(&request)?.clone();
        admin_of_own_agency(&caller)?;
        let message = request.into_inner().announcement;
        let id = announcement_id(
            message
                .as_ref()
                .map(|m| m.announcement_id.as_str())
                .unwrap_or(""),
        )?;
        let announcement = convert::parse_announcement(message)?;
        store::update_announcement(&self.pool, &caller.agency, id, &announcement)
            .await
            .map_err(store_error)?;
        let stored = store::StoredAnnouncement {
            id,
            agency: caller.agency,
            announcement,
        };
        Ok(Response::new(convert::announcement(&stored)))
    }

    async fn delete_announcement(
        &self,
        request: Request<proto::DeleteAnnouncementRequest>,
    ) -> Result<Response<proto::DeleteAnnouncementResponse>, Status> {
        let caller = caller(&request)?.clone();
        admin_of_own_agency(&caller)?;
        let id = announcement_id(&request.get_ref().announcement_id)?;
        store::delete_announcement(&self.pool, &caller.agency, id)
            .await
            .map_err(store_error)?;
        Ok(Response::new(proto::DeleteAnnouncementResponse {}))
    }
}
