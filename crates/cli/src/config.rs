//! Configuration the way Mizu users know it: `~/.mizu/config.yaml` (`--config-path`
//! overrides), `--set key=value` (dotted keys, repeat a key to build a list), `mizu
//! config` prints the defaults with a comment per key, `mizu config -r` writes them.
//!
//! Precedence: defaults < file < command-line flags < `--set`. A flag maps to the key
//! of the same name under its command (`mizu hub --max-entries-db-size` →
//! `tap.max-entries-db-size`, see [`FLAG_KEYS`]), so `--set` always wins. An unknown key
//! or a value of the wrong type is a warning naming it (the value below it stays), as in
//! Mizu; a value that would make mizu unusable (a port out of range) is an error.
//!
//! Wiring a command (`tap`, `hub`, `agent`) is one call:
//! `config::resolve(&global, Some(("tap", &matches)))?` returns the [`MizuConfig`];
//! `MizuConfig::hub_config` turns it into the hub's settings.

use clap::ArgMatches;
use clap::parser::ValueSource;
use mizu_hub::{HubConfig, Limits};
use mizu_model::redact::RedactPatterns;
use mizu_store::{StoreConfig, parse_size};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Every key. Field names are the YAML keys (kebab-case), as Mizu's.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", default)]
pub struct MizuConfig {
    pub headless: bool,
    /// Mizu's key: one image for the hub and the agents (overrides `kube.image.*`).
    pub agent_image: String,
    /// Mizu's key: Always, IfNotPresent or Never.
    pub image_pull_policy: String,
    /// Mizu's key: the namespace mizu's objects go into; not `mizu` = restricted mode.
    pub mizu_resources_namespace: String,
    pub kube_config_path: String,
    pub kube_context: String,
    pub tap: TapConfig,
    pub hub: HubSection,
    pub agent: AgentSection,
    pub kube: KubeSection,
    pub oas: OasSection,
    pub analysis: AnalysisSection,
}

/// Mizu's `tap.api-server-resources` / `tap.tapper-resources` (Kubernetes quantities).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", default)]
pub struct ResourcesConfig {
    pub cpu_limit: String,
    pub memory_limit: String,
    pub cpu_requests: String,
    pub memory_requests: String,
}

