//! A fake Kubernetes API server for mizu's tests. It speaks the API server's JSON wire format
//! for the objects mizu uses, so the real `mizu` binary (kube-rs) and `kubectl` can run
//! against it through an ordinary kubeconfig.
//!
//! What it does (the facts it follows are in `shared/reference/next-phase.md` §C):
//! - generic storage over a built-in resource table ([`RESOURCES`]): core `/api/v1/...` and
//!   `/apis/{group}/{version}/...`, namespaced and cluster-scoped;
//! - list (`limit`/`continue`, list `resourceVersion`), label and field selectors;
//! - streaming watch (newline-delimited JSON, replay from a resourceVersion, BOOKMARK, the
//!   in-stream `410 Expired` ERROR that makes clients re-list, `timeoutSeconds`);
//! - create/get/replace/delete/deletecollection, merge and server-side-apply PATCH, JSON `Status`
//!   errors (`AlreadyExists`, `NotFound`, `Forbidden`), `dryRun=All`;
//! - ownerReferences garbage collection and namespace deletion cascading to its objects;
//! - discovery (`/api`, `/apis`, `/api/v1`, `/apis/G/V`), `/version`, SelfSubjectAccessReview
//!   (with [`FakeApi::deny`], denied verbs are also answered 403 when actually used);
//! - pod `log` and pod `portforward` over WebSocket (v4/v5.channel.k8s.io) to a local address set
//!   with [`FakeApi::forward_to`] (or the pod annotation `kubefake/forward-PORT: ADDR`);
//! - a kubelet simulator ([`FakeApi::kubelet`]): Deployments and DaemonSets get Pods (one per Node
//!   for a DaemonSet) that go Pending → Running, or fail as [`PodFate`] says, with Events;
//! - https like a real API server ([`FakeApi::start_tls`]: the in-cluster configuration trusts
//!   only the service account's `ca.crt`) and a required bearer token
//!   ([`FakeApi::require_token`]: anything else is answered `401 Unauthorized`).

// Handlers return ready-made `Response`s as their error values (a JSON `Status`); they are
// built once per failed request in a test server, so their size does not matter.
#![allow(clippy::result_large_err)]

use std::collections::{BTreeMap, HashMap, HashSet};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Map, Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::{Notify, broadcast, mpsc};

/// One entry of the resource table.
#[derive(Debug, Clone, Copy)]
pub struct Resource {
    pub group: &'static str,
    pub version: &'static str,
    pub plural: &'static str,
    pub singular: &'static str,
    pub kind: &'static str,
    pub namespaced: bool,
    pub short: &'static [&'static str],
}

impl Resource {
    /// `v1` or `group/version`.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }
}

macro_rules! res {
    ($g:expr, $v:expr, $p:expr, $s:expr, $k:expr, $n:expr, [$($sh:expr),*]) => {
        Resource { group: $g, version: $v, plural: $p, singular: $s, kind: $k, namespaced: $n, short: &[$($sh),*] }
    };
}

/// The resources the fake knows (plural ↔ kind, scope).
pub const RESOURCES: &[Resource] = &[
    res!("", "v1", "pods", "pod", "Pod", true, ["po"]),
    res!("", "v1", "services", "service", "Service", true, ["svc"]),
    res!(
        "",
        "v1",
        "endpoints",
        "endpoints",
        "Endpoints",
        true,
        ["ep"]
    ),
    res!("", "v1", "events", "event", "Event", true, ["ev"]),
    res!(
        "",
        "v1",
        "configmaps",
        "configmap",
        "ConfigMap",
        true,
        ["cm"]
    ),
    res!("", "v1", "secrets", "secret", "Secret", true, []),
    res!(
        "",
        "v1",
        "serviceaccounts",
        "serviceaccount",
        "ServiceAccount",
        true,
        ["sa"]
    ),
    res!(
        "",
        "v1",
        "namespaces",
        "namespace",
        "Namespace",
        false,
        ["ns"]
    ),
    res!("", "v1", "nodes", "node", "Node", false, ["no"]),
    res!(
        "",
        "v1",
        "persistentvolumeclaims",
        "persistentvolumeclaim",
        "PersistentVolumeClaim",
        true,
        ["pvc"]
    ),
    res!(
        "",
        "v1",
        "persistentvolumes",
        "persistentvolume",
        "PersistentVolume",
        false,
        ["pv"]
    ),
    res!(
        "apps",
        "v1",
        "daemonsets",
        "daemonset",
        "DaemonSet",
        true,
        ["ds"]
    ),
    res!(
        "apps",
        "v1",
        "deployments",
        "deployment",
        "Deployment",
        true,
        ["deploy"]
    ),
    res!(
        "apps",
        "v1",
        "replicasets",
        "replicaset",
        "ReplicaSet",
        true,
        ["rs"]
    ),
    res!(
        "apps",
        "v1",
        "statefulsets",
        "statefulset",
        "StatefulSet",
        true,
        ["sts"]
    ),
    res!(
        "discovery.k8s.io",
        "v1",
        "endpointslices",
        "endpointslice",
        "EndpointSlice",
        true,
        []
    ),
    res!(
        "rbac.authorization.k8s.io",
        "v1",
        "clusterroles",
        "clusterrole",
        "ClusterRole",
        false,
        []
    ),
    res!(
        "rbac.authorization.k8s.io",
        "v1",
        "clusterrolebindings",
        "clusterrolebinding",
        "ClusterRoleBinding",
        false,
        []
    ),
    res!(
        "rbac.authorization.k8s.io",
        "v1",
        "roles",
        "role",
        "Role",
        true,
        []
    ),
    res!(
        "rbac.authorization.k8s.io",
        "v1",
        "rolebindings",
        "rolebinding",
        "RoleBinding",
        true,
        []
    ),
    res!(
        "storage.k8s.io",
        "v1",
        "storageclasses",
        "storageclass",
        "StorageClass",
        false,
        ["sc"]
    ),
    res!(
        "authorization.k8s.io",
        "v1",
        "selfsubjectaccessreviews",
        "selfsubjectaccessreview",
        "SelfSubjectAccessReview",
        false,
        []
    ),
];

/// Looks a resource up by its api version (`v1`, `apps/v1`) and kind.
pub fn resource_for_kind(api_version: &str, kind: &str) -> Option<&'static Resource> {
    RESOURCES
        .iter()
        .find(|r| r.kind == kind && r.api_version() == api_version)
}

fn resource_for_plural(group: &str, version: &str, plural: &str) -> Option<&'static Resource> {
    RESOURCES
        .iter()
        .find(|r| r.group == group && r.version == version && r.plural == plural)
}

/// What the kubelet simulator does with a pod whose name or image matches a rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PodFate {
    /// Pending → Running (the default).
    Run,
    /// Stays Pending with `ErrImagePull`, Event `Failed` with this message.
    ErrImagePull(String),
    /// Stays Pending with `ImagePullBackOff`, Events `Failed` (this message) and `BackOff`.
    ImagePullBackOff(String),
    /// Never scheduled: condition `PodScheduled=False/Unschedulable`, Event `FailedScheduling`.
    Unschedulable(String),
    /// Starts, exits 1, `CrashLoopBackOff` with Event `BackOff`.
    CrashLoop,
    /// Starts, killed by the OOM killer (lastState `OOMKilled`, exit 137), `CrashLoopBackOff`.
    OomKilled,
    /// Stays Pending forever without a reason (for timeouts).
    Stuck,
}

type Key = (String, String, String, String); // (apiVersion, kind, namespace, name)

#[derive(Clone, Debug)]
struct Change {
    rv: u64,
    api_version: String,
    kind: String,
    namespace: String,
    typ: &'static str,
    obj: Arc<Value>,
}

#[derive(Clone, Debug)]
enum Bcast {
    Change(Change),
    Expire,
}

struct KubeletPod {
    since: Instant,
    done: bool,
}

struct St {
    rv: u64,
    counter: u64,
    objects: BTreeMap<Key, Value>,
    log: std::collections::VecDeque<Change>,
    /// Watches from a resourceVersion below this get the in-stream 410.
    min_rv: u64,
    denied: HashSet<(String, String, String)>,
    requests: Vec<String>,
    forwards: Vec<(String, u16, SocketAddr)>,
    logs: HashMap<(String, String), String>,
    kubelet: bool,
    start_delay: Duration,
    fates: Vec<(String, PodFate)>,
    kpods: HashMap<(String, String), KubeletPod>,
    version: (String, String),
    /// With [`FakeApi::require_token`]: the only bearer token accepted.
    token: Option<String>,
}

struct Inner {
    st: Mutex<St>,
    tx: broadcast::Sender<Bcast>,
    wake: Notify,
}

/// A running fake API server. Cloning gives another handle to the same server.
#[derive(Clone)]
pub struct FakeApi {
    inner: Arc<Inner>,
    addr: SocketAddr,
    tls: bool,
}

const LOG_CAP: usize = 100_000;

fn now_rfc3339() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // civil from days (Howard Hinnant's algorithm, public domain facts)
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

fn status(code: u16, reason: &str, message: &str, details: Option<Value>) -> Response {
    let mut body = json!({
        "kind": "Status", "apiVersion": "v1", "metadata": {},
        "status": "Failure", "message": message, "reason": reason, "code": code,
    });
    if let Some(d) = details {
        body["details"] = d;
    }
    let sc = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (sc, axum::Json(body)).into_response()
}

