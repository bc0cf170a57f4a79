//! The fake API server (mizu-kubefake) against the real clients: kube-rs (list, watch with
//! re-list after 410, create/get/delete, apply, access reviews, port-forward) and kubectl.

use std::time::Duration;

use futures_util::StreamExt;
use k8s_openapi::api::apps::v1::DaemonSet;
use k8s_openapi::api::authorization::v1::{
    ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec,
};
use k8s_openapi::api::core::v1::{ConfigMap, Event, Pod};
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams, PostParams};
use kube::runtime::watcher;
use kube::{Client, Config};
use mizu_kubefake::{FakeApi, PodFate};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn client(api: &FakeApi) -> Client {
    let dir = std::env::temp_dir().join(format!(
        "kubefake-test-{}-{}",
        std::process::id(),
        api.addr().port()
    ));
    std::fs::create_dir_all(&dir).expect("tmp dir");
    let path = dir.join("kubeconfig");
    api.write_kubeconfig(&path, "default").expect("kubeconfig");
    let kc = kube::config::Kubeconfig::read_from(&path).expect("read kubeconfig");
    let cfg = Config::from_custom_kubeconfig(kc, &Default::default())
        .await
        .expect("config");
    Client::try_from(cfg).expect("client")
}

fn pod(name: &str, ns: &str, labels: serde_json::Value) -> serde_json::Value {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": ns, "labels": labels},
           "spec": {"containers": [{"name": "c", "image": "busybox"}]}, "status": {"phase": "Running", "podIP": "10.1.1.1"}})
}

#[tokio::test]
async fn list_pages_selectors_create_get_delete() {
    let api = FakeApi::start().await.expect("start");
    for i in 0..7 {
        api.put(pod(
            &format!("p{i}"),
            "default",
            json!({"app": if i % 2 == 0 { "even" } else { "odd" }}),
        ));
    }
    let c = client(&api).await;
    let pods: Api<Pod> = Api::namespaced(c.clone(), "default");
    let page = pods
        .list(&ListParams::default().limit(3))
        .await
        .expect("list");
    assert_eq!(page.items.len(), 3);
    let cont = page.metadata.continue_.clone().expect("continue token");
    assert!(
        !page
            .metadata
            .resource_version
            .clone()
            .unwrap_or_default()
            .is_empty()
    );
    let page2 = pods
        .list(&ListParams::default().limit(3).continue_token(&cont))
        .await
        .expect("page 2");
    assert_eq!(page2.items.len(), 3);
    let even = pods
        .list(&ListParams::default().labels("app=even"))
        .await
        .expect("labels");
    assert_eq!(even.items.len(), 4);
    let notin = pods
        .list(&ListParams::default().labels("app notin (even),app"))
        .await
        .expect("notin");
    assert_eq!(notin.items.len(), 3);
    let byname = pods
        .list(&ListParams::default().fields("metadata.name=p3"))
        .await
        .expect("fields");
    assert_eq!(byname.items.len(), 1);

    let cms: Api<ConfigMap> = Api::namespaced(c.clone(), "default");
    let cm: ConfigMap =
        serde_json::from_value(json!({"metadata": {"name": "cfg"}, "data": {"a": "1"}}))
            .expect("cm");
    let made = cms
        .create(&PostParams::default(), &cm)
        .await
        .expect("create");
    assert!(made.metadata.uid.is_some());
    let again = cms
        .create(&PostParams::default(), &cm)
        .await
        .expect_err("second create");
    match again {
        kube::Error::Api(s) => {
            assert_eq!(s.code, 409);
            assert_eq!(s.reason, "AlreadyExists");
        }
        e => panic!("unexpected {e}"),
    }
    assert_eq!(
        cms.get("cfg").await.expect("get").data.expect("data")["a"],
        "1"
    );
    // server-side apply merges into the existing object
    let patch = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}, "data": {"b": "2"}});
    let applied = cms
        .patch(
            "cfg",
            &PatchParams::apply("mizu").force(),
            &Patch::Apply(&patch),
        )
        .await
        .expect("apply");
    assert_eq!(applied.data.expect("data").len(), 2);
    cms.delete("cfg", &DeleteParams::default())
        .await
        .expect("delete");
    match cms.get("cfg").await.expect_err("gone") {
        kube::Error::Api(s) => assert_eq!(s.code, 404),
        e => panic!("unexpected {e}"),
    }
    assert!(cms.get_opt("cfg").await.expect("get_opt").is_none());
    let reqs = api.requests();
    assert!(
        reqs.iter()
            .any(|r| r.starts_with("POST /api/v1/namespaces/default/configmaps")),
        "{reqs:?}"
    );
}

type Events = futures_util::stream::BoxStream<'static, Result<watcher::Event<Pod>, watcher::Error>>;

async fn next(w: &mut Events) -> watcher::Event<Pod> {
    next_or_err(w).await.expect("ok")
}

