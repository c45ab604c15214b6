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

/// An account holder's change to their own account's lists (applicants,
/// addresses): the account is actor and subject, `detail` names the item.
pub async fn own_change(
    connection: &mut PgConnection,
    agency: &str,
    account_id: uuid::Uuid,
    action: &str,
    detail: serde_json::Value,
) -> sqlx::Result<()> {
    let account = account_id.to_string();
    record(
        connection,
        AuditEntry {
            agency,
            actor: &account,
            subject: &account,
            action,
            fields: vec![],
            detail,
        },
    )
    .await
}
