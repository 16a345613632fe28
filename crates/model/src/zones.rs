//! Network zones (zones.md, "Zone object", "Address object"; the NetworkZone tag of the
//! spec): IP zones whose `gateways` and `proxies` are CIDR blocks (`10.0.0.0/8`,
//! `2001:db8::/32`) or ranges (`10.0.0.1-10.0.0.15`), IPv4 or IPv6, and the pure membership
//! test policy network conditions use.
//!
//! Invariant: an address parsed by [`Address::parse`] is valid everywhere; `contains` never
//! fails, and an IPv4 address is never inside an IPv6 block or range (nor the reverse).

use serde::{Deserialize, Serialize};
use std::net::IpAddr;

use crate::error::DomainError;

/// One entry of `gateways` or `proxies`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddressEntry {
    /// CIDR or RANGE.
    #[serde(rename = "type")]
    pub kind: String,
    pub value: String,
}

/// A parsed address block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Address {
    Cidr { network: IpAddr, prefix: u8 },
    Range { first: IpAddr, last: IpAddr },
}

fn to_u128(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(v4) => u128::from(u32::from(v4)),
        IpAddr::V6(v6) => u128::from(v6),
    }
}

fn same_family(a: IpAddr, b: IpAddr) -> bool {
    a.is_ipv4() == b.is_ipv4()
}

impl Address {
    /// Parses `value` as `kind` (CIDR or RANGE). A CIDR with host bits set is accepted (the
    /// host bits are ignored); a range's first address must not be after its last; a bare
    /// address is accepted as a range of one for RANGE.
    pub fn parse(kind: &str, value: &str) -> Option<Self> {
        let value = value.trim();
        match kind {
            "CIDR" => {
                let (ip, bits) = value.split_once('/')?;
                let network: IpAddr = ip.trim().parse().ok()?;
                let prefix: u8 = bits.trim().parse().ok()?;
                let max = if network.is_ipv4() { 32 } else { 128 };
                (prefix <= max).then_some(Self::Cidr { network, prefix })
            }
            "RANGE" => {
                let (first, last) = match value.split_once('-') {
                    Some((a, b)) => (a.trim().parse().ok()?, b.trim().parse().ok()?),
                    None => {
                        let one: IpAddr = value.parse().ok()?;
                        (one, one)
                    }
                };
                (same_family(first, last) && to_u128(first) <= to_u128(last))
                    .then_some(Self::Range { first, last })
            }
            _ => None,
        }
    }

    /// Whether `ip` is inside this block.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match *self {
            Self::Cidr { network, prefix } => {
                if !same_family(network, ip) {
                    return false;
                }
                let width: u32 = if network.is_ipv4() { 32 } else { 128 };
                let host_bits = width - u32::from(prefix);
                let mask = if host_bits >= 128 {
                    0
                } else {
                    u128::MAX << host_bits
                };
                (to_u128(network) & mask) == (to_u128(ip) & mask)
            }
            Self::Range { first, last } => {
                same_family(first, ip) && (to_u128(first)..=to_u128(last)).contains(&to_u128(ip))
            }
        }
    }
}

/// Validates a list of address entries (`gateways` or `proxies`), at most 150 per list as
/// Okta allows.
pub fn validate_addresses(field: &str, entries: &[AddressEntry]) -> Result<(), DomainError> {
    if entries.len() > 150 {
        return Err(DomainError::invalid(
            field,
            format!("{field}: At most 150 addresses are allowed."),
        ));
    }
    for entry in entries {
        if Address::parse(&entry.kind, &entry.value).is_none() {
            return Err(DomainError::invalid(
                field,
                format!(
                    "{field}: {} is not a valid {} address.",
                    entry.value,
                    if entry.kind == "RANGE" {
                        "RANGE"
                    } else {
                        "CIDR"
                    }
                ),
            ));
        }
    }
    Ok(())
}

/// Whether `ip` is in any of `entries` (invalid stored entries match nothing).
pub fn addresses_contain(entries: &[AddressEntry], ip: IpAddr) -> bool {
    entries
        .iter()
        .any(|e| Address::parse(&e.kind, &e.value).is_some_and(|address| address.contains(ip)))
}

/// An IP zone as membership reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IpZone {
    pub id: String,
    pub active: bool,
    pub gateways: Vec<AddressEntry>,
}

/// Whether the client address `ip` is in `zone` (its gateways). An inactive zone contains
/// nothing.
pub fn zone_contains(zone: &IpZone, ip: IpAddr) -> bool {
    zone.active && addresses_contain(&zone.gateways, ip)
}

/// The ids of the zones that contain `ip`.
pub fn zones_containing(zones: &[IpZone], ip: IpAddr) -> Vec<String> {
    zones
        .iter()
        .filter(|z| zone_contains(z, ip))
        .map(|z| z.id.clone())
        .collect()
}

