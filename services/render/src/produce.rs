//! Turns a [`Job`] into a stored document: the template data, the signed
//! seal, the PDF, the blob and the row, once per source fact.

use std::sync::Arc;
use std::time::Instant;

use laissez_catalog::Catalog;
use laissez_catalog::format::{DocumentTemplate, LocalizedText};
use laissez_eventbus::{HandlerError, Outbox};
use laissez_kit::blob::BlobStore;
use laissez_proto::events::v1::DocumentRendered;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::engine::{Attachment, Engine, TemplateError};
use crate::jobs::{Job, local_day};
use crate::seal::{Header, KeyError, KeyRing, SealData};
use crate::store::{self, NewDocument};

/// What rendering needs, shared by the consumer and the staff re-render.
#[derive(Clone)]
pub struct Renderer {
    pub engine: Arc<Engine>,
    pub keys: Arc<KeyRing>,
    pub blobs: Arc<dyn BlobStore>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Produced {
    Rendered(Uuid),
    /// The fact already has its document (a redelivery).
    AlreadyRendered,
    /// The agency's catalog declares no such document for the case's type.
    NotIssued,
}

/// The seal's QR code as SVG: one path, a rectangle per horizontal run
/// of dark modules, in module units with the four-module quiet zone (a
/// few hundred path commands rather than thousands of elements keeps the
/// PDF's drawing small and quick to convert).
pub fn qr_svg(text: &str) -> Result<Vec<u8>, String> {
    let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)
        .map_err(|error| error.to_string())?;
    let width = code.width();
    let modules = code.to_colors();
    let quiet = 4;
    let mut path = String::with_capacity(width * width);
    for (row, line) in modules.chunks(width).enumerate() {
        let mut column = 0;
        while column < width {
            if line[column] == qrcode::Color::Dark {
                let start = column;
                while column < width && line[column] == qrcode::Color::Dark {
                    column += 1;
                }
                let (x, y, run) = (start + quiet, row + quiet, column - start);
                path.push_str(&format!("M{x} {y}h{run}v1h-{run}z"));
            } else {
                column += 1;
            }
        }
    }
    let size = width + 2 * quiet;
    Ok(format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" shape-rendering="crispEdges"><rect width="{size}" height="{size}" fill="#fff"/><path d="{path}" fill="#000"/></svg>"##
    )
    .into_bytes())
}

/// The whole `data.json` of a document.
pub fn template_data(
    job: &Job,
    catalog: &Catalog,
    template: &DocumentTemplate,
    document_id: Uuid,
    seal_text: &str,
    today: chrono::NaiveDate,
) -> Value {
    let language = job.language;
    let type_name = catalog
        .application_type(&job.application_type)
        .map(|kind| kind.name.get(language).to_owned())
        .unwrap_or_else(|| job.application_type.clone());
    let mut case = json!({
        "id": job.case_id.to_string(),
        "receipt_number": job.receipt_number,
        "group_number": job.group_number,
        "application_type": job.application_type,
        "type_name": type_name,
    });
    let mut data = Map::new();
    for (key, value) in &job.parts {
        if key == "case_extra" {
            if let (Some(case), Some(extra)) = (case.as_object_mut(), value.as_object()) {
                case.extend(extra.clone());
            }
        } else {
            data.insert(key.clone(), value.clone());
        }
    }
    data.insert(
        "agency".into(),
        json!({ "code": job.agency, "name": catalog.agency.name.get(language) }),
    );
    data.insert(
        "document".into(),
        json!({
            "id": document_id.to_string(),
            "kind": job.kind.as_str(),
            "name": template.name.get(language),
            "number": job.number,
            "language": language.tag(),
            "rendered_on": today.to_string(),
        }),
    );
    data.insert("case".into(), std::mem::take(&mut case));
    data.insert("seal".into(), json!({ "text": seal_text }));
    Value::Object(data)
}

fn transient(error: impl std::fmt::Display) -> HandlerError {
    HandlerError::transient(error.to_string())
}

/// A laid-out document and its seal.
pub struct Composed {
    pub pdf: Vec<u8>,
    /// The seal's text ('' when the document has none).
    pub seal_text: String,
    pub sealed: Option<SealData>,
}

