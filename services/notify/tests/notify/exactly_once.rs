//! The same event delivered three times → one email, one in-app message.

use std::time::Duration;

use laissez_kit::Role;
use laissez_proto::common::v1::Language;
use laissez_proto::notify::v1::GetUnreadCountRequest;

use crate::support::{TestEnv, case_submitted, eventually, with_token};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_same_event_delivered_three_times_gives_one_email_and_one_in_app_message() {
    let env = TestEnv::new().await;
    let app = env.start().await;

    let event = case_submitted("dup-1", "acct-dup", "chan@example.org", Language::ZhHant);
    let envelope = env.publish("dup-1", &event).await;
    env.publish_envelope(&envelope).await;
    env.publish_envelope(&envelope).await;

    assert!(
        eventually(Duration::from_secs(15), || async {
            env.smtp.received().len() == 1
        })
        .await,
        "the email never arrived"
    );
    // Late duplicates would show up as a second email or row: give them time.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert_eq!(env.smtp.received().len(), 1, "exactly one email");
    assert_eq!(env.count("SELECT count(*) FROM delivery").await, 1);
    assert_eq!(env.count("SELECT count(*) FROM in_app_message").await, 1);
    assert_eq!(
        env.count("SELECT count(*) FROM delivery WHERE status = 'sent'")
            .await,
        1
    );
    assert_eq!(env.count("SELECT count(*) FROM inbox").await, 1);

    let mut client = app.client().await;
    let token = env.token("acct-dup", &[Role::Applicant]);
    let unread = client
        .get_unread_count(with_token(GetUnreadCountRequest {}, &token))
        .await
        .expect("unread count")
        .into_inner()
        .unread;
    assert_eq!(unread, 1);

    app.stop().await;
    env.cleanup().await;
}
