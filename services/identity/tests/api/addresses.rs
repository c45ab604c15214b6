//! The address book (地址管理).

use laissez_proto::identity::v1::*;
use tonic::Code;

use crate::helpers::*;

fn address(recipient: &str, is_default: bool) -> Address {
    Address {
        recipient: recipient.into(),
        phone: "+852 9123 4567".into(),
        address: format!("{recipient}\r\n香港灣仔港灣道 1 號"),
        is_default,
        ..Address::default()
    }
}

async fn signed_in(app: &mut TestApp, login: &str, sequence: u32, ip: &str) -> String {
    app.student(login, sequence).await;
    let session = app.login_student(login, PASSWORD, ip).await.unwrap();
    app.exchange(&session.session_token).await.unwrap()
}

async fn list(app: &mut TestApp, token: &str) -> Vec<Address> {
    app.client
        .list_addresses(with_token(ListAddressesRequest {}, token))
        .await
        .unwrap()
        .into_inner()
        .addresses
}

async fn create(
    app: &mut TestApp,
    token: &str,
    address: Address,
) -> Result<Address, tonic::Status> {
    app.client
        .create_address(with_token(
            CreateAddressRequest {
                address: Some(address),
            },
            token,
        ))
        .await
        .map(tonic::Response::into_inner)
}

#[tokio::test]
async fn addresses_are_saved_listed_defaulted_changed_and_removed() {
    let mut app = TestApp::spawn().await;
    let token = signed_in(&mut app, "chen.addresses", 50, "10.9.0.1").await;

    let home = create(&mut app, &token, address("陳大文", false))
        .await
        .unwrap();
    assert!(home.is_default, "the first address is the default");
    assert_eq!(home.address, "陳大文\n香港灣仔港灣道 1 號");
    assert_eq!(home.phone, "+85291234567");
    let office = create(&mut app, &token, address("陳小文", false))
        .await
        .unwrap();
    assert!(!office.is_default);
    let names: Vec<(String, bool)> = list(&mut app, &token)
        .await
        .into_iter()
        .map(|a| (a.recipient, a.is_default))
        .collect();
    assert_eq!(names, [("陳大文".into(), true), ("陳小文".into(), false)]);

    // Making the second the default moves the default there.
    let mut changed = office.clone();
    changed.is_default = true;
    changed.address = "香港中環".into();
    let changed = app
        .client
        .update_address(with_token(
            UpdateAddressRequest {
                address: Some(changed),
            },
            &token,
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(changed.is_default);
    assert_eq!(changed.address, "香港中環");
    let listed = list(&mut app, &token).await;
    assert_eq!(listed[0].address_id, office.address_id);
    assert_eq!(listed.iter().filter(|a| a.is_default).count(), 1);

    // Removing the default makes the remaining one the default.
    app.client
        .delete_address(with_token(
            DeleteAddressRequest {
                address_id: office.address_id.clone(),
            },
            &token,
        ))
        .await
        .unwrap();
    let listed = list(&mut app, &token).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].address_id, home.address_id);
    assert!(listed[0].is_default);

    // Every change is audited, by field name only.
    let actions: Vec<String> =
        sqlx::query_scalar("SELECT action FROM audit WHERE action LIKE 'address_%' ORDER BY id")
            .fetch_all(app.pool())
            .await
            .unwrap();
    assert_eq!(
        actions,
        [
            "address_added",
            "address_added",
            "address_updated",
            "address_removed"
        ]
    );
    app.stop().await;
}

#[tokio::test]
async fn bad_addresses_are_refused_field_by_field_and_change_nothing() {
    let mut app = TestApp::spawn().await;
    let token = signed_in(&mut app, "chen.bad.addresses", 51, "10.9.0.2").await;

    let refused = create(
        &mut app,
        &token,
        Address {
            recipient: "\u{0}".into(),
            phone: "<script>".into(),
            address: "路".repeat(161),
            ..Address::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(
        violations(&refused),
        [
            "address.recipient:invalid_character",
            "address.phone:bad_format",
            "address.address:too_long",
        ]
    );
    let missing = app
        .client
        .create_address(with_token(CreateAddressRequest { address: None }, &token))
        .await
        .unwrap_err();
    assert_eq!(violations(&missing), ["address:required"]);
    let not_an_id = app
        .client
        .update_address(with_token(
            UpdateAddressRequest {
                address: Some(Address {
                    address_id: "../1".into(),
                    ..address("陳大文", false)
                }),
            },
            &token,
        ))
        .await
        .unwrap_err();
    assert_eq!(violations(&not_an_id), ["address.address_id:bad_id"]);
    assert!(list(&mut app, &token).await.is_empty());

    // An account keeps at most 20 addresses.
    for n in 0..20 {
        create(&mut app, &token, address(&format!("收件人{n}"), false))
            .await
            .unwrap();
    }
    let over = create(&mut app, &token, address("收件人20", false))
        .await
        .unwrap_err();
    assert_eq!(over.code(), Code::FailedPrecondition);
    assert_eq!(list(&mut app, &token).await.len(), 20);
    app.stop().await;
}

#[tokio::test]
async fn another_account_cannot_see_change_or_remove_an_address() {
    let mut app = TestApp::spawn().await;
    let owner = signed_in(&mut app, "chen.owner", 52, "10.9.0.3").await;
    let stranger = signed_in(&mut app, "lin.stranger", 53, "10.9.0.4").await;
    let saved = create(&mut app, &owner, address("陳大文", false))
        .await
        .unwrap();

    assert!(list(&mut app, &stranger).await.is_empty());
    let update = app
        .client
        .update_address(with_token(
            UpdateAddressRequest {
                address: Some(Address {
                    address_id: saved.address_id.clone(),
                    ..address("Mallory", true)
                }),
            },
            &stranger,
        ))
        .await
        .unwrap_err();
    assert_eq!(update.code(), Code::NotFound);
    let delete = app
        .client
        .delete_address(with_token(
            DeleteAddressRequest {
                address_id: saved.address_id.clone(),
            },
            &stranger,
        ))
        .await
        .unwrap_err();
    assert_eq!(delete.code(), Code::NotFound);
    let unchanged = list(&mut app, &owner).await;
    assert_eq!(unchanged.len(), 1);
    assert_eq!(unchanged[0].recipient, "陳大文");
    assert!(unchanged[0].is_default);
    app.stop().await;
}

#[tokio::test]
async fn addresses_saved_at_once_leave_exactly_one_default() {
    let mut app = TestApp::spawn().await;
    let token = signed_in(&mut app, "chen.racing", 54, "10.9.0.5").await;
    let mut saves = tokio::task::JoinSet::new();
    for n in 0..12 {
        let mut client = app.client.clone();
        let token = token.clone();
        saves.spawn(async move {
            client
                .create_address(with_token(
                    CreateAddressRequest {
                        address: Some(address(&format!("收件人{n}"), n % 3 == 0)),
                    },
                    &token,
                ))
                .await
        });
    }
    while let Some(answer) = saves.join_next().await {
        answer.unwrap().unwrap();
    }
    let listed = list(&mut app, &token).await;
    assert_eq!(listed.len(), 12);
    assert_eq!(listed.iter().filter(|a| a.is_default).count(), 1);
    app.stop().await;
}
