//! The service's tables (see `migrations/`).

pub mod cases;
pub mod catalogs;
pub mod details;
pub mod documents;
pub mod lifecycle;
pub mod numbers;
pub mod records;
pub mod rounds;

pub use cases::{CaseRow, Scope};
pub use catalogs::CatalogCache;
