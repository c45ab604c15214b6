//! The e-government payment platform's hosted page (account transfer, web
//! ATM, card).

use laissez_catalog::format::Connector as Kind;

use super::ProviderClient;
use super::online::Online;
use crate::provider::ChargeKind;

/// The provider's name in `providers.*` and in its callback URL.
pub const PROVIDER: &str = "egov";

pub fn connector(client: ProviderClient) -> Online {
    Online::new(Kind::Egov, ChargeKind::Hosted, client)
}
