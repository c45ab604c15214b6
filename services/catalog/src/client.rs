//! Published catalog versions read from intake (which keeps every version)
//! over gRPC and kept in memory: a version never changes. Services that act
//! on a case under the version it was submitted with (payment prices with
//! it, render lays documents out with its templates) read it here.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use crate::Catalog;
use laissez_proto::intake::v1::catalog_admin_service_client::CatalogAdminServiceClient;
use laissez_proto::intake::v1::{GetCatalogVersionRequest, GetCurrentCatalogRequest};
use tonic::transport::{Channel, Endpoint};

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// Intake is down or slow: try again later.
    #[error("the catalog could not be read: {0}")]
    Unavailable(String),
    /// No such version of the agency's catalog.
    #[error("catalog version {version} of {agency} does not exist")]
    Unknown { agency: String, version: u32 },
    #[error("catalog version {version} of {agency} cannot be read: {reason}")]
    Corrupt {
        agency: String,
        version: u32,
        reason: String,
    },
}

type Versions = HashMap<(String, u32), Arc<Catalog>>;

#[derive(Clone)]
pub struct Catalogs {
    client: CatalogAdminServiceClient<Channel>,
    versions: Arc<RwLock<Versions>>,
}

impl Catalogs {
    /// A lazily connected client of intake at `intake_url`: the caller
    /// starts while intake is down.
    pub fn connect_lazy(intake_url: &str, timeout_ms: u64) -> anyhow::Result<Self> {
        let endpoint = Endpoint::from_shared(intake_url.to_owned())
            .map_err(|error| anyhow::anyhow!("services.intake {intake_url:?}: {error}"))?
            .connect_timeout(Duration::from_secs(2))
            .timeout(Duration::from_millis(timeout_ms.max(1)))
            .tcp_nodelay(true);
        Ok(Self {
            client: CatalogAdminServiceClient::new(endpoint.connect_lazy())
                .max_decoding_message_size(16 * 1024 * 1024),
            versions: Arc::default(),
        })
    }

    /// The number of the agency's catalog version in use now.
    pub async fn current_version(&self, agency: &str) -> Result<u32, CatalogError> {
        let answer = self
            .client
            .clone()
            .get_current_catalog(GetCurrentCatalogRequest {
                agency: agency.to_owned(),
            })
            .await;
        match answer {
            Ok(current) => Ok(current.into_inner().version),
            Err(status) if status.code() == tonic::Code::NotFound => Err(CatalogError::Unknown {
                agency: agency.to_owned(),
                version: 0,
            }),
            Err(status) => Err(CatalogError::Unavailable(status.message().to_owned())),
        }
    }

    pub async fn get(&self, agency: &str, version: u32) -> Result<Arc<Catalog>, CatalogError> {
        let key = (agency.to_owned(), version);
        if let Ok(versions) = self.versions.read()
            && let Some(catalog) = versions.get(&key)
        {
            return Ok(catalog.clone());
        }
        let answer = self
            .client
            .clone()
            .get_catalog_version(GetCatalogVersionRequest {
                version,
                agency: agency.to_owned(),
            })
            .await;
        let stored = match answer {
            Ok(stored) => stored.into_inner(),
            Err(status) if status.code() == tonic::Code::NotFound => {
                return Err(CatalogError::Unknown {
                    agency: agency.to_owned(),
                    version,
                });
            }
            Err(status) => return Err(CatalogError::Unavailable(status.message().to_owned())),
        };
        let catalog: Catalog =
            serde_json::from_str(&stored.catalog_json).map_err(|error| CatalogError::Corrupt {
                agency: agency.to_owned(),
                version,
                reason: error.to_string(),
            })?;
        let catalog = Arc::new(catalog);
        if let Ok(mut versions) = self.versions.write() {
            versions.insert(key, catalog.clone());
        }
        Ok(catalog)
    }
}
