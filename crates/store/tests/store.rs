//! Store behaviour: byte budget and eviction, ids, queries from a position in both
//! directions, persistence and recovery from torn writes.

use mizu_store::*;
use std::path::PathBuf;
use std::time::Duration;

fn entry(ts: i64, body_len: usize) -> NewEntry {
    let body = "x".repeat(body_len);
    NewEntry {
        timestamp: ts,
        base: format!("{{\"timestamp\":{ts}}}").into_bytes(),
        entry: format!("{{\"timestamp\":{ts},\"body\":\"{body}\"}}").into_bytes(),
    }
}

fn mem_store(max: u64) -> Store {
    Store::open(StoreConfig {
        max_bytes: max,
        data_dir: None,
        sync: false,
        segment_bytes: None,
        ..StoreConfig::default()
    })
    .expect("open")
}

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("mizu-store-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn all(store: &Store) -> Vec<u64> {
    let spec = QuerySpec {
        left_off: Position::Id(0),
        direction: Direction::Newer,
        limit: usize::MAX,
        deadline: None,
    };
    store
        .query(&spec, &mut |_| true)
        .records
        .iter()
        .map(|r| r.id())
        .collect()
}

#[test]
fn records_carry_id_first_in_both_documents() {
    let s = mem_store(1 << 20);
    let r = s.append(vec![entry(5, 3)]).expect("append");
    assert_eq!(r[0].id(), 1);
    assert_eq!(
        r[0].entry_json(),
        b"{\"id\":\"000000000000000000000001\",\"timestamp\":5,\"body\":\"xxx\"}"
    );
    assert_eq!(
        r[0].base_json(),
        b"{\"id\":\"000000000000000000000001\",\"timestamp\":5}"
    );
    let v: serde_json::Value = serde_json::from_slice(r[0].entry_json()).expect("json");
    assert_eq!(v["id"], "000000000000000000000001");
    assert!(matches!(
        s.append(vec![NewEntry {
            timestamp: 0,
            base: b"{}".to_vec(),
            entry: b"[]".to_vec()
        }]),
        Err(StoreError::NotAnObject)
    ));
}

#[test]
fn eviction_keeps_bytes_within_budget_oldest_first() {
    let budget = 100_000;
    let s = mem_store(budget);
    let mut sizes = Vec::new();
    for i in 0..500 {
        let r = s.append(vec![entry(1000 + i, 900)]).expect("append");
        sizes.push(r[0].size());
        let st = s.stats();
        assert!(st.bytes <= budget, "bytes {} over budget", st.bytes);
    }
    let st = s.stats();
    let per = sizes[0];
    assert!(
        per >= 900 + RECORD_OVERHEAD,
        "accounted size includes overhead"
    );
    // The store is full: one more record would not fit.
    assert!(st.bytes + per > budget);
    assert_eq!(st.entries + st.evicted, 500);
    assert_eq!(st.bytes, st.entries * per);
    let ids = all(&s);
    // Oldest went first: what is left is the newest contiguous run.
    let first = 500 - st.entries + 1;
    assert_eq!(ids, (first..=500).collect::<Vec<_>>());
    // Truncated before: one past the newest evicted timestamp.
    assert_eq!(
        st.truncated_timestamp,
        Some(1000 + (first as i64 - 1) - 1 + 1)
    );
    let res = s.query(
        &QuerySpec {
            left_off: Position::Latest,
            direction: Direction::Older,
            limit: 1,
            deadline: None,
        },
        &mut |_| true,
    );
    assert_eq!(res.progress.truncated_timestamp, 1000 + first as i64 - 1);
    assert!(matches!(s.get(1), Lookup::Evicted));
    assert!(matches!(s.get(500), Lookup::Found(_)));
    assert!(matches!(s.get(501), Lookup::NotFound));
    // A record bigger than a quarter of the budget is refused, nothing changes.
    let before = s.stats().entries;
    assert!(matches!(
        s.append(vec![entry(1, 30_000)]),
        Err(StoreError::TooLarge { .. })
    ));
    assert_eq!(s.stats().entries, before);
    assert_eq!(s.last_id(), 500, "a refused batch takes no id");
}