fn json_response(code: StatusCode, v: &Value) -> Response {
    (code, axum::Json(v)).into_response()
}

fn meta_str<'a>(obj: &'a Value, field: &str) -> Option<&'a str> {
    obj.get("metadata")
        .and_then(|m| m.get(field))
        .and_then(Value::as_str)
}

fn labels(obj: &Value) -> Map<String, Value> {
    obj.pointer("/metadata/labels")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

/// RFC 7386 JSON merge patch.
fn merge_patch(target: &mut Value, patch: &Value) {
    if let Value::Object(p) = patch {
        if !target.is_object() {
            *target = Value::Object(Map::new());
        }
        if let Value::Object(t) = target {
            for (k, v) in p {
                if v.is_null() {
                    t.remove(k);
                } else {
                    merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
                }
            }
        }
    } else {
        *target = patch.clone();
    }
}

// ---------- selectors ----------

#[derive(Debug)]
enum LabelReq {
    Eq(String, String),
    Ne(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    NotExists(String),
}

fn split_top(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0;
    let mut cur = String::new();
    for c in s.chars() {
        match c {
            '(' => {
                depth += 1;
                cur.push(c)
            }
            ')' => {
                depth -= 1;
                cur.push(c)
            }
            ',' if depth == 0 => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out.into_iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

fn parse_label_selector(s: &str) -> Vec<LabelReq> {
    let mut out = Vec::new();
    for term in split_top(s) {
        let set = |rest: &str| -> Vec<String> {
            rest.trim()
                .trim_start_matches('(')
                .trim_end_matches(')')
                .split(',')
                .map(|v| v.trim().to_string())
                .collect()
        };
        if let Some((k, v)) = term.split_once("!=") {
            out.push(LabelReq::Ne(k.trim().into(), v.trim().into()));
        } else if let Some((k, v)) = term.split_once("==") {
            out.push(LabelReq::Eq(k.trim().into(), v.trim().into()));
        } else if let Some((k, v)) = term.split_once('=') {
            out.push(LabelReq::Eq(k.trim().into(), v.trim().into()));
        } else if let Some((k, rest)) = term.split_once(" notin ") {
            out.push(LabelReq::NotIn(k.trim().into(), set(rest)));
        } else if let Some((k, rest)) = term.split_once(" in ") {
            out.push(LabelReq::In(k.trim().into(), set(rest)));
        } else if let Some(k) = term.strip_prefix('!') {
            out.push(LabelReq::NotExists(k.trim().into()));
        } else {
            out.push(LabelReq::Exists(term));
        }
    }
    out
}

fn labels_match(reqs: &[LabelReq], obj: &Value) -> bool {
    let l = labels(obj);
    let get = |k: &str| l.get(k).and_then(Value::as_str);
    reqs.iter().all(|r| match r {
        LabelReq::Eq(k, v) => get(k) == Some(v.as_str()),
        LabelReq::Ne(k, v) => get(k) != Some(v.as_str()),
        LabelReq::In(k, vs) => get(k).is_some_and(|x| vs.iter().any(|v| v == x)),
        LabelReq::NotIn(k, vs) => !get(k).is_some_and(|x| vs.iter().any(|v| v == x)),
        LabelReq::Exists(k) => get(k).is_some(),
        LabelReq::NotExists(k) => get(k).is_none(),
    })
}

fn field_value(obj: &Value, path: &str) -> String {
    let mut cur = obj;
    for part in path.split('.') {
        match cur.get(part) {
            Some(v) => cur = v,
            None => return String::new(),
        }
    }
    match cur {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        v => v.to_string(),
    }
}

fn fields_match(sel: &str, obj: &Value) -> bool {
    sel.split(',').filter(|t| !t.trim().is_empty()).all(|term| {
        if let Some((k, v)) = term.split_once("!=") {
            field_value(obj, k.trim()) != v.trim()
        } else if let Some((k, v)) = term.split_once("==").or_else(|| term.split_once('=')) {
            field_value(obj, k.trim()) == v.trim()
        } else {
            true
        }
    })
}

struct Filter {
    namespace: Option<String>,
    labels: Vec<LabelReq>,
    fields: String,
}

impl Filter {
    fn matches(&self, ns: &str, obj: &Value) -> bool {
        self.namespace.as_deref().is_none_or(|n| n == ns)
            && labels_match(&self.labels, obj)
            && fields_match(&self.fields, obj)
    }
}

// ---------- query strings ----------

fn decode(s: &str) -> String {
    let s = s.replace('+', " ");
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && let Some(v) = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

struct Query(Vec<(String, String)>);

impl Query {
    fn parse(q: Option<&str>) -> Query {
        Query(
            q.unwrap_or("")
                .split('&')
                .filter(|p| !p.is_empty())
                .map(|p| match p.split_once('=') {
                    Some((k, v)) => (decode(k), decode(v)),
                    None => (decode(p), String::new()),
                })
                .collect(),
        )
    }
    fn get(&self, k: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(kk, _)| kk == k)
            .map(|(_, v)| v.as_str())
    }
    fn all(&self, k: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(kk, _)| kk == k)
            .map(|(_, v)| v.as_str())
            .collect()
    }
    fn flag(&self, k: &str) -> bool {
        matches!(self.get(k), Some("true" | "1" | ""))
    }
}

// ---------- the handle ----------

impl FakeApi {
    /// Binds 127.0.0.1:0 (plain http) and serves on the caller's tokio runtime.
    pub async fn start() -> std::io::Result<FakeApi> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let api = FakeApi::new(addr, false);
        let router = Router::new().fallback(handle).with_state(api.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Ok(api)
    }

    /// Binds 127.0.0.1:0 and serves https with this certificate chain and private key (PEM),
    /// as a real API server does; [`FakeApi::url`] is then `https://127.0.0.1:PORT`. The
    /// certificate must name 127.0.0.1 (an IP SAN) for clients that verify it.
    pub async fn start_tls(cert_pem: &[u8], key_pem: &[u8]) -> std::io::Result<FakeApi> {
        use tokio_rustls::rustls;
        use tokio_rustls::rustls::pki_types::pem::PemObject;
        use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let bad = |what: &str, e: &dyn std::fmt::Display| {
            std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("{what}: {e}"))
        };
        let certs = CertificateDer::pem_slice_iter(cert_pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| bad("certificate PEM", &e))?;
        let key = PrivateKeyDer::from_pem_slice(key_pem).map_err(|e| bad("key PEM", &e))?;
        // ring, as kube-rs and mizu-agent use (rustls deprecates it only for lacking
        // post-quantum key exchange).
        #[allow(deprecated)]
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| bad("TLS versions", &e))?
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .map_err(|e| bad("certificate", &e))?;
        let tcp = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = tcp.local_addr()?;
        let api = FakeApi::new(addr, true);
        let listener = TlsListener {
            tcp,
            acceptor: tokio_rustls::TlsAcceptor::from(Arc::new(config)),
        };
        let router = Router::new().fallback(handle).with_state(api.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Ok(api)
    }

    /// Accept only requests carrying `Authorization: Bearer TOKEN`; others get a JSON
    /// `Status` 401 (as a real API server answers a wrong or missing token).
    pub fn require_token(&self, token: &str) {
        self.st().token = Some(token.to_string());
    }

    /// The state and the kubelet loop; the caller serves `handle` on `addr`.
    fn new(addr: SocketAddr, tls: bool) -> FakeApi {
        let (tx, _) = broadcast::channel(16_384);
        let api = FakeApi {
            inner: Arc::new(Inner {
                st: Mutex::new(St {
                    rv: 1,
                    counter: 0,
                    objects: BTreeMap::new(),
                    log: Default::default(),
                    min_rv: 0,
                    denied: HashSet::new(),
                    requests: Vec::new(),
                    forwards: Vec::new(),
                    logs: HashMap::new(),
                    kubelet: false,
                    start_delay: Duration::from_millis(200),
                    fates: Vec::new(),
                    kpods: HashMap::new(),
                    version: ("1".into(), "35".into()),
                    token: None,
                }),
                tx,
                wake: Notify::new(),
            }),
            addr,
            tls,
        };
        for ns in ["default", "kube-system"] {
            api.put(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}));
        }
        let k = api.clone();
        tokio::spawn(async move { k.kubelet_loop().await });
        api
    }

    /// `http://127.0.0.1:PORT` (`https://` when started with [`FakeApi::start_tls`])
    pub fn url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    /// The server's socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Writes a kubeconfig (context `fake`, cluster `fake`, token user) pointing at this server.
    pub fn write_kubeconfig(&self, path: &std::path::Path, namespace: &str) -> std::io::Result<()> {
        let text = format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: fake\n  cluster:\n    server: {}\n\
             contexts:\n- name: fake\n  context:\n    cluster: fake\n    user: fake\n    namespace: {namespace}\n\
             current-context: fake\nusers:\n- name: fake\n  user:\n    token: fake-token\n",
            self.url()
        );
        std::fs::write(path, text)
    }

    fn st(&self) -> MutexGuard<'_, St> {
        self.inner.st.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Create or replace any object (needs apiVersion, kind, metadata.name; metadata.namespace for
    /// namespaced kinds, default `default`). Bumps resourceVersion, emits ADDED/MODIFIED.
    /// Unknown kinds are stored too (cluster-scoped unless a namespace is given).
    pub fn put(&self, obj: Value) {
        let mut st = self.st();
        let av = obj
            .get("apiVersion")
            .and_then(Value::as_str)
            .unwrap_or("v1")
            .to_string();
        let kind = obj
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let namespaced = match resource_for_kind(&av, &kind) {
            Some(r) => r.namespaced,
            None => meta_str(&obj, "namespace").is_some(),
        };
        let ns = if namespaced {
            meta_str(&obj, "namespace").unwrap_or("default").to_string()
        } else {
            String::new()
        };
        let _ = upsert(&mut st, &self.inner, obj, &av, &kind, &ns);
        drop(st);
        self.inner.wake.notify_one();
    }

    /// Deletes one object (and what it owns); emits DELETED. False when it was not there.
    pub fn remove(
        &self,
        api_version: &str,
        kind: &str,
        namespace: Option<&str>,
        name: &str,
    ) -> bool {
        let mut st = self.st();
        let key = (
            api_version.to_string(),
            kind.to_string(),
            namespace.unwrap_or("").to_string(),
            name.to_string(),
        );
        let found = delete_key(&mut st, &self.inner, &key).is_some();
        drop(st);
        self.inner.wake.notify_one();
        found
    }

    /// Every stored object of this kind, all namespaces.
    pub fn list(&self, api_version: &str, kind: &str) -> Vec<Value> {
        self.st()
            .objects
            .iter()
            .filter(|((av, k, _, _), _)| av == api_version && k == kind)
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// One object.
    pub fn get(
        &self,
        api_version: &str,
        kind: &str,
        namespace: Option<&str>,
        name: &str,
    ) -> Option<Value> {
        let key = (
            api_version.to_string(),
            kind.to_string(),
            namespace.unwrap_or("").to_string(),
            name.to_string(),
        );
        self.st().objects.get(&key).cloned()
    }

    /// Every object of every kind (for "nothing left behind" assertions).
    pub fn all_objects(&self) -> Vec<Value> {
        self.st().objects.values().cloned().collect()
    }

    /// Ends every open watch with the in-stream `410 Expired` ERROR; watches from an older
    /// resourceVersion get it too, so clients must re-list.
    pub fn expire_watches(&self) {
        let mut st = self.st();
        st.min_rv = st.rv;
        let _ = self.inner.tx.send(Bcast::Expire);
    }

    /// SelfSubjectAccessReview answers allowed=false for this (verb, group, resource) and the
    /// request itself is answered 403. `"*"` matches anything; resource may be `pods/log`.
    pub fn deny(&self, verb: &str, group: &str, resource: &str) {
        self.st()
            .denied
            .insert((verb.into(), group.into(), resource.into()));
    }

    /// Every request so far as `"METHOD path?query"`.
    pub fn requests(&self) -> Vec<String> {
        self.st().requests.clone()
    }

    /// Port-forwards to pods whose name starts with `pod` (any namespace), port `port`, go to `addr`.
    pub fn forward_to(&self, pod: &str, port: u16, addr: SocketAddr) {
        let mut st = self.st();
        st.forwards.retain(|(p, po, _)| !(p == pod && *po == port));
        st.forwards.push((pod.into(), port, addr));
    }

    /// What `pods/NAME/log` returns for pods whose name starts with `pod`.
    pub fn set_log(&self, namespace: &str, pod: &str, text: &str) {
        self.st()
            .logs
            .insert((namespace.into(), pod.into()), text.into());
    }

    /// The server version `/version` reports (default 1.35).
    pub fn set_version(&self, major: &str, minor: &str) {
        self.st().version = (major.into(), minor.into());
    }

    /// Turns the kubelet simulator on or off (default off).
    pub fn kubelet(&self, on: bool) {
        self.st().kubelet = on;
        self.inner.wake.notify_one();
    }

    /// How long simulated pods stay Pending before their fate (default 200 ms).
    pub fn set_start_delay(&self, d: Duration) {
        self.st().start_delay = d;
    }

    /// Simulated pods whose name or any container image contains `matcher` meet `fate`.
    /// Later rules win.
    pub fn pod_fate(&self, matcher: &str, fate: PodFate) {
        self.st().fates.insert(0, (matcher.into(), fate));
    }

    /// Adds a Ready Linux Node with an InternalIP.
    pub fn add_node(&self, name: &str, ip: &str) {
        self.put(json!({
            "apiVersion": "v1", "kind": "Node",
            "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux"}},
            "status": {
                "addresses": [{"type": "InternalIP", "address": ip}, {"type": "Hostname", "address": name}],
                "conditions": [{"type": "Ready", "status": "True"}],
                "nodeInfo": {"kubeletVersion": "v1.35.0", "containerRuntimeVersion": "containerd://2.1.0", "operatingSystem": "linux", "architecture": "amd64"}
            }
        }));
    }

    async fn kubelet_loop(self) {
        loop {
            let _ =
                tokio::time::timeout(Duration::from_millis(50), self.inner.wake.notified()).await;
            let mut st = self.st();
            if st.kubelet {
                reconcile(&mut st, &self.inner);
            }
        }
    }
}

