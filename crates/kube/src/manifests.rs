//! The objects mizu puts into a cluster, built from k8s-openapi types (so every field name and
//! type is the API's own) and handed on as JSON values with `apiVersion`/`kind` set.
//!
//! What each object is for, and why the agent needs each capability: `docs/kubernetes.md`.

use std::collections::BTreeMap;

use k8s_openapi::ByteString;
use k8s_openapi::api::apps::v1::{
    DaemonSet, DaemonSetSpec, DaemonSetUpdateStrategy, Deployment, DeploymentSpec,
    DeploymentStrategy, RollingUpdateDaemonSet,
};
use k8s_openapi::api::core::v1::{
    Affinity, Capabilities, ConfigMap, ConfigMapVolumeSource, Container, ContainerPort, EnvVar,
    EnvVarSource, HTTPGetAction, HostPathVolumeSource, LocalObjectReference, Namespace,
    ObjectFieldSelector, PersistentVolumeClaim, PersistentVolumeClaimSpec,
    PersistentVolumeClaimVolumeSource, PodSecurityContext, PodSpec, PodTemplateSpec, Probe,
    ResourceRequirements, SeccompProfile, Secret, SecretKeySelector, SecurityContext, Service,
    ServiceAccount, ServicePort, ServiceSpec, Toleration, Volume, VolumeMount,
    VolumeResourceRequirements,
};
use k8s_openapi::api::rbac::v1::{
    ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding, RoleRef, Subject,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use k8s_openapi::{Metadata, Resource};
use serde_json::Value;

/// Label keys every object carries.
pub const LABEL_NAME: &str = "app.kubernetes.io/name";
pub const LABEL_INSTANCE: &str = "app.kubernetes.io/instance";
pub const LABEL_COMPONENT: &str = "app.kubernetes.io/component";
pub const LABEL_MANAGED_BY: &str = "app.kubernetes.io/managed-by";
/// The value of `app.kubernetes.io/name` and `managed-by`.
pub const APP: &str = "mizu";
/// The selector that finds everything mizu made (`mizu clean`).
pub const OURS: &str = "app.kubernetes.io/name=mizu,app.kubernetes.io/managed-by=mizu";

/// Object names (Mizu's where it had one).
pub const SERVICE_ACCOUNT: &str = "mizu-service-account";
pub const CLUSTER_ROLE: &str = "mizu-cluster-role";
pub const CLUSTER_ROLE_BINDING: &str = "mizu-cluster-role-binding";
pub const ROLE: &str = "mizu-role";
pub const ROLE_BINDING: &str = "mizu-role-binding";
pub const CONFIG_MAP: &str = "mizu-config";
pub const SECRET: &str = "mizu-agent-token";
pub const HUB: &str = "mizu-hub";
pub const AGENT: &str = "mizu-agent";
pub const PVC: &str = "mizu-hub-data";

/// CPU and memory requests and limits ("" = unset).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Resources {
    pub cpu_requests: String,
    pub memory_requests: String,
    pub cpu_limit: String,
    pub memory_limit: String,
}

/// Everything the manifests depend on. The CLI fills it from the configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// `mizu-resources-namespace`: where every namespaced object goes.
    pub namespace: String,
    /// `app.kubernetes.io/instance`.
    pub instance: String,
    pub hub_image: String,
    pub agent_image: String,
    /// Always, IfNotPresent, Never.
    pub pull_policy: String,
    pub pull_secrets: Vec<String>,
    pub hub_resources: Resources,
    pub agent_resources: Resources,
    /// `KEY=VALUE:EFFECT`, `KEY:EFFECT`, `KEY=VALUE`, `KEY` or `*` (tolerate everything).
    pub agent_tolerations: Vec<String>,
    pub hub_tolerations: Vec<String>,
    /// `KEY=VALUE` pairs.
    pub node_selector: Vec<String>,
    /// The pods' `affinity`, as the API writes it (checked by [`parse_affinity`]); `None` =
    /// none.
    pub agent_affinity: Option<Value>,
    pub hub_affinity: Option<Value>,
    pub priority_class: String,
    /// Extra `KEY=VALUE` labels and annotations for every object.
    pub labels: Vec<String>,
    pub annotations: Vec<String>,
    /// Use this existing ServiceAccount (no RBAC objects are made); "" = make ours.
    pub service_account: String,
    pub hub_port: u16,
    /// `tap.workers`: capture threads per agent (`--workers`).
    pub agent_workers: usize,
    /// The hub's `config.yaml` (ingest keys, targets).
    pub hub_config_yaml: String,
    /// The agent token (a fresh random one per install).
    pub token: String,
    /// `mizu install`: a PersistentVolumeClaim of this size for the hub's data dir.
    pub persistent: Option<Persistence>,
}

