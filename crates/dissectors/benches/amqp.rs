//! Throughput of the AMQP dissector alone: 10 000 `Basic.Publish` messages (method frame,
//! content header with `contentType`, `deliveryMode` and a small `headers` table, one body
//! frame of JSON), 8 per client segment, fed through the real driver after the connection
//! handshake's protocol header. Reported as messages per second (each is one entry).

use std::hint::black_box;
use std::net::SocketAddr;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mizu_dissect::{Dissector, Driver, Limits, Output, SessionContext};
use mizu_dissectors::amqp::Amqp;
use mizu_model::Direction;

const MESSAGES: usize = 10_000;
const BATCH: usize = 8;

fn frame(kind: u8, channel: u16, payload: &[u8]) -> Vec<u8> {
    let mut v = vec![kind];
    v.extend_from_slice(&channel.to_be_bytes());
    v.extend_from_slice(&(payload.len() as u32).to_be_bytes());
    v.extend_from_slice(payload);
    v.push(0xCE);
    v
}

fn shortstr(v: &mut Vec<u8>, s: &str) {
    v.push(s.len() as u8);
    v.extend_from_slice(s.as_bytes());
}

/// One Basic.Publish with its content header and body.
fn publish(n: usize) -> Vec<u8> {
    let body = format!("{{\"n\":{n},\"payload\":\"benchmark message\"}}");
    // Basic.Publish: ticket, exchange "", routing key "bench", mandatory/immediate bits.
    let mut m = vec![0, 60, 0, 40, 0, 0];
    shortstr(&mut m, "");
    shortstr(&mut m, "bench");
    m.push(0);
    // Content header: class 60, weight 0, body size, flags (contentType, headers,
    // deliveryMode), then the properties in flag order.
    let mut h = vec![0, 60, 0, 0];
    h.extend_from_slice(&(body.len() as u64).to_be_bytes());
    h.extend_from_slice(&(0x8000u16 | 0x2000 | 0x1000).to_be_bytes());
    shortstr(&mut h, "application/json");
    let mut table = Vec::new();
    shortstr(&mut table, "x-trace");
    table.push(b'S');
    table.extend_from_slice(&16u32.to_be_bytes());
    table.extend_from_slice(b"0af7651916cd43dd");
    shortstr(&mut table, "x-retries");
    table.push(b'I');
    table.extend_from_slice(&0i32.to_be_bytes());
    h.extend_from_slice(&(table.len() as u32).to_be_bytes());
    h.extend_from_slice(&table);
    h.push(1);
    let mut out = frame(1, 1, &m);
    out.extend(frame(2, 1, &h));
    out.extend(frame(3, 1, body.as_bytes()));
    out
}

fn publishes(c: &mut Criterion) {
    let ctx = SessionContext {
        flow: 1,
        client: SocketAddr::from(([10, 1, 0, 7], 51234)),
        server: SocketAddr::from(([10, 1, 0, 9], 5672)),
        limits: Limits::default(),
    };
    let segments: Vec<Vec<u8>> = (0..MESSAGES / BATCH)
        .map(|b| (0..BATCH).flat_map(|i| publish(b * BATCH + i)).collect())
        .collect();
    let mut group = c.benchmark_group("amqp");
    group.throughput(Throughput::Elements(MESSAGES as u64));
    group.bench_function("basic_publish", |b| {
        b.iter(|| {
            let mut driver = Driver::new(Some(Amqp.new_session(ctx)), 4 << 20);
            let mut out = Output::default();
            let mut entries = 0usize;
            let mut ts = 1_700_000_000_000_000_000u64;
            driver.data(
                Direction::ClientToServer,
                ts,
                b"AMQP\x00\x00\x09\x01",
                &mut out,
            );
            for seg in &segments {
                ts += 250_000;
                driver.data(Direction::ClientToServer, ts, black_box(seg), &mut out);
                entries += out.entries.len();
                black_box(&out.entries);
                out.entries.clear();
            }
            driver.close(ts, &mut out);
            assert_eq!(entries, MESSAGES);
            entries
        })
    });
    group.finish();
}

criterion_group!(benches, publishes);
criterion_main!(benches);
