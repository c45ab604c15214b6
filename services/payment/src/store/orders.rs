//! Orders: one per case that reached its payment stage.

use chrono::{DateTime, NaiveDate, Utc};
use laissez_catalog::format::PaymentMethod;
use sqlx::postgres::PgRow;
use sqlx::types::Json;
use sqlx::{PgConnection, PgPool, Row};
use uuid::Uuid;

use super::Scope;
use crate::domain::{Line, OrderState};

#[derive(Debug, Clone)]
pub struct OrderRow {
    pub id: Uuid,
    pub agency: String,
    pub account_id: String,
    pub case_id: Uuid,
    pub receipt_number: String,
    pub group_number: String,
    pub application_type: String,
    pub catalog_version: u32,
    pub language: i32,
    pub currency: String,
    pub lines: Vec<Line>,
    pub total: Option<i64>,
    pub methods: Vec<PaymentMethod>,
    pub refundable: bool,
    /// Whether money arriving after the order expired still pays it.
    pub late_payment_accepted: bool,
    /// The payer as documents print them (masked).
    pub payer_name: String,
    pub state: OrderState,
    pub payment_id: Option<Uuid>,
    pub paid_amount: i64,
    pub refunded_amount: i64,
    pub counter_receipt: String,
    pub method: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub paid_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "o.id, o.agency, o.account_id, o.case_id, o.receipt_number, o.group_number,
     o.application_type, o.catalog_version, o.language, o.currency, o.lines, o.total, o.methods,
     o.refundable, o.late_payment_accepted, o.payer_name, o.state, o.payment_id, o.paid_amount, o.refunded_amount, o.counter_receipt,
     COALESCE((SELECT p.method FROM payments p WHERE p.id = o.payment_id), '') AS method,
     o.created_at, o.expires_at, o.paid_at";

fn from_row(row: &PgRow) -> sqlx::Result<OrderRow> {
    let state: String = row.try_get("state")?;
    let Json(lines): Json<Vec<Line>> = row.try_get("lines")?;
    let Json(methods): Json<Vec<PaymentMethod>> = row.try_get("methods")?;
    let version: i32 = row.try_get("catalog_version")?;
    Ok(OrderRow {
        id: row.try_get("id")?,
        agency: row.try_get("agency")?,
        account_id: row.try_get("account_id")?,
        case_id: row.try_get("case_id")?,
        receipt_number: row.try_get("receipt_number")?,
        group_number: row.try_get("group_number")?,
        application_type: row.try_get("application_type")?,
        catalog_version: u32::try_from(version).unwrap_or(0),
        language: row.try_get("language")?,
        currency: row.try_get("currency")?,
        lines,
        total: row.try_get("total")?,
        methods,
        refundable: row.try_get("refundable")?,
        late_payment_accepted: row.try_get("late_payment_accepted")?,
        payer_name: row.try_get("payer_name")?,
        state: OrderState::parse(&state)
            .ok_or_else(|| sqlx::Error::Decode(format!("unknown order state {state:?}").into()))?,
        payment_id: row.try_get("payment_id")?,
        paid_amount: row.try_get("paid_amount")?,
        refunded_amount: row.try_get("refunded_amount")?,
        counter_receipt: row.try_get("counter_receipt")?,
        method: row.try_get("method")?,
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
        paid_at: row.try_get("paid_at")?,
    })
}

/// A new order's content.
#[derive(Debug, Clone)]
pub struct NewOrder {
    pub agency: String,
    pub account_id: String,
    pub case_id: Uuid,
    pub receipt_number: String,
    pub group_number: String,
    pub application_type: String,
    pub catalog_version: u32,
    pub language: i32,
    pub currency: String,
    pub lines: Vec<Line>,
    pub total: Option<i64>,
    pub methods: Vec<PaymentMethod>,
    pub refundable: bool,
    /// The catalog's deadline (none: the order waits).
    pub expires_at: Option<DateTime<Utc>>,
    pub late_payment_accepted: bool,
    /// The payer as documents print them (masked).
    pub payer_name: String,
}

/// Opens the case's order; None when it already has one (a redelivery).
pub async fn open(connection: &mut PgConnection, order: &NewOrder) -> sqlx::Result<Option<Uuid>> {
    sqlx::query_scalar(
        "INSERT INTO orders (id, agency, account_id, case_id, receipt_number, group_number,
             application_type, catalog_version, language, currency, lines, total, methods,
             refundable, expires_at, late_payment_accepted, payer_name)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
         ON CONFLICT (case_id) DO NOTHING
         RETURNING id",
    )
    .bind(Uuid::now_v7())
    .bind(&order.agency)
    .bind(&order.account_id)
    .bind(order.case_id)
    .bind(&order.receipt_number)
    .bind(&order.group_number)
    .bind(&order.application_type)
    .bind(i32::try_from(order.catalog_version).unwrap_or(i32::MAX))
    .bind(order.language)
    .bind(&order.currency)
    .bind(Json(&order.lines))
    .bind(order.total)
    .bind(Json(&order.methods))
    .bind(order.refundable)
    .bind(order.expires_at)
    .bind(order.late_payment_accepted)
    .bind(&order.payer_name)
    .fetch_optional(connection)
    .await
}

/// Which orders to list.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub states: Vec<OrderState>,
    pub group_number: Option<String>,
    pub receipt_number: Option<String>,
    pub paid_from: Option<NaiveDate>,
    pub paid_to: Option<NaiveDate>,
    pub limit: i64,
    pub offset: i64,
}

