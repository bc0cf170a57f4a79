//! Endpoint names on a machine without a cluster: an address that belongs to a network
//! namespace (`ip netns`) is named after it, the local analogue of pod names. The map
//! is rebuilt from `ip -j -n NAME addr` every few seconds, so namespaces that come and
//! go are named while they exist.

use mizu_model::{Entry, Short};
use std::collections::HashMap;
use std::process::Command;

/// Address (as entries print it) → namespace name.
#[derive(Default)]
pub struct NetnsNames {
    map: HashMap<Short, Short>,
}

/// Addresses of namespace `ns` (global scope only: loopback exists in every namespace).
pub fn netns_addresses(ns: &str) -> Vec<String> {
    let Ok(out) = Command::new("ip").args(["-j", "-n", ns, "addr"]).output() else {
        return Vec::new();
    };
    if !out.status.success() {
        return Vec::new();
    }
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(&out.stdout) else {
        return Vec::new();
    };
    let mut ips = Vec::new();
    for link in v.as_array().into_iter().flatten() {
        for a in link["addr_info"].as_array().into_iter().flatten() {
            if a["scope"] == "global"
                && let Some(ip) = a["local"].as_str()
            {
                ips.push(ip.to_owned());
            }
        }
    }
    ips
}

impl NetnsNames {
    /// Rebuilds the map from the namespaces under /var/run/netns.
    pub fn refresh(&mut self) {
        let mut map = HashMap::new();
        for ns in mizu_source::live::list_netns() {
            for ip in netns_addresses(&ns) {
                map.insert(Short::from(ip), Short::from(ns.as_str()));
            }
        }
        self.map = map;
    }

    /// Names `src`/`dst` of `e` when their address is a namespace's (a name the
    /// dissector already set is kept).
    pub fn apply(&self, e: &mut Entry) {
        if self.map.is_empty() {
            return;
        }
        for ep in [&mut e.src, &mut e.dst] {
            if ep.name.is_empty()
                && let Some(n) = self.map.get(&ep.ip)
            {
                ep.name = n.clone();
            }
        }
    }
}
