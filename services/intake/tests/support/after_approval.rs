//! Driving a case after approval as payment's consumer and the counter
//! do: paid, produced, collected, dispatched and delivered; and reading
//! back the events intake wrote.

use laissez_intake::events::payments::{Outcome as Paid, apply_paid};
use laissez_intake::store::CatalogCache;
use laissez_proto::events::v1::OrderPaid;
use laissez_proto::intake::v1::*;
use tonic::Status;

use super::{As, Intake};

/// Pays `case_ids` the way payment's `payment.order.paid` is consumed.
pub async fn pay(intake: &Intake, agency: &str, order_id: &str, case_ids: &[&str]) -> Paid {
    let mut transaction = intake.database.pool.begin().await.unwrap();
    let outcome = apply_paid(
        &mut transaction,
        &CatalogCache::default(),
        &intake.database.pool,
        agency,
        &OrderPaid {
            order_id: order_id.into(),
            case_ids: case_ids.iter().map(|id| id.to_string()).collect(),
            method: "port_counter".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    transaction.commit().await.unwrap();
    outcome
}

pub async fn complete_production(
    intake: &Intake,
    who: &As,
    case_id: &str,
    permit_number: &str,
) -> Result<Case, Status> {
    intake
        .client
        .clone()
        .complete_production(intake.request(
            who,
            CompleteProductionRequest {
                case_id: case_id.into(),
                permit_number: permit_number.into(),
            },
        ))
        .await
        .map(|response| response.into_inner())
}

pub async fn collect(
    intake: &Intake,
    who: &As,
    case_id: &str,
    collector: Collector,
) -> Result<Case, Status> {
    intake
        .client
        .clone()
        .record_collection(intake.request(
            who,
            RecordCollectionRequest {
                case_id: case_id.into(),
                collector: Some(collector),
            },
        ))
        .await
        .map(|response| response.into_inner())
}

/// The event of `event_type` intake wrote for `case_id`, decoded (there
/// must be exactly one).
pub async fn outbox_event<T: laissez_proto::events::v1::EventMessage>(
    intake: &Intake,
    event_type: &str,
    case_id: &str,
) -> T {
    let mut events: Vec<T> = outbox_events(intake, event_type, case_id).await;
    assert_eq!(events.len(), 1, "one {event_type} for {case_id}");
    events.remove(0)
}

/// Every event of `event_type` intake wrote for `case_id`, oldest first.
pub async fn outbox_events<T: laissez_proto::events::v1::EventMessage>(
    intake: &Intake,
    event_type: &str,
    case_id: &str,
) -> Vec<T> {
    let payloads: Vec<Vec<u8>> = sqlx::query_scalar(
        "SELECT payload FROM outbox WHERE event_type = $1 AND aggregate_id = $2
         ORDER BY position",
    )
    .bind(event_type)
    .bind(case_id)
    .fetch_all(&intake.database.pool)
    .await
    .unwrap();
    payloads
        .iter()
        .map(|payload| {
            let envelope: laissez_proto::events::v1::Envelope =
                prost::Message::decode(payload.as_slice()).unwrap();
            laissez_eventbus::EnvelopeExt::decode(&envelope).unwrap()
        })
        .collect()
}

pub async fn outbox_count(intake: &Intake, event_type: &str, case_id: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM outbox WHERE event_type = $1 AND aggregate_id = $2")
        .bind(event_type)
        .bind(case_id)
        .fetch_one(&intake.database.pool)
        .await
        .unwrap()
}

pub async fn dispatch(
    intake: &Intake,
    who: &As,
    case_id: &str,
    tracking_number: &str,
) -> Result<Case, Status> {
    intake
        .client
        .clone()
        .record_dispatch(intake.request(
            who,
            RecordDispatchRequest {
                case_id: case_id.into(),
                tracking_number: tracking_number.into(),
            },
        ))
        .await
        .map(|response| response.into_inner())
}

pub async fn deliver(intake: &Intake, who: &As, case_id: &str) -> Result<Case, Status> {
    intake
        .client
        .clone()
        .record_delivery(intake.request(
            who,
            RecordDeliveryRequest {
                case_id: case_id.into(),
            },
        ))
        .await
        .map(|response| response.into_inner())
}

/// A case of `application_type` started by `who` for `applicant`, then
/// put in `state` with a receipt number, as the stages before it leave it
/// (the subject of their own tests).
pub async fn case_in(
    intake: &Intake,
    who: &As,
    application_type: &str,
    notice_version: &str,
    applicant: ApplicantData,
    state: &str,
) -> String {
    let case = intake
        .client
        .clone()
        .start_application(intake.request(
            who,
            StartApplicationRequest {
                application_type: application_type.into(),
                notice_version: notice_version.into(),
                notice_accepted: true,
                applicant: Some(applicant),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    sqlx::query(
        "UPDATE cases SET state = $2, submitted_at = now(),
                          receipt_number = 'R' || right(replace(id::text, '-', ''), 12)
         WHERE id = $1::uuid",
    )
    .bind(&case.case_id)
    .bind(state)
    .execute(&intake.database.pool)
    .await
    .unwrap();
    case.case_id
}
