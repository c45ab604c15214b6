//! The versioned store against a real PostgreSQL; each test has its own database.

mod common;

use laissez_catalog::format::{Announcement, LocalizedText};
use laissez_catalog::store::{self, Error};
use sqlx::postgres::PgPoolOptions;
use sqlx::{AssertSqlSafe, PgPool};

struct TestDatabase {
    pool: PgPool,
    admin: PgPool,
    name: String,
}

impl TestDatabase {
    async fn new() -> TestDatabase {
        let base = std::env::var("LAISSEZ_TEST_DATABASE_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
        let admin = PgPoolOptions::new()
            .max_connections(1)
            .connect(&base)
            .await
            .expect("connect to postgres");
        let name = format!("laissez_catalog_test_{}", uuid::Uuid::new_v4().simple());
        sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&admin)
            .await
            .expect("create database");
        let url = match base.rfind('/') {
            Some(cut) => format!("{}/{name}", &base[..cut]),
            None => panic!("database url without a path"),
        };
        let pool = PgPoolOptions::new()
            .max_connections(5)
            .connect(&url)
            .await
            .expect("connect to test database");
        store::MIGRATOR.run(&pool).await.expect("migrations");
        TestDatabase { pool, admin, name }
    }

    async fn drop(self) {
        self.pool.close().await;
        sqlx::query(AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        )))
        .execute(&self.admin)
        .await
        .expect("drop database");
    }
}

fn hk_fee(catalog: &laissez_catalog::Catalog) -> i64 {
    catalog.fees.rows[0]
        .amounts
        .values()
        .copied()
        .next()
        .unwrap_or_default()
}

#[tokio::test]
async fn publishing_a_new_version_leaves_the_old_one_unchanged() {
    let database = TestDatabase::new().await;
    let pool = &database.pool;
    let files = common::files("hk-cts");
    let first = store::publish(pool, "hk-cts", &files, "admin@hk")
        .await
        .expect("publish v1");
    assert_eq!(first.version, 1);

    // A case submitted now keeps version 1.
    let case_version = first.version;

    let mut changed = files.clone();
    for (path, bytes) in &mut changed {
        if path == "fees.yaml" {
            *bytes = String::from_utf8_lossy(bytes)
                .replacen("amounts: {HKD: 39000}", "amounts: {HKD: 41000}", 1)
                .into_bytes();
        }
    }
    let second = store::publish(pool, "hk-cts", &changed, "admin@hk")
        .await
        .expect("publish v2");
    assert_eq!(second.version, 2);
    assert_ne!(first.sha256, second.sha256);

    let submitted_under = store::get(pool, "hk-cts", case_version)
        .await
        .expect("get v1");
    assert_eq!(hk_fee(&submitted_under.catalog), 39000);
    assert_eq!(submitted_under.info, first);
    let current = store::current(pool, "hk-cts").await.expect("current");
    assert_eq!(current.info.version, 2);
    assert_eq!(hk_fee(&current.catalog), 41000);

    let versions = store::list_versions(pool, "hk-cts").await.expect("list");
    assert_eq!(
        versions.iter().map(|info| info.version).collect::<Vec<_>>(),
        vec![2, 1]
    );

    // Stored versions are immutable rows.
    let update =
        sqlx::query("UPDATE catalog_versions SET published_by = 'x' WHERE agency = 'hk-cts'")
            .execute(pool)
            .await;
    assert!(update.is_err());
    database.drop().await;
}

#[tokio::test]
async fn concurrent_publishes_take_distinct_versions() {
    let database = TestDatabase::new().await;
    let files = common::files("tw-nia");
    let mut tasks = Vec::new();
    for index in 0..4 {
        let pool = database.pool.clone();
        let files = files.clone();
        tasks.push(tokio::spawn(async move {
            store::publish(&pool, "tw-nia", &files, &format!("admin{index}")).await
        }));
    }
    let mut versions = Vec::new();
    for task in tasks {
        versions.push(task.await.expect("join").expect("publish").version);
    }
    versions.sort_unstable();
    assert_eq!(versions, vec![1, 2, 3, 4]);
    database.drop().await;
}

#[tokio::test]
async fn invalid_or_foreign_catalogs_are_not_stored() {
    let database = TestDatabase::new().await;
    let pool = &database.pool;
    let mut files = common::files("mo-cts");
    let mismatch = store::publish(pool, "hk-cts", &files, "admin").await;
    assert!(
        matches!(mismatch, Err(Error::AgencyMismatch { .. })),
        "{mismatch:?}"
    );
    files.retain(|(path, _)| path != "fees.yaml");
    let invalid = store::publish(pool, "mo-cts", &files, "admin").await;
    assert!(matches!(invalid, Err(Error::Invalid(_))), "{invalid:?}");
    assert!(
        store::list_versions(pool, "mo-cts")
            .await
            .expect("list")
            .is_empty()
    );
    assert!(matches!(
        store::current(pool, "mo-cts").await,
        Err(Error::NotFound)
    ));
    assert!(matches!(
        store::get(pool, "mo-cts", 1).await,
        Err(Error::NotFound)
    ));
    database.drop().await;
}

#[tokio::test]
async fn announcements_are_managed_per_agency() {
    let database = TestDatabase::new().await;
    let pool = &database.pool;
    let text = |value: &str| LocalizedText {
        zh_hant: value.into(),
        zh_hans: value.into(),
        en: value.into(),
    };
    let mut announcement = Announcement {
        code: "typhoon".into(),
        title: text("Typhoon"),
        body: text("Closed"),
        unit: None,
        important: true,
        published_on: common::date("2026-09-15"),
    };
    let id = store::create_announcement(pool, "mo-csm", &announcement)
        .await
        .expect("create");
    assert!(matches!(
        store::create_announcement(pool, "mo-csm", &announcement).await,
        Err(Error::DuplicateAnnouncement(_))
    ));
    announcement.body = text("Reopened");
    store::update_announcement(pool, "mo-csm", id, &announcement)
        .await
        .expect("update");
    let listed = store::list_announcements(pool, "mo-csm")
        .await
        .expect("list");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].announcement.body.en, "Reopened");
    assert!(
        store::list_announcements(pool, "hk-cts")
            .await
            .expect("list")
            .is_empty()
    );
    assert!(matches!(
        store::delete_announcement(pool, "hk-cts", id).await,
        Err(Error::NotFound)
    ));
    store::delete_announcement(pool, "mo-csm", id)
        .await
        .expect("delete");
    assert!(
        store::list_announcements(pool, "mo-csm")
            .await
            .expect("list")
            .is_empty()
    );
    database.drop().await;
}