#[test]
fn queries_from_left_off_in_both_directions() {
    let s = mem_store(10 << 20);
    for i in 1..=100 {
        s.append(vec![entry(i, 10)]).expect("append");
    }
    let even = |r: &Record| r.timestamp() % 2 == 0;
    let q = |left_off, direction, limit| QuerySpec {
        left_off,
        direction,
        limit,
        deadline: None,
    };
    // Older from latest: newest first.
    let r = s.query(&q(Position::Latest, Direction::Older, 3), &mut |r| even(r));
    let ids: Vec<u64> = r.records.iter().map(|r| r.id()).collect();
    assert_eq!(ids, vec![100, 98, 96]);
    assert_eq!(r.progress.left_off, format_id(96));
    assert_eq!(r.progress.current, 5);
    assert_eq!(r.progress.total, 100);
    assert!(!r.progress.no_more_data);
    // Continue from leftOff.
    let r = s.query(&q(Position::Id(96), Direction::Older, 2), &mut |r| even(r));
    let ids: Vec<u64> = r.records.iter().map(|r| r.id()).collect();
    assert_eq!(ids, vec![94, 92]);
    // Newer from an id, to the end.
    let r = s.query(&q(Position::Id(95), Direction::Newer, 100), &mut |_| true);
    let ids: Vec<u64> = r.records.iter().map(|r| r.id()).collect();
    assert_eq!(ids, vec![96, 97, 98, 99, 100]);
    assert!(r.progress.no_more_data);
    assert_eq!(r.progress.left_off, format_id(100));
    // Newer from latest: nothing stored yet, left_off is the newest id.
    let r = s.query(&q(Position::Latest, Direction::Newer, 10), &mut |_| true);
    assert!(r.records.is_empty());
    assert_eq!(r.progress.left_off, format_id(100));
    // Older from the start: nothing.
    let r = s.query(&q(Position::Id(1), Direction::Older, 10), &mut |_| true);
    assert!(r.records.is_empty() && r.progress.no_more_data);
    // Across chunk boundaries (4096 per lock hold).
    let big = mem_store(64 << 20);
    for chunk in 0..10 {
        big.append((0..1000).map(|i| entry(chunk * 1000 + i, 1)).collect())
            .expect("append");
    }
    let r = big.query(&q(Position::Latest, Direction::Older, 10_000), &mut |_| {
        true
    });
    assert_eq!(r.records.len(), 10_000);
    assert!(r.records.windows(2).all(|w| w[0].id() == w[1].id() + 1));
    let r = big.query(
        &q(Position::Id(4000), Direction::Newer, 10_000),
        &mut |_| true,
    );
    assert_eq!(r.records.len(), 6000);
    assert_eq!(r.records[0].id(), 4001);
}

#[test]
fn a_deadline_ends_the_scan_with_progress() {
    let s = mem_store(64 << 20);
    s.append((0..20_000).map(|i| entry(i, 1)).collect())
        .expect("append");
    let spec = QuerySpec {
        left_off: Position::Latest,
        direction: Direction::Older,
        limit: 100,
        deadline: Some(Deadline::after(Duration::ZERO)),
    };
    // Nothing matches, so only the deadline can stop it: after the first chunk.
    let r = s.query(&spec, &mut |_| false);
    assert!(r.progress.timed_out);
    assert!(r.progress.current > 0 && r.progress.current < 20_000);
    assert_eq!(
        r.progress.left_off,
        format_id(20_000 - r.progress.current + 1)
    );
}