/// `kube.*`: how mizu runs in a cluster (`mizu tap` with a kubeconfig, `mizu install`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", default)]
pub struct KubeSection {
    pub image: ImageConfig,
    pub agent_tolerations: Vec<String>,
    pub hub_tolerations: Vec<String>,
    pub node_selector: Vec<String>,
    /// The pods' `affinity` as the API writes it (YAML or JSON; a mapping in the config
    /// file is kept as its JSON); "" = none.
    pub agent_affinity: String,
    pub hub_affinity: String,
    pub priority_class: String,
    pub labels: Vec<String>,
    pub annotations: Vec<String>,
    pub service_account: String,
    pub hub_port: i64,
    pub storage_size: String,
    pub storage_class: String,
    pub timeout: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", default)]
pub struct ImageConfig {
    pub registry: String,
    pub repository: String,
    pub tag: String,
    pub pull_secrets: Vec<String>,
}

impl Default for ImageConfig {
    fn default() -> Self {
        ImageConfig {
            registry: "ghcr.io/mizu".into(),
            repository: "mizu".into(),
            tag: env!("CARGO_PKG_VERSION").into(),
            pull_secrets: Vec::new(),
        }
    }
}

impl Default for KubeSection {
    fn default() -> Self {
        KubeSection {
            image: ImageConfig::default(),
            agent_tolerations: vec!["*".into()],
            hub_tolerations: Vec::new(),
            node_selector: vec!["kubernetes.io/os=linux".into()],
            agent_affinity: String::new(),
            hub_affinity: String::new(),
            priority_class: String::new(),
            labels: Vec::new(),
            annotations: Vec::new(),
            service_account: String::new(),
            hub_port: i64::from(mizu_hub::DEFAULT_PORT),
            storage_size: "1Gi".into(),
            storage_class: String::new(),
            timeout: 120,
        }
    }
}

/// `oas.*`: OpenAPI inference (`GET /oas`), Mizu's keys.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", default)]
pub struct OasSection {
    pub enable: bool,
    pub max_example_len: i64,
}

impl Default for OasSection {
    fn default() -> Self {
        OasSection {
            enable: true,
            max_example_len: 10240,
        }
    }
}

/// `analysis.*`: bounds of the service map, traffic stats and RED metrics kept at ingest
/// (`mizu tap`, `mizu hub`, `mizu read --serve`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", default)]
pub struct AnalysisSection {
    pub enable: bool,
    pub max_nodes: i64,
    pub max_edges: i64,
    pub red_max_series: i64,
    pub stats_max_minutes: i64,
    pub stats_max_methods: i64,
    pub stats_max_endpoints: i64,
}

impl Default for AnalysisSection {
    fn default() -> Self {
        let a = mizu_hub::AnalysisConfig::default();
        let n = |v: usize| i64::try_from(v).unwrap_or(i64::MAX);
        AnalysisSection {
            enable: a.enabled,
            max_nodes: n(a.map.max_nodes),
            max_edges: n(a.map.max_edges),
            red_max_series: n(a.red_max_series),
            stats_max_minutes: n(a.stats.max_buckets),
            stats_max_methods: n(a.stats.max_methods),
            stats_max_endpoints: n(a.stats.max_endpoints),
        }
    }
}

impl AnalysisSection {
    /// The hub's [`mizu_hub::AnalysisConfig`] (values checked by [`resolve`]).
    pub fn hub_config(&self) -> mizu_hub::AnalysisConfig {
        let d = mizu_hub::AnalysisConfig::default();
        let n = |v: i64| usize::try_from(v).unwrap_or(0);
        mizu_hub::AnalysisConfig {
            enabled: self.enable,
            map: mizu_analysis::servicemap::MapConfig {
                max_nodes: n(self.max_nodes),
                max_edges: n(self.max_edges),
            },
            stats: mizu_analysis::stats::StatsConfig {
                max_buckets: n(self.stats_max_minutes),
                max_methods: n(self.stats_max_methods),
                max_endpoints: n(self.stats_max_endpoints),
                ..d.stats
            },
            red_max_series: n(self.red_max_series),
            ..d
        }
    }
}

/// `tap.*`: Mizu's tap keys. The ingest keys (redaction, ignored user agents, insertion
/// filter, store size) also apply to `mizu hub`, which is what stores the entries.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", default)]
pub struct TapConfig {
    pub regex: String,
    pub gui_port: i64,
    pub proxy_host: String,
    pub namespaces: Vec<String>,
    pub ignored_user_agents: Vec<String>,
    pub redact: bool,
    pub redact_patterns: RedactPatternsConfig,
    pub max_entries_db_size: String,
    pub insertion_filter: String,
    pub max_body: String,
    pub api_server_resources: ResourcesConfig,
    pub tapper_resources: ResourcesConfig,
    pub traffic_validation_file: String,
    pub replay: bool,
    pub workers: i64,
    /// PEM CA certificates trusted for `https://` replay targets (besides the system's).
    pub replay_ca: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", default)]
pub struct RedactPatternsConfig {
    pub request_headers: Vec<String>,
    pub response_headers: Vec<String>,
    pub request_body: Vec<String>,
    pub response_body: Vec<String>,
    pub request_query_params: Vec<String>,
}

/// `hub.*`: `mizu hub` on its own.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", default)]
pub struct HubSection {
    pub host: String,
    pub port: i64,
    pub data_dir: String,
    pub max_message_size: String,
}

/// `agent.*`: `mizu agent`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", default)]
pub struct AgentSection {
    pub hub: String,
    pub node: String,
    pub buffer_entries: i64,
    pub buffer_size: String,
    pub batch_entries: i64,
    pub status_interval: f64,
}

impl Default for TapConfig {
    fn default() -> Self {
        TapConfig {
            regex: String::new(),
            gui_port: i64::from(mizu_hub::DEFAULT_PORT),
            proxy_host: "127.0.0.1".into(),
            namespaces: Vec::new(),
            ignored_user_agents: Vec::new(),
            redact: false,
            redact_patterns: RedactPatternsConfig::default(),
            max_entries_db_size: "200MB".into(),
            insertion_filter: String::new(),
            max_body: "1M".into(),
            replay: false,
            workers: 1,
            replay_ca: String::new(),
            traffic_validation_file: String::new(),
            // The hub holds the store in memory: its budget plus room for queries and
            // sockets (measured RSS: store bytes + ~150 MiB at the default 200MB).
            api_server_resources: ResourcesConfig {
                cpu_limit: String::new(),
                memory_limit: "1Gi".into(),
                cpu_requests: "100m".into(),
                memory_requests: "384Mi".into(),
            },
            // Measured (scripts/bench/live.sh): <=181 MiB and <=0.76 core up to ~79k req/s.
            // No CPU limit: throttling a capture loses packets.
            tapper_resources: ResourcesConfig {
                cpu_limit: String::new(),
                memory_limit: "512Mi".into(),
                cpu_requests: "100m".into(),
                memory_requests: "256Mi".into(),
            },
        }
    }
}

impl Default for MizuConfig {
    fn default() -> Self {
        MizuConfig {
            headless: false,
            agent_image: String::new(),
            image_pull_policy: "IfNotPresent".into(),
            mizu_resources_namespace: "mizu".into(),
            kube_config_path: String::new(),
            kube_context: String::new(),
            tap: TapConfig::default(),
            hub: HubSection::default(),
            agent: AgentSection::default(),
            kube: KubeSection::default(),
            oas: OasSection::default(),
            analysis: AnalysisSection::default(),
        }
    }
}

impl Default for HubSection {
    fn default() -> Self {
        HubSection {
            host: "127.0.0.1".into(),
            port: i64::from(mizu_hub::DEFAULT_PORT),
            data_dir: String::new(),
            max_message_size: "16MiB".into(),
        }
    }
}

impl Default for AgentSection {
    fn default() -> Self {
        AgentSection {
            hub: format!("ws://127.0.0.1:{}", mizu_hub::DEFAULT_PORT),
            node: String::new(),
            buffer_entries: mizu_agent::DEFAULT_BUFFER_ENTRIES as i64,
            buffer_size: "512MiB".into(),
            batch_entries: 1000,
            status_interval: 5.0,
        }
    }
}

/// One comment per key, in the order `mizu config` prints them.
pub const KEYS: &[(&str, &str)] = &[
    (
        "headless",
        "Do not open a browser when the UI is ready (mizu tap).",
    ),
    (
        "agent-image",
        "Mizu's key: one image for the hub and agents in a cluster; empty = kube.image.*.",
    ),
    (
        "image-pull-policy",
        "Pull policy of mizu's pods: Always, IfNotPresent or Never.",
    ),
    (
        "mizu-resources-namespace",
        "Namespace for mizu's objects; any other than `mizu` = restricted mode (Role, no namespace created).",
    ),
    (
        "kube-config-path",
        "Kubeconfig file; empty = KUBECONFIG, else ~/.kube/config, else in-cluster.",
    ),
    (
        "kube-context",
        "Kubeconfig context; empty = the current one.",
    ),
    ("tap", "mizu tap: what to capture and how to show it."),
    (
        "tap.regex",
        "Capture the network namespaces whose name matches (pods in a cluster; .* = all); empty = the host.",
    ),
    (
        "tap.gui-port",
        "Port of the UI and API (http://PROXY-HOST:GUI-PORT).",
    ),
    ("tap.proxy-host", "Address the UI and API listen on."),
    (
        "tap.namespaces",
        "Network namespaces (names under /var/run/netns, or paths) to capture in; [] = by regex.",
    ),
    (
        "tap.ignored-user-agents",
        "Drop HTTP entries whose User-Agent contains one of these (kube-probe, Prometheus).",
    ),
    (
        "tap.redact",
        "Mask authorization, cookies, tokens, passwords, secrets, API keys as [REDACTED].",
    ),
    (
        "tap.redact-patterns",
        "Extra names to mask, per part of the entry.",
    ),
    (
        "tap.redact-patterns.request-headers",
        "Request header names.",
    ),
    (
        "tap.redact-patterns.response-headers",
        "Response header names.",
    ),
    (
        "tap.redact-patterns.request-body",
        "JSON/XML/form field names in request bodies.",
    ),
    (
        "tap.redact-patterns.response-body",
        "JSON/XML/form field names in response bodies.",
    ),
    (
        "tap.redact-patterns.request-query-params",
        "Query parameter names.",
    ),
    (
        "tap.max-entries-db-size",
        "Byte budget of the entry store; the oldest entries are evicted beyond it (MB = 10^6, MiB = 2^20).",
    ),
    (
        "tap.insertion-filter",
        "Store only entries matching this filter; its redact(...) paths are masked.",
    ),
    (
        "tap.max-body",
        "Body bytes kept per message after decompression; longer bodies are cut and marked truncated.",
    ),
    (
        "tap.workers",
        "Capture worker threads (1..64; mizu tap --local and mizu agent): each has its own ring per capture point, joined in one PACKET_FANOUT group, and its own engine; a flow always reaches the same worker.",
    ),
    (
        "tap.api-server-resources",
        "The hub pod's requests and limits in a cluster (Kubernetes quantities; empty = none).",
    ),
    ("tap.api-server-resources.cpu-limit", "CPU limit."),
    (
        "tap.api-server-resources.memory-limit",
        "Memory limit (keep it above tap.max-entries-db-size).",
    ),
    ("tap.api-server-resources.cpu-requests", "CPU request."),
    (
        "tap.api-server-resources.memory-requests",
        "Memory request.",
    ),
    (
        "tap.tapper-resources",
        "Each agent pod's requests and limits (no CPU limit by default: throttling drops packets).",
    ),
    ("tap.tapper-resources.cpu-limit", "CPU limit."),
    ("tap.tapper-resources.memory-limit", "Memory limit."),
    ("tap.tapper-resources.cpu-requests", "CPU request."),
    ("tap.tapper-resources.memory-requests", "Memory request."),
    (
        "tap.traffic-validation-file",
        "YAML rules checked on every HTTP entry (docs/rules.md); reloaded when the file changes.",
    ),
    (
        "tap.replay",
        "Allow POST /replay/ (the UI's Replay button): the hub then sends edited copies of captured HTTP requests on the user's behalf.",
    ),
    (
        "tap.replay-ca",
        "PEM file of CA certificates trusted for https:// replay targets besides the system's (a request may also say \"insecure\": true).",
    ),
    (
        "hub",
        "mizu hub: the hub on its own (also reads the tap.* ingest keys above).",
    ),
    (
        "hub.host",
        "Address to listen on (loopback unless you mean to expose captured traffic).",
    ),
    (
        "hub.port",
        "Port for the API and WebSockets (0 = any free port).",
    ),
    (
        "hub.data-dir",
        "Keep entries on disk here (crash-safe); empty = memory only.",
    ),
    (
        "hub.max-message-size",
        "Largest agent message or request body.",
    ),
    (
        "agent",
        "mizu agent: ships entries to a hub (token from MIZU_HUB_TOKEN).",
    ),
    ("agent.hub", "The hub's address."),
    (
        "agent.node",
        "Node name entries are tagged with (node.name); empty = the host name.",
    ),
    (
        "agent.buffer-entries",
        "Most entries held while the hub is away (default: 30 s of 10k/s); beyond, dropped and counted.",
    ),
    ("agent.buffer-size", "Most bytes of entry JSON held."),
    ("agent.batch-entries", "Entries per batch."),
    ("agent.status-interval", "Seconds between status reports."),
    (
        "kube",
        "mizu in a cluster (mizu tap with a kubeconfig, install, view, clean, check, logs).",
    ),
    (
        "kube.image",
        "The image of the hub and agents: REGISTRY/REPOSITORY:TAG.",
    ),
    (
        "kube.image.registry",
        "Registry (and path) the image is pulled from.",
    ),
    ("kube.image.repository", "Image name."),
    ("kube.image.tag", "Image tag."),
    (
        "kube.image.pull-secrets",
        "Names of docker-registry Secrets in mizu's namespace.",
    ),
    (
        "kube.agent-tolerations",
        "Agent tolerations: KEY=VALUE:EFFECT, KEY:EFFECT, KEY or * (every taint: agents on every node).",
    ),
    ("kube.hub-tolerations", "Hub tolerations, same form."),
    (
        "kube.node-selector",
        "KEY=VALUE node labels the hub and agents must run on.",
    ),
    (
        "kube.agent-affinity",
        "Agent pods' affinity, as the API writes it (YAML or JSON: {nodeAffinity: ...}); empty = none.",
    ),
    ("kube.hub-affinity", "The hub pod's affinity, same form."),
    (
        "kube.priority-class",
        "PriorityClass of mizu's pods; empty = none.",
    ),
    ("kube.labels", "Extra KEY=VALUE labels on every object."),
    (
        "kube.annotations",
        "Extra KEY=VALUE annotations on every object.",
    ),
    (
        "kube.service-account",
        "Run as this existing ServiceAccount (no RBAC objects are made); empty = mizu's own.",
    ),
    (
        "kube.hub-port",
        "Port the hub listens on inside the cluster.",
    ),
    (
        "kube.storage-size",
        "mizu install: size of the hub's PersistentVolumeClaim.",
    ),
    (
        "kube.storage-class",
        "mizu install: its StorageClass; empty = the cluster's default.",
    ),
    (
        "kube.timeout",
        "Seconds to wait for pods to start (and for objects to go on cleanup).",
    ),
    (
        "oas",
        "OpenAPI documents inferred from HTTP traffic (GET /oas, the UI's spec view).",
    ),
    ("oas.enable", "Infer OpenAPI documents."),
    (
        "oas.max-example-len",
        "Longest request/response body kept as an example, in bytes.",
    ),
    (
        "analysis",
        "Service map, traffic stats and RED metrics kept at ingest (tap, hub, read --serve); entries past a bound are counted as overflow.",
    ),
    (
        "analysis.enable",
        "Keep them (GET /servicemap/*, /status/trafficStats, RED series on /metrics).",
    ),
    (
        "analysis.max-nodes",
        "Service-map nodes; an entry needing one more is left off the map and counted.",
    ),
    (
        "analysis.max-edges",
        "Service-map edges (source, destination, protocol); same overflow rule.",
    ),
    (
        "analysis.red-max-series",
        "Edges exported as RED series on /metrics (the busiest; the rest counted in mizu_edge_series_overflow).",
    ),
    (
        "analysis.stats-max-minutes",
        "Minutes of traffic stats kept (1-minute buckets; the oldest are dropped).",
    ),
    (
        "analysis.stats-max-methods",
        "(protocol, method) pairs per minute; more are counted under `other`.",
    ),
    (
        "analysis.stats-max-endpoints",
        "Endpoints (service, method, path) tracked for the top lists; entries of more are counted.",
    ),
];

/// Most capture workers (`tap.workers`).
pub const MAX_WORKERS: i64 = 64;

/// Flags whose key is not `<command>.<flag>`: (command, flag id, key).
pub const FLAG_KEYS: &[(&str, &str, &str)] = &[
    ("hub", "max_entries_db_size", "tap.max-entries-db-size"),
    ("hub", "redact", "tap.redact"),
    ("hub", "ignored_user_agents", "tap.ignored-user-agents"),
    ("hub", "insertion_filter", "tap.insertion-filter"),
    (
        "hub",
        "traffic_validation_file",
        "tap.traffic-validation-file",
    ),
    ("agent", "max_body", "tap.max-body"),
    ("agent", "workers", "tap.workers"),
    ("tap", "netns", "tap.namespaces"),
    ("hub", "enable_replay", "tap.replay"),
    ("tap", "enable_replay", "tap.replay"),
];

/// `--config-path` and `--set`, global to every command.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct GlobalArgs {
    /// Config file (default: ~/.mizu/config.yaml; missing is fine).
    #[arg(long, global = true, value_name = "FILE")]
    pub config_path: Option<PathBuf>,

