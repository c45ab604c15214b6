//! Counting what journeys left behind, from outside: each effect must
//! exist once — not lost, not twice (the Jepsen habit of counting instead
//! of sampling). Read through the API as each party sees it.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::api::Call;
use crate::fujian::FjCase;
use crate::journeys::Outside;

/// What was counted, and every discrepancy found.
#[derive(Debug, Default)]
pub struct Ledger {
    pub cases: usize,
    pub messages: usize,
    pub orders: usize,
    pub documents: usize,
    pub audit_entries: u64,
    pub lost: Vec<String>,
    pub duplicated: Vec<String>,
}

impl std::fmt::Display for Ledger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} cases, {} orders, {} acknowledgements, {} messages, {} audit entries; \
             lost {}, duplicated {}",
            self.cases,
            self.orders,
            self.documents,
            self.messages,
            self.audit_entries,
            self.lost.len(),
            self.duplicated.len()
        )
    }
}

impl Ledger {
    pub fn is_clean(&self) -> bool {
        self.lost.is_empty() && self.duplicated.is_empty()
    }
}

/// The kinds of in-app message each case's applicant received (event
/// types), to compare a fault run with a quiet one.
pub async fn message_kinds(out: &Outside, case: &FjCase) -> BTreeSet<String> {
    messages_of(out, &case.token)
        .await
        .into_iter()
        .filter(|message| message["case_id"] == case.case_id.as_str())
        .filter_map(|message| message["event_type"].as_str().map(str::to_owned))
        .collect()
}

async fn messages_of(out: &Outside, token: &str) -> Vec<Value> {
    let mut all = Vec::new();
    let mut page = String::new();
    loop {
        let answer = out
            .send(
                Call::new("NotifyService.ListMessages")
                    .token(token)
                    .query("page_size", "100")
                    .query("page_token", page.clone()),
            )
            .await
            .ok();
        all.extend(answer["messages"].as_array().cloned().unwrap_or_default());
        match answer["next_page_token"].as_str() {
            Some(next) if !next.is_empty() => page = next.to_owned(),
            _ => return all,
        }
    }
}

/// Counts the effects of finished Fujian journeys: one order per case,
/// paid once with its counter receipt; one acknowledgement per case; one
/// in-app message per event and recipient, of every kind `expected`
/// names; receipt numbers unique; the review audit chain intact.
pub async fn count_fj(
    out: &Outside,
    auditor: &str,
    cases: &[FjCase],
    expected: &BTreeSet<String>,
) -> Ledger {
    let mut ledger = Ledger {
        cases: cases.len(),
        ..Ledger::default()
    };
    let receipts: BTreeSet<&str> = cases.iter().map(|c| c.receipt.as_str()).collect();
    if receipts.len() != cases.len() {
        ledger.duplicated.push(format!(
            "receipt numbers: {} for {} cases",
            receipts.len(),
            cases.len()
        ));
    }
    for case in cases {
        let orders = out
            .send(Call::new("PaymentService.ListOrders").token(&case.token))
            .await
            .ok();
        let orders: Vec<&Value> = orders["orders"]
            .as_array()
            .map(|o| o.iter().collect())
            .unwrap_or_default();
        let of_case: Vec<&&Value> = orders
            .iter()
            .filter(|order| {
                order["case_ids"]
                    .as_array()
                    .is_some_and(|ids| ids.iter().any(|id| id == case.case_id.as_str()))
            })
            .collect();
        ledger.orders += of_case.len();
        match of_case.len() {
            0 => ledger.lost.push(format!("order of {}", case.case_id)),
            1 => {
                let order = of_case[0];
                if order["state"] != "ORDER_STATE_PAID" {
                    ledger
                        .lost
                        .push(format!("payment of {}: {order}", case.case_id));
                }
                if order["counter_receipt"] != case.counter_receipt.as_str() {
                    ledger
                        .lost
                        .push(format!("counter receipt of {}: {order}", case.case_id));
                }
            }
            n => ledger
                .duplicated
                .push(format!("{n} orders for {}", case.case_id)),
        }

        let documents = out
            .send(Call::new("RenderService.ListDocuments").token(&case.token))
            .await
            .ok();
        let acknowledgements = documents["documents"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|d| d["case_id"] == case.case_id.as_str() && d["kind"] == "acknowledgement")
            .count();
        ledger.documents += acknowledgements;
        match acknowledgements {
            0 => ledger
                .lost
                .push(format!("acknowledgement of {}", case.case_id)),
            1 => {}
            n => ledger
                .duplicated
                .push(format!("{n} acknowledgements of {}", case.case_id)),
        }

        let messages = messages_of(out, &case.token).await;
        let mut seen: BTreeMap<(String, String, String), usize> = BTreeMap::new();
        let mut kinds = BTreeSet::new();
        for message in messages
            .iter()
            .filter(|m| m["case_id"] == case.case_id.as_str())
        {
            let kind = message["event_type"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            kinds.insert(kind.clone());
            *seen
                .entry((
                    kind,
                    message["subject"].as_str().unwrap_or_default().to_owned(),
                    message["body"].as_str().unwrap_or_default().to_owned(),
                ))
                .or_default() += 1;
            ledger.messages += 1;
        }
        for ((kind, subject, _), count) in seen {
            if count > 1 {
                ledger.duplicated.push(format!(
                    "{count} messages {kind} \"{subject}\" for {}",
                    case.case_id
                ));
            }
        }
        for missing in expected.difference(&kinds) {
            ledger
                .lost
                .push(format!("message {missing} for {}", case.case_id));
        }
    }

    let audit = out
        .send(Call::new("ReviewService.VerifyAuditChain").token(auditor))
        .await
        .ok();
    ledger.audit_entries = audit["entries_checked"]
        .as_str()
        .and_then(|n| n.parse().ok())
        .or_else(|| audit["entries_checked"].as_u64())
        .unwrap_or(0);
    if audit["intact"] != true {
        ledger
            .lost
            .push(format!("the audit chain is broken: {audit}"));
    }
    ledger
}
