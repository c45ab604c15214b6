//! The gRPC face of the render service: the caller's documents and their
//! downloads, the public verifier and keys, revocation by staff.

use std::pin::Pin;

use laissez_catalog::format::Language;
use laissez_kit::auth::{Role, caller};
use laissez_kit::time::{from_timestamp, timestamp};
use laissez_kit::{Caller, ServiceError};
use laissez_proto::render::v1 as proto;
use laissez_proto::render::v1::render_service_server::RenderService;
use sqlx::PgPool;
use tokio_stream::Stream;
use tonic::{Request, Response, Status};
use uuid::Uuid;

use laissez_catalog::client::Catalogs;

use crate::produce::{Renderer, file_name};
use crate::seal::{self, SealData, SealError};
use crate::store::{self, DocumentRow, Filter, Scope};

/// Callers without a token: anyone may check a document.
pub const PUBLIC_METHODS: &[&str] = &[
    "/laissez.render.v1.RenderService/VerifyDocument",
    "/laissez.render.v1.RenderService/VerifySeal",
    "/laissez.render.v1.RenderService/ListSealKeys",
];

const CHUNK_BYTES: usize = 64 * 1024;

pub struct Grpc {
    pool: PgPool,
    renderer: Renderer,
    catalogs: Catalogs,
}

impl Grpc {
    pub fn new(pool: PgPool, renderer: Renderer, catalogs: Catalogs) -> Self {
        Self {
            pool,
            renderer,
            catalogs,
        }
    }

    pub fn public_methods() -> impl Iterator<Item = String> {
        PUBLIC_METHODS.iter().map(|method| (*method).to_owned())
    }
}

/// Applicants see their account's documents; staff their agency's.
fn scope(caller: &Caller) -> Scope {
    Scope {
        agency: caller.agency.clone(),
        account: caller.own_account(),
    }
}

fn language(tag: &str) -> Language {
    Language::parse(tag).unwrap_or(Language::ZhHant)
}

fn document(row: &DocumentRow, language: Language) -> proto::RenderedDocument {
    proto::RenderedDocument {
        document_id: row.id.to_string(),
        case_id: row.case_id.to_string(),
        kind: row.kind.clone(),
        sha256: row.sha256.clone(),
        rendered_at: Some(timestamp(row.rendered_at)),
        number: row.number.clone(),
        agency: row.agency.clone(),
        receipt_number: row.receipt_number.clone(),
        group_number: row.group_number.clone(),
        paid_at: row.paid_at.map(timestamp),
        size_bytes: row.size_bytes,
        file_name: file_name(&row.name, language, &row.number),
        revoked: row.revoked_at.is_some(),
        catalog_version: row.catalog_version,
        version: row.version,
        superseded: row.superseded_at.is_some(),
    }
}

fn sealed(data: &SealData, key_id: &str) -> proto::SealedData {
    proto::SealedData {
        agency: data.hdr.is.clone(),
        kind: data.kind().to_owned(),
        number: data.msg.no.clone(),
        holder_name: data.msg.nam.clone(),
        date_of_birth: data.msg.dob.clone(),
        issued_on: data.msg.doi.clone(),
        valid_until: data.msg.doe.clone(),
        document_id: data.msg.did.clone(),
        key_id: key_id.to_owned(),
        application_type: data.msg.ty.clone(),
    }
}

fn internal(error: impl Into<anyhow::Error>) -> Status {
    ServiceError::internal(error).into()
}