    /// Override a config key: --set tap.gui-port=9000. Repeat a key to build a list
    /// (--set tap.ignored-user-agents=kube-probe --set tap.ignored-user-agents=Prometheus).
    #[arg(long = "set", global = true, value_name = "KEY=VALUE")]
    pub set: Vec<String>,
}

/// A configuration mizu cannot run with.
#[derive(Debug)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The resolved configuration plus the warnings to print.
#[derive(Debug)]
pub struct Resolved {
    pub config: MizuConfig,
    pub warnings: Vec<String>,
    /// The file that was read (None when there was none).
    pub file: Option<PathBuf>,
}

/// `~/.mizu/config.yaml`.
pub fn default_path() -> PathBuf {
    let home = std::env::var_os("HOME").map_or_else(|| PathBuf::from("."), PathBuf::from);
    home.join(".mizu").join("config.yaml")
}

fn defaults_tree() -> Value {
    serde_json::to_value(MizuConfig::default()).unwrap_or(Value::Null)
}

fn lookup<'a>(tree: &'a Value, key: &str) -> Option<&'a Value> {
    key.split('.').try_fold(tree, |v, k| v.get(k))
}

fn lookup_mut<'a>(tree: &'a mut Value, key: &str) -> Option<&'a mut Value> {
    key.split('.').try_fold(tree, |v, k| v.get_mut(k))
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "nothing",
        Value::Bool(_) => "true or false",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a section",
    }
}

