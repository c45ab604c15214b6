//! Web ATM: the collecting bank's page (chip card and reader), then back.

use laissez_catalog::format::Connector as Kind;

use super::ProviderClient;
use super::online::Online;
use crate::provider::ChargeKind;

/// The provider's name in `providers.*` and in its callback URL.
pub const PROVIDER: &str = "webatm";

pub fn connector(client: ProviderClient) -> Online {
    Online::new(Kind::WebAtm, ChargeKind::Hosted, client)
}
