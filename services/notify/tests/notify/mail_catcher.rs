//! Against the local stack's mail catcher (`deploy/local/mailcatcher.py`):
//! the email arrives and is readable through its JSON API. Runs only when
//! `LAISSEZ_TEST_MAIL_CATCHER` names its SMTP and HTTP addresses as
//! `smtp_host:port,http_host:port`; skipped otherwise.

use std::time::Duration;

use laissez_proto::common::v1::Language;

use crate::support::{TestEnv, case_submitted, eventually};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_local_mail_catcher_shows_the_email() {
    let Ok(addresses) = std::env::var("LAISSEZ_TEST_MAIL_CATCHER") else {
        eprintln!("skipped: LAISSEZ_TEST_MAIL_CATCHER is not set");
        return;
    };
    let (smtp, http) = addresses
        .split_once(',')
        .expect("smtp_host:port,http_host:port");
    let (host, port) = smtp.rsplit_once(':').expect("smtp host:port");
    let mut env = TestEnv::new().await;
    env.config.smtp.host = host.to_owned();
    env.config.smtp.port = port.parse().expect("smtp port");
    let app = env.start().await;

    let recipient = format!("catcher-{}@example.org", uuid::Uuid::new_v4().simple());
    env.publish(
        "catcher-1",
        &case_submitted("catcher-1", "acct-catcher", &recipient, Language::ZhHant),
    )
    .await;
    let url = format!("http://{http}/api/messages");
    let found = eventually(Duration::from_secs(15), || async {
        let Ok(response) = reqwest::get(&url).await else {
            return false;
        };
        let listed: serde_json::Value = response.json().await.unwrap_or_default();
        listed.as_array().is_some_and(|messages| {
            messages.iter().any(|message| {
                message.to_string().contains(&recipient)
                    && message["subject"]
                        .as_str()
                        .unwrap_or_default()
                        .contains("送件成功")
                    && message["text"]
                        .as_str()
                        .unwrap_or_default()
                        .contains("普通護照換發")
            })
        })
    })
    .await;
    assert!(
        found,
        "the mail catcher does not show the email to {recipient}"
    );

    app.stop().await;
    env.cleanup().await;
}
