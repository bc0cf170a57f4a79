//! Throughput of the HTTP/1 dissector alone: a keep-alive connection carrying 10 000
//! exchanges of a typical GET and a small JSON response, fed through the real driver one
//! segment per message (as the engine does). Reported as exchanges per second.

use std::hint::black_box;
use std::net::SocketAddr;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mizu_dissect::{Dissector, Driver, Limits, Output, SessionContext};
use mizu_dissectors::http1::Http1;
use mizu_model::Direction;

const EXCHANGES: u64 = 10_000;

const REQUEST: &[u8] = b"GET /api/v1/users/42?include=profile HTTP/1.1\r\n\
Host: users.default.svc.cluster.local\r\n\
User-Agent: Go-http-client/1.1\r\n\
Accept: application/json\r\n\
Accept-Encoding: gzip\r\n\
X-Request-Id: 0b5d3c1e-8f6a-4a2b-9c1d-2e3f4a5b6c7d\r\n\
\r\n";

const RESPONSE: &[u8] = b"HTTP/1.1 200 OK\r\n\
Content-Type: application/json; charset=utf-8\r\n\
Date: Mon, 23 Nov 2026 07:13:17 GMT\r\n\
Content-Length: 81\r\n\
\r\n\
{\"id\":42,\"name\":\"Ada Lovelace\",\"email\":\"ada@example.com\",\"roles\":[\"admin\",\"dev\"]}";

fn conversation(c: &mut Criterion) {
    let ctx = SessionContext {
        flow: 1,
        client: SocketAddr::from(([10, 1, 0, 7], 51234)),
        server: SocketAddr::from(([10, 1, 0, 9], 8080)),
        limits: Limits::default(),
    };
    let mut group = c.benchmark_group("http1");
    group.throughput(Throughput::Elements(EXCHANGES));
    group.bench_function("keep_alive_get_json", |b| {
        b.iter(|| {
            let mut driver = Driver::new(Some(Http1.new_session(ctx)), 4 << 20);
            let mut out = Output::default();
            let mut entries = 0usize;
            let mut ts = 1_700_000_000_000_000_000u64;
            for _ in 0..EXCHANGES {
                driver.data(Direction::ClientToServer, ts, black_box(REQUEST), &mut out);
                ts += 350_000;
                driver.data(Direction::ServerToClient, ts, black_box(RESPONSE), &mut out);
                ts += 1_000_000;
                entries += out.entries.len();
                black_box(&out.entries);
                out.entries.clear();
            }
            driver.close(ts, &mut out);
            assert_eq!(entries as u64, EXCHANGES);
            entries
        })
    });
    group.finish();
}

criterion_group!(benches, conversation);
criterion_main!(benches);
