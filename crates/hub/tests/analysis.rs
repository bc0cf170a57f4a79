//! Validation rules and OpenAPI inference through the hub's API: rules annotate entries at
//! ingest (`rules.status == false` filters the failures), per-rule counters in `/metrics`,
//! reloading the file when it changes (and keeping the old rules when it no longer
//! compiles), and the `/oas` routes.

use mizu_analysis::rules::RuleSet;
mod common;

use common::{enc, get_json, http1_entries as entries, request, start};
use mizu_hub::{Hub, HubConfig};
use serde_json::Value;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

fn get(addr: SocketAddr, path: &str) -> (u16, String, String) {
    request(addr, "GET", path, "")
}

fn temp_file(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mizu-analysis-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let p = dir.join("rules.yaml");
    std::fs::write(&p, text).expect("write rules");
    p
}

const RULES: &str = r#"
rules:
  - name: json-body
    type: json
    key: "$.cookie_header"
    value: "lang=en"
    path: "/cookie"
  - name: nginx
    type: header
    key: "(?i)^server$"
    value: "nginx"
    path: ":8081/"
  - name: quick
    type: slo
    response-time: 1
"#;

#[test]
fn rules_at_ingest_filter_metrics_and_reload() {
    let path = temp_file("ingest", RULES);
    let (hub, addr) = start(HubConfig {
        rules_file: Some(path.clone()),
        oas: Some(Default::default()),
        ..common::config()
    });
    let all = entries();
    let set = RuleSet::parse(RULES).expect("rules");
    let outcomes: Vec<_> = all.iter().map(|e| set.evaluate(e)).collect();
    let failing = outcomes.iter().flatten().filter(|o| !o.status).count();
    let passing = outcomes.iter().flatten().filter(|o| o.status).count();
    assert!(
        failing > 0 && passing > 0,
        "{failing} failing, {passing} passing"
    );
    hub.ingest(all.clone()).expect("ingest");

    // The filter language sees the rules object.
    let q = enc("rules.status == false");
    let (st, v) = get_json(addr, &format!("/entries?query={q}&limit=10000"));
    assert_eq!(st, 200, "{v}");
    let rows = v["data"].as_array().expect("data");
    assert_eq!(rows.len(), failing);
    // The list item carries the short form (the UI marks these rows red).
    for r in rows {
        assert_eq!(r["rules"]["status"], false, "{r}");
        assert!(
            r["rules"]["numberOfRules"].as_u64().unwrap_or(0) >= 1,
            "{r}"
        );
        assert!(r["rules"].get("results").is_none(), "{r}");
    }
    let q = enc("rules.status == true");
    let (_, v) = get_json(addr, &format!("/entries?query={q}&limit=10000"));
    assert_eq!(v["data"].as_array().map(Vec::len), Some(passing));
    // The full entry has each rule's result and reason.
    let id = rows[0]["id"].as_str().expect("id");
    let (_, v) = get_json(addr, &format!("/entries/{id}"));
    let results = v["data"]["rules"]["results"].as_array().expect("results");
    assert!(
        results
            .iter()
            .any(|r| r["passed"] == false && r["reason"].as_str().is_some_and(|s| !s.is_empty())),
        "{results:?}"
    );

    // Per-rule counters.
    let (_, _, metrics) = get(addr, "/metrics");
    for (i, rule) in ["json-body", "nginx", "quick"].iter().enumerate() {
        let fails = outcomes
            .iter()
            .flatten()
            .flat_map(|o| o.results.iter().zip(&o.indexes))
            .filter(|(r, idx)| **idx == i && !r.passed)
            .count();
        let line =
            format!("mizu_hub_rule_results_total{{rule=\"{rule}\",result=\"fail\"}} {fails}\n");
        assert!(metrics.contains(&line), "{line} in\n{metrics}");
    }
    let (_, v) = get_json(addr, "/rules");
    assert_eq!(v["rules"][0]["name"], "json-body");
    assert_eq!(v["reloads"], 0);

    // Reload: the file changes, the next ingest (≥ 1 s later) uses the new rules.
    std::thread::sleep(Duration::from_millis(1100));
    std::fs::write(
        &path,
        "rules:\n  - name: everything-slow\n    type: latency\n    latency: 100000\n",
    )
    .expect("rewrite");
    hub.ingest(all[..1].to_vec()).expect("ingest");
    let (_, v) = get_json(addr, "/rules");
    assert_eq!(v["reloads"], 1, "{v}");
    assert_eq!(v["rules"][0]["name"], "everything-slow");
    assert_eq!(v["rules"][0]["passed"], 1, "{v}");
    let (_, v) = get_json(
        addr,
        &format!("/entries?query={}&limit=1", enc("rules.latency == 100000")),
    );
    assert_eq!(v["data"].as_array().map(Vec::len), Some(1), "{v}");

    // A broken file keeps the rules in force and says why.
    std::thread::sleep(Duration::from_millis(1100));
    std::fs::write(
        &path,
        "rules:\n  - name: broken\n    type: header\n    key: x\n",
    )
    .expect("rewrite");
    hub.ingest(all[..1].to_vec()).expect("ingest");
    let (_, v) = get_json(addr, "/rules");
    assert_eq!(v["rules"][0]["name"], "everything-slow", "{v}");
    assert_eq!(v["rules"][0]["passed"], 2, "{v}");
    let err = v["lastError"].as_str().expect("lastError");
    assert!(
        err.contains(r#"rule 1 ("broken"): `value`: missing"#),
        "{err}"
    );
    let (_, _, metrics) = get(addr, "/metrics");
    assert!(
        metrics.contains("mizu_hub_rules_reload_errors_total 1\n"),
        "{metrics}"
    );
    let _ = std::fs::remove_dir_all(path.parent().expect("dir"));
}

#[test]
fn bad_rules_file_is_an_error_naming_rule_and_field() {
    let path = temp_file(
        "bad",
        "rules:\n  - name: a\n    type: json\n    key: $.a\n  - name: b\n    type: slo\n    response-time: soon\n",
    );
    let e = Hub::new(HubConfig {
        rules_file: Some(path.clone()),
        ..common::config()
    })
    .err()
    .expect("refused");
    let msg = e.to_string();
    assert!(
        msg.contains(r#"rule 2 ("b"): `response-time`: must be a number of milliseconds >= 1"#),
        "{msg}"
    );
    assert!(msg.contains("rules.yaml"), "{msg}");
    let _ = std::fs::remove_dir_all(path.parent().expect("dir"));
}

#[test]
fn oas_routes() {
    let (hub, addr) = start(HubConfig {
        oas: Some(Default::default()),
        ..common::config()
    });
    hub.ingest(entries()).expect("ingest");
    let (st, v) = get_json(addr, "/oas/");
    assert_eq!(st, 200);
    let services: Vec<String> = serde_json::from_value(v).expect("names");
    assert!(
        services.contains(&"10.250.0.11:8081".to_owned()),
        "{services:?}"
    );
    let (_, v) = get_json(addr, "/oas?details=true");
    assert!(v[0]["entries"].as_u64().unwrap_or(0) > 0, "{v}");
    let (st, head, body) = get(addr, "/oas/10.250.0.11%3A8081?download=true");
    assert_eq!(st, 200);
    assert!(
        head.contains("attachment; filename=\"10.250.0.11_8081.openapi.json\""),
        "{head}"
    );
    let doc: Value = serde_json::from_str(&body).expect("doc");
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(doc["paths"]["/index.html"]["get"].is_object(), "{doc}");
    let (_, all) = get_json(addr, "/oas/all");
    assert_eq!(all.as_object().map(|o| o.len()), Some(services.len()));
    let (st, v) = get_json(addr, "/oas/nope");
    assert_eq!(st, 404);
    assert!(
        v["error"].as_str().is_some_and(|e| e.contains("GET /oas")),
        "{v}"
    );
    let (_, _, metrics) = get(addr, "/metrics");
    assert!(
        metrics.contains(&format!("mizu_hub_oas_services {}\n", services.len())),
        "{metrics}"
    );
    // Off: a JSON 404 that says how to turn it on.
    let (_, addr) = start(common::config());
    let (st, v) = get_json(addr, "/oas");
    assert_eq!(st, 404);
    assert!(
        v["error"]
            .as_str()
            .is_some_and(|e| e.contains("oas.enable")),
        "{v}"
    );
}
