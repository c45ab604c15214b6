//! The audit hash chain: each entry's hash covers its own fields and the
//! previous entry's hash, so changing, removing or reordering any entry
//! breaks every hash after it.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

/// The hash the first entry of an agency's chain points back to.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One entry as hashed. `at` is truncated to microseconds (what PostgreSQL keeps).
#[derive(Debug, Clone)]
pub struct AuditRecord<'a> {
    pub agency: &'a str,
    pub sequence: i64,
    pub actor: &'a str,
    pub action: &'a str,
    pub case_id: Option<uuid::Uuid>,
    pub detail_json: &'a str,
    pub reason: &'a str,
    pub at: DateTime<Utc>,
    pub previous_hash: &'a str,
}

/// SHA-256 over length-prefixed fields (no separator can be forged).
pub fn hash(record: &AuditRecord<'_>) -> String {
    let mut digest = Sha256::new();
    let case_id = record.case_id.map(|id| id.to_string()).unwrap_or_default();
    let sequence = record.sequence.to_string();
    let at = record.at.timestamp_micros().to_string();
    for field in [
        "laissez-audit-v1",
        record.agency,
        &sequence,
        record.actor,
        record.action,
        &case_id,
        record.detail_json,
        record.reason,
        &at,
        record.previous_hash,
    ] {
        digest.update((field.len() as u64).to_be_bytes());
        digest.update(field.as_bytes());
    }
    hex::encode(digest.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_changes_the_hash() {
        let at = Utc::now();
        let record = AuditRecord {
            agency: "a",
            sequence: 1,
            actor: "r",
            action: "claim",
            case_id: None,
            detail_json: "{}",
            reason: "",
            at,
            previous_hash: GENESIS,
        };
        let original = hash(&record);
        assert_ne!(
            original,
            hash(&AuditRecord {
                reason: "x",
                ..record.clone()
            })
        );
        assert_ne!(
            original,
            hash(&AuditRecord {
                sequence: 2,
                ..record.clone()
            })
        );
        assert_ne!(
            original,
            hash(&AuditRecord {
                actor: "ra",
                action: "laim",
                ..record.clone()
            })
        );
        assert_eq!(original, hash(&record));
    }
}
