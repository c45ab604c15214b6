//! Every mapped event fills every variable its templates may use, so a
//! catalog that loads can always be rendered.

use laissez_catalog::templates::variables_of;
use laissez_kit::db::{self, TestDatabase};
use laissez_notify::catalogs::AgencyCatalogs;
use laissez_notify::config::{EmailConfig, LinksConfig};
use laissez_notify::events::mapping::{MappingContext, NOTIFIED_EVENTS, map_event};
use laissez_proto::events::v1::{
    AccountActivated, AccountRegistered, AppointmentBooked, AppointmentCancelled,
    AppointmentReminder, CaseDecided, CaseProgressed, CaseResubmitted, CaseSubmitted,
    CaseWithdrawn, OrderCreated, OrderExpired, OrderPaid, OrderRefunded, PasswordResetRequested,
    SlipExpiring, SmsCodeRequested,
};

use crate::support::{AGENCY, agencies_dir, envelope};

#[tokio::test]
async fn every_mapped_event_fills_every_template_variable() {
    let database = TestDatabase::create("laissez_notify_mapping")
        .await
        .expect("database");
    db::migrate(&database.pool, "notify", &laissez_notify::store::MIGRATOR)
        .await
        .expect("migrate");
    let catalogs =
        AgencyCatalogs::load(&agencies_dir(), &EmailConfig::default()).expect("catalogs");
    let agency = catalogs.agency(AGENCY).expect("agency");
    let links = LinksConfig::default();
    let context = MappingContext {
        agency,
        links: &links,
    };

    let envelopes = vec![
        envelope(
            AGENCY,
            "a",
            &AccountRegistered {
                account_id: "a".into(),
                email: "a@example.org".into(),
                ..Default::default()
            },
        ),
        envelope(
            AGENCY,
            "a",
            &AccountActivated {
                account_id: "a".into(),
                ..Default::default()
            },
        ),
        envelope(
            AGENCY,
            "a",
            &PasswordResetRequested {
                account_id: "a".into(),
                ..Default::default()
            },
        ),
        envelope(AGENCY, "a", &SmsCodeRequested::default()),
        envelope(
            AGENCY,
            "c",
            &CaseSubmitted {
                case_id: "c".into(),
                ..Default::default()
            },
        ),
        envelope(AGENCY, "c", &CaseResubmitted::default()),
        envelope(AGENCY, "c", &CaseWithdrawn::default()),
        envelope(
            AGENCY,
            "c",
            &AppointmentBooked {
                centre: "consular-hall".into(),
                ..Default::default()
            },
        ),
        envelope(AGENCY, "c", &AppointmentCancelled::default()),
        envelope(AGENCY, "c", &AppointmentReminder::default()),
        envelope(AGENCY, "c", &CaseDecided::default()),
        envelope(
            AGENCY,
            "c",
            &CaseProgressed {
                state: "ready_for_pickup".into(),
                ..Default::default()
            },
        ),
        envelope(AGENCY, "o", &OrderCreated::default()),
        envelope(AGENCY, "o", &OrderPaid::default()),
        envelope(AGENCY, "o", &OrderExpired::default()),
        envelope(AGENCY, "o", &OrderRefunded::default()),
        envelope(AGENCY, "p", &SlipExpiring::default()),
    ];
    assert_eq!(
        envelopes.len(),
        NOTIFIED_EVENTS.len(),
        "a sample per notified event"
    );

    // A staff invitation is a password-reset event worded by its own template.
    let invitation = envelope(
        AGENCY,
        "s",
        &PasswordResetRequested {
            account_id: "s".into(),
            purpose: "staff_invitation".into(),
            ..Default::default()
        },
    );

    let mut connection = database.pool.acquire().await.expect("connection");
    for event in envelopes.iter().chain([&invitation]) {
        assert!(NOTIFIED_EVENTS.contains(&event.event_type.as_str()));
        let notification = map_event(event, &context, &mut connection)
            .await
            .expect("maps")
            .unwrap_or_else(|| panic!("{} maps to nothing", event.event_type));
        let template = notification.template.unwrap_or(&event.event_type);
        let variables = variables_of(template).expect("the catalog knows the template");
        for variable in variables {
            assert!(
                notification.values.contains_key(*variable),
                "{template} does not fill `{variable}`",
            );
        }
        agency
            .render(template, notification.language, &notification.values)
            .unwrap_or_else(|error| panic!("{template} does not render: {error}"));
    }
    let invited = map_event(&invitation, &context, &mut connection)
        .await
        .expect("maps")
        .expect("a message");
    assert_eq!(invited.template, Some("identity.staff.invited"));
    drop(connection);
    database.drop_database().await;
}
