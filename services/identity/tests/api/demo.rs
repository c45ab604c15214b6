//! The demo people of `deploy/demo/`: every staff member signs in with the
//! file's password and the authenticator code of its secret, every demo
//! applicant with the password, the demo student's person record lets a
//! second student register, and loading twice changes nothing. Production
//! configuration refuses the setting.

use std::path::PathBuf;

use laissez_catalog::demo::load_dir;
use laissez_kit::config::Environment;
use laissez_proto::identity::v1::*;

use crate::helpers::*;

fn demo_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../deploy/demo")
}

fn totp(secret: &str) -> String {
    let secret = laissez_identity::totp::from_base32(secret).expect("base32");
    let step = chrono::Utc::now().timestamp().div_euclid(30);
    laissez_identity::totp::code_at_step(&secret, step, 6)
}

async fn sign_in(
    app: &mut TestApp,
    agency: &str,
    portal: &str,
    login: &str,
    password: &str,
    totp_code: &str,
) -> Result<String, tonic::Status> {
    let (pre_session, captcha_id, captcha_answer) = app.captcha(agency, portal, "").await;
    app.client
        .login(LoginRequest {
            agency: agency.into(),
            portal: portal.into(),
            login_name: login.into(),
            password: password.into(),
            pre_session,
            captcha_id,
            captcha_answer,
            source_ip: "10.30.0.1".into(),
            totp_code: totp_code.into(),
            user_agent: "test".into(),
        })
        .await
        .map(|answer| answer.into_inner().session_token)
}

#[tokio::test]
async fn every_demo_account_signs_in_and_loading_again_changes_nothing() {
    let mut app = TestApp::spawn_with(|config| config.demo.dir = Some(demo_dir())).await;
    let demo = load_dir(&demo_dir()).expect("demo files");
    let accounts: i64 = sqlx::query_scalar("SELECT count(*) FROM accounts")
        .fetch_one(app.pool())
        .await
        .unwrap();
    let expected: usize = demo
        .iter()
        .map(|(_, agency)| agency.staff.len() + agency.applicants.len())
        .sum();
    assert_eq!(accounts as usize, expected);

    for (_, agency) in &demo {
        for staff in &agency.staff {
            let session = sign_in(
                &mut app,
                &agency.agency,
                "staff",
                &staff.login_name,
                &agency.password,
                &totp(&staff.totp_secret),
            )
            .await
            .unwrap_or_else(|error| panic!("{} {}: {error}", agency.agency, staff.login_name));
            // Enrolled: the session has its second factor and exchanges.
            app.exchange(&session)
                .await
                .unwrap_or_else(|error| panic!("{}: {error}", staff.login_name));
        }
        for applicant in &agency.applicants {
            let session = sign_in(
                &mut app,
                &agency.agency,
                &applicant.portal,
                &applicant.login_name,
                &agency.password,
                "",
            )
            .await
            .unwrap_or_else(|error| panic!("{} {}: {error}", agency.agency, applicant.login_name));
            let token = app.exchange(&session).await.unwrap();
            let profile = app
                .client
                .get_profile(with_token(GetProfileRequest {}, &token))
                .await
                .unwrap()
                .into_inner();
            assert_ne!(
                profile.language, 0,
                "{} has a language",
                applicant.login_name
            );
        }
    }

    // The second student in the agency's records registers as anyone would.
    let mut fields = student_fields("350102199803120030");
    fields.insert("chinese_name".into(), "李小華".into());
    fields.insert("date_of_birth".into(), "1998-03-12".into());
    let mut registration = student_registration("li.xiaohua", "350102199803120030");
    registration.fields = fields;
    app.client.register(registration).await.expect("registers");

    // Loading again creates nothing and keeps every account as it is.
    for (_, agency) in &demo {
        let loaded = app.identity.load_demo(agency).await.expect("loads again");
        assert_eq!(
            (loaded.staff, loaded.applicants),
            (0, 0),
            "{}",
            agency.agency
        );
    }
    app.stop().await;
}

#[test]
fn production_refuses_demo_people() {
    let mut config = test_config("postgres://unused");
    config.demo.dir = Some(demo_dir());
    config.common.environment = Environment::Production;
    let refused = config.validate().unwrap_err().to_string();
    assert!(refused.contains("demo.dir"), "{refused}");
}
