//! A permanent SMTP rejection → recorded as failed and visible to staff;
//! the consumer and dispatcher keep going.

use std::time::Duration;

use laissez_kit::Role;
use laissez_proto::common::v1::Language;
use laissez_proto::notify::v1::ListDeliveriesRequest;
use tonic::Code;

use crate::support::{TestEnv, case_submitted, eventually, with_token};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_permanent_rejection_is_recorded_as_failed_and_the_rest_flows() {
    let env = TestEnv::new().await;
    env.smtp.reject_recipients_containing("nobody");
    let app = env.start().await;

    let rejected = case_submitted("rej-1", "acct-rej", "nobody@example.org", Language::En);
    env.publish("rej-1", &rejected).await;
    let accepted = case_submitted("rej-2", "acct-ok", "someone@example.org", Language::En);
    env.publish("rej-2", &accepted).await;

    assert!(
        eventually(Duration::from_secs(15), || async {
            env.count("SELECT count(*) FROM delivery WHERE status = 'failed'")
                .await
                == 1
                && env.smtp.received().len() == 1
        })
        .await,
        "expected one failed delivery and one delivered email"
    );
    assert_eq!(
        env.smtp.received()[0].recipients,
        vec!["someone@example.org".to_owned()]
    );
    // Not retried: a permanent failure is one attempt.
    assert_eq!(
        env.count("SELECT max(attempts)::bigint FROM delivery WHERE status = 'failed'")
            .await,
        1
    );
    // The in-app message of the rejected one still arrived.
    assert_eq!(env.count("SELECT count(*) FROM in_app_message").await, 2);

    let mut client = app.client().await;
    let admin = env.token("admin-1", &[Role::AgencyAdmin]);
    let failed = client
        .list_deliveries(with_token(
            ListDeliveriesRequest {
                status: "failed".into(),
                ..Default::default()
            },
            &admin,
        ))
        .await
        .expect("list deliveries")
        .into_inner()
        .deliveries;
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].channel, "email");
    assert_eq!(failed[0].recipient, "n***@example.org");
    assert!(
        failed[0].last_error.contains("550"),
        "{}",
        failed[0].last_error
    );

    let applicant = env.token("acct-rej", &[Role::Applicant]);
    let status = client
        .list_deliveries(with_token(ListDeliveriesRequest::default(), &applicant))
        .await
        .expect_err("applicants do not see the delivery log");
    assert_eq!(status.code(), Code::PermissionDenied);
    let bad = client
        .list_deliveries(with_token(
            ListDeliveriesRequest {
                status: "lost".into(),
                ..Default::default()
            },
            &admin,
        ))
        .await
        .expect_err("unknown status");
    assert_eq!(bad.code(), Code::InvalidArgument);

    app.stop().await;
    env.cleanup().await;
}
