//! mizu against a Kubernetes cluster: `mizu tap` (cluster mode), `install`, `view`, `clean`,
//! `check`, `logs`. The manifests and cluster I/O live in `mizu-kube`; this module turns the
//! configuration into its [`Settings`] and runs the commands. Reference: docs/kubernetes.md.

use crate::config::{MizuConfig, ResourcesConfig};
use clap::Args;
use mizu_kube::cluster::{self, Cluster, ConnectOptions, Progress, Stderr};
use mizu_kube::manifests::{self, Persistence, Resources, Settings};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

const EXIT_USAGE: u8 = 2;
const EXIT_CLUSTER: u8 = 3;

/// What `mizu tap` passes for cluster mode.
pub struct TapCluster {
    pub namespaces: Vec<String>,
    pub all_namespaces: bool,
    pub dry_run: bool,
    pub output: Option<String>,
    pub keep: bool,
    pub headless: bool,
}

pub fn connect_options(cfg: &MizuConfig) -> ConnectOptions {
    ConnectOptions {
        kubeconfig: Some(PathBuf::from(&cfg.kube_config_path))
            .filter(|p| !p.as_os_str().is_empty()),
        context: Some(cfg.kube_context.clone()).filter(|c| !c.is_empty()),
    }
}

/// True when `mizu tap` should deploy to a cluster (a kubeconfig or in-cluster).
pub fn cluster_mode(cfg: &MizuConfig) -> bool {
    cluster::cluster_configured(&connect_options(cfg))
}

fn res(r: &ResourcesConfig) -> Resources {
    Resources {
        cpu_requests: r.cpu_requests.clone(),
        memory_requests: r.memory_requests.clone(),
        cpu_limit: r.cpu_limit.clone(),
        memory_limit: r.memory_limit.clone(),
    }
}

fn random_token() -> String {
    use std::io::Read;
    let mut b = [0u8; 24];
    let ok = std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut b))
        .is_ok();
    if !ok {
        // No /dev/urandom: time and pid, still unique per install.
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let seed = t ^ (u128::from(std::process::id()) << 64);
        b[..16].copy_from_slice(&seed.to_le_bytes());
    }
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The image: `agent-image` (Mizu's key) if set, else `kube.image.*`.
pub fn image(cfg: &MizuConfig) -> String {
    if !cfg.agent_image.is_empty() {
        return cfg.agent_image.clone();
    }
    let i = &cfg.kube.image;
    let reg = i.registry.trim_end_matches('/');
    if reg.is_empty() {
        format!("{}:{}", i.repository, i.tag)
    } else {
        format!("{reg}/{}:{}", i.repository, i.tag)
    }
}

/// The hub's config.yaml (the ConfigMap): the `tap` section with the targets. In it,
/// `tap.namespaces` are Kubernetes namespaces ([] = all) and `tap.regex` the pod regex.
pub fn hub_config_yaml(cfg: &MizuConfig, namespaces: &[String]) -> String {
    let mut tap = serde_json::to_value(&cfg.tap).unwrap_or_default();
    if let Some(m) = tap.as_object_mut() {
        m.remove("api-server-resources");
        m.remove("tapper-resources");
        m.remove("gui-port");
        m.remove("proxy-host");
        m.insert("namespaces".into(), serde_json::json!(namespaces));
    }
    mizu_kube::manifests::yaml(&serde_json::json!({ "tap": tap }))
}

fn affinity(key: &str, text: &str) -> Option<serde_json::Value> {
    mizu_kube::manifests::parse_affinity(key, text)
        .ok()
        .flatten()
}

/// Builds the manifests' settings from the configuration.
pub fn settings(cfg: &MizuConfig, namespaces: &[String], persistent: bool) -> Settings {
    let image = image(cfg);
    Settings {
        namespace: cfg.mizu_resources_namespace.clone(),
        instance: "mizu".into(),
        hub_image: image.clone(),
        agent_image: image,
        pull_policy: cfg.image_pull_policy.clone(),
        pull_secrets: cfg.kube.image.pull_secrets.clone(),
        hub_resources: res(&cfg.tap.api_server_resources),
        agent_resources: res(&cfg.tap.tapper_resources),
        agent_tolerations: cfg.kube.agent_tolerations.clone(),
        hub_tolerations: cfg.kube.hub_tolerations.clone(),
        node_selector: cfg.kube.node_selector.clone(),
        // Checked when the configuration was resolved.
        agent_affinity: affinity("kube.agent-affinity", &cfg.kube.agent_affinity),
        hub_affinity: affinity("kube.hub-affinity", &cfg.kube.hub_affinity),
        priority_class: cfg.kube.priority_class.clone(),
        labels: cfg.kube.labels.clone(),
        annotations: cfg.kube.annotations.clone(),
        service_account: cfg.kube.service_account.clone(),
        hub_port: u16::try_from(cfg.kube.hub_port).unwrap_or(mizu_hub::DEFAULT_PORT),
        agent_workers: cfg.workers(),
        hub_config_yaml: hub_config_yaml(cfg, namespaces),
        token: random_token(),
        persistent: persistent.then(|| Persistence {
            size: cfg.kube.storage_size.clone(),
            storage_class: cfg.kube.storage_class.clone(),
        }),
    }
}

fn runtime() -> Option<tokio::runtime::Runtime> {
    match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => Some(r),
        Err(e) => {
            eprintln!("mizu: cannot start the async runtime: {e}");
            None
        }
    }
}

