//! Password reset and change, profile maintenance.

use laissez_proto::events::v1::PasswordResetRequested;
use laissez_proto::identity::v1::*;
use tonic::Code;

use crate::helpers::*;

async fn signed_in(app: &mut TestApp, login: &str, sequence: u32) -> String {
    app.student(login, sequence).await;
    let session = app
        .login_student(login, PASSWORD, "10.7.0.1")
        .await
        .unwrap();
    app.exchange(&session.session_token).await.unwrap()
}

#[tokio::test]
async fn reset_link_is_single_use_expiring_and_ends_every_session() {
    let mut app = TestApp::spawn().await;
    let _token = signed_in(&mut app, "chen.student", 30).await;
    let session = app
        .login_student("chen.student", PASSWORD, "10.7.0.2")
        .await
        .unwrap();
    let request = |login: &str, email: &str| RequestPasswordResetRequest {
        agency: NIA.into(),
        portal: STUDENTS.into(),
        login_name: login.into(),
        email: email.into(),
    };
    app.client
        .request_password_reset(request("chen.student", "someone@else.com"))
        .await
        .unwrap();
    assert!(
        app.events::<PasswordResetRequested>().await.is_empty(),
        "a wrong email sends nothing"
    );
    app.client
        .request_password_reset(request("Chen.Student", "tseng@hotmail.com"))
        .await
        .unwrap();
    let sent = app.events::<PasswordResetRequested>().await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].expires_in_minutes, 30);
    assert_eq!(sent[0].purpose, "reset");
    let token = sent[0].reset_url.split("token=").nth(1).unwrap().to_owned();
    let empty_login = app
        .client
        .request_password_reset(request("", ""))
        .await
        .unwrap_err();
    assert_eq!(violations(&empty_login), ["login_name:required"]);

    let reset = |password: &str, again: &str| ResetPasswordRequest {
        token: token.clone(),
        new_password: password.into(),
        new_password_confirmation: again.into(),
    };
    let weak = app
        .client
        .reset_password(reset("short1", "short1"))
        .await
        .unwrap_err();
    assert_eq!(violations(&weak), ["new_password:too_short"]);
    let differ = app
        .client
        .reset_password(reset("N3w-Password-Ok", "N3w-Password-No"))
        .await
        .unwrap_err();
    assert_eq!(
        violations(&differ),
        ["new_password_confirmation:confirmation_differs"]
    );
    app.client
        .reset_password(reset("N3w-Password-Ok", "N3w-Password-Ok"))
        .await
        .unwrap();
    assert_eq!(
        app.client
            .reset_password(reset("N3w-Password-Ok2", "N3w-Password-Ok2"))
            .await
            .unwrap_err()
            .code(),
        Code::FailedPrecondition
    );
    assert!(
        app.exchange(&session.session_token).await.is_err(),
        "sessions end with a reset"
    );
    app.login_student("chen.student", "N3w-Password-Ok", "10.7.0.2")
        .await
        .unwrap();
    assert!(
        app.login_student("chen.student", PASSWORD, "10.7.0.2")
            .await
            .is_err()
    );

    // Expired links are refused.
    app.client
        .request_password_reset(request("chen.student", ""))
        .await
        .unwrap();
    let late = app.events::<PasswordResetRequested>().await.pop().unwrap();
    sqlx::query("UPDATE one_time_tokens SET expires_at = now() - interval '1 second'")
        .execute(app.pool())
        .await
        .unwrap();
    let status = app
        .client
        .reset_password(ResetPasswordRequest {
            token: late.reset_url.split("token=").nth(1).unwrap().into(),
            new_password: "Y3t-Another-One".into(),
            new_password_confirmation: "Y3t-Another-One".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::FailedPrecondition);
    app.stop().await;
}

#[tokio::test]
async fn change_password_checks_the_current_one_and_the_policy() {
    let mut app = TestApp::spawn().await;
    let token = signed_in(&mut app, "chen.student", 31).await;
    let change = |current: &str, new: &str, again: &str| {
        with_token(
            ChangePasswordRequest {
                current_password: current.into(),
                new_password: new.into(),
                new_password_confirmation: again.into(),
            },
            &token,
        )
    };
    let wrong = app
        .client
        .change_password(change("nope", "N3w-Password-Ok", "N3w-Password-Ok"))
        .await
        .unwrap_err();
    assert_eq!(violations(&wrong), ["current_password:wrong"]);
    let common = app
        .client
        .change_password(change(PASSWORD, "password123", "password123"))
        .await
        .unwrap_err();
    assert!(violations(&common).contains(&"new_password:too_common".to_owned()));
    let same = app
        .client
        .change_password(change(PASSWORD, PASSWORD, PASSWORD))
        .await
        .unwrap_err();
    assert_eq!(violations(&same), ["new_password:unchanged"]);
    let similar = app
        .client
        .change_password(change(PASSWORD, "chen.student1", "chen.student1"))
        .await
        .unwrap_err();
    assert!(violations(&similar).contains(&"new_password:similar_to_account".to_owned()));
    app.stop().await;
}

#[tokio::test]
async fn profile_changes_everything_but_account_and_password_and_is_audited() {
    let mut app = TestApp::spawn().await;
    let token = signed_in(&mut app, "chen.student", 32).await;
    let profile = app
        .client
        .get_profile(with_token(GetProfileRequest {}, &token))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(profile.login_name, "chen.student");
    assert_eq!(profile.fields["email"], "tseng@hotmail.com");
    assert!(!profile.fields.contains_key("password"));

    let update = |fields: &[(&str, &str)]| {
        with_token(
            UpdateProfileRequest {
                fields: fields
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .collect(),
                language: 3,
            },
            &token,
        )
    };
    let bad = app
        .client
        .update_profile(update(&[
            ("email", "me@163.com"),
            ("login_name", "other"),
            ("password", "x"),
            ("mainland_id_number", &mainland_id(1)),
            ("chinese_name", ""),
            ("hobby", "x"),
        ]))
        .await
        .unwrap_err();
    let found = violations(&bad);
    for expected in [
        "fields.email:forbidden_domain",
        "fields.login_name:read_only",
        "fields.password:read_only",
        "fields.mainland_id_number:read_only",
        "fields.chinese_name:required",
        "fields.hobby:unknown_field",
    ] {
        assert!(
            found.contains(&expected.to_owned()),
            "{expected} not in {found:?}"
        );
    }
    let bad_language = app
        .client
        .update_profile(with_token(
            UpdateProfileRequest {
                fields: Default::default(),
                language: 99,
            },
            &token,
        ))
        .await
        .unwrap_err();
    assert_eq!(violations(&bad_language), ["language:unknown_language"]);

    let updated = app
        .client
        .update_profile(update(&[
            ("email", "chen@example.com"),
            ("phone", "02-33334444"),
            ("phone_extension", "12"),
        ]))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(updated.fields["email"], "chen@example.com");
    assert_eq!(updated.fields["phone_extension"], "12");
    assert_eq!(updated.language, 3);
    let audited: Vec<String> =
        sqlx::query_scalar("SELECT unnest(fields) FROM audit WHERE action = 'profile_updated'")
            .fetch_all(app.pool())
            .await
            .unwrap();
    assert_eq!(audited, ["email", "phone", "phone_extension", "language"]);
    app.stop().await;
}
