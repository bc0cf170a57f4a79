//! The cluster watches behind targeting and names (all the I/O of those two features):
//! Pods, Services and EndpointSlices through kube-runtime watchers (list, then watch;
//! an in-stream 410 makes the watcher re-list; errors back off and retry), each into a
//! reflector store. Changes wake two debounced loops:
//!
//! * targets: [`crate::target::plan`] over the pods → one [`mizu_proto::TargetList`] per
//!   node → [`mizu_hub::Hub::set_targets`], which pushes each node's list to that node's
//!   agents (only when it changed);
//! * names: [`crate::names::build`] → [`mizu_hub::Hub::names`], the table ingest applies.

use crate::target::{self, Namespaces, Selection};
use futures_util::StreamExt;
use k8s_openapi::api::core::v1::{Pod, Service};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use kube::runtime::reflector::{self, Store};
use kube::runtime::{WatchStreamExt, watcher};
use kube::{Api, Client, Resource};
use mizu_hub::Hub;
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;
use std::fmt::Debug;
use std::hash::Hash;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// How long changes are collected before targets/names are recomputed (a burst of pod
/// events becomes one update).
pub const DEFAULT_DEBOUNCE: Duration = Duration::from_millis(100);

/// The union of one reflector store per watched namespace (or one for the cluster).
#[derive(Clone)]
struct Stores<K: Resource<DynamicType = ()> + Clone + 'static>(Vec<Store<K>>)
where
    K::DynamicType: Eq + Hash + Clone;

impl<K> Stores<K>
where
    K: Resource<DynamicType = ()> + Clone + 'static,
    K::DynamicType: Eq + Hash + Clone,
{
    fn state(&self) -> Vec<Arc<K>> {
        self.0.iter().flat_map(Store::state).collect()
    }

    async fn ready(&self) -> bool {
        for s in &self.0 {
            if s.wait_until_ready().await.is_err() {
                return false;
            }
        }
        true
    }
}

/// Starts watchers of every `K` in `scope` (the cluster, or one per namespace: what a
/// namespace-restricted Role allows) into stores; `changed` is notified after each
/// event. They run until the runtime stops.
fn watch_all<K>(
    client: &Client,
    scope: &Namespaces,
    changed: &Arc<Notify>,
    what: &'static str,
) -> Stores<K>
where
    K: Resource<DynamicType = (), Scope = k8s_openapi::NamespaceResourceScope>
        + Clone
        + Debug
        + DeserializeOwned
        + Send
        + Sync
        + 'static,
    K::DynamicType: Eq + Hash + Clone,
{
    let apis: Vec<Api<K>> = match scope {
        Namespaces::All => vec![Api::all(client.clone())],
        Namespaces::Only(set) => set
            .iter()
            .map(|ns| Api::namespaced(client.clone(), ns))
            .collect(),
    };
    let mut stores = Vec::new();
    for api in apis {
        let (store, writer) = reflector::store();
        let stream = reflector::reflector(writer, watcher(api, watcher::Config::default()))
            .default_backoff();
        let changed = changed.clone();
        tokio::spawn(async move {
            let mut stream = std::pin::pin!(stream);
            let mut failing = false;
            while let Some(ev) = stream.next().await {
                match ev {
                    Ok(_) => {
                        if failing {
                            eprintln!("mizu kube: watching {what} again");
                            failing = false;
                        }
                        changed.notify_one();
                    }
                    Err(e) => {
                        if !failing {
                            eprintln!("mizu kube: watching {what}: {e} (retrying)");
                        }
                        failing = true;
                    }
                }
            }
        });
        stores.push(store);
    }
    Stores(stores)
}

/// What the hub does in a cluster.
#[derive(Clone, Debug)]
pub struct Options {
    /// Pods to capture; `None`: no targeting (names only).
    pub selection: Option<Selection>,
    /// Watch Services and EndpointSlices too and name endpoints.
    pub names: bool,
    /// Where to watch: the whole cluster (a ClusterRole), or only these namespaces
    /// (restricted mode's Role: pods of other namespaces then stay unnamed).
    pub scope: Namespaces,
    pub debounce: Duration,
}

