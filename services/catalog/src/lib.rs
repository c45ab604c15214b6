//! Agency catalogs: what differs between agencies is data, not code.
//!
//! - [`format`]: the types of a catalog (YAML in `deploy/agencies/<code>/`, JSON when stored);
//! - [`load`]: loading and validating a catalog, every error with file, line and field;
//! - [`rules`]: CEL rules and their evaluation context;
//! - [`eligibility`], [`documents`], [`fees`], [`calendar`], [`forms`], [`registration`]: what services ask of a catalog;
//! - [`identity_documents`]: the identity-document kinds and their number checks (check digits);
//! - [`templates`], [`numbers`]: message templates and receipt/group numbers;
//! - [`store`]: published versions in PostgreSQL (run [`store::MIGRATOR`] in the owning service);
//! - `client` (feature `client`): published versions read from intake over gRPC, kept in memory.
#![forbid(unsafe_code)]

pub mod calendar;
#[cfg(feature = "client")]
pub mod client;
pub mod demo;
pub mod documents;
pub mod eligibility;
pub mod fees;
pub mod format;
pub mod forms;
pub mod identity_documents;
pub mod load;
pub mod numbers;
pub mod registration;
pub mod rules;
pub mod store;
pub mod templates;

pub use format::Catalog;
pub use load::{LoadError, LoadErrors, load_dir, load_files};