fn timeout(cfg: &MizuConfig) -> Duration {
    Duration::from_secs(u64::try_from(cfg.kube.timeout).unwrap_or(120).max(1))
}

/// Starts the async runtime, connects to the cluster and runs the command `f` on it;
/// either failing is reported and ends the command with `EXIT_CLUSTER`.
fn with_cluster(cfg: &MizuConfig, f: impl AsyncFnOnce(Cluster) -> ExitCode) -> ExitCode {
    let Some(rt) = runtime() else {
        return ExitCode::from(EXIT_CLUSTER);
    };
    rt.block_on(async move {
        match cluster::connect(&connect_options(cfg)).await {
            Ok(cluster) => f(cluster).await,
            Err(e) => {
                eprintln!("mizu: cannot reach the cluster: {e:#}");
                ExitCode::from(EXIT_CLUSTER)
            }
        }
    })
}

/// Waits for Ctrl-C or SIGTERM.
async fn interrupted() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

fn target_namespaces(t: &TapCluster, cfg: &MizuConfig, context_ns: &str) -> Vec<String> {
    if t.all_namespaces {
        return Vec::new();
    }
    let mut v: Vec<String> = if !t.namespaces.is_empty() {
        t.namespaces.clone()
    } else if !cfg.tap.namespaces.is_empty() {
        cfg.tap.namespaces.clone()
    } else {
        vec![context_ns.to_string()]
    };
    v.sort();
    v.dedup();
    v
}

fn print_yaml(objs: &[serde_json::Value], output: Option<&str>) -> Result<(), ExitCode> {
    match output {
        Some("yaml") | None => {
            print!("{}", manifests::to_yaml(objs));
            Ok(())
        }
        Some("json") => {
            println!("{}", serde_json::to_string_pretty(objs).unwrap_or_default());
            Ok(())
        }
        Some(o) => {
            eprintln!("mizu: -o {o}: the output formats are yaml and json");
            Err(ExitCode::from(EXIT_USAGE))
        }
    }
}

