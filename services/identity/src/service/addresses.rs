//! The address book (地址管理): where an applicant's courier deliveries go.

use laissez_kit::ServiceError;
use laissez_kit::auth::Caller;
use laissez_proto::identity::v1::{
    Address, CreateAddressRequest, DeleteAddressRequest, DeleteAddressResponse,
    ListAddressesResponse, UpdateAddressRequest,
};

use super::{Identity, parse_uuid};
use crate::domain::address::AddressInput;
use crate::store::addresses::{self, AddressRow, MAX_PER_ACCOUNT};
use crate::store::audit;

fn to_proto(row: &AddressRow) -> Address {
    Address {
        address_id: row.id.to_string(),
        recipient: row.recipient.clone(),
        phone: row.phone.clone(),
        address: row.address.clone(),
        is_default: row.is_default,
    }
}

impl Identity {
    pub async fn list_addresses(
        &self,
        caller: &Caller,
    ) -> Result<ListAddressesResponse, ServiceError> {
        let principal = self.applicant_owner(caller).await?;
        let rows = addresses::list(&self.pool, principal.account.id).await?;
        Ok(ListAddressesResponse {
            addresses: rows.iter().map(to_proto).collect(),
        })
    }

    pub async fn create_address(
        &self,
        caller: &Caller,
        request: CreateAddressRequest,
    ) -> Result<Address, ServiceError> {
        self.save_address(caller, request.address, false).await
    }

    pub async fn update_address(
        &self,
        caller: &Caller,
        request: UpdateAddressRequest,
    ) -> Result<Address, ServiceError> {
        self.save_address(caller, request.address, true).await
    }

    async fn save_address(
        &self,
        caller: &Caller,
        address: Option<Address>,
        update: bool,
    ) -> Result<Address, ServiceError> {
        let principal = self.applicant_owner(caller).await?;
        let address =
            address.ok_or_else(|| ServiceError::invalid("address", "required", "the address"))?;
        let id = if update {
            Some(parse_uuid("address.address_id", &address.address_id)?)
        } else {
            None
        };
        let details = AddressInput {
            recipient: address.recipient,
            phone: address.phone,
            address: address.address,
            is_default: address.is_default,
        }
        .validate()
        .map_err(ServiceError::InvalidArgument)?;
        let account_id = principal.account.id;
        let mut transaction = self.pool.begin().await?;
        // Serialises an account's address changes (the limit, the one default).
        crate::store::accounts::lock_by_id(&mut transaction, account_id).await?;
        if !update && addresses::count(&mut transaction, account_id).await? >= MAX_PER_ACCOUNT {
            return Err(ServiceError::FailedPrecondition(format!(
                "at most {MAX_PER_ACCOUNT} addresses per account"
            )));
        }
        let row = addresses::save(
            &mut transaction,
            account_id,
            &principal.account.agency,
            id,
            &details,
        )
        .await?
        .ok_or(ServiceError::NotFound("address"))?;
        audit::own_change(
            &mut transaction,
            &principal.account.agency,
            account_id,
            if update {
                "address_updated"
            } else {
                "address_added"
            },
            serde_json::json!({ "address_id": row.id.to_string() }),
        )
        .await?;
        transaction.commit().await?;
        Ok(to_proto(&row))
    }

    pub async fn delete_address(
        &self,
        caller: &Caller,
        request: DeleteAddressRequest,
    ) -> Result<DeleteAddressResponse, ServiceError> {
        let principal = self.applicant_owner(caller).await?;
        let id = parse_uuid("address_id", &request.address_id)?;
        let account_id = principal.account.id;
        let mut transaction = self.pool.begin().await?;
        crate::store::accounts::lock_by_id(&mut transaction, account_id).await?;
        if !addresses::delete(&mut transaction, account_id, id).await? {
            return Err(ServiceError::NotFound("address"));
        }
        audit::own_change(
            &mut transaction,
            &principal.account.agency,
            account_id,
            "address_removed",
            serde_json::json!({ "address_id": id.to_string() }),
        )
        .await?;
        transaction.commit().await?;
        Ok(DeleteAddressResponse {})
    }
}