fn next_rv(st: &mut St) -> u64 {
    st.rv += 1;
    st.rv
}

fn emit(
    st: &mut St,
    inner: &Inner,
    typ: &'static str,
    av: &str,
    kind: &str,
    ns: &str,
    obj: &Value,
) {
    let c = Change {
        rv: st.rv,
        api_version: av.into(),
        kind: kind.into(),
        namespace: ns.into(),
        typ,
        obj: Arc::new(obj.clone()),
    };
    st.log.push_back(c.clone());
    while st.log.len() > LOG_CAP {
        if let Some(old) = st.log.pop_front() {
            st.min_rv = st.min_rv.max(old.rv);
        }
    }
    let _ = inner.tx.send(Bcast::Change(c));
}

fn new_uid(st: &mut St) -> String {
    st.counter += 1;
    format!("6b1f0c2e-0000-4000-8000-{:012x}", st.counter)
}

fn suffix(st: &mut St, n: usize) -> String {
    st.counter += 1;
    const A: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let mut x = st.counter.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0x5bd1_e995;
    (0..n)
        .map(|_| {
            let c = A[(x % A.len() as u64) as usize] as char;
            x /= A.len() as u64;
            c
        })
        .collect()
}

/// Stores obj (create or replace) and returns (created, stored object).
fn upsert(
    st: &mut St,
    inner: &Inner,
    mut obj: Value,
    av: &str,
    kind: &str,
    ns: &str,
) -> (bool, Value) {
    if !obj.is_object() {
        obj = json!({});
    }
    obj["apiVersion"] = json!(av);
    obj["kind"] = json!(kind);
    if !obj.get("metadata").is_some_and(Value::is_object) {
        obj["metadata"] = json!({});
    }
    if meta_str(&obj, "name").is_none() {
        let base = meta_str(&obj, "generateName").unwrap_or("obj-").to_string();
        let s = suffix(st, 5);
        obj["metadata"]["name"] = json!(format!("{base}{s}"));
    }
    let name = meta_str(&obj, "name").unwrap_or_default().to_string();
    if !ns.is_empty() {
        obj["metadata"]["namespace"] = json!(ns);
    }
    let key: Key = (av.into(), kind.into(), ns.into(), name);
    let rv = next_rv(st);
    let existing = st.objects.get(&key).cloned();
    let created = existing.is_none();
    match &existing {
        Some(old) => {
            for f in ["uid", "creationTimestamp"] {
                if let Some(v) = old.pointer(&format!("/metadata/{f}")) {
                    obj["metadata"][f] = v.clone();
                }
            }
            let generation = old
                .pointer("/metadata/generation")
                .and_then(Value::as_u64)
                .unwrap_or(1);
            let changed = old.get("spec") != obj.get("spec");
            obj["metadata"]["generation"] =
                json!(if changed { generation + 1 } else { generation });
        }
        None => {
            if meta_str(&obj, "uid").is_none() {
                let uid = new_uid(st);
                obj["metadata"]["uid"] = json!(uid);
            }
            if meta_str(&obj, "creationTimestamp").is_none() {
                obj["metadata"]["creationTimestamp"] = json!(now_rfc3339());
            }
            obj["metadata"]["generation"] = json!(1);
            defaults_on_create(st, &mut obj, kind);
        }
    }
    obj["metadata"]["resourceVersion"] = json!(rv.to_string());
    st.objects.insert(key, obj.clone());
    emit(
        st,
        inner,
        if created { "ADDED" } else { "MODIFIED" },
        av,
        kind,
        ns,
        &obj,
    );
    (created, obj)
}

fn defaults_on_create(st: &mut St, obj: &mut Value, kind: &str) {
    match kind {
        "Namespace" if obj.pointer("/status/phase").is_none() => {
            obj["status"] = json!({"phase": "Active"});
        }
        "Service" => {
            let headless = obj.pointer("/spec/clusterIP").and_then(Value::as_str) == Some("None");
            if !headless && obj.pointer("/spec/clusterIP").is_none() && obj.get("spec").is_some() {
                st.counter += 1;
                let n = st.counter;
                obj["spec"]["clusterIP"] =
                    json!(format!("10.96.{}.{}", (n / 250) % 250, n % 250 + 1));
            }
        }
        "PersistentVolumeClaim" if obj.pointer("/status/phase").is_none() => {
            obj["status"] = json!({"phase": "Bound"});
        }
        _ => {}
    }
}

