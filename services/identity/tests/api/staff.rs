//! Staff: bootstrap operator, invitations, TOTP, roles, cross-agency limits,
//! disabling accounts, importing person records.

use std::time::{Duration, Instant};

use laissez_identity::config::BootstrapOperator;
use laissez_kit::Role;
use laissez_kit::auth::KeySet;
use laissez_kit::config::Secret;
use laissez_proto::events::v1::{PasswordResetRequested, StaffRoleChanged};
use laissez_proto::identity::v1::*;
use tonic::Code;

use crate::helpers::*;

const OPERATOR_PASSWORD: &str = "Operator-Pass-123";
const STAFF_PASSWORD: &str = "Staff-Passw0rd-9";

fn totp_now(secret: &[u8], offset: i64) -> String {
    let step = chrono::Utc::now().timestamp().div_euclid(30) + offset;
    laissez_identity::totp::code_at_step(secret, step, 6)
}

async fn secret_of(app: &TestApp, agency: &str, login: &str) -> Vec<u8> {
    sqlx::query_scalar("SELECT totp_secret FROM accounts WHERE agency = $1 AND login_name = $2")
        .bind(agency)
        .bind(login)
        .fetch_one(app.pool())
        .await
        .unwrap()
}

async fn staff_login(
    app: &mut TestApp,
    agency: &str,
    login: &str,
    password: &str,
    totp: &str,
) -> Result<String, tonic::Status> {
    let (pre_session, captcha_id, captcha_answer) = app.captcha(agency, "staff", "").await;
    app.client
        .login(LoginRequest {
            agency: agency.into(),
            portal: "staff".into(),
            login_name: login.into(),
            password: password.into(),
            pre_session,
            captcha_id,
            captcha_answer,
            source_ip: "10.20.0.1".into(),
            totp_code: totp.into(),
            user_agent: "test".into(),
        })
        .await
        .map(|response| response.into_inner().session_token)
}