async fn next_or_err(w: &mut Events) -> Result<watcher::Event<Pod>, watcher::Error> {
    tokio::time::timeout(Duration::from_secs(10), w.next())
        .await
        .expect("event in time")
        .expect("stream")
}

#[tokio::test]
async fn watcher_follows_changes_and_relists_after_410() {
    let api = FakeApi::start().await.expect("start");
    api.put(pod("a", "default", json!({"app": "x"})));
    let c = client(&api).await;
    let pods: Api<Pod> = Api::namespaced(c, "default");
    let mut w: Events = watcher(pods, watcher::Config::default().labels("app=x")).boxed();
    let mut seen = Vec::new();
    // initial list: Init, InitApply(a), InitDone
    loop {
        match next(&mut w).await {
            watcher::Event::InitApply(p) => seen.push(p.metadata.name.unwrap_or_default()),
            watcher::Event::InitDone => break,
            _ => {}
        }
    }
    assert_eq!(seen, ["a"]);
    api.put(pod("b", "default", json!({"app": "x"})));
    api.put(pod("other", "default", json!({"app": "y"})));
    match next(&mut w).await {
        watcher::Event::Apply(p) => assert_eq!(p.metadata.name.as_deref(), Some("b")),
        e => panic!("expected Apply(b), got {e:?}"),
    }
    assert!(api.remove("v1", "Pod", Some("default"), "a"));
    match next(&mut w).await {
        watcher::Event::Delete(p) => assert_eq!(p.metadata.name.as_deref(), Some("a")),
        e => panic!("expected Delete(a), got {e:?}"),
    }
    let lists_before = api
        .requests()
        .iter()
        .filter(|r| r.contains("/pods?") && !r.contains("watch="))
        .count();
    api.expire_watches();
    // the watcher reports the 410 and re-lists: a new Init .. InitDone with b only
    match next_or_err(&mut w).await {
        Err(watcher::Error::WatchError(s)) => {
            assert_eq!((s.code, s.reason.as_str()), (410, "Expired"))
        }
        e => panic!("expected the 410, got {e:?}"),
    }
    let mut relisted = Vec::new();
    loop {
        match next(&mut w).await {
            watcher::Event::InitApply(p) => relisted.push(p.metadata.name.unwrap_or_default()),
            watcher::Event::InitDone => break,
            _ => {}
        }
    }
    assert_eq!(relisted, ["b"]);
    let lists_after = api
        .requests()
        .iter()
        .filter(|r| r.contains("/pods?") && !r.contains("watch="))
        .count();
    assert!(lists_after > lists_before);
}

#[tokio::test]
async fn access_review_and_forbidden() {
    let api = FakeApi::start().await.expect("start");
    api.deny("create", "rbac.authorization.k8s.io", "clusterroles");
    let c = client(&api).await;
    let ssar: Api<SelfSubjectAccessReview> = Api::all(c.clone());
    let ask = |verb: &str, group: &str, resource: &str| SelfSubjectAccessReview {
        spec: SelfSubjectAccessReviewSpec {
            resource_attributes: Some(ResourceAttributes {
                verb: Some(verb.into()),
                group: Some(group.into()),
                resource: Some(resource.into()),
                ..Default::default()
            }),
            ..Default::default()
        },
        ..Default::default()
    };
    let r = ssar
        .create(
            &PostParams::default(),
            &ask("create", "rbac.authorization.k8s.io", "clusterroles"),
        )
        .await
        .expect("ssar");
    assert!(!r.status.expect("status").allowed);
    let r = ssar
        .create(&PostParams::default(), &ask("create", "", "pods"))
        .await
        .expect("ssar");
    assert!(r.status.expect("status").allowed);
    let cr: Api<k8s_openapi::api::rbac::v1::ClusterRole> = Api::all(c);
    let obj = serde_json::from_value(json!({"metadata": {"name": "x"}})).expect("cr");
    match cr
        .create(&PostParams::default(), &obj)
        .await
        .expect_err("forbidden")
    {
        kube::Error::Api(s) => assert_eq!(s.code, 403),
        e => panic!("unexpected {e}"),
    }
}

#[tokio::test]
async fn port_forward_reaches_local_server() {
    let api = FakeApi::start().await.expect("start");
    let echo = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let echo_addr = echo.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((mut s, _)) = echo.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 1024];
                while let Ok(n) = s.read(&mut buf).await {
                    if n == 0 || s.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    api.put(pod("hub-1", "mizu", json!({})));
    api.forward_to("hub-", 8899, echo_addr);
    let c = client(&api).await;
    let pods: Api<Pod> = Api::namespaced(c, "mizu");
    let mut pf = pods
        .portforward("hub-1", &[8899])
        .await
        .expect("portforward");
    let mut s = pf.take_stream(8899).expect("stream");
    s.write_all(b"hello through the API server")
        .await
        .expect("write");
    let mut buf = vec![0u8; 28];
    tokio::time::timeout(Duration::from_secs(5), s.read_exact(&mut buf))
        .await
        .expect("in time")
        .expect("read");
    assert_eq!(&buf, b"hello through the API server");
    drop(s);
    // a port with no target reports an error on the error channel
    let mut pf2 = pods
        .portforward("hub-1", &[1234])
        .await
        .expect("portforward 2");
    let err = pf2.take_error(1234).expect("error channel");
    let msg = tokio::time::timeout(Duration::from_secs(5), err)
        .await
        .expect("in time");
    assert!(msg.unwrap_or_default().contains("1234"));
    drop(pf);
}

