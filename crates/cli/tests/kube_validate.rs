//! Every manifest mizu renders (defaults, a heavily customised configuration, restricted mode,
//! install with a volume) passes `kubernetes-validate --strict` (offline OpenAPI schemas) for
//! the two newest Kubernetes versions it bundles.

use std::path::PathBuf;
use std::process::Command;

fn tmpdir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("mizu-kube-validate-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("tmp dir");
    d
}

/// The two newest Kubernetes versions kubernetes-validate bundles (its `-strict` schema sets).
fn newest_versions() -> Vec<String> {
    let out = Command::new("python3")
        .args([
            "-c",
            "import kubernetes_validate,os;d=os.path.join(os.path.dirname(kubernetes_validate.__file__),'kubernetes-json-schema');\
             v=sorted({x[1:].split('-')[0] for x in os.listdir(d) if x.endswith('-local-strict')},key=lambda s:tuple(map(int,s.split('.'))));print(' '.join(v[-2:]))",
        ])
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "kubernetes-validate is not installed: run scripts/install-deps.sh ({})",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .map(String::from)
        .collect();
    assert_eq!(v.len(), 2, "{v:?}");
    v
}

fn render(dir: &std::path::Path, name: &str, args: &[&str]) -> PathBuf {
    let out = Command::new(env!("CARGO_BIN_EXE_mizu"))
        .args(["install", "-o", "yaml"])
        .args(args)
        .env("HOME", dir)
        .output()
        .expect("mizu");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let y = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(y.contains("kind: DaemonSet"), "{y}");
    let path = dir.join(format!("{name}.yaml"));
    std::fs::write(&path, y).expect("write");
    path
}

#[test]
fn rendered_manifests_pass_kubernetes_validate_strict() {
    let versions = newest_versions();
    let dir = tmpdir();
    let custom: Vec<String> = [
        "agent-image=registry.example.com:5000/team/mizu:1.2.3",
        "image-pull-policy=Always",
        "kube.image.pull-secrets=regcred",
        "kube.image.pull-secrets=other",
        "tap.api-server-resources.cpu-limit=2",
        "tap.api-server-resources.memory-limit=3Gi",
        "tap.api-server-resources.cpu-requests=250m",
        "tap.api-server-resources.memory-requests=1Gi",
        "tap.tapper-resources.cpu-limit=1500m",
        "tap.tapper-resources.memory-limit=768Mi",
        "tap.tapper-resources.cpu-requests=200m",
        "tap.tapper-resources.memory-requests=300Mi",
        "kube.agent-tolerations=dedicated=infra:NoSchedule",
        "kube.agent-tolerations=node-role.kubernetes.io/control-plane:NoSchedule",
        "kube.agent-tolerations=gpu",
        "kube.hub-tolerations=*",
        "kube.node-selector=kubernetes.io/os=linux",
        "kube.node-selector=pool=observability",
        "kube.priority-class=system-node-critical",
        "kube.agent-affinity={nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchExpressions: [{key: pool, operator: In, values: [observability]}]}]}}}",
        r#"kube.hub-affinity={"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 50, "podAffinityTerm": {"topologyKey": "kubernetes.io/hostname", "labelSelector": {"matchLabels": {"app": "db"}}}}]}}"#,
        "kube.labels=team=platform",
        "kube.labels=cost-center=42",
        "kube.annotations=example.com/owner=ops",
        "kube.hub-port=9000",
        "kube.storage-size=20Gi",
        "kube.storage-class=fast-ssd",
        "tap.redact=true",
        "tap.max-entries-db-size=1GB",
    ]
    .iter()
    .flat_map(|s| ["--set".to_string(), (*s).to_string()])
    .collect();
    let custom: Vec<&str> = custom.iter().map(String::as_str).collect();
    let mut restricted = custom.clone();
    restricted.extend(["--set", "mizu-resources-namespace=team-a"]);
    let files = [
        render(&dir, "default", &[]),
        render(&dir, "custom", &custom),
        render(&dir, "restricted", &restricted),
        render(
            &dir,
            "sa",
            &["--set", "kube.service-account=existing", "-A"],
        ),
    ];
    let custom_text = std::fs::read_to_string(&files[1]).expect("read");
    for want in [
        "registry.example.com:5000/team/mizu:1.2.3",
        "regcred",
        "system-node-critical",
        "pool: observability",
        "team: platform",
        "3Gi",
        "fast-ssd",
        "NoSchedule",
        "nodeAffinity",
        "podAntiAffinity",
        "--pod-netns",
    ] {
        assert!(custom_text.contains(want), "custom manifests lack {want}");
    }
    for v in &versions {
        for f in &files {
            let out = Command::new("kubernetes-validate")
                .args(["--strict", "-k", v])
                .arg(f)
                .output()
                .expect("kubernetes-validate (scripts/install-deps.sh installs it)");
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(out.status.success(), "{} against {v}:\n{text}", f.display());
            assert!(!text.contains("ERROR"), "{text}");
            assert!(text.contains("passed"), "{text}");
        }
    }
}
