//! Managed applicants (辦理人管理): the people an account applies for.

use laissez_kit::auth::Caller;
use laissez_kit::{FieldError, ServiceError};
use laissez_proto::identity::v1::{
    Applicant, CreateApplicantRequest, DeleteApplicantRequest, DeleteApplicantResponse,
    GetApplicantRequest, ListApplicantsResponse, Relationship as ProtoRelationship,
    UpdateApplicantRequest,
};

use super::{Identity, Principal, parse_uuid};
use crate::domain::applicant::{ApplicantInput, Relationship};
use crate::domain::documents::mask_document_number;
use crate::domain::names::mask_name;
use crate::store::applicants::{self, ApplicantRow, MAX_PER_ACCOUNT};
use crate::store::audit;

fn relationship_from(value: i32) -> Option<Relationship> {
    match ProtoRelationship::try_from(value).ok()? {
        ProtoRelationship::Self_ => Some(Relationship::Myself),
        ProtoRelationship::Child => Some(Relationship::Child),
        ProtoRelationship::Parent => Some(Relationship::Parent),
        ProtoRelationship::Spouse => Some(Relationship::Spouse),
        ProtoRelationship::Other => Some(Relationship::Other),
        ProtoRelationship::Unspecified => None,
    }
}

fn relationship_to(text: &str) -> ProtoRelationship {
    match Relationship::parse(text) {
        Some(Relationship::Myself) => ProtoRelationship::Self_,
        Some(Relationship::Child) => ProtoRelationship::Child,
        Some(Relationship::Parent) => ProtoRelationship::Parent,
        Some(Relationship::Spouse) => ProtoRelationship::Spouse,
        Some(Relationship::Other) => ProtoRelationship::Other,
        None => ProtoRelationship::Unspecified,
    }
}

fn input_from(applicant: &Applicant) -> ApplicantInput {
    ApplicantInput {
        relationship: relationship_from(applicant.relationship),
        guardian: applicant.guardian,
        document_type: applicant.document_type.clone(),
        document_number: applicant.document_number.clone(),
        valid_long_term: applicant.valid_long_term,
        valid_from: applicant.valid_from.clone(),
        valid_until: applicant.valid_until.clone(),
        surname: applicant.surname.clone(),
        given_name: applicant.given_name.clone(),
        household_place: applicant.household_place.clone(),
        email: applicant.email.clone(),
        date_of_birth: applicant.date_of_birth.clone(),
    }
}