/// Sets `key` to `value` if it fits the key's type and keeps the whole tree valid;
/// otherwise a warning and nothing changes.
fn set_checked(
    tree: &mut Value,
    key: &str,
    value: Value,
    origin: &str,
    warnings: &mut Vec<String>,
) {
    let defaults = defaults_tree();
    let Some(default) = lookup(&defaults, key) else {
        warnings.push(format!(
            "{origin}: unknown key `{key}` (ignored; `mizu config` lists the keys)"
        ));
        return;
    };
    let value = match (default, value) {
        // A raw Kubernetes object written as a mapping in the config file: kept as JSON.
        (Value::String(_), v @ Value::Object(_)) if RAW_OBJECT_KEYS.contains(&key) => {
            Value::String(v.to_string())
        }
        // A size or name written as a number in YAML (`max-body: 1024`).
        (Value::String(_), Value::Number(n)) => Value::String(n.to_string()),
        (Value::Number(_), Value::String(s)) if s.trim().parse::<f64>().is_ok() => {
            serde_json::from_str(s.trim()).unwrap_or(Value::String(s))
        }
        // A single item for a list key.
        (Value::Array(_), v @ (Value::String(_) | Value::Number(_) | Value::Bool(_))) => {
            Value::Array(vec![match v {
                Value::String(s) => Value::String(s),
                other => Value::String(other.to_string()),
            }])
        }
        (Value::Array(_), Value::Null) => Value::Array(Vec::new()),
        (_, v) => v,
    };
    let same_kind = std::mem::discriminant(default) == std::mem::discriminant(&value)
        && match &value {
            Value::Array(items) => items.iter().all(Value::is_string),
            _ => true,
        };
    if !same_kind {
        warnings.push(format!(
            "{origin}: bad value for `{key}`: expected {}, got {} {value} (ignored)",
            kind(default),
            kind(&value)
        ));
        return;
    }
    if let Value::Object(_) = default {
        // A whole section: merge key by key so each one is checked.
        if let Value::Object(m) = value {
            for (k, v) in m {
                set_checked(tree, &format!("{key}.{k}"), v, origin, warnings);
            }
        }
        return;
    }
    let Some(slot) = lookup_mut(tree, key) else {
        return;
    };
    let old = std::mem::replace(slot, value);
    if let Err(e) = serde_json::from_value::<MizuConfig>(tree.clone()) {
        if let Some(slot) = lookup_mut(tree, key) {
            *slot = old;
        }
        warnings.push(format!("{origin}: bad value for `{key}`: {e} (ignored)"));
        return;
    }
    if let Some(problem) = check_value(key, lookup(tree, key)) {
        if let Some(slot) = lookup_mut(tree, key) {
            *slot = old;
        }
        warnings.push(format!(
            "{origin}: bad value for `{key}`: {problem} (ignored)"
        ));
    }
}

