//! Accounts: applicants and staff of every agency's portals.

use std::collections::BTreeMap;

use sqlx::types::Json;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountStatus {
    Pending,
    Active,
    Disabled,
}

impl AccountStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountStatus::Pending => "pending",
            AccountStatus::Active => "active",
            AccountStatus::Disabled => "disabled",
        }
    }
}

#[derive(Clone, sqlx::FromRow)]
pub struct AccountRow {
    pub id: Uuid,
    pub agency: String,
    pub portal: String,
    pub login_name: String,
    pub password_hash: String,
    pub status: String,
    pub kind: String,
    pub roles: Vec<String>,
    pub email: String,
    pub mobile: String,
    pub display_name: String,
    pub fields: Json<BTreeMap<String, String>>,
    pub language: i32,
    pub totp_secret: Option<Vec<u8>>,
    pub totp_confirmed: bool,
    pub totp_last_step: i64,
}

impl std::fmt::Debug for AccountRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountRow")
            .field("id", &self.id)
            .field("agency", &self.agency)
            .field("portal", &self.portal)
            .field("status", &self.status)
            .field("kind", &self.kind)
            .field("roles", &self.roles)
            .finish_non_exhaustive()
    }
}

impl AccountRow {
    pub fn is_active(&self) -> bool {
        self.status == AccountStatus::Active.as_str()
    }

    pub fn is_staff(&self) -> bool {
        self.kind == "staff"
    }
}

const COLUMNS: &str = "id, agency, portal, login_name, password_hash, status, kind, roles, email, mobile, \
     display_name, fields, language, totp_secret, totp_confirmed, totp_last_step";

pub struct NewAccount<'a> {
    pub agency: &'a str,
    pub portal: &'a str,
    pub login_name: &'a str,
    pub password_hash: &'a str,
    pub status: AccountStatus,
    pub staff: bool,
    pub roles: Vec<String>,
    pub email: &'a str,
    pub mobile: &'a str,
    pub display_name: &'a str,
    pub fields: BTreeMap<String, String>,
    pub language: i32,
}

/// Inserts the account unless the login name is taken on that portal.
pub async fn insert_if_absent(
    connection: &mut PgConnection,
    account: NewAccount<'_>,
) -> sqlx::Result<Option<Uuid>> {
    sqlx::query_scalar(
        "INSERT INTO accounts (id, agency, portal, login_name, password_hash, status, kind, roles, email, \
             mobile, display_name, fields, language) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
         ON CONFLICT (agency, portal, login_name) DO NOTHING RETURNING id",
    )
    .bind(Uuid::now_v7())
    .bind(account.agency)
    .bind(account.portal)
    .bind(account.login_name)
    .bind(account.password_hash)
    .bind(account.status.as_str())
    .bind(if account.staff { "staff" } else { "applicant" })
    .bind(&account.roles)
    .bind(account.email)
    .bind(account.mobile)
    .bind(account.display_name)
    .bind(Json(&account.fields))
    .bind(account.language)
    .fetch_optional(&mut *connection)
    .await
}

pub async fn find_by_login(
    pool: &PgPool,
    agency: &str,
    portal: &str,
    login_name: &str,
) -> sqlx::Result<Option<AccountRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM accounts WHERE agency = $1 AND portal = $2 AND login_name = $3"
    )))
    .bind(agency)
    .bind(portal)
    .bind(login_name)
    .fetch_optional(pool)
    .await
}

pub async fn find_by_id(pool: &PgPool, id: Uuid) -> sqlx::Result<Option<AccountRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM accounts WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(pool)
    .await
}

pub async fn lock_by_id(
    connection: &mut PgConnection,
    id: Uuid,
) -> sqlx::Result<Option<AccountRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM accounts WHERE id = $1 FOR UPDATE"
    )))
    .bind(id)
    .fetch_optional(&mut *connection)
    .await
}