#[test]
fn ids_survive_restart_and_are_never_reused() {
    let dir = tmpdir("restart");
    let cfg = StoreConfig {
        max_bytes: 1 << 20,
        data_dir: Some(dir.clone()),
        sync: true,
        segment_bytes: Some(1 << 20),
        ..StoreConfig::default()
    };
    {
        let s = Store::open(cfg.clone()).expect("open");
        for i in 0..10 {
            s.append(vec![entry(i, 100)]).expect("append");
        }
    }
    let s = Store::open(cfg.clone()).expect("reopen");
    assert_eq!(all(&s), (1..=10).collect::<Vec<_>>());
    let r = s.append(vec![entry(99, 5)]).expect("append");
    assert_eq!(r[0].id(), 11);
    let rec = s.stats().recovery.expect("recovery report");
    assert_eq!(rec.records, 10);
    assert_eq!(rec.truncated_bytes, 0);
    drop(s);
    let s = Store::open(cfg).expect("reopen");
    assert_eq!(s.last_id(), 11);
    match s.get(11) {
        Lookup::Found(r) => assert!(r.entry_json().ends_with(b"\"xxxxx\"}")),
        other => panic!("id 11: {other:?}"),
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn torn_tail_is_cut_and_earlier_records_kept() {
    let dir = tmpdir("torn");
    let cfg = StoreConfig {
        max_bytes: 1 << 20,
        data_dir: Some(dir.clone()),
        sync: false,
        segment_bytes: None,
        ..StoreConfig::default()
    };
    {
        let s = Store::open(cfg.clone()).expect("open");
        s.append((0..5).map(|i| entry(i, 50)).collect())
            .expect("append");
    }
    let seg = std::fs::read_dir(&dir)
        .expect("dir")
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "log"))
        .expect("segment");
    let len = std::fs::metadata(&seg).expect("meta").len();
    // A crash mid-write: half a frame at the end.
    {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&seg)
            .expect("open seg");
        f.write_all(&[200, 0, 0, 0, 1, 2, 3, 4, 9, 9])
            .expect("write");
    }
    let s = Store::open(cfg.clone()).expect("reopen");
    assert_eq!(all(&s), vec![1, 2, 3, 4, 5]);
    let rec = s.stats().recovery.expect("report");
    assert_eq!(rec.truncated_bytes, 10);
    assert_eq!(std::fs::metadata(&seg).expect("meta").len(), len);
    assert_eq!(s.append(vec![entry(9, 1)]).expect("append")[0].id(), 6);
    drop(s);
    // A flipped byte inside the last record: its CRC fails, it is cut, the rest stays.
    let mut bytes = std::fs::read(&seg).expect("read");
    let n = bytes.len();
    bytes[n - 3] ^= 0xff;
    std::fs::write(&seg, &bytes).expect("write");
    let s = Store::open(cfg).expect("reopen");
    assert_eq!(all(&s), vec![1, 2, 3, 4, 5]);
    // Disk damage (not a crash: a crash can only tear a frame that was never fsynced, so
    // never acknowledged nor shown) loses the damaged record, and nothing on disk
    // remembers its id any more: the next id is 6 again.
    assert_eq!(s.last_id(), 5);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn evicted_segments_are_deleted_and_disk_stays_bounded() {
    let dir = tmpdir("segments");
    let budget = 4 << 20;
    let cfg = StoreConfig {
        max_bytes: budget,
        data_dir: Some(dir.clone()),
        sync: false,
        segment_bytes: Some(1 << 20),
        ..StoreConfig::default()
    };
    let s = Store::open(cfg.clone()).expect("open");
    for i in 0..200 {
        s.append((0..50).map(|j| entry(i * 50 + j, 1000)).collect())
            .expect("append");
    }
    let st = s.stats();
    assert!(st.evicted > 0);
    assert!(st.bytes <= budget);
    assert!(
        st.disk_bytes <= budget + (2 << 20),
        "disk {} should stay near the budget",
        st.disk_bytes
    );
    let kept = all(&s);
    drop(s);
    let s = Store::open(cfg).expect("reopen");
    assert_eq!(all(&s), kept, "restart keeps exactly what was kept");
    assert!(s.stats().truncated_timestamp.is_some());
    assert_eq!(s.append(vec![entry(0, 1)]).expect("append")[0].id(), 10_001);
    let _ = std::fs::remove_dir_all(dir);
}

/// Every entry of every protocol's expected output (`testdata/*/*.expected.jsonl`).
fn real_entries() -> Vec<Vec<u8>> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("testdata")
        .flatten()
        .flat_map(|d| std::fs::read_dir(d.path()).into_iter().flatten().flatten())
        .map(|f| f.path())
        .filter(|p| p.to_string_lossy().ends_with(".expected.jsonl"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).expect("read");
        out.extend(
            text.lines()
                .filter(|l| l.starts_with('{'))
                .map(|l| l.as_bytes().to_vec()),
        );
    }
    assert!(out.len() > 500);
    out
}

/// What a scan must return, computed the obvious way: the ids in scan order from
/// `left_off`, the first `limit` matches, and the progress.
fn reference(ids: &[u64], matches: &dyn Fn(u64) -> bool, spec: &QuerySpec) -> (Vec<u64>, Progress) {
    let last = ids.last().copied().unwrap_or(0);
    let order: Vec<u64> = match (spec.direction, spec.left_off) {
        (Direction::Newer, Position::Id(c)) => ids.iter().copied().filter(|&i| i > c).collect(),
        (Direction::Newer, Position::Latest) => Vec::new(),
        (Direction::Older, Position::Id(c)) => {
            ids.iter().rev().copied().filter(|&i| i < c).collect()
        }
        (Direction::Older, Position::Latest) => ids.iter().rev().copied().collect(),
    };
    let mut out = Vec::new();
    let mut current = 0;
    let mut left_off = match (spec.direction, spec.left_off) {
        (_, Position::Id(c)) => format_id(c),
        (Direction::Newer, Position::Latest) => format_id(last),
        (Direction::Older, Position::Latest) => "latest".to_owned(),
    };
    let mut stopped = spec.limit == 0;
    if !stopped {
        for &id in &order {
            current += 1;
            left_off = format_id(id);
            if matches(id) {
                out.push(id);
                if out.len() >= spec.limit {
                    stopped = true;
                    break;
                }
            }
        }
    }
    let progress = Progress {
        current,
        total: ids.len() as u64,
        left_off,
        truncated_timestamp: 0,
        matched: out.len() as u64,
        timed_out: false,
        no_more_data: !stopped,
    };
    (out, progress)
}