/// Removes key and (recursively) what it owns or, for a Namespace, contains.
fn delete_key(st: &mut St, inner: &Inner, key: &Key) -> Option<Value> {
    let obj = st.objects.remove(key)?;
    next_rv(st);
    let mut gone = obj.clone();
    gone["metadata"]["resourceVersion"] = json!(st.rv.to_string());
    emit(st, inner, "DELETED", &key.0, &key.1, &key.2, &gone);
    st.kpods.remove(&(key.2.clone(), key.3.clone()));
    let uid = meta_str(&obj, "uid").unwrap_or("").to_string();
    let dependents: Vec<Key> = st
        .objects
        .iter()
        .filter(|(k, v)| {
            (key.1 == "Namespace" && key.0 == "v1" && k.2 == key.3)
                || (!uid.is_empty()
                    && v.pointer("/metadata/ownerReferences")
                        .and_then(Value::as_array)
                        .is_some_and(|refs| {
                            refs.iter()
                                .any(|r| r.get("uid").and_then(Value::as_str) == Some(&uid))
                        }))
        })
        .map(|(k, _)| k.clone())
        .collect();
    for d in dependents {
        delete_key(st, inner, &d);
    }
    Some(gone)
}

// ---------- kubelet simulator ----------

fn owner_ref(obj: &Value) -> Value {
    json!({
        "apiVersion": obj.get("apiVersion").cloned().unwrap_or(json!("apps/v1")),
        "kind": obj.get("kind").cloned().unwrap_or(json!("")),
        "name": obj.pointer("/metadata/name").cloned().unwrap_or(json!("")),
        "uid": obj.pointer("/metadata/uid").cloned().unwrap_or(json!("")),
        "controller": true, "blockOwnerDeletion": true,
    })
}

fn owned_pods(st: &St, ns: &str, uid: &str) -> Vec<Value> {
    st.objects
        .iter()
        .filter(|((av, k, n, _), v)| {
            av == "v1"
                && k == "Pod"
                && n == ns
                && v.pointer("/metadata/ownerReferences")
                    .and_then(Value::as_array)
                    .is_some_and(|r| {
                        r.iter()
                            .any(|o| o.get("uid").and_then(Value::as_str) == Some(uid))
                    })
        })
        .map(|(_, v)| v.clone())
        .collect()
}

fn node_ip(st: &St, node: &str) -> String {
    st.objects
        .get(&("v1".into(), "Node".into(), String::new(), node.into()))
        .and_then(|n| {
            n.pointer("/status/addresses")
                .and_then(Value::as_array)
                .cloned()
        })
        .and_then(|a| {
            a.iter()
                .find(|x| x.get("type").and_then(Value::as_str) == Some("InternalIP"))
                .and_then(|x| x.get("address").and_then(Value::as_str).map(str::to_string))
        })
        .unwrap_or_else(|| "172.18.0.2".into())
}

fn make_pod(st: &mut St, owner: &Value, name: String, node: Option<&str>) -> Value {
    let ns = meta_str(owner, "namespace")
        .unwrap_or("default")
        .to_string();
    let tmpl = owner
        .pointer("/spec/template")
        .cloned()
        .unwrap_or(json!({}));
    let mut meta = tmpl.get("metadata").cloned().unwrap_or(json!({}));
    meta["name"] = json!(name);
    meta["namespace"] = json!(ns);
    meta["ownerReferences"] = json!([owner_ref(owner)]);
    let mut spec = tmpl.get("spec").cloned().unwrap_or(json!({}));
    if let Some(n) = node {
        spec["nodeName"] = json!(n);
    }
    let _ = st;
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec,
           "status": {"phase": "Pending", "conditions": []}})
}

