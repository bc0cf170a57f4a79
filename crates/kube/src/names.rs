//! Endpoint names from the cluster, as a pure function of the watched objects: Services
//! (ClusterIP, ClusterIP:port, load balancer IPs → `service.namespace`), EndpointSlices
//! (each endpoint address and address:port → its Service's `service.namespace`) and Pods
//! (any other pod IP → `pod.namespace`). The result is a [`mizu_hub::names::Names`]
//! snapshot the hub applies at ingest.
//!
//! Names are `service.namespace`, never a DNS name: no cluster domain is involved here.
//! (Where mizu writes a DNS name, e.g. the hub address agents dial, the domain is the
//! configurable `cluster-domain`, see [`cluster_domain`].)

use k8s_openapi::api::core::v1::{Pod, Service};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use mizu_hub::names::{NameInfo, Names, Source};

/// Label tying an EndpointSlice to its Service.
pub const SERVICE_NAME_LABEL: &str = "kubernetes.io/service-name";

/// Builds the names. Inputs in any order; the result does not depend on it (services win
/// over endpoints, endpoints over pods; ties go to the first in sorted order).
pub fn build<'a>(
    pods: impl IntoIterator<Item = &'a Pod>,
    services: impl IntoIterator<Item = &'a Service>,
    slices: impl IntoIterator<Item = &'a EndpointSlice>,
) -> Names {
    let mut names = Names::default();
    let mut services: Vec<&Service> = services.into_iter().collect();
    services.sort_by_key(|s| (s.metadata.namespace.clone(), s.metadata.name.clone()));
    for svc in services {
        let (Some(name), Some(ns)) = (&svc.metadata.name, &svc.metadata.namespace) else {
            continue;
        };
        let info = NameInfo::new(&format!("{name}.{ns}"), ns, Source::Service);
        let Some(spec) = &svc.spec else { continue };
        let mut ips: Vec<&str> = spec
            .cluster_ips
            .iter()
            .flatten()
            .map(String::as_str)
            .chain(spec.cluster_ip.as_deref())
            .chain(spec.external_ips.iter().flatten().map(String::as_str))
            .filter(|ip| !ip.is_empty() && *ip != "None")
            .collect();
        if let Some(lb) = svc.status.as_ref().and_then(|s| s.load_balancer.as_ref()) {
            ips.extend(
                lb.ingress
                    .iter()
                    .flatten()
                    .filter_map(|i| i.ip.as_deref())
                    .filter(|ip| !ip.is_empty()),
            );
        }
        for ip in ips {
            names.insert_ip(ip, info.clone());
            for p in spec.ports.iter().flatten() {
                if let Ok(port) = u16::try_from(p.port) {
                    names.insert_ip_port(ip, port, info.clone());
                }
            }
        }
    }
    let mut slices: Vec<&EndpointSlice> = slices.into_iter().collect();
    slices.sort_by_key(|s| (s.metadata.namespace.clone(), s.metadata.name.clone()));
    for slice in slices {
        let Some(ns) = &slice.metadata.namespace else {
            continue;
        };
        let Some(svc) = slice
            .metadata
            .labels
            .as_ref()
            .and_then(|l| l.get(SERVICE_NAME_LABEL))
        else {
            continue;
        };
        let info = NameInfo::new(&format!("{svc}.{ns}"), ns, Source::Endpoint);
        for ep in &slice.endpoints {
            for ip in &ep.addresses {
                names.insert_ip(ip, info.clone());
                for p in slice.ports.iter().flatten() {
                    if let Some(port) = p.port.and_then(|p| u16::try_from(p).ok()) {
                        names.insert_ip_port(ip, port, info.clone());
                    }
                }
            }
        }
    }
    let mut pods: Vec<&Pod> = pods.into_iter().collect();
    pods.sort_by_key(|p| (p.metadata.namespace.clone(), p.metadata.name.clone()));
    for pod in pods {
        let (Some(name), Some(ns)) = (&pod.metadata.name, &pod.metadata.namespace) else {
            continue;
        };
        // A host-network pod's IP is its node's: naming the node after one pod misleads.
        if crate::target::host_network(pod) || pod.metadata.deletion_timestamp.is_some() {
            continue;
        }
        let info = NameInfo::new(&format!("{name}.{ns}"), ns, Source::Pod);
        for ip in crate::target::pod_ips(pod) {
            names.insert_ip(&ip, info.clone());
        }
    }
    names
}

