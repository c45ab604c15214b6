//! Uploads (client stream: header, then data chunks), deletion and
//! download. An upload never holds more than the requirement's limit in
//! memory: the stream is abandoned the moment it goes over, and nothing is
//! stored until every check has passed.

use bytes::Bytes;
use futures::StreamExt;
use laissez_catalog::documents::RequiredDocument;
use laissez_catalog::format::{ContentKind, FieldKind};
use laissez_kit::{Caller, ServiceError};
use laissez_proto::intake::v1 as proto;
use laissez_proto::intake::v1::upload_document_chunk::Part;
use sha2::{Digest, Sha256};
use tonic::Streaming;
use uuid::Uuid;

use super::{Intake, applicant_scope, case_id, read_scope, view};
use crate::store::cases::{self, CaseRow};
use crate::store::documents::{self, DocumentRow};
use crate::uploads::{self, Limits, Rejection};

/// Size limit of photo and signature fields when the type has no documents.
const DEFAULT_IMAGE_FIELD_BYTES: u64 = 5 * 1024 * 1024;
const DOWNLOAD_CHUNK: usize = 64 * 1024;
/// Bytes read before the kind is judged (and a wrong kind refused).
const SNIFF_BYTES: usize = 16;

fn rejected(rejection: &Rejection) -> ServiceError {
    ServiceError::InvalidArgument(vec![rejection.field_error()])
}

fn broken_stream(status: tonic::Status) -> ServiceError {
    tracing::debug!(%status, "upload stream broke off");
    ServiceError::invalid("data", "stream_error", "the upload stream broke off")
}

fn documents_closed(case: &CaseRow) -> ServiceError {
    ServiceError::FailedPrecondition(format!(
        "documents of a case that is {} cannot be changed",
        case.state.as_str().replace('_', " ")
    ))
}

/// The requirement the upload answers, and whether it is a photo or
/// signature field of the form (which the upload then answers). A
/// conditional document may be uploaded before the answers that make it
/// apply; submission decides.
async fn requirement(
    intake: &Intake,
    case: &CaseRow,
    code: &str,
) -> Result<(RequiredDocument, bool), ServiceError> {
    let catalog = intake
        .catalogs
        .get(&intake.pool, &case.agency, case.catalog_version)
        .await?;
    let kind = catalog
        .application_type(&case.application_type)
        .ok_or(ServiceError::NotFound("application type"))?;
    if let Some(document) = kind.documents.iter().find(|document| document.code == code) {
        let document = RequiredDocument {
            code: document.code.clone(),
            name: document.name.clone(),
            required: document.required,
            accepted: document.accepted.clone(),
            max_bytes: document.max_bytes,
            image: document.image.clone(),
            note: document.note.clone(),
        };
        return Ok((document, false));
    }
    // Photo and signature fields are answered with an uploaded image; they
    // take the type's strictest document size limit.
    match kind.field(code) {
        Some(field) if matches!(field.kind, FieldKind::Photo | FieldKind::Signature) => {
            let field_document = RequiredDocument {
                code: field.code.clone(),
                name: field.label.clone(),
                required: field.required,
                accepted: vec![ContentKind::Jpeg, ContentKind::Png],
                max_bytes: kind
                    .documents
                    .iter()
                    .map(|document| document.max_bytes)
                    .min()
                    .unwrap_or(DEFAULT_IMAGE_FIELD_BYTES)
                    .min(DEFAULT_IMAGE_FIELD_BYTES),
                image: field.image.clone(),
                note: None,
            };
            Ok((field_document, true))
        }
        _ => Err(ServiceError::invalid(
            "header.requirement",
            "unknown",
            "the case asks for no such document",
        )),
    }
}

