//! The agencies' current catalogs, as the portal reads them on every page
//! (names, labels, code lists, how a portal signs in). Each is kept for a
//! few seconds: a busy portal asks intake once per agency per interval
//! instead of once per page (pages that miss at once share one read), and
//! a newly published catalog shows within that interval. Only catalogs that exist are kept, so the cache holds at
//! most one entry per real agency whatever paths clients make up.

use std::sync::Arc;
use std::time::Duration;

use moka::future::Cache;

use laissez_proto::intake::v1::GetCurrentCatalogRequest;

use super::upstream::Upstreams;

/// How long a catalog read from intake is used before it is read again.
pub const CATALOG_REUSE: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CatalogError {
    /// The agency has no catalog (no such agency).
    NotFound,
    /// Intake could not be asked, or answered something unreadable.
    Unavailable,
}

#[derive(Clone)]
pub struct CatalogCache {
    upstreams: Upstreams,
    /// Catalogs by agency, each kept `reuse_for`; concurrent misses of one
    /// agency share one read.
    entries: Cache<String, Arc<serde_json::Value>>,
}

/// At most this many agencies' catalogs are kept.
const MAX_AGENCIES: u64 = 1_000;

impl CatalogCache {
    pub fn new(upstreams: Upstreams, reuse_for: Duration) -> Self {
        Self {
            upstreams,
            entries: Cache::builder()
                .max_capacity(MAX_AGENCIES)
                .time_to_live(reuse_for)
                .build(),
        }
    }

    /// The agency's current catalog as JSON.
    pub async fn current(&self, agency: &str) -> Result<Arc<serde_json::Value>, CatalogError> {
        let catalog = self
            .entries
            .try_get_with_by_ref(agency, self.read(agency))
            .await
            .map_err(|error| *error)?;
        // Intake knows the agency: requests for it are counted under it.
        laissez_kit::metrics::note_agency(agency);
        Ok(catalog)
    }

    async fn read(&self, agency: &str) -> Result<Arc<serde_json::Value>, CatalogError> {
        let answer = self
            .upstreams
            .catalog_admin()
            .get_current_catalog(self.upstreams.request(
                GetCurrentCatalogRequest {
                    agency: agency.to_owned(),
                },
                None,
            ))
            .await;
        let catalog = match answer {
            Ok(answer) => answer.into_inner(),
            Err(status)
                if matches!(
                    status.code(),
                    tonic::Code::NotFound | tonic::Code::InvalidArgument
                ) =>
            {
                return Err(CatalogError::NotFound);
            }
            Err(status) => {
                tracing::warn!(code = ?status.code(), "the catalog could not be read");
                return Err(CatalogError::Unavailable);
            }
        };
        serde_json::from_str(&catalog.catalog_json)
            .map(Arc::new)
            .map_err(|_| CatalogError::Unavailable)
    }
}
