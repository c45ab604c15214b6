use chrono::Utc;
use laissez_eventbus::EnvelopeExt;
use laissez_proto::events::v1::{CaseDecided, Decision, Envelope};
use laissez_proto::review::v1::*;
use prost::Message;
use tonic::Code;

use crate::support::*;

async fn claim(app: &TestApp, who: &As) -> String {
    app.client
        .clone()
        .claim_next(app.request(who, ClaimNextRequest::default()))
        .await
        .unwrap()
        .into_inner()
        .case_id
}

async fn published(app: &TestApp, case_id: &str) -> Vec<CaseDecided> {
    let payloads: Vec<Vec<u8>> = sqlx::query_scalar(
        "SELECT payload FROM outbox WHERE aggregate_id = $1 AND event_type = 'review.case.decided' ORDER BY position",
    )
    .bind(case_id)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    payloads
        .iter()
        .map(|payload| {
            EnvelopeExt::decode::<CaseDecided>(
                &<Envelope as Message>::decode(payload.as_slice()).unwrap(),
            )
            .unwrap()
        })
        .collect()
}

#[tokio::test]
async fn of_a_hundred_concurrent_decisions_exactly_one_applies() {
    let app = start("concurrent").await;
    let case = app.submit(&NewCase::new(HK, Utc::now())).await;
    let reviewer = As::reviewer("r1", HK);
    assert_eq!(claim(&app, &reviewer).await, case);
    let attempts = (0..100).map(|index| {
        let mut client = app.client.clone();
        let decision = if index % 2 == 0 {
            Decision::Approved
        } else {
            Decision::NotApproved
        };
        let request = app.request(
            &reviewer,
            DecideRequest {
                case_id: case.clone(),
                decision: decision as i32,
                comment: "documents do not match".into(),
                fee_forfeited: false,
            },
        );
        async move { client.decide(request).await }
    });
    let results = futures::future::join_all(attempts).await;
    let applied = results.iter().filter(|result| result.is_ok()).count();
    assert_eq!(applied, 1);
    assert!(
        results
            .iter()
            .filter_map(|result| result.as_ref().err())
            .all(|status| status.code() == Code::FailedPrecondition)
    );
    let events = published(&app, &case).await;
    assert_eq!(events.len(), 1);
    // What intake's consumer reads: decision, comment, party, type.
    assert_eq!(events[0].account_id, "applicant-1");
    assert_eq!(events[0].decided_by, "r1");
    assert_eq!(events[0].application_type, HRP);
    assert_eq!(case_state(&app.pool, &case).await, "decided");
    app.stop().await;
}