/// `mizu tap` with a cluster.
pub fn tap(t: TapCluster, cfg: &MizuConfig) -> ExitCode {
    let regex = match regex::Regex::new(if cfg.tap.regex.is_empty() {
        ".*"
    } else {
        &cfg.tap.regex
    }) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("mizu tap: invalid POD_REGEX: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    if t.output.is_some() && !t.dry_run {
        eprintln!("mizu tap: -o prints the manifests instead of applying them: add --dry-run");
        return ExitCode::from(EXIT_USAGE);
    }
    with_cluster(cfg, async move |cluster| {
        let namespaces = target_namespaces(&t, cfg, &cluster.default_namespace);
        let s = settings(cfg, &namespaces, false);
        if t.dry_run {
            if t.output.is_some() {
                return match print_yaml(&manifests::render(&s), t.output.as_deref()) {
                    Ok(()) => ExitCode::SUCCESS,
                    Err(c) => c,
                };
            }
            return dry_run(&cluster, &namespaces, &regex).await;
        }
        let p: Arc<dyn Progress> = Arc::new(Stderr);
        let shown = if namespaces.is_empty() {
            "all namespaces".to_string()
        } else {
            namespaces.join(", ")
        };
        p.line(&format!(
            "mizu: tapping pods matching /{}/ in {shown}; deploying into namespace {} of {}",
            regex.as_str(),
            s.namespace,
            cluster.url
        ));
        let objs = manifests::render(&s);
        let made = match cluster::apply(&cluster, &s, &objs, p.as_ref()).await {
            Ok(m) => m,
            Err(e) => {
                eprintln!("mizu tap: {e:#}");
                return ExitCode::from(EXIT_CLUSTER);
            }
        };
        let mut code = ExitCode::SUCCESS;
        let ready = tokio::select! {
            r = cluster::wait_ready(&cluster, &s, timeout(cfg), p.as_ref()) => Some(r),
            _ = interrupted() => None,
        };
        match ready {
            Some(Ok(())) => {
                code = serve_until_interrupted(
                    &cluster,
                    cfg,
                    &s,
                    t.headless || cfg.headless,
                    p.clone(),
                )
                .await;
            }
            Some(Err(e)) => {
                eprintln!("mizu tap: {e:#}");
                code = ExitCode::from(EXIT_CLUSTER);
            }
            None => p.line("mizu tap: interrupted"),
        }
        if t.keep {
            p.line(&format!("mizu tap: --keep: mizu stays in namespace {} (mizu view reaches it, mizu clean removes it)", s.namespace));
            return code;
        }
        p.line("mizu tap: removing what it created…");
        if let Err(e) = cluster::delete_all(&cluster, &made, timeout(cfg), p.as_ref()).await {
            eprintln!("mizu tap: {e:#}\n  next step: mizu clean");
            return ExitCode::from(EXIT_CLUSTER);
        }
        p.line("mizu tap: everything it created is gone");
        code
    })
}

async fn serve_until_interrupted(
    cluster: &Cluster,
    cfg: &MizuConfig,
    s: &Settings,
    headless: bool,
    p: Arc<dyn Progress>,
) -> ExitCode {
    let host = &cfg.tap.proxy_host;
    let port = cfg.gui_port();
    let listen: SocketAddr = match format!("{host}:{port}").parse() {
        Ok(a) => a,
        Err(_) => match tokio::net::lookup_host((host.as_str(), port))
            .await
            .ok()
            .and_then(|mut a| a.next())
        {
            Some(a) => a,
            None => {
                eprintln!("mizu: tap.proxy-host `{host}` is not an address");
                return ExitCode::from(EXIT_USAGE);
            }
        },
    };
    // Bind first, so a busy port is reported before claiming the UI is up.
    let fwd = cluster::forward(
        cluster.client.clone(),
        s.namespace.clone(),
        s.instance.clone(),
        listen,
        s.hub_port,
        p.clone(),
    );
    let url = format!("http://{listen}");
    let mut fwd = Box::pin(fwd);
    tokio::select! {
        r = &mut fwd => {
            if let Err(e) = r {
                eprintln!("mizu: {e:#}");
            }
            return ExitCode::from(EXIT_CLUSTER);
        }
        _ = tokio::time::sleep(Duration::from_millis(100)) => {}
    }
    p.line(&format!(
        "mizu: the UI is at {url} (port-forward to the hub; Ctrl-C stops)"
    ));
    if !headless {
        crate::tap::open_browser(&url);
    }
    tokio::select! {
        r = fwd => {
            if let Err(e) = r {
                eprintln!("mizu: {e:#}");
            }
            ExitCode::from(EXIT_CLUSTER)
        }
        _ = interrupted() => ExitCode::SUCCESS,
    }
}