/// Signs in a staff member without TOTP yet, enrols, and returns a token.
async fn enrol(app: &mut TestApp, agency: &str, login: &str, password: &str) -> String {
    let session = staff_login(app, agency, login, password, "").await.unwrap();
    let refused = app.exchange(&session).await.unwrap_err();
    assert_eq!(refused.code(), Code::FailedPrecondition);
    let begun = app
        .client
        .begin_totp_enrolment(BeginTotpEnrolmentRequest {
            session_token: session.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(
        begun.otpauth_url.starts_with("otpauth://totp/Laissez:"),
        "{}",
        begun.otpauth_url
    );
    assert_eq!(begun.secret.len(), 32);
    let secret = secret_of(app, agency, login).await;
    let wrong = app
        .client
        .confirm_totp_enrolment(ConfirmTotpEnrolmentRequest {
            session_token: session.clone(),
            code: "000000x".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(violations(&wrong), ["code:wrong"]);
    app.client
        .confirm_totp_enrolment(ConfirmTotpEnrolmentRequest {
            session_token: session.clone(),
            code: totp_now(&secret, 0),
        })
        .await
        .unwrap();
    app.exchange(&session).await.unwrap()
}

/// Creates a staff account through the API and sets its first password.
async fn invite(
    app: &mut TestApp,
    token: &str,
    agency: &str,
    login: &str,
    roles: &[&str],
) -> String {
    let created = app
        .client
        .create_staff_account(with_token(
            CreateStaffAccountRequest {
                agency: agency.into(),
                login_name: login.into(),
                email: format!("{login}@agency.example"),
                display_name: login.into(),
                roles: roles.iter().map(|r| (*r).to_owned()).collect(),
            },
            token,
        ))
        .await
        .unwrap()
        .into_inner();
    let invitation = app
        .events::<PasswordResetRequested>()
        .await
        .into_iter()
        .rev()
        .find(|e| e.account_id == created.account_id)
        .unwrap();
    assert_eq!(invitation.purpose, "staff_invitation");
    let link = invitation
        .reset_url
        .split("token=")
        .nth(1)
        .unwrap()
        .to_owned();
    app.client
        .reset_password(ResetPasswordRequest {
            token: link,
            new_password: STAFF_PASSWORD.into(),
            new_password_confirmation: STAFF_PASSWORD.into(),
        })
        .await
        .unwrap();
    created.account_id
}

async fn claims(app: &mut TestApp, token: &str) -> laissez_kit::auth::Claims {
    let keys = app
        .client
        .get_signing_keys(GetSigningKeysRequest {})
        .await
        .unwrap()
        .into_inner()
        .keys;
    let set = KeySet::new();
    set.replace(keys.into_iter().map(|k| (k.key_id, k.public_key)).collect())
        .unwrap();
    set.verify(token, chrono::Utc::now().timestamp(), 5)
        .unwrap()
}

#[tokio::test]
async fn staff_need_totp_roles_apply_at_once_and_agencies_stay_apart() {
    let mut app = TestApp::spawn_with(|config| {
        config.identity.bootstrap_operator = Some(BootstrapOperator {
            login_name: "operator".into(),
            email: "ops@laissez.example".into(),
            password: Secret::new(OPERATOR_PASSWORD),
        });
    })
    .await;
    let operator = enrol(&mut app, "platform", "operator", OPERATOR_PASSWORD).await;
    let operator_claims = claims(&mut app, &operator).await;
    assert_eq!(operator_claims.roles, vec![Role::PlatformOperator]);
    assert_eq!(operator_claims.agency, "");

    // The operator appoints each agency's administrator.
    let bad = app
        .client
        .create_staff_account(with_token(
            CreateStaffAccountRequest {
                agency: NIA.into(),
                login_name: "x".into(),
                email: "nope".into(),
                display_name: String::new(),
                roles: vec!["platform_operator".into(), "wizard".into()],
            },
            &operator,
        ))
        .await
        .unwrap_err();
    let found = violations(&bad);
    for expected in [
        "login_name:too_short",
        "email:bad_format",
        "display_name:required",
        "roles[0]:not_grantable",
        "roles[1]:unknown_role",
    ] {
        assert!(
            found.contains(&expected.to_owned()),
            "{expected} not in {found:?}"
        );
    }
    invite(&mut app, &operator, NIA, "nia.admin", &["agency_admin"]).await;
    let fj_reviewer = invite(&mut app, &operator, FUJIAN, "fj.reviewer", &["reviewer"]).await;
    let admin = enrol(&mut app, NIA, "nia.admin", STAFF_PASSWORD).await;

    // The administrator invites a reviewer of their own agency only.
    let reviewer_id = invite(&mut app, &admin, "", "nia.reviewer", &["reviewer"]).await;
    let elsewhere = app
        .client
        .create_staff_account(with_token(
            CreateStaffAccountRequest {
                agency: FUJIAN.into(),
                login_name: "sneaky".into(),
                email: "s@x.example".into(),
                display_name: "s".into(),
                roles: vec!["reviewer".into()],
            },
            &admin,
        ))
        .await
        .unwrap_err();
    assert_eq!(elsewhere.code(), Code::PermissionDenied);
    let other_agency = app
        .client
        .set_staff_roles(with_token(
            SetStaffRolesRequest {
                account_id: fj_reviewer.clone(),
                roles: vec!["agency_admin".into()],
            },
            &admin,
        ))
        .await
        .unwrap_err();
    assert_eq!(other_agency.code(), Code::NotFound);

    let reviewer = enrol(&mut app, NIA, "nia.reviewer", STAFF_PASSWORD).await;
    assert_eq!(
        claims(&mut app, &reviewer).await.roles,
        vec![Role::Reviewer]
    );
    assert_eq!(claims(&mut app, &reviewer).await.agency, NIA);

    // A reviewer is no administrator.
    let status = app
        .client
        .set_staff_roles(with_token(
            SetStaffRolesRequest {
                account_id: reviewer_id.clone(),
                roles: vec!["agency_admin".into()],
            },
            &reviewer,
        ))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);
    let own = app
        .client
        .set_staff_roles(with_token(
            SetStaffRolesRequest {
                account_id: reviewer_id.clone(),
                roles: vec![],
            },
            &reviewer,
        ))
        .await
        .unwrap_err();
    assert_eq!(own.code(), Code::PermissionDenied);

    // Promotion: the next exchange carries the new role.
    app.client
        .set_staff_roles(with_token(
            SetStaffRolesRequest {
                account_id: reviewer_id.clone(),
                roles: vec!["senior_reviewer".into()],
            },
            &admin,
        ))
        .await
        .unwrap();
    let changed = app.events::<StaffRoleChanged>().await.pop().unwrap();
    assert_eq!(changed.roles, vec!["senior_reviewer".to_owned()]);

    // TOTP is required from now on, and a code works once.
    let secret = secret_of(&app, NIA, "nia.reviewer").await;
    let without = staff_login(&mut app, NIA, "nia.reviewer", STAFF_PASSWORD, "")
        .await
        .unwrap_err();
    assert_eq!(without.code(), Code::Unauthenticated);
    assert_eq!(without.message(), "account or password is wrong");
    let code = totp_now(&secret, 1);
    let session = staff_login(&mut app, NIA, "nia.reviewer", STAFF_PASSWORD, &code)
        .await
        .unwrap();
    let replay = staff_login(&mut app, NIA, "nia.reviewer", STAFF_PASSWORD, &code)
        .await
        .unwrap_err();
    assert_eq!(replay.code(), Code::Unauthenticated);
    let promoted = app.exchange(&session).await.unwrap();
    assert_eq!(
        claims(&mut app, &promoted).await.roles,
        vec![Role::SeniorReviewer]
    );

    // Staff of one agency cannot sign in on another's staff portal.
    let crossed = staff_login(
        &mut app,
        FUJIAN,
        "nia.reviewer",
        STAFF_PASSWORD,
        &totp_now(&secret, 0),
    )
    .await
    .unwrap_err();
    assert_eq!(crossed.code(), Code::Unauthenticated);

    // Disabling an account ends its sessions within a second.
    app.student("chen.student", 50).await;
    let student_session = app
        .login_student("chen.student", PASSWORD, "10.20.1.1")
        .await
        .unwrap();
    let student_token = app.exchange(&student_session.session_token).await.unwrap();
    let student_id = claims(&mut app, &student_token).await.sub;
    let forbidden = app
        .client
        .disable_account(with_token(
            DisableAccountRequest {
                account_id: reviewer_id.clone(),
            },
            &student_token,
        ))
        .await
        .unwrap_err();
    assert_eq!(forbidden.code(), Code::PermissionDenied);
    let foreign = app
        .client
        .disable_account(with_token(
            DisableAccountRequest {
                account_id: fj_reviewer.clone(),
            },
            &admin,
        ))
        .await
        .unwrap_err();
    assert_eq!(foreign.code(), Code::NotFound);
    let started = Instant::now();
    app.client
        .disable_account(with_token(
            DisableAccountRequest {
                account_id: student_id,
            },
            &admin,
        ))
        .await
        .unwrap();
    while app.exchange(&student_session.session_token).await.is_ok() {
        assert!(started.elapsed() < Duration::from_secs(1));
    }
    assert!(started.elapsed() < Duration::from_secs(1));
    let gone = app
        .login_student("chen.student", PASSWORD, "10.20.1.1")
        .await
        .unwrap_err();
    assert_eq!(gone.message(), "account or password is wrong");
    app.stop().await;
}

#[tokio::test]
async fn administrators_import_person_records_by_grpc_and_csv() {
    let mut app = TestApp::spawn_with(|config| {
        config.identity.bootstrap_operator = Some(BootstrapOperator {
            login_name: "operator".into(),
            email: "ops@laissez.example".into(),
            password: Secret::new(OPERATOR_PASSWORD),
        });
    })
    .await;
    let operator = enrol(&mut app, "platform", "operator", OPERATOR_PASSWORD).await;
    invite(&mut app, &operator, NIA, "nia.admin", &["agency_admin"]).await;
    let admin = enrol(&mut app, NIA, "nia.admin", STAFF_PASSWORD).await;

    let record = |id: &str, name: &str| PersonRecord {
        fields: [("mainland_id_number", id), ("chinese_name", name)]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
    };
    let csv = format!(
        "mainland_id_number,chinese_name,date_of_birth\n{},張三豐,1990-01-01\n{},\"李, 四\",1990/01/01\n",
        mainland_id(61),
        mainland_id(62)
    );
    let imported = app
        .client
        .import_person_records(with_token(
            ImportPersonRecordsRequest {
                portal: STUDENTS.into(),
                records: vec![record(&mainland_id(60), "張三豐")],
                csv: csv.into_bytes(),
            },
            &admin,
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(imported.imported, 3);
    let stored: String = sqlx::query_scalar(
        "SELECT fields ->> 'date_of_birth' FROM person_records WHERE match_key = $1",
    )
    .bind(mainland_id(62))
    .fetch_one(app.pool())
    .await
    .unwrap();
    assert_eq!(stored, "1990-01-01");
    app.client
        .register(student_registration("csv.student", &mainland_id(61)))
        .await
        .unwrap();

    let bad = app
        .client
        .import_person_records(with_token(
            ImportPersonRecordsRequest {
                portal: STUDENTS.into(),
                records: vec![
                    record("110105199001010011", "x"),
                    PersonRecord {
                        fields: [("shoe_size".to_owned(), "9".to_owned())]
                            .into_iter()
                            .collect(),
                    },
                ],
                csv: b"chinese_name\n\"unterminated\n".to_vec(),
            },
            &admin,
        ))
        .await
        .unwrap_err();
    assert_eq!(bad.code(), Code::InvalidArgument);
    let no_records = app
        .client
        .import_person_records(with_token(
            ImportPersonRecordsRequest {
                portal: "staff".into(),
                records: vec![],
                csv: vec![],
            },
            &admin,
        ))
        .await
        .unwrap_err();
    assert_eq!(violations(&no_records), ["portal:no_person_records"]);
    let forbidden = app
        .client
        .import_person_records(with_token(
            ImportPersonRecordsRequest {
                portal: STUDENTS.into(),
                records: vec![],
                csv: vec![],
            },
            &operator,
        ))
        .await
        .unwrap_err();
    assert_eq!(forbidden.code(), Code::PermissionDenied);
    app.stop().await;
}
