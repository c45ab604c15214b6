//! Sessions and internal tokens: exchange, key rotation, revocation.

use std::time::{Duration, Instant};

use laissez_kit::Role;
use laissez_kit::auth::KeySet;
use laissez_kit::auth::token::MAX_LIFETIME_SECONDS;
use laissez_proto::identity::v1::*;
use tonic::Code;

use crate::helpers::*;

async fn published_keys(app: &mut TestApp) -> KeySet {
    let keys = app
        .client
        .get_signing_keys(GetSigningKeysRequest {})
        .await
        .unwrap()
        .into_inner()
        .keys;
    let set = KeySet::new();
    set.replace(
        keys.into_iter()
            .map(|key| (key.key_id, key.public_key))
            .collect(),
    )
    .unwrap();
    set
}

#[tokio::test]
async fn a_session_is_exchanged_for_a_short_lived_eddsa_token_the_kit_verifies() {
    let mut app = TestApp::spawn().await;
    let account_id = app.student("chen.student", 20).await;
    let session = app
        .login_student("chen.student", PASSWORD, "10.6.0.1")
        .await
        .unwrap();
    let response = app
        .client
        .exchange_session(ExchangeSessionRequest {
            session_token: session.session_token.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    let now = chrono::Utc::now().timestamp();
    let claims = published_keys(&mut app)
        .await
        .verify(&response.internal_token, now, 5)
        .unwrap();
    assert_eq!(claims.sub, account_id);
    assert_eq!(claims.agency, NIA);
    assert_eq!(claims.portal, STUDENTS);
    assert_eq!(claims.roles, vec![Role::Applicant]);
    assert!(claims.exp - claims.iat <= MAX_LIFETIME_SECONDS);
    assert_eq!(response.expires_at.unwrap().seconds, claims.exp);
    let header = response.internal_token.split('.').next().unwrap();
    let header = String::from_utf8(base64_decode(header)).unwrap();
    assert!(header.contains("\"alg\":\"EdDSA\""), "{header}");

    for bad in ["", "nonsense", &"x".repeat(10_000)] {
        let status = app
            .client
            .exchange_session(ExchangeSessionRequest {
                session_token: bad.into(),
            })
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::Unauthenticated);
    }
    app.stop().await;
}

fn base64_decode(text: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .unwrap()
}

#[tokio::test]
async fn rotated_keys_keep_verifying_old_tokens_until_they_expire() {
    let mut app = TestApp::spawn().await;
    app.student("chen.student", 21).await;
    let session = app
        .login_student("chen.student", PASSWORD, "10.6.0.2")
        .await
        .unwrap();
    let old_token = app.exchange(&session.session_token).await.unwrap();
    let old_key = KeySet::key_id_of(&old_token).unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    app.identity.key_ring().rotate().await.unwrap();
    let new_token = app.exchange(&session.session_token).await.unwrap();
    let new_key = KeySet::key_id_of(&new_token).unwrap();
    assert_ne!(old_key, new_key);

    let published = app
        .client
        .get_signing_keys(GetSigningKeysRequest {})
        .await
        .unwrap()
        .into_inner()
        .keys;
    assert_eq!(published.len(), 2);
    let retired = published.iter().find(|key| key.key_id == old_key).unwrap();
    let not_after = retired.not_after.unwrap().seconds;
    let now = chrono::Utc::now().timestamp();
    assert!(
        not_after > now && not_after <= now + 60 + 60 + 5,
        "retired key published until {not_after}"
    );
    assert!(
        published
            .iter()
            .find(|key| key.key_id == new_key)
            .unwrap()
            .not_after
            .is_none()
    );
    let keys = published_keys(&mut app).await;
    keys.verify(&old_token, now, 5).unwrap();
    keys.verify(&new_token, now, 5).unwrap();

    // Once its tokens can no longer live, the old key is withdrawn.
    sqlx::query("UPDATE signing_keys SET created_at = created_at - interval '1 hour'")
        .execute(app.pool())
        .await
        .unwrap();
    app.identity.key_ring().refresh().await.unwrap();
    let published = app
        .client
        .get_signing_keys(GetSigningKeysRequest {})
        .await
        .unwrap()
        .into_inner()
        .keys;
    assert_eq!(
        published
            .iter()
            .map(|key| key.key_id.clone())
            .collect::<Vec<_>>(),
        vec![new_key]
    );
    app.stop().await;
}

#[tokio::test]
async fn sessions_are_listed_revoked_and_ended_within_a_second_of_a_password_change() {
    let mut app = TestApp::spawn().await;
    app.student("chen.student", 22).await;
    let first = app
        .login_student("chen.student", PASSWORD, "10.6.1.1")
        .await
        .unwrap();
    let second = app
        .login_student("chen.student", PASSWORD, "10.6.1.2")
        .await
        .unwrap();
    let third = app
        .login_student("chen.student", PASSWORD, "10.6.1.3")
        .await
        .unwrap();
    let token = app.exchange(&first.session_token).await.unwrap();

    let listed = app
        .client
        .list_sessions(with_token(ListSessionsRequest {}, &token))
        .await
        .unwrap()
        .into_inner()
        .sessions;
    assert_eq!(listed.len(), 3);
    assert_eq!(listed.iter().filter(|s| s.current).count(), 1);
    let third_id = listed
        .iter()
        .find(|s| s.source_ip == "10.6.1.3")
        .unwrap()
        .session_id
        .clone();
    app.client
        .revoke_session(with_token(
            RevokeSessionRequest {
                session_id: third_id.clone(),
            },
            &token,
        ))
        .await
        .unwrap();
    assert_eq!(
        app.exchange(&third.session_token).await.unwrap_err().code(),
        Code::Unauthenticated
    );
    let again = app
        .client
        .revoke_session(with_token(
            RevokeSessionRequest {
                session_id: third_id,
            },
            &token,
        ))
        .await;
    assert_eq!(again.unwrap_err().code(), Code::NotFound);
    let empty = app
        .client
        .revoke_session(with_token(
            RevokeSessionRequest {
                session_id: " ".into(),
            },
            &token,
        ))
        .await;
    assert_eq!(violations(&empty.unwrap_err()), ["session_id:required"]);

    // Password change: every session ends at once.
    let started = Instant::now();
    app.client
        .change_password(with_token(
            ChangePasswordRequest {
                current_password: PASSWORD.into(),
                new_password: "An0ther-Long-One".into(),
                new_password_confirmation: "An0ther-Long-One".into(),
            },
            &token,
        ))
        .await
        .unwrap();
    let mut revoked_after = None;
    while started.elapsed() < Duration::from_secs(2) {
        if app.exchange(&second.session_token).await.is_err() {
            revoked_after = Some(started.elapsed());
            break;
        }
    }
    let revoked_after = revoked_after.expect("the session was revoked");
    assert!(revoked_after < Duration::from_secs(1), "{revoked_after:?}");
    assert_eq!(
        app.exchange(&first.session_token).await.unwrap_err().code(),
        Code::Unauthenticated
    );
    // Even the still-unexpired internal token no longer works on identity.
    let status = app
        .client
        .get_profile(with_token(GetProfileRequest {}, &token))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
    app.login_student("chen.student", "An0ther-Long-One", "10.6.1.1")
        .await
        .unwrap();
    app.stop().await;
}

#[tokio::test]
async fn logout_ends_this_session_or_all_of_them() {
    let mut app = TestApp::spawn().await;
    app.student("chen.student", 23).await;
    let first = app
        .login_student("chen.student", PASSWORD, "10.6.2.1")
        .await
        .unwrap();
    let second = app
        .login_student("chen.student", PASSWORD, "10.6.2.2")
        .await
        .unwrap();
    let token = app.exchange(&first.session_token).await.unwrap();
    app.client
        .logout(with_token(LogoutRequest { everywhere: false }, &token))
        .await
        .unwrap();
    assert!(app.exchange(&first.session_token).await.is_err());
    let token = app.exchange(&second.session_token).await.unwrap();
    let third = app
        .login_student("chen.student", PASSWORD, "10.6.2.3")
        .await
        .unwrap();
    app.client
        .logout(with_token(LogoutRequest { everywhere: true }, &token))
        .await
        .unwrap();
    assert!(app.exchange(&second.session_token).await.is_err());
    assert!(app.exchange(&third.session_token).await.is_err());
    // Without a token, protected calls are refused by the kit.
    let status = app
        .client
        .logout(LogoutRequest { everywhere: true })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
    app.stop().await;
}

#[tokio::test]
async fn sessions_end_after_the_idle_timeout() {
    let mut app = TestApp::spawn_with(|config| config.identity.session_idle_seconds = 1).await;
    app.student("chen.student", 24).await;
    let session = app
        .login_student("chen.student", PASSWORD, "10.6.3.1")
        .await
        .unwrap();
    app.exchange(&session.session_token).await.unwrap();
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(
        app.exchange(&session.session_token)
            .await
            .unwrap_err()
            .code(),
        Code::Unauthenticated
    );
    app.stop().await;
}

#[tokio::test]
async fn sessions_end_at_the_absolute_timeout_however_busy() {
    let mut app = TestApp::spawn_with(|config| config.identity.session_absolute_seconds = 3).await;
    app.student("chen.student", 25).await;
    let session = app
        .login_student("chen.student", PASSWORD, "10.6.4.1")
        .await
        .unwrap();
    // The session was made before this instant, so it ends before +3 s.
    let created = Instant::now();
    while created.elapsed() < Duration::from_millis(1500) {
        app.exchange(&session.session_token).await.unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_millis(3100).saturating_sub(created.elapsed())).await;
    assert!(app.exchange(&session.session_token).await.is_err());
    app.stop().await;
}
