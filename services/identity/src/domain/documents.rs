//! Identity-document numbers: one vocabulary of kinds and their checks for
//! registration, managed applicants and application forms alike, kept in
//! the catalog crate.

pub use laissez_catalog::identity_documents::*;