/// The client address of a request (zones.md's proxy rules): the connection's peer, unless
/// the peer is a trusted proxy, in which case the right-most `X-Forwarded-For` address that
/// is not itself a trusted proxy.
pub fn client_ip(peer: IpAddr, forwarded_for: Option<&str>, trusted: &[AddressEntry]) -> IpAddr {
    if !addresses_contain(trusted, peer) {
        return peer;
    }
    let Some(header) = forwarded_for else {
        return peer;
    };
    let mut chosen = peer;
    for hop in header.rsplit(',') {
        match hop.trim().parse::<IpAddr>() {
            Ok(ip) => {
                chosen = ip;
                if !addresses_contain(trusted, ip) {
                    break;
                }
            }
            Err(_) => break,
        }
    }
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn entry(kind: &str, value: &str) -> AddressEntry {
        AddressEntry {
            kind: kind.into(),
            value: value.into(),
        }
    }

    #[test]
    fn contains_table() {
        let cases = [
            ("CIDR", "10.0.0.0/8", "10.1.2.3", true),
            ("CIDR", "10.0.0.0/8", "11.0.0.1", false),
            ("CIDR", "192.168.1.7/32", "192.168.1.7", true),
            ("CIDR", "192.168.1.7/32", "192.168.1.8", false),
            ("CIDR", "0.0.0.0/0", "8.8.8.8", true),
            ("CIDR", "10.0.0.9/24", "10.0.0.200", true),
            ("CIDR", "2001:db8::/32", "2001:db8:1::1", true),
            ("CIDR", "2001:db8::/32", "2001:db9::1", false),
            ("CIDR", "::/0", "::1", true),
            ("CIDR", "::/0", "127.0.0.1", false),
            ("CIDR", "10.0.0.0/8", "::ffff:10.0.0.1", false),
            ("RANGE", "10.0.0.1-10.0.0.15", "10.0.0.1", true),
            ("RANGE", "10.0.0.1-10.0.0.15", "10.0.0.15", true),
            ("RANGE", "10.0.0.1-10.0.0.15", "10.0.0.16", false),
            ("RANGE", "10.0.0.1-10.0.0.15", "10.0.0.0", false),
            ("RANGE", "2001:db8::1-2001:db8::ff", "2001:db8::80", true),
            ("RANGE", "2001:db8::1-2001:db8::ff", "2001:db8::100", false),
            ("RANGE", "10.0.0.5", "10.0.0.5", true),
        ];
        for (kind, value, addr, expected) in cases {
            let a = Address::parse(kind, value).unwrap_or_else(|| panic!("{value}"));
            assert_eq!(a.contains(ip(addr)), expected, "{value} ∋ {addr}");
        }
    }

    #[test]
    fn bad_addresses_do_not_parse() {
        for (kind, value) in [
            ("CIDR", "10.0.0.0"),
            ("CIDR", "10.0.0.0/33"),
            ("CIDR", "2001:db8::/129"),
            ("CIDR", "ten/8"),
            ("RANGE", "10.0.0.9-10.0.0.1"),
            ("RANGE", "10.0.0.1-2001:db8::1"),
            ("RANGE", "x-y"),
            ("HOST", "10.0.0.1"),
        ] {
            assert!(Address::parse(kind, value).is_none(), "{kind} {value}");
        }
        assert!(validate_addresses("gateways", &[entry("CIDR", "1.2.3.4/40")]).is_err());
        assert!(validate_addresses("gateways", &[entry("CIDR", "1.2.3.4/24")]).is_ok());
    }

    #[test]
    fn zone_membership_needs_an_active_zone() {
        let mut zone = IpZone {
            id: "nzo1".into(),
            active: true,
            gateways: vec![
                entry("CIDR", "10.0.0.0/8"),
                entry("RANGE", "192.168.0.1-192.168.0.9"),
            ],
        };
        assert!(zone_contains(&zone, ip("10.9.9.9")));
        assert!(zone_contains(&zone, ip("192.168.0.3")));
        assert!(!zone_contains(&zone, ip("192.168.0.10")));
        zone.active = false;
        assert!(!zone_contains(&zone, ip("10.9.9.9")));
    }

    #[test]
    fn forwarded_for_only_through_a_trusted_proxy() {
        let trusted = [entry("CIDR", "10.0.0.0/8")];
        // Untrusted peer: the header is ignored.
        assert_eq!(
            client_ip(ip("8.8.8.8"), Some("1.2.3.4"), &trusted),
            ip("8.8.8.8")
        );
        // Trusted peer: the right-most untrusted hop.
        assert_eq!(
            client_ip(ip("10.0.0.1"), Some("1.2.3.4, 5.6.7.8, 10.0.0.2"), &trusted),
            ip("5.6.7.8")
        );
        // No header or garbage: the peer.
        assert_eq!(client_ip(ip("10.0.0.1"), None, &trusted), ip("10.0.0.1"));
        assert_eq!(
            client_ip(ip("10.0.0.1"), Some("junk"), &trusted),
            ip("10.0.0.1")
        );
        // No trusted proxies configured: always the peer.
        assert_eq!(
            client_ip(ip("10.0.0.1"), Some("1.2.3.4"), &[]),
            ip("10.0.0.1")
        );
    }
}
