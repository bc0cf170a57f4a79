//! Cost of naming one entry at ingest ([`mizu_hub::names::Names::apply`]: destination by
//! `ip:port` then `ip`, source by `ip`, namespace) in a cluster-sized table: 5,000 pods,
//! 1,000 Services with 2 ports each, every pod an endpoint of some Service. Plus the
//! merge check ([`mizu_hub::names::Merger`]) that follows it for Service traffic.
//!
//! `cargo bench -p mizu-hub --bench names`

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mizu_hub::names::{Merger, NameInfo, Names, Source};
use mizu_model::{Endpoint, Entry};
use std::hint::black_box;

fn table() -> Names {
    let mut n = Names::default();
    for s in 0..1000u32 {
        let ip = format!("10.96.{}.{}", s / 250, s % 250 + 1);
        let info = NameInfo::new(&format!("svc-{s}.ns-{}", s % 20), "ns", Source::Service);
        n.insert_ip(&ip, info.clone());
        n.insert_ip_port(&ip, 80, info.clone());
        n.insert_ip_port(&ip, 443, info);
    }
    for p in 0..5000u32 {
        let ip = format!("10.244.{}.{}", p / 250, p % 250 + 1);
        let ep = NameInfo::new(
            &format!("svc-{}.ns-{}", p % 1000, p % 20),
            "ns",
            Source::Endpoint,
        );
        n.insert_ip(&ip, ep.clone());
        n.insert_ip_port(&ip, 8080, ep);
        n.insert_ip(
            &ip,
            NameInfo::new(&format!("pod-{p}.ns"), "ns", Source::Pod),
        );
    }
    n
}

fn entries() -> Vec<Entry> {
    let line = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../testdata/http1/01-keepalive-bridge.expected.jsonl"),
    )
    .expect("testdata");
    let base: Entry = serde_json::from_str(line.lines().next().expect("line")).expect("entry");
    (0..1024u32)
        .map(|i| {
            let mut e = base.clone();
            e.src = Endpoint {
                ip: format!("10.244.{}.{}", (i * 7) % 20, i % 250 + 1).into(),
                port: format!("{}", 30000 + i).into(),
                name: Default::default(),
            };
            // Half to a Service address, half to an endpoint, a few unknown.
            e.dst = Endpoint {
                ip: match i % 3 {
                    0 => format!("10.96.{}.{}", i % 4, i % 250 + 1),
                    1 => format!("10.244.{}.{}", i % 20, (i * 3) % 250 + 1),
                    _ => format!("192.168.{}.{}", i % 4, i % 250 + 1),
                }
                .into(),
                port: if i % 3 == 1 { "8080" } else { "80" }.into(),
                name: Default::default(),
            };
            e
        })
        .collect()
}

fn names(c: &mut Criterion) {
    let table = table();
    let fixtures = entries();
    let mut g = c.benchmark_group("hub names");
    g.throughput(Throughput::Elements(fixtures.len() as u64));
    g.bench_function("apply, 1024 entries, 5k pods + 1k services", |b| {
        let mut work = fixtures.clone();
        b.iter(|| {
            for e in &mut work {
                e.namespace.clear();
                black_box(table.apply(e));
            }
        })
    });
    g.bench_function("apply + merge check, 1024 entries", |b| {
        let mut work = fixtures.clone();
        let mut m = Merger::default();
        b.iter(|| {
            for e in &mut work {
                e.namespace.clear();
                let d = table.apply(e);
                black_box(m.is_duplicate(e, d, "GET", "/"));
            }
        })
    });
    g.finish();
}

criterion_group!(benches, names);
criterion_main!(benches);
