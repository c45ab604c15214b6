//! International credit card: the acquirer's hosted payment page; the browser
//! comes back to the result page, the acquirer's signed notice settles it.

use laissez_catalog::format::Connector as Kind;

use super::ProviderClient;
use super::online::Online;
use crate::provider::ChargeKind;

/// The provider's name in `providers.*` and in its callback URL.
pub const PROVIDER: &str = "card";

pub fn connector(client: ProviderClient) -> Online {
    Online::new(Kind::Card, ChargeKind::Hosted, client)
}
