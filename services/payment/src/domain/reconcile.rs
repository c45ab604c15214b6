//! Reconciliation: one provider's settlement file for one agency and day,
//! against the ledger's movements of that provider and day. Money is
//! compared per provider transaction and direction (money in: charges,
//! surcharges and unmatched payments; money out: refunds), because the
//! ledger splits one payment into a line per order and its surcharge while
//! the provider settles the payment once.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Money moving one way for one transaction, as one side records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Movement {
    pub transaction_id: String,
    /// The payment the provider was asked for (its reference).
    pub reference: String,
    /// Minor units; refunds negative.
    pub amount: i64,
    pub currency: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DifferenceKind {
    /// The provider settled money the ledger does not have.
    Missing,
    /// The ledger has money the provider did not settle.
    Extra,
    /// Both have it, with another amount or currency.
    Mismatched,
}

impl DifferenceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DifferenceKind::Missing => "missing",
            DifferenceKind::Extra => "extra",
            DifferenceKind::Mismatched => "mismatched",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Difference {
    pub kind: DifferenceKind,
    pub transaction_id: String,
    pub reference: String,
    /// What the provider settled (0 when missing from its file).
    pub settled: i64,
    /// What the ledger has (0 when missing from it).
    pub recorded: i64,
    pub currency: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Transactions (per direction) both sides agree on.
    pub matched: usize,
    pub differences: Vec<Difference>,
}

impl Outcome {
    pub fn count(&self, kind: DifferenceKind) -> usize {
        self.differences
            .iter()
            .filter(|difference| difference.kind == kind)
            .count()
    }
}

type Key = (String, bool);

fn totals(movements: &[Movement]) -> BTreeMap<Key, Movement> {
    let mut totals: BTreeMap<Key, Movement> = BTreeMap::new();
    for movement in movements {
        let key = (movement.transaction_id.clone(), movement.amount >= 0);
        totals
            .entry(key)
            .and_modify(|total| {
                total.amount += movement.amount;
                if total.currency != movement.currency {
                    // Two currencies in one transaction never agree with anything.
                    total.currency = format!("{}+{}", total.currency, movement.currency);
                }
            })
            .or_insert_with(|| movement.clone());
    }
    totals
}

/// Compares what the provider settled with what the ledger recorded.
pub fn compare(settled: &[Movement], recorded: &[Movement]) -> Outcome {
    let settled = totals(settled);
    let mut recorded = totals(recorded);
    let mut outcome = Outcome::default();
    for (key, file) in settled {
        match recorded.remove(&key) {
            Some(ledger) if ledger.amount == file.amount && ledger.currency == file.currency => {
                outcome.matched += 1;
            }
            Some(ledger) => outcome.differences.push(Difference {
                kind: DifferenceKind::Mismatched,
                transaction_id: file.transaction_id,
                reference: file.reference,
                settled: file.amount,
                recorded: ledger.amount,
                currency: file.currency,
            }),
            None => outcome.differences.push(Difference {
                kind: DifferenceKind::Missing,
                transaction_id: file.transaction_id,
                reference: file.reference,
                settled: file.amount,
                recorded: 0,
                currency: file.currency,
            }),
        }
    }
    for (_, ledger) in recorded {
        outcome.differences.push(Difference {
            kind: DifferenceKind::Extra,
            transaction_id: ledger.transaction_id,
            reference: ledger.reference,
            settled: 0,
            recorded: ledger.amount,
            currency: ledger.currency,
        });
    }
    outcome.differences.sort_by(|a, b| {
        (a.kind, &a.transaction_id, a.settled).cmp(&(b.kind, &b.transaction_id, b.settled))
    });
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    fn movement(transaction_id: &str, amount: i64) -> Movement {
        Movement {
            transaction_id: transaction_id.to_owned(),
            reference: format!("ref-{transaction_id}"),
            amount,
            currency: "TWD".to_owned(),
        }
    }

    #[test]
    fn a_payment_split_by_order_and_surcharge_matches_its_one_settlement() {
        let settled = [movement("t1", 2015), movement("t1", -500)];
        let recorded = [
            movement("t1", 1000),
            movement("t1", 1000),
            movement("t1", 15),
            movement("t1", -500),
        ];
        let outcome = compare(&settled, &recorded);
        assert_eq!(outcome.matched, 2);
        assert!(outcome.differences.is_empty(), "{outcome:?}");
    }

    #[test]
    fn missing_extra_and_mismatched_are_each_reported() {
        let settled = [
            movement("paid-only-at-provider", 1000),
            movement("differs", 1008),
            movement("same", 300),
        ];
        let recorded = [
            movement("differs", 1000),
            movement("same", 300),
            movement("ledger-only", 700),
        ];
        let outcome = compare(&settled, &recorded);
        assert_eq!(outcome.matched, 1);
        assert_eq!(outcome.count(DifferenceKind::Missing), 1);
        assert_eq!(outcome.count(DifferenceKind::Extra), 1);
        assert_eq!(outcome.count(DifferenceKind::Mismatched), 1);
        let mismatched = &outcome.differences[2];
        assert_eq!(mismatched.kind, DifferenceKind::Mismatched);
        assert_eq!((mismatched.settled, mismatched.recorded), (1008, 1000));
    }

    #[test]
    fn another_currency_is_a_mismatch() {
        let settled = [movement("t", 100)];
        let mut other = movement("t", 100);
        other.currency = "HKD".to_owned();
        let outcome = compare(&settled, &[other]);
        assert_eq!(outcome.count(DifferenceKind::Mismatched), 1);
    }
}
