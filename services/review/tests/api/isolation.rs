use chrono::Utc;
use laissez_kit::Role;
use laissez_proto::events::v1::Decision;
use laissez_proto::review::v1::*;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use tonic::Code;

use crate::support::*;

#[tokio::test]
async fn agencies_cannot_reach_each_others_cases_under_random_probing() {
    let app = start("isolation").await;
    let agencies = [HK, MO, "tw-nia"];
    let mut cases: Vec<(String, String)> = Vec::new();
    for agency in agencies {
        for minutes in 0..5 {
            let mut case = NewCase::new(agency, Utc::now() - chrono::Duration::minutes(minutes));
            case.application_type = "some_type".into();
            case.group_number = format!("G-{agency}");
            cases.push((agency.to_owned(), app.submit(&case).await));
        }
    }
    let seed: u64 = rand::random();
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let roles = [Role::Reviewer, Role::SeniorReviewer, Role::AgencyAdmin];
    for round in 0..200 {
        let (owner, case_id) = cases.choose(&mut rng).unwrap().clone();
        let prober_agency = *agencies
            .iter()
            .filter(|agency| **agency != owner)
            .collect::<Vec<_>>()
            .choose(&mut rng)
            .unwrap();
        let who = As::new(
            "prober",
            prober_agency,
            &[roles[rng.gen_range(0..roles.len())]],
        );
        let mut client = app.client.clone();
        let status = match rng.gen_range(0..7) {
            0 => client
                .get_review_case(app.request(
                    &who,
                    GetReviewCaseRequest {
                        case_id: case_id.clone(),
                    },
                ))
                .await
                .err(),
            1 => client
                .decide(app.request(
                    &who,
                    DecideRequest {
                        case_id: case_id.clone(),
                        decision: Decision::Approved as i32,
                        comment: String::new(),
                        fee_forfeited: false,
                    },
                ))
                .await
                .err(),
            2 => client
                .reassign(app.request(
                    &who,
                    ReassignRequest {
                        case_id: case_id.clone(),
                        reviewer: "prober".into(),
                    },
                ))
                .await
                .err(),
            3 => client
                .release_claim(app.request(
                    &who,
                    ReleaseClaimRequest {
                        case_id: case_id.clone(),
                    },
                ))
                .await
                .err(),
            4 => client
                .resolve_priority(app.request(
                    &who,
                    ResolvePriorityRequest {
                        case_id: case_id.clone(),
                        accept: true,
                        comment: String::new(),
                    },
                ))
                .await
                .err(),
            5 => client
                .bulk_assign(app.request(
                    &who,
                    BulkAssignRequest {
                        case_ids: vec![case_id.clone()],
                        reviewer: "prober".into(),
                    },
                ))
                .await
                .err(),
            _ => client
                .decide_group(app.request(
                    &who,
                    DecideGroupRequest {
                        group_number: format!("G-{owner}"),
                        decision: Decision::NotAccepted as i32,
                        comment: "x".into(),
                        fee_forfeited: false,
                    },
                ))
                .await
                .err(),
        };
        let status = status.unwrap_or_else(|| {
            panic!("seed {seed}, round {round}: {who:?} reached {owner}'s case {case_id}")
        });
        assert!(
            matches!(status.code(), Code::NotFound | Code::PermissionDenied),
            "seed {seed}, round {round}: {status:?}"
        );
    }
    // Nothing changed, and claims only ever return the caller's own cases.
    for (_, case_id) in &cases {
        assert_eq!(case_state(&app.pool, case_id).await, "queued");
    }
    for agency in agencies {
        let claimed = app
            .client
            .clone()
            .claim_next(app.request(&As::reviewer("r", agency), ClaimNextRequest::default()))
            .await
            .unwrap()
            .into_inner();
        assert!(
            cases
                .iter()
                .any(|(owner, id)| owner == agency && *id == claimed.case_id)
        );
        let summary = app
            .client
            .clone()
            .get_queue_summary(app.request(&As::reviewer("r", agency), GetQueueSummaryRequest {}))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(
            summary.queues.iter().map(|queue| queue.depth).sum::<u64>(),
            4
        );
    }
    app.stop().await;
}
