//! The applicant's dashboard (待辦事項): a tab per application type of the
//! portal, the seed's five sections filled by real transitions, the
//! agency's announcements; nobody else's cases or announcements.

mod support;

use std::collections::BTreeSet;

use laissez_intake::domain::State;
use laissez_intake::events::decisions::Outcome;
use laissez_kit::Role;
use laissez_proto::common::v1::LocalizedText;
use laissez_proto::events::v1::Decision;
use laissez_proto::intake::v1::*;
use support::*;

const SECTIONS: [&str; 5] = [
    "new",
    "awaiting_supplement",
    "awaiting_payment",
    "rejected",
    "group_rejected",
];

fn text(value: &str) -> Option<LocalizedText> {
    Some(LocalizedText {
        zh_hant: value.into(),
        zh_hans: value.into(),
        en: value.into(),
    })
}

async fn announce(intake: &Intake, agency: &'static str, code: &str, title: &str) -> Announcement {
    intake
        .catalog_admin
        .clone()
        .create_announcement(intake.request(
            &As::staff(agency, Role::AgencyAdmin),
            CreateAnnouncementRequest {
                announcement: Some(Announcement {
                    code: code.into(),
                    important: false,
                    title: text(title),
                    body: text("Counter hours change next week."),
                    unit: text("Service desk"),
                    published_on: "2026-05-04".into(),
                    ..Default::default()
                }),
            },
        ))
        .await
        .unwrap()
        .into_inner()
}

async fn dashboard(intake: &Intake, who: &As) -> Dashboard {
    intake
        .client
        .clone()
        .get_dashboard(intake.request(who, GetDashboardRequest {}))
        .await
        .unwrap()
        .into_inner()
}

/// Case ids per section of one tab.
fn sections(dashboard: &Dashboard, application_type: &str) -> Vec<(String, BTreeSet<String>)> {
    let tab = dashboard
        .tabs
        .iter()
        .find(|tab| tab.application_type == application_type)
        .unwrap();
    tab.sections
        .iter()
        .map(|section| {
            (
                section.section.clone(),
                section
                    .cases
                    .iter()
                    .map(|case| case.case_id.clone())
                    .collect(),
            )
        })
        .collect()
}

fn ids(cases: &[&Case]) -> BTreeSet<String> {
    cases.iter().map(|case| case.case_id.clone()).collect()
}

