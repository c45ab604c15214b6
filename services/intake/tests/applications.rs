//! Applications end to end over gRPC against real PostgreSQL: start with the
//! permit lookup's three errors, drafts, submission with every error at
//! once, receipt numbers under concurrency, and the outbox event.

mod support;

use std::collections::HashSet;

use laissez_proto::intake::v1::*;
use support::*;
use tonic::Code;

async fn import_tw_records(intake: &Intake) {
    intake.import_tw_records().await;
    // Only the agency's administrators import.
    let refused = intake
        .client
        .clone()
        .import_permit_records(intake.request(
            &As::applicant("a", TW),
            ImportPermitRecordsRequest::default(),
        ))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::PermissionDenied);
}

fn multi_entry(permit: &str, document: &str) -> StartApplicationRequest {
    tw_start("multi_entry_permit", permit, document)
}

#[tokio::test]
async fn permit_lookup_prefills_and_refuses_in_three_distinct_ways() {
    let intake = start("lookup").await;
    import_tw_records(&intake).await;
    let student = As::applicant("student-1", TW);
    let mut client = intake.client.clone();

    let missing = client
        .start_application(intake.request(&student, multi_entry("S999", "350102199903230018")))
        .await
        .unwrap_err();
    assert_eq!(
        field_errors(&missing),
        vec![("permit_number".into(), "permit_not_found".into())]
    );
    assert!(missing.message().contains("permit_number"));
    let foreign = client
        .start_application(intake.request(&student, multi_entry("S100", "OTHER-ID")))
        .await
        .unwrap_err();
    assert_eq!(
        field_errors(&foreign),
        vec![("permit_number".into(), "account_mismatch".into())]
    );
    let ineligible = client
        .start_application(intake.request(&student, multi_entry("S200", "350102199903230022")))
        .await
        .unwrap_err();
    assert_eq!(
        field_errors(&ineligible),
        vec![(
            "eligibility.holds_single_entry_permit".into(),
            "not_eligible".into()
        )]
    );
    let no_notice = client
        .start_application(intake.request(
            &student,
            StartApplicationRequest {
                notice_accepted: false,
                ..multi_entry("S100", "350102199903230018")
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(
        field_errors(&no_notice),
        vec![("notice_accepted".into(), "required".into())]
    );

    let case = client
        .start_application(intake.request(&student, multi_entry("S100", "350102199903230018")))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(case.state(), CaseState::Draft);
    assert_eq!(case.notice_version, "2019-07-10");
    let answers: serde_json::Value = serde_json::from_str(&case.answers_json).unwrap();
    assert_eq!(answers["school"], "國立臺灣大學");
    assert_eq!(answers["chinese_name"], "陳大文");
    assert!(case.read_only_fields.contains(&"school".to_string()));
    assert!(case.read_only_fields.contains(&"permit_number".to_string()));
    assert_eq!(case.history.len(), 1);

    // Read-only fields stay as the record says; unknown fields are refused; all at once.
    let refused = intake
        .save(
            &student,
            &case.case_id,
            serde_json::json!({"school": "Elsewhere", "nonsense": 1, "department": "法律學系"}),
        )
        .await
        .unwrap_err();
    let errors = field_errors(&refused);
    assert!(
        errors.contains(&("answers.school".into(), "read_only".into())),
        "{errors:?}"
    );
    assert!(
        errors.contains(&("answers.nonsense".into(), "unknown_field".into())),
        "{errors:?}"
    );
    // A draft saved without the read-only fields keeps them, and resumes.
    intake
        .save(
            &student,
            &case.case_id,
            serde_json::json!({"department": "法律學系"}),
        )
        .await
        .unwrap();
    let resumed = intake.get(&student, &case.case_id).await.unwrap();
    let answers: serde_json::Value = serde_json::from_str(&resumed.answers_json).unwrap();
    assert_eq!(answers["department"], "法律學系");
    assert_eq!(answers["school"], "國立臺灣大學");
    intake.stop().await;
}

#[tokio::test]
async fn submission_reports_every_error_then_numbers_and_publishes() {
    let intake = start("submit").await;
    let who = As::applicant("fj-1", FJ);
    let empty = intake.start_fj(&who).await.unwrap();
    let refused = intake.submit(&who, &[&empty.case_id]).await.unwrap_err();
    assert_eq!(refused.code(), Code::InvalidArgument);
    let errors: HashSet<_> = field_errors(&refused).into_iter().collect();
    for expected in [
        ("answers.photo", "required"),
        ("answers.port_of_entry", "required"),
        ("answers.planned_entry_date", "required"),
        ("documents.tw_id_card_front", "required"),
        ("documents.tw_id_card_back", "required"),
        ("documents.tw_exit_entry_document", "required"),
    ] {
        assert!(
            errors.contains(&(expected.0.to_string(), expected.1.to_string())),
            "{expected:?} in {errors:?}"
        );
    }
    let past = intake
        .save(
            &who,
            &empty.case_id,
            serde_json::json!({"planned_entry_date": "2001-01-01", "port_of_entry": "nowhere"}),
        )
        .await
        .unwrap();
    let refused = intake.submit(&who, &[&past.case_id]).await.unwrap_err();
    let errors: HashSet<_> = field_errors(&refused).into_iter().collect();
    assert!(
        errors.contains(&("answers.planned_entry_date".into(), "check".into())),
        "{errors:?}"
    );
    assert!(
        errors.contains(&("answers.port_of_entry".into(), "not_in_list".into())),
        "{errors:?}"
    );

    let first = intake.complete_fj_draft(&who).await;
    let second = intake.complete_fj_draft(&who).await;
    let submitted = intake
        .submit(&who, &[&first.case_id, &second.case_id])
        .await
        .unwrap();
    assert_eq!(submitted.cases.len(), 2);
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .format("FJ%Y%m%d")
        .to_string();
    let receipts: Vec<_> = submitted
        .cases
        .iter()
        .map(|case| case.receipt_number.clone())
        .collect();
    for (receipt, case) in receipts.iter().zip(&submitted.cases) {
        assert!(
            receipt.starts_with(&today) && receipt.len() == 16,
            "{receipt}"
        );
        assert_eq!(case.group_number, submitted.group_number);
        assert_eq!(case.state(), CaseState::Submitted);
    }
    assert_ne!(receipts[0], receipts[1]);
    // Submitted once: again is refused by the state machine.
    let again = intake.submit(&who, &[&first.case_id]).await.unwrap_err();
    assert_eq!(again.code(), Code::FailedPrecondition);
    // Answers are frozen after submission.
    let frozen = intake
        .save(&who, &first.case_id, serde_json::json!({}))
        .await
        .unwrap_err();
    assert_eq!(frozen.code(), Code::FailedPrecondition);

    let events: Vec<(String, String)> = sqlx::query_as(
        "SELECT event_type, aggregate_id FROM outbox WHERE event_type = 'intake.case.submitted' ORDER BY created_at",
    )
    .fetch_all(&intake.database.pool)
    .await
    .unwrap();
    assert_eq!(events.len(), 2);
    let snapshots: i64 = sqlx::query_scalar("SELECT count(*) FROM case_snapshots")
        .fetch_one(&intake.database.pool)
        .await
        .unwrap();
    assert_eq!(snapshots, 2);
    let detail = intake.get(&who, &first.case_id).await.unwrap();
    assert_eq!(detail.documents.len(), 4);
    assert_eq!(detail.history.len(), 2);
    assert_eq!(detail.history[1].actor, "fj-1");
    intake.stop().await;
}

#[tokio::test]
async fn concurrent_submissions_get_distinct_strictly_increasing_receipts() {
    let intake = start("receipts").await;
    let mut drafts = Vec::new();
    let prepare = (0..100).map(|index| {
        let who = As::applicant(&format!("concurrent-{index}"), FJ);
        let intake = &intake;
        async move { (who.clone(), intake.complete_fj_draft(&who).await) }
    });
    for batch in futures::future::join_all(prepare).await {
        drafts.push(batch);
    }
    let submissions = drafts.iter().map(|(who, case)| {
        let intake = &intake;
        async move { intake.submit(who, &[case.case_id.as_str()]).await }
    });
    let results = futures::future::join_all(submissions).await;
    let receipts: Vec<String> = results
        .into_iter()
        .map(|result| result.unwrap().cases[0].receipt_number.clone())
        .collect();
    assert_eq!(receipts.iter().collect::<HashSet<_>>().len(), 100);
    // In commit order (submitted_at), the numbers strictly increase.
    let ordered: Vec<String> = sqlx::query_scalar(
        "SELECT c.receipt_number FROM cases c JOIN case_transitions t ON t.case_id = c.id AND t.to_state = 'submitted'
         WHERE c.agency = 'fj-exit-entry' ORDER BY t.id",
    )
    .fetch_all(&intake.database.pool)
    .await
    .unwrap();
    assert_eq!(ordered.len(), 100);
    assert!(
        ordered.windows(2).all(|pair| pair[0] < pair[1]),
        "{ordered:?}"
    );
    intake.stop().await;
}

#[tokio::test]
async fn dated_receipt_numbers_restart_each_day_and_undated_ones_never() {
    use laissez_intake::store::numbers::{Counter, take};

    let intake = start("periods").await;
    // A real submission draws from today's counter in the agency's zone.
    let who = As::applicant("periods-1", FJ);
    let case = intake.complete_fj_draft(&who).await;
    let submitted = intake.submit(&who, &[&case.case_id]).await.unwrap();
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive();
    assert_eq!(
        submitted.cases[0].receipt_number,
        format!("FJ{}000001", today.format("%Y%m%d"))
    );

    // Submissions "on" two other days: each day starts at 1.
    let first_day = chrono::NaiveDate::from_ymd_opt(2031, 3, 31).unwrap();
    let next_day = first_day.succ_opt().unwrap();
    let fujian = "FJ{yyyy}{mm}{dd}{seq:6}";
    let mut numbers = Vec::new();
    for date in [first_day, first_day, next_day, next_day, next_day] {
        let mut transaction = intake.database.pool.begin().await.unwrap();
        numbers.push(
            take(&mut transaction, FJ, Counter::Receipt, fujian, date)
                .await
                .unwrap(),
        );
        transaction.commit().await.unwrap();
    }
    assert_eq!(
        numbers,
        [
            "FJ20310331000001",
            "FJ20310331000002",
            "FJ20310401000001",
            "FJ20310401000002",
            "FJ20310401000003",
        ]
    );
    // Another agency's day is its own; a yearly format restarts per year;
    // a format without a date part keeps counting.
    let mut transaction = intake.database.pool.begin().await.unwrap();
    let other = take(&mut transaction, TW, Counter::Receipt, fujian, first_day)
        .await
        .unwrap();
    assert_eq!(other, "FJ20310331000001");
    let roc = "{roc}{seq:9}";
    let year_end = take(&mut transaction, TW, Counter::Group, roc, first_day)
        .await
        .unwrap();
    let same_year = take(&mut transaction, TW, Counter::Group, roc, next_day)
        .await
        .unwrap();
    let new_year = chrono::NaiveDate::from_ymd_opt(2032, 1, 1).unwrap();
    let next_year = take(&mut transaction, TW, Counter::Group, roc, new_year)
        .await
        .unwrap();
    assert_eq!(
        [year_end, same_year, next_year],
        ["120000000001", "120000000002", "121000000001"]
    );
    let plain = "{seq:9}";
    let mut undated = Vec::new();
    for date in [first_day, next_day, new_year] {
        undated.push(
            take(&mut transaction, FJ, Counter::Group, plain, date)
                .await
                .unwrap(),
        );
    }
    assert_eq!(undated, ["000000001", "000000002", "000000003"]);
    transaction.commit().await.unwrap();
    intake.stop().await;
}

#[tokio::test]
async fn documents_are_replaced_only_by_their_case_and_only_while_it_is_open() {
    let intake = support::start("replace").await;
    let who = As::applicant("replacer", FJ);
    let case = intake.complete_fj_draft(&who).await;
    let other = intake.start_fj(&who).await.unwrap();
    let other_document = intake
        .upload(
            &who,
            &other.case_id,
            "tw_id_card_front",
            "other.png",
            png(40, 20),
        )
        .await
        .unwrap();
    let front = case
        .documents
        .iter()
        .find(|document| document.requirement == "tw_id_card_front")
        .expect("the draft's front scan")
        .document_id
        .clone();

    let replacement = intake
        .upload_replacing(
            &who,
            &case.case_id,
            "tw_id_card_front",
            "front.png",
            png(52, 30),
            &front,
        )
        .await
        .unwrap();
    let documents = intake.get(&who, &case.case_id).await.unwrap().documents;
    let ids: Vec<_> = documents.iter().map(|d| d.document_id.as_str()).collect();
    assert!(ids.contains(&replacement.document_id.as_str()));
    assert!(!ids.contains(&front.as_str()), "the replaced scan is gone");
    assert_eq!(documents.len(), case.documents.len());

    // Replacing what is no longer live, another case's document or nothing
    // at all is "no such document", and stores nothing.
    let blobs = intake.blob_count();
    for replaces in [
        front.clone(),
        other_document.document_id.clone(),
        uuid::Uuid::new_v4().to_string(),
    ] {
        let refused = intake
            .upload_replacing(
                &who,
                &case.case_id,
                "tw_id_card_front",
                "x.png",
                png(54, 30),
                &replaces,
            )
            .await
            .unwrap_err();
        assert_eq!(refused.code(), Code::NotFound, "{replaces}");
    }
    assert_eq!(intake.blob_count(), blobs);
    assert_eq!(
        intake
            .get(&who, &case.case_id)
            .await
            .unwrap()
            .documents
            .len(),
        case.documents.len()
    );
    assert_eq!(
        intake
            .get(&who, &other.case_id)
            .await
            .unwrap()
            .documents
            .len(),
        1
    );

    // Once submitted, neither a new document nor a replacement is taken.
    intake.submit(&who, &[&case.case_id]).await.unwrap();
    for replaces in ["", replacement.document_id.as_str()] {
        let closed = intake
            .upload_replacing(
                &who,
                &case.case_id,
                "tw_id_card_front",
                "late.png",
                png(56, 30),
                replaces,
            )
            .await
            .unwrap_err();
        assert_eq!(closed.code(), Code::FailedPrecondition, "{replaces:?}");
    }
    assert_eq!(intake.blob_count(), blobs);
    intake.stop().await;
}
