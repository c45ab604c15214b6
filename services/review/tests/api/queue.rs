use std::time::Duration;

use chrono::Utc;
use laissez_proto::events::v1::Decision;
use laissez_proto::review::v1::*;
use tonic::Code;

use crate::support::*;

async fn claim(app: &TestApp, who: &As) -> Result<Claim, tonic::Status> {
    app.client
        .clone()
        .claim_next(app.request(who, ClaimNextRequest::default()))
        .await
        .map(|response| response.into_inner())
}

#[tokio::test]
async fn claims_follow_submission_order_with_a_bounded_priority_head_start() {
    // Head start 72 h (the default).
    let app = start("ordering").await;
    let now = Utc::now();
    let hours = chrono::Duration::hours;
    let old_normal = app.submit(&NewCase::new(HK, now - hours(100))).await;
    let recent_normal = app.submit(&NewCase::new(HK, now - hours(10))).await;
    let newest_normal = app.submit(&NewCase::new(HK, now - hours(5))).await;
    // A catalog rule without proof puts the case in the priority lane at once.
    let priority = app
        .submit(&NewCase::new(HK, now - hours(1)).priority("aged_70_plus"))
        .await;
    // A rule that needs proof waits for staff: normal lane until accepted.
    let asks_green = app
        .submit(&NewCase::new(HK, now - hours(2)).priority("visiting_sick"))
        .await;

    let reviewer = As::reviewer("r1", HK);
    let mut order = Vec::new();
    for _ in 0..5 {
        order.push(claim(&app, &reviewer).await.unwrap().case_id);
    }
    // Aging: the normal case older than the head start goes before the
    // priority case; the priority case goes before every newer normal case.
    assert_eq!(
        order,
        vec![
            old_normal,
            priority,
            recent_normal,
            newest_normal,
            asks_green
        ]
    );
    let empty = claim(&app, &reviewer).await.unwrap_err();
    assert_eq!(empty.code(), Code::NotFound);
    app.stop().await;
}

#[tokio::test]
async fn a_normal_case_is_never_starved_by_a_stream_of_priority_cases() {
    let app = start("aging").await;
    let now = Utc::now();
    let waiting = app
        .submit(&NewCase::new(HK, now - chrono::Duration::hours(80)))
        .await;
    // Priority cases keep arriving for 80 hours after it.
    for hour in 0..40 {
        let at = now - chrono::Duration::hours(79) + chrono::Duration::hours(hour * 2);
        app.submit(&NewCase::new(HK, at).priority("aged_70_plus"))
            .await;
    }
    let reviewer = As::reviewer("r1", HK);
    let mut position = None;
    for index in 0..41 {
        if claim(&app, &reviewer).await.unwrap().case_id == waiting {
            position = Some(index);
            break;
        }
    }
    // Only priority cases submitted within 72 h after it may go first:
    // those submitted at -79 h … -9 h, i.e. at most 36 of them.
    let position = position.expect("the normal case was served");
    assert_eq!(position, 36);
    app.stop().await;
}

