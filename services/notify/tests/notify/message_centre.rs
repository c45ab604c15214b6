//! The in-app message centre over gRPC: paging, unread count, mark read
//! (own messages only), the case link, agency isolation.

use std::collections::BTreeSet;
use std::time::Duration;

use laissez_kit::Role;
use laissez_proto::common::v1::Language;
use laissez_proto::notify::v1::{GetUnreadCountRequest, ListMessagesRequest, MarkReadRequest};
use tonic::{Code, Request};

use crate::support::{TestEnv, case_submitted, eventually, with_token};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_message_centre_pages_counts_and_marks_only_own_messages() {
    let env = TestEnv::new().await;
    let app = env.start().await;

    // No email address: in-app only.
    for number in 0..25 {
        let case_id = format!("centre-{number:02}");
        env.publish(
            &case_id,
            &case_submitted(&case_id, "acct-1", "", Language::En),
        )
        .await;
    }
    env.publish(
        "centre-other",
        &case_submitted("centre-other", "acct-2", "", Language::En),
    )
    .await;
    assert!(
        eventually(Duration::from_secs(15), || async {
            env.count("SELECT count(*) FROM in_app_message").await == 26
        })
        .await,
        "in-app messages missing"
    );
    assert_eq!(
        env.count("SELECT count(*) FROM delivery").await,
        0,
        "no address, no email"
    );

    let mut client = app.client().await;
    let mine = env.token("acct-1", &[Role::Applicant]);
    let theirs = env.token("acct-2", &[Role::Applicant]);
    let reader = client.clone();
    let unread = |token: String| {
        let mut client = reader.clone();
        async move {
            client
                .get_unread_count(with_token(GetUnreadCountRequest {}, &token))
                .await
                .expect("unread count")
                .into_inner()
                .unread
        }
    };
    assert_eq!(unread(mine.clone()).await, 25);

    let mut seen = Vec::new();
    let mut page_token = String::new();
    let mut pages = 0;
    loop {
        let page = client
            .list_messages(with_token(
                ListMessagesRequest {
                    page_size: 10,
                    page_token: page_token.clone(),
                    unread_only: false,
                },
                &mine,
            ))
            .await
            .expect("list")
            .into_inner();
        pages += 1;
        seen.extend(page.messages);
        if page.next_page_token.is_empty() {
            break;
        }
        page_token = page.next_page_token;
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 25);
    let cases: BTreeSet<&str> = seen
        .iter()
        .map(|message| message.case_id.as_str())
        .collect();
    assert_eq!(cases.len(), 25, "every case once, linked");
    assert_eq!(seen[0].case_id, "centre-24", "newest first");
    assert_eq!(seen[0].body, "Submitted, receipt number CSMcentre-24");
    assert!(seen[0].subject.contains("submitted"), "{}", seen[0].subject);
    assert_eq!(seen[0].event_type, "intake.case.submitted");
    assert!(seen.iter().all(|message| !message.read));

    // Marking someone else's message does nothing.
    let other = client
        .list_messages(with_token(ListMessagesRequest::default(), &theirs))
        .await
        .expect("list")
        .into_inner()
        .messages;
    assert_eq!(other.len(), 1);
    let ids = vec![
        seen[0].message_id.clone(),
        seen[1].message_id.clone(),
        other[0].message_id.clone(),
    ];
    let marked = client
        .mark_read(with_token(
            MarkReadRequest {
                message_ids: ids,
                all: false,
            },
            &mine,
        ))
        .await
        .expect("mark read")
        .into_inner()
        .marked;
    assert_eq!(marked, 2);
    assert_eq!(unread(mine.clone()).await, 23);
    assert_eq!(unread(theirs.clone()).await, 1);

    let unread_page = client
        .list_messages(with_token(
            ListMessagesRequest {
                page_size: 100,
                unread_only: true,
                ..Default::default()
            },
            &mine,
        ))
        .await
        .expect("list unread")
        .into_inner();
    assert_eq!(unread_page.messages.len(), 23);
    assert!(unread_page.next_page_token.is_empty());

    let all = client
        .mark_read(with_token(
            MarkReadRequest {
                message_ids: vec![],
                all: true,
            },
            &mine,
        ))
        .await
        .expect("mark all")
        .into_inner()
        .marked;
    assert_eq!(all, 23);
    assert_eq!(unread(mine.clone()).await, 0);

    // Bad input and strangers.
    let bad = client
        .mark_read(with_token(
            MarkReadRequest {
                message_ids: vec!["x".into()],
                all: false,
            },
            &mine,
        ))
        .await
        .expect_err("invalid id");
    assert_eq!(bad.code(), Code::InvalidArgument);
    let bad_token = client
        .list_messages(with_token(
            ListMessagesRequest {
                page_token: "nope".into(),
                ..Default::default()
            },
            &mine,
        ))
        .await
        .expect_err("invalid page token");
    assert_eq!(bad_token.code(), Code::InvalidArgument);
    let other_agency = env
        .keys
        .token("acct-1", "tw-nia", "mainland-students", &[Role::Applicant]);
    let foreign = client
        .list_messages(with_token(ListMessagesRequest::default(), &other_agency))
        .await
        .expect("list in another agency")
        .into_inner();
    assert!(
        foreign.messages.is_empty(),
        "another agency's account sees nothing"
    );
    let anonymous = client
        .get_unread_count(Request::new(GetUnreadCountRequest {}))
        .await
        .expect_err("no token");
    assert_eq!(anonymous.code(), Code::Unauthenticated);

    app.stop().await;
    env.cleanup().await;
}
