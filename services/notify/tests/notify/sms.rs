//! SMS through the HTTP gateway adapter and the simulator: a verification
//! code arrives once, in the chosen language, also after gateway errors.

use std::time::Duration;

use laissez_proto::common::v1::Language;
use laissez_proto::events::v1::SmsCodeRequested;

use crate::support::{AGENCY, TestEnv, eventually};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_verification_code_reaches_the_gateway_once_despite_its_errors() {
    let env = TestEnv::new().await;
    let app = env.start().await;
    let simulator = app
        .sms
        .clone()
        .expect("the simulator backend runs a simulator");

    simulator.fail_with(Some(503));
    let event = SmsCodeRequested {
        account_id: "acct-sms".into(),
        mobile: "+8613800138000".into(),
        code: "482913".into(),
        purpose: "registration".into(),
        expires_in_minutes: 5,
        language: Language::ZhHans as i32,
    };
    let envelope = env.publish("acct-sms", &event).await;
    env.publish_envelope(&envelope).await;

    assert!(
        eventually(Duration::from_secs(10), || async {
            env.count("SELECT count(*) FROM delivery WHERE channel = 'sms' AND attempts >= 2")
                .await
                == 1
        })
        .await,
        "the gateway's 503 must be retried"
    );
    simulator.fail_with(None);
    assert!(
        eventually(Duration::from_secs(10), || async {
            simulator.messages().len() == 1
        })
        .await,
        "the SMS never reached the gateway"
    );
    tokio::time::sleep(Duration::from_millis(800)).await;
    let messages = simulator.messages();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].to, "+8613800138000");
    assert!(
        messages[0].text.contains("482913") && messages[0].text.contains("验证码"),
        "{}",
        messages[0].text
    );
    assert_eq!(
        env.count("SELECT count(*) FROM delivery WHERE status = 'sent'")
            .await,
        1
    );
    assert_eq!(
        env.count("SELECT count(*) FROM in_app_message").await,
        0,
        "codes stay out of the inbox"
    );
    assert!(env.smtp.received().is_empty(), "codes are not emailed");

    // The simulator lists what it received over HTTP, for the local stack.
    let listed: serde_json::Value = reqwest::get(app.sms_url.clone().expect("url"))
        .await
        .expect("list")
        .json()
        .await
        .expect("json");
    assert_eq!(listed.as_array().map(Vec::len), Some(1));

    let metrics = reqwest::get(format!("http://{}/metrics", app.admin))
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    let sent = format!("notify_messages_sent_total{{channel=\"sms\",agency=\"{AGENCY}\"}}");
    let sent_reordered =
        format!("notify_messages_sent_total{{agency=\"{AGENCY}\",channel=\"sms\"}}");
    assert!(
        metrics.contains(&sent) || metrics.contains(&sent_reordered),
        "{metrics}"
    );

    // A request the gateway refuses (4xx) is given up at once and recorded.
    simulator.fail_with(Some(400));
    let refused = SmsCodeRequested {
        code: "111111".into(),
        ..event
    };
    env.publish("acct-sms", &refused).await;
    assert!(
        eventually(Duration::from_secs(10), || async {
            env.count("SELECT count(*) FROM delivery WHERE status = 'failed' AND attempts = 1 AND last_error LIKE '%400%'")
                .await
                == 1
        })
        .await,
        "a 400 from the gateway must fail the delivery without retries"
    );
    assert_eq!(simulator.messages().len(), 1);

    app.stop().await;
    env.cleanup().await;
}
