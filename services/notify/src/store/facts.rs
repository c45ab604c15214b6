//! Notify's own copies of facts other services told it: how to reach an
//! account, and a case's applicant name and receipt number.

use sqlx::PgConnection;

#[derive(Debug, Clone, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct AccountContact {
    pub account_id: String,
    pub display_name: String,
    pub email: String,
    pub mobile: String,
    /// Language tag, empty when unknown.
    pub language: String,
    pub portal: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct CaseFacts {
    pub applicant_name: String,
    pub receipt_number: String,
}

pub async fn upsert_contact(
    connection: &mut PgConnection,
    agency: &str,
    contact: &AccountContact,
) -> Result<(), sqlx::Error> {
    if contact.account_id.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO account_contact (agency, account_id, display_name, email, mobile, language, portal) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (agency, account_id) DO UPDATE SET \
           display_name = EXCLUDED.display_name, email = EXCLUDED.email, mobile = EXCLUDED.mobile, \
           language = EXCLUDED.language, portal = EXCLUDED.portal, updated_at = now()",
    )
    .bind(agency)
    .bind(&contact.account_id)
    .bind(&contact.display_name)
    .bind(&contact.email)
    .bind(&contact.mobile)
    .bind(&contact.language)
    .bind(&contact.portal)
    .execute(connection)
    .await?;
    Ok(())
}

pub async fn contact(
    connection: &mut PgConnection,
    agency: &str,
    account_id: &str,
) -> Result<Option<AccountContact>, sqlx::Error> {
    sqlx::query_as(
        "SELECT account_id, display_name, email, mobile, language, portal \
         FROM account_contact WHERE agency = $1 AND account_id = $2",
    )
    .bind(agency)
    .bind(account_id)
    .fetch_optional(connection)
    .await
}

pub async fn upsert_case(
    connection: &mut PgConnection,
    agency: &str,
    case_id: &str,
    applicant_name: &str,
    receipt_number: &str,
) -> Result<(), sqlx::Error> {
    if case_id.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO case_party (agency, case_id, applicant_name, receipt_number) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (agency, case_id) DO UPDATE SET applicant_name = EXCLUDED.applicant_name, \
           receipt_number = EXCLUDED.receipt_number, updated_at = now()",
    )
    .bind(agency)
    .bind(case_id)
    .bind(applicant_name)
    .bind(receipt_number)
    .execute(connection)
    .await?;
    Ok(())
}

pub async fn case(
    connection: &mut PgConnection,
    agency: &str,
    case_id: &str,
) -> Result<Option<CaseFacts>, sqlx::Error> {
    sqlx::query_as(
        "SELECT applicant_name, receipt_number FROM case_party WHERE agency = $1 AND case_id = $2",
    )
    .bind(agency)
    .bind(case_id)
    .fetch_optional(connection)
    .await
}
