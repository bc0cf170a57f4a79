//! Throughput of the WebSocket dissector alone: a chat/feed-like stream of 20 000 small
//! JSON text messages (masked from the client, plain from the server), once uncompressed
//! and once with permessage-deflate and context takeover, fed through the real driver.
//! Reported as messages per second (each is one entry).

use std::hint::black_box;
use std::net::SocketAddr;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use flate2::{Compress, Compression, FlushCompress};
use mizu_dissect::{Driver, Limits, Output, SessionContext};
use mizu_dissectors::websocket;
use mizu_model::Direction;

const MESSAGES: usize = 20_000;
const PER_SEGMENT: usize = 8;

fn frame(rsv1: bool, mask: Option<[u8; 4]>, payload: &[u8]) -> Vec<u8> {
    let mut v = vec![0x81 | if rsv1 { 0x40 } else { 0 }];
    let m = if mask.is_some() { 0x80 } else { 0 };
    if payload.len() < 126 {
        v.push(m | payload.len() as u8);
    } else {
        v.push(m | 126);
        v.extend_from_slice(&(payload.len() as u16).to_be_bytes());
    }
    match mask {
        Some(k) => {
            v.extend_from_slice(&k);
            v.extend(payload.iter().enumerate().map(|(i, b)| b ^ k[i % 4]));
        }
        None => v.extend_from_slice(payload),
    }
    v
}

fn deflate(z: &mut Compress, data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + 64);
    z.compress_vec(data, &mut out, FlushCompress::Sync)
        .expect("compress");
    out.truncate(out.len().saturating_sub(4));
    out
}

/// (direction, segment) pairs: PER_SEGMENT messages per segment, alternating sides.
fn segments(compress: bool) -> Vec<(Direction, Vec<u8>)> {
    let mut zc = Compress::new(Compression::default(), false);
    let mut zs = Compress::new(Compression::default(), false);
    let mut out = Vec::new();
    for batch in 0..MESSAGES / PER_SEGMENT {
        let client = batch % 2 == 0;
        let mut seg = Vec::new();
        for i in 0..PER_SEGMENT {
            let n = batch * PER_SEGMENT + i;
            let msg = format!(
                r#"{{"type":"tick","seq":{n},"symbol":"MZU","price":{}.25,"user":"alice"}}"#,
                100 + n % 50
            );
            let z = if client { &mut zc } else { &mut zs };
            let payload = if compress {
                deflate(z, msg.as_bytes())
            } else {
                msg.into_bytes()
            };
            let mask = client.then_some([1, 2, 3, 4]);
            seg.extend(frame(compress, mask, &payload));
        }
        let dir = if client {
            Direction::ClientToServer
        } else {
            Direction::ServerToClient
        };
        out.push((dir, seg));
    }
    out
}

fn messages(c: &mut Criterion) {
    let ctx = SessionContext {
        flow: 1,
        client: SocketAddr::from(([10, 1, 0, 7], 51234)),
        server: SocketAddr::from(([10, 1, 0, 9], 8765)),
        limits: Limits::default(),
    };
    let mut group = c.benchmark_group("websocket");
    group.throughput(Throughput::Elements(MESSAGES as u64));
    for (name, compress, ext) in [
        ("json_text", false, ""),
        ("json_text_deflate", true, "permessage-deflate"),
    ] {
        let segments = segments(compress);
        group.bench_function(name, |b| {
            b.iter(|| {
                let session = websocket::session_with_extensions(ctx, ext);
                let mut driver = Driver::new(Some(session), 4 << 20);
                let mut out = Output::default();
                let mut entries = 0usize;
                let mut ts = 1_700_000_000_000_000_000u64;
                for (dir, seg) in &segments {
                    driver.data(*dir, ts, black_box(seg), &mut out);
                    ts += 500_000;
                    entries += out.entries.len();
                    black_box(&out.entries);
                    out.entries.clear();
                }
                driver.close(ts, &mut out);
                assert_eq!(entries, MESSAGES);
                assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
                entries
            })
        });
    }
    group.finish();
}

criterion_group!(benches, messages);
criterion_main!(benches);