/// Checks a value beyond its type (sizes parse). Ports are checked in [`validate`]: a
/// bad port is an error, not a warning.
fn check_value(key: &str, v: Option<&Value>) -> Option<String> {
    let s = v.and_then(Value::as_str)?;
    let size_keys = [
        "tap.max-entries-db-size",
        "tap.max-body",
        "hub.max-message-size",
        "agent.buffer-size",
    ];
    if size_keys.contains(&key) {
        return parse_size(s).err();
    }
    None
}

/// A `--set` value as the key's type: `true`/`false`, a number, or a string.
fn parse_scalar(default: &Value, raw: &str) -> Value {
    match default {
        Value::Bool(_) => match raw.trim().to_ascii_lowercase().as_str() {
            "true" | "yes" | "on" | "1" => Value::Bool(true),
            "false" | "no" | "off" | "0" => Value::Bool(false),
            _ => Value::String(raw.to_owned()),
        },
        Value::Number(_) => serde_json::from_str::<serde_json::Number>(raw.trim())
            .map_or_else(|_| Value::String(raw.to_owned()), Value::Number),
        _ => Value::String(raw.to_owned()),
    }
}

/// Applies `key=value` pairs in order: a list key collects every occurrence (the first
/// one replaces what lower layers set), a scalar key takes the last.
fn apply_pairs(
    tree: &mut Value,
    pairs: &[(String, String)],
    origin: &str,
    warnings: &mut Vec<String>,
) {
    let defaults = defaults_tree();
    let mut lists: Vec<(String, Vec<Value>)> = Vec::new();
    for (key, raw) in pairs {
        match lookup(&defaults, key) {
            None => warnings.push(format!(
                "{origin}: unknown key `{key}` (ignored; `mizu config` lists the keys)"
            )),
            Some(Value::Array(_)) => {
                let item = Value::String(raw.clone());
                match lists.iter_mut().find(|(k, _)| k == key) {
                    Some((_, v)) => v.push(item),
                    None => lists.push((key.clone(), vec![item])),
                }
            }
            Some(Value::Object(_)) => warnings.push(format!(
                "{origin}: `{key}` is a section: set one of its keys, e.g. `{key}.{}`",
                defaults
                    .get(key.as_str())
                    .and_then(Value::as_object)
                    .and_then(|m| m.keys().next().cloned())
                    .unwrap_or_default()
            )),
            Some(d) => set_checked(tree, key, parse_scalar(d, raw), origin, warnings),
        }
    }
    for (key, items) in lists {
        set_checked(tree, &key, Value::Array(items), origin, warnings);
    }
}

/// `KEY=VALUE` strings split at the first `=`.
fn split_sets(sets: &[String]) -> Result<Vec<(String, String)>, ConfigError> {
    sets.iter()
        .map(|s| {
            s.split_once('=')
                .map(|(k, v)| (k.trim().to_owned(), v.to_owned()))
                .filter(|(k, _)| !k.is_empty())
                .ok_or_else(|| {
                    ConfigError(format!(
                        "--set `{s}`: write KEY=VALUE, e.g. --set tap.gui-port=9000"
                    ))
                })
        })
        .collect()
}

/// The flags given on the command line of `command`, as `(key, value)` pairs.
pub fn flag_pairs(command: &str, m: &ArgMatches) -> Vec<(String, String)> {
    let defaults = defaults_tree();
    let mut out = Vec::new();
    for id in m.ids() {
        let id = id.as_str();
        if m.value_source(id) != Some(ValueSource::CommandLine) {
            continue;
        }
        let kebab = id.replace('_', "-");
        let raws: Vec<String> = m
            .get_raw(id)
            .map(|r| r.map(|s| s.to_string_lossy().into_owned()).collect())
            .unwrap_or_default();
        if id == "redact_pattern" {
            for r in &raws {
                if let Some((part, names)) = r.split_once('=') {
                    for n in names.split(',').map(str::trim).filter(|n| !n.is_empty()) {
                        out.push((format!("tap.redact-patterns.{}", part.trim()), n.to_owned()));
                    }
                }
            }
            continue;
        }
        let key = FLAG_KEYS
            .iter()
            .find(|(c, f, _)| *c == command && *f == id)
            .map(|(_, _, k)| (*k).to_owned())
            .or_else(|| {
                let k = format!("{command}.{kebab}");
                lookup(&defaults, &k).map(|_| k)
            })
            .or_else(|| lookup(&defaults, &kebab).map(|_| kebab.clone()));
        let Some(key) = key else {
            continue;
        };
        let is_list = matches!(lookup(&defaults, &key), Some(Value::Array(_)));
        if raws.is_empty() {
            // A switch (`--redact`).
            out.push((key, "true".to_owned()));
            continue;
        }
        for r in raws {
            if is_list {
                for part in r.split(',').filter(|p| !p.is_empty()) {
                    out.push((key.clone(), part.to_owned()));
                }
            } else {
                out.push((key.clone(), r));
            }
        }
    }
    out
}

/// String keys holding a raw Kubernetes object (a mapping in the file, YAML/JSON in --set).
const RAW_OBJECT_KEYS: &[&str] = &["kube.agent-affinity", "kube.hub-affinity"];