/// Reads the stream up to `limit` bytes; refuses the moment it goes over
/// or when the first bytes are not an accepted kind.
async fn read_bounded(
    stream: &mut Streaming<proto::UploadDocumentChunk>,
    requirement: &RequiredDocument,
) -> Result<Vec<u8>, ServiceError> {
    let limit = usize::try_from(requirement.max_bytes).unwrap_or(usize::MAX);
    let mut content: Vec<u8> = Vec::with_capacity(limit.min(64 << 10));
    let mut sniffed = false;
    while let Some(message) = stream.next().await {
        let chunk = match message.map_err(broken_stream)?.part {
            Some(Part::Data(chunk)) => chunk,
            Some(Part::Header(_)) => {
                return Err(ServiceError::invalid(
                    "header",
                    "repeated",
                    "send the header once, first",
                ));
            }
            None => continue,
        };
        if content.len() + chunk.len() > limit {
            return Err(rejected(&Rejection::TooLarge {
                limit: requirement.max_bytes,
            }));
        }
        // Grow exactly, never past the limit (doubling could overshoot it).
        let needed = content.len() + chunk.len();
        if needed > content.capacity() {
            let target = (content.capacity() * 2).clamp(needed, limit);
            content.reserve_exact(target - content.len());
        }
        content.extend_from_slice(&chunk);
        if !sniffed && content.len() >= SNIFF_BYTES {
            uploads::sniff(requirement, &content).map_err(|r| rejected(&r))?;
            sniffed = true;
        }
    }
    Ok(content)
}

pub async fn upload(
    intake: &Intake,
    caller: &Caller,
    mut stream: Streaming<proto::UploadDocumentChunk>,
) -> Result<proto::Document, ServiceError> {
    let scope = applicant_scope(caller)?;
    let header = match stream.next().await {
        Some(message) => match message.map_err(broken_stream)?.part {
            Some(Part::Header(header)) => header,
            _ => {
                return Err(ServiceError::invalid(
                    "header",
                    "required",
                    "the first message must be the header",
                ));
            }
        },
        None => return Err(ServiceError::invalid("header", "required", "empty upload")),
    };
    uploads::check_file_name(&header.file_name).map_err(|r| rejected(&r))?;
    let id = case_id(&header.case_id)?;
    let (case, count, bytes) = cases::find_with_usage(&intake.pool, &scope, id)
        .await?
        .ok_or(ServiceError::NotFound("case"))?;
    if !case.state.documents_editable() {
        return Err(documents_closed(&case));
    }
    let replaces = match header.replaces_document_id.trim() {
        "" => None,
        text => Some(Uuid::parse_str(text).map_err(|_| ServiceError::NotFound("document"))?),
    };
    let (requirement, answers_field) = requirement(intake, &case, &header.requirement).await?;
    if replaces.is_none() && count >= intake.uploads.max_documents_per_case {
        return Err(ServiceError::ResourceExhausted(format!(
            "a case holds at most {} documents",
            intake.uploads.max_documents_per_case
        )));
    }
    let content = read_bounded(&mut stream, &requirement).await?;
    if bytes + content.len() as u64 > intake.uploads.max_bytes_per_case {
        return Err(ServiceError::ResourceExhausted(format!(
            "a case holds at most {} bytes of documents",
            intake.uploads.max_bytes_per_case
        )));
    }
    let limits = Limits {
        max_image_pixels: intake.uploads.max_image_pixels,
        max_pdf_inflated_bytes: intake.uploads.max_pdf_inflated_bytes,
    };
    let file_name = header.file_name.clone();
    let accepted = tokio::task::spawn_blocking(move || {
        uploads::inspect(&requirement, &file_name, content, limits)
    })
    .await
    .map_err(ServiceError::internal)?
    .map_err(|r| rejected(&r))?;
    store(
        intake,
        &scope,
        id,
        &header,
        replaces,
        accepted,
        answers_field,
    )
    .await
}