/// Starts the watches and the loops that feed `hub` (spawned on the current tokio
/// runtime; they run until it stops). Returns once started.
pub fn start(client: &Client, hub: &Hub, opts: Options) {
    let pods_changed = Arc::new(Notify::new());
    let names_changed = Arc::new(Notify::new());
    // One pod watch for both loops: the notifier fans out.
    let pod_events = Arc::new(Notify::new());
    let pods: Stores<Pod> = watch_all(client, &opts.scope, &pod_events, "pods");
    {
        let (a, b) = (pods_changed.clone(), names_changed.clone());
        tokio::spawn(async move {
            loop {
                pod_events.notified().await;
                a.notify_one();
                b.notify_one();
            }
        });
    }
    if let Some(sel) = opts.selection {
        let (pods, hub, changed) = (pods.clone(), hub.clone(), pods_changed);
        tokio::spawn(targets_loop(pods, sel, hub, changed, opts.debounce));
    }
    if opts.names {
        let services: Stores<Service> = watch_all(client, &opts.scope, &names_changed, "services");
        let slices: Stores<EndpointSlice> =
            watch_all(client, &opts.scope, &names_changed, "endpointslices");
        let hub = hub.clone();
        let debounce = opts.debounce;
        tokio::spawn(async move {
            loop {
                names_changed.notified().await;
                tokio::time::sleep(debounce).await;
                let (p, s, e) = (pods.state(), services.state(), slices.state());
                let names = crate::names::build(
                    p.iter().map(|p| &**p),
                    s.iter().map(|s| &**s),
                    e.iter().map(|e| &**e),
                );
                hub.names().set(names);
            }
        });
    }
}

async fn targets_loop(
    pods: Stores<Pod>,
    sel: Selection,
    hub: Hub,
    changed: Arc<Notify>,
    debounce: Duration,
) {
    let mut generation = 0u64;
    let mut last: Option<target::Plan> = None;
    let mut said_nothing = false;
    // Nodes that got a list: a node whose pods all go away gets an empty exclusive one.
    let mut known: BTreeMap<String, ()> = BTreeMap::new();
    // Agents of a node with no list of its own (no pod scheduled there yet) capture
    // nothing rather than everything.
    hub.set_targets(mizu_proto::TargetList {
        v: mizu_proto::VERSION,
        exclusive: true,
        ..mizu_proto::TargetList::default()
    });
    loop {
        changed.notified().await;
        tokio::time::sleep(debounce).await;
        if !pods.ready().await {
            return;
        }
        let state = pods.state();
        let plan = target::plan(&sel, state.iter().map(|p| &**p));
        if last.as_ref() == Some(&plan) {
            continue;
        }
        generation += 1;
        if plan.targets() == 0 {
            if !said_nothing {
                eprintln!("mizu kube: {}", target::no_match_message(&sel));
                said_nothing = true;
            }
        } else {
            if said_nothing || last.as_ref().is_none_or(|l| l.tapped != plan.tapped) {
                eprintln!(
                    "mizu kube: tapping {} pod{} on {} node{} ({} pending)",
                    plan.targets(),
                    if plan.targets() == 1 { "" } else { "s" },
                    plan.nodes.values().filter(|v| !v.is_empty()).count(),
                    if plan.nodes.len() == 1 { "" } else { "s" },
                    plan.pending
                );
            }
            said_nothing = false;
        }
        let lists = plan.lists(generation);
        let gone: Vec<String> = known
            .keys()
            .filter(|n| !lists.contains_key(*n))
            .cloned()
            .collect();
        for node in gone {
            hub.set_targets(mizu_proto::TargetList {
                v: mizu_proto::VERSION,
                generation,
                node: node.clone(),
                targets: Vec::new(),
                exclusive: true,
            });
            known.remove(&node);
        }
        let old = last.as_ref().map(|l| &l.nodes);
        for (node, list) in lists {
            // Only nodes whose targets changed get a new list (fewer agent re-applies).
            if old.and_then(|o| o.get(&node)) != Some(&list.targets) {
                hub.set_targets(list);
            }
            known.insert(node, ());
        }
        last = Some(plan);
    }
}