#[derive(Debug, thiserror::Error)]
pub enum ComposeError {
    #[error(transparent)]
    Seal(#[from] KeyError),
    #[error(transparent)]
    Template(#[from] TemplateError),
}

/// Everything that makes a document's bytes: its data, its signed seal
/// and QR code, the layout and the PDF (CPU only; no I/O but a seal key's
/// first read).
pub fn compose(
    renderer: &Renderer,
    catalog: &Catalog,
    template: &DocumentTemplate,
    job: &Job,
    document_id: Uuid,
    today: chrono::NaiveDate,
) -> Result<Composed, ComposeError> {
    let (seal_text, sealed) = if template.sealed {
        let mut message = job.sealed.clone();
        message.did = document_id.to_string();
        let seal = renderer.keys.sign(SealData {
            hdr: Header {
                t: format!("laissez.{}", job.kind.as_str()),
                v: 1,
                is: job.agency.clone(),
            },
            msg: message,
        })?;
        let text = serde_json::to_string(&seal).unwrap_or_default();
        (text, Some(seal.data))
    } else {
        (String::new(), None)
    };
    let data = template_data(job, catalog, template, document_id, &seal_text, today);
    let mut attachments = Vec::new();
    if !seal_text.is_empty() {
        let bytes = qr_svg(&seal_text).map_err(|error| TemplateError {
            problems: vec![format!("seal QR code: {error}")],
        })?;
        attachments.push(Attachment {
            name: "seal.svg",
            bytes,
        });
    }
    let pdf = renderer
        .engine
        .render(&template.source, &data, attachments, today)?;
    Ok(Composed {
        pdf,
        seal_text,
        sealed,
    })
}

/// Renders and stores `job`'s document in `connection`'s transaction,
/// unless its fact has one already.
pub async fn produce(
    connection: &mut PgConnection,
    renderer: &Renderer,
    catalog: &Arc<Catalog>,
    job: Job,
) -> Result<Produced, HandlerError> {
    let Some(template) = catalog.document(job.kind, &job.application_type).cloned() else {
        return Ok(Produced::NotIssued);
    };
    // One render per fact, even when a redelivery races the first delivery.
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
        .bind(format!("{}:{}", job.kind.as_str(), job.source))
        .execute(&mut *connection)
        .await
        .map_err(transient)?;
    if store::exists(&mut *connection, job.kind, &job.source)
        .await
        .map_err(transient)?
    {
        return Ok(Produced::AlreadyRendered);
    }
    let document_id = Uuid::now_v7();
    let today = local_day(catalog, chrono::Utc::now());
    let kind = job.kind.as_str();
    let started = Instant::now();
    let composed = {
        let (renderer, catalog, template, job) = (
            renderer.clone(),
            Arc::clone(catalog),
            template.clone(),
            job.clone(),
        );
        tokio::task::spawn_blocking(move || {
            compose(&renderer, &catalog, &template, &job, document_id, today)
        })
        .await
        .map_err(transient)?
    };
    let Composed {
        pdf,
        seal_text,
        sealed,
    } = match composed {
        Ok(composed) => composed,
        Err(ComposeError::Seal(error)) => return Err(HandlerError::transient(error.to_string())),
        Err(ComposeError::Template(TemplateError { problems })) => {
            metrics::counter!("render_failures_total", "kind" => kind, "agency" => job.agency.clone())
                .increment(1);
            return Err(HandlerError::permanent(format!(
                "{} of catalog version {} does not lay out: {}",
                template.template,
                job.catalog_version,
                problems.join("; ")
            )));
        }
    };
    metrics::histogram!("render_seconds", "kind" => kind).record(started.elapsed().as_secs_f64());
    let sha256 = hex::encode(Sha256::digest(&pdf));
    let blob_key = format!("documents/{}/{document_id}.pdf", job.agency);
    let size_bytes = i64::try_from(pdf.len()).unwrap_or(i64::MAX);
    renderer
        .blobs
        .put(&blob_key, bytes::Bytes::from(pdf))
        .await
        .map_err(transient)?;
    store::insert(
        &mut *connection,
        &NewDocument {
            id: document_id,
            job: &job,
            name: &template.name,
            sha256: &sha256,
            size_bytes,
            blob_key: &blob_key,
            seal: &seal_text,
            sealed: sealed.as_ref(),
        },
    )
    .await
    .map_err(transient)?;
    let event = DocumentRendered {
        document_id: document_id.to_string(),
        case_id: job.case_id.to_string(),
        kind: kind.to_owned(),
        sha256,
        account_id: job.account_id.clone(),
        number: job.number.clone(),
    };
    Outbox::enqueue(
        &mut *connection,
        &job.agency,
        "document",
        &event.document_id,
        &event,
    )
    .await
    .map_err(transient)?;
    metrics::counter!("render_documents_total", "kind" => kind, "agency" => job.agency.clone())
        .increment(1);
    Ok(Produced::Rendered(document_id))
}

/// A download's file name: the document's name in `language` and its number.
pub fn file_name(
    name: &LocalizedText,
    language: laissez_catalog::format::Language,
    number: &str,
) -> String {
    let name = name.get(language);
    let name = if name.trim().is_empty() {
        "document"
    } else {
        name
    };
    let safe: String = format!("{name}-{number}")
        .chars()
        .map(|character| {
            if character.is_control() || "/\\:*?\"<>|".contains(character) {
                '_'
            } else {
                character
            }
        })
        .collect();
    format!("{safe}.pdf")
}
