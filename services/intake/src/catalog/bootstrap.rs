//! Start-up publishing: each agency folder whose content differs from the
//! agency's current version becomes the next version. Unchanged folders
//! publish nothing, so restarts do not create versions.

use std::path::Path;

use laissez_catalog::store;
use sqlx::PgPool;

/// Who start-up publishes are recorded as.
const PUBLISHER: &str = "intake:catalog-folder";

/// Publishes every valid, changed agency under `root`; an invalid folder is
/// logged with all its errors and skipped (the agency keeps its version).
pub async fn publish_changed_agencies(
    pool: &PgPool,
    root: &Path,
) -> anyhow::Result<Vec<store::VersionInfo>> {
    let mut published = Vec::new();
    for (agency, loaded) in laissez_catalog::load::load_all(root) {
        let catalog = match loaded {
            Ok(catalog) => catalog,
            Err(errors) => {
                for error in &errors.0 {
                    tracing::error!(agency = %agency, %error, "catalog folder is invalid; not published");
                }
                continue;
            }
        };
        let fingerprint = store::fingerprint(&catalog)?;
        match store::current(pool, &catalog.agency.code).await {
            Ok(current) if current.info.sha256 == fingerprint => continue,
            Ok(_) | Err(store::Error::NotFound) => {}
            Err(error) => return Err(error.into()),
        }
        let files = laissez_catalog::load::read_dir_files(&root.join(&agency))?;
        let info = store::publish(pool, &catalog.agency.code, &files, PUBLISHER).await?;
        tracing::info!(agency = %info.agency, version = info.version, "published catalog from folder");
        published.push(info);
    }
    Ok(published)
}