fn fate_for(st: &St, pod: &Value) -> PodFate {
    let name = meta_str(pod, "name").unwrap_or("");
    let images: Vec<String> = pod
        .pointer("/spec/containers")
        .and_then(Value::as_array)
        .map(|cs| {
            cs.iter()
                .filter_map(|c| c.get("image").and_then(Value::as_str).map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    for (m, f) in &st.fates {
        if name.contains(m.as_str()) || images.iter().any(|i| i.contains(m.as_str())) {
            return f.clone();
        }
    }
    PodFate::Run
}

fn add_event(
    st: &mut St,
    inner: &Inner,
    pod: &Value,
    typ: &str,
    reason: &str,
    message: &str,
    component: &str,
) {
    let ns = meta_str(pod, "namespace").unwrap_or("default").to_string();
    let name = meta_str(pod, "name").unwrap_or("").to_string();
    st.counter += 1;
    let ev_name = format!("{name}.{:016x}", st.counter);
    let now = now_rfc3339();
    let ev = json!({
        "metadata": {"name": ev_name, "namespace": ns},
        "involvedObject": {"apiVersion": "v1", "kind": "Pod", "name": name, "namespace": ns,
                           "uid": pod.pointer("/metadata/uid").cloned().unwrap_or(json!(""))},
        "reason": reason, "message": message, "type": typ,
        "source": {"component": component}, "reportingComponent": component,
        "firstTimestamp": now, "lastTimestamp": now, "count": 1,
    });
    upsert(st, inner, ev, "v1", "Event", &ns);
}

fn container_statuses(pod: &Value, f: &dyn Fn(&str, &str) -> Value) -> Value {
    let cs = pod
        .pointer("/spec/containers")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    Value::Array(
        cs.iter()
            .map(|c| {
                let n = c.get("name").and_then(Value::as_str).unwrap_or("c");
                let i = c.get("image").and_then(Value::as_str).unwrap_or("");
                f(n, i)
            })
            .collect(),
    )
}

fn first_image(pod: &Value) -> String {
    pod.pointer("/spec/containers/0/image")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string()
}

fn reconcile(st: &mut St, inner: &Inner) {
    // controllers
    let deployments: Vec<Value> = st
        .objects
        .iter()
        .filter(|((av, k, _, _), _)| av == "apps/v1" && k == "Deployment")
        .map(|(_, v)| v.clone())
        .collect();
    for d in deployments {
        let ns = meta_str(&d, "namespace").unwrap_or("default").to_string();
        let uid = meta_str(&d, "uid").unwrap_or("").to_string();
        let want = d
            .pointer("/spec/replicas")
            .and_then(Value::as_u64)
            .unwrap_or(1) as usize;
        let pods = owned_pods(st, &ns, &uid);
        if pods.len() < want {
            let node = first_node(st);
            for _ in pods.len()..want {
                let name = format!(
                    "{}-{}-{}",
                    meta_str(&d, "name").unwrap_or("d"),
                    suffix(st, 10),
                    suffix(st, 5)
                );
                let pod = make_pod(st, &d, name.clone(), node.as_deref());
                st.kpods.insert(
                    (ns.clone(), name),
                    KubeletPod {
                        since: Instant::now(),
                        done: false,
                    },
                );
                upsert(st, inner, pod, "v1", "Pod", &ns);
            }
        }
        let ready = owned_pods(st, &ns, &uid)
            .iter()
            .filter(|p| {
                p.pointer("/status/phase").and_then(Value::as_str) == Some("Running")
                    && pod_ready(p)
            })
            .count();
        let status = json!({"replicas": want, "readyReplicas": ready, "availableReplicas": ready,
                            "updatedReplicas": want, "observedGeneration": d.pointer("/metadata/generation").cloned().unwrap_or(json!(1))});
        if d.get("status") != Some(&status) {
            let mut d2 = d.clone();
            d2["status"] = status;
            upsert(st, inner, d2, "apps/v1", "Deployment", &ns);
        }
    }
    let daemonsets: Vec<Value> = st
        .objects
        .iter()
        .filter(|((av, k, _, _), _)| av == "apps/v1" && k == "DaemonSet")
        .map(|(_, v)| v.clone())
        .collect();
    let nodes: Vec<Value> = st
        .objects
        .iter()
        .filter(|((av, k, _, _), _)| av == "v1" && k == "Node")
        .map(|(_, v)| v.clone())
        .collect();
    for ds in daemonsets {
        let ns = meta_str(&ds, "namespace").unwrap_or("default").to_string();
        let uid = meta_str(&ds, "uid").unwrap_or("").to_string();
        let sel = ds
            .pointer("/spec/template/spec/nodeSelector")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let eligible: Vec<String> = nodes
            .iter()
            .filter(|n| {
                let l = labels(n);
                sel.iter().all(|(k, v)| l.get(k) == Some(v))
            })
            .filter_map(|n| meta_str(n, "name").map(str::to_string))
            .collect();
        let pods = owned_pods(st, &ns, &uid);
        for node in &eligible {
            if !pods
                .iter()
                .any(|p| p.pointer("/spec/nodeName").and_then(Value::as_str) == Some(node))
            {
                let name = format!(
                    "{}-{}",
                    meta_str(&ds, "name").unwrap_or("ds"),
                    suffix(st, 5)
                );
                let pod = make_pod(st, &ds, name.clone(), Some(node));
                st.kpods.insert(
                    (ns.clone(), name),
                    KubeletPod {
                        since: Instant::now(),
                        done: false,
                    },
                );
                upsert(st, inner, pod, "v1", "Pod", &ns);
            }
        }
        for p in &pods {
            let on = p
                .pointer("/spec/nodeName")
                .and_then(Value::as_str)
                .unwrap_or("");
            if !eligible.iter().any(|n| n == on) {
                let key = (
                    "v1".into(),
                    "Pod".into(),
                    ns.clone(),
                    meta_str(p, "name").unwrap_or("").to_string(),
                );
                delete_key(st, inner, &key);
            }
        }
        let pods = owned_pods(st, &ns, &uid);
        let ready = pods.iter().filter(|p| pod_ready(p)).count();
        let status = json!({"desiredNumberScheduled": eligible.len(), "currentNumberScheduled": pods.len(),
                            "numberReady": ready, "numberAvailable": ready, "updatedNumberScheduled": pods.len(),
                            "numberMisscheduled": 0,
                            "observedGeneration": ds.pointer("/metadata/generation").cloned().unwrap_or(json!(1))});
        if ds.get("status") != Some(&status) {
            let mut d2 = ds.clone();
            d2["status"] = status;
            upsert(st, inner, d2, "apps/v1", "DaemonSet", &ns);
        }
    }
    // pod lifecycle
    let due: Vec<(String, String)> = st
        .kpods
        .iter()
        .filter(|(_, k)| !k.done && k.since.elapsed() >= st.start_delay)
        .map(|(k, _)| k.clone())
        .collect();
    for (ns, name) in due {
        if let Some(kp) = st.kpods.get_mut(&(ns.clone(), name.clone())) {
            kp.done = true;
        }
        let key: Key = ("v1".into(), "Pod".into(), ns.clone(), name.clone());
        let Some(mut pod) = st.objects.get(&key).cloned() else {
            continue;
        };
        let fate = fate_for(st, &pod);
        let node = pod
            .pointer("/spec/nodeName")
            .and_then(Value::as_str)
            .map(str::to_string)
            .or_else(|| first_node(st));
        let host_ip = node
            .as_deref()
            .map(|n| node_ip(st, n))
            .unwrap_or_else(|| "172.18.0.2".into());
        st.counter += 1;
        let n = st.counter;
        let pod_ip = format!("10.244.{}.{}", (n / 250) % 250, n % 250 + 1);
        let now = now_rfc3339();
        let image = first_image(&pod);
        let cid = format!("containerd://{:064x}", n);
        match fate {
            PodFate::Run | PodFate::CrashLoop | PodFate::OomKilled => {
                if let Some(nd) = &node {
                    pod["spec"]["nodeName"] = json!(nd);
                }
                let ok = fate == PodFate::Run;
                let restarts = if ok { 0 } else { 3 };
                let statuses = container_statuses(&pod, &|cname, img| {
                    let mut s = json!({"name": cname, "image": img, "imageID": format!("{img}@sha256:{:064x}", 1),
                        "containerID": cid, "ready": ok, "started": ok, "restartCount": restarts});
                    if ok {
                        s["state"] = json!({"running": {"startedAt": now}});
                    } else {
                        s["state"] = json!({"waiting": {"reason": "CrashLoopBackOff",
                            "message": format!("back-off 40s restarting failed container={cname} pod={name}")}});
                        s["lastState"] = if fate == PodFate::OomKilled {
                            json!({"terminated": {"reason": "OOMKilled", "exitCode": 137, "startedAt": now, "finishedAt": now}})
                        } else {
                            json!({"terminated": {"reason": "Error", "exitCode": 1, "startedAt": now, "finishedAt": now}})
                        };
                    }
                    s
                });
                let r = if ok { "True" } else { "False" };
                pod["status"] = json!({
                    "phase": "Running", "hostIP": host_ip, "hostIPs": [{"ip": host_ip}],
                    "podIP": pod_ip, "podIPs": [{"ip": pod_ip}], "startTime": now, "qosClass": "Burstable",
                    "conditions": [
                        {"type": "PodScheduled", "status": "True", "lastTransitionTime": now},
                        {"type": "Initialized", "status": "True", "lastTransitionTime": now},
                        {"type": "ContainersReady", "status": r, "lastTransitionTime": now},
                        {"type": "Ready", "status": r, "lastTransitionTime": now}],
                    "containerStatuses": statuses,
                });
                let (_, pod) = upsert(st, inner, pod, "v1", "Pod", &ns);
                if !ok {
                    let cname = pod
                        .pointer("/spec/containers/0/name")
                        .and_then(Value::as_str)
                        .unwrap_or("c")
                        .to_string();
                    add_event(
                        st,
                        inner,
                        &pod,
                        "Warning",
                        "BackOff",
                        &format!(
                            "Back-off restarting failed container {cname} in pod {name}_{ns}({})",
                            meta_str(&pod, "uid").unwrap_or("")
                        ),
                        "kubelet",
                    );
                }
            }
            PodFate::ErrImagePull(msg) | PodFate::ImagePullBackOff(msg) => {
                let backoff = matches!(fate_for(st, &pod), PodFate::ImagePullBackOff(_));
                if let Some(nd) = &node {
                    pod["spec"]["nodeName"] = json!(nd);
                }
                let reason = if backoff {
                    "ImagePullBackOff"
                } else {
                    "ErrImagePull"
                };
                let wmsg = if backoff {
                    format!("Back-off pulling image \"{image}\"")
                } else {
                    msg.clone()
                };
                let statuses = container_statuses(&pod, &|cname, img| {
                    json!({"name": cname, "image": img, "imageID": "", "ready": false, "started": false,
                           "restartCount": 0, "state": {"waiting": {"reason": reason, "message": wmsg}}})
                });
                pod["status"] = json!({
                    "phase": "Pending", "hostIP": host_ip, "podIP": pod_ip, "podIPs": [{"ip": pod_ip}], "startTime": now,
                    "conditions": [{"type": "PodScheduled", "status": "True", "lastTransitionTime": now},
                                   {"type": "Ready", "status": "False", "reason": "ContainersNotReady", "lastTransitionTime": now}],
                    "containerStatuses": statuses,
                });
                let (_, pod) = upsert(st, inner, pod, "v1", "Pod", &ns);
                add_event(
                    st,
                    inner,
                    &pod,
                    "Normal",
                    "Pulling",
                    &format!("Pulling image \"{image}\""),
                    "kubelet",
                );
                add_event(st, inner, &pod, "Warning", "Failed", &msg, "kubelet");
                add_event(
                    st,
                    inner,
                    &pod,
                    "Warning",
                    "Failed",
                    "Error: ErrImagePull",
                    "kubelet",
                );
                if backoff {
                    add_event(
                        st,
                        inner,
                        &pod,
                        "Normal",
                        "BackOff",
                        &format!("Back-off pulling image \"{image}\""),
                        "kubelet",
                    );
                    add_event(
                        st,
                        inner,
                        &pod,
                        "Warning",
                        "Failed",
                        "Error: ImagePullBackOff",
                        "kubelet",
                    );
                }
            }
            PodFate::Unschedulable(msg) => {
                pod["status"] = json!({"phase": "Pending", "conditions": [
                    {"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": msg, "lastTransitionTime": now}]});
                let (_, pod) = upsert(st, inner, pod, "v1", "Pod", &ns);
                add_event(
                    st,
                    inner,
                    &pod,
                    "Warning",
                    "FailedScheduling",
                    &msg,
                    "default-scheduler",
                );
            }
            PodFate::Stuck => {}
        }
    }
}

fn first_node(st: &St) -> Option<String> {
    st.objects
        .keys()
        .find(|(av, k, _, _)| av == "v1" && k == "Node")
        .map(|k| k.3.clone())
}

fn pod_ready(p: &Value) -> bool {
    p.pointer("/status/conditions")
        .and_then(Value::as_array)
        .is_some_and(|c| {
            c.iter().any(|c| {
                c.get("type").and_then(Value::as_str) == Some("Ready")
                    && c.get("status").and_then(Value::as_str) == Some("True")
            })
        })
}

// ---------- HTTP ----------

enum Target {
    Collection {
        res: &'static Resource,
        ns: Option<String>,
    },
    Item {
        res: &'static Resource,
        ns: Option<String>,
        name: String,
        sub: Option<String>,
    },
}

fn parse_target(path: &str) -> Result<Target, Response> {
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    let (group, version, rest) = match segs.as_slice() {
        ["api", v, rest @ ..] => ("", *v, rest),
        ["apis", g, v, rest @ ..] => (*g, *v, rest),
        _ => {
            return Err(status(
                404,
                "NotFound",
                "the server could not find the requested resource",
                None,
            ));
        }
    };
    let find = |plural: &str| {
        resource_for_plural(group, version, plural).ok_or_else(|| {
            status(
                404,
                "NotFound",
                &format!("the server could not find the requested resource ({plural})"),
                None,
            )
        })
    };
    match rest {
        [plural] => Ok(Target::Collection {
            res: find(plural)?,
            ns: None,
        }),
        ["namespaces", ns, plural]
            if resource_for_plural(group, version, plural).is_some_and(|r| r.namespaced) =>
        {
            Ok(Target::Collection {
                res: find(plural)?,
                ns: Some((*ns).to_string()),
            })
        }
        ["namespaces", ns, plural, name] => Ok(Target::Item {
            res: find(plural)?,
            ns: Some((*ns).into()),
            name: (*name).into(),
            sub: None,
        }),
        ["namespaces", ns, plural, name, sub] => Ok(Target::Item {
            res: find(plural)?,
            ns: Some((*ns).into()),
            name: (*name).into(),
            sub: Some((*sub).into()),
        }),
        [plural, name] => Ok(Target::Item {
            res: find(plural)?,
            ns: None,
            name: (*name).into(),
            sub: None,
        }),
        [plural, name, sub] => Ok(Target::Item {
            res: find(plural)?,
            ns: None,
            name: (*name).into(),
            sub: Some((*sub).into()),
        }),
        _ => Err(status(
            404,
            "NotFound",
            "the server could not find the requested resource",
            None,
        )),
    }
}

fn is_denied(st: &St, verb: &str, group: &str, resource: &str) -> bool {
    st.denied.iter().any(|(v, g, r)| {
        (v == "*" || v == verb) && (g == "*" || g == group) && (r == "*" || r == resource)
    })
}

async fn handle(State(api): State<FakeApi>, req: Request) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let raw_query = req.uri().query().map(str::to_string);
    let required = {
        let mut st = api.st();
        st.requests.push(match &raw_query {
            Some(q) => format!("{method} {path}?{q}"),
            None => format!("{method} {path}"),
        });
        st.token.clone()
    };
    if let Some(token) = required {
        let given = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        if given != Some(token.as_str()) {
            return status(401, "Unauthorized", "Unauthorized", None);
        }
    }
    let q = Query::parse(raw_query.as_deref());
    match path.as_str() {
        "/version" => {
            let (ma, mi) = api.st().version.clone();
            return json_response(
                StatusCode::OK,
                &json!({
                "major": ma, "minor": mi, "gitVersion": format!("v{ma}.{mi}.0"), "gitCommit": "0000000",
                "gitTreeState": "clean", "buildDate": "2026-01-01T00:00:00Z", "goVersion": "go1.25",
                "compiler": "gc", "platform": "linux/amd64"}),
            );
        }
        "/healthz" | "/readyz" | "/livez" => return (StatusCode::OK, "ok").into_response(),
        "/api" => {
            return json_response(
                StatusCode::OK,
                &json!({"kind": "APIVersions", "versions": ["v1"],
                "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": api.addr.to_string()}]}),
            );
        }
        "/apis" => return json_response(StatusCode::OK, &api_group_list()),
        _ => {}
    }
    if let Some(doc) = resource_list(&path) {
        return json_response(StatusCode::OK, &doc);
    }
    if path.starts_with("/apis/") && path.trim_matches('/').split('/').count() == 2 {
        let g = path.trim_matches('/').split('/').nth(1).unwrap_or("");
        if let Some(v) = api_group_list()["groups"]
            .as_array()
            .and_then(|gs| gs.iter().find(|x| x["name"] == g))
        {
            let mut v = v.clone();
            v["kind"] = json!("APIGroup");
            v["apiVersion"] = json!("v1");
            return json_response(StatusCode::OK, &v);
        }
    }
    let target = match parse_target(&path) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let (res, sub) = match &target {
        Target::Collection { res, .. } => (*res, None),
        Target::Item { res, sub, .. } => (*res, sub.clone()),
    };
    let verb = match (&method, &target) {
        (&Method::GET, Target::Collection { .. }) if q.flag("watch") => "watch",
        (&Method::GET, Target::Collection { .. }) => "list",
        (&Method::GET, Target::Item { sub: Some(s), .. }) if s == "portforward" => "create",
        (&Method::GET, _) => "get",
        (&Method::POST, _) => "create",
        (&Method::PUT, _) => "update",
        (&Method::PATCH, _) => "patch",
        (&Method::DELETE, Target::Collection { .. }) => "deletecollection",
        (&Method::DELETE, _) => "delete",
        _ => {
            return status(
                405,
                "MethodNotAllowed",
                "the server does not allow this method on the requested resource",
                None,
            );
        }
    };
    let rbac_res = match &sub {
        Some(s) if s != "status" => format!("{}/{s}", res.plural),
        _ => res.plural.to_string(),
    };
    if is_denied(&api.st(), verb, res.group, &rbac_res) {
        return status(
            403,
            "Forbidden",
            &format!(
                "{} is forbidden: User \"fake\" cannot {verb} resource \"{rbac_res}\" in API group \"{}\"",
                res.plural, res.group
            ),
            None,
        );
    }
    let (parts, body) = req.into_parts();
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    match target {
        Target::Collection { res, ns } => match method {
            Method::GET if verb == "watch" => watch(&api, res, ns, &q),
            Method::GET => list(&api, res, ns, &q),
            Method::POST => {
                let body = match read_json(body).await {
                    Ok(v) => v,
                    Err(r) => return r,
                };
                if res.kind == "SelfSubjectAccessReview" {
                    return access_review(&api, body);
                }
                create(&api, res, ns, body, &q)
            }
            Method::DELETE => {
                let filter = make_filter(ns, &q);
                let mut st = api.st();
                let av = res.api_version();
                let keys: Vec<Key> = st
                    .objects
                    .iter()
                    .filter(|((a, k, n, _), v)| *a == av && k == res.kind && filter.matches(n, v))
                    .map(|(k, _)| k.clone())
                    .collect();
                let items: Vec<Value> = keys
                    .iter()
                    .filter_map(|k| delete_key(&mut st, &api.inner, k))
                    .collect();
                let rv = st.rv;
                drop(st);
                api.inner.wake.notify_one();
                json_response(
                    StatusCode::OK,
                    &json!({"apiVersion": av, "kind": format!("{}List", res.kind),
                    "metadata": {"resourceVersion": rv.to_string()}, "items": items}),
                )
            }
            _ => status(405, "MethodNotAllowed", "method not allowed", None),
        },
        Target::Item { res, ns, name, sub } => {
            if res.namespaced != ns.is_some() && res.kind != "Namespace" {
                return status(
                    404,
                    "NotFound",
                    "the server could not find the requested resource",
                    None,
                );
            }
            match (method, sub.as_deref()) {
                (Method::GET, Some("log")) => pod_log(&api, ns.as_deref().unwrap_or(""), &name),
                (Method::GET, Some("portforward")) => {
                    let mut parts = parts;
                    port_forward(&api, &mut parts, ns.unwrap_or_default(), name, &q).await
                }
                (Method::GET, None | Some("status")) => {
                    let key = (
                        res.api_version(),
                        res.kind.to_string(),
                        ns.unwrap_or_default(),
                        name.clone(),
                    );
                    match api.st().objects.get(&key) {
                        Some(v) => json_response(StatusCode::OK, v),
                        None => not_found(res, &name),
                    }
                }
                (Method::PUT, None | Some("status")) => {
                    let body = match read_json(body).await {
                        Ok(v) => v,
                        Err(r) => return r,
                    };
                    let key = (
                        res.api_version(),
                        res.kind.to_string(),
                        ns.clone().unwrap_or_default(),
                        name.clone(),
                    );
                    let mut st = api.st();
                    let Some(old) = st.objects.get(&key).cloned() else {
                        return not_found(res, &name);
                    };
                    if let Some(rv) = meta_str(&body, "resourceVersion")
                        && Some(rv) != meta_str(&old, "resourceVersion")
                    {
                        return status(
                            409,
                            "Conflict",
                            &format!(
                                "Operation cannot be fulfilled on {} \"{name}\": the object has been modified; please apply your changes to the latest version and try again",
                                res.plural
                            ),
                            None,
                        );
                    }
                    let new = if sub.as_deref() == Some("status") {
                        let mut o = old.clone();
                        o["status"] = body.get("status").cloned().unwrap_or(Value::Null);
                        o
                    } else {
                        body
                    };
                    let (_, stored) = upsert(&mut st, &api.inner, new, &key.0, &key.1, &key.2);
                    drop(st);
                    api.inner.wake.notify_one();
                    json_response(StatusCode::OK, &stored)
                }
                (Method::PATCH, None | Some("status")) => {
                    let bytes = match axum::body::to_bytes(body, 64 << 20).await {
                        Ok(b) => b,
                        Err(e) => return status(400, "BadRequest", &e.to_string(), None),
                    };
                    patch(&api, res, ns, name, &content_type, &bytes, &q)
                }
                (Method::DELETE, None) => {
                    let key = (
                        res.api_version(),
                        res.kind.to_string(),
                        ns.unwrap_or_default(),
                        name.clone(),
                    );
                    let mut st = api.st();
                    let gone = delete_key(&mut st, &api.inner, &key);
                    drop(st);
                    api.inner.wake.notify_one();
                    match gone {
                        Some(v) => json_response(StatusCode::OK, &v),
                        None => not_found(res, &name),
                    }
                }
                _ => status(405, "MethodNotAllowed", "method not allowed", None),
            }
        }
    }
}