#[tokio::test]
async fn cases_land_in_the_seeds_sections_and_nobody_elses_show() {
    let intake = start("dashboard").await;
    intake.import_tw_records().await;
    let student = As::applicant("student-1", TW);
    let permit = "multi_entry_permit";

    // New: submitted, waiting for review.
    let waiting = intake.complete_tw_draft(&student, permit).await;
    intake.submit(&student, &[&waiting.case_id]).await.unwrap();
    // Returned for supplement by a real `review.case.decided` event.
    let supplement = intake.complete_tw_draft(&student, permit).await;
    intake
        .submit(&student, &[&supplement.case_id])
        .await
        .unwrap();
    let returned = intake
        .send_decision(
            &student,
            &supplement.case_id,
            Decision::ReturnedForSupplement,
            "the scan is unreadable",
            CaseState::ReturnedForSupplement,
        )
        .await;
    assert_eq!(
        returned.returns[0].reviewer_comment,
        "the scan is unreadable"
    );
    // Rejected on its own.
    let refused = intake.complete_tw_draft(&student, permit).await;
    intake.submit(&student, &[&refused.case_id]).await.unwrap();
    assert_eq!(
        intake
            .decide(TW, &refused.case_id, Decision::NotAccepted, "not eligible")
            .await,
        Outcome::Applied(State::NotAccepted)
    );
    // Approved: this type's workflow has payment next.
    let approved = intake.complete_tw_draft(&student, permit).await;
    intake.submit(&student, &[&approved.case_id]).await.unwrap();
    assert_eq!(
        intake
            .decide(TW, &approved.case_id, Decision::Approved, "")
            .await,
        Outcome::Applied(State::AwaitingPayment)
    );
    // A whole group of two, both refused.
    let group_first = intake.complete_tw_draft(&student, permit).await;
    let group_second = intake.complete_tw_draft(&student, permit).await;
    let group = intake
        .submit(&student, &[&group_first.case_id, &group_second.case_id])
        .await
        .unwrap();
    assert!(!group.group_number.is_empty());
    intake
        .decide(TW, &group_first.case_id, Decision::NotAccepted, "")
        .await;
    intake
        .decide(TW, &group_second.case_id, Decision::NotApproved, "")
        .await;
    // A group of two with one refused: that one is rejected, not the group.
    let partly_refused = intake.complete_tw_draft(&student, permit).await;
    let partly_waiting = intake.complete_tw_draft(&student, permit).await;
    intake
        .submit(
            &student,
            &[&partly_refused.case_id, &partly_waiting.case_id],
        )
        .await
        .unwrap();
    intake
        .decide(TW, &partly_refused.case_id, Decision::NotApproved, "")
        .await;
    // Data change has no payment: approved, it is issued electronically at
    // once (its workflow's next stage) and leaves the to-do list.
    let change = intake.complete_tw_draft(&student, "data_change").await;
    intake.submit(&student, &[&change.case_id]).await.unwrap();
    assert_eq!(
        intake
            .decide(TW, &change.case_id, Decision::Approved, "")
            .await,
        Outcome::Applied(State::Issued)
    );

    // Someone else's: another account of the agency, and the same account
    // name at another agency.
    let classmate = As::applicant("student-2", TW);
    let theirs = intake.complete_tw_draft(&classmate, permit).await;
    intake.submit(&classmate, &[&theirs.case_id]).await.unwrap();
    let namesake = As::applicant("student-1", FJ);
    let elsewhere = intake.complete_fj_draft(&namesake).await;
    intake
        .submit(&namesake, &[&elsewhere.case_id])
        .await
        .unwrap();
    let stored = announce(&intake, TW, "counter-hours", "Counter hours").await;
    let foreign = announce(&intake, FJ, "port-closure", "Port closed").await;

    let board = dashboard(&intake, &student).await;
    // A tab per application type of the portal.
    let tabs: BTreeSet<&str> = board
        .tabs
        .iter()
        .map(|tab| tab.application_type.as_str())
        .collect();
    assert_eq!(
        tabs,
        BTreeSet::from(["multi_entry_permit", "permit_extension", "data_change"])
    );
    for tab in &board.tabs {
        assert!(!tab.name.as_ref().unwrap().zh_hant.is_empty());
        let names: Vec<&str> = tab
            .sections
            .iter()
            .map(|section| section.section.as_str())
            .collect();
        assert_eq!(names, SECTIONS);
    }
    let expected: Vec<(String, BTreeSet<String>)> = SECTIONS
        .iter()
        .map(|name| name.to_string())
        .zip([
            ids(&[&waiting, &partly_waiting]),
            ids(&[&supplement]),
            ids(&[&approved]),
            ids(&[&refused, &partly_refused]),
            ids(&[&group_first, &group_second]),
        ])
        .collect();
    assert_eq!(sections(&board, permit), expected);
    let empty: Vec<(String, BTreeSet<String>)> = SECTIONS
        .iter()
        .map(|name| (name.to_string(), BTreeSet::new()))
        .collect();
    assert_eq!(sections(&board, "permit_extension"), empty);
    assert_eq!(sections(&board, "data_change"), empty);
    // Cases show their numbers and state.
    let group_tab = &board.tabs[0].sections[4].cases;
    assert!(group_tab.iter().all(|case| {
        case.group_number == group.group_number && !case.receipt_number.is_empty()
    }));
    let everything: BTreeSet<String> = board
        .tabs
        .iter()
        .flat_map(|tab| &tab.sections)
        .flat_map(|section| &section.cases)
        .map(|case| case.case_id.clone())
        .collect();
    assert!(!everything.contains(&theirs.case_id));
    assert!(!everything.contains(&elsewhere.case_id));

    // The agency's announcements: the catalog's and the stored one; not Fujian's.
    let codes: BTreeSet<&str> = board
        .announcements
        .iter()
        .map(|announcement| announcement.code.as_str())
        .collect();
    assert!(codes.contains("convenience-store-payment"), "{codes:?}");
    assert!(codes.contains("counter-hours"), "{codes:?}");
    assert!(!codes.contains(foreign.code.as_str()), "{codes:?}");
    let shown = board
        .announcements
        .iter()
        .find(|announcement| announcement.announcement_id == stored.announcement_id)
        .unwrap();
    assert_eq!(shown.title.as_ref().unwrap().en, "Counter hours");

    // The classmate sees only their own case.
    let theirs_board = dashboard(&intake, &classmate).await;
    let mut theirs_expected = empty.clone();
    theirs_expected[0].1.insert(theirs.case_id.clone());
    assert_eq!(sections(&theirs_board, permit), theirs_expected);
    // The Fujian namesake's board has Fujian's tab only, and none of Taiwan's cases.
    let fujian_board = dashboard(&intake, &namesake).await;
    assert_eq!(fujian_board.tabs.len(), 1);
    assert_eq!(
        sections(&fujian_board, "one_time_taiwan_permit")[0].1,
        BTreeSet::from([elsewhere.case_id.clone()])
    );
    let fujian_codes: BTreeSet<&str> = fujian_board
        .announcements
        .iter()
        .map(|announcement| announcement.code.as_str())
        .collect();
    assert!(fujian_codes.contains("port-closure"));
    assert!(!fujian_codes.contains("counter-hours"));
    intake.stop().await;
}