/// Errors for values mizu cannot run with.
fn validate(c: &MizuConfig) -> Result<(), ConfigError> {
    let port = |key: &str, v: i64, zero_ok: bool| {
        let lo = if zero_ok { 0 } else { 1 };
        if v < lo || v > 65535 {
            Err(ConfigError(format!(
                "`{key}` is {v}: a port is {lo}..65535 (fix it in the config file or with --set {key}=8899)"
            )))
        } else {
            Ok(())
        }
    };
    port("tap.gui-port", c.tap.gui_port, false)?;
    port("hub.port", c.hub.port, true)?;
    port("kube.hub-port", c.kube.hub_port, false)?;
    if !(1..=MAX_WORKERS).contains(&c.tap.workers) {
        return Err(ConfigError(format!(
            "`tap.workers` is {}: give 1..{MAX_WORKERS} capture workers (--workers 2, or --set tap.workers=2)",
            c.tap.workers
        )));
    }
    if !["Always", "IfNotPresent", "Never"].contains(&c.image_pull_policy.as_str()) {
        return Err(ConfigError(format!(
            "`image-pull-policy` is `{}`: it is Always, IfNotPresent or Never",
            c.image_pull_policy
        )));
    }
    if c.mizu_resources_namespace.trim().is_empty() {
        return Err(ConfigError(
            "`mizu-resources-namespace` is empty: name a namespace (default mizu)".into(),
        ));
    }
    for (key, text) in [
        ("kube.agent-affinity", &c.kube.agent_affinity),
        ("kube.hub-affinity", &c.kube.hub_affinity),
    ] {
        mizu_kube::manifests::parse_affinity(key, text).map_err(ConfigError)?;
    }
    let a = &c.analysis;
    for (key, v, max) in [
        ("analysis.max-nodes", a.max_nodes, 1_000_000),
        ("analysis.max-edges", a.max_edges, 10_000_000),
        ("analysis.red-max-series", a.red_max_series, 1_000_000),
        ("analysis.stats-max-minutes", a.stats_max_minutes, 525_600),
        ("analysis.stats-max-methods", a.stats_max_methods, 100_000),
        (
            "analysis.stats-max-endpoints",
            a.stats_max_endpoints,
            10_000_000,
        ),
    ] {
        if !(1..=max).contains(&v) {
            let default = lookup(&defaults_tree(), key)
                .map(yaml_scalar)
                .unwrap_or_default();
            return Err(ConfigError(format!(
                "`{key}` is {v}: give 1..{max} (default {default})"
            )));
        }
    }
    if !(0..=16 << 20).contains(&c.oas.max_example_len) {
        return Err(ConfigError(format!(
            "`oas.max-example-len` is {}: give 0..16777216 bytes (default 10240)",
            c.oas.max_example_len
        )));
    }
    Ok(())
}

/// Reads the file (if any), then applies the command's flags and `--set`.
pub fn resolve(
    global: &GlobalArgs,
    command: Option<(&str, &ArgMatches)>,
) -> Result<Resolved, ConfigError> {
    let explicit = global.config_path.is_some();
    let path = global.config_path.clone().unwrap_or_else(default_path);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => Some(t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => None,
        // The default path of another user's home (e.g. a process that dropped root): no
        // file for us, as if it were missing; an explicit --config-path still fails.
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied && !explicit => None,
        Err(e) => {
            return Err(ConfigError(format!(
                "cannot read the config file {}: {e}",
                path.display()
            )));
        }
    };
    let flags = command.map(|(c, m)| flag_pairs(c, m)).unwrap_or_default();
    resolve_from(text.as_deref(), &path, &flags, &global.set).map(|mut r| {
        if text.is_none() {
            r.file = None;
        }
        r
    })
}

/// [`resolve`] with the file's text given (tests).
pub fn resolve_from(
    file: Option<&str>,
    path: &Path,
    flags: &[(String, String)],
    sets: &[String],
) -> Result<Resolved, ConfigError> {
    let mut tree = defaults_tree();
    let mut warnings = Vec::new();
    if let Some(text) = file {
        let origin = path.display().to_string();
        let v: Value = serde_saphyr::from_str(text).map_err(|e| {
            ConfigError(format!(
                "{origin} is not valid YAML: {e} (`mizu config -r` writes a fresh one)"
            ))
        })?;
        match v {
            Value::Null => {}
            Value::Object(m) => {
                for (k, v) in m {
                    set_checked(&mut tree, &k, v, &origin, &mut warnings);
                }
            }
            other => {
                return Err(ConfigError(format!(
                    "{origin}: expected keys (a mapping), got {}",
                    kind(&other)
                )));
            }
        }
    }
    apply_pairs(&mut tree, flags, "flag", &mut warnings);
    apply_pairs(&mut tree, &split_sets(sets)?, "--set", &mut warnings);
    let config: MizuConfig =
        serde_json::from_value(tree).map_err(|e| ConfigError(format!("configuration: {e}")))?;
    validate(&config)?;
    Ok(Resolved {
        config,
        warnings,
        file: file.map(|_| path.to_owned()),
    })
}

fn yaml_scalar(v: &Value) -> String {
    match v {
        Value::Array(items) if items.is_empty() => "[]".to_owned(),
        // JSON is YAML: strings in double quotes, lists in flow style.
        other => other.to_string(),
    }
}

/// The defaults as YAML, one comment per key, in [`KEYS`] order (what `mizu config`
/// prints). Scalars are written as JSON, which is YAML.
pub fn defaults_yaml() -> String {
    let mut out = String::from(
        "# mizu configuration: ~/.mizu/config.yaml (or --config-path FILE).\n\
         # Precedence: these defaults < this file < command-line flags < --set KEY=VALUE.\n",
    );
    let defaults = defaults_tree();
    for (key, comment) in KEYS {
        let Some(v) = lookup(&defaults, key) else {
            continue;
        };
        let depth = key.matches('.').count();
        let name = key.rsplit('.').next().unwrap_or(key);
        let pad = "  ".repeat(depth);
        out.push_str(&format!("{pad}# {comment}\n"));
        match v {
            Value::Object(_) => out.push_str(&format!("{pad}{name}:\n")),
            other => out.push_str(&format!("{pad}{name}: {}\n", yaml_scalar(other))),
        }
    }
    out
}