async fn dry_run(cluster: &Cluster, namespaces: &[String], regex: &regex::Regex) -> ExitCode {
    use k8s_openapi::api::core::v1::Pod;
    use kube::api::{Api, ListParams};
    let apis: Vec<Api<Pod>> = if namespaces.is_empty() {
        vec![Api::all(cluster.client.clone())]
    } else {
        namespaces
            .iter()
            .map(|n| Api::namespaced(cluster.client.clone(), n))
            .collect()
    };
    let mut n = 0;
    for api in apis {
        let list = match api
            .list(&ListParams::default().fields("status.phase=Running"))
            .await
        {
            Ok(l) => l,
            Err(e) => {
                eprintln!("mizu tap: cannot list pods: {e}");
                return ExitCode::from(EXIT_CLUSTER);
            }
        };
        for p in list.items {
            let name = p.metadata.name.clone().unwrap_or_default();
            let ours = p.metadata.labels.as_ref().is_some_and(|l| {
                l.get(manifests::LABEL_NAME).map(String::as_str) == Some(manifests::APP)
            });
            if ours {
                continue;
            }
            if regex.is_match(&name) {
                println!("+{name}");
                n += 1;
            }
        }
    }
    if n == 0 {
        let shown = if namespaces.is_empty() {
            "any namespace".to_string()
        } else {
            format!("namespace(s) {}", namespaces.join(", "))
        };
        eprintln!(
            "mizu tap: no running pod matches /{}/ in {shown}; pods that appear later would be tapped. \
             Other namespaces: -n NAMESPACE (repeatable) or -A for all",
            regex.as_str()
        );
    }
    ExitCode::SUCCESS
}

/// `mizu install`.
#[derive(Args)]
#[command(
    after_help = "Deploys the hub (with a PersistentVolumeClaim for its data, when the \
cluster has a StorageClass) and the agents permanently; `mizu view` opens the UI, `mizu clean` \
removes everything."
)]
pub struct InstallArgs {
    /// Print the manifests (yaml or json) instead of applying them.
    #[arg(short = 'o', long, value_name = "FORMAT")]
    output: Option<String>,
    /// Tap pods in these namespaces (repeatable; default: the context's namespace).
    #[arg(short = 'n', long = "namespace", value_name = "NAMESPACE")]
    namespaces: Vec<String>,
    /// Tap pods in all namespaces.
    #[arg(short = 'A', long)]
    all_namespaces: bool,
}

pub fn install(a: InstallArgs, cfg: &MizuConfig) -> ExitCode {
    let t = TapCluster {
        namespaces: a.namespaces,
        all_namespaces: a.all_namespaces,
        dry_run: false,
        output: None,
        keep: true,
        headless: true,
    };
    if a.output.is_some() {
        let ns = target_namespaces(&t, cfg, "default");
        let s = settings(cfg, &ns, true);
        return match print_yaml(&manifests::render(&s), a.output.as_deref()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(c) => c,
        };
    }
    with_cluster(cfg, async move |cluster| {
        let p = Stderr;
        let namespaces = target_namespaces(&t, cfg, &cluster.default_namespace);
        let persistent = match cluster::storage_class_available(&cluster, &cfg.kube.storage_class)
            .await
        {
            Ok(true) => true,
            Ok(false) => {
                if cfg.kube.storage_class.is_empty() {
                    p.line("mizu install: the cluster has no default StorageClass: the hub keeps entries in memory only \
                            (name one with --set kube.storage-class=NAME to keep them on a volume)");
                } else {
                    p.line(&format!("mizu install: StorageClass `{}` does not exist: the hub keeps entries in memory only", cfg.kube.storage_class));
                }
                false
            }
            Err(e) => {
                p.line(&format!("mizu install: cannot list StorageClasses ({e}): the hub keeps entries in memory only"));
                false
            }
        };
        let s = settings(cfg, &namespaces, persistent);
        let objs = manifests::render(&s);
        if let Err(e) = cluster::apply(&cluster, &s, &objs, &p).await {
            eprintln!("mizu install: {e:#}");
            return ExitCode::from(EXIT_CLUSTER);
        }
        match cluster::wait_ready(&cluster, &s, timeout(cfg), &p).await {
            Ok(()) => {
                p.line("mizu install: done; `mizu view` opens the UI, `mizu clean` removes it");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("mizu install: {e:#}\n  (the objects stay; mizu clean removes them)");
                ExitCode::from(EXIT_CLUSTER)
            }
        }
    })
}

/// `mizu view`.
#[derive(Args)]
pub struct ViewArgs {
    /// Do not open a browser.
    #[arg(long)]
    headless: bool,
}

