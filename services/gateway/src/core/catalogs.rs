//! The agencies' current catalogs, as the portal reads them on every page
//! (names, labels, code lists, how a portal signs in). Each is kept for a
//! few seconds: a busy portal asks intake once per agency per interval
//! instead of once per page, and a newly published catalog shows within
//! that interval. Only catalogs that exist are kept, so the cache holds at
//! most one entry per real agency whatever paths clients make up.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use laissez_proto::intake::v1::GetCurrentCatalogRequest;

use super::upstream::Upstreams;

/// How long a catalog read from intake is used before it is read again.
pub const CATALOG_REUSE: Duration = Duration::from_secs(5);

#[derive(Debug, PartialEq, Eq)]
pub enum CatalogError {
    /// The agency has no catalog (no such agency).
    NotFound,
    /// Intake could not be asked, or answered something unreadable.
    Unavailable,
}

/// A catalog and when it was read.
type Entry = (Instant, Arc<serde_json::Value>);

#[derive(Clone)]
pub struct CatalogCache {
    upstreams: Upstreams,
    entries: Arc<Mutex<HashMap<String, Entry>>>,
    reuse_for: Duration,
}

impl CatalogCache {
    pub fn new(upstreams: Upstreams, reuse_for: Duration) -> Self {
        Self {
            upstreams,
            entries: Arc::default(),
            reuse_for,
        }
    }

    /// The agency's current catalog as JSON.
    pub async fn current(&self, agency: &str) -> Result<Arc<serde_json::Value>, CatalogError> {
        let now = Instant::now();
        if let Some((read_at, catalog)) = self
            .entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(agency)
            && now.duration_since(*read_at) < self.reuse_for
        {
            return Ok(catalog.clone());
        }
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
        let catalog: Arc<serde_json::Value> = Arc::new(
            serde_json::from_str(&catalog.catalog_json).map_err(|_| CatalogError::Unavailable)?,
        );
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(agency.to_owned(), (now, catalog.clone()));
        Ok(catalog)
    }
}
