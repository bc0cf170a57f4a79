//! Endpoint names on a machine without a cluster: an address that belongs to a network
//! namespace (`ip netns`) is named after it, the local analogue of pod names. The table
//! is rebuilt from `ip -j -n NAME addr` every few seconds, so namespaces that come and
//! go are named while they exist. It goes into the hub's name table, the same one the
//! Kubernetes watches fill in a cluster: the hub names entries at ingest.

use mizu_hub::names::{NameInfo, NameTable, Names, Source};
use std::process::Command;

/// Fills a hub's [`NameTable`] from the network namespaces.
#[derive(Default)]
pub struct NetnsNames {
    last: Vec<(String, String)>,
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
    /// Rebuilds the names from the namespaces under /var/run/netns and publishes them in
    /// `table` when they changed.
    pub fn refresh(&mut self, table: &NameTable) {
        let mut pairs = Vec::new();
        for ns in mizu_source::live::list_netns() {
            for ip in netns_addresses(&ns) {
                pairs.push((ip, ns.clone()));
            }
        }
        if pairs == self.last {
            return;
        }
        let mut names = Names::default();
        for (ip, ns) in &pairs {
            names.insert_ip(ip, NameInfo::new(ns, "", Source::Other));
        }
        table.set(names);
        self.last = pairs;
    }
}