fn not_found(res: &Resource, name: &str) -> Response {
    let gr = if res.group.is_empty() {
        res.plural.to_string()
    } else {
        format!("{}.{}", res.plural, res.group)
    };
    status(
        404,
        "NotFound",
        &format!("{gr} \"{name}\" not found"),
        Some(json!({"name": name, "group": res.group, "kind": res.plural})),
    )
}

async fn read_json(body: Body) -> Result<Value, Response> {
    let bytes = axum::body::to_bytes(body, 64 << 20)
        .await
        .map_err(|e| status(400, "BadRequest", &e.to_string(), None))?;
    serde_json::from_slice(&bytes)
        .map_err(|e| status(400, "BadRequest", &format!("invalid JSON body: {e}"), None))
}

fn make_filter(ns: Option<String>, q: &Query) -> Filter {
    Filter {
        namespace: ns,
        labels: parse_label_selector(q.get("labelSelector").unwrap_or("")),
        fields: q.get("fieldSelector").unwrap_or("").to_string(),
    }
}

fn list(api: &FakeApi, res: &Resource, ns: Option<String>, q: &Query) -> Response {
    let filter = make_filter(ns, q);
    let st = api.st();
    let av = res.api_version();
    let all: Vec<&Value> = st
        .objects
        .iter()
        .filter(|((a, k, n, _), v)| *a == av && k == res.kind && filter.matches(n, v))
        .map(|(_, v)| v)
        .collect();
    let start: usize = q.get("continue").and_then(|c| c.parse().ok()).unwrap_or(0);
    let limit: usize = q
        .get("limit")
        .and_then(|l| l.parse().ok())
        .filter(|l| *l > 0)
        .unwrap_or(usize::MAX);
    let end = start.saturating_add(limit).min(all.len());
    let items: Vec<Value> = all
        .get(start.min(end)..end)
        .unwrap_or(&[])
        .iter()
        .map(|v| (*v).clone())
        .collect();
    let mut meta = json!({"resourceVersion": st.rv.to_string()});
    if end < all.len() {
        meta["continue"] = json!(end.to_string());
        meta["remainingItemCount"] = json!(all.len() - end);
    }
    json_response(
        StatusCode::OK,
        &json!({"apiVersion": av, "kind": format!("{}List", res.kind), "metadata": meta, "items": items}),
    )
}

