//! Pod targeting, as pure functions over Pod objects: which pods `mizu tap [REGEX] [-n NS]...
//! [-A]` captures, and the [`TargetList`] each node's agents get. The watch that feeds it
//! is in [`crate::watch`].
//!
//! Rules (Mizu's): the regex is unanchored and matched against the pod name; namespaces
//! come from `-A` (all), else `-n` (repeatable, de-duplicated), else the kube context's
//! namespace; only Running pods with an IP; mizu's own pods are never targets.

use k8s_openapi::api::core::v1::Pod;
use mizu_proto::{Target, TargetList};
use regex::Regex;
use std::collections::{BTreeMap, BTreeSet};

/// Label every object mizu creates carries (`app.kubernetes.io/managed-by: mizu`).
pub const MANAGED_BY: &str = "app.kubernetes.io/managed-by";
/// `app.kubernetes.io/name: mizu` (also on every object mizu creates).
pub const APP_NAME: &str = "app.kubernetes.io/name";

/// Where to look for pods.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Namespaces {
    All,
    Only(BTreeSet<String>),
}

impl Namespaces {
    /// `-A` wins, else the `-n` values (de-duplicated; empty ones ignored), else the
    /// context's namespace (`default` when the context names none).
    pub fn resolve(all: bool, namespaces: &[String], context_namespace: Option<&str>) -> Self {
        if all {
            return Namespaces::All;
        }
        let set: BTreeSet<String> = namespaces
            .iter()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        if !set.is_empty() {
            return Namespaces::Only(set);
        }
        let ctx = context_namespace
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .unwrap_or("default");
        Namespaces::Only(BTreeSet::from([ctx.to_owned()]))
    }

    pub fn contains(&self, ns: &str) -> bool {
        match self {
            Namespaces::All => true,
            Namespaces::Only(s) => s.contains(ns),
        }
    }

    /// `-n a -n b`, or `-A`: for messages.
    pub fn describe(&self) -> String {
        match self {
            Namespaces::All => "all namespaces".to_owned(),
            Namespaces::Only(s) => {
                let v: Vec<&str> = s.iter().map(String::as_str).collect();
                format!(
                    "namespace{} {}",
                    if v.len() == 1 { "" } else { "s" },
                    v.join(", ")
                )
            }
        }
    }
}

/// Which pods to capture.
#[derive(Clone, Debug)]
pub struct Selection {
    /// Unanchored, against the pod name; `None` matches every pod.
    pub pod_regex: Option<Regex>,
    pub namespaces: Namespaces,
    /// mizu's own namespace: nothing in it is tapped (besides the label check).
    pub own_namespace: Option<String>,
}

impl Selection {
    /// A selection from the command line's words. A bad regex is an error naming it.
    pub fn new(
        pod_regex: Option<&str>,
        all: bool,
        namespaces: &[String],
        context_namespace: Option<&str>,
    ) -> Result<Selection, String> {
        let pod_regex = match pod_regex.map(str::trim).filter(|r| !r.is_empty()) {
            Some(r) => Some(Regex::new(r).map_err(|e| {
                format!("invalid pod regex {r:?}: {e}\n  next step: fix the regex (it is matched anywhere in the pod name, e.g. \"^front\")")
            })?),
            None => None,
        };
        Ok(Selection {
            pod_regex,
            namespaces: Namespaces::resolve(all, namespaces, context_namespace),
            own_namespace: None,
        })
    }

    /// True when `pod` is to be captured (its phase and IP aside).
    pub fn matches(&self, pod: &Pod) -> bool {
        let meta = &pod.metadata;
        let name = meta.name.as_deref().unwrap_or("");
        let ns = meta.namespace.as_deref().unwrap_or("");
        if is_own(pod) || self.own_namespace.as_deref() == Some(ns) {
            return false;
        }
        self.namespaces.contains(ns) && self.pod_regex.as_ref().is_none_or(|r| r.is_match(name))
    }
}

/// A pod mizu runs (its hub or agents): never a target.
pub fn is_own(pod: &Pod) -> bool {
    pod.metadata.labels.as_ref().is_some_and(|l| {
        l.get(MANAGED_BY).map(String::as_str) == Some("mizu")
            || l.get(APP_NAME).map(String::as_str) == Some("mizu")
    })
}

/// Running with at least one IP, and not being deleted.
pub fn is_running(pod: &Pod) -> bool {
    pod.metadata.deletion_timestamp.is_none()
        && pod
            .status
            .as_ref()
            .is_some_and(|s| s.phase.as_deref() == Some("Running") && !pod_ips(pod).is_empty())
}

/// `status.podIPs` (falling back to `status.podIP`), de-duplicated, in order.
pub fn pod_ips(pod: &Pod) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    if let Some(st) = &pod.status {
        for ip in st
            .pod_ips
            .iter()
            .flatten()
            .map(|p| p.ip.as_str())
            .chain(st.pod_ip.as_deref())
        {
            if !ip.is_empty() && !out.iter().any(|o| o == ip) {
                out.push(ip.to_owned());
            }
        }
    }
    out
}