pub fn view(a: ViewArgs, cfg: &MizuConfig) -> ExitCode {
    with_cluster(cfg, async move |cluster| {
        let s = settings(cfg, &[], false);
        match cluster::hub_pod(&cluster.client, &s.namespace, &s.instance).await {
            Ok(Some(_)) => {}
            Ok(None) => {
                eprintln!(
                    "mizu view: no ready mizu hub in namespace {}: start one with `mizu install` or `mizu tap --keep` \
                     (another namespace: --set mizu-resources-namespace=NAME)",
                    s.namespace
                );
                return ExitCode::from(EXIT_CLUSTER);
            }
            Err(e) => {
                eprintln!("mizu view: cannot look for the hub: {e}");
                return ExitCode::from(EXIT_CLUSTER);
            }
        }
        serve_until_interrupted(
            &cluster,
            cfg,
            &s,
            a.headless || cfg.headless,
            Arc::new(Stderr),
        )
        .await
    })
}

/// `mizu clean`.
#[derive(Args)]
pub struct CleanArgs {}

pub fn clean(_a: CleanArgs, cfg: &MizuConfig) -> ExitCode {
    with_cluster(cfg, async move |cluster| {
        match cluster::clean(&cluster, timeout(cfg), &Stderr).await {
            Ok(_) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("mizu clean: {e:#}");
                ExitCode::from(EXIT_CLUSTER)
            }
        }
    })
}

/// `mizu check`.
#[derive(Args)]
pub struct CheckArgs {
    /// Also start a pod with mizu's image in namespace `default` to see that it can be
    /// pulled (deleted afterwards).
    #[arg(long)]
    image_pull: bool,
}

pub fn check(a: CheckArgs, cfg: &MizuConfig) -> ExitCode {
    with_cluster(cfg, async move |cluster| {
        let s = settings(cfg, &[], false);
        let mut problems = cluster::check(&cluster, &s, &Stderr).await;
        if a.image_pull {
            match cluster::image_pull_test(&cluster, &s, "default", timeout(cfg)).await {
                Ok(None) => Stderr.line(&format!("ok    image {} can be pulled", s.agent_image)),
                Ok(Some(err)) => {
                    Stderr.line(&format!("FAIL  {err}"));
                    problems = problems.map(|n| n + 1);
                }
                Err(e) => {
                    Stderr.line(&format!("FAIL  image pull test: {e:#}"));
                    problems = problems.map(|n| n + 1);
                }
            }
        }
        match problems {
            Ok(0) => ExitCode::SUCCESS,
            Ok(n) => {
                eprintln!("mizu check: {n} problem(s)");
                ExitCode::from(EXIT_CLUSTER)
            }
            Err(e) => {
                eprintln!("mizu check: {e:#}");
                ExitCode::from(EXIT_CLUSTER)
            }
        }
    })
}

/// `mizu logs`.
#[derive(Args)]
pub struct LogsArgs {
    /// The zip file to write.
    #[arg(
        short = 'o',
        long,
        default_value = "mizu_logs.zip",
        value_name = "FILE"
    )]
    output: PathBuf,
}

pub fn logs(a: LogsArgs, cfg: &MizuConfig) -> ExitCode {
    with_cluster(cfg, async move |cluster| {
        let files = match cluster::collect_logs(&cluster, &cfg.mizu_resources_namespace).await {
            Ok(f) => f,
            Err(e) => {
                eprintln!("mizu logs: {e:#}");
                return ExitCode::from(EXIT_CLUSTER);
            }
        };
        let zip = match mizu_kube::zip::write(&files) {
            Ok(z) => z,
            Err(e) => {
                eprintln!("mizu logs: cannot build the zip: {e:#}");
                return ExitCode::from(EXIT_CLUSTER);
            }
        };
        if let Err(e) = std::fs::write(&a.output, zip) {
            eprintln!("mizu logs: cannot write {}: {e}", a.output.display());
            return ExitCode::from(EXIT_CLUSTER);
        }
        eprintln!(
            "mizu logs: wrote {} ({} file(s))",
            a.output.display(),
            files.len()
        );
        ExitCode::SUCCESS
    })
}
