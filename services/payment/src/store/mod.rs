//! PostgreSQL: orders, payments, provider notices, the ledger, refunds.

pub mod ledger;
pub mod orders;
pub mod payments;
pub mod reconciliations;

/// Whose rows a caller may see: an agency's, and of one account (applicants).
#[derive(Debug, Clone)]
pub struct Scope {
    pub agency: String,
    pub account: Option<String>,
}
