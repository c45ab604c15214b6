//! The portal's registration and activation against real services: the
//! Fujian form with its SMS code ("send code" keeps what was typed), the
//! Taiwan students' form with the emailed activation link, per-field
//! errors, CSRF and the language switcher.

use std::collections::BTreeMap;

use crate::portal::{error_summary, input_value, page, set_cookie};
use crate::support::*;

/// A pre-login page's anonymous binding (as a `Cookie` header) and page.
async fn anonymous_page(stack: &Stack, path: &str) -> (String, String) {
    let answer = page(stack, path, None, None).await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    let (binding, _) = set_cookie(&answer, "__Host-laissez-anon").expect("an anonymous binding");
    (format!("__Host-laissez-anon={binding}"), answer.text())
}

async fn post(stack: &Stack, path: &str, cookie: &str, fields: &[(&str, String)]) -> Answer {
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    crate::portal::form(stack, path, cookie, &fields).await
}

async fn switcher_stays(stack: &Stack, path: &str) {
    for tag in ["zh-Hant", "zh-Hans", "en"] {
        let separator = if path.contains('?') { "&" } else { "?" };
        let answer = page(stack, &format!("{path}{separator}lang={tag}"), None, None).await;
        assert_eq!(answer.status, 200, "{path}");
        for other in ["zh-Hant", "zh-Hans", "en"] {
            let link = format!(
                "href=\"{}\"",
                format!("{path}{separator}lang={other}").replace('&', "&amp;")
            );
            assert!(answer.text().contains(&link), "{path} lacks {link}");
        }
    }
}

#[tokio::test]
async fn a_fujian_applicant_registers_with_an_sms_code() {
    let stack = Stack::start(Services::INTAKE).await;
    let base = format!("/portal/{FJ}/{FJ_PORTAL}/");
    let register = format!("{base}register?lang=en");
    let login = page(&stack, &format!("{base}login"), None, None).await;
    assert!(login.text().contains(&format!("href=\"{base}register\"")));
    switcher_stays(&stack, &format!("{base}register")).await;

    let (cookie, html) = anonymous_page(&stack, &register).await;
    assert!(html.contains("name=\"send_code\""), "{html}");
    assert!(
        html.contains("id=\"user_agreement\""),
        "the consents: {html}"
    );
    let token = input_value(&html, "csrf_token");
    let document = taiwan_id(777);
    let mobile = "13812340777".to_owned();
    let mut fields = vec![
        ("csrf_token", token.clone()),
        ("document_type", "tw_id_card".to_owned()),
        ("document_number", document.clone()),
        ("chinese_surname", "陳".to_owned()),
        ("chinese_given_name", "大文".to_owned()),
        ("validity_period", "2030-01-01".to_owned()),
        ("household_place", "kinmen".to_owned()),
        ("mobile", mobile.clone()),
        ("password", PASSWORD.to_owned()),
        ("password_confirmation", PASSWORD.to_owned()),
    ];

    let refused = post(
        &stack,
        &register,
        &cookie,
        &[("csrf_token", "nope".to_owned())],
    )
    .await;
    assert_eq!(refused.status, 403);

    // "Send code": the code goes out, what was typed stays (not passwords).
    let mut sending = fields.clone();
    sending.push(("send_code", "1".to_owned()));
    let sent = post(&stack, &register, &cookie, &sending).await;
    assert_eq!(sent.status, 200, "{}", sent.text());
    let html = sent.text();
    assert!(html.contains("a code has been sent"), "{html}");
    assert!(html.contains(&format!("value=\"{document}\"")) && html.contains("value=\"大文\""));
    assert!(!html.contains(PASSWORD));
    let code = stack
        .identity_events::<laissez_proto::events::v1::SmsCodeRequested>()
        .await
        .into_iter()
        .rev()
        .find(|event| event.mobile.ends_with(&mobile))
        .expect("an SMS code was sent")
        .code;

    // Missing the code, a consent and the second password: per field.
    let mut wrong = fields.clone();
    wrong[9].1 = "Different-99x".to_owned();
    let refused = post(&stack, &register, &cookie, &wrong).await;
    assert_eq!(refused.status, 422, "{}", refused.text());
    let summary = error_summary(&refused.text()).expect("an error summary");
    for field in ["sms_code", "user_agreement", "password_confirmation"] {
        assert!(
            summary.contains(&format!("href=\"#{field}\"")),
            "{field}: {summary}"
        );
    }

    fields.push(("sms_code", code));
    fields.push(("user_agreement", "true".to_owned()));
    fields.push(("privacy_policy", "true".to_owned()));
    let done = post(&stack, &register, &cookie, &fields).await;
    assert_eq!(done.status, 200, "{}", done.text());
    assert!(done.text().contains("please sign in"), "{}", done.text());
    stack.login(FJ, FJ_PORTAL, &document, PASSWORD, false).await;
    stack.stop().await;
}

