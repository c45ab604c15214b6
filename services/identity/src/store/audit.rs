//! The audit trail: who changed what of whom, and when. Field names only;
//! never the values of secrets.

use sqlx::PgConnection;

pub struct AuditEntry<'a> {
    pub agency: &'a str,
    pub actor: &'a str,
    pub subject: &'a str,
    pub action: &'a str,
    pub fields: Vec<String>,
    pub detail: serde_json::Value,
}

pub async fn record(connection: &mut PgConnection, entry: AuditEntry<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO audit (agency, actor_account_id, subject_account_id, action, fields, detail) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(entry.agency)
    .bind(entry.actor)
    .bind(entry.subject)
    .bind(entry.action)
    .bind(&entry.fields)
    .bind(&entry.detail)
    .execute(&mut *connection)
    .await?;
    Ok(())
}
