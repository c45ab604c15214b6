//! Catalog administration over gRPC against real PostgreSQL: the demo
//! agencies published at start-up (once), public reads, admin-only publish
//! and announcements, every bad input refused, and no cross-agency access.

use std::path::PathBuf;
use std::time::Duration;

use laissez_intake::config::Config;
use laissez_intake::startup::Application;
use laissez_kit::Role;
use laissez_kit::auth::testing::TestKeys;
use laissez_kit::db::TestDatabase;
use laissez_proto::common::v1::LocalizedText;
use laissez_proto::intake::v1::catalog_admin_service_client::CatalogAdminServiceClient;
use laissez_proto::intake::v1::*;
use tokio_util::sync::CancellationToken;
use tonic::transport::Channel;
use tonic::{Code, Request};

fn agencies_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../deploy/agencies")
}

struct Intake {
    client: CatalogAdminServiceClient<Channel>,
    keys: TestKeys,
    shutdown: CancellationToken,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

async fn start(database: &TestDatabase, keys: TestKeys) -> Intake {
    let mut config = Config::default();
    config.common.grpc.listen = "127.0.0.1:0".parse().unwrap();
    config.common.admin.listen = "127.0.0.1:0".parse().unwrap();
    config.common.database.url = laissez_kit::config::ConnectionUrl::new(database.url.clone());
    config.events.exchange = format!("test.intake.{}", uuid::Uuid::new_v4().simple());
    config.catalog.dir = agencies_dir();
    let shutdown = CancellationToken::new();
    let application =
        Application::build_with_keys(config, shutdown.clone(), Some(keys.keys.clone()))
            .await
            .unwrap();
    let channel =
        tonic::transport::Endpoint::from_shared(format!("http://{}", application.grpc_addr()))
            .unwrap()
            .connect_timeout(Duration::from_secs(5))
            .connect()
            .await
            .unwrap();
    let task = tokio::spawn(application.run_until_stopped());
    Intake {
        client: CatalogAdminServiceClient::new(channel),
        keys,
        shutdown,
        task,
    }
}

impl Intake {
    async fn stop(self) {
        self.shutdown.cancel();
        self.task.await.unwrap().unwrap();
    }