/// A pod on the host network shares the node's addresses: capturing "its" IP would
/// capture the whole node, so it is reported but not targeted.
pub fn host_network(pod: &Pod) -> bool {
    pod.spec
        .as_ref()
        .and_then(|s| s.host_network)
        .unwrap_or(false)
}

/// `containerd://0123abcd…` → `0123abcd…` (the id `/proc/PID/cgroup` shows).
pub fn container_id(raw: &str) -> &str {
    raw.split_once("://").map_or(raw, |(_, id)| id)
}

/// The agent's view of one pod: its IPs, its name `pod.namespace` and namespace, the ids
/// of its running containers (the agent finds the pod's network namespace from them).
pub fn pod_target(pod: &Pod) -> Target {
    let meta = &pod.metadata;
    let name = meta.name.as_deref().unwrap_or("");
    let ns = meta.namespace.as_deref().unwrap_or("");
    let mut container_ids: Vec<String> = pod
        .status
        .iter()
        .flat_map(|s| {
            s.container_statuses
                .iter()
                .flatten()
                .chain(s.init_container_statuses.iter().flatten())
        })
        .filter_map(|c| c.container_id.as_deref())
        .map(container_id)
        .filter(|id| !id.is_empty())
        .map(str::to_owned)
        .collect();
    container_ids.sort();
    container_ids.dedup();
    Target {
        name: format!("{name}.{ns}"),
        namespace: ns.to_owned(),
        container_ids,
        addresses: pod_ips(pod),
        ..Target::default()
    }
}

/// What a selection makes of the pods right now.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    /// Node name → that node's targets, sorted by name (a stable list: no needless
    /// re-sends). Every node that runs any pod is present, with an empty list when none
    /// of its pods is a target: its agents must stop capturing.
    pub nodes: BTreeMap<String, Vec<Target>>,
    /// `namespace/pod` of every target (the `+name` lines of `--dry-run`).
    pub tapped: Vec<String>,
    /// Pods that match but are not running yet (or have no IP), for the "waiting" message.
    pub pending: usize,
    /// Matching pods on the host network (not targeted: that would be the whole node).
    pub host_network: usize,
}

impl Plan {
    pub fn targets(&self) -> usize {
        self.tapped.len()
    }

    /// Per node, the message the hub sends that node's agents. `generation` numbers
    /// this plan (the caller increments it per change).
    pub fn lists(&self, generation: u64) -> BTreeMap<String, TargetList> {
        self.nodes
            .iter()
            .map(|(node, targets)| {
                (
                    node.clone(),
                    TargetList {
                        v: mizu_proto::VERSION,
                        generation,
                        node: node.clone(),
                        targets: targets.clone(),
                        exclusive: true,
                    },
                )
            })
            .collect()
    }
}

/// Applies `sel` to `pods`.
pub fn plan<'a>(sel: &Selection, pods: impl IntoIterator<Item = &'a Pod>) -> Plan {
    let mut p = Plan::default();
    for pod in pods {
        let node = pod
            .spec
            .as_ref()
            .and_then(|s| s.node_name.as_deref())
            .unwrap_or("");
        if !node.is_empty() {
            p.nodes.entry(node.to_owned()).or_default();
        }
        if !sel.matches(pod) {
            continue;
        }
        if !is_running(pod) || node.is_empty() {
            p.pending += 1;
            continue;
        }
        if host_network(pod) {
            p.host_network += 1;
            continue;
        }
        let t = pod_target(pod);
        p.tapped.push(format!(
            "{}/{}",
            t.namespace,
            pod.metadata.name.as_deref().unwrap_or("")
        ));
        if let Some(v) = p.nodes.get_mut(node) {
            v.push(t);
        }
    }
    for v in p.nodes.values_mut() {
        v.sort_by(|a, b| a.name.cmp(&b.name));
    }
    p.tapped.sort();
    p
}

