//! Registration: per-field errors, person-record matching, email and SMS activation.

use laissez_proto::events::v1::{AccountActivated, AccountRegistered, SmsCodeRequested};
use laissez_proto::identity::v1::*;
use tonic::Code;

use crate::helpers::*;

#[tokio::test]
async fn every_bad_field_is_reported_at_once() {
    let mut app = TestApp::spawn().await;
    let mut request = student_registration("ab", "110105199001010011");
    request.password = "abcdefgh".into();
    request.password_confirmation = "different".into();
    request.fields.insert("email".into(), "chen@qq.cn".into());
    request.fields.insert("sex".into(), "unknown".into());
    request
        .fields
        .insert("date_of_birth".into(), "1990-13-01".into());
    request
        .fields
        .insert("english_surname".into(), "Zh4ng".into());
    request
        .fields
        .insert("mainland_travel_permit_number".into(), "X1".into());
    request.fields.insert("nickname".into(), "x".into());
    request.fields.remove("chinese_name");
    let status = app.client.register(request).await.unwrap_err();
    let found = violations(&status);
    for expected in [
        "login_name:too_short",
        "password:needs_digit",
        "password_confirmation:confirmation_differs",
        "fields.email:forbidden_domain",
        "fields.sex:not_a_choice",
        "fields.date_of_birth:bad_date",
        "fields.english_surname:bad_format",
        "fields.mainland_id_number:bad_checksum",
        "fields.mainland_travel_permit_number:bad_format",
        "fields.nickname:unknown_field",
        "fields.chinese_name:required",
    ] {
        assert!(
            found.contains(&expected.to_owned()),
            "{expected} not in {found:?}"
        );
    }

    let mut common = student_registration("chen.student", &mainland_id(1));
    common.password = "password1".into();
    common.password_confirmation = "password1".into();
    assert!(
        violations(&app.client.register(common).await.unwrap_err())
            .contains(&"password:too_common".to_owned())
    );
    let mut similar = student_registration("chen.student", &mainland_id(1));
    similar.password = "chen.student9".into();
    similar.password_confirmation = "chen.student9".into();
    assert!(
        violations(&app.client.register(similar).await.unwrap_err())
            .contains(&"password:similar_to_account".to_owned())
    );

    let unknown = app
        .client
        .register(RegisterRequest {
            agency: "nowhere".into(),
            portal: "x".into(),
            ..RegisterRequest::default()
        })
        .await
        .unwrap_err();
    assert_eq!(
        violations(&unknown),
        ["agency:unknown_agency", "portal:unknown_portal"]
    );
    let staff = app
        .client
        .register(RegisterRequest {
            agency: NIA.into(),
            portal: "staff".into(),
            ..RegisterRequest::default()
        })
        .await
        .unwrap_err();
    assert_eq!(staff.code(), Code::FailedPrecondition);
    // Nothing was written by any of these.
    assert!(app.events::<AccountRegistered>().await.is_empty());
    app.stop().await;
}

#[tokio::test]
async fn students_must_match_the_agency_records() {
    let mut app = TestApp::spawn().await;
    let status = app
        .client
        .register(student_registration("chen.student", &mainland_id(7)))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::FailedPrecondition);
    assert_eq!(status.message(), "查無此學生資料");

    // A record with another name does not match either.
    app.add_student_record(&mainland_id(7), "李四").await;
    let status = app
        .client
        .register(student_registration("chen.student", &mainland_id(7)))
        .await
        .unwrap_err();
    assert_eq!(status.message(), "查無此學生資料");

    app.add_student_record(&mainland_id(7), "張三豐").await;
    app.client
        .register(student_registration("chen.student", &mainland_id(7)))
        .await
        .unwrap();
    app.stop().await;
}