    fn as_role<T>(&self, message: T, agency: &str, role: Role) -> Request<T> {
        let token = self.keys.token("staff-1", agency, "staff", &[role]);
        let mut request = Request::new(message);
        request
            .metadata_mut()
            .insert("authorization", format!("Bearer {token}").parse().unwrap());
        request
    }
}

fn folder_files(agency: &str) -> Vec<CatalogFile> {
    laissez_catalog::load::read_dir_files(&agencies_dir().join(agency))
        .unwrap()
        .into_iter()
        .map(|(path, content)| CatalogFile { path, content })
        .collect()
}

fn text(value: &str) -> Option<LocalizedText> {
    Some(LocalizedText {
        zh_hant: value.into(),
        zh_hans: value.into(),
        en: value.into(),
    })
}

#[tokio::test]
async fn demo_agencies_are_published_once_and_read_publicly() {
    let database = TestDatabase::create("laissez_intake_catalog")
        .await
        .unwrap();
    let mut intake = start(&database, TestKeys::new()).await;

    for agency in ["tw-nia", "hk-cts", "mo-csm", "mo-cts", "fj-exit-entry"] {
        let current = intake
            .client
            .get_current_catalog(GetCurrentCatalogRequest {
                agency: agency.into(),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(current.version, 1, "{agency}");
        let catalog: serde_json::Value = serde_json::from_str(&current.catalog_json).unwrap();
        assert_eq!(catalog["agency"]["code"], agency);
    }
    let unknown = intake
        .client
        .get_current_catalog(GetCurrentCatalogRequest {
            agency: "no-such-agency".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(unknown.code(), Code::NotFound);
    let empty = intake
        .client
        .get_current_catalog(GetCurrentCatalogRequest::default())
        .await
        .unwrap_err();
    assert_eq!(empty.code(), Code::InvalidArgument);

    // A restart over unchanged folders publishes nothing new.
    let keys = std::mem::take(&mut intake.keys);
    intake.stop().await;
    let mut intake = start(&database, keys).await;
    let versions = intake
        .client
        .list_catalog_versions(intake.as_role(
            ListCatalogVersionsRequest {},
            "tw-nia",
            Role::Reviewer,
        ))
        .await
        .unwrap()
        .into_inner()
        .versions;
    assert_eq!(versions.len(), 1);
    intake.stop().await;
    database.drop_database().await;
}

#[tokio::test]
async fn publishing_needs_the_agencys_administrator_and_keeps_old_versions() {
    let database = TestDatabase::create("laissez_intake_publish")
        .await
        .unwrap();
    let mut intake = start(&database, TestKeys::new()).await;
    let files = folder_files("tw-nia");

    let refused = intake
        .client
        .publish_catalog(intake.as_role(
            PublishCatalogRequest {
                files: files.clone(),
            },
            "tw-nia",
            Role::Reviewer,
        ))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::PermissionDenied);
    let anonymous = intake
        .client
        .publish_catalog(PublishCatalogRequest {
            files: files.clone(),
        })
        .await
        .unwrap_err();
    assert_eq!(anonymous.code(), Code::Unauthenticated);
    let other_agency = intake
        .client
        .publish_catalog(intake.as_role(
            PublishCatalogRequest {
                files: files.clone(),
            },
            "hk-cts",
            Role::AgencyAdmin,
        ))
        .await
        .unwrap_err();
    assert_eq!(other_agency.code(), Code::PermissionDenied);

    let v1 = intake
        .client
        .get_catalog_version(intake.as_role(
            GetCatalogVersionRequest {
                version: 1,
                ..Default::default()
            },
            "tw-nia",
            Role::AgencyAdmin,
        ))
        .await
        .unwrap()
        .into_inner();

    // A changed folder becomes version 2; version 1 stays as it was.
    let mut changed = files.clone();
    let agency_file = changed
        .iter_mut()
        .find(|file| file.path == "agency.yaml")
        .unwrap();
    let yaml = String::from_utf8(agency_file.content.clone()).unwrap();
    agency_file.content = yaml.replacen("02-27967162", "02-27967199", 1).into_bytes();
    let v2 = intake
        .client
        .publish_catalog(intake.as_role(
            PublishCatalogRequest { files: changed },
            "tw-nia",
            Role::AgencyAdmin,
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(v2.version, 2);
    let v1_again = intake
        .client
        .get_catalog_version(intake.as_role(
            GetCatalogVersionRequest {
                version: 1,
                ..Default::default()
            },
            "tw-nia",
            Role::AgencyAdmin,
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(v1_again.catalog_json, v1.catalog_json);
    assert_eq!(v1_again.sha256, v1.sha256);
    let current = intake
        .client
        .get_current_catalog(GetCurrentCatalogRequest {
            agency: "tw-nia".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(current.version, 2);
    assert!(current.catalog_json.contains("02-27967199"));

    // Reviewers of another agency cannot read tw-nia's versions: they get their own.
    let missing = intake
        .client
        .get_catalog_version(intake.as_role(
            GetCatalogVersionRequest {
                version: 2,
                ..Default::default()
            },
            "hk-cts",
            Role::AgencyAdmin,
        ))
        .await
        .unwrap_err();
    assert_eq!(missing.code(), Code::NotFound);

    intake.stop().await;
    database.drop_database().await;
}

#[tokio::test]
async fn broken_catalogs_and_hostile_files_are_refused_with_every_error() {
    let database = TestDatabase::create("laissez_intake_validate")
        .await
        .unwrap();
    let mut intake = start(&database, TestKeys::new()).await;
    let mut files = folder_files("tw-nia");
    let fees = files
        .iter_mut()
        .find(|file| file.path == "fees.yaml")
        .unwrap();
    fees.content.extend_from_slice(b"\nnot: [valid\n");
    let agency_file = files
        .iter_mut()
        .find(|file| file.path == "agency.yaml")
        .unwrap();
    agency_file.content = String::from_utf8(agency_file.content.clone())
        .unwrap()
        .replacen("time_zone: Asia/Taipei", "time_zone: Mars/Olympus", 1)
        .into_bytes();

    let report = intake
        .client
        .validate_catalog(intake.as_role(
            ValidateCatalogRequest {
                files: files.clone(),
            },
            "tw-nia",
            Role::AgencyAdmin,
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(!report.valid);
    assert!(report.errors.len() >= 2, "{:?}", report.errors);
    assert!(
        report.errors.iter().any(|e| e.file == "fees.yaml"),
        "{:?}",
        report.errors
    );
    assert!(
        report.errors.iter().any(|e| e.file == "agency.yaml"),
        "{:?}",
        report.errors
    );

    let refused = intake
        .client
        .publish_catalog(intake.as_role(
            PublishCatalogRequest { files },
            "tw-nia",
            Role::AgencyAdmin,
        ))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::InvalidArgument);
    assert!(laissez_kit::error::field_errors(&refused).len() >= 2);

    for path in [
        "../escape.yaml",
        "/etc/passwd",
        "a/../../b.yaml",
        "",
        "x\0.yaml",
    ] {
        let hostile = vec![CatalogFile {
            path: path.into(),
            content: b"agency: {}".to_vec(),
        }];
        let status = intake
            .client
            .validate_catalog(intake.as_role(
                ValidateCatalogRequest { files: hostile },
                "tw-nia",
                Role::AgencyAdmin,
            ))
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument, "{path:?}");
    }
    let oversized = vec![CatalogFile {
        path: "big.yaml".into(),
        content: vec![b'#'; 5 * 1024 * 1024],
    }];
    let status = intake
        .client
        .validate_catalog(intake.as_role(
            ValidateCatalogRequest { files: oversized },
            "tw-nia",
            Role::AgencyAdmin,
        ))
        .await
        .unwrap_err();
    assert!(
        matches!(
            status.code(),
            Code::InvalidArgument | Code::ResourceExhausted
        ),
        "{status:?}"
    );

    // Nothing was published by any of it.
    let versions = intake
        .client
        .list_catalog_versions(intake.as_role(
            ListCatalogVersionsRequest {},
            "tw-nia",
            Role::AgencyAdmin,
        ))
        .await
        .unwrap()
        .into_inner()
        .versions;
    assert_eq!(versions.len(), 1);
    intake.stop().await;
    database.drop_database().await;
}

#[tokio::test]
async fn announcements_are_managed_per_agency() {
    let database = TestDatabase::create("laissez_intake_announce")
        .await
        .unwrap();
    let mut intake = start(&database, TestKeys::new()).await;
    let announcement = Announcement {
        code: "typhoon-2026-09".into(),
        important: true,
        title: text("Office closed"),
        body: text("Typhoon signal 8: appointments move to the next working day."),
        unit: text("Consular section"),
        published_on: "2026-09-14".into(),
        ..Default::default()
    };
    let created = intake
        .client
        .create_announcement(intake.as_role(
            CreateAnnouncementRequest {
                announcement: Some(announcement.clone()),
            },
            "mo-csm",
            Role::AgencyAdmin,
        ))
        .await
        .unwrap()
        .into_inner();
    let duplicate = intake
        .client
        .create_announcement(intake.as_role(
            CreateAnnouncementRequest {
                announcement: Some(announcement.clone()),
            },
            "mo-csm",
            Role::AgencyAdmin,
        ))
        .await
        .unwrap_err();
    assert_eq!(duplicate.code(), Code::AlreadyExists);

    let invalid = Announcement {
        code: "bad code!".into(),
        title: None,
        published_on: "14/09/2026".into(),
        ..announcement.clone()
    };
    let status = intake
        .client
        .create_announcement(intake.as_role(
            CreateAnnouncementRequest {
                announcement: Some(invalid),
            },
            "mo-csm",
            Role::AgencyAdmin,
        ))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    let fields: Vec<String> = laissez_kit::error::field_errors(&status)
        .into_iter()
        .map(|f| f.field)
        .collect();
    assert!(
        fields.contains(&"announcement.code".to_owned()),
        "{fields:?}"
    );
    assert!(
        fields.contains(&"announcement.title".to_owned()),
        "{fields:?}"
    );
    assert!(
        fields.contains(&"announcement.published_on".to_owned()),
        "{fields:?}"
    );

    let listed = intake
        .client
        .list_announcements(ListAnnouncementsRequest {
            agency: "mo-csm".into(),
        })
        .await
        .unwrap()
        .into_inner()
        .announcements;
    assert!(
        listed
            .iter()
            .any(|a| a.announcement_id == created.announcement_id)
    );
    let elsewhere = intake
        .client
        .list_announcements(ListAnnouncementsRequest {
            agency: "hk-cts".into(),
        })
        .await
        .unwrap()
        .into_inner()
        .announcements;
    assert!(
        elsewhere
            .iter()
            .all(|a| a.announcement_id != created.announcement_id)
    );

    // Another agency's administrator cannot touch it; the answer is "not found".
    let foreign = intake
        .client
        .delete_announcement(intake.as_role(
            DeleteAnnouncementRequest {
                announcement_id: created.announcement_id.clone(),
            },
            "hk-cts",
            Role::AgencyAdmin,
        ))
        .await
        .unwrap_err();
    assert_eq!(foreign.code(), Code::NotFound);
    let garbage = intake
        .client
        .delete_announcement(intake.as_role(
            DeleteAnnouncementRequest {
                announcement_id: "not-a-uuid".into(),
            },
            "mo-csm",
            Role::AgencyAdmin,
        ))
        .await
        .unwrap_err();
    assert_eq!(garbage.code(), Code::NotFound);

    let mut edited = created.clone();
    edited.title = text("Office reopened");
    let updated = intake
        .client
        .update_announcement(intake.as_role(
            UpdateAnnouncementRequest {
                announcement: Some(edited),
            },
            "mo-csm",
            Role::AgencyAdmin,
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(updated.title.unwrap().en, "Office reopened");
    intake
        .client
        .delete_announcement(intake.as_role(
            DeleteAnnouncementRequest {
                announcement_id: created.announcement_id.clone(),
            },
            "mo-csm",
            Role::AgencyAdmin,
        ))
        .await
        .unwrap();
    intake.stop().await;
    database.drop_database().await;
}