fn date(value: Option<chrono::NaiveDate>) -> String {
    value
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// The whole applicant (one applicant's own view).
fn full(row: &ApplicantRow) -> Applicant {
    Applicant {
        applicant_id: row.id.to_string(),
        relationship: relationship_to(&row.relationship) as i32,
        guardian: row.guardian,
        document_type: row.document_type.clone(),
        document_number: row.document_number.clone(),
        valid_long_term: row.valid_long_term,
        valid_from: date(row.valid_from),
        valid_until: date(row.valid_until),
        surname: row.surname.clone(),
        given_name: row.given_name.clone(),
        household_place: row.household_place.clone(),
        email: row.email.clone(),
        date_of_birth: date(row.date_of_birth),
        masked_name: mask_name(&row.surname, &row.given_name),
    }
}

/// As lists show it: masked name and document number, no given name.
fn masked(row: &ApplicantRow) -> Applicant {
    Applicant {
        document_number: mask_document_number(&row.document_number),
        given_name: String::new(),
        email: String::new(),
        date_of_birth: String::new(),
        ..full(row)
    }
}

impl Identity {
    pub(super) async fn applicant_owner(&self, caller: &Caller) -> Result<Principal, ServiceError> {
        let principal = self.authorize(caller).await?;
        if principal.account.is_staff() {
            return Err(ServiceError::PermissionDenied(
                "staff accounts keep no applicants or addresses".to_owned(),
            ));
        }
        Ok(principal)
    }

    pub async fn list_applicants(
        &self,
        caller: &Caller,
    ) -> Result<ListApplicantsResponse, ServiceError> {
        let principal = self.applicant_owner(caller).await?;
        let rows = applicants::list(&self.pool, principal.account.id).await?;
        Ok(ListApplicantsResponse {
            applicants: rows.iter().map(masked).collect(),
        })
    }

    pub async fn get_applicant(
        &self,
        caller: &Caller,
        request: GetApplicantRequest,
    ) -> Result<Applicant, ServiceError> {
        let principal = self.applicant_owner(caller).await?;
        let id = parse_uuid("applicant_id", &request.applicant_id)?;
        let row = applicants::get(&self.pool, principal.account.id, id)
            .await?
            .ok_or(ServiceError::NotFound("applicant"))?;
        Ok(full(&row))
    }

    pub async fn create_applicant(
        &self,
        caller: &Caller,
        request: CreateApplicantRequest,
    ) -> Result<Applicant, ServiceError> {
        self.save_applicant(caller, request.applicant, false).await
    }

    pub async fn update_applicant(
        &self,
        caller: &Caller,
        request: UpdateApplicantRequest,
    ) -> Result<Applicant, ServiceError> {
        self.save_applicant(caller, request.applicant, true).await
    }

    async fn save_applicant(
        &self,
        caller: &Caller,
        applicant: Option<Applicant>,
        update: bool,
    ) -> Result<Applicant, ServiceError> {
        let principal = self.applicant_owner(caller).await?;
        let applicant = applicant
            .ok_or_else(|| ServiceError::invalid("applicant", "required", "the applicant"))?;
        let id = if update {
            Some(parse_uuid(
                "applicant.applicant_id",
                &applicant.applicant_id,
            )?)
        } else {
            None
        };
        let details = input_from(&applicant)
            .validate(chrono::Utc::now().date_naive())
            .map_err(ServiceError::InvalidArgument)?;
        let account_id = principal.account.id;
        let mut transaction = self.pool.begin().await?;
        // Serialises an account's applicant changes (limits and the one "self").
        crate::store::accounts::lock_by_id(&mut transaction, account_id).await?;
        if !update && applicants::count(&mut transaction, account_id).await? >= MAX_PER_ACCOUNT {
            return Err(ServiceError::FailedPrecondition(format!(
                "at most {MAX_PER_ACCOUNT} applicants per account"
            )));
        }
        if details.relationship == Relationship::Myself
            && applicants::has_self(&mut transaction, account_id, id).await?
        {
            return Err(ServiceError::InvalidArgument(vec![FieldError::new(
                "applicant.relationship",
                "self_exists",
                "the account holder is already on the list",
            )]));
        }
        if let Some(id) = id
            && applicants::get(&self.pool, account_id, id).await?.is_none()
        {
            return Err(ServiceError::NotFound("applicant"));
        }
        let row = applicants::save(
            &mut transaction,
            account_id,
            &principal.account.agency,
            id,
            &details,
        )
        .await?
        .ok_or_else(|| {
            ServiceError::AlreadyExists("this document is already on the list".to_owned())
        })?;
        audit::own_change(
            &mut transaction,
            &principal.account.agency,
            account_id,
            if update {
                "applicant_updated"
            } else {
                "applicant_added"
            },
            serde_json::json!({ "applicant_id": row.id.to_string() }),
        )
        .await?;
        transaction.commit().await?;
        Ok(full(&row))
    }

    pub async fn delete_applicant(
        &self,
        caller: &Caller,
        request: DeleteApplicantRequest,
    ) -> Result<DeleteApplicantResponse, ServiceError> {
        let principal = self.applicant_owner(caller).await?;
        let id = parse_uuid("applicant_id", &request.applicant_id)?;
        let account_id = principal.account.id;
        let mut transaction = self.pool.begin().await?;
        if !applicants::delete(&mut transaction, account_id, id).await? {
            return Err(ServiceError::NotFound("applicant"));
        }
        audit::own_change(
            &mut transaction,
            &principal.account.agency,
            account_id,
            "applicant_removed",
            serde_json::json!({ "applicant_id": id.to_string() }),
        )
        .await?;
        transaction.commit().await?;
        Ok(DeleteApplicantResponse {})
    }
}