impl MizuConfig {
    /// The hub's settings (`mizu hub`, and the hub inside `mizu tap`). The token is not
    /// a config key: it comes from `--token` or `MIZU_HUB_TOKEN`.
    pub fn hub_config(&self, token: Option<String>) -> Result<HubConfig, ConfigError> {
        let size =
            |key: &str, s: &str| parse_size(s).map_err(|e| ConfigError(format!("`{key}`: {e}")));
        let p = &self.tap.redact_patterns;
        Ok(HubConfig {
            store: StoreConfig {
                max_bytes: size("tap.max-entries-db-size", &self.tap.max_entries_db_size)?,
                data_dir: Some(PathBuf::from(&self.hub.data_dir))
                    .filter(|d| !d.as_os_str().is_empty()),
                ..StoreConfig::default()
            },
            token: token.filter(|t| !t.is_empty()),
            redact: self.tap.redact,
            redact_patterns: RedactPatterns {
                request_headers: p.request_headers.clone(),
                response_headers: p.response_headers.clone(),
                request_body: p.request_body.clone(),
                response_body: p.response_body.clone(),
                request_query_params: p.request_query_params.clone(),
            },
            ignored_user_agents: self.tap.ignored_user_agents.clone(),
            insertion_filter: Some(self.tap.insertion_filter.clone())
                .filter(|f| !f.trim().is_empty()),
            limits: Limits {
                max_message_bytes: usize::try_from(size(
                    "hub.max-message-size",
                    &self.hub.max_message_size,
                )?)
                .unwrap_or(usize::MAX),
                ..Limits::default()
            },
            oas: self.oas.enable.then(|| mizu_analysis::oas::OasConfig {
                max_example_len: usize::try_from(self.oas.max_example_len).unwrap_or(0),
                ..mizu_analysis::oas::OasConfig::default()
            }),
            analysis: self.analysis.hub_config(),
            rules_file: Some(PathBuf::from(&self.tap.traffic_validation_file))
                .filter(|p| !p.as_os_str().is_empty()),
            replay: mizu_hub::replay::ReplayConfig {
                enabled: self.tap.replay,
                ca_file: Some(PathBuf::from(&self.tap.replay_ca))
                    .filter(|p| !p.as_os_str().is_empty()),
                ..Default::default()
            },
            protocols: mizu_dissectors::registry::default_registry().table(),
            ..HubConfig::default()
        })
    }

    /// `tap.gui-port` as a port (validated by [`resolve`]).
    pub fn gui_port(&self) -> u16 {
        u16::try_from(self.tap.gui_port).unwrap_or(mizu_hub::DEFAULT_PORT)
    }

    /// `tap.workers` as a count (validated by [`resolve`]: 1..=64).
    pub fn workers(&self) -> usize {
        usize::try_from(self.tap.workers).unwrap_or(1).max(1)
    }

    /// `hub.port` as a port (validated by [`resolve`]).
    pub fn hub_port(&self) -> u16 {
        u16::try_from(self.hub.port).unwrap_or(mizu_hub::DEFAULT_PORT)
    }
}

/// `mizu config [-r]`.
#[derive(clap::Args)]
pub struct ConfigArgs {
    /// Write the defaults to the config path (~/.mizu/config.yaml or --config-path),
    /// replacing what is there.
    #[arg(short = 'r', long)]
    pub regenerate: bool,
}

