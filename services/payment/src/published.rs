//! What payment tells the other services, as the events' payloads: an
//! order paid (with the fee lines a receipt lists) and a convenience-store
//! slip issued (with what the printed slip shows).

use chrono::{DateTime, Utc};
use laissez_kit::time::timestamp;
use laissez_proto::events::v1::{OrderPaid, PaidLine, SlipIssued};
use uuid::Uuid;

use crate::domain::{Line, LineKind};
use crate::service::{Quote, money};
use crate::store::orders::OrderRow;
use crate::store::payments::SlipData;

/// `payment.order.paid` of one order.
pub(crate) fn order_paid(
    order: &OrderRow,
    amount: i64,
    paid_at: DateTime<Utc>,
    method: String,
) -> OrderPaid {
    OrderPaid {
        order_id: order.id.to_string(),
        case_ids: vec![order.case_id.to_string()],
        amount: Some(money(amount, &order.currency)),
        paid_at: Some(timestamp(paid_at)),
        account_id: order.account_id.clone(),
        receipt_numbers: vec![order.receipt_number.clone()],
        method,
        group_number: order.group_number.clone(),
        application_type: order.application_type.clone(),
        catalog_version: order.catalog_version,
        language: order.language,
        lines: receipt_lines(&order.lines),
    }
}

/// The slip the collector accepted, for render to lay out: the orders it
/// pays, its number, deadline and barcodes, and what it collects.
pub(crate) fn slip_issued(
    payment_id: Uuid,
    orders: &[OrderRow],
    quote: &Quote,
    slip: &SlipData,
    issued_at: DateTime<Utc>,
) -> SlipIssued {
    let first = orders.first();
    let mut group_numbers: Vec<String> = Vec::new();
    for order in orders {
        if !order.group_number.is_empty() && !group_numbers.contains(&order.group_number) {
            group_numbers.push(order.group_number.clone());
        }
    }
    SlipIssued {
        payment_id: payment_id.to_string(),
        order_ids: orders.iter().map(|order| order.id.to_string()).collect(),
        case_ids: orders
            .iter()
            .map(|order| order.case_id.to_string())
            .collect(),
        account_id: first
            .map(|order| order.account_id.clone())
            .unwrap_or_default(),
        receipt_numbers: orders
            .iter()
            .map(|order| order.receipt_number.clone())
            .collect(),
        group_numbers,
        application_type: first
            .map(|order| order.application_type.clone())
            .unwrap_or_default(),
        catalog_version: first.map_or(0, |order| order.catalog_version),
        language: first.map_or(0, |order| order.language),
        method: quote.method.code.clone(),
        slip_number: slip.number.clone(),
        deadline: slip.deadline.to_string(),
        barcodes: slip.barcodes.to_vec(),
        lines: quote
            .lines
            .iter()
            .filter(|line| line.kind.is_charged())
            .map(paid_line)
            .collect(),
        amount: Some(money(quote.total, &quote.currency)),
        surcharge_minor_units: quote.surcharge,
        payer_name: first
            .map(|order| order.payer_name.clone())
            .unwrap_or_default(),
        issued_at: Some(timestamp(issued_at)),
    }
}

/// What an electronic receipt lists: the fees and delivery the agency
/// charges, never a method's surcharge.
fn receipt_lines(lines: &[Line]) -> Vec<PaidLine> {
    lines
        .iter()
        .filter(|line| matches!(line.kind, LineKind::Fee | LineKind::Delivery))
        .map(paid_line)
        .collect()
}

fn paid_line(line: &Line) -> PaidLine {
    PaidLine {
        code: line.code.clone(),
        label: Some(laissez_proto::common::v1::LocalizedText {
            zh_hant: line.label.zh_hant.clone(),
            zh_hans: line.label.zh_hans.clone(),
            en: line.label.en.clone(),
        }),
        minor_units: line.amount,
    }
}