fn optional(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

fn document_id(text: &str) -> Result<Uuid, Status> {
    Uuid::parse_str(text.trim()).map_err(|_| {
        ServiceError::invalid("document_id", "invalid_format", "a document id (UUID)").into()
    })
}

#[tonic::async_trait]
impl RenderService for Grpc {
    async fn list_documents(
        &self,
        request: Request<proto::ListDocumentsRequest>,
    ) -> Result<Response<proto::ListDocumentsResponse>, Status> {
        let scope = scope(caller(&request)?);
        let body = request.get_ref();
        let case_id = match optional(&body.case_id) {
            Some(text) => Some(Uuid::parse_str(&text).map_err(|_| {
                Status::from(ServiceError::invalid(
                    "case_id",
                    "invalid_format",
                    "a case id (UUID)",
                ))
            })?),
            None => None,
        };
        let kind = optional(&body.kind);
        if let Some(kind) = &kind
            && laissez_catalog::format::DocumentKind::parse(kind).is_none()
        {
            let kinds: Vec<&str> = laissez_catalog::format::DocumentKind::ALL
                .iter()
                .map(|kind| kind.as_str())
                .collect();
            return Err(ServiceError::invalid(
                "kind",
                "invalid",
                format!("one of {}", kinds.join(", ")),
            )
            .into());
        }
        let filter = Filter {
            group_number: optional(&body.group_number),
            receipt_number: optional(&body.receipt_number),
            paid_from: body.paid_from.as_ref().and_then(from_timestamp),
            paid_to: body.paid_to.as_ref().and_then(from_timestamp),
            case_id,
            kind,
        };
        let rows = store::list(&self.pool, &scope, &filter)
            .await
            .map_err(internal)?;
        let language = language(&body.language);
        Ok(Response::new(proto::ListDocumentsResponse {
            documents: rows.iter().map(|row| document(row, language)).collect(),
        }))
    }

    type DownloadRenderedStream =
        Pin<Box<dyn Stream<Item = Result<proto::RenderedChunk, Status>> + Send + 'static>>;

    async fn download_rendered(
        &self,
        request: Request<proto::DownloadRenderedRequest>,
    ) -> Result<Response<Self::DownloadRenderedStream>, Status> {
        let scope = scope(caller(&request)?);
        let body = request.get_ref();
        let id = document_id(&body.document_id)?;
        let row = store::find(&self.pool, &scope, id)
            .await
            .map_err(internal)?
            .ok_or_else(|| Status::from(ServiceError::NotFound("document")))?;
        let bytes = self
            .renderer
            .blobs
            .get(&row.blob_key)
            .await
            .map_err(|error| {
                Status::from(ServiceError::Unavailable(format!(
                    "the document's file: {error}"
                )))
            })?;
        let mut first = Some(document(&row, language(&body.language)));
        let chunks: Vec<Result<proto::RenderedChunk, Status>> = bytes
            .chunks(CHUNK_BYTES)
            .map(|chunk| {
                Ok(proto::RenderedChunk {
                    data: chunk.to_vec(),
                    document: first.take(),
                })
            })
            .collect();
        Ok(Response::new(Box::pin(tokio_stream::iter(chunks))))
    }

    async fn verify_document(
        &self,
        request: Request<proto::VerifyDocumentRequest>,
    ) -> Result<Response<proto::VerifyDocumentResponse>, Status> {
        let sha256 = request.get_ref().sha256.trim().to_ascii_lowercase();
        if sha256.len() != 64
            || !sha256
                .chars()
                .all(|character| character.is_ascii_hexdigit())
        {
            return Err(
                ServiceError::invalid("sha256", "invalid_format", "64 hexadecimal digits").into(),
            );
        }
        let row = store::by_sha256(&self.pool, &sha256)
            .await
            .map_err(internal)?;
        let answer = match row {
            None => proto::VerifyDocumentResponse {
                verdict: proto::Verdict::Invalid.into(),
                data: None,
            },
            Some(row) => proto::VerifyDocumentResponse {
                verdict: if row.revoked_at.is_some() {
                    proto::Verdict::Revoked
                } else {
                    proto::Verdict::Valid
                }
                .into(),
                data: row.sealed.as_ref().map(|data| sealed(data, "")),
            },
        };
        Ok(Response::new(answer))
    }

    async fn verify_seal(
        &self,
        request: Request<proto::VerifySealRequest>,
    ) -> Result<Response<proto::VerifySealResponse>, Status> {
        let text = request.get_ref().seal.clone();
        let keys = self.renderer.keys.clone();
        let kid = serde_json::from_str::<seal::Seal>(text.trim())
            .map(|seal| seal.sig.kid)
            .unwrap_or_default();
        let verified = seal::verify_with(&text, |agency, kid| keys.verifying_key(agency, kid));
        metrics::counter!("render_seal_checks_total", "verdict" => match &verified {
            Ok(_) => "checked",
            Err(SealError::BadSignature | SealError::UnknownKey { .. }) => "forged",
            Err(_) => "malformed",
        })
        .increment(1);
        let data = match verified {
            Ok(data) => data,
            Err(error) => {
                return Ok(Response::new(proto::VerifySealResponse {
                    verdict: proto::Verdict::Invalid.into(),
                    data: None,
                    reason: error.to_string(),
                }));
            }
        };
        let revoked = match Uuid::parse_str(&data.msg.did) {
            Ok(id) => store::by_id(&self.pool, id)
                .await
                .map_err(internal)?
                .is_some_and(|row| row.revoked_at.is_some()),
            Err(_) => false,
        };
        Ok(Response::new(proto::VerifySealResponse {
            verdict: if revoked {
                proto::Verdict::Revoked
            } else {
                proto::Verdict::Valid
            }
            .into(),
            data: Some(sealed(&data, &kid)),
            reason: if revoked {
                "the document was revoked".into()
            } else {
                String::new()
            },
        }))
    }

    async fn list_seal_keys(
        &self,
        _request: Request<proto::ListSealKeysRequest>,
    ) -> Result<Response<proto::ListSealKeysResponse>, Status> {
        let keys = self.renderer.keys.clone();
        let published = tokio::task::spawn_blocking(move || keys.public_keys())
            .await
            .map_err(internal)?;
        Ok(Response::new(proto::ListSealKeysResponse {
            keys: published
                .into_iter()
                .map(|key| proto::SealKey {
                    agency: key.agency,
                    key_id: key.key_id,
                    public_key_pem: key.public_key_pem,
                    signing: key.signing,
                })
                .collect(),
        }))
    }

    async fn revoke_document(
        &self,
        request: Request<proto::RevokeDocumentRequest>,
    ) -> Result<Response<proto::RenderedDocument>, Status> {
        let caller = caller(&request)?;
        caller.require_any_role(&[Role::AgencyAdmin, Role::SeniorReviewer])?;
        let body = request.get_ref();
        let id = document_id(&body.document_id)?;
        let reason = body.reason.trim();
        if reason.is_empty() || reason.chars().count() > 500 {
            return Err(ServiceError::invalid(
                "reason",
                "required",
                "why, in at most 500 characters",
            )
            .into());
        }
        let row = store::revoke(&self.pool, &caller.agency, id, reason)
            .await
            .map_err(internal)?
            .ok_or_else(|| Status::from(ServiceError::NotFound("document")))?;
        tracing::info!(document_id = %id, agency = %caller.agency, actor = %caller.account_id, "document revoked");
        Ok(Response::new(document(&row, Language::ZhHant)))
    }

    async fn rerender_document(
        &self,
        request: Request<proto::RerenderDocumentRequest>,
    ) -> Result<Response<proto::RenderedDocument>, Status> {
        let caller = caller(&request)?;
        caller.require_any_role(&[Role::AgencyAdmin])?;
        let body = request.get_ref();
        let id = document_id(&body.document_id)?;
        let reason = body.reason.trim();
        if reason.is_empty() || reason.chars().count() > 500 {
            return Err(ServiceError::invalid(
                "reason",
                "required",
                "why, in at most 500 characters",
            )
            .into());
        }
        let row = crate::rerender::rerender(
            &self.pool,
            &self.renderer,
            &self.catalogs,
            &caller.agency,
            id,
            &caller.account_id,
            reason,
        )
        .await?;
        Ok(Response::new(document(&row, Language::ZhHant)))
    }
}