fn create(
    api: &FakeApi,
    res: &Resource,
    ns: Option<String>,
    mut body: Value,
    q: &Query,
) -> Response {
    if res.namespaced && ns.is_none() {
        return status(
            405,
            "MethodNotAllowed",
            "namespaced resource: POST to /namespaces/{ns}/...",
            None,
        );
    }
    let ns = ns.unwrap_or_default();
    if let Some(bns) = meta_str(&body, "namespace")
        && !ns.is_empty()
        && bns != ns
    {
        return status(
            400,
            "BadRequest",
            "the namespace of the provided object does not match the namespace sent on the request",
            None,
        );
    }
    if meta_str(&body, "name").is_none() && meta_str(&body, "generateName").is_none() {
        return status(
            422,
            "Invalid",
            &format!(
                "{} \"\" is invalid: metadata.name: Required value: name or generateName is required",
                res.kind
            ),
            None,
        );
    }
    let mut st = api.st();
    if !ns.is_empty()
        && res.kind != "Namespace"
        && !st
            .objects
            .contains_key(&("v1".into(), "Namespace".into(), String::new(), ns.clone()))
    {
        return status(
            404,
            "NotFound",
            &format!("namespaces \"{ns}\" not found"),
            Some(json!({"name": ns, "kind": "namespaces"})),
        );
    }
    if let Some(name) = meta_str(&body, "name") {
        let key = (
            res.api_version(),
            res.kind.to_string(),
            ns.clone(),
            name.to_string(),
        );
        if st.objects.contains_key(&key) {
            let gr = if res.group.is_empty() {
                res.plural.to_string()
            } else {
                format!("{}.{}", res.plural, res.group)
            };
            return status(
                409,
                "AlreadyExists",
                &format!("{gr} \"{name}\" already exists"),
                Some(json!({"name": name, "group": res.group, "kind": res.plural})),
            );
        }
    }
    if q.get("dryRun") == Some("All") {
        body["apiVersion"] = json!(res.api_version());
        body["kind"] = json!(res.kind);
        return json_response(StatusCode::CREATED, &body);
    }
    if let Some(m) = body.get_mut("metadata").and_then(Value::as_object_mut) {
        m.remove("resourceVersion");
    }
    let (_, stored) = upsert(&mut st, &api.inner, body, &res.api_version(), res.kind, &ns);
    // A bare pod created through the API (not `put`) is run by the kubelet simulator too.
    if res.kind == "Pod" && st.kubelet {
        let name = meta_str(&stored, "name").unwrap_or_default().to_string();
        st.kpods.insert(
            (ns.clone(), name),
            KubeletPod {
                since: Instant::now(),
                done: false,
            },
        );
    }
    drop(st);
    api.inner.wake.notify_one();
    json_response(StatusCode::CREATED, &stored)
}

fn patch(
    api: &FakeApi,
    res: &Resource,
    ns: Option<String>,
    name: String,
    ct: &str,
    bytes: &Bytes,
    q: &Query,
) -> Response {
    let Ok(p) = serde_json::from_slice::<Value>(bytes) else {
        return status(
            415,
            "UnsupportedMediaType",
            "the fake API server accepts JSON patch bodies only",
            None,
        );
    };
    let key = (
        res.api_version(),
        res.kind.to_string(),
        ns.clone().unwrap_or_default(),
        name.clone(),
    );
    let mut st = api.st();
    let existing = st.objects.get(&key).cloned();
    let new = if ct.starts_with("application/apply-patch") {
        if q.get("fieldManager").is_none() {
            return status(
                422,
                "Invalid",
                "fieldManager is required for apply requests",
                None,
            );
        }
        match existing {
            Some(mut old) => {
                merge_patch(&mut old, &p);
                old
            }
            None => {
                if let (Some(ns), false) = (&ns, ns.as_deref() == Some(""))
                    && res.kind != "Namespace"
                    && !st.objects.contains_key(&(
                        "v1".into(),
                        "Namespace".into(),
                        String::new(),
                        ns.clone(),
                    ))
                {
                    return status(
                        404,
                        "NotFound",
                        &format!("namespaces \"{ns}\" not found"),
                        None,
                    );
                }
                let mut o = p;
                o["metadata"]["name"] = json!(name);
                o
            }
        }
    } else if ct.starts_with("application/merge-patch")
        || ct.starts_with("application/strategic-merge-patch")
    {
        let Some(mut old) = existing else {
            return not_found(res, &name);
        };
        merge_patch(&mut old, &p);
        old
    } else {
        return status(
            415,
            "UnsupportedMediaType",
            &format!("the fake API server does not support patch type {ct:?}"),
            None,
        );
    };
    if q.get("dryRun") == Some("All") {
        return json_response(StatusCode::OK, &new);
    }
    let (created, stored) = upsert(&mut st, &api.inner, new, &key.0, &key.1, &key.2);
    drop(st);
    api.inner.wake.notify_one();
    json_response(
        if created {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        },
        &stored,
    )
}

fn access_review(api: &FakeApi, mut body: Value) -> Response {
    let ra = body
        .pointer("/spec/resourceAttributes")
        .cloned()
        .unwrap_or(json!({}));
    let s = |k: &str| ra.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let resource = match s("subresource").as_str() {
        "" => s("resource"),
        sub => format!("{}/{sub}", s("resource")),
    };
    let denied = is_denied(&api.st(), &s("verb"), &s("group"), &resource);
    body["apiVersion"] = json!("authorization.k8s.io/v1");
    body["kind"] = json!("SelfSubjectAccessReview");
    body["status"] = if denied {
        json!({"allowed": false, "reason": format!("fake: {} {} in group {:?} is denied", s("verb"), resource, s("group"))})
    } else {
        json!({"allowed": true, "reason": "fake: allowed"})
    };
    json_response(StatusCode::CREATED, &body)
}

fn pod_log(api: &FakeApi, ns: &str, name: &str) -> Response {
    let st = api.st();
    if !st
        .objects
        .contains_key(&("v1".into(), "Pod".into(), ns.into(), name.into()))
    {
        return status(404, "NotFound", &format!("pods \"{name}\" not found"), None);
    }
    let text = st
        .logs
        .iter()
        .find(|((n, p), _)| n == ns && name.starts_with(p.as_str()))
        .map(|(_, t)| t.clone())
        .unwrap_or_else(|| format!("fake log of {ns}/{name}\n"));
    let mut r = text.into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    r
}

