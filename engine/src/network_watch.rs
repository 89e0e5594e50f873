//! Noticing that the device's network changed, for a shell without the system's callbacks:
//! the phones have theirs (Android's ConnectivityManager, iOS's NWPathMonitor) and call
//! [`Engine::network_changed`](crate::Engine::network_changed) from them; the desktop app
//! polls its interface addresses with an [`AddressWatch`] instead.

use std::collections::BTreeSet;
use std::net::IpAddr;

use rtc::shared::ifaces::{Kind, ifaces};

/// The addresses this device could reach a peer from, compared between two looks.
pub struct AddressWatch {
    last: BTreeSet<IpAddr>,
}

impl AddressWatch {
    /// Starts from the addresses there are now.
    pub fn new() -> AddressWatch {
        AddressWatch {
            last: usable_addresses(),
        }
    }

    /// Whether the addresses differ from the last look (one added, one gone).
    pub fn changed(&mut self) -> bool {
        let now = usable_addresses();
        let changed = now != self.last;
        self.last = now;
        changed
    }
}

impl Default for AddressWatch {
    fn default() -> Self {
        AddressWatch::new()
    }
}

/// Whether `ip` is (still) one of this device's addresses. An enumeration that fails
/// answers yes: only a positive "gone" may end a connection.
pub(crate) fn is_local_address(ip: IpAddr) -> bool {
    if ip.is_loopback() || ip.is_unspecified() {
        return true;
    }
    match ifaces() {
        Ok(interfaces) => interfaces
            .iter()
            .any(|interface| interface.addr.is_some_and(|addr| addr.ip() == ip)),
        Err(_) => true,
    }
}

/// Every interface address ICE could gather a host candidate on: not loopback, not IPv6
/// link-local (which changes with nothing a session cares about). An enumeration that
/// fails reads as no address, so its recovery reads as a change.
fn usable_addresses() -> BTreeSet<IpAddr> {
    let Ok(interfaces) = ifaces() else {
        return BTreeSet::new();
    };
    interfaces
        .into_iter()
        .filter(|interface| matches!(interface.kind, Kind::Ipv4 | Kind::Ipv6))
        .filter_map(|interface| interface.addr.map(|addr| addr.ip()))
        .filter(|ip| !ip.is_loopback() && !is_ipv6_link_local(ip))
        .collect()
}

fn is_ipv6_link_local(ip: &IpAddr) -> bool {
    matches!(ip, IpAddr::V6(v6) if (v6.segments()[0] & 0xffc0) == 0xfe80)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_addresses_twice_are_no_change() {
        let mut watch = AddressWatch::new();
        assert!(!watch.changed());
        assert!(!watch.changed());
    }

    #[test]
    fn an_address_of_this_device_is_local_and_a_foreign_one_is_not() {
        assert!(is_local_address("127.0.0.1".parse().unwrap()));
        for ip in usable_addresses() {
            assert!(is_local_address(ip), "{ip}");
        }
        // TEST-NET-3 (RFC 5737): documentation only, on no interface anywhere.
        assert!(!is_local_address("203.0.113.7".parse().unwrap()));
    }

    #[test]
    fn loopback_and_link_local_never_count() {
        assert!(usable_addresses().iter().all(|ip| !ip.is_loopback()));
        assert!(is_ipv6_link_local(&"fe80::1".parse().unwrap()));
        assert!(!is_ipv6_link_local(&"2001:db8::1".parse().unwrap()));
    }
}
