//! Talking to the cluster: connect the kubectl way, apply the manifests, follow the pods with
//! precise errors, port-forward to the hub, and remove everything again.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use k8s_openapi::api::core::v1::{Event, Pod};
use kube::api::{
    Api, ApiResource, DeleteParams, DynamicObject, GroupVersionKind, ListParams, LogParams, Patch,
    PatchParams, PostParams,
};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};
use serde_json::Value;

use crate::manifests::{self, LABEL_COMPONENT, LABEL_INSTANCE, OURS, Settings};

/// The kinds mizu creates: (apiVersion, kind, plural, namespaced), in creation order.
pub const KINDS: &[(&str, &str, &str, bool)] = &[
    ("v1", "Namespace", "namespaces", false),
    ("v1", "ServiceAccount", "serviceaccounts", true),
    (
        "rbac.authorization.k8s.io/v1",
        "ClusterRole",
        "clusterroles",
        false,
    ),
    (
        "rbac.authorization.k8s.io/v1",
        "ClusterRoleBinding",
        "clusterrolebindings",
        false,
    ),
    ("rbac.authorization.k8s.io/v1", "Role", "roles", true),
    (
        "rbac.authorization.k8s.io/v1",
        "RoleBinding",
        "rolebindings",
        true,
    ),
    ("v1", "ConfigMap", "configmaps", true),
    ("v1", "Secret", "secrets", true),
    (
        "v1",
        "PersistentVolumeClaim",
        "persistentvolumeclaims",
        true,
    ),
    ("apps/v1", "Deployment", "deployments", true),
    ("v1", "Service", "services", true),
    ("apps/v1", "DaemonSet", "daemonsets", true),
    ("v1", "Pod", "pods", true),
];

/// Where the kubeconfig comes from (`kube-config-path`, `kube-context`).
#[derive(Clone, Debug, Default)]
pub struct ConnectOptions {
    pub kubeconfig: Option<PathBuf>,
    pub context: Option<String>,
}

/// True when a cluster is configured: `kube-config-path`, `KUBECONFIG`, `~/.kube/config`,
/// or running inside a pod.
pub fn cluster_configured(opts: &ConnectOptions) -> bool {
    if opts.kubeconfig.is_some() {
        return true;
    }
    if std::env::var_os("KUBECONFIG").is_some_and(|v| !v.is_empty()) {
        return true;
    }
    if let Some(home) = std::env::var_os("HOME")
        && Path::new(&home).join(".kube").join("config").exists()
    {
        return true;
    }
    std::env::var_os("KUBERNETES_SERVICE_HOST").is_some()
}

/// A connected client and the context's namespace.
pub struct Cluster {
    pub client: Client,
    pub default_namespace: String,
    pub url: String,
}

/// Connects the kubectl way: `kube-config-path`, else `KUBECONFIG` (several files merged),
/// else `~/.kube/config`, else the in-cluster service account.
pub async fn connect(opts: &ConnectOptions) -> Result<Cluster> {
    let kopts = KubeConfigOptions {
        context: opts.context.clone(),
        ..Default::default()
    };
    let config = if let Some(path) = &opts.kubeconfig {
        let kc = Kubeconfig::read_from(path).with_context(|| {
            format!(
                "cannot read the kubeconfig {} (kube-config-path): check the path",
                path.display()
            )
        })?;
        Config::from_custom_kubeconfig(kc, &kopts)
            .await
            .with_context(|| format!("kubeconfig {}: cannot use it", path.display()))?
    } else if std::env::var_os("KUBECONFIG").is_some_and(|v| !v.is_empty())
        || std::env::var_os("HOME")
            .is_some_and(|h| Path::new(&h).join(".kube").join("config").exists())
    {
        Config::from_kubeconfig(&kopts).await.context(
            "cannot use the kubeconfig (KUBECONFIG or ~/.kube/config); `kubectl config view` shows it, --set kube-context=NAME picks a context",
        )?
    } else {
        Config::incluster().context("no kubeconfig found and not running in a pod")?
    };
    let default_namespace = config.default_namespace.clone();
    let url = config.cluster_url.to_string();
    let client = Client::try_from(config).context("cannot build the Kubernetes client")?;
    Ok(Cluster {
        client,
        default_namespace,
        url,
    })
}