fn watch(api: &FakeApi, res: &'static Resource, ns: Option<String>, q: &Query) -> Response {
    let filter = make_filter(ns, q);
    let bookmarks = q.flag("allowWatchBookmarks");
    let timeout = q
        .get("timeoutSeconds")
        .and_then(|t| t.parse::<u64>().ok())
        .unwrap_or(1800);
    let from = q.get("resourceVersion").unwrap_or("");
    let av = res.api_version();
    let (tx, rx) = mpsc::channel::<Bytes>(1024);
    let line = |v: &Value| {
        let mut s = serde_json::to_vec(v).unwrap_or_default();
        s.push(b'\n');
        Bytes::from(s)
    };
    let mut initial: Vec<Bytes> = Vec::new();
    let mut sub;
    let mut last_rv;
    let mut expired = false;
    {
        let st = api.st();
        sub = api.inner.tx.subscribe();
        last_rv = st.rv;
        match from.parse::<u64>() {
            Ok(rv) if rv > 0 => {
                if rv < st.min_rv {
                    expired = true;
                } else {
                    for c in st.log.iter().filter(|c| c.rv > rv) {
                        if c.api_version == av
                            && c.kind == res.kind
                            && filter.matches(&c.namespace, &c.obj)
                        {
                            initial.push(line(&json!({"type": c.typ, "object": &*c.obj})));
                        }
                    }
                }
            }
            _ => {
                for ((a, k, n, _), v) in &st.objects {
                    if *a == av && k == res.kind && filter.matches(n, v) {
                        initial.push(line(&json!({"type": "ADDED", "object": v})));
                    }
                }
            }
        }
    }
    let gone = line(
        &json!({"type": "ERROR", "object": {"kind": "Status", "apiVersion": "v1", "metadata": {},
        "status": "Failure", "message": "too old resource version", "reason": "Expired", "code": 410}}),
    );
    let kind = res.kind;
    tokio::spawn(async move {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(timeout);
        if expired {
            let _ = tx.send(gone).await;
            return;
        }
        for b in initial {
            if tx.send(b).await.is_err() {
                return;
            }
        }
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        loop {
            tokio::select! {
                _ = tokio::time::sleep_until(deadline) => return,
                _ = tick.tick(), if bookmarks => {
                    let bm = line(&json!({"type": "BOOKMARK", "object": {"apiVersion": av, "kind": kind,
                        "metadata": {"resourceVersion": last_rv.to_string(),
                                     "annotations": {"k8s.io/initial-events-end": "true"}}}}));
                    if tx.send(bm).await.is_err() { return; }
                }
                m = sub.recv() => match m {
                    Ok(Bcast::Change(c)) => {
                        last_rv = c.rv;
                        if c.api_version == av && c.kind == kind && filter.matches(&c.namespace, &c.obj)
                            && tx.send(line(&json!({"type": c.typ, "object": &*c.obj}))).await.is_err() { return; }
                    }
                    Ok(Bcast::Expire) | Err(broadcast::error::RecvError::Lagged(_)) => {
                        let _ = tx.send(gone).await;
                        return;
                    }
                    Err(broadcast::error::RecvError::Closed) => return,
                },
                _ = tx.closed() => return,
            }
        }
    });
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|b| (Ok::<_, Infallible>(b), rx))
    });
    let mut r = Response::new(Body::from_stream(stream));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

async fn port_forward(
    api: &FakeApi,
    parts: &mut axum::http::request::Parts,
    ns: String,
    pod: String,
    q: &Query,
) -> Response {
    let ports: Vec<u16> = q
        .all("ports")
        .iter()
        .flat_map(|p| p.split(','))
        .filter_map(|p| p.trim().parse().ok())
        .collect();
    if ports.is_empty() {
        return status(
            400,
            "BadRequest",
            "query parameter \"ports\" is required",
            None,
        );
    }
    let targets: Vec<Option<SocketAddr>> = {
        let st = api.st();
        let Some(obj) = st
            .objects
            .get(&("v1".into(), "Pod".into(), ns.clone(), pod.clone()))
        else {
            return status(404, "NotFound", &format!("pods \"{pod}\" not found"), None);
        };
        ports
            .iter()
            .map(|port| {
                st.forwards
                    .iter()
                    .find(|(p, po, _)| pod.starts_with(p.as_str()) && po == port)
                    .map(|(_, _, a)| *a)
                    .or_else(|| {
                        obj.pointer(&format!("/metadata/annotations/kubefake~1forward-{port}"))
                            .and_then(Value::as_str)
                            .and_then(|s| s.parse().ok())
                    })
            })
            .collect()
    };
    let ws = match WebSocketUpgrade::from_request_parts(parts, api).await {
        Ok(ws) => ws,
        Err(e) => return e.into_response(),
    };
    ws.protocols(["v5.channel.k8s.io", "v4.channel.k8s.io"])
        .on_upgrade(move |socket| forward_session(socket, ports, targets))
}

async fn forward_session(socket: WebSocket, ports: Vec<u16>, targets: Vec<Option<SocketAddr>>) {
    let (mut sink, mut stream) = socket.split();
    let (out_tx, mut out_rx) = mpsc::channel::<Message>(64);
    let mut writers = Vec::new();
    for (i, port) in ports.iter().enumerate() {
        let data_ch = (2 * i) as u8;
        let err_ch = data_ch + 1;
        let [lo, hi] = port.to_le_bytes();
        let _ = sink
            .send(Message::Binary(Bytes::from(vec![data_ch, lo, hi])))
            .await;
        let _ = sink
            .send(Message::Binary(Bytes::from(vec![err_ch, lo, hi])))
            .await;
        let conn = match targets.get(i).copied().flatten() {
            Some(a) => tokio::net::TcpStream::connect(a)
                .await
                .map_err(|e| format!("dial {a}: {e}")),
            None => Err(format!("no forward target configured for port {port}")),
        };
        match conn {
            Ok(tcp) => {
                let (mut rd, wr) = tcp.into_split();
                writers.push(Some(wr));
                let out = out_tx.clone();
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 32 * 1024];
                    loop {
                        match rd.read(&mut buf).await {
                            Ok(0) | Err(_) => break,
                            Ok(n) => {
                                let mut m = Vec::with_capacity(n + 1);
                                m.push(data_ch);
                                m.extend_from_slice(&buf[..n]);
                                if out.send(Message::Binary(Bytes::from(m))).await.is_err() {
                                    break;
                                }
                            }
                        }
                    }
                    let _ = out.send(Message::Close(None)).await;
                });
            }
            Err(e) => {
                writers.push(None);
                let msg = format!("an error occurred forwarding {port} -> {port}: {e}");
                let mut m = vec![err_ch];
                m.extend_from_slice(msg.as_bytes());
                let _ = sink.send(Message::Binary(Bytes::from(m))).await;
                let _ = out_tx.send(Message::Close(None)).await;
            }
        }
    }
    drop(out_tx);
    loop {
        tokio::select! {
            m = out_rx.recv() => match m {
                Some(Message::Close(c)) => {
                    let _ = sink.send(Message::Close(c)).await;
                    return;
                }
                Some(m) => if sink.send(m).await.is_err() { return },
                None => return,
            },
            m = stream.next() => match m {
                Some(Ok(Message::Binary(b))) => {
                    let Some((&ch, data)) = b.split_first() else { continue };
                    if ch == 255 {
                        // v5 close signal: [255, channel]
                        if let Some(&c) = data.first()
                            && let Some(Some(w)) = writers.get_mut(usize::from(c / 2)) {
                                let _ = w.shutdown().await;
                            }
                        continue;
                    }
                    if ch % 2 == 0
                        && let Some(Some(w)) = writers.get_mut(usize::from(ch / 2))
                            && w.write_all(data).await.is_err() { return; }
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => {}
            },
        }
    }
}

// ---------- discovery ----------

fn api_group_list() -> Value {
    let mut groups: Vec<(&str, &str)> = Vec::new();
    for r in RESOURCES.iter().filter(|r| !r.group.is_empty()) {
        if !groups.iter().any(|(g, v)| *g == r.group && *v == r.version) {
            groups.push((r.group, r.version));
        }
    }
    let groups: Vec<Value> = groups
        .iter()
        .map(|(g, v)| {
            let gv = json!({"groupVersion": format!("{g}/{v}"), "version": v});
            json!({"name": g, "versions": [gv.clone()], "preferredVersion": gv})
        })
        .collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

fn resource_list(path: &str) -> Option<Value> {
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    let (group, version) = match segs.as_slice() {
        ["api", v] => ("", *v),
        ["apis", g, v] => (*g, *v),
        _ => return None,
    };
    let rs: Vec<&Resource> = RESOURCES
        .iter()
        .filter(|r| r.group == group && r.version == version)
        .collect();
    if rs.is_empty() {
        return None;
    }
    let mut out = Vec::new();
    for r in rs {
        let verbs = if r.kind == "SelfSubjectAccessReview" {
            json!(["create"])
        } else {
            json!([
                "create",
                "delete",
                "deletecollection",
                "get",
                "list",
                "patch",
                "update",
                "watch"
            ])
        };
        out.push(
            json!({"name": r.plural, "singularName": r.singular, "namespaced": r.namespaced,
            "kind": r.kind, "verbs": verbs, "shortNames": r.short}),
        );
        if r.kind == "Pod" {
            for (sub, verbs) in [
                ("log", json!(["get"])),
                ("portforward", json!(["create", "get"])),
                ("status", json!(["get", "patch", "update"])),
            ] {
                out.push(json!({"name": format!("pods/{sub}"), "singularName": "", "namespaced": true, "kind": if sub == "status" { "Pod" } else { "PodLog" }, "verbs": verbs}));
            }
        }
    }
    let gv = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    Some(
        json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": out}),
    )
}

/// Accepts TCP connections and completes the TLS handshake (bounded: 10 s) before handing
/// them to axum; a failed handshake is dropped and the next connection accepted.
struct TlsListener {
    tcp: tokio::net::TcpListener,
    acceptor: tokio_rustls::TlsAcceptor,
}

impl axum::serve::Listener for TlsListener {
    type Io = tokio_rustls::server::TlsStream<tokio::net::TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let (tcp, peer) = match self.tcp.accept().await {
                Ok(c) => c,
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            let handshake = self.acceptor.accept(tcp);
            if let Ok(Ok(tls)) = tokio::time::timeout(Duration::from_secs(10), handshake).await {
                return (tls, peer);
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.tcp.local_addr()
    }
}
