//! Convenience-store slip (7-11, FamilyMart, Hi-Life, OK): the slip's number
//! and barcodes are the payment service's; the collector reports the
//! store payment with a signed notice.

use laissez_catalog::format::Connector as Kind;

use super::ProviderClient;
use super::online::Online;
use crate::provider::ChargeKind;

/// The provider's name in `providers.*` and in its callback URL.
pub const PROVIDER: &str = "cvs";

pub fn connector(client: ProviderClient) -> Online {
    Online::new(Kind::ConvenienceStore, ChargeKind::Slip, client)
}