#[tokio::test]
async fn a_green_channel_request_is_accepted_or_refused_by_staff() {
    let app = start("green").await;
    let now = Utc::now();
    let first = app
        .submit(&NewCase::new(MO, now - chrono::Duration::hours(30)))
        .await;
    let urgent = app
        .submit(&NewCase::new(MO, now - chrono::Duration::hours(1)))
        .await;
    let applicant = As::new("applicant-1", MO, &[laissez_kit::Role::Applicant]);
    let stranger = As::new("applicant-2", MO, &[laissez_kit::Role::Applicant]);
    let request = RequestPriorityRequest {
        case_id: urgent.clone(),
        reason: "funeral of my father".into(),
        evidence_document_ids: vec!["doc-1".into()],
    };
    let refused = app
        .client
        .clone()
        .request_priority(app.request(&stranger, request.clone()))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::NotFound);
    let asked = app
        .client
        .clone()
        .request_priority(app.request(&applicant, request))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(asked.status, "requested");
    let resolved = app
        .client
        .clone()
        .resolve_priority(app.request(
            &As::reviewer("staff", MO),
            ResolvePriorityRequest {
                case_id: urgent.clone(),
                accept: true,
                comment: "death certificate seen".into(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(resolved.lane, Lane::Priority as i32);
    let claimed = claim(&app, &As::reviewer("r1", MO)).await.unwrap();
    assert_eq!(claimed.case_id, urgent);
    assert_eq!(
        claim(&app, &As::reviewer("r1", MO)).await.unwrap().case_id,
        first
    );
    app.stop().await;
}

#[tokio::test]
async fn a_lapsed_lease_goes_to_the_next_reviewer_and_the_first_cannot_decide() {
    let app = start_with("lease", |config| config.queue.lease_seconds = 1).await;
    let case = app
        .submit(&NewCase::new(HK, Utc::now() - chrono::Duration::hours(1)))
        .await;
    let (first, second) = (As::reviewer("r1", HK), As::reviewer("r2", HK));
    assert_eq!(claim(&app, &first).await.unwrap().case_id, case);
    assert_eq!(
        claim(&app, &second).await.unwrap_err().code(),
        Code::NotFound
    );
    tokio::time::sleep(Duration::from_millis(1_300)).await;
    assert_eq!(claim(&app, &second).await.unwrap().case_id, case);
    let late = app
        .client
        .clone()
        .decide(app.request(
            &first,
            DecideRequest {
                case_id: case.clone(),
                decision: Decision::Approved as i32,
                comment: String::new(),
                fee_forfeited: false,
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(late.code(), Code::PermissionDenied);
    app.stop().await;
}

#[tokio::test]
async fn release_reassign_and_bulk_assign() {
    let app = start("assign").await;
    let now = Utc::now();
    let mut cases = Vec::new();
    for minutes in 0..4 {
        cases.push(
            app.submit(&NewCase::new(
                HK,
                now - chrono::Duration::minutes(60 - minutes),
            ))
            .await,
        );
    }
    let (r1, r2, senior) = (
        As::reviewer("r1", HK),
        As::reviewer("r2", HK),
        As::senior("boss", HK),
    );
    let claimed = claim(&app, &r1).await.unwrap();
    assert_eq!(claimed.case_id, cases[0]);
    // Another reviewer may not release it; the holder may.
    let denied = app
        .client
        .clone()
        .release_claim(app.request(
            &r2,
            ReleaseClaimRequest {
                case_id: cases[0].clone(),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(denied.code(), Code::PermissionDenied);
    app.client
        .clone()
        .release_claim(app.request(
            &r1,
            ReleaseClaimRequest {
                case_id: cases[0].clone(),
            },
        ))
        .await
        .unwrap();
    assert_eq!(claim(&app, &r2).await.unwrap().case_id, cases[0]);
    // Reviewers cannot reassign; a supervisor can, and the new holder decides.
    let refused = app
        .client
        .clone()
        .reassign(app.request(
            &r1,
            ReassignRequest {
                case_id: cases[0].clone(),
                reviewer: "r1".into(),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::PermissionDenied);
    let moved = app
        .client
        .clone()
        .reassign(app.request(
            &senior,
            ReassignRequest {
                case_id: cases[0].clone(),
                reviewer: "r1".into(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(moved.reviewer, "r1");
    let decide = |who: &As| {
        let mut client = app.client.clone();
        let request = app.request(
            who,
            DecideRequest {
                case_id: cases[0].clone(),
                decision: Decision::Approved as i32,
                comment: String::new(),
                fee_forfeited: false,
            },
        );
        async move { client.decide(request).await }
    };
    assert_eq!(
        decide(&r2).await.unwrap_err().code(),
        Code::PermissionDenied
    );
    decide(&r1).await.unwrap();
    // Bulk: the other three to r2, all or nothing.
    let bulk = app
        .client
        .clone()
        .bulk_assign(app.request(
            &As::admin("admin", HK),
            BulkAssignRequest {
                case_ids: cases[1..].to_vec(),
                reviewer: "r2".into(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(bulk.claims.len(), 3);
    assert!(bulk.claims.iter().all(|claim| claim.reviewer == "r2"));
    assert_eq!(claim(&app, &r1).await.unwrap_err().code(), Code::NotFound);
    let with_decided = app
        .client
        .clone()
        .bulk_assign(app.request(
            &senior,
            BulkAssignRequest {
                case_ids: cases.clone(),
                reviewer: "r1".into(),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(with_decided.code(), Code::FailedPrecondition);
    let summary = app
        .client
        .clone()
        .get_queue_summary(app.request(&r1, GetQueueSummaryRequest {}))
        .await
        .unwrap()
        .into_inner();
    assert!(summary.queues.is_empty(), "{summary:?}");
    app.stop().await;
}
