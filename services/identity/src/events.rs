//! What identity publishes, through the outbox in the same transaction as
//! the change it describes. The aggregate is always the account.

use laissez_kit::ServiceError;
use laissez_proto::events::v1::EventMessage;
use sqlx::PgConnection;

pub const AGGREGATE: &str = "account";

pub async fn publish<E: EventMessage>(
    connection: &mut PgConnection,
    agency: &str,
    account_id: &str,
    event: &E,
) -> Result<(), ServiceError> {
    laissez_eventbus::Outbox::enqueue(connection, agency, AGGREGATE, account_id, event)
        .await
        .map(|_| ())
        .map_err(ServiceError::internal)
}
