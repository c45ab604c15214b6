//! PostgreSQL: one database per service, created when missing, migrations
//! embedded in the binary and run at start-up. Several components (the
//! service itself, the event bus's outbox/inbox, the catalog store) can
//! migrate the same database: each keeps its own history table.

use std::borrow::Cow;
use std::str::FromStr;
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgPool};

use crate::config::{DatabaseConfig, SchemaMode};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("database url is invalid: {0}")]
    Url(#[source] sqlx::Error),
    #[error("database url names no database")]
    NoDatabase,
    #[error("database name {0:?} is not a plain identifier")]
    BadName(String),
    #[error("connecting to the database failed: {0}")]
    Connect(#[source] sqlx::Error),
    #[error("creating the database failed: {0}")]
    Create(#[source] sqlx::Error),
    #[error("migrating {component} failed: {source}")]
    Migrate {
        component: String,
        #[source]
        source: sqlx::migrate::MigrateError,
    },
    #[error(
        "the schema of {component} still lacks migration {version} after {waited_seconds} s; \
         run the service with --migrate-only (the deployment's migration job)"
    )]
    SchemaBehind {
        component: String,
        version: i64,
        waited_seconds: u64,
    },
    #[error("reading the schema version of {component} failed: {source}")]
    SchemaVersion {
        component: String,
        #[source]
        source: sqlx::Error,
    },
}

/// One component's migrations in a service's database.
pub struct Schema {
    /// Names the history table, `_migrations_<component>`.
    pub component: &'static str,
    pub migrator: &'static Migrator,
}

impl Schema {
    pub const fn new(component: &'static str, migrator: &'static Migrator) -> Self {
        Self {
            component,
            migrator,
        }
    }
}

fn is_plain_identifier(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Creates the database the URL names, if it does not exist yet.
pub async fn ensure_database(url: &str) -> Result<(), Error> {
    let options = PgConnectOptions::from_str(url).map_err(Error::Url)?;
    let name = options.get_database().ok_or(Error::NoDatabase)?.to_owned();
    if !is_plain_identifier(&name) {
        return Err(Error::BadName(name));
    }
    let mut admin = options
        .clone()
        .database("postgres")
        .connect()
        .await
        .map_err(Error::Connect)?;
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(&name)
            .fetch_one(&mut admin)
            .await
            .map_err(Error::Connect)?;
    if !exists {
        let statement = format!("CREATE DATABASE \"{name}\"");
        match sqlx::query(sqlx::AssertSqlSafe(statement))
            .execute(&mut admin)
            .await
        {
            Ok(_) => tracing::info!(database = %name, "created database"),
            // Another replica created it between our check and now.
            Err(sqlx::Error::Database(error)) if error.code().as_deref() == Some("42P04") => {}
            Err(error) => return Err(Error::Create(error)),
        }
    }
    let _ = admin.close().await;
    Ok(())
}

/// Creates the database if needed and opens a pool on it.
pub async fn connect(config: &DatabaseConfig) -> Result<PgPool, Error> {
    ensure_database(config.url.expose()).await?;
    let options = PgConnectOptions::from_str(config.url.expose())
        .map_err(Error::Url)?
        .log_statements(log::LevelFilter::Debug)
        .log_slow_statements(log::LevelFilter::Warn, Duration::from_millis(500));
    PgPoolOptions::new()
        .max_connections(config.max_connections)
        .acquire_timeout(Duration::from_millis(config.acquire_timeout_ms))
        .connect_with(options)
        .await
        .map_err(Error::Connect)
}

/// Runs `migrator` with its history kept in `_migrations_<component>`.
pub async fn migrate(pool: &PgPool, component: &str, migrator: &Migrator) -> Result<(), Error> {
    let scoped = Migrator {
        migrations: migrator.migrations.clone(),
        table_name: Cow::Owned(format!("_migrations_{component}")),
        ..Migrator::DEFAULT
    };
    scoped.run(pool).await.map_err(|source| Error::Migrate {
        component: component.to_owned(),
        source,
    })
}

/// Brings every schema of `schemas` up to date the way `config.schema`
/// says: migrating them, or waiting for a migration job to have done so.
pub async fn prepare(
    pool: &PgPool,
    config: &DatabaseConfig,
    schemas: &[Schema],
) -> Result<(), Error> {
    match config.schema {
        SchemaMode::Migrate => {
            for schema in schemas {
                migrate(pool, schema.component, schema.migrator).await?;
            }
            Ok(())
        }
        SchemaMode::Wait => {
            wait_for_schemas(
                pool,
                schemas,
                Duration::from_secs(config.schema_wait_seconds),
            )
            .await
        }
    }
}

/// `--migrate-only`: connects, migrates every schema and returns.
pub async fn migrate_only(config: &DatabaseConfig, schemas: &[Schema]) -> Result<(), Error> {
    let pool = connect(config).await?;
    for schema in schemas {
        migrate(&pool, schema.component, schema.migrator).await?;
        tracing::info!(component = schema.component, "schema up to date");
    }
    pool.close().await;
    Ok(())
}

/// The first migration of `migrator` not yet applied with success, if any.
async fn missing_migration(pool: &PgPool, schema: &Schema) -> Result<Option<i64>, Error> {
    let table = format!("_migrations_{}", schema.component);
    let applied: Vec<i64> = match sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT version FROM \"{table}\" WHERE success"
    )))
    .fetch_all(pool)
    .await
    {
        Ok(applied) => applied,
        // No history table yet: nothing was applied.
        Err(sqlx::Error::Database(error)) if error.code().as_deref() == Some("42P01") => Vec::new(),
        Err(source) => {
            return Err(Error::SchemaVersion {
                component: schema.component.to_owned(),
                source,
            });
        }
    };
    Ok(schema
        .migrator
        .iter()
        .filter(|migration| !migration.migration_type.is_down_migration())
        .map(|migration| migration.version)
        .find(|version| !applied.contains(version)))
}

