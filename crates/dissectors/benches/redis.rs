//! Throughput of the Redis dissector alone: 20 000 pipelined commands (`SET key v` and
//! `GET key`, as `redis-benchmark -t set,get -P 16` sends them), 16 per client segment
//! and their 16 replies per server segment, fed through the real driver. Reported as
//! commands per second (each is one entry).

use std::hint::black_box;
use std::net::SocketAddr;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mizu_dissect::{Dissector, Driver, Limits, Output, SessionContext};
use mizu_dissectors::redis::Redis;
use mizu_model::Direction;

const COMMANDS: usize = 20_000;
const PIPELINE: usize = 16;

fn segments() -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut out = Vec::new();
    for batch in 0..COMMANDS / PIPELINE {
        let (mut req, mut resp) = (Vec::new(), Vec::new());
        for i in 0..PIPELINE {
            let key = format!("key:{:012}", (batch * PIPELINE + i) % 1000);
            if i % 2 == 0 {
                req.extend_from_slice(
                    format!(
                        "*3\r\n$3\r\nSET\r\n${}\r\n{key}\r\n$3\r\nVXK\r\n",
                        key.len()
                    )
                    .as_bytes(),
                );
                resp.extend_from_slice(b"+OK\r\n");
            } else {
                req.extend_from_slice(
                    format!("*2\r\n$3\r\nGET\r\n${}\r\n{key}\r\n", key.len()).as_bytes(),
                );
                resp.extend_from_slice(b"$3\r\nVXK\r\n");
            }
        }
        out.push((req, resp));
    }
    out
}

fn pipelined(c: &mut Criterion) {
    let ctx = SessionContext {
        flow: 1,
        client: SocketAddr::from(([10, 1, 0, 7], 51234)),
        server: SocketAddr::from(([10, 1, 0, 9], 6379)),
        limits: Limits::default(),
    };
    let segments = segments();
    let mut group = c.benchmark_group("redis");
    group.throughput(Throughput::Elements(COMMANDS as u64));
    group.bench_function("pipelined_set_get", |b| {
        b.iter(|| {
            let mut driver = Driver::new(Some(Redis.new_session(ctx)), 4 << 20);
            let mut out = Output::default();
            let mut entries = 0usize;
            let mut ts = 1_700_000_000_000_000_000u64;
            for (req, resp) in &segments {
                driver.data(Direction::ClientToServer, ts, black_box(req), &mut out);
                ts += 350_000;
                driver.data(Direction::ServerToClient, ts, black_box(resp), &mut out);
                ts += 1_000_000;
                entries += out.entries.len();
                black_box(&out.entries);
                out.entries.clear();
            }
            driver.close(ts, &mut out);
            assert_eq!(entries, COMMANDS);
            entries
        })
    });
    group.finish();
}

criterion_group!(benches, pipelined);
criterion_main!(benches);