#[tokio::test]
async fn a_taiwan_student_registers_and_activates_from_the_emailed_link() {
    let stack = Stack::start(Services::INTAKE).await;
    let base = format!("/portal/{TW}/{TW_PORTAL}/");
    let register = format!("{base}register?lang=en");
    let id_number = mainland_id(555);
    let record: BTreeMap<String, String> = [
        ("mainland_id_number", id_number.as_str()),
        ("chinese_name", "張三豐"),
        ("date_of_birth", "1990-01-01"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let mut connection = stack.identity.pool().acquire().await.unwrap();
    laissez_identity::store::person_records::upsert(
        &mut connection,
        TW,
        TW_PORTAL,
        &id_number,
        &record,
    )
    .await
    .unwrap();
    drop(connection);

    let (cookie, html) = anonymous_page(&stack, &register).await;
    assert!(
        !html.contains("name=\"send_code\""),
        "no SMS on this portal"
    );
    let token = input_value(&html, "csrf_token");
    let mut fields = vec![
        ("csrf_token", token.clone()),
        ("chinese_name", "張三豐".to_owned()),
        ("english_surname", "Zhang".to_owned()),
        ("english_given_name", "Sanfeng".to_owned()),
        ("mainland_id_number", id_number.clone()),
        ("place_of_birth", "guangdong".to_owned()),
        ("date_of_birth", "1990-01-01".to_owned()),
        ("sex", "male".to_owned()),
        ("mainland_travel_permit_number", "T12345678".to_owned()),
        ("phone", "02-22345678".to_owned()),
        ("email", "newstudent@qq.com".to_owned()),
        ("login_name", "newstudent".to_owned()),
        ("password", PASSWORD.to_owned()),
        ("password_confirmation", PASSWORD.to_owned()),
    ];
    let refused = post(&stack, &register, &cookie, &fields).await;
    assert_eq!(refused.status, 422, "{}", refused.text());
    let summary = error_summary(&refused.text()).expect("an error summary");
    assert!(summary.contains("href=\"#email\""), "{summary}");
    fields[10].1 = "newstudent@hotmail.com".to_owned();
    let done = post(&stack, &register, &cookie, &fields).await;
    assert_eq!(done.status, 200, "{}", done.text());
    assert!(done.text().contains("link in the email"), "{}", done.text());

    let event = stack
        .identity_events::<laissez_proto::events::v1::AccountRegistered>()
        .await
        .into_iter()
        .rev()
        .find(|event| event.login_name == "newstudent")
        .expect("a registration event");
    // The emailed link leads to the portal's activation page.
    let link = event.activation_url.split_once("/activate").unwrap().1;
    let redirected = page(&stack, &format!("/activate{link}"), None, None).await;
    assert_eq!(redirected.status, 303);
    let activate = redirected.header("location").unwrap().to_owned();
    assert!(
        activate.starts_with(&format!("{base}activate?token=")),
        "{activate}"
    );
    switcher_stays(&stack, &activate).await;
    let (cookie, html) = anonymous_page(&stack, &activate).await;
    let csrf = input_value(&html, "csrf_token");
    let token = input_value(&html, "token");
    let post_to = format!("{base}activate?lang=en");
    let refused = post(
        &stack,
        &post_to,
        &cookie,
        &[("csrf_token", "nope".to_owned()), ("token", token.clone())],
    )
    .await;
    assert_eq!(refused.status, 403);
    let activated = post(
        &stack,
        &post_to,
        &cookie,
        &[("csrf_token", csrf.clone()), ("token", token.clone())],
    )
    .await;
    assert_eq!(activated.status, 200, "{}", activated.text());
    assert!(activated.text().contains("The account is active"));
    stack
        .login(TW, TW_PORTAL, "newstudent", PASSWORD, true)
        .await;
    let bogus = post(
        &stack,
        &post_to,
        &cookie,
        &[("csrf_token", csrf), ("token", "not-a-token".to_owned())],
    )
    .await;
    assert_eq!(bogus.status, 410, "{}", bogus.text());
    stack.stop().await;
}