/// Waits until every migration the binary embeds is applied; newer
/// migrations than the binary knows are fine (a rollback of the image).
async fn wait_for_schemas(
    pool: &PgPool,
    schemas: &[Schema],
    patience: Duration,
) -> Result<(), Error> {
    let started = std::time::Instant::now();
    for schema in schemas {
        loop {
            let Some(version) = missing_migration(pool, schema).await? else {
                break;
            };
            if started.elapsed() >= patience {
                return Err(Error::SchemaBehind {
                    component: schema.component.to_owned(),
                    version,
                    waited_seconds: patience.as_secs(),
                });
            }
            tracing::info!(
                component = schema.component,
                version,
                "waiting for the migration job"
            );
            tokio::time::sleep(Duration::from_secs(2).min(patience)).await;
        }
    }
    Ok(())
}

/// A fresh, uniquely named database for one test, dropped by [`TestDatabase::drop_database`].
#[cfg(any(test, feature = "testing"))]
pub struct TestDatabase {
    pub url: String,
    pub pool: PgPool,
    name: String,
    admin_url: String,
}

#[cfg(any(test, feature = "testing"))]
impl TestDatabase {
    /// Base URL from `LAISSEZ_TEST_DATABASE_URL`, defaulting to the local server.
    pub async fn create(prefix: &str) -> Result<Self, Error> {
        let admin_url = std::env::var("LAISSEZ_TEST_DATABASE_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
        let name = format!("{prefix}_{}", uuid::Uuid::new_v4().simple());
        let options = PgConnectOptions::from_str(&admin_url).map_err(Error::Url)?;
        let url = options.clone().database(&name).to_url_lossy().to_string();
        ensure_database(&url).await?;
        let config = DatabaseConfig {
            url: crate::config::ConnectionUrl::new(url.clone()),
            max_connections: 8,
            acquire_timeout_ms: 10_000,
            schema: SchemaMode::Migrate,
            schema_wait_seconds: 60,
        };
        let pool = connect(&config).await?;
        Ok(Self {
            url,
            pool,
            name,
            admin_url,
        })
    }

    pub async fn drop_database(self) {
        self.pool.close().await;
        if let Ok(options) = PgConnectOptions::from_str(&self.admin_url)
            && let Ok(mut admin) = options.connect().await
        {
            let statement = format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name);
            let _ = sqlx::query(sqlx::AssertSqlSafe(statement))
                .execute(&mut admin)
                .await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_names_are_created() {
        assert!(is_plain_identifier("laissez_intake"));
        assert!(!is_plain_identifier("x\"; DROP DATABASE postgres; --"));
        assert!(!is_plain_identifier(""));
    }

    #[tokio::test]
    async fn waiting_services_start_once_the_migration_job_has_run()
    -> Result<(), Box<dyn std::error::Error>> {
        static MIGRATOR: Migrator = sqlx::migrate!("tests/schema_wait");
        let database = TestDatabase::create("kit_wait").await?;
        let schemas = [Schema {
            component: "waiting",
            migrator: &MIGRATOR,
        }];
        let mut config = DatabaseConfig {
            url: crate::config::ConnectionUrl::new(database.url.clone()),
            max_connections: 2,
            acquire_timeout_ms: 5_000,
            schema: SchemaMode::Wait,
            schema_wait_seconds: 0,
        };
        // Before the job: a waiting service gives up, naming the migration.
        let refused = prepare(&database.pool, &config, &schemas).await;
        assert!(
            matches!(&refused, Err(Error::SchemaBehind { component, version: 20260101000000, .. }) if component == "waiting"),
            "{refused:?}"
        );
        // A waiting service that the job overtakes starts.
        config.schema_wait_seconds = 30;
        let waiting = tokio::spawn({
            let pool = database.pool.clone();
            let config = config.clone();
            async move {
                let schemas = [Schema {
                    component: "waiting",
                    migrator: &MIGRATOR,
                }];
                prepare(&pool, &config, &schemas).await
            }
        });
        tokio::time::sleep(Duration::from_millis(300)).await;
        migrate_only(&config, &schemas).await?;
        waiting.await??;
        let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM waited_for")
            .fetch_one(&database.pool)
            .await?;
        assert_eq!(rows, 0);
        database.drop_database().await;
        Ok(())
    }

    #[tokio::test]
    async fn creates_missing_database_and_migrates_per_component()
    -> Result<(), Box<dyn std::error::Error>> {
        let database = TestDatabase::create("laissez_kit_test").await?;
        // Creating again is a no-op.
        ensure_database(&database.url).await?;
        let empty = Migrator::DEFAULT;
        migrate(&database.pool, "first", &empty).await?;
        migrate(&database.pool, "second", &empty).await?;
        let tables: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM information_schema.tables WHERE table_name LIKE '_migrations_%'",
        )
        .fetch_one(&database.pool)
        .await?;
        assert_eq!(tables, 2);
        database.drop_database().await;
        Ok(())
    }
}
