//! The outbox write path.

use laissez_eventbus::{EnvelopeExt, Outbox};
use laissez_proto::events::v1::{Envelope, ProbeEmitted};
use prost::Message;

use crate::support::{TestBed, probe};

#[tokio::test]
async fn concurrent_enqueues_for_one_aggregate_get_consecutive_sequences() {
    let bed = TestBed::new().await;
    let mut writers = Vec::new();
    for writer in 0..4 {
        let pool = bed.pool.clone();
        writers.push(tokio::spawn(async move {
            for number in 0..5 {
                let mut transaction = pool.begin().await.expect("begin");
                Outbox::enqueue(
                    &mut transaction,
                    "agency-test",
                    "probe",
                    "shared",
                    &probe(&format!("{writer}-{number}"), number),
                )
                .await
                .expect("enqueue");
                transaction.commit().await.expect("commit");
            }
        }));
    }
    for writer in writers {
        writer.await.expect("writer");
    }
    let sequences: Vec<i64> = sqlx::query_scalar(
        "SELECT aggregate_sequence FROM outbox WHERE aggregate_id = 'shared' ORDER BY position",
    )
    .fetch_all(&bed.pool)
    .await
    .expect("read sequences");
    assert_eq!(sequences, (1..=20).collect::<Vec<i64>>());
    bed.cleanup(&[]).await;
}

#[tokio::test]
async fn a_rolled_back_transaction_leaves_no_event() {
    let bed = TestBed::new().await;
    let mut transaction = bed.pool.begin().await.expect("begin");
    let event_id = Outbox::enqueue(
        &mut transaction,
        "agency-a",
        "probe",
        "p-1",
        &probe("gone", 1),
    )
    .await
    .expect("enqueue");
    transaction.rollback().await.expect("rollback");

    let mut transaction = bed.pool.begin().await.expect("begin");
    let kept_id = Outbox::enqueue(
        &mut transaction,
        "agency-a",
        "probe",
        "p-1",
        &probe("kept", 1),
    )
    .await
    .expect("enqueue");
    transaction.commit().await.expect("commit");

    let rows: Vec<(uuid::Uuid, i64, Vec<u8>)> =
        sqlx::query_as("SELECT id, aggregate_sequence, payload FROM outbox")
            .fetch_all(&bed.pool)
            .await
            .expect("read outbox");
    assert_eq!(rows.len(), 1);
    let (id, sequence, payload) = &rows[0];
    assert_eq!(*id, kept_id);
    assert_ne!(*id, event_id);
    assert_eq!(
        *sequence, 1,
        "a rolled-back enqueue must not use up a sequence"
    );
    let envelope = <Envelope as Message>::decode(payload.as_slice()).expect("envelope");
    assert_eq!(envelope.event_id, kept_id.to_string());
    assert_eq!(envelope.event_type, "platform.probe.emitted");
    assert_eq!(envelope.agency, "agency-a");
    assert_eq!(envelope.aggregate_sequence, 1);
    assert_eq!(
        envelope.decode::<ProbeEmitted>().expect("payload").probe_id,
        "kept"
    );
    bed.cleanup(&[]).await;
}