/// The cluster's DNS domain: the configured `cluster-domain` if set, else the one the
/// pod's own resolver uses (the `search` line of `/etc/resolv.conf` text given, e.g.
/// `mizu.svc.example.org svc.example.org example.org` → `example.org`), else
/// `cluster.local`, Kubernetes' default.
pub fn cluster_domain(configured: Option<&str>, resolv_conf: Option<&str>) -> String {
    if let Some(d) = configured.map(str::trim).filter(|d| !d.is_empty()) {
        return d.trim_matches('.').to_owned();
    }
    if let Some(text) = resolv_conf {
        for line in text.lines() {
            let mut words = line.split_whitespace();
            if words.next() != Some("search") {
                continue;
            }
            for w in words {
                if let Some(rest) = w.trim_end_matches('.').split_once("svc.")
                    && rest.0.is_empty()
                    && !rest.1.is_empty()
                {
                    return rest.1.to_owned();
                }
            }
        }
    }
    "cluster.local".to_owned()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::target::tests::pod;
    use serde_json::json;

    pub(crate) fn service(ns: &str, name: &str, ip: &str, port: i32) -> Service {
        serde_json::from_value(json!({
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name, "namespace": ns, "resourceVersion": "1"},
            "spec": {"clusterIP": ip, "clusterIPs": [ip],
                     "ports": [{"port": port, "protocol": "TCP"}]}
        }))
        .expect("service")
    }

    pub(crate) fn slice(ns: &str, svc: &str, ips: &[&str], port: i32) -> EndpointSlice {
        serde_json::from_value(json!({
            "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"name": format!("{svc}-abc"), "namespace": ns, "resourceVersion": "1",
                         "labels": {SERVICE_NAME_LABEL: svc}},
            "addressType": "IPv4",
            "endpoints": ips.iter().map(|ip| json!({"addresses": [ip]})).collect::<Vec<_>>(),
            "ports": [{"port": port, "protocol": "TCP"}]
        }))
        .expect("slice")
    }

    #[test]
    fn services_endpoints_and_pods() {
        let pods = [
            pod("shop", "api-1", "n1", "Running", "10.244.1.7"),
            pod("web", "client-1", "n2", "Running", "10.244.2.3"),
        ];
        let svcs = [
            service("shop", "api", "10.96.0.10", 80),
            service("shop", "headless", "None", 80),
        ];
        let slices = [slice("shop", "api", &["10.244.1.7"], 8080)];
        let n = build(&pods, &svcs, &slices);
        let name = |ip: &str, port: &str| n.lookup(ip, port).map(|i| i.name.to_string());
        assert_eq!(name("10.96.0.10", "80").as_deref(), Some("api.shop"));
        assert_eq!(name("10.96.0.10", "81").as_deref(), Some("api.shop"));
        assert_eq!(name("10.244.1.7", "8080").as_deref(), Some("api.shop"));
        assert_eq!(
            n.lookup("10.244.1.7", "8080").map(|i| i.source),
            Some(Source::Endpoint)
        );
        assert_eq!(name("10.244.2.3", "5").as_deref(), Some("client-1.web"));
        assert_eq!(
            n.lookup_ip("10.244.2.3").map(|i| i.namespace.to_string()),
            Some("web".into())
        );
        assert!(n.lookup("None", "80").is_none());
    }

    #[test]
    fn cluster_domain_is_configured_or_the_clusters() {
        assert_eq!(cluster_domain(Some("corp.example."), None), "corp.example");
        let resolv = "nameserver 10.96.0.10\nsearch mizu.svc.k8s.acme svc.k8s.acme k8s.acme\noptions ndots:5\n";
        assert_eq!(cluster_domain(None, Some(resolv)), "k8s.acme");
        assert_eq!(cluster_domain(Some(" "), Some("")), "cluster.local");
    }
}
