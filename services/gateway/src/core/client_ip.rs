//! The client's address: the TCP peer, or, when the peer is a configured
//! proxy, the nearest address in `X-Forwarded-For` that is not one (so a
//! client cannot choose its own address by sending the header itself).

use std::net::{IpAddr, SocketAddr};

use axum::extract::ConnectInfo;
use axum::http::HeaderMap;

/// Set on every request by the gateway's middleware.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

pub fn client_ip(
    peer: Option<&ConnectInfo<SocketAddr>>,
    headers: &HeaderMap,
    trusted_proxies: &[IpAddr],
) -> IpAddr {
    let peer = peer.map_or(IpAddr::from([127, 0, 0, 1]), |info| info.0.ip());
    if !trusted_proxies.contains(&peer) {
        return peer;
    }
    let forwarded: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|part| part.trim().parse().ok())
        .collect();
    forwarded
        .into_iter()
        .rev()
        .find(|address| !trusted_proxies.contains(address))
        .unwrap_or(peer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn forwarded_for_counts_only_behind_a_trusted_proxy() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            HeaderValue::from_static("6.6.6.6, 203.0.113.9, 10.0.0.2"),
        );
        let proxy = ConnectInfo(SocketAddr::from(([10, 0, 0, 1], 4000)));
        let trusted: Vec<IpAddr> = vec![[10, 0, 0, 1].into(), [10, 0, 0, 2].into()];
        assert_eq!(
            client_ip(Some(&proxy), &headers, &trusted),
            IpAddr::from([203, 0, 113, 9])
        );
        // Straight from the internet: the header is the client's own claim.
        let direct = ConnectInfo(SocketAddr::from(([198, 51, 100, 7], 4000)));
        assert_eq!(
            client_ip(Some(&direct), &headers, &trusted),
            IpAddr::from([198, 51, 100, 7])
        );
    }
}