#[tokio::test]
async fn a_return_goes_to_the_applicant_and_the_resubmission_queues_it_again() {
    let app = start("return").await;
    let case = app.submit(&NewCase::new(HK, Utc::now())).await;
    let reviewer = As::reviewer("r1", HK);
    claim(&app, &reviewer).await;
    let missing_comment = app
        .client
        .clone()
        .decide(app.request(
            &reviewer,
            DecideRequest {
                case_id: case.clone(),
                decision: Decision::ReturnedForSupplement as i32,
                comment: " ".into(),
                fee_forfeited: false,
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(missing_comment.code(), Code::InvalidArgument);
    app.client
        .clone()
        .decide(app.request(
            &reviewer,
            DecideRequest {
                case_id: case.clone(),
                decision: Decision::ReturnedForSupplement as i32,
                comment: "page 2 is missing".into(),
                fee_forfeited: false,
            },
        ))
        .await
        .unwrap();
    assert_eq!(case_state(&app.pool, &case).await, "returned");
    app.deliver(HK, 3, &resubmitted(&case, 1, Utc::now()), &case)
        .await;
    assert_eq!(case_state(&app.pool, &case).await, "queued");
    assert_eq!(claim(&app, &reviewer).await, case);
    let view = app
        .client
        .clone()
        .get_review_case(app.request(
            &reviewer,
            GetReviewCaseRequest {
                case_id: case.clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(view.snapshot_json.contains("uploaded the missing page"));
    let actions: Vec<&str> = view
        .history
        .iter()
        .map(|entry| entry.action.as_str())
        .collect();
    assert_eq!(
        actions,
        ["enqueued", "claimed", "decided", "resubmitted", "claimed"]
    );
    assert!(view.history[2].detail.contains("page 2 is missing"));
    app.client
        .clone()
        .decide(app.request(
            &reviewer,
            DecideRequest {
                case_id: case.clone(),
                decision: Decision::Approved as i32,
                comment: String::new(),
                fee_forfeited: false,
            },
        ))
        .await
        .unwrap();
    let decisions: Vec<i32> = published(&app, &case)
        .await
        .iter()
        .map(|event| event.decision)
        .collect();
    assert_eq!(
        decisions,
        [
            Decision::ReturnedForSupplement as i32,
            Decision::Approved as i32
        ]
    );
    app.stop().await;
}

#[tokio::test]
async fn a_group_is_decided_together() {
    let app = start("group").await;
    let now = Utc::now();
    let mut cases = Vec::new();
    for minutes in 0..3 {
        cases.push(
            app.submit(&NewCase::new(HK, now - chrono::Duration::minutes(minutes)).group("G-1"))
                .await,
        );
    }
    let other = app.submit(&NewCase::new(HK, now).group("G-2")).await;
    let response = app
        .client
        .clone()
        .decide_group(app.request(
            &As::reviewer("r1", HK),
            DecideGroupRequest {
                group_number: "G-1".into(),
                decision: Decision::NotAccepted as i32,
                comment: "the group leader's form is incomplete".into(),
                fee_forfeited: false,
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(response.decisions.len(), 3);
    for case in &cases {
        assert_eq!(case_state(&app.pool, case).await, "decided");
    }
    assert_eq!(case_state(&app.pool, &other).await, "queued");
    app.stop().await;
}

#[tokio::test]
async fn a_decision_waits_for_a_senior_sign_off_where_the_catalog_asks() {
    // A copy of the Hong Kong catalog whose permit needs sign-off.
    let dir =
        std::env::temp_dir().join(format!("review-catalog-{}", uuid::Uuid::new_v4().simple()));
    let hk = dir.join(HK);
    std::fs::create_dir_all(hk.join("types")).unwrap();
    for entry in std::fs::read_dir(agencies_dir().join(HK)).unwrap() {
        let entry = entry.unwrap();
        if entry.path().is_file() {
            std::fs::copy(entry.path(), hk.join(entry.file_name())).unwrap();
        }
    }
    // The document templates documents.yaml names.
    std::fs::create_dir_all(hk.join("documents")).unwrap();
    for entry in std::fs::read_dir(agencies_dir().join(HK).join("documents")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), hk.join("documents").join(entry.file_name())).unwrap();
    }
    for entry in std::fs::read_dir(agencies_dir().join(HK).join("types")).unwrap() {
        let entry = entry.unwrap();
        let mut text = std::fs::read_to_string(entry.path()).unwrap();
        if entry.file_name() == "home_return_permit.yaml" {
            text.push_str("\nsenior_sign_off_when: \"true\"\n");
        }
        std::fs::write(hk.join("types").join(entry.file_name()), text).unwrap();
    }
    let catalog_dir = dir.clone();
    let app = start_with("signoff", move |config| config.catalog.dir = catalog_dir).await;
    let case = app.submit(&NewCase::new(HK, Utc::now())).await;
    let reviewer = As::reviewer("r1", HK);
    claim(&app, &reviewer).await;
    let proposed = app
        .client
        .clone()
        .decide(app.request(
            &reviewer,
            DecideRequest {
                case_id: case.clone(),
                decision: Decision::Approved as i32,
                comment: String::new(),
                fee_forfeited: false,
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(proposed.awaiting_sign_off);
    assert!(published(&app, &case).await.is_empty());
    let sign = |who: &As| {
        let mut client = app.client.clone();
        let request = app.request(
            who,
            SignOffRequest {
                case_id: case.clone(),
                approve: true,
                comment: "ok".into(),
            },
        );
        async move { client.sign_off(request).await }
    };
    assert_eq!(
        sign(&reviewer).await.unwrap_err().code(),
        Code::PermissionDenied
    );
    let signed = sign(&As::senior("s1", HK)).await.unwrap().into_inner();
    assert!(!signed.awaiting_sign_off);
    let events = published(&app, &case).await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].decided_by, "r1");
    assert_eq!(case_state(&app.pool, &case).await, "decided");
    app.stop().await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn a_refusal_may_forfeit_the_fee_and_no_other_decision_may() {
    let app = start("forfeit").await;
    let case = app.submit(&NewCase::new(MO, Utc::now())).await;
    let reviewer = As::reviewer("r1", MO);
    claim(&app, &reviewer).await;
    let decide = |decision: Decision| {
        let mut client = app.client.clone();
        let request = app.request(
            &reviewer,
            DecideRequest {
                case_id: case.clone(),
                decision: decision as i32,
                comment: "falsified papers".into(),
                fee_forfeited: true,
            },
        );
        async move { client.decide(request).await }
    };
    for decision in [Decision::Approved, Decision::ReturnedForCorrection] {
        let refused = decide(decision).await.unwrap_err();
        assert_eq!(refused.code(), Code::InvalidArgument);
        let fields: Vec<_> = laissez_kit::Problem::from_status(&refused)
            .errors
            .into_iter()
            .map(|error| error.field)
            .collect();
        assert_eq!(fields, ["fee_forfeited"]);
    }
    assert!(published(&app, &case).await.is_empty());
    decide(Decision::NotApproved).await.unwrap();
    let events = published(&app, &case).await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].decision(), Decision::NotApproved);
    assert!(events[0].fee_forfeited, "payment reads it to keep the fee");
    app.stop().await;
}

#[tokio::test]
async fn a_group_not_approved_may_keep_every_fee() {
    let app = start("groupforfeit").await;
    let now = Utc::now();
    let mut cases = Vec::new();
    for minutes in 0..2 {
        cases.push(
            app.submit(&NewCase::new(MO, now - chrono::Duration::minutes(minutes)).group("G-9"))
                .await,
        );
    }
    let decide = |decision: Decision| {
        let mut client = app.client.clone();
        let request = app.request(
            &As::reviewer("r1", MO),
            DecideGroupRequest {
                group_number: "G-9".into(),
                decision: decision as i32,
                comment: "the whole group's papers are falsified".into(),
                fee_forfeited: true,
            },
        );
        async move { client.decide_group(request).await }
    };
    let refused = decide(Decision::NotAccepted).await.unwrap_err();
    assert_eq!(refused.code(), Code::InvalidArgument);
    let fields: Vec<_> = laissez_kit::Problem::from_status(&refused)
        .errors
        .into_iter()
        .map(|error| error.field)
        .collect();
    assert_eq!(fields, ["fee_forfeited"]);
    for case in &cases {
        assert!(published(&app, case).await.is_empty());
    }
    decide(Decision::NotApproved).await.unwrap();
    for case in &cases {
        let events = published(&app, case).await;
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].decision(), Decision::NotApproved);
        assert!(events[0].fee_forfeited, "payment keeps each case's fee");
    }
    app.stop().await;
}
