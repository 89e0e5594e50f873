//! Who is asking: the client's IP address, which every per-address limit is keyed on.
//!
//! Directly on the internet that is the TCP peer. Behind a TLS-terminating reverse proxy the
//! peer is the proxy for everyone, so five wrong PINs from anyone would lock out every
//! customer; the proxy says who its client was in `X-Forwarded-For` (or RFC 7239
//! `Forwarded`). Those headers are written by whoever sends the request, so they are read
//! only when the TCP peer is one of the configured trusted proxies, and then only the
//! right-most hop that is not itself a trusted proxy counts: every hop left of it was
//! written by the client and may be invented.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use ipnet::IpNet;

use crate::http::error::ApiError;
use crate::state::AppState;

/// Which header the trusted proxies write. Only one is read: a proxy that appends to
/// `X-Forwarded-For` passes a client's own `Forwarded` header on untouched, and reading that
/// one too would let the client choose its address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ForwardedHeader {
    #[default]
    XForwardedFor,
    /// RFC 7239 `Forwarded: for=…`.
    Forwarded,
}

impl std::str::FromStr for ForwardedHeader {
    type Err = String;

    fn from_str(text: &str) -> Result<ForwardedHeader, String> {
        match text.to_ascii_lowercase().as_str() {
            "x-forwarded-for" => Ok(ForwardedHeader::XForwardedFor),
            "forwarded" => Ok(ForwardedHeader::Forwarded),
            _ => Err(format!("{text:?}: expected x-forwarded-for or forwarded")),
        }
    }
}

/// The proxies whose forwarding headers are believed, and which header they write.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies {
    pub networks: Vec<IpNet>,
    pub header: ForwardedHeader,
}

impl TrustedProxies {
    pub fn trusts(&self, address: IpAddr) -> bool {
        let address = canonical(address);
        self.networks.iter().any(|net| net.contains(&address))
    }

    /// The client behind `peer`: `peer` itself unless it is a trusted proxy.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let mut client = canonical(peer);
        if !self.trusts(client) {
            return client;
        }
        // Right to left: each hop was added by the one to its right, trusted so far.
        for hop in self.hops(headers).into_iter().rev() {
            let Some(hop) = hop else {
                // "unknown", an obfuscated name or garbage: the trusted proxy that wrote it
                // is the best address there is (never one the client could choose).
                return client;
            };
            client = canonical(hop);
            if !self.trusts(client) {
                return client;
            }
        }
        client
    }

    /// Every hop of every instance of the header, in order; None where a hop is no address.
    fn hops(&self, headers: &HeaderMap) -> Vec<Option<IpAddr>> {
        let name = match self.header {
            ForwardedHeader::XForwardedFor => "x-forwarded-for",
            ForwardedHeader::Forwarded => "forwarded",
        };
        let mut hops = Vec::new();
        for value in headers.get_all(name) {
            let Ok(value) = value.to_str() else {
                hops.push(None);
                continue;
            };
            for element in value.split(',') {
                let address = match self.header {
                    ForwardedHeader::XForwardedFor => parse_node(element),
                    ForwardedHeader::Forwarded => forwarded_for(element).and_then(parse_node),
                };
                hops.push(address);
            }
        }
        hops
    }
}

/// The `for=` parameter of one `Forwarded` element.
fn forwarded_for(element: &str) -> Option<&str> {
    element.split(';').find_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case("for")
            .then(|| value.trim().trim_matches('"'))
    })
}

/// `192.0.2.1`, `192.0.2.1:4711`, `2001:db8::1`, `[2001:db8::1]`, `[2001:db8::1]:4711`.
fn parse_node(node: &str) -> Option<IpAddr> {
    let node = node.trim();
    if let Ok(address) = node.parse::<IpAddr>() {
        return Some(address);
    }
    if let Ok(socket) = node.parse::<SocketAddr>() {
        return Some(socket.ip());
    }
    node.strip_prefix('[')
        .and_then(|rest| rest.strip_suffix(']'))
        .and_then(|inner| inner.parse().ok())
}

/// One client, for every per-client limit: an IPv4 address, or an IPv6 /64 (IPv6 clients
/// usually control a whole /64, so counting single addresses would give them 2^64 tries).
pub fn bucket(address: IpAddr) -> IpAddr {
    match canonical(address) {
        IpAddr::V6(v6) => {
            let mut segments = v6.segments();
            segments[4..].fill(0);
            IpAddr::V6(segments.into())
        }
        v4 => v4,
    }
}

/// An IPv4 client reached over an IPv6 socket is the IPv4 address.
fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
        IpAddr::V4(_) => address,
    }
}

/// The client's address, as every rate limit and log line must see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<ClientAddr, ApiError> {
        let ConnectInfo(peer) = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .copied()
            .ok_or_else(|| anyhow::anyhow!("the connection's peer address is missing"))?;
        Ok(ClientAddr(
            state
                .config
                .trusted_proxies
                .client(peer.ip(), &parts.headers),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn proxies(header: ForwardedHeader) -> TrustedProxies {
        TrustedProxies {
            networks: vec!["10.0.0.0/8".parse().unwrap(), "::1/128".parse().unwrap()],
            header,
        }
    }

    fn headers(name: &'static str, values: &[&'static str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(name, HeaderValue::from_static(value));
        }
        headers
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_claims() {
        let proxies = proxies(ForwardedHeader::XForwardedFor);
        let claims = headers("x-forwarded-for", &["203.0.113.9"]);
        assert_eq!(
            proxies.client(ip("198.51.100.1"), &claims),
            ip("198.51.100.1")
        );
    }

    #[test]
    fn behind_a_trusted_proxy_the_right_most_untrusted_hop_is_the_client() {
        let proxies = proxies(ForwardedHeader::XForwardedFor);
        // The client sent "1.1.1.1" itself; its real address was appended by the proxy.
        let forwarded = headers("x-forwarded-for", &["1.1.1.1, 198.51.100.7", "10.1.2.3"]);
        assert_eq!(
            proxies.client(ip("10.0.0.1"), &forwarded),
            ip("198.51.100.7")
        );
        assert_eq!(
            proxies.client(
                ip("10.0.0.1"),
                &headers("x-forwarded-for", &["[2001:db8::5]:99"])
            ),
            ip("2001:db8::5")
        );
    }

    #[test]
    fn a_trusted_peer_without_the_header_or_with_garbage_is_itself() {
        let proxies = proxies(ForwardedHeader::XForwardedFor);
        assert_eq!(
            proxies.client(ip("10.0.0.1"), &HeaderMap::new()),
            ip("10.0.0.1")
        );
        let garbage = headers("x-forwarded-for", &["198.51.100.7, unknown"]);
        assert_eq!(proxies.client(ip("10.0.0.1"), &garbage), ip("10.0.0.1"));
    }

    #[test]
    fn only_the_configured_header_is_read() {
        let proxies = proxies(ForwardedHeader::Forwarded);
        let both = {
            let mut h = headers("x-forwarded-for", &["203.0.113.1"]);
            h.append(
                "forwarded",
                HeaderValue::from_static(
                    "for=192.0.2.60;proto=https, for=\"[2001:db8:cafe::17]:4711\"",
                ),
            );
            h
        };
        assert_eq!(proxies.client(ip("::1"), &both), ip("2001:db8:cafe::17"));
        assert_eq!(
            proxies.client(
                ip("::ffff:10.0.0.1"),
                &headers("forwarded", &["for=192.0.2.60"])
            ),
            ip("192.0.2.60"),
            "an IPv4-mapped peer is matched against IPv4 networks"
        );
    }
}
