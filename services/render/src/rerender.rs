//! Re-rendering after a template change: an explicit staff action that
//! lays a document out again with the agency's current catalog version,
//! from the data the document was laid out with, as a new version with a
//! new seal. The old version stays (downloadable by id, its seal still
//! verifies); lists show the newest.

use laissez_catalog::client::{CatalogError, Catalogs};
use laissez_catalog::format::{DocumentKind, Language};
use laissez_kit::ServiceError;
use sqlx::PgPool;
use uuid::Uuid;

use crate::jobs::{Job, local_day};
use crate::produce::{ComposeError, Renderer, Stored, keep, lock_fact, recompose};
use crate::seal::Message;
use crate::store::{self, DocumentRow, Scope};

/// Lays document `id` of `agency` out again; answers the new version.
pub async fn rerender(
    pool: &PgPool,
    renderer: &Renderer,
    catalogs: &Catalogs,
    agency: &str,
    id: Uuid,
    actor: &str,
    reason: &str,
) -> Result<DocumentRow, ServiceError> {
    let scope = Scope {
        agency: agency.to_owned(),
        account: None,
    };
    let row = store::find(pool, &scope, id)
        .await
        .map_err(ServiceError::internal)?
        .ok_or(ServiceError::NotFound("document"))?;
    if row.revoked_at.is_some() {
        return Err(ServiceError::FailedPrecondition(
            "this document was revoked: it is not rendered again".into(),
        ));
    }
    let kind = DocumentKind::parse(&row.kind).ok_or_else(|| {
        ServiceError::FailedPrecondition(format!("unknown document kind {}", row.kind))
    })?;
    let data = row.data.clone().ok_or_else(|| {
        ServiceError::FailedPrecondition(
            "this document was rendered before its data was kept".into(),
        )
    })?;
    let unavailable = |error: CatalogError| match error {
        CatalogError::Unavailable(reason) => ServiceError::Unavailable(reason),
        other => ServiceError::FailedPrecondition(other.to_string()),
    };
    let version = catalogs
        .current_version(agency)
        .await
        .map_err(unavailable)?;
    let catalog = catalogs.get(agency, version).await.map_err(unavailable)?;
    let template = catalog
        .document(kind, &row.application_type)
        .cloned()
        .ok_or_else(|| {
            ServiceError::FailedPrecondition(
                "the agency's current catalog issues no such document for this type".into(),
            )
        })?;
    let new_id = Uuid::now_v7();
    let today = local_day(&catalog, chrono::Utc::now());
    let composed = {
        let (renderer, template, sealed) = (renderer.clone(), template.clone(), row.sealed.clone());
        tokio::task::spawn_blocking(move || {
            recompose(&renderer, &template, data, sealed, new_id, today)
        })
        .await
        .map_err(ServiceError::internal)?
    };
    let composed = match composed {
        Ok(composed) => composed,
        Err(ComposeError::Seal(error)) => return Err(ServiceError::Unavailable(error.to_string())),
        Err(ComposeError::Template(error)) => {
            return Err(ServiceError::FailedPrecondition(format!(
                "{} of catalog version {version} does not lay out: {error}",
                template.template
            )));
        }
    };
    let job = Job {
        agency: row.agency.clone(),
        account_id: row.account_id.clone(),
        case_id: row.case_id,
        kind,
        source: row.source.clone(),
        application_type: row.application_type.clone(),
        catalog_version: version,
        language: Language::parse(&row.language).unwrap_or(Language::ZhHant),
        receipt_number: row.receipt_number.clone(),
        group_number: row.group_number.clone(),
        paid_at: row.paid_at,
        number: row.number.clone(),
        sealed: row
            .sealed
            .as_ref()
            .map(|sealed| sealed.msg.clone())
            .unwrap_or_else(Message::default),
        parts: Default::default(),
    };
    let mut transaction = pool.begin().await.map_err(ServiceError::internal)?;
    lock_fact(&mut transaction, kind.as_str(), &row.source)
        .await
        .map_err(ServiceError::internal)?;
    if !store::supersede(&mut transaction, row.id)
        .await
        .map_err(ServiceError::internal)?
    {
        return Err(ServiceError::FailedPrecondition(
            "a newer version of this document exists: re-render that one".into(),
        ));
    }
    let latest = store::latest_version(&mut transaction, kind.as_str(), &row.source)
        .await
        .map_err(ServiceError::internal)?;
    let stored = Stored {
        id: new_id,
        job: &job,
        template: &template,
        version: latest + 1,
        rendered_by: actor,
        reason,
    };
    keep(&mut transaction, renderer, &stored, composed)
        .await
        .map_err(ServiceError::internal)?;
    transaction.commit().await.map_err(ServiceError::internal)?;
    tracing::info!(document_id = %new_id, replaces = %row.id, agency, actor, "document re-rendered");
    store::by_id(pool, new_id)
        .await
        .map_err(ServiceError::internal)?
        .ok_or(ServiceError::NotFound("document"))
}