/// Whether another account on the portal already holds this value in `field`
/// (one account per person record).
pub async fn field_taken(
    pool: &PgPool,
    agency: &str,
    portal: &str,
    field: &str,
    value: &str,
) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM accounts WHERE agency = $1 AND portal = $2 AND fields ->> $3 = $4 \
             AND status <> 'disabled')",
    )
    .bind(agency)
    .bind(portal)
    .bind(field)
    .bind(value)
    .fetch_one(pool)
    .await
}

pub async fn set_status(
    connection: &mut PgConnection,
    id: Uuid,
    status: AccountStatus,
) -> sqlx::Result<bool> {
    let result = sqlx::query("UPDATE accounts SET status = $2, updated_at = now() WHERE id = $1")
        .bind(id)
        .bind(status.as_str())
        .execute(&mut *connection)
        .await?;
    Ok(result.rows_affected() == 1)
}

pub async fn activate_pending(connection: &mut PgConnection, id: Uuid) -> sqlx::Result<bool> {
    let result =
        sqlx::query("UPDATE accounts SET status = 'active', updated_at = now() WHERE id = $1 AND status = 'pending'")
            .bind(id)
            .execute(&mut *connection)
            .await?;
    Ok(result.rows_affected() == 1)
}

pub async fn set_password(
    connection: &mut PgConnection,
    id: Uuid,
    password_hash: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE accounts SET password_hash = $2, password_changed_at = now(), updated_at = now() WHERE id = $1",
    )
    .bind(id)
    .bind(password_hash)
    .execute(&mut *connection)
    .await?;
    Ok(())
}

pub struct ProfileUpdate<'a> {
    pub fields: &'a BTreeMap<String, String>,
    pub email: &'a str,
    pub mobile: &'a str,
    pub display_name: &'a str,
    pub language: i32,
}

pub async fn update_profile(
    connection: &mut PgConnection,
    id: Uuid,
    update: ProfileUpdate<'_>,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE accounts SET fields = $2, email = $3, mobile = $4, display_name = $5, language = $6, \
             updated_at = now() WHERE id = $1",
    )
    .bind(id)
    .bind(Json(update.fields))
    .bind(update.email)
    .bind(update.mobile)
    .bind(update.display_name)
    .bind(update.language)
    .execute(&mut *connection)
    .await?;
    Ok(())
}

pub async fn set_roles(
    connection: &mut PgConnection,
    id: Uuid,
    roles: &[String],
) -> sqlx::Result<()> {
    sqlx::query("UPDATE accounts SET roles = $2, updated_at = now() WHERE id = $1")
        .bind(id)
        .bind(roles)
        .execute(&mut *connection)
        .await?;
    Ok(())
}

pub async fn set_totp_secret(pool: &PgPool, id: Uuid, secret: &[u8]) -> sqlx::Result<()> {
    sqlx::query("UPDATE accounts SET totp_secret = $2, totp_confirmed = false, totp_last_step = 0 WHERE id = $1")
        .bind(id)
        .bind(secret)
        .execute(pool)
        .await?;
    Ok(())
}

/// Sets an authenticator that is already enrolled (demo staff).
pub async fn set_enrolled_totp(
    connection: &mut PgConnection,
    id: Uuid,
    secret: &[u8],
) -> sqlx::Result<()> {
    sqlx::query("UPDATE accounts SET totp_secret = $2, totp_confirmed = true WHERE id = $1")
        .bind(id)
        .bind(secret)
        .execute(&mut *connection)
        .await?;
    Ok(())
}

/// Accepts a TOTP time step once: false if this step (or a later one) was used.
pub async fn accept_totp_step(
    pool: &PgPool,
    id: Uuid,
    step: i64,
    confirm: bool,
) -> sqlx::Result<bool> {
    let result = sqlx::query(
        "UPDATE accounts SET totp_last_step = $2, totp_confirmed = totp_confirmed OR $3 \
         WHERE id = $1 AND totp_last_step < $2",
    )
    .bind(id)
    .bind(step)
    .bind(confirm)
    .execute(pool)
    .await?;
    Ok(result.rows_affected() == 1)
}

pub async fn any_operator(pool: &PgPool) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM accounts WHERE 'platform_operator' = ANY (roles))",
    )
    .fetch_one(pool)
    .await
}