#[tokio::test]
async fn kubelet_runs_daemonset_pods_and_reports_pull_failures() {
    let api = FakeApi::start().await.expect("start");
    api.add_node("node-a", "172.18.0.2");
    api.add_node("node-b", "172.18.0.3");
    api.kubelet(true);
    api.set_start_delay(Duration::from_millis(50));
    api.pod_fate(
        "bad.example/",
        PodFate::ImagePullBackOff("Failed to pull image \"bad.example/mizu:1\": not found".into()),
    );
    api.put(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "mizu"}}));
    let c = client(&api).await;
    let ds: Api<DaemonSet> = Api::namespaced(c.clone(), "mizu");
    let mk = |name: &str, image: &str| -> DaemonSet {
        serde_json::from_value(json!({"metadata": {"name": name},
            "spec": {"selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [{"name": "agent", "image": image}]}}}}))
        .expect("ds")
    };
    ds.create(&PostParams::default(), &mk("good", "mizu:1"))
        .await
        .expect("create");
    ds.create(&PostParams::default(), &mk("bad", "bad.example/mizu:1"))
        .await
        .expect("create");
    let pods: Api<Pod> = Api::namespaced(c.clone(), "mizu");
    let mut tries = 0;
    loop {
        let l = pods
            .list(&ListParams::default().labels("app=good"))
            .await
            .expect("list");
        let running = l
            .items
            .iter()
            .filter(|p| p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running"))
            .count();
        if running == 2 {
            let nodes: Vec<_> = l
                .items
                .iter()
                .filter_map(|p| p.spec.as_ref().and_then(|s| s.node_name.clone()))
                .collect();
            assert!(nodes.contains(&"node-a".to_string()) && nodes.contains(&"node-b".to_string()));
            break;
        }
        tries += 1;
        assert!(tries < 200, "good pods never ran");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let bad = pods
        .list(&ListParams::default().labels("app=bad"))
        .await
        .expect("list");
    assert_eq!(bad.items.len(), 2);
    for p in &bad.items {
        let reason = p
            .status
            .as_ref()
            .and_then(|s| s.container_statuses.as_ref())
            .and_then(|c| c[0].state.as_ref())
            .and_then(|s| s.waiting.as_ref())
            .and_then(|w| w.reason.clone());
        assert_eq!(reason.as_deref(), Some("ImagePullBackOff"));
    }
    let events: Api<Event> = Api::namespaced(c.clone(), "mizu");
    let evs = events.list(&ListParams::default()).await.expect("events");
    assert!(
        evs.items
            .iter()
            .any(|e| e.reason.as_deref() == Some("Failed")
                && e.message.as_deref().unwrap_or("").contains("not found"))
    );
    // deleting the DaemonSet garbage-collects its pods
    ds.delete("good", &DeleteParams::default())
        .await
        .expect("delete");
    assert!(
        pods.list(&ListParams::default().labels("app=good"))
            .await
            .expect("list")
            .items
            .is_empty()
    );
    let dss = ds.get("bad").await.expect("ds");
    assert_eq!(dss.status.expect("status").desired_number_scheduled, 2);
}

#[tokio::test]
async fn kubectl_works_against_the_fake() {
    assert!(
        std::process::Command::new("kubectl")
            .arg("version")
            .arg("--client")
            .output()
            .is_ok(),
        "kubectl is not installed: run scripts/install-deps.sh (Debian package kubernetes-client)"
    );
    let api = FakeApi::start().await.expect("start");
    api.put(pod("web-1", "default", json!({"app": "web"})));
    let dir = std::env::temp_dir().join(format!("kubefake-kubectl-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let kc = dir.join("kubeconfig");
    api.write_kubeconfig(&kc, "default").expect("kubeconfig");
    let out = tokio::process::Command::new("kubectl")
        .args([
            "--kubeconfig",
            kc.to_str().unwrap_or_default(),
            "--cache-dir",
            dir.join("cache").to_str().unwrap_or_default(),
            "get",
            "pods",
            "-o",
            "jsonpath={.items[*].metadata.name}",
        ])
        .output()
        .await
        .expect("kubectl");
    assert!(
        out.status.success(),
        "kubectl failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "web-1");
}