fn api_resource(api_version: &str, kind: &str, plural: &str) -> ApiResource {
    let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
    ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk(group, version, kind), plural)
}

fn kind_info(api_version: &str, kind: &str) -> Option<(&'static str, bool)> {
    KINDS
        .iter()
        .find(|(a, k, _, _)| *a == api_version && *k == kind)
        .map(|(_, _, p, n)| (*p, *n))
}

fn dyn_api(client: &Client, api_version: &str, kind: &str, ns: Option<&str>) -> Api<DynamicObject> {
    let (plural, namespaced) = kind_info(api_version, kind).unwrap_or(("", true));
    let ar = api_resource(api_version, kind, plural);
    match (namespaced, ns) {
        (true, Some(ns)) => Api::namespaced_with(client.clone(), ns, &ar),
        _ => Api::all_with(client.clone(), &ar),
    }
}

/// One object mizu made: enough to delete it and to say what it was.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjRef {
    pub api_version: String,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
}

impl std::fmt::Display for ObjRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{} {ns}/{}", self.kind.to_lowercase(), self.name),
            None => write!(f, "{} {}", self.kind.to_lowercase(), self.name),
        }
    }
}

fn obj_ref(v: &Value) -> ObjRef {
    let s = |p: &str| {
        v.pointer(p)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let ns = s("/metadata/namespace");
    ObjRef {
        api_version: s("/apiVersion"),
        kind: s("/kind"),
        namespace: (!ns.is_empty()).then_some(ns),
        name: s("/metadata/name"),
    }
}

fn api_err(e: &kube::Error) -> Option<(u16, String)> {
    match e {
        kube::Error::Api(s) => Some((s.code, s.reason.clone())),
        _ => None,
    }
}

/// Something said to the user while work goes on.
pub trait Progress: Send + Sync {
    fn line(&self, text: &str);
}

/// Progress on stderr (and in the CLI log).
pub struct Stderr;

impl Progress for Stderr {
    fn line(&self, text: &str) {
        eprintln!("{text}");
        cli_log(text);
    }
}

/// `~/.mizu/mizu_cli.log`: what the CLI said, for `mizu logs`.
pub fn cli_log_path() -> PathBuf {
    let home = std::env::var_os("HOME").map_or_else(|| PathBuf::from("."), PathBuf::from);
    home.join(".mizu").join("mizu_cli.log")
}

/// Appends a line to the CLI log; failures are ignored (the log is a convenience).
pub fn cli_log(text: &str) {
    use std::io::Write;
    let path = cli_log_path();
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
    {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let _ = writeln!(f, "{secs} {text}");
    }
}

/// Creates every object (an object that already exists is updated with server-side apply)
/// and returns what now exists, in creation order.
pub async fn apply(
    cluster: &Cluster,
    s: &Settings,
    objects: &[Value],
    p: &dyn Progress,
) -> Result<Vec<ObjRef>> {
    let client = &cluster.client;
    if s.restricted() {
        let nss: Api<k8s_openapi::api::core::v1::Namespace> = Api::all(client.clone());
        match nss.get_opt(&s.namespace).await {
            Ok(Some(_)) => {}
            Ok(None) => bail!(
                "namespace `{0}` does not exist; mizu does not create it in namespace-restricted mode \
                 (mizu-resources-namespace is not `mizu`). Create it (kubectl create namespace {0}) \
                 or use the default: --set mizu-resources-namespace=mizu",
                s.namespace
            ),
            // Not allowed to read namespaces is fine in restricted mode: creating will tell.
            Err(_) => {}
        }
    }
    let mut made = Vec::new();
    for obj in objects {
        let r = obj_ref(obj);
        let api = dyn_api(client, &r.api_version, &r.kind, r.namespace.as_deref());
        let dynobj: DynamicObject = serde_json::from_value(obj.clone())
            .with_context(|| format!("manifest of {r} is not an object"))?;
        match api.create(&PostParams::default(), &dynobj).await {
            Ok(_) => p.line(&format!("created {r}")),
            Err(e) if api_err(&e).is_some_and(|(_, reason)| reason == "AlreadyExists") => {
                api.patch(
                    &r.name,
                    &PatchParams::apply("mizu").force(),
                    &Patch::Apply(obj),
                )
                .await
                .map_err(|e| permission_hint(e, "update", &r))?;
                p.line(&format!("updated {r} (it already existed)"));
            }
            Err(e) => return Err(permission_hint(e, "create", &r)),
        }
        made.push(r);
    }
    Ok(made)
}

fn permission_hint(e: kube::Error, verb: &str, r: &ObjRef) -> anyhow::Error {
    match api_err(&e) {
        Some((403, _)) => anyhow!(
            "not allowed to {verb} {r}: {e}\n  next step: ask for that permission (`mizu check` lists \
             every permission mizu needs), or use namespace-restricted mode with a namespace you \
             own: --set mizu-resources-namespace=NAME"
        ),
        _ => anyhow!("cannot {verb} {r}: {e}"),
    }
}

/// How a pod is doing, in words.
fn pod_state(p: &Pod) -> String {
    let st = p.status.as_ref();
    let phase = st
        .and_then(|s| s.phase.clone())
        .unwrap_or_else(|| "Pending".into());
    let waiting = st
        .and_then(|s| s.container_statuses.as_ref())
        .and_then(|cs| {
            cs.iter()
                .find_map(|c| c.state.as_ref()?.waiting.as_ref()?.reason.clone())
        });
    let unsched = st.and_then(|s| s.conditions.as_ref()).and_then(|cs| {
        cs.iter()
            .find(|c| c.type_ == "PodScheduled" && c.status == "False")
            .and_then(|c| c.reason.clone())
    });
    let ready = pod_ready(p);
    match (waiting.or(unsched), ready) {
        (Some(r), _) => format!("{phase} ({r})"),
        (None, true) => format!("{phase}, ready"),
        (None, false) => phase,
    }
}

/// Running and Ready.
pub fn pod_ready(p: &Pod) -> bool {
    p.status.as_ref().is_some_and(|s| {
        s.phase.as_deref() == Some("Running")
            && s.conditions
                .as_ref()
                .is_some_and(|c| c.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
    })
}

fn component(p: &Pod) -> String {
    p.metadata
        .labels
        .as_ref()
        .and_then(|l| l.get(LABEL_COMPONENT).cloned())
        .unwrap_or_default()
}

fn describe(p: &Pod) -> String {
    let name = p.metadata.name.clone().unwrap_or_default();
    let ns = p.metadata.namespace.clone().unwrap_or_default();
    let node = p.spec.as_ref().and_then(|s| s.node_name.clone());
    match node {
        Some(n) => format!("pod {ns}/{name} ({} on node {n})", component(p)),
        None => format!("pod {ns}/{name} ({})", component(p)),
    }
}

fn keys_for(component: &str) -> (&'static str, &'static str) {
    if component == "hub" {
        ("tap.api-server-resources", "kube.hub-tolerations")
    } else {
        ("tap.tapper-resources", "kube.agent-tolerations")
    }
}

/// A precise error for a pod that cannot become ready, or None while it may still.
fn pod_failure(p: &Pod, events: &[Event]) -> Option<String> {
    let name = p.metadata.name.clone().unwrap_or_default();
    let comp = component(p);
    let (res_key, tol_key) = keys_for(&comp);
    let ev_msg = |reasons: &[&str]| -> Option<String> {
        events
            .iter()
            .filter(|e| e.involved_object.name.as_deref() == Some(name.as_str()))
            .filter(|e| e.reason.as_deref().is_some_and(|r| reasons.contains(&r)))
            .filter(|e| !e.message.as_deref().unwrap_or("").starts_with("Error: "))
            .filter_map(|e| e.message.clone())
            .next_back()
    };
    let st = p.status.as_ref()?;
    for c in st.container_statuses.iter().flatten() {
        let waiting = c.state.as_ref().and_then(|s| s.waiting.as_ref());
        let reason = waiting.and_then(|w| w.reason.clone()).unwrap_or_default();
        let wmsg = waiting.and_then(|w| w.message.clone()).unwrap_or_default();
        if reason == "ImagePullBackOff" || reason == "ErrImagePull" {
            let msg = ev_msg(&["Failed"]).unwrap_or(wmsg);
            return Some(format!(
                "{} cannot pull its image {}: {reason}: {msg}\n  next step: fix the image (--set kube.image.registry=…, \
                 kube.image.repository=…, kube.image.tag=…, or the whole name with --set agent-image=…); \
                 for a private registry add --set kube.image.pull-secrets=SECRET",
                describe(p),
                c.image
            ));
        }
        let last = c.last_state.as_ref().and_then(|s| s.terminated.as_ref());
        if last.is_some_and(|t| t.reason.as_deref() == Some("OOMKilled"))
            || c.state
                .as_ref()
                .and_then(|s| s.terminated.as_ref())
                .is_some_and(|t| t.reason.as_deref() == Some("OOMKilled"))
        {
            return Some(format!(
                "{} was killed for running out of memory (OOMKilled, container {}, restarts {})\n  next step: raise \
                 its memory limit: --set {res_key}.memory-limit=2Gi (and {res_key}.memory-requests)",
                describe(p),
                c.name,
                c.restart_count
            ));
        }
        if reason == "CrashLoopBackOff" {
            let code = last.map(|t| t.exit_code).unwrap_or(0);
            let msg = ev_msg(&["BackOff"]).unwrap_or(wmsg);
            return Some(format!(
                "{} keeps crashing (CrashLoopBackOff, last exit code {code}): {msg}\n  next step: read its log \
                 (kubectl logs -n {} {name} --previous, or mizu logs); a wrong image version is a common cause \
                 (--set kube.image.tag=…)",
                describe(p),
                p.metadata.namespace.clone().unwrap_or_default()
            ));
        }
        if reason == "CreateContainerConfigError" || reason == "InvalidImageName" {
            return Some(format!("{} cannot start: {reason}: {wmsg}", describe(p)));
        }
    }
    let unsched = st.conditions.iter().flatten().find(|c| {
        c.type_ == "PodScheduled"
            && c.status == "False"
            && c.reason.as_deref() == Some("Unschedulable")
    });
    if let Some(c) = unsched {
        let msg = ev_msg(&["FailedScheduling"])
            .or_else(|| c.message.clone())
            .unwrap_or_default();
        return Some(format!(
            "{} cannot be scheduled (FailedScheduling): {msg}\n  next step: lower its requests (--set \
             {res_key}.cpu-requests=… / {res_key}.memory-requests=…), or let it run on those nodes \
             (--set kube.node-selector=…, --set {tol_key}=KEY=VALUE:EFFECT)",
            describe(p)
        ));
    }
    None
}

/// Waits until the hub and every agent pod are ready, printing each pod's progress. Fails
/// with a precise error for a pod that cannot start, or when `timeout` passes (naming what
/// was still pending).
pub async fn wait_ready(
    cluster: &Cluster,
    s: &Settings,
    timeout: Duration,
    p: &dyn Progress,
) -> Result<()> {
    let pods: Api<Pod> = Api::namespaced(cluster.client.clone(), &s.namespace);
    let events: Api<Event> = Api::namespaced(cluster.client.clone(), &s.namespace);
    let ds = dyn_api(&cluster.client, "apps/v1", "DaemonSet", Some(&s.namespace));
    let sel = format!("{OURS},{LABEL_INSTANCE}={}", s.instance);
    let start = Instant::now();
    let mut last: BTreeMap<String, String> = BTreeMap::new();
    loop {
        let list = pods
            .list(&ListParams::default().labels(&sel))
            .await
            .context("listing mizu's pods")?;
        let evs = events
            .list(&ListParams::default())
            .await
            .map(|l| l.items)
            .unwrap_or_default();
        for pod in &list.items {
            let name = pod.metadata.name.clone().unwrap_or_default();
            let state = pod_state(pod);
            if last.get(&name) != Some(&state) {
                p.line(&format!("  {}: {state}", describe(pod)));
                last.insert(name, state);
            }
            if let Some(err) = pod_failure(pod, &evs) {
                bail!("{err}");
            }
        }
        let hub_ready = list
            .items
            .iter()
            .any(|p| component(p) == "hub" && pod_ready(p));
        let desired = ds
            .get_opt(manifests::AGENT)
            .await
            .ok()
            .flatten()
            .and_then(|d| {
                d.data
                    .pointer("/status/desiredNumberScheduled")
                    .and_then(Value::as_i64)
            });
        let agents_ready = list
            .items
            .iter()
            .filter(|p| component(p) == "agent" && pod_ready(p))
            .count() as i64;
        if hub_ready && desired.is_some_and(|d| agents_ready >= d) {
            if desired == Some(0) {
                p.line("warning: the agent DaemonSet runs on no node (check kube.node-selector and kube.agent-tolerations)");
            }
            p.line(&format!("hub and {agents_ready} agent(s) ready"));
            return Ok(());
        }
        if start.elapsed() >= timeout {
            let mut pending: Vec<String> = list
                .items
                .iter()
                .filter(|p| !pod_ready(p))
                .map(|p| format!("{}: {}", describe(p), pod_state(p)))
                .collect();
            if !hub_ready && !list.items.iter().any(|p| component(p) == "hub") {
                pending.push("the hub pod was never created".into());
            }
            if desired.is_none() {
                pending.push("the agent DaemonSet reported no desired pod count".into());
            }
            bail!(
                "timed out after {}s waiting for mizu's pods; still pending:\n  {}\n  next step: wait longer \
                 with --set kube.timeout=SECONDS, or look at the pods: kubectl get pods -n {}",
                timeout.as_secs(),
                pending.join("\n  "),
                s.namespace
            );
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// Deletes the objects (reverse order) and waits until they are gone.
pub async fn delete_all(
    cluster: &Cluster,
    objs: &[ObjRef],
    timeout: Duration,
    p: &dyn Progress,
) -> Result<()> {
    for r in objs.iter().rev() {
        let api = dyn_api(
            &cluster.client,
            &r.api_version,
            &r.kind,
            r.namespace.as_deref(),
        );
        match api.delete(&r.name, &DeleteParams::background()).await {
            Ok(_) => p.line(&format!("removed {r}")),
            Err(e) if api_err(&e).is_some_and(|(c, _)| c == 404) => {}
            Err(e) => p.line(&format!("could not remove {r}: {e}")),
        }
    }
    let start = Instant::now();
    loop {
        let mut left = Vec::new();
        for r in objs {
            let api = dyn_api(
                &cluster.client,
                &r.api_version,
                &r.kind,
                r.namespace.as_deref(),
            );
            if let Ok(Some(_)) = api.get_opt(&r.name).await {
                left.push(r.to_string());
            }
        }
        if left.is_empty() {
            return Ok(());
        }
        if start.elapsed() > timeout {
            bail!(
                "timed out after {}s waiting for these to go: {}",
                timeout.as_secs(),
                left.join(", ")
            );
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// Every object carrying mizu's labels, across namespaces (pods excluded: their owners go).
pub async fn find_ours(cluster: &Cluster) -> Result<Vec<ObjRef>> {
    let mut out = Vec::new();
    for (av, kind, plural, _) in KINDS.iter().filter(|k| k.1 != "Pod") {
        let api: Api<DynamicObject> =
            Api::all_with(cluster.client.clone(), &api_resource(av, kind, plural));
        match api.list(&ListParams::default().labels(OURS)).await {
            Ok(l) => {
                for o in l.items {
                    out.push(ObjRef {
                        api_version: (*av).into(),
                        kind: (*kind).into(),
                        namespace: o.metadata.namespace.clone(),
                        name: o.metadata.name.clone().unwrap_or_default(),
                    });
                }
            }
            Err(e) if api_err(&e).is_some_and(|(c, _)| c == 403 || c == 404) => {}
            Err(e) => return Err(anyhow!("listing {plural}: {e}")),
        }
    }
    Ok(out)
}

/// `mizu clean`: removes every object with mizu's labels and says what it removed.
pub async fn clean(cluster: &Cluster, timeout: Duration, p: &dyn Progress) -> Result<usize> {
    let ours = find_ours(cluster).await?;
    if ours.is_empty() {
        p.line("nothing to remove: no object carries mizu's labels");
        return Ok(0);
    }
    delete_all(cluster, &ours, timeout, p).await?;
    p.line(&format!("removed {} object(s)", ours.len()));
    Ok(ours.len())
}

/// The running, ready hub pod (newest first).
pub async fn hub_pod(client: &Client, ns: &str, instance: &str) -> Result<Option<String>> {
    let pods: Api<Pod> = Api::namespaced(client.clone(), ns);
    let sel = format!("{OURS},{LABEL_INSTANCE}={instance},{LABEL_COMPONENT}=hub");
    let mut l = pods.list(&ListParams::default().labels(&sel)).await?.items;
    l.retain(pod_ready);
    l.sort_by(|a, b| {
        b.metadata
            .creation_timestamp
            .cmp(&a.metadata.creation_timestamp)
    });
    Ok(l.first().and_then(|p| p.metadata.name.clone()))
}

/// Serves `listen` by port-forwarding each connection to the hub pod's `port` through the API
/// server. The pod is looked up per connection, so a restarted hub is picked up.
pub async fn forward(
    client: Client,
    ns: String,
    instance: String,
    listen: SocketAddr,
    port: u16,
    p: std::sync::Arc<dyn Progress>,
) -> Result<()> {
    let listener = tokio::net::TcpListener::bind(listen).await.with_context(|| {
        format!("cannot listen on {listen} for the hub: is another mizu running? pick another port with --set tap.gui-port=PORT")
    })?;
    let last_pod = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    loop {
        let (mut conn, _) = listener.accept().await?;
        let client = client.clone();
        let ns = ns.clone();
        let instance = instance.clone();
        let p = p.clone();
        let last_pod = last_pod.clone();
        tokio::spawn(async move {
            let mut pod = None;
            // A restarting hub: wait (bounded) for the new pod rather than refusing.
            for _ in 0..100 {
                if let Ok(Some(name)) = hub_pod(&client, &ns, &instance).await {
                    pod = Some(name);
                    break;
                }
                tokio::time::sleep(Duration::from_millis(300)).await;
            }
            let Some(pod) = pod else {
                p.line("port-forward: no ready hub pod (see kubectl get pods -n NAMESPACE)");
                return;
            };
            {
                let mut lp = last_pod.lock().unwrap_or_else(|e| e.into_inner());
                if *lp != pod {
                    if !lp.is_empty() {
                        p.line(&format!("port-forward: the hub is now pod {pod}"));
                    }
                    *lp = pod.clone();
                }
            }
            let pods: Api<Pod> = Api::namespaced(client, &ns);
            let mut pf = match pods.portforward(&pod, &[port]).await {
                Ok(pf) => pf,
                Err(e) => {
                    p.line(&format!("port-forward to {pod}: {e}"));
                    return;
                }
            };
            let Some(mut upstream) = pf.take_stream(port) else {
                return;
            };
            let _ = tokio::io::copy_bidirectional(&mut conn, &mut upstream).await;
            drop(upstream);
            let _ = tokio::time::timeout(Duration::from_secs(2), pf.join()).await;
        });
    }
}

/// One permission mizu needs: (verb, group, resource, why).
pub fn permissions(s: &Settings) -> Vec<(&'static str, &'static str, &'static str, &'static str)> {
    let mut v = Vec::new();
    let rw = |v: &mut Vec<_>, group, res, why| {
        for verb in ["create", "get", "patch", "delete"] {
            v.push((verb, group, res, why));
        }
    };
    if !s.restricted() {
        rw(&mut v, "", "namespaces", "the mizu namespace");
        rw(
            &mut v,
            "rbac.authorization.k8s.io",
            "clusterroles",
            "read access for the hub and agents",
        );
        rw(
            &mut v,
            "rbac.authorization.k8s.io",
            "clusterrolebindings",
            "read access for the hub and agents",
        );
    } else {
        rw(
            &mut v,
            "rbac.authorization.k8s.io",
            "roles",
            "read access (restricted mode)",
        );
        rw(
            &mut v,
            "rbac.authorization.k8s.io",
            "rolebindings",
            "read access (restricted mode)",
        );
    }
    rw(
        &mut v,
        "",
        "serviceaccounts",
        "the hub's and agents' identity",
    );
    rw(&mut v, "", "configmaps", "the hub's configuration");
    rw(&mut v, "", "secrets", "the agent token");
    rw(&mut v, "", "services", "the hub's address");
    rw(&mut v, "apps", "deployments", "the hub");
    rw(&mut v, "apps", "daemonsets", "the agents");
    for verb in ["get", "list", "watch"] {
        v.push((verb, "", "pods", "targets, progress"));
        v.push((verb, "", "events", "precise errors"));
    }
    v.push(("create", "", "pods/portforward", "reaching the hub"));
    v.push(("get", "", "pods/log", "mizu logs"));
    v
}

/// `mizu check`: reachability, version, permissions, existing resources. Returns the
/// number of problems found.
pub async fn check(cluster: &Cluster, s: &Settings, p: &dyn Progress) -> Result<usize> {
    use k8s_openapi::api::authorization::v1::{
        ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec,
    };
    let mut problems = 0;
    let v = match cluster.client.apiserver_version().await {
        Ok(v) => v,
        Err(e) => {
            p.line(&format!(
                "FAIL  API server {} is not reachable: {e}",
                cluster.url
            ));
            return Ok(1);
        }
    };
    p.line(&format!("ok    API server {} reachable", cluster.url));
    let minor: u32 = v.minor.trim_end_matches('+').parse().unwrap_or(0);
    let major: u32 = v.major.parse().unwrap_or(0);
    if (major, minor) >= MIN_VERSION {
        p.line(&format!(
            "ok    Kubernetes {}.{} (minimum {}.{})",
            v.major, v.minor, MIN_VERSION.0, MIN_VERSION.1
        ));
    } else {
        problems += 1;
        p.line(&format!(
            "FAIL  Kubernetes {}.{} is older than the minimum {}.{} (EndpointSlice discovery.k8s.io/v1)",
            v.major, v.minor, MIN_VERSION.0, MIN_VERSION.1
        ));
    }
    let ssar: Api<SelfSubjectAccessReview> = Api::all(cluster.client.clone());
    for (verb, group, resource, why) in permissions(s) {
        let (res, sub) = match resource.split_once('/') {
            Some((r, s)) => (r, Some(s.to_string())),
            None => (resource, None),
        };
        let review = SelfSubjectAccessReview {
            spec: SelfSubjectAccessReviewSpec {
                resource_attributes: Some(ResourceAttributes {
                    verb: Some(verb.into()),
                    group: Some(group.into()),
                    resource: Some(res.into()),
                    subresource: sub,
                    namespace: Some(s.namespace.clone()),
                    ..Default::default()
                }),
                ..Default::default()
            },
            ..Default::default()
        };
        let shown = if group.is_empty() {
            resource.to_string()
        } else {
            format!("{resource}.{group}")
        };
        match ssar.create(&PostParams::default(), &review).await {
            Ok(r) if r.status.as_ref().is_some_and(|s| s.allowed) => {}
            Ok(r) => {
                problems += 1;
                let reason = r.status.and_then(|s| s.reason).unwrap_or_default();
                p.line(&format!(
                    "FAIL  permission missing: {verb} {shown} in namespace {} ({why}) {reason}",
                    s.namespace
                ));
            }
            Err(e) => {
                problems += 1;
                p.line(&format!(
                    "FAIL  cannot ask whether {verb} {shown} is allowed: {e}"
                ));
            }
        }
    }
    if problems == 0 {
        p.line("ok    every permission mizu needs is granted");
    }
    match find_ours(cluster).await {
        Ok(o) if o.is_empty() => p.line("ok    no mizu resources exist yet"),
        Ok(o) => {
            p.line(&format!(
                "info  {} mizu resource(s) exist (mizu clean removes them):",
                o.len()
            ));
            for r in o {
                p.line(&format!("        {r}"));
            }
        }
        Err(e) => p.line(&format!("warn  cannot list existing mizu resources: {e}")),
    }
    Ok(problems)
}

/// `mizu check --image-pull`: starts a pod with the image (`mizu --version`) in `ns`, waits
/// until it runs or cannot pull, deletes it. Ok(None) = pulled; Ok(Some(error)) = it could not.
pub async fn image_pull_test(
    cluster: &Cluster,
    s: &Settings,
    ns: &str,
    timeout: Duration,
) -> Result<Option<String>> {
    let pods: Api<Pod> = Api::namespaced(cluster.client.clone(), ns);
    let name = "mizu-image-pull-test";
    let mut labels = BTreeMap::new();
    labels.insert(
        manifests::LABEL_NAME.to_string(),
        manifests::APP.to_string(),
    );
    labels.insert(
        manifests::LABEL_MANAGED_BY.to_string(),
        manifests::APP.to_string(),
    );
    labels.insert(LABEL_COMPONENT.to_string(), "image-pull-test".to_string());
    let pod: Pod = serde_json::from_value(serde_json::json!({
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "restartPolicy": "Never",
            "imagePullSecrets": s.pull_secrets.iter().map(|n| serde_json::json!({"name": n})).collect::<Vec<_>>(),
            "containers": [{"name": "pull", "image": s.agent_image, "imagePullPolicy": "Always", "args": ["--version"]}]
        }
    }))?;
    let _ = pods.delete(name, &DeleteParams::background()).await;
    pods.create(&PostParams::default(), &pod)
        .await
        .with_context(|| format!("cannot create the test pod {ns}/{name}"))?;
    let events: Api<Event> = Api::namespaced(cluster.client.clone(), ns);
    let start = Instant::now();
    let verdict = loop {
        let p = pods.get(name).await?;
        let evs = events
            .list(&ListParams::default())
            .await
            .map(|l| l.items)
            .unwrap_or_default();
        if let Some(err) = pod_failure(&p, &evs) {
            break Some(err);
        }
        let phase = p
            .status
            .as_ref()
            .and_then(|s| s.phase.clone())
            .unwrap_or_default();
        if phase == "Running" || phase == "Succeeded" {
            break None;
        }
        if start.elapsed() > timeout {
            break Some(format!(
                "the test pod {ns}/{name} did not start within {}s: {}",
                timeout.as_secs(),
                pod_state(&p)
            ));
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    let _ = pods.delete(name, &DeleteParams::background()).await;
    Ok(verdict)
}

/// The oldest Kubernetes mizu supports (EndpointSlice v1).
pub const MIN_VERSION: (u32, u32) = (1, 21);

/// True when the cluster has a default StorageClass (or `class` names one that exists).
pub async fn storage_class_available(cluster: &Cluster, class: &str) -> Result<bool> {
    let sc: Api<k8s_openapi::api::storage::v1::StorageClass> = Api::all(cluster.client.clone());
    let l = sc.list(&ListParams::default()).await?;
    Ok(l.items.iter().any(|c| {
        if class.is_empty() {
            c.metadata.annotations.as_ref().is_some_and(|a| {
                a.get("storageclass.kubernetes.io/is-default-class")
                    .map(String::as_str)
                    == Some("true")
            })
        } else {
            c.metadata.name.as_deref() == Some(class)
        }
    }))
}

/// `mizu logs`: every mizu pod's log, the namespace's events and the CLI log, as files.
pub async fn collect_logs(cluster: &Cluster, ns: &str) -> Result<Vec<(String, Vec<u8>)>> {
    let pods: Api<Pod> = Api::namespaced(cluster.client.clone(), ns);
    let mut files = Vec::new();
    let list = pods
        .list(&ListParams::default().labels(OURS))
        .await
        .context("listing mizu's pods")?;
    for pod in &list.items {
        let name = pod.metadata.name.clone().unwrap_or_default();
        for c in pod.spec.iter().flat_map(|s| s.containers.iter()) {
            let text = pods
                .logs(
                    &name,
                    &LogParams {
                        container: Some(c.name.clone()),
                        ..Default::default()
                    },
                )
                .await
                .unwrap_or_else(|e| format!("(could not read the log: {e})\n"));
            files.push((format!("{ns}/{name}.{}.log", c.name), text.into_bytes()));
        }
    }
    let events: Api<Event> = Api::namespaced(cluster.client.clone(), ns);
    let mut ev_text = String::new();
    for e in events
        .list(&ListParams::default())
        .await
        .map(|l| l.items)
        .unwrap_or_default()
    {
        ev_text.push_str(&format!(
            "{} {} {}/{} {}: {}\n",
            e.last_timestamp
                .as_ref()
                .map(|t| t.0.to_string())
                .unwrap_or_default(),
            e.type_.unwrap_or_default(),
            e.involved_object.kind.unwrap_or_default(),
            e.involved_object.name.unwrap_or_default(),
            e.reason.unwrap_or_default(),
            e.message.unwrap_or_default()
        ));
    }
    files.push((format!("{ns}/events.txt"), ev_text.into_bytes()));
    if let Ok(b) = std::fs::read(cli_log_path()) {
        files.push(("mizu_cli.log".into(), b));
    }
    Ok(files)
}