async fn store(
    intake: &Intake,
    scope: &crate::store::Scope,
    id: Uuid,
    header: &proto::UploadHeader,
    replaces: Option<Uuid>,
    accepted: uploads::Accepted,
    answers_field: bool,
) -> Result<proto::Document, ServiceError> {
    let sha256 = hex::encode(Sha256::digest(&accepted.content));
    let row = DocumentRow {
        id: Uuid::now_v7(),
        requirement: header.requirement.clone(),
        file_name: header.file_name.clone(),
        media_type: accepted.media_type.to_owned(),
        size_bytes: accepted.content.len() as u64,
        // Spread over 256 folders per agency by content hash, so a case
        // costs no folder of its own.
        blob_key: format!("{}/{}/{id}-{sha256}", scope.agency, &sha256[..2]),
        sha256,
        uploaded_at: chrono::Utc::now(),
    };
    intake
        .blobs
        .put(&row.blob_key, Bytes::from(accepted.content))
        .await
        .map_err(ServiceError::internal)?;
    // The state may have moved while the file streamed in: the row is
    // stored only if the case still takes documents.
    let stored =
        documents::insert_if_open(&intake.pool, scope, id, replaces, &row, answers_field).await;
    let refusal = match stored {
        Ok(true) => return Ok(view::document(&row)),
        Ok(false) => match cases::find(&intake.pool, scope, id).await {
            Ok(None) => ServiceError::NotFound("case"),
            Ok(Some(case)) if !case.state.documents_editable() => documents_closed(&case),
            Ok(Some(_)) => ServiceError::NotFound("document"),
            Err(error) => error.into(),
        },
        Err(error) => error.into(),
    };
    forget_blob(intake, &row.blob_key).await;
    Err(refusal)
}

/// Removes a blob no document row uses any more (best effort: an orphan
/// costs storage, never correctness).
async fn forget_blob(intake: &Intake, key: &str) {
    match documents::blob_in_use(&intake.pool, key).await {
        Ok(false) => {
            if let Err(error) = intake.blobs.delete(key).await {
                tracing::warn!(%error, key, "could not delete an unused blob");
            }
        }
        Ok(true) => {}
        Err(error) => tracing::warn!(%error, key, "could not check a blob's use"),
    }
}

pub async fn delete(
    intake: &Intake,
    caller: &Caller,
    request: proto::DeleteDocumentRequest,
) -> Result<(), ServiceError> {
    let scope = applicant_scope(caller)?;
    let id = case_id(&request.case_id)?;
    let document_id = Uuid::parse_str(request.document_id.trim())
        .map_err(|_| ServiceError::NotFound("document"))?;
    let mut transaction = intake.pool.begin().await?;
    let case = cases::lock(&mut transaction, &scope, id)
        .await?
        .ok_or(ServiceError::NotFound("case"))?;
    let document = documents::find(&mut *transaction, id, document_id)
        .await?
        .ok_or(ServiceError::NotFound("document"))?;
    if !case.state.documents_editable() {
        return Err(documents_closed(&case));
    }
    documents::mark_deleted(&mut transaction, id, document_id).await?;
    transaction.commit().await?;
    forget_blob(intake, &document.blob_key).await;
    Ok(())
}

pub async fn download(
    intake: &Intake,
    caller: &Caller,
    request: proto::DownloadDocumentRequest,
) -> Result<Vec<proto::DocumentChunk>, ServiceError> {
    let scope = read_scope(caller)?;
    let id = case_id(&request.case_id)?;
    cases::find(&intake.pool, &scope, id)
        .await?
        .ok_or(ServiceError::NotFound("case"))?;
    let document_id = Uuid::parse_str(request.document_id.trim())
        .map_err(|_| ServiceError::NotFound("document"))?;
    let document = documents::find(&intake.pool, id, document_id)
        .await?
        .ok_or(ServiceError::NotFound("document"))?;
    let content = intake
        .blobs
        .get(&document.blob_key)
        .await
        .map_err(ServiceError::internal)?;
    Ok(content
        .chunks(DOWNLOAD_CHUNK)
        .map(|chunk| proto::DocumentChunk {
            data: chunk.to_vec(),
            media_type: document.media_type.clone(),
        })
        .collect())
}
