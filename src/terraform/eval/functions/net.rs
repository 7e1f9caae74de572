//! IP network functions: `cidrhost`, `cidrnetmask`, `cidrsubnet`, `cidrsubnets`, for IPv4 and
//! IPv6, with address arithmetic on `u128`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::{arity, integer, text, EvalError, EvalResult, Value};

pub(super) fn apply(name: &str, args: &[Value]) -> Option<EvalResult> {
    let result = match name {
        "cidrhost" => (|| {
            arity(name, args, 2, 2)?;
            let net = Net::parse(name, &text(name, &args[0])?)?;
            let host = integer(name, &args[1])?;
            let size = 1u128.checked_shl(net.host_bits()).unwrap_or(0);
            let offset = if host < 0 {
                size.checked_sub(u128::from(host.unsigned_abs()))
            } else {
                Some(host as u128).filter(|h| size == 0 || *h < size)
            };
            let Some(offset) = offset else {
                return Err(EvalError::new(format!(
                    "cidrhost: prefix of {} bits has no host number {host}",
                    net.prefix
                )));
            };
            Ok(Value::String(net.address(net.base() | offset)))
        })(),
        "cidrnetmask" => (|| {
            arity(name, args, 1, 1)?;
            let net = Net::parse(name, &text(name, &args[0])?)?;
            if !net.v4 {
                return Err(EvalError::new("cidrnetmask: only IPv4 networks have a netmask"));
            }
            let mask = if net.prefix == 0 { 0 } else { u32::MAX << (32 - net.prefix) };
            Ok(Value::String(Ipv4Addr::from(mask).to_string()))
        })(),
        "cidrsubnet" => (|| {
            arity(name, args, 3, 3)?;
            let net = Net::parse(name, &text(name, &args[0])?)?;
            let newbits = integer(name, &args[1])?;
            let netnum = integer(name, &args[2])?;
            net.subnet(newbits, netnum).map(|n| Value::String(n.to_string()))
        })(),
        "cidrsubnets" => (|| {
            if args.is_empty() {
                return Err(EvalError::new("cidrsubnets: a prefix is required"));
            }
            let net = Net::parse(name, &text(name, &args[0])?)?;
            let mut out = Vec::with_capacity(args.len() - 1);
            // Each subnet starts at the first address after the previous one, aligned up.
            let mut next = net.base();
            for a in &args[1..] {
                let newbits = integer(name, a)?;
                if newbits < 1 || net.prefix + newbits as u32 > net.bits() {
                    return Err(EvalError::new(format!("cidrsubnets: invalid number of new bits {newbits}")));
                }
                let prefix = net.prefix + newbits as u32;
                let size = 1u128.checked_shl(net.bits() - prefix).unwrap_or(0);
                let start = if size == 0 { next } else { next.div_ceil(size) * size };
                let sub = Net { addr: start, prefix, v4: net.v4 };
                if start < net.base() || (sub.base() | net.mask_host()) != net.base() | net.mask_host() {
                    return Err(EvalError::new(format!("cidrsubnets: not enough remaining address space for a subnet with a prefix of {prefix} bits")));
                }
                out.push(Value::String(sub.to_string()));
                next = start.saturating_add(size);
            }
            Ok(Value::List(out))
        })(),
        _ => return None,
    };
    Some(result)
}

#[derive(Clone, Copy)]
struct Net {
    addr: u128,
    prefix: u32,
    v4: bool,
}

impl Net {
    fn parse(name: &str, s: &str) -> Result<Self, EvalError> {
        let bad = || EvalError::new(format!("{name}: invalid CIDR expression: invalid CIDR address: {s}"));
        let (ip, prefix) = s.split_once('/').ok_or_else(bad)?;
        let prefix: u32 = prefix.parse().map_err(|_| bad())?;
        let ip = parse_ip(ip).ok_or_else(bad)?;
        let (addr, v4) = match ip {
            IpAddr::V4(a) => (u128::from(u32::from(a)), true),
            IpAddr::V6(a) => (u128::from(a), false),
        };
        let net = Net { addr, prefix, v4 };
        if prefix > net.bits() {
            return Err(bad());
        }
        Ok(net)
    }

    fn bits(&self) -> u32 {
        if self.v4 {
            32
        } else {
            128
        }
    }

    fn host_bits(&self) -> u32 {
        self.bits() - self.prefix
    }

    fn mask_host(&self) -> u128 {
        1u128.checked_shl(self.host_bits()).map_or(u128::MAX, |s| s - 1)
    }

    fn base(&self) -> u128 {
        self.addr & !self.mask_host()
    }

    fn address(&self, a: u128) -> String {
        if self.v4 {
            Ipv4Addr::from(a as u32).to_string()
        } else {
            Ipv6Addr::from(a).to_string()
        }
    }

    fn subnet(&self, newbits: i64, netnum: i64) -> Result<Net, EvalError> {
        if newbits < 0 || self.prefix as i64 + newbits > self.bits() as i64 {
            return Err(EvalError::new(format!(
                "cidrsubnet: insufficient address space to extend prefix of {} by {newbits}",
                self.prefix
            )));
        }
        let prefix = self.prefix + newbits as u32;
        if netnum < 0 || (newbits < 64 && (netnum as u128) >= (1u128 << newbits)) {
            return Err(EvalError::new(format!(
                "cidrsubnet: prefix extension of {newbits} does not accommodate a subnet numbered {netnum}"
            )));
        }
        let shift = self.bits() - prefix;
        let addr = self.base() | (netnum as u128).checked_shl(shift).unwrap_or(0);
        Ok(Net { addr, prefix, v4: self.v4 })
    }
}

impl std::fmt::Display for Net {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.address(self.base()), self.prefix)
    }
}

/// Terraform accepts IPv4 octets with leading zeros (as decimal); Rust's parser does not.
fn parse_ip(s: &str) -> Option<IpAddr> {
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Some(ip);
    }
    let octets: Vec<u8> = s.split('.').map(|o| o.parse::<u8>().ok()).collect::<Option<_>>()?;
    let octets: [u8; 4] = octets.try_into().ok()?;
    Some(IpAddr::V4(Ipv4Addr::from(octets)))
}
