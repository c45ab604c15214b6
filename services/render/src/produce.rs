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
    let code = fast_qr::QRBuilder::new(text.as_bytes())
        .ecl(fast_qr::ECL::M)
        .build()
        .map_err(|error| error.to_string())?;
    let width = code.size;
    let quiet = 4;
    let mut path = String::with_capacity(width * width);
    for row in 0..width {
        let line = &code[row];
        let mut column = 0;
        while column < width {
            if line[column].value() {
                let start = column;
                while column < width && line[column].value() {
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

/// A Code 39 barcode as SVG, one unit per narrow module and 40 high
/// (a template leaves white around it for the quiet zone).
pub fn code39_svg(value: &str) -> Result<Vec<u8>, String> {
    use barcoders::generators::svg::SVG;
    let modules = barcoders::sym::code39::Code39::new(value)
        .map_err(|error| format!("{value:?} cannot be drawn as Code 39: {error}"))?
        .encode();
    SVG::new(40)
        .xmlns("http://www.w3.org/2000/svg".into())
        .generate(&modules)
        .map(String::into_bytes)
        .map_err(|error| error.to_string())
}

/// The files a template reads besides `data.json`, drawn from the data:
/// `seal.svg` (the seal's QR code, when there is a seal) and
/// `barcode-1.svg`… (a slip's `slip.barcodes`, in order). Drawn again on
/// a re-render, so a new template gets the same pictures.
pub fn attachments(data: &Value, seal_text: &str) -> Result<Vec<Attachment>, TemplateError> {
    let problem = |what: String| TemplateError {
        problems: vec![what],
    };
    let mut attachments = Vec::new();
    if !seal_text.is_empty() {
        let bytes = qr_svg(seal_text).map_err(|error| problem(format!("seal QR code: {error}")))?;
        attachments.push(Attachment {
            name: "seal.svg".into(),
            bytes,
        });
    }
    let barcodes = data
        .pointer("/slip/barcodes")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    for (index, value) in barcodes.iter().enumerate() {
        let value = value.as_str().unwrap_or_default();
        let bytes = code39_svg(value)
            .map_err(|error| problem(format!("barcode {}: {error}", index + 1)))?;
        attachments.push(Attachment {
            name: format!("barcode-{}.svg", index + 1).into(),
            bytes,
        });
    }
    Ok(attachments)
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

/// A laid-out document, its seal and the data it was laid out with.
pub struct Composed {
    pub pdf: Vec<u8>,
    /// The seal's text ('' when the document has none).
    pub seal_text: String,
    pub sealed: Option<SealData>,
    pub data: Value,
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
    let data = template_data(job, catalog, template, document_id, "", today);
    let seal = template.sealed.then(|| {
        let mut message = job.sealed.clone();
        message.did = document_id.to_string();
        SealData {
            hdr: Header {
                t: format!("laissez.{}", job.kind.as_str()),
                v: 1,
                is: job.agency.clone(),
            },
            msg: message,
        }
    });
    finish(renderer, template, data, seal, today)
}

/// A document laid out again with `template` from the data an earlier
/// version was laid out with, as document `document_id` (a new seal).
pub fn recompose(
    renderer: &Renderer,
    template: &DocumentTemplate,
    mut data: Value,
    sealed: Option<SealData>,
    document_id: Uuid,
    today: chrono::NaiveDate,
) -> Result<Composed, ComposeError> {
    if let Some(document) = data.get_mut("document").and_then(Value::as_object_mut) {
        document.insert("id".into(), json!(document_id.to_string()));
        document.insert("rendered_on".into(), json!(today.to_string()));
    }
    let seal = sealed.filter(|_| template.sealed).map(|mut seal| {
        seal.msg.did = document_id.to_string();
        seal
    });
    finish(renderer, template, data, seal, today)
}

/// Signs `seal` into `data` (and draws its QR code), then lays out.
fn finish(
    renderer: &Renderer,
    template: &DocumentTemplate,
    mut data: Value,
    seal: Option<SealData>,
    today: chrono::NaiveDate,
) -> Result<Composed, ComposeError> {
    let (seal_text, sealed) = match seal {
        Some(seal) => {
            let seal = renderer.keys.sign(seal)?;
            (crate::seal::seal_text(&seal), Some(seal.data))
        }
        None => (String::new(), None),
    };
    if let Some(fields) = data.as_object_mut() {
        fields.insert("seal".into(), json!({ "text": seal_text }));
    }
    let attachments = attachments(&data, &seal_text)?;
    let pdf = renderer
        .engine
        .render(&template.source, &data, attachments, today)?;
    Ok(Composed {
        pdf,
        seal_text,
        sealed,
        data,
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
    lock_fact(connection, job.kind.as_str(), &job.source)
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
    let composed = match composed {
        Ok(composed) => composed,
        Err(ComposeError::Seal(error)) => return Err(HandlerError::transient(error.to_string())),
        Err(ComposeError::Template(TemplateError { problems })) => {
            metrics::counter!("render_failures_total", "kind" => job.kind.as_str(), "agency" => job.agency.clone())
                .increment(1);
            return Err(HandlerError::permanent(format!(
                "{} of catalog version {} does not lay out: {}",
                template.template,
                job.catalog_version,
                problems.join("; ")
            )));
        }
    };
    metrics::histogram!("render_seconds", "kind" => job.kind.as_str())
        .record(started.elapsed().as_secs_f64());
    let stored = Stored {
        id: document_id,
        job: &job,
        template: &template,
        version: 1,
        rendered_by: "",
        reason: "",
    };
    keep(connection, renderer, &stored, composed)
        .await
        .map_err(transient)?;
    Ok(Produced::Rendered(document_id))
}

/// Serialises the rendering of one fact's document of one kind.
pub async fn lock_fact(
    connection: &mut PgConnection,
    kind: &str,
    source: &str,
) -> sqlx::Result<()> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
        .bind(format!("{kind}:{source}"))
        .execute(connection)
        .await
        .map(drop)
}

/// Which document a laid-out PDF becomes.
pub struct Stored<'a> {
    pub id: Uuid,
    pub job: &'a Job,
    pub template: &'a DocumentTemplate,
    pub version: i32,
    pub rendered_by: &'a str,
    pub reason: &'a str,
}

/// Stores a laid-out document: the PDF in the blob store, its row and its
/// `render.document.rendered`, in `connection`'s transaction.
pub async fn keep(
    connection: &mut PgConnection,
    renderer: &Renderer,
    stored: &Stored<'_>,
    composed: Composed,
) -> anyhow::Result<()> {
    let job = stored.job;
    let sha256 = hex::encode(Sha256::digest(&composed.pdf));
    let blob_key = format!("documents/{}/{}.pdf", job.agency, stored.id);
    let size_bytes = i64::try_from(composed.pdf.len()).unwrap_or(i64::MAX);
    renderer
        .blobs
        .put(&blob_key, bytes::Bytes::from(composed.pdf))
        .await?;
    store::insert(
        &mut *connection,
        &NewDocument {
            id: stored.id,
            job,
            version: stored.version,
            data: &composed.data,
            rendered_by: stored.rendered_by,
            reason: stored.reason,
            name: &stored.template.name,
            sha256: &sha256,
            size_bytes,
            blob_key: &blob_key,
            seal: &composed.seal_text,
            sealed: composed.sealed.as_ref(),
        },
    )
    .await?;
    let event = DocumentRendered {
        document_id: stored.id.to_string(),
        case_id: job.case_id.to_string(),
        kind: job.kind.as_str().to_owned(),
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
    .await?;
    metrics::counter!("render_documents_total", "kind" => job.kind.as_str(), "agency" => job.agency.clone())
        .increment(1);
    Ok(())
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