pub fn run(args: &ConfigArgs, global: &GlobalArgs) -> std::process::ExitCode {
    let text = defaults_yaml();
    if !args.regenerate {
        print!("{text}");
        return std::process::ExitCode::SUCCESS;
    }
    let path = global.config_path.clone().unwrap_or_else(default_path);
    let written = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|()| std::fs::write(&path, &text));
    match written {
        Ok(()) => {
            eprintln!("mizu: wrote the default config to {}", path.display());
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("mizu: cannot write {}: {e}", path.display());
            std::process::ExitCode::from(3)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(
        file: Option<&str>,
        flags: &[(&str, &str)],
        sets: &[&str],
    ) -> Result<Resolved, ConfigError> {
        let flags: Vec<(String, String)> = flags
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let sets: Vec<String> = sets.iter().map(|s| (*s).to_owned()).collect();
        resolve_from(file, Path::new("cfg.yaml"), &flags, &sets)
    }

    #[test]
    fn defaults_are_mizus() {
        let c = r(None, &[], &[]).expect("defaults").config;
        assert_eq!(c.tap.gui_port, 8899);
        assert_eq!(c.tap.proxy_host, "127.0.0.1");
        assert_eq!(c.tap.max_entries_db_size, "200MB");
        assert_eq!(
            c.tap.regex, "",
            "empty: the host, what `mizu tap` without REGEX does"
        );
        assert!(!c.headless && !c.tap.redact);
        assert_eq!(c, MizuConfig::default());
    }

    #[test]
    fn precedence_defaults_file_flags_set() {
        let file =
            "tap:\n  gui-port: 9000\n  redact: true\n  max-entries-db-size: 1GB\nheadless: true\n";
        let c = r(Some(file), &[], &[]).expect("file").config;
        assert_eq!(
            (c.tap.gui_port, c.tap.redact, c.headless),
            (9000, true, true)
        );
        assert_eq!(c.tap.max_entries_db_size, "1GB");
        let c = r(Some(file), &[("tap.gui-port", "9100")], &[])
            .expect("flag")
            .config;
        assert_eq!(c.tap.gui_port, 9100, "flag beats file");
        let c = r(
            Some(file),
            &[("tap.gui-port", "9100")],
            &["tap.gui-port=9200"],
        )
        .expect("set")
        .config;
        assert_eq!(c.tap.gui_port, 9200, "--set beats flag");
        assert_eq!(
            c.tap.max_entries_db_size, "1GB",
            "untouched keys keep the file's value"
        );
    }

    #[test]
    fn set_builds_lists_and_dotted_keys() {
        let file = "tap:\n  ignored-user-agents: [curl]\n";
        let c = r(
            Some(file),
            &[],
            &[
                "tap.ignored-user-agents=kube-probe",
                "tap.ignored-user-agents=Prometheus",
                "tap.redact-patterns.request-headers=X-Token",
                "tap.redact=true",
                "tap.insertion-filter=http and response.status >= 500",
            ],
        )
        .expect("set")
        .config;
        assert_eq!(c.tap.ignored_user_agents, ["kube-probe", "Prometheus"]);
        assert_eq!(c.tap.redact_patterns.request_headers, ["X-Token"]);
        assert!(c.tap.redact);
        assert_eq!(c.tap.insertion_filter, "http and response.status >= 500");
        // One occurrence is a one-element list.
        let c = r(None, &[], &["tap.namespaces=ns-a"]).expect("set").config;
        assert_eq!(c.tap.namespaces, ["ns-a"]);
    }

    #[test]
    fn unknown_keys_and_bad_values_warn_naming_them() {
        let file = "tap:\n  gui-prot: 1\n  redact: maybe\n  max-entries-db-size: lots\nfoo: 1\n";
        let res = r(
            Some(file),
            &[],
            &["tap.nope=1", "headless=perhaps", "agent.batch-entries=x"],
        )
        .expect("warnings only");
        let w = res.warnings.join("\n");
        for key in [
            "tap.gui-prot",
            "tap.redact",
            "tap.max-entries-db-size",
            "`foo`",
            "tap.nope",
            "headless",
            "agent.batch-entries",
        ] {
            assert!(w.contains(key), "no warning naming {key}: {w}");
        }
        assert_eq!(res.warnings.len(), 7, "{w}");
        // The values below the bad ones stay.
        assert_eq!(res.config, MizuConfig::default());
    }

    #[test]
    fn unusable_values_are_errors() {
        for (file, sets) in [
            (None, vec!["tap.gui-port=70000"]),
            (Some("tap:\n  gui-port: 0\n"), vec![]),
            (None, vec!["hub.port=-1"]),
        ] {
            let e = r(file, &[], &sets).expect_err("port out of range");
            assert!(e.0.contains("port"), "{e}");
        }
        assert!(r(Some("tap: [1, 2"), &[], &[]).is_err(), "bad YAML");
        assert!(r(None, &[], &["no-equals"]).is_err());
        for sets in [["tap.workers=0"], ["tap.workers=65"]] {
            let e = r(None, &[], &sets).expect_err("workers out of range");
            assert!(e.0.contains("tap.workers") && e.0.contains("1..64"), "{e}");
        }
    }

    #[test]
    fn workers_come_from_the_flag_the_file_or_set() {
        assert_eq!(r(None, &[], &[]).expect("defaults").config.workers(), 1);
        let c = r(None, &[("tap.workers", "2")], &[]).expect("flag").config;
        assert_eq!(c.workers(), 2);
        let c = r(Some("tap:\n  workers: 3\n"), &[], &["tap.workers=4"])
            .expect("file and set")
            .config;
        assert_eq!(c.workers(), 4);
    }

    #[test]
    fn printed_defaults_round_trip() {
        let text = defaults_yaml();
        for (key, comment) in KEYS {
            assert!(text.contains(comment), "no comment for {key}");
        }
        let back = r(Some(&text), &[], &[]).expect("parse");
        assert!(back.warnings.is_empty(), "{:?}", back.warnings);
        assert_eq!(back.config, MizuConfig::default());
        // Every key has a comment.
        fn leaves(v: &Value, p: &str, out: &mut Vec<String>) {
            if let Value::Object(m) = v {
                for (k, v) in m {
                    let key = if p.is_empty() {
                        k.clone()
                    } else {
                        format!("{p}.{k}")
                    };
                    out.push(key.clone());
                    leaves(v, &key, out);
                }
            }
        }
        let mut all = Vec::new();
        leaves(&defaults_tree(), "", &mut all);
        for k in all {
            assert!(KEYS.iter().any(|(n, _)| *n == k), "key {k} has no comment");
        }
    }

    #[test]
    fn hub_config_from_keys() {
        let c = r(
            None,
            &[],
            &[
                "tap.max-entries-db-size=1MB",
                "tap.redact=true",
                "hub.data-dir=/tmp/x",
                "tap.ignored-user-agents=kube-probe",
            ],
        )
        .expect("set")
        .config;
        let h = c.hub_config(Some("t".into())).expect("hub");
        assert_eq!(h.store.max_bytes, 1_000_000);
        assert!(h.redact);
        assert_eq!(h.store.data_dir.as_deref(), Some(Path::new("/tmp/x")));
        assert_eq!(h.ignored_user_agents, ["kube-probe"]);
        assert_eq!(h.insertion_filter, None);
        assert_eq!(h.token.as_deref(), Some("t"));
        // The analysis bounds are keys too, and their defaults are the hub's.
        let d = mizu_hub::AnalysisConfig::default();
        assert_eq!(
            (
                h.analysis.map.max_nodes,
                h.analysis.map.max_edges,
                h.analysis.red_max_series
            ),
            (d.map.max_nodes, d.map.max_edges, d.red_max_series)
        );
        let c = r(
            None,
            &[],
            &[
                "analysis.max-nodes=50",
                "analysis.max-edges=70",
                "analysis.red-max-series=5",
                "analysis.stats-max-minutes=60",
                "analysis.stats-max-methods=8",
                "analysis.stats-max-endpoints=90",
                "analysis.enable=false",
            ],
        )
        .expect("set")
        .config;
        let a = c.hub_config(None).expect("hub").analysis;
        assert!(!a.enabled);
        assert_eq!(
            (a.map.max_nodes, a.map.max_edges, a.red_max_series),
            (50, 70, 5)
        );
        assert_eq!(
            (
                a.stats.max_buckets,
                a.stats.max_methods,
                a.stats.max_endpoints
            ),
            (60, 8, 90)
        );
        let e = r(None, &[], &["analysis.max-nodes=0"]).expect_err("0 nodes");
        assert!(
            e.0.contains("`analysis.max-nodes` is 0: give 1..1000000 (default 2000)"),
            "{}",
            e.0
        );
        assert!(defaults_yaml().contains("  # Service-map nodes; an entry needing one more is left off the map and counted.\n  max-nodes: 2000\n"));
    }
}
