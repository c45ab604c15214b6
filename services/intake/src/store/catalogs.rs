//! Published catalog versions, cached: a version never changes once stored,
//! so a parsed copy is kept per (agency, version).

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use laissez_catalog::Catalog;
use laissez_catalog::store;
use laissez_kit::ServiceError;
use sqlx::PgPool;

type Versions = HashMap<(String, u32), Arc<Catalog>>;

#[derive(Clone, Default)]
pub struct CatalogCache {
    versions: Arc<RwLock<Versions>>,
}

impl CatalogCache {
    /// The version a case was started under.
    pub async fn get(
        &self,
        pool: &PgPool,
        agency: &str,
        version: u32,
    ) -> Result<Arc<Catalog>, ServiceError> {
        let key = (agency.to_owned(), version);
        if let Ok(versions) = self.versions.read()
            && let Some(catalog) = versions.get(&key)
        {
            return Ok(catalog.clone());
        }
        let stored = store::get(pool, agency, version)
            .await
            .map_err(catalog_error)?;
        let catalog = Arc::new(stored.catalog);
        if let Ok(mut versions) = self.versions.write() {
            versions.insert(key, catalog.clone());
        }
        Ok(catalog)
    }

    /// The agency's current version and its number.
    pub async fn current(
        &self,
        pool: &PgPool,
        agency: &str,
    ) -> Result<(u32, Arc<Catalog>), ServiceError> {
        let version: Option<i32> =
            sqlx::query_scalar("SELECT max(version) FROM catalog_versions WHERE agency = $1")
                .bind(agency)
                .fetch_one(pool)
                .await?;
        let version = version
            .and_then(|version| u32::try_from(version).ok())
            .ok_or(ServiceError::NotFound("catalog"))?;
        Ok((version, self.get(pool, agency, version).await?))
    }
}

fn catalog_error(error: store::Error) -> ServiceError {
    match error {
        store::Error::NotFound => ServiceError::NotFound("catalog"),
        other => ServiceError::internal(other),
    }
}
