//! The Helm chart (`deploy/helm/mizu`) renders the same objects as `mizu install -o json`
//! with the default configuration. Helm is not installable here (no Debian, PyPI or npm
//! package), so the test renders the chart itself: the templates use only `.Values` paths,
//! the Helm functions `quote`, `toJson`, `b64enc` and `randAlphaNum`, and
//! `{{- with .Values.X }} … {{ toJson . }} … {{- end }}` blocks (left out, whitespace and
//! all, when the value is empty), evaluated below with Helm's meaning. With `helm` on PATH
//! it also checks `helm template`. A second case sets the pods' affinity both ways
//! (`--set kube.agent-affinity=…` and the chart's `agent.affinity`).

use regex::Regex;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn chart() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/helm/mizu")
}

fn lookup<'a>(values: &'a Value, path: &str) -> &'a Value {
    let p = path
        .strip_prefix(".Values.")
        .unwrap_or_else(|| panic!("unsupported expression {path}"));
    p.split('.').fold(values, |v, k| {
        v.get(k).unwrap_or_else(|| panic!("no value {path}"))
    })
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn b64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in data.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= c.len() {
                out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn eval(expr: &str, values: &Value) -> String {
    let mut parts = expr.split('|').map(str::trim);
    let head = parts.next().unwrap_or_default();
    let mut s = if let Some(p) = head.strip_prefix("toJson ") {
        lookup(values, p.trim()).to_string()
    } else if let Some(n) = head.strip_prefix("randAlphaNum ") {
        "x".repeat(n.trim().parse().expect("length"))
    } else {
        scalar(lookup(values, head))
    };
    for f in parts {
        s = match f {
            "quote" => Value::String(s).to_string(),
            "b64enc" => b64(s.as_bytes()),
            other => panic!("unsupported function {other}"),
        };
    }
    s
}

/// Helm's truth: empty maps, lists, strings, false and null are false.
fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(m) => !m.is_empty(),
        Value::Number(_) => true,
    }
}

/// `{{- with PATH }}BODY{{- end }}`: the `{{-` trims the whitespace before each tag; BODY's
/// `.` is PATH.
fn with_blocks(text: &str, values: &Value) -> String {
    let re =
        Regex::new(r"(?s)\s*\{\{-\s*with\s+(\S+)\s*\}\}(.*?)\s*\{\{-\s*end\s*\}\}").expect("regex");
    re.replace_all(text, |c: &regex::Captures| {
        if truthy(lookup(values, &c[1])) {
            c[2].replace("toJson . ", &format!("toJson {} ", &c[1]))
        } else {
            String::new()
        }
    })
    .into_owned()
}

fn render_chart(values: &Value) -> Vec<Value> {
    let re = Regex::new(r"\{\{-?\s*(.*?)\s*-?\}\}").expect("regex");
    let mut files: Vec<PathBuf> = std::fs::read_dir(chart().join("templates"))
        .expect("templates")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let text = with_blocks(&std::fs::read_to_string(&f).expect("read"), values);
        let rendered = re.replace_all(&text, |c: &regex::Captures| eval(&c[1], values));
        let v: Value = serde_saphyr::from_str(&rendered)
            .unwrap_or_else(|e| panic!("{}: {e}\n{rendered}", f.display()));
        out.push(v);
    }
    out
}

fn key(v: &Value) -> String {
    format!(
        "{}/{}",
        v["kind"].as_str().unwrap_or(""),
        v["metadata"]["name"].as_str().unwrap_or("")
    )
}

fn normalise(mut objs: Vec<Value>) -> Vec<Value> {
    for o in &mut objs {
        if o["kind"] == "Secret" {
            o["data"]["token"] = Value::String("TOKEN".into());
        }
    }
    objs.sort_by_key(key);
    objs
}

fn install_json(sets: &[&str]) -> Vec<Value> {
    let dir = std::env::temp_dir().join(format!("mizu-helm-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mizu"));
    cmd.args(["install", "-o", "json"]).env("HOME", &dir);
    for s in sets {
        cmd.args(["--set", s]);
    }
    let out = cmd.output().expect("mizu");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json")
}

fn default_values() -> Value {
    serde_saphyr::from_str(&std::fs::read_to_string(chart().join("values.yaml")).expect("values"))
        .expect("values yaml")
}

fn assert_same(rendered: Vec<Value>, installed: Vec<Value>) {
    assert_eq!(rendered.len(), installed.len(), "one template per object");
    let (a, b) = (normalise(rendered), normalise(installed));
    for (r, i) in a.iter().zip(&b) {
        assert_eq!(
            r,
            i,
            "{} differs between the chart and `mizu install -o json`",
            key(i)
        );
    }
}

#[test]
fn chart_with_affinity_renders_the_same_as_install_with_it() {
    let agent = r#"{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[{"matchExpressions":[{"key":"pool","operator":"In","values":["capture"]}]}]}}}"#;
    let hub = "{podAntiAffinity: {preferredDuringSchedulingIgnoredDuringExecution: [{weight: 50, podAffinityTerm: {topologyKey: kubernetes.io/hostname, labelSelector: {matchLabels: {app: db}}}}]}}";
    let installed = install_json(&[
        &format!("kube.agent-affinity={agent}"),
        &format!("kube.hub-affinity={hub}"),
    ]);
    let mut values = default_values();
    values["agent"]["affinity"] = serde_json::from_str(agent).expect("json");
    values["hub"]["affinity"] = serde_saphyr::from_str(hub).expect("yaml");
    let ds = installed
        .iter()
        .find(|o| o["kind"] == "DaemonSet")
        .expect("daemonset");
    assert_eq!(
        ds["spec"]["template"]["spec"]["affinity"],
        values["agent"]["affinity"]
    );
    assert_same(render_chart(&values), installed);
}

#[test]
fn chart_renders_the_same_objects_as_install() {
    let installed = install_json(&[]);
    let values = default_values();
    let rendered = render_chart(&values);
    let b = normalise(installed.clone());
    assert_same(rendered, installed);
    // The chart's token is random per render, like install's.
    let secret = std::fs::read_to_string(chart().join("templates/secret.yaml")).expect("secret");
    assert!(secret.contains("randAlphaNum 48 | b64enc"));
    if Command::new("helm").arg("version").output().is_ok() {
        let out = Command::new("helm")
            .args(["template", "mizu"])
            .arg(chart())
            .output()
            .expect("helm");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        let docs: Vec<Value> = text
            .split("\n---")
            .filter(|d| d.contains("kind:"))
            .map(|d| serde_saphyr::from_str(d).expect("helm yaml"))
            .collect();
        assert_eq!(normalise(docs), b);
    }
}