#[tokio::test]
async fn email_activation_link_is_single_use_and_expires() {
    let mut app = TestApp::spawn().await;
    app.add_student_record(&mainland_id(2), "張三豐").await;
    let answer = app
        .client
        .register(student_registration("Chen.Student", &mainland_id(2)))
        .await
        .unwrap()
        .into_inner();
    assert!(answer.message.contains("activate"));

    let events = app.events::<AccountRegistered>().await;
    assert_eq!(events.len(), 1);
    let event = &events[0];
    assert_eq!(event.login_name, "chen.student");
    assert_eq!(event.email, "tseng@hotmail.com");
    assert_eq!(event.activation_channel, "email");
    assert!(!event.already_registered);
    let token = event
        .activation_url
        .split("token=")
        .nth(1)
        .unwrap()
        .to_owned();
    assert_eq!(token.len(), 43);

    // Not active yet: the right password says so, a wrong one does not.
    let pending = app
        .login_student("chen.student", PASSWORD, "10.0.0.1")
        .await
        .unwrap_err();
    assert_eq!(pending.code(), Code::FailedPrecondition);

    // A token for another portal is refused (and stays usable).
    let wrong_portal = app
        .client
        .activate(ActivateRequest {
            agency: NIA.into(),
            portal: HKMO_STUDENTS.into(),
            token: token.clone(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(wrong_portal.code(), Code::FailedPrecondition);
    let activate = ActivateRequest {
        agency: NIA.into(),
        portal: STUDENTS.into(),
        token: token.clone(),
        ..Default::default()
    };
    app.client.activate(activate.clone()).await.unwrap();
    assert_eq!(
        app.client.activate(activate).await.unwrap_err().code(),
        Code::FailedPrecondition
    );
    assert_eq!(app.events::<AccountActivated>().await.len(), 1);
    app.login_student("chen.student", PASSWORD, "10.0.0.1")
        .await
        .unwrap();

    // An expired token is refused.
    app.add_student_record(&mainland_id(3), "張三豐").await;
    app.client
        .register(student_registration("lin.student", &mainland_id(3)))
        .await
        .unwrap();
    let late = app.events::<AccountRegistered>().await.pop().unwrap();
    sqlx::query("UPDATE one_time_tokens SET expires_at = now() - interval '1 second'")
        .execute(app.pool())
        .await
        .unwrap();
    let late_token = late
        .activation_url
        .split("token=")
        .nth(1)
        .unwrap()
        .to_owned();
    let expired = app
        .client
        .activate(ActivateRequest {
            agency: NIA.into(),
            portal: STUDENTS.into(),
            token: late_token,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(expired.code(), Code::FailedPrecondition);
    let garbage = app
        .client
        .activate(ActivateRequest {
            agency: NIA.into(),
            portal: STUDENTS.into(),
            token: "x".repeat(500),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(garbage.code(), Code::FailedPrecondition);
    let empty = app
        .client
        .activate(ActivateRequest {
            agency: NIA.into(),
            portal: STUDENTS.into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(violations(&empty), ["token:required"]);
    app.stop().await;
}

#[tokio::test]
async fn registering_a_taken_name_answers_the_same_and_tells_the_owner() {
    let mut app = TestApp::spawn().await;
    app.student("chen.student", 4).await;
    app.add_student_record(&mainland_id(5), "張三豐").await;
    let first = app
        .client
        .register(student_registration("other.student", &mainland_id(5)))
        .await
        .unwrap()
        .into_inner();
    app.add_student_record(&mainland_id(6), "張三豐").await;
    let again = app
        .client
        .register(student_registration("chen.student", &mainland_id(6)))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        prost::Message::encode_to_vec(&first),
        prost::Message::encode_to_vec(&again)
    );
    let events = app.events::<AccountRegistered>().await;
    let notice = events.last().unwrap();
    assert!(notice.already_registered);
    assert_eq!(notice.login_name, "chen.student");
    assert!(notice.activation_url.is_empty());
    app.stop().await;
}

fn fujian_registration(document: &str, mobile: &str, code: &str) -> RegisterRequest {
    let fields = [
        ("document_type", "tw_id_card"),
        ("document_number", document),
        ("chinese_surname", "陳"),
        ("chinese_given_name", "大文"),
        ("validity_period", "2030-01-01"),
        ("household_place", "kinmen"),
        ("mobile", mobile),
        ("sms_code", code),
        ("user_agreement", "true"),
        ("privacy_policy", "true"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    RegisterRequest {
        agency: FUJIAN.into(),
        portal: FUJIAN_APP.into(),
        login_name: document.into(),
        password: PASSWORD.into(),
        password_confirmation: PASSWORD.into(),
        fields,
        language: 2,
    }
}

#[tokio::test]
async fn fujian_registers_with_an_sms_code_on_a_mainland_mobile() {
    let mut app = TestApp::spawn().await;
    let sms = |mobile: &str| RequestSmsCodeRequest {
        agency: FUJIAN.into(),
        portal: FUJIAN_APP.into(),
        mobile: mobile.into(),
        purpose: "registration".into(),
        source_ip: "10.1.1.1".into(),
        language: 2,
    };
    let wrong_region = app
        .client
        .request_sms_code(sms("+852 91234567"))
        .await
        .unwrap_err();
    assert_eq!(violations(&wrong_region), ["mobile:wrong_region"]);
    let bad_purpose = app
        .client
        .request_sms_code(RequestSmsCodeRequest {
            purpose: "x".into(),
            ..sms("13812345678")
        })
        .await;
    assert_eq!(
        violations(&bad_purpose.unwrap_err()),
        ["purpose:unknown_purpose"]
    );
    let no_sms = app
        .client
        .request_sms_code(RequestSmsCodeRequest {
            agency: NIA.into(),
            portal: STUDENTS.into(),
            ..sms("13812345678")
        })
        .await
        .unwrap_err();
    assert_eq!(no_sms.code(), Code::FailedPrecondition);

    app.client
        .request_sms_code(sms("13812345678"))
        .await
        .unwrap();
    // A resend within the minute sends nothing (and answers the same).
    app.client
        .request_sms_code(sms("+86 138 1234 5678"))
        .await
        .unwrap();
    let codes = app.events::<SmsCodeRequested>().await;
    assert_eq!(codes.len(), 1);
    assert_eq!(codes[0].mobile, "+8613812345678");
    let code = codes[0].code.clone();
    assert_eq!(code.len(), 6);

    let document = taiwan_id(1234);
    // Wrong codes, then the limit: the code dies after five tries.
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let status = app
        .client
        .register(fujian_registration(&document, "13812345678", wrong))
        .await
        .unwrap_err();
    assert_eq!(violations(&status), ["fields.sms_code:wrong_or_expired"]);

    let mut missing_consent = fujian_registration(&document, "13812345678", &code);
    missing_consent.fields.remove("privacy_policy");
    missing_consent
        .fields
        .insert("mobile".into(), "+85291234567".into());
    let found = violations(&app.client.register(missing_consent).await.unwrap_err());
    assert!(
        found.contains(&"fields.privacy_policy:consent_required".to_owned()),
        "{found:?}"
    );
    assert!(
        found.contains(&"fields.mobile:wrong_region".to_owned()),
        "{found:?}"
    );

    app.client
        .register(fujian_registration(&document, "13812345678", &code))
        .await
        .unwrap();
    assert_eq!(app.events::<AccountActivated>().await.len(), 1);
    // Login with the document number, lower case or not; no captcha on this portal.
    app.client
        .login(LoginRequest {
            agency: FUJIAN.into(),
            portal: FUJIAN_APP.into(),
            login_name: document.to_lowercase(),
            password: PASSWORD.into(),
            source_ip: "10.1.1.1".into(),
            ..LoginRequest::default()
        })
        .await
        .unwrap();
    // The code worked once.
    let reused = app
        .client
        .register(fujian_registration(&taiwan_id(99), "13812345678", &code))
        .await
        .unwrap_err();
    assert_eq!(violations(&reused), ["fields.sms_code:wrong_or_expired"]);
    app.stop().await;
}

#[tokio::test]
async fn sms_codes_die_after_five_wrong_tries() {
    let mut app = TestApp::spawn().await;
    app.client
        .request_sms_code(RequestSmsCodeRequest {
            agency: FUJIAN.into(),
            portal: FUJIAN_APP.into(),
            mobile: "13900000000".into(),
            purpose: "registration".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let code = app.events::<SmsCodeRequested>().await[0].code.clone();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..5 {
        app.client
            .register(fujian_registration(&taiwan_id(5), "13900000000", wrong))
            .await
            .unwrap_err();
    }
    let status = app
        .client
        .register(fujian_registration(&taiwan_id(5), "13900000000", &code))
        .await
        .unwrap_err();
    assert_eq!(violations(&status), ["fields.sms_code:wrong_or_expired"]);
    app.stop().await;
}

fn consular_registration(login_id: &str, document: &str) -> RegisterRequest {
    RegisterRequest {
        agency: "mo-csm".into(),
        portal: "consular-app".into(),
        login_name: login_id.into(),
        password: PASSWORD.into(),
        password_confirmation: PASSWORD.into(),
        fields: [("login_id", login_id), ("real_name_document", document)]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
        language: 2,
    }
}

/// The consular app's login is "an email address or a mainland mobile
/// number" on a portal that activates by SMS: a mobile gets the code, an
/// address gets the link, and either account can then sign in.
#[tokio::test]
async fn a_login_that_is_a_mobile_or_an_address_is_where_the_activation_goes() {
    let mut app = TestApp::spawn().await;
    app.client
        .register(consular_registration("13912345678", &mainland_id(21)))
        .await
        .unwrap();
    let code = app
        .events::<SmsCodeRequested>()
        .await
        .into_iter()
        .find(|event| event.mobile.ends_with("13912345678"))
        .expect("a code to the mobile that is the login");
    app.client
        .activate(ActivateRequest {
            agency: "mo-csm".into(),
            portal: "consular-app".into(),
            login_name: "13912345678".into(),
            sms_code: code.code,
            ..Default::default()
        })
        .await
        .unwrap();

    app.client
        .register(consular_registration(
            "li.parent@example.cn",
            &mainland_id(22),
        ))
        .await
        .unwrap();
    let registered = app.events::<AccountRegistered>().await;
    let by_mail = registered
        .iter()
        .find(|event| event.login_name == "li.parent@example.cn")
        .expect("a registration event");
    assert_eq!(by_mail.activation_channel, "email");
    assert_eq!(by_mail.email, "li.parent@example.cn");
    let token = by_mail
        .activation_url
        .split("token=")
        .nth(1)
        .expect("a link")
        .to_owned();
    app.client
        .activate(ActivateRequest {
            agency: "mo-csm".into(),
            portal: "consular-app".into(),
            token,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(app.events::<AccountActivated>().await.len(), 2);
    app.stop().await;
}
