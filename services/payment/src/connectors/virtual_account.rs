//! Virtual account: the bank gives a per-payment account number; it reports
//! the transfer later with a signed notice.

use laissez_catalog::format::Connector as Kind;

use super::ProviderClient;
use super::online::Online;
use crate::provider::ChargeKind;

/// The provider's name in `providers.*` and in its callback URL.
pub const PROVIDER: &str = "bank";

pub fn connector(client: ProviderClient) -> Online {
    Online::new(Kind::VirtualAccount, ChargeKind::Transfer, client)
}
