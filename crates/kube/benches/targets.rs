//! Time from a pod's Running event at the API server to the new target list applied by
//! the agent of its node, on a node with 200 target pods: fake API server
//! (mizu-kubefake) → kube-runtime watcher → debounced plan → `Hub::set_targets` → agent
//! WebSocket → `Agent::targets`. One iteration = one pod put Running (it was Pending) and
//! polled for (every 1 ms) at the agent.
//!
//! `cargo bench -p mizu-kube --bench targets`

use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};
use mizu_agent::{Agent, AgentConfig};
use mizu_hub::{Hub, HubConfig};
use mizu_kube::target::{Namespaces, Selection};
use mizu_kube::watch::{DEFAULT_DEBOUNCE, Options};
use mizu_kubefake::FakeApi;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

fn pod(name: &str, phase: &str, ip: &str) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": "shop"},
        "spec": {"nodeName": "n1", "containers": [{"name": "c", "image": "x"}]},
        "status": {"phase": phase, "podIP": ip,
                   "podIPs": if ip.is_empty() { json!([]) } else { json!([{"ip": ip}]) }}
    })
}

fn has(a: &Agent, ip: &str) -> bool {
    a.targets()
        .borrow()
        .as_ref()
        .is_some_and(|l| l.addresses().any(|x| x == ip))
}

fn targets(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let api = rt.block_on(FakeApi::start()).expect("fake api");
    for i in 0..200 {
        api.put(pod(
            &format!("web-{i}"),
            "Running",
            &format!("10.244.{}.{}", i / 250, i % 250 + 1),
        ));
    }
    let dir = std::env::temp_dir().join(format!("mizu-kube-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp");
    let kc = dir.join("kubeconfig");
    api.write_kubeconfig(&kc, "shop").expect("kubeconfig");
    let hub = Hub::new(HubConfig {
        token: Some("t".into()),
        ..HubConfig::default()
    })
    .expect("hub");
    let addr = rt.block_on(async {
        let cluster = mizu_kube::cluster::connect(&mizu_kube::cluster::ConnectOptions {
            kubeconfig: Some(kc.clone()),
            context: None,
        })
        .await
        .expect("connect");
        let l = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = l.local_addr().expect("addr");
        let h = hub.clone();
        tokio::spawn(async move { h.serve(l, std::future::pending()).await });
        mizu_kube::watch::start(
            &cluster.client,
            &hub,
            Options {
                selection: Some(Selection::new(None, false, &[], Some("shop")).expect("sel")),
                names: false,
                scope: Namespaces::All,
                debounce: DEFAULT_DEBOUNCE,
            },
        );
        addr
    });
    let agent = Agent::start(AgentConfig {
        hub: format!("ws://{addr}"),
        token: "t".into(),
        node: "n1".into(),
        ..AgentConfig::default()
    })
    .expect("agent");
    for _ in 0..20_000 {
        if agent
            .targets()
            .borrow()
            .as_ref()
            .is_some_and(|l| l.targets.len() == 200)
        {
            break;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let mut g = c.benchmark_group("targets");
    g.sample_size(20)
        .sampling_mode(SamplingMode::Flat)
        .measurement_time(Duration::from_secs(2));
    let mut k = 0u32;
    g.bench_function("Running event to the agent of a 200-pod node", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                k += 1;
                let name = format!("new-{k}");
                let ip = format!("10.250.{}.{}", k / 250, k % 250 + 1);
                api.put(pod(&name, "Pending", ""));
                std::thread::sleep(Duration::from_millis(150));
                let t0 = Instant::now();
                api.put(pod(&name, "Running", &ip));
                for _ in 0..10_000 {
                    if has(&agent, &ip) {
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(1));
                }
                total += t0.elapsed();
                api.remove("v1", "Pod", Some("shop"), &name);
            }
            total
        })
    });
    g.finish();
    drop(agent);
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, targets);
criterion_main!(benches);