/// The facet path (prefilter, candidates matched in groups with read-ahead) returns
/// exactly the first `limit` entries `matches_json` accepts in scan order, with the
/// right progress (records scanned, `leftOff`), from every position, in both
/// directions, for limits that stop inside a chunk, at its end or never; and it really
/// skips records. The plain path (`Store::query`) is held to the same reference.
#[test]
fn faceted_scans_equal_plain_scans() {
    let entries = real_entries();
    let s = mem_store(1 << 30);
    let n = 9_500; // more than two scan chunks
    for k in (0..n).step_by(500) {
        let batch = (k..k + 500)
            .map(|i| NewEntry {
                timestamp: i as i64,
                base: b"{}".to_vec(),
                entry: entries[i % entries.len()].clone(),
            })
            .collect();
        s.append(batch).expect("append");
    }
    let ctx = mizu_query::EvalContext { now_ms: 0 };
    let all_ids = all(&s);
    assert_eq!(all_ids.len(), n);
    let mut evaluated_total = 0usize;
    let mut scanned_total = 0u64;
    for src in [
        "",
        "http",
        "false",
        "http and response.status >= 400",
        "redis or kafka",
        r#"request.path == "/json""#,
        r#"http and request.method == "POST""#,
        r#"request.headers["User-Agent"].startsWith("curl")"#,
        r#"!amqp and request.headers["user-agent"] != nil"#,
    ] {
        let q = mizu_query::compile(src).expect("filter");
        // Which ids match, from the bytes each record was made of.
        let matching: std::collections::HashSet<u64> = all_ids
            .iter()
            .copied()
            .filter(|&id| {
                let e = &entries[(id - 1) as usize % entries.len()];
                let json = format!(
                    r#"{{"id":"{}",{}"#,
                    format_id(id),
                    &String::from_utf8_lossy(e)[1..]
                );
                q.matches_json(json.as_bytes(), &ctx)
            })
            .collect();
        let by_id = |id: u64| matching.contains(&id);
        for direction in [Direction::Newer, Direction::Older] {
            for left_off in [
                Position::Latest,
                Position::Id(0),
                Position::Id(4_200),
                Position::Id(n as u64 + 5),
            ] {
                for limit in [0, 1, 7, 1_000, 4_096, usize::MAX] {
                    let spec = QuerySpec {
                        left_off,
                        direction,
                        limit,
                        deadline: None,
                    };
                    let plain = s.query(&spec, &mut |r| q.matches_json(r.entry_json(), &ctx));
                    let mut evaluated = 0;
                    let faceted = s.query_faceted(
                        &spec,
                        &mut |f| q.prefilter(f),
                        &mut |r| q.prefetch_indexed(r.entry_json(), r.top_index()),
                        &mut |r| {
                            evaluated += 1;
                            q.matches_json_indexed(r.entry_json(), r.top_index(), &ctx)
                        },
                    );
                    let ids =
                        |r: &QueryResult| r.records.iter().map(|r| r.id()).collect::<Vec<_>>();
                    let what = format!("{src:?} {direction:?} from {left_off:?} limit {limit}");
                    let (want_ids, want_progress) = reference(&all_ids, &by_id, &spec);
                    assert_eq!(ids(&plain), want_ids, "plain {what}");
                    assert_eq!(plain.progress, want_progress, "plain {what}");
                    assert_eq!(ids(&faceted), want_ids, "{what}");
                    assert_eq!(faceted.progress, want_progress, "{what}");
                    if !src.contains("request.") {
                        // Decided by facets alone: no record's JSON was evaluated.
                        assert_eq!(evaluated, 0, "{what}");
                    }
                    evaluated_total += evaluated;
                    scanned_total += plain.progress.current;
                }
            }
        }
    }
    // Most records were decided by their facets alone.
    assert!(scanned_total > 100_000);
    assert!(
        (evaluated_total as u64) * 2 < scanned_total,
        "evaluated {evaluated_total} of {scanned_total}"
    );
}