/// The hub's data volume (`mizu install`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Persistence {
    pub size: String,
    /// "" = the cluster's default StorageClass.
    pub storage_class: String,
}

impl Settings {
    /// Mizu's rule: any namespace other than `mizu` is namespace-restricted mode (a Role and
    /// RoleBinding instead of the cluster-wide ones, and the namespace is not created).
    pub fn restricted(&self) -> bool {
        self.namespace != "mizu"
    }

    /// The hub's address as agents dial it: the Service's name within the namespace. `.svc`
    /// resolves through the pod's DNS search path, so no cluster domain is baked in.
    pub fn hub_url(&self) -> String {
        format!("ws://{HUB}.{}.svc:{}", self.namespace, self.hub_port)
    }

    fn sa_name(&self) -> String {
        if self.service_account.is_empty() {
            SERVICE_ACCOUNT.into()
        } else {
            self.service_account.clone()
        }
    }
}

fn pairs(list: &[String]) -> BTreeMap<String, String> {
    list.iter()
        .filter_map(|s| s.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

fn labels(s: &Settings, component: &str) -> BTreeMap<String, String> {
    let mut l = pairs(&s.labels);
    l.insert(LABEL_NAME.into(), APP.into());
    l.insert(LABEL_INSTANCE.into(), s.instance.clone());
    l.insert(LABEL_COMPONENT.into(), component.into());
    l.insert(LABEL_MANAGED_BY.into(), APP.into());
    l
}

fn selector(s: &Settings, component: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        (LABEL_NAME.to_string(), APP.to_string()),
        (LABEL_INSTANCE.to_string(), s.instance.clone()),
        (LABEL_COMPONENT.to_string(), component.to_string()),
    ])
}

fn meta(s: &Settings, name: &str, component: &str, namespaced: bool) -> ObjectMeta {
    let ann = pairs(&s.annotations);
    ObjectMeta {
        name: Some(name.into()),
        namespace: namespaced.then(|| s.namespace.clone()),
        labels: Some(labels(s, component)),
        annotations: (!ann.is_empty()).then_some(ann),
        ..Default::default()
    }
}

fn to_value<K: Resource + serde::Serialize>(obj: &K) -> Value {
    let mut v = serde_json::to_value(obj).unwrap_or(Value::Null);
    v["apiVersion"] = Value::String(K::API_VERSION.into());
    v["kind"] = Value::String(K::KIND.into());
    v
}

fn push<K: Resource + Metadata + serde::Serialize>(out: &mut Vec<Value>, obj: K) {
    out.push(to_value(&obj));
}

fn quantity_map(pairs: &[(&str, &str)]) -> Option<BTreeMap<String, Quantity>> {
    let m: BTreeMap<String, Quantity> = pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| ((*k).to_string(), Quantity((*v).to_string())))
        .collect();
    (!m.is_empty()).then_some(m)
}

fn resources(r: &Resources) -> ResourceRequirements {
    ResourceRequirements {
        requests: quantity_map(&[("cpu", &r.cpu_requests), ("memory", &r.memory_requests)]),
        limits: quantity_map(&[("cpu", &r.cpu_limit), ("memory", &r.memory_limit)]),
        ..Default::default()
    }
}

/// Parses the toleration shorthand (see [`Settings::agent_tolerations`]).
pub fn toleration(spec: &str) -> Toleration {
    let spec = spec.trim();
    if spec == "*" {
        return Toleration {
            operator: Some("Exists".into()),
            ..Default::default()
        };
    }
    let (kv, effect) = match spec.rsplit_once(':') {
        Some((kv, e)) => (kv, Some(e.to_string())),
        None => (spec, None),
    };
    let (key, value) = match kv.split_once('=') {
        Some((k, v)) => (k.to_string(), Some(v.to_string())),
        None => (kv.to_string(), None),
    };
    Toleration {
        operator: Some(if value.is_some() { "Equal" } else { "Exists" }.into()),
        key: (!key.is_empty()).then_some(key),
        value,
        effect,
        ..Default::default()
    }
}

