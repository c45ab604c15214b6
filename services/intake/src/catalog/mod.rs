//! Intake owns the agencies' versioned catalogs: publishing at start-up
//! from the catalog folder, and the `CatalogAdminService` gRPC surface.

mod admin;
mod bootstrap;
pub(crate) mod convert;

pub use admin::CatalogAdmin;
pub use bootstrap::publish_changed_agencies;
