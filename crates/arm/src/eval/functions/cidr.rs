//! CIDR functions: `parseCidr`, `cidrSubnet`, `cidrHost` (IPv4 and IPv6).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::super::EvalError;
use super::{f, Call, Def};
use crate::value::{Object, Value};

pub(super) const FUNCTIONS: &[Def] = &[
    f("parsecidr", 1, 1, parse_cidr),
    f("cidrsubnet", 3, 3, cidr_subnet),
    f("cidrhost", 2, 2, cidr_host),
];

/// A network as (address as integer, prefix length, bit width).
struct Net {
    addr: u128,
    prefix: u32,
    bits: u32,
}

impl Net {
    fn mask(&self) -> u128 {
        if self.prefix == 0 {
            0
        } else {
            (u128::MAX << (128 - self.prefix)) >> (128 - self.bits)
        }
    }
    fn network(&self) -> u128 {
        self.addr & self.mask()
    }
    fn broadcast(&self) -> u128 {
        let all = if self.bits == 128 {
            u128::MAX
        } else {
            (1u128 << self.bits) - 1
        };
        self.network() | (all & !self.mask())
    }
    fn show(&self, n: u128) -> String {
        if self.bits == 32 {
            Ipv4Addr::from(n as u32).to_string()
        } else {
            Ipv6Addr::from(n).to_string()
        }
    }
}

fn parse(c: &Call<'_, '_>, i: usize) -> Result<Net, EvalError> {
    let text = c.str(i)?;
    let bad = || c.err(format!("'{text}' is not a valid CIDR (e.g. '10.0.0.0/16')"));
    let (ip, prefix) = text.trim().split_once('/').ok_or_else(bad)?;
    let prefix: u32 = prefix.parse().map_err(|_| bad())?;
    let (addr, bits) = match ip.parse::<IpAddr>().map_err(|_| bad())? {
        IpAddr::V4(a) => (u128::from(u32::from(a)), 32),
        IpAddr::V6(a) => (u128::from(a), 128),
    };
    if prefix > bits {
        return Err(bad());
    }
    Ok(Net { addr, prefix, bits })
}

fn parse_cidr(c: &Call<'_, '_>) -> Result<Value, EvalError> {
    let n = parse(c, 0)?;
    let (first, last) = if n.bits == 32 && n.prefix < 31 {
        (n.network() + 1, n.broadcast() - 1)
    } else {
        (n.network(), n.broadcast())
    };
    let mut o = Object::new();
    o.insert("network".into(), Value::String(n.show(n.network())));
    o.insert("netmask".into(), Value::String(n.show(n.mask())));
    if n.bits == 32 {
        o.insert("broadcast".into(), Value::String(n.show(n.broadcast())));
    }
    o.insert("firstUsable".into(), Value::String(n.show(first)));
    o.insert("lastUsable".into(), Value::String(n.show(last)));
    o.insert("cidr".into(), Value::Int(i64::from(n.prefix)));
    Ok(Value::Object(o))
}

fn cidr_subnet(c: &Call<'_, '_>) -> Result<Value, EvalError> {
    let n = parse(c, 0)?;
    let new_prefix = c.int(1)?;
    let index = c.int(2)?;
    if new_prefix < i64::from(n.prefix) || new_prefix > i64::from(n.bits) {
        return Err(c.err(format!(
            "the new prefix length {new_prefix} must be between {} and {}",
            n.prefix, n.bits
        )));
    }
    let new_prefix = new_prefix as u32;
    let count_bits = new_prefix - n.prefix;
    if index < 0 || (count_bits < 127 && (index as u128) >= (1u128 << count_bits)) {
        return Err(c.err(format!(
            "the subnet index {index} is out of range for /{new_prefix} subnets of /{}",
            n.prefix
        )));
    }
    let size_bits = n.bits - new_prefix;
    let offset = if size_bits >= 128 {
        0
    } else {
        (index as u128) << size_bits
    };
    Ok(Value::String(format!(
        "{}/{new_prefix}",
        n.show(n.network() + offset)
    )))
}

fn cidr_host(c: &Call<'_, '_>) -> Result<Value, EvalError> {
    let n = parse(c, 0)?;
    let index = c.int(1)?;
    let host_bits = n.bits - n.prefix;
    // Host 0 is the first usable address (network + 1); the broadcast address is excluded.
    let usable: u128 = if host_bits >= 127 {
        u128::MAX
    } else {
        (1u128 << host_bits).saturating_sub(if n.bits == 32 { 2 } else { 1 })
    };
    if index < 0 || (index as u128) >= usable {
        return Err(c.err(format!(
            "the host index {index} is out of range for /{}",
            n.prefix
        )));
    }
    Ok(Value::String(n.show(n.network() + 1 + index as u128)))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{fails, ok};
    use serde_json::json;

    #[test]
    fn cidr() {
        assert_eq!(
            ok("[parseCidr('10.144.0.0/20')]"),
            json!({"network": "10.144.0.0", "netmask": "255.255.240.0", "broadcast": "10.144.15.255",
                   "firstUsable": "10.144.0.1", "lastUsable": "10.144.15.254", "cidr": 20})
        );
        assert_eq!(
            ok("[parseCidr('fdad:3236:5555::/48').netmask]"),
            json!("ffff:ffff:ffff::")
        );
        assert_eq!(
            ok("[cidrSubnet('10.144.0.0/20', 24, 3)]"),
            json!("10.144.3.0/24")
        );
        assert_eq!(
            ok("[cidrSubnet('fdad:3236:5555::/48', 52, 1)]"),
            json!("fdad:3236:5555:1000::/52")
        );
        assert_eq!(ok("[cidrHost('10.144.3.0/24', 0)]"), json!("10.144.3.1"));
        assert_eq!(
            ok("[cidrHost('10.144.3.0/24', 253)]"),
            json!("10.144.3.254")
        );
    }

    #[test]
    fn errors() {
        assert!(fails("[parseCidr('10.0.0.0')]")
            .message
            .contains("not a valid CIDR"));
        assert!(fails("[cidrSubnet('10.0.0.0/24', 16, 0)]")
            .message
            .contains("between"));
        assert!(fails("[cidrSubnet('10.0.0.0/24', 25, 2)]")
            .message
            .contains("out of range"));
        assert!(fails("[cidrHost('10.0.0.0/24', 254)]")
            .message
            .contains("out of range"));
    }
}