fn env_field(name: &str, path: &str) -> EnvVar {
    EnvVar {
        name: name.into(),
        value_from: Some(EnvVarSource {
            field_ref: Some(ObjectFieldSelector {
                field_path: path.into(),
                ..Default::default()
            }),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn env_token() -> EnvVar {
    EnvVar {
        name: "MIZU_HUB_TOKEN".into(),
        value_from: Some(EnvVarSource {
            secret_key_ref: Some(SecretKeySelector {
                name: SECRET.into(),
                key: "token".into(),
                optional: Some(false),
            }),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// A raw `affinity` object (`kube.agent-affinity`, `kube.hub-affinity`: YAML or JSON, as
/// the API writes it) checked against the API's type: `Ok(None)` when empty, an error
/// naming what is not an Affinity field otherwise.
pub fn parse_affinity(key: &str, text: &str) -> Result<Option<Value>, String> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    let v: Value = serde_saphyr::from_str(text).map_err(|e| {
        format!("`{key}` is not YAML or JSON: {e} (write it as the API does, e.g. {{nodeAffinity: {{requiredDuringSchedulingIgnoredDuringExecution: ...}}}})")
    })?;
    if v.is_null() || v.as_object().is_some_and(serde_json::Map::is_empty) {
        return Ok(None);
    }
    if !v.is_object() {
        return Err(format!(
            "`{key}` must be an object with nodeAffinity, podAffinity or podAntiAffinity, not {v}"
        ));
    }
    let typed: Affinity = serde_json::from_value(v.clone())
        .map_err(|e| format!("`{key}` is not a Kubernetes Affinity: {e}"))?;
    // k8s-openapi skips unknown fields; a typo must not vanish silently.
    let back = serde_json::to_value(&typed).unwrap_or(Value::Null);
    if back != v {
        let mut unknown = Vec::new();
        diff_fields("", &v, &back, &mut unknown);
        return Err(format!(
            "`{key}`: not Affinity fields (misspelt?): {} (see `kubectl explain pod.spec.affinity`)",
            unknown.join(", ")
        ));
    }
    Ok(Some(v))
}

/// Paths in `given` that the typed round trip `back` lost or changed.
fn diff_fields(path: &str, given: &Value, back: &Value, out: &mut Vec<String>) {
    match (given, back) {
        (Value::Object(g), Value::Object(b)) => {
            for (k, gv) in g {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                match b.get(k) {
                    Some(bv) => diff_fields(&p, gv, bv, out),
                    None => out.push(p),
                }
            }
        }
        (Value::Array(g), Value::Array(b)) => {
            for (i, (gv, bv)) in g.iter().zip(b).enumerate() {
                diff_fields(&format!("{path}[{i}]"), gv, bv, out);
            }
        }
        (g, b) if g != b => out.push(path.to_string()),
        _ => {}
    }
}

fn pod_common(s: &Settings, tolerations: &[String], affinity: Option<&Value>) -> PodSpec {
    let ns = pairs(&s.node_selector);
    let tol: Vec<Toleration> = tolerations.iter().map(|t| toleration(t)).collect();
    PodSpec {
        service_account_name: Some(s.sa_name()),
        image_pull_secrets: (!s.pull_secrets.is_empty()).then(|| {
            s.pull_secrets
                .iter()
                .map(|n| LocalObjectReference { name: n.clone() })
                .collect()
        }),
        node_selector: (!ns.is_empty()).then_some(ns),
        tolerations: (!tol.is_empty()).then_some(tol),
        affinity: affinity.and_then(|v| serde_json::from_value::<Affinity>(v.clone()).ok()),
        priority_class_name: (!s.priority_class.is_empty()).then(|| s.priority_class.clone()),
        ..Default::default()
    }
}

/// Every object for `mizu tap` (or, with `persistent`, `mizu install`), in creation order.
pub fn render(s: &Settings) -> Vec<Value> {
    let mut out = Vec::new();
    if !s.restricted() {
        push(
            &mut out,
            Namespace {
                metadata: meta(s, &s.namespace, "namespace", false),
                ..Default::default()
            },
        );
    }
    if s.service_account.is_empty() {
        push(
            &mut out,
            ServiceAccount {
                metadata: meta(s, SERVICE_ACCOUNT, "rbac", true),
                ..Default::default()
            },
        );
        let rules = rbac_rules();
        let subject = Subject {
            kind: "ServiceAccount".into(),
            name: SERVICE_ACCOUNT.into(),
            namespace: Some(s.namespace.clone()),
            ..Default::default()
        };
        if s.restricted() {
            push(
                &mut out,
                Role {
                    metadata: meta(s, ROLE, "rbac", true),
                    rules: Some(rules),
                },
            );
            push(
                &mut out,
                RoleBinding {
                    metadata: meta(s, ROLE_BINDING, "rbac", true),
                    role_ref: RoleRef {
                        api_group: "rbac.authorization.k8s.io".into(),
                        kind: "Role".into(),
                        name: ROLE.into(),
                    },
                    subjects: Some(vec![subject]),
                },
            );
        } else {
            push(
                &mut out,
                ClusterRole {
                    metadata: meta(s, CLUSTER_ROLE, "rbac", false),
                    rules: Some(rules),
                    ..Default::default()
                },
            );
            push(
                &mut out,
                ClusterRoleBinding {
                    metadata: meta(s, CLUSTER_ROLE_BINDING, "rbac", false),
                    role_ref: RoleRef {
                        api_group: "rbac.authorization.k8s.io".into(),
                        kind: "ClusterRole".into(),
                        name: CLUSTER_ROLE.into(),
                    },
                    subjects: Some(vec![subject]),
                },
            );
        }
    }
    push(
        &mut out,
        ConfigMap {
            metadata: meta(s, CONFIG_MAP, "config", true),
            data: Some(BTreeMap::from([(
                "config.yaml".to_string(),
                s.hub_config_yaml.clone(),
            )])),
            ..Default::default()
        },
    );
    push(
        &mut out,
        Secret {
            metadata: meta(s, SECRET, "config", true),
            type_: Some("Opaque".into()),
            data: Some(BTreeMap::from([(
                "token".to_string(),
                ByteString(s.token.as_bytes().to_vec()),
            )])),
            ..Default::default()
        },
    );
    if let Some(p) = &s.persistent {
        push(
            &mut out,
            PersistentVolumeClaim {
                metadata: meta(s, PVC, "hub", true),
                spec: Some(PersistentVolumeClaimSpec {
                    access_modes: Some(vec!["ReadWriteOnce".into()]),
                    storage_class_name: (!p.storage_class.is_empty())
                        .then(|| p.storage_class.clone()),
                    resources: Some(VolumeResourceRequirements {
                        requests: quantity_map(&[("storage", &p.size)]),
                        ..Default::default()
                    }),
                    ..Default::default()
                }),
                ..Default::default()
            },
        );
    }
    push(&mut out, hub_deployment(s));
    push(
        &mut out,
        Service {
            metadata: meta(s, HUB, "hub", true),
            spec: Some(ServiceSpec {
                type_: Some("ClusterIP".into()),
                selector: Some(selector(s, "hub")),
                ports: Some(vec![ServicePort {
                    name: Some("http".into()),
                    port: i32::from(s.hub_port),
                    target_port: Some(IntOrString::String("http".into())),
                    protocol: Some("TCP".into()),
                    ..Default::default()
                }]),
                ..Default::default()
            }),
            ..Default::default()
        },
    );
    push(&mut out, agent_daemonset(s));
    out
}

/// What the agent and the hub read: pods, services, endpoints, endpointslices, namespaces,
/// nodes and events (names, targets, progress), never written.
pub fn rbac_rules() -> Vec<PolicyRule> {
    let read = || vec!["get".to_string(), "list".into(), "watch".into()];
    vec![
        PolicyRule {
            api_groups: Some(vec![String::new()]),
            resources: Some(
                [
                    "pods",
                    "services",
                    "endpoints",
                    "namespaces",
                    "nodes",
                    "events",
                ]
                .map(String::from)
                .to_vec(),
            ),
            verbs: read(),
            ..Default::default()
        },
        PolicyRule {
            api_groups: Some(vec!["discovery.k8s.io".into()]),
            resources: Some(vec!["endpointslices".into()]),
            verbs: read(),
            ..Default::default()
        },
    ]
}

fn restricted_security() -> SecurityContext {
    SecurityContext {
        allow_privilege_escalation: Some(false),
        read_only_root_filesystem: Some(true),
        run_as_non_root: Some(true),
        run_as_user: Some(65532),
        run_as_group: Some(65532),
        capabilities: Some(Capabilities {
            drop: Some(vec!["ALL".into()]),
            ..Default::default()
        }),
        seccomp_profile: Some(SeccompProfile {
            type_: "RuntimeDefault".into(),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn hub_deployment(s: &Settings) -> Deployment {
    let mut args: Vec<String> = [
        "hub",
        "--host",
        "0.0.0.0",
        "--port",
        &s.hub_port.to_string(),
        "--config-path",
        "/etc/mizu/config.yaml",
        "--kube",
    ]
    .map(String::from)
    .to_vec();
    let mut volumes = vec![Volume {
        name: "config".into(),
        config_map: Some(ConfigMapVolumeSource {
            name: CONFIG_MAP.into(),
            ..Default::default()
        }),
        ..Default::default()
    }];
    let mut mounts = vec![VolumeMount {
        name: "config".into(),
        mount_path: "/etc/mizu".into(),
        read_only: Some(true),
        ..Default::default()
    }];
    if s.persistent.is_some() {
        args.extend(["--data-dir".to_string(), "/var/lib/mizu".into()]);
        volumes.push(Volume {
            name: "data".into(),
            persistent_volume_claim: Some(PersistentVolumeClaimVolumeSource {
                claim_name: PVC.into(),
                ..Default::default()
            }),
            ..Default::default()
        });
        mounts.push(VolumeMount {
            name: "data".into(),
            mount_path: "/var/lib/mizu".into(),
            ..Default::default()
        });
    }
    let probe = |path: &str, initial: i32| Probe {
        http_get: Some(HTTPGetAction {
            path: Some(path.into()),
            port: IntOrString::String("http".into()),
            ..Default::default()
        }),
        initial_delay_seconds: Some(initial),
        period_seconds: Some(5),
        ..Default::default()
    };
    let container = Container {
        name: "hub".into(),
        image: Some(s.hub_image.clone()),
        image_pull_policy: Some(s.pull_policy.clone()),
        args: Some(args),
        env: Some(vec![env_token()]),
        ports: Some(vec![ContainerPort {
            name: Some("http".into()),
            container_port: i32::from(s.hub_port),
            protocol: Some("TCP".into()),
            ..Default::default()
        }]),
        readiness_probe: Some(probe("/version", 1)),
        liveness_probe: Some(probe("/version", 10)),
        resources: Some(resources(&s.hub_resources)),
        security_context: Some(restricted_security()),
        volume_mounts: Some(mounts),
        ..Default::default()
    };
    let mut spec = pod_common(s, &s.hub_tolerations, s.hub_affinity.as_ref());
    spec.containers = vec![container];
    spec.volumes = Some(volumes);
    spec.security_context = Some(PodSecurityContext {
        fs_group: Some(65532),
        ..Default::default()
    });
    Deployment {
        metadata: meta(s, HUB, "hub", true),
        spec: Some(DeploymentSpec {
            replicas: Some(1),
            selector: LabelSelector {
                match_labels: Some(selector(s, "hub")),
                ..Default::default()
            },
            // One hub owns the data dir: stop the old one before the new one starts.
            strategy: Some(DeploymentStrategy {
                type_: Some("Recreate".into()),
                ..Default::default()
            }),
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(labels(s, "hub")),
                    annotations: meta(s, HUB, "hub", true).annotations,
                    ..Default::default()
                }),
                spec: Some(spec),
            },
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn agent_daemonset(s: &Settings) -> DaemonSet {
    let args: Vec<String> = [
        "agent",
        "--hub",
        &s.hub_url(),
        "--node",
        "$(NODE_NAME)",
        "--node-ip",
        "$(NODE_IP)",
        "-i",
        "any",
        // Also capture inside each target pod's network namespace (found through the
        // host's /proc, MIZU_HOST_PROC): traffic between containers of one pod, and pods
        // whose traffic the node's interfaces do not show.
        "--pod-netns",
        "--workers",
        &s.agent_workers.to_string(),
    ]
    .map(String::from)
    .to_vec();
    let container = Container {
        name: "agent".into(),
        image: Some(s.agent_image.clone()),
        image_pull_policy: Some(s.pull_policy.clone()),
        args: Some(args),
        env: Some(vec![
            env_field("NODE_NAME", "spec.nodeName"),
            env_field("NODE_IP", "status.hostIP"),
            EnvVar {
                name: "MIZU_HOST_PROC".into(),
                value: Some("/hostproc".into()),
                ..Default::default()
            },
            env_token(),
        ]),
        resources: Some(resources(&s.agent_resources)),
        // Root inside the container but not privileged: only these capabilities.
        // NET_RAW: AF_PACKET capture sockets. NET_ADMIN: promiscuous mode, capture filters
        // and ring setup on the node's interfaces. SYS_ADMIN: setns() into pod network
        // namespaces (through the host's /proc) to capture what never leaves a pod.
        // SYS_PTRACE: opening another container's /proc/PID/ns/net passes the kernel's
        // ptrace access check only with it (other uids, or capabilities the agent lacks).
        security_context: Some(SecurityContext {
            // The image's default user is 65532; capture and setns need root's uid with
            // the capabilities below (still not privileged).
            run_as_user: Some(0),
            run_as_non_root: Some(false),
            privileged: Some(false),
            allow_privilege_escalation: Some(false),
            read_only_root_filesystem: Some(true),
            capabilities: Some(Capabilities {
                add: Some(
                    ["NET_RAW", "NET_ADMIN", "SYS_ADMIN", "SYS_PTRACE"]
                        .map(String::from)
                        .to_vec(),
                ),
                drop: Some(vec!["ALL".into()]),
            }),
            seccomp_profile: Some(SeccompProfile {
                type_: "RuntimeDefault".into(),
                ..Default::default()
            }),
            ..Default::default()
        }),
        volume_mounts: Some(vec![VolumeMount {
            name: "hostproc".into(),
            mount_path: "/hostproc".into(),
            read_only: Some(true),
            ..Default::default()
        }]),
        ..Default::default()
    };
    let mut spec = pod_common(s, &s.agent_tolerations, s.agent_affinity.as_ref());
    spec.host_network = Some(true);
    // hostNetwork pods resolve cluster names only with this policy.
    spec.dns_policy = Some("ClusterFirstWithHostNet".into());
    spec.containers = vec![container];
    spec.volumes = Some(vec![Volume {
        name: "hostproc".into(),
        host_path: Some(HostPathVolumeSource {
            path: "/proc".into(),
            type_: Some("Directory".into()),
        }),
        ..Default::default()
    }]);
    DaemonSet {
        metadata: meta(s, AGENT, "agent", true),
        spec: Some(DaemonSetSpec {
            selector: LabelSelector {
                match_labels: Some(selector(s, "agent")),
                ..Default::default()
            },
            update_strategy: Some(DaemonSetUpdateStrategy {
                type_: Some("RollingUpdate".into()),
                rolling_update: Some(RollingUpdateDaemonSet {
                    max_unavailable: Some(IntOrString::String("25%".into())),
                    ..Default::default()
                }),
            }),
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(labels(s, "agent")),
                    annotations: meta(s, AGENT, "agent", true).annotations,
                    ..Default::default()
                }),
                spec: Some(spec),
            },
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// One value as YAML.
pub fn yaml(v: &Value) -> String {
    serde_saphyr::to_string(v).unwrap_or_else(|e| format!("# could not render: {e}\n"))
}

/// Every manifest as one YAML stream (`---` between documents), as `-o yaml` prints it.
pub fn to_yaml(objects: &[Value]) -> String {
    let mut out = String::new();
    for o in objects {
        out.push_str("---\n");
        match serde_saphyr::to_string(o) {
            Ok(y) => out.push_str(&y),
            Err(e) => out.push_str(&format!("# could not render: {e}\n")),
        }
        if !out.ends_with('\n') {
            out.push('\n');
        }
    }
    out
}

/// Default settings (the tests' baseline; the CLI builds its own from the configuration).
impl Default for Settings {
    fn default() -> Self {
        let image = format!("ghcr.io/mizu/mizu:{}", env!("CARGO_PKG_VERSION"));
        Settings {
            namespace: "mizu".into(),
            instance: "mizu".into(),
            hub_image: image.clone(),
            agent_image: image,
            pull_policy: "IfNotPresent".into(),
            pull_secrets: Vec::new(),
            hub_resources: Resources {
                cpu_requests: "100m".into(),
                memory_requests: "512Mi".into(),
                cpu_limit: String::new(),
                memory_limit: "1Gi".into(),
            },
            agent_resources: Resources {
                cpu_requests: "100m".into(),
                memory_requests: "256Mi".into(),
                cpu_limit: String::new(),
                memory_limit: "512Mi".into(),
            },
            agent_tolerations: vec!["*".into()],
            hub_tolerations: Vec::new(),
            node_selector: vec!["kubernetes.io/os=linux".into()],
            agent_affinity: None,
            hub_affinity: None,
            priority_class: String::new(),
            labels: Vec::new(),
            annotations: Vec::new(),
            service_account: String::new(),
            hub_port: 8899,
            agent_workers: 1,
            hub_config_yaml: String::new(),
            token: String::new(),
            persistent: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn affinity_parses_yaml_and_json_and_names_unknown_fields() {
        assert_eq!(parse_affinity("k", ""), Ok(None));
        assert_eq!(parse_affinity("k", "{}"), Ok(None));
        let yaml = "nodeAffinity:\n  requiredDuringSchedulingIgnoredDuringExecution:\n    nodeSelectorTerms:\n    - matchExpressions:\n      - {key: pool, operator: In, values: [obs]}\n";
        let want = json!({"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution":
            {"nodeSelectorTerms": [{"matchExpressions": [{"key": "pool", "operator": "In", "values": ["obs"]}]}]}}});
        assert_eq!(parse_affinity("k", yaml), Ok(Some(want.clone())));
        assert_eq!(parse_affinity("k", &want.to_string()), Ok(Some(want)));
        let typo = r#"{"nodeAfinity": {}, "podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 1, "podAffinityTerm": {"topologyKey": "x", "labelSelecter": {}}}]}}"#;
        let e = parse_affinity("kube.agent-affinity", typo).expect_err("typos");
        assert!(
            e.contains("nodeAfinity") && e.contains("labelSelecter"),
            "{e}"
        );
        assert!(e.contains("kube.agent-affinity"), "{e}");
        let e = parse_affinity("k", "[1, 2]").expect_err("a list");
        assert!(e.contains("must be an object"), "{e}");
    }

    #[test]
    fn affinity_and_pod_netns_reach_the_pods() {
        let aff = json!({"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution":
            [{"weight": 10, "preference": {"matchExpressions": [{"key": "pool", "operator": "In", "values": ["a"]}]}}]}});
        let s = Settings {
            agent_affinity: Some(aff.clone()),
            agent_workers: 3,
            ..Settings::default()
        };
        let objs = render(&s);
        let find = |kind: &str| {
            objs.iter()
                .find(|o| o["kind"] == kind)
                .cloned()
                .unwrap_or_default()
        };
        let ds = find("DaemonSet");
        let pod = &ds["spec"]["template"]["spec"];
        assert_eq!(pod["affinity"], aff);
        let c = &pod["containers"][0];
        assert!(
            c["args"]
                .as_array()
                .is_some_and(|a| a.contains(&json!("--pod-netns")))
        );
        // tap.workers reaches the agents as --workers.
        let args = c["args"].as_array().cloned().unwrap_or_default();
        let at = args.iter().position(|a| a == "--workers");
        assert_eq!(at.and_then(|i| args.get(i + 1)), Some(&json!("3")));
        assert!(
            c["env"].as_array().is_some_and(
                |e| e.contains(&json!({"name": "MIZU_HOST_PROC", "value": "/hostproc"}))
            )
        );
        assert_eq!(pod["volumes"][0]["hostPath"]["path"], "/proc");
        let hub = find("Deployment");
        assert!(hub["spec"]["template"]["spec"].get("affinity").is_none());
    }
}