/// The message for a plan that taps nothing (said once, then the watch continues).
pub fn no_match_message(sel: &Selection) -> String {
    let what = match &sel.pod_regex {
        Some(r) => format!("no running pod matches /{}/", r.as_str()),
        None => "no running pod".to_owned(),
    };
    let hint = match &sel.namespaces {
        Namespaces::All => "check the regex".to_owned(),
        Namespaces::Only(_) => "name the namespace with -n NAMESPACE, or use -A for all".to_owned(),
    };
    format!(
        "{what} in {}; still watching: pods that appear are tapped\n  next step: {hint}",
        sel.namespaces.describe()
    )
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde_json::json;

    /// A Pod as the API server sends it.
    pub(crate) fn pod(ns: &str, name: &str, node: &str, phase: &str, ip: &str) -> Pod {
        serde_json::from_value(json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": ns, "resourceVersion": "1"},
            "spec": {"nodeName": node, "containers": [{"name": "c", "image": "x"}]},
            "status": {
                "phase": phase, "podIP": ip, "podIPs": [{"ip": ip}],
                "containerStatuses": [{
                    "name": "c", "image": "x", "imageID": "", "ready": true,
                    "restartCount": 0,
                    "containerID": format!("containerd://{name}0123456789abcdef")
                }]
            }
        }))
        .expect("pod")
    }

    #[test]
    fn namespaces_resolve_like_mizu() {
        let ns = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            Namespaces::resolve(true, &ns(&["a"]), Some("x")),
            Namespaces::All
        );
        assert_eq!(
            Namespaces::resolve(false, &ns(&["b", "a", "b", " "]), Some("x")),
            Namespaces::Only(BTreeSet::from(["a".into(), "b".into()]))
        );
        assert_eq!(
            Namespaces::resolve(false, &[], Some("ctx")),
            Namespaces::Only(BTreeSet::from(["ctx".into()]))
        );
        assert_eq!(
            Namespaces::resolve(false, &[], None),
            Namespaces::Only(BTreeSet::from(["default".into()]))
        );
    }

    #[test]
    fn plan_splits_running_matching_pods_by_node() {
        let mut own = pod("shop", "mizu-hub", "n1", "Running", "10.0.1.9");
        own.metadata.labels = Some(BTreeMap::from([(MANAGED_BY.into(), "mizu".into())]));
        let pods = [
            pod("shop", "cart-1", "n1", "Running", "10.0.1.2"),
            pod("shop", "catalogue-1", "n2", "Running", "10.0.2.2"),
            pod("shop", "front-1", "n2", "Running", "10.0.2.3"),
            pod("shop", "cart-2", "n3", "Pending", ""),
            pod("other", "cart-9", "n3", "Running", "10.0.3.2"),
            own,
        ];
        // Unanchored: "ca" matches cart and catalogue (and would match "xcart").
        let sel = Selection::new(Some("ca"), false, &["shop".into()], None).expect("sel");
        let p = plan(&sel, &pods);
        assert_eq!(p.tapped, vec!["shop/cart-1", "shop/catalogue-1"]);
        assert_eq!(p.pending, 1);
        let lists = p.lists(7);
        assert_eq!(lists.len(), 3, "every node gets a list, n3 an empty one");
        let n1 = &lists["n1"];
        assert_eq!(n1.node, "n1");
        assert_eq!(n1.generation, 7);
        assert!(n1.exclusive);
        assert_eq!(n1.targets.len(), 1);
        assert_eq!(n1.targets[0].name, "cart-1.shop");
        assert_eq!(n1.targets[0].namespace, "shop");
        assert_eq!(n1.targets[0].addresses, vec!["10.0.1.2"]);
        assert_eq!(n1.targets[0].container_ids, vec!["cart-10123456789abcdef"]);
        assert_eq!(lists["n2"].targets.len(), 1);
        assert!(lists["n3"].targets.is_empty());

        // -A reaches the other namespace; anchoring is the user's choice.
        let sel = Selection::new(Some("^cart"), true, &[], None).expect("sel");
        assert_eq!(
            plan(&sel, &pods).tapped,
            vec!["other/cart-9", "shop/cart-1"]
        );
        // mizu's own pods never, even when matched.
        let sel = Selection::new(Some("mizu"), true, &[], None).expect("sel");
        let p = plan(&sel, &pods);
        assert!(p.tapped.is_empty());
        assert!(no_match_message(&sel).contains("no running pod matches /mizu/"));
    }

    #[test]
    fn bad_regex_is_a_clear_error() {
        let e = Selection::new(Some("(a"), false, &[], None).expect_err("bad");
        assert!(e.contains("invalid pod regex"), "{e}");
        assert!(e.contains("next step"), "{e}");
    }

    #[test]
    fn no_match_suggests_namespaces() {
        let sel = Selection::new(Some("x"), false, &[], Some("dev")).expect("sel");
        let m = no_match_message(&sel);
        assert!(m.contains("namespace dev"), "{m}");
        assert!(m.contains("-n NAMESPACE"), "{m}");
        assert!(m.contains("-A"), "{m}");
    }

    #[test]
    fn deleting_and_host_network_pods_are_not_targets() {
        let mut gone = pod("a", "p1", "n1", "Running", "10.0.0.1");
        gone.metadata.deletion_timestamp =
            Some(k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(
                k8s_openapi::jiff::Timestamp::UNIX_EPOCH,
            ));
        let mut host = pod("a", "p2", "n1", "Running", "192.168.0.5");
        host.spec.as_mut().expect("spec").host_network = Some(true);
        let sel = Selection::new(None, false, &["a".into()], None).expect("sel");
        let p = plan(&sel, &[gone, host]);
        assert!(p.tapped.is_empty());
        assert_eq!(p.pending, 1);
        assert_eq!(p.host_network, 1);
    }
}
