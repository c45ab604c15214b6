use chrono::Utc;
use laissez_proto::events::v1::Decision;
use laissez_proto::review::v1::*;

use crate::support::*;

async fn verify(app: &TestApp, agency: &str) -> VerifyAuditChainResponse {
    app.client
        .clone()
        .verify_audit_chain(app.request(&As::admin("admin", agency), VerifyAuditChainRequest {}))
        .await
        .unwrap()
        .into_inner()
}

#[tokio::test]
async fn an_altered_audit_row_is_detected_and_named() {
    let app = start("audit").await;
    let reviewer = As::reviewer("r1", HK);
    for _ in 0..3 {
        let case = app.submit(&NewCase::new(HK, Utc::now())).await;
        app.client
            .clone()
            .claim_next(app.request(&reviewer, ClaimNextRequest::default()))
            .await
            .unwrap();
        app.client
            .clone()
            .decide(app.request(
                &reviewer,
                DecideRequest {
                    case_id: case,
                    decision: Decision::NotApproved as i32,
                    comment: "forged document".into(),
                    fee_forfeited: false,
                },
            ))
            .await
            .unwrap();
    }
    app.submit(&NewCase::new(MO, Utc::now())).await;
    let intact = verify(&app, HK).await;
    assert!(intact.intact);
    assert_eq!(intact.entries_checked, 9);
    let listed = app
        .client
        .clone()
        .list_audit(app.request(
            &As::senior("s1", HK),
            ListAuditRequest {
                case_id: String::new(),
                limit: 100,
                after_sequence: 0,
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.entries.len(), 9);
    assert_eq!(listed.entries[5].reason, "forged document");

    // Someone with database access softens a rejection's reason.
    sqlx::query("UPDATE audit_log SET reason = 'looks fine' WHERE agency = $1 AND sequence = 6")
        .bind(HK)
        .execute(&app.pool)
        .await
        .unwrap();
    let broken = verify(&app, HK).await;
    assert!(!broken.intact);
    assert_eq!(broken.first_bad_sequence, 6);
    // Another agency's chain is its own and still intact.
    assert!(verify(&app, MO).await.intact);

    // Rewriting the hash too does not help: the next entry points at the old one.
    let rehashed: String =
        sqlx::query_scalar("SELECT hash FROM audit_log WHERE agency = $1 AND sequence = 6")
            .bind(HK)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    sqlx::query(
        "UPDATE audit_log SET hash = md5(hash) || md5(hash) WHERE agency = $1 AND sequence = 6",
    )
    .bind(HK)
    .execute(&app.pool)
    .await
    .unwrap();
    assert!(!rehashed.is_empty());
    assert_eq!(verify(&app, HK).await.first_bad_sequence, 6);
    // Deleting a row is found at the gap.
    sqlx::query(
        "UPDATE audit_log SET reason = 'forged document' WHERE agency = $1 AND sequence = 6",
    )
    .bind(HK)
    .execute(&app.pool)
    .await
    .unwrap();
    sqlx::query("UPDATE audit_log SET hash = $2 WHERE agency = $1 AND sequence = 6")
        .bind(HK)
        .bind(&rehashed)
        .execute(&app.pool)
        .await
        .unwrap();
    assert!(verify(&app, HK).await.intact);
    sqlx::query("DELETE FROM audit_log WHERE agency = $1 AND sequence = 4")
        .bind(HK)
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(verify(&app, HK).await.first_bad_sequence, 4);
    app.stop().await;
}

#[tokio::test]
async fn removing_the_newest_entries_is_detected() {
    let app = start("audit_tail").await;
    let reviewer = As::reviewer("r1", HK);
    for _ in 0..2 {
        app.submit(&NewCase::new(HK, Utc::now())).await;
        app.client
            .clone()
            .claim_next(app.request(&reviewer, ClaimNextRequest::default()))
            .await
            .unwrap();
    }
    let intact = verify(&app, HK).await;
    assert!(intact.intact);
    let entries = intact.entries_checked;
    // What an intruder covering their tracks would do: drop the last entry.
    sqlx::query(
        "DELETE FROM audit_log WHERE agency = $1 \
         AND sequence = (SELECT max(sequence) FROM audit_log WHERE agency = $1)",
    )
    .bind(HK)
    .execute(&app.pool)
    .await
    .unwrap();
    let broken = verify(&app, HK).await;
    assert!(!broken.intact);
    assert_eq!(broken.first_bad_sequence, entries);
    // The chain goes on from the head, not from the truncated log.
    app.submit(&NewCase::new(HK, Utc::now())).await;
    assert!(!verify(&app, HK).await.intact);
    app.stop().await;
}