pub async fn list(pool: &PgPool, scope: &Scope, filter: &Filter) -> sqlx::Result<Vec<OrderRow>> {
    let states: Vec<&str> = filter.states.iter().map(|state| state.as_str()).collect();
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM orders o
         WHERE o.agency = $1 AND ($2::text IS NULL OR o.account_id = $2)
           AND (cardinality($3::text[]) = 0 OR o.state = ANY($3))
           AND ($4::text IS NULL OR o.group_number = $4)
           AND ($5::text IS NULL OR o.receipt_number = $5)
           AND ($6::date IS NULL OR o.paid_at >= $6::date)
           AND ($7::date IS NULL OR o.paid_at < $7::date + 1)
         ORDER BY o.created_at DESC, o.id
         LIMIT $8 OFFSET $9"
    )))
    .bind(&scope.agency)
    .bind(scope.account.as_deref())
    .bind(&states)
    .bind(filter.group_number.as_deref())
    .bind(filter.receipt_number.as_deref())
    .bind(filter.paid_from)
    .bind(filter.paid_to)
    .bind(filter.limit)
    .bind(filter.offset)
    .fetch_all(pool)
    .await?;
    rows.iter().map(from_row).collect()
}

pub async fn get(pool: &PgPool, scope: &Scope, id: Uuid) -> sqlx::Result<Option<OrderRow>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM orders o
         WHERE o.id = $1 AND o.agency = $2 AND ($3::text IS NULL OR o.account_id = $3)"
    )))
    .bind(id)
    .bind(&scope.agency)
    .bind(scope.account.as_deref())
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// Locks the scope's orders with these ids, in id order (two payments of
/// overlapping orders wait for each other instead of deadlocking).
pub async fn lock(
    connection: &mut PgConnection,
    scope: &Scope,
    ids: &[Uuid],
) -> sqlx::Result<Vec<OrderRow>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM orders o
         WHERE o.id = ANY($1) AND o.agency = $2 AND ($3::text IS NULL OR o.account_id = $3)
         ORDER BY o.id
         FOR UPDATE OF o"
    )))
    .bind(ids)
    .bind(&scope.agency)
    .bind(scope.account.as_deref())
    .fetch_all(connection)
    .await?;
    rows.iter().map(from_row).collect()
}

/// Marks an order paid by `payment_id`; when, and the paying method.
pub async fn mark_paid(
    connection: &mut PgConnection,
    id: Uuid,
    payment_id: Uuid,
    amount: i64,
    counter_receipt: &str,
) -> sqlx::Result<(DateTime<Utc>, String)> {
    sqlx::query_as(
        "UPDATE orders SET state = 'paid', payment_id = $2, paid_amount = $3,
             counter_receipt = $4, paid_at = now()
         WHERE id = $1
         RETURNING paid_at, COALESCE((SELECT method FROM payments WHERE id = $2), '')",
    )
    .bind(id)
    .bind(payment_id)
    .bind(amount)
    .bind(counter_receipt)
    .fetch_one(connection)
    .await
}

pub async fn add_refund(
    connection: &mut PgConnection,
    id: Uuid,
    amount: i64,
) -> sqlx::Result<OrderState> {
    let state: String = sqlx::query_scalar(
        "UPDATE orders SET refunded_amount = refunded_amount + $2,
             state = CASE WHEN refunded_amount + $2 >= paid_amount THEN 'refunded'
                          ELSE 'partly_refunded' END
         WHERE id = $1 RETURNING state",
    )
    .bind(id)
    .bind(amount)
    .fetch_one(connection)
    .await?;
    Ok(OrderState::parse(&state).unwrap_or(OrderState::Refunded))
}

/// An expired order and whom to tell.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ExpiredOrder {
    pub id: Uuid,
    pub agency: String,
    pub account_id: String,
    pub case_id: Uuid,
    pub receipt_number: String,
}

/// Expires the pending orders past their deadline (a payment still
/// pending for them stays so: if it is paid, the catalog's `late_payment`
/// says what its money does).
pub async fn expire_due(connection: &mut PgConnection) -> sqlx::Result<Vec<ExpiredOrder>> {
    sqlx::query_as(
        "UPDATE orders SET state = 'expired'
         WHERE state = 'pending' AND expires_at IS NOT NULL AND expires_at < now()
         RETURNING id, agency, account_id, case_id, receipt_number",
    )
    .fetch_all(connection)
    .await
}

/// Expires the orders past their deadline and tells their applicants
/// (`payment.order.expired`), in one transaction, once across replicas;
/// returns each expired order's agency.
pub async fn expire_due_told(pool: &PgPool) -> anyhow::Result<Vec<String>> {
    let mut transaction = pool.begin().await?;
    let locked: bool = sqlx::query_scalar(
        "SELECT pg_try_advisory_xact_lock(hashtextextended('laissez.payment.orders', 0))",
    )
    .fetch_one(&mut *transaction)
    .await?;
    if !locked {
        return Ok(Vec::new());
    }
    let expired = expire_due(&mut transaction).await?;
    for order in &expired {
        let event = laissez_proto::events::v1::OrderExpired {
            order_id: order.id.to_string(),
            case_ids: vec![order.case_id.to_string()],
            account_id: order.account_id.clone(),
            receipt_numbers: vec![order.receipt_number.clone()],
            method: String::new(),
        };
        laissez_eventbus::Outbox::enqueue(
            &mut transaction,
            &order.agency,
            "order",
            &event.order_id,
            &event,
        )
        .await?;
    }
    transaction.commit().await?;
    Ok(expired.into_iter().map(|order| order.agency).collect())
}
