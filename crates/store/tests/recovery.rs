//! Issue 12 item 7: recovery keeps everything intact. A segment of 300 records is damaged
//! on disk (a flipped byte, a broken length, a broken file header, a zeroed stretch); on
//! reopening every intact record comes back, the loss is reported exactly (file, bytes,
//! records), the damaged original is moved aside rather than cut, and the next start is
//! clean.

use mizu_store::{Direction, NewEntry, Position, QuerySpec, RecoveryReport, Store, StoreConfig};
use std::path::{Path, PathBuf};

const N: u64 = 300;

fn entry(i: u64) -> NewEntry {
    NewEntry {
        timestamp: i as i64,
        base: format!("{{\"timestamp\":{i}}}").into_bytes(),
        entry: format!(
            "{{\"timestamp\":{i},\"body\":\"{}\"}}",
            "y".repeat(40 + (i % 7) as usize)
        )
        .into_bytes(),
    }
}

fn config(dir: &Path) -> StoreConfig {
    StoreConfig {
        max_bytes: 64 << 20,
        data_dir: Some(dir.to_owned()),
        sync: false,
        segment_bytes: Some(64 << 20),
        ..StoreConfig::default()
    }
}

/// A data dir with one segment of records 1..=N; returns the dir and the segment.
fn setup(name: &str) -> (PathBuf, PathBuf) {
    let dir = std::env::temp_dir().join(format!("mizu-recovery-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let s = Store::open(config(&dir)).expect("open");
    for b in 0..(N / 30) {
        s.append((b * 30..b * 30 + 30).map(entry).collect())
            .expect("append");
    }
    drop(s);
    let seg = dir.join(format!("seg-{:020}.log", 1));
    assert!(seg.exists());
    (dir, seg)
}

/// Byte offset and total length (header included) of each frame, from an intact file.
fn frames(bytes: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut pos = 8;
    while pos < bytes.len() {
        let len = u32::from_le_bytes(bytes[pos..pos + 4].try_into().expect("4 bytes")) as usize;
        out.push((pos, 8 + len));
        pos += 8 + len;
    }
    out
}

fn ids(store: &Store) -> Vec<u64> {
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

fn report(store: &Store) -> RecoveryReport {
    store.stats().recovery.expect("a recovery report")
}

/// Reopens after damage: checks the kept ids, the report and the file moved aside; then
/// reopens once more and checks the second start is clean and appending continues.
fn check(dir: &Path, seg: &Path, damaged: &[u8], lost: &[u64], skipped: u64, bad_header: bool) {
    let s = Store::open(config(dir)).expect("reopen");
    let want: Vec<u64> = (1..=N).filter(|i| !lost.contains(i)).collect();
    assert_eq!(ids(&s), want);
    let r = report(&s);
    assert_eq!(r.records, want.len() as u64);
    assert_eq!(r.lost_records, lost.len() as u64);
    assert_eq!(r.skipped_bytes, skipped);
    assert_eq!(r.truncated_bytes, 0);
    assert_eq!(r.damaged_files, 1);
    let d = &r.files[0];
    assert_eq!(d.file, seg);
    assert_eq!(d.bad_header, bad_header);
    assert_eq!(d.records_kept, want.len() as u64);
    let aside = d.moved_to.clone().expect("original moved aside");
    assert_eq!(
        aside.file_name().and_then(|n| n.to_str()),
        Some("seg-00000000000000000001.log.damaged")
    );
    assert_eq!(
        std::fs::read(&aside).expect("aside"),
        damaged,
        "the original is kept as it was"
    );
    let msg = r.messages();
    assert_eq!(msg.len(), 1);
    let m = &msg[0];
    assert!(
        m.starts_with("recovery: seg-00000000000000000001.log: "),
        "{m}"
    );
    assert!(
        m.contains(&format!("({skipped} bytes, {} record", lost.len())),
        "{m}"
    );
    assert!(
        m.contains(&format!("kept {} intact records", want.len())),
        "{m}"
    );
    assert!(m.contains("moved to ") && m.contains(".damaged"), "{m}");
    if bad_header {
        assert!(m.contains("its header was damaged"), "{m}");
    }
    drop(s);
    let s = Store::open(config(dir)).expect("clean reopen");
    assert_eq!(ids(&s), want);
    let r = report(&s);
    assert!(r.files.is_empty() && r.messages().is_empty(), "{r:?}");
    assert_eq!(s.append(vec![entry(1)]).expect("append")[0].id(), N + 1);
    drop(s);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_flipped_byte_loses_one_record_only() {
    let (dir, seg) = setup("flip");
    let mut b = std::fs::read(&seg).expect("read");
    let f = frames(&b);
    assert_eq!(f.len() as u64, N);
    // Inside record 101's JSON: its CRC fails.
    let (at, len) = f[100];
    b[at + len - 10] ^= 0x01;
    std::fs::write(&seg, &b).expect("write");
    check(&dir, &seg, &b, &[101], len as u64, false);
}

#[test]
fn broken_lengths_never_allocate_and_resynchronise() {
    let (dir, seg) = setup("length");
    let mut b = std::fs::read(&seg).expect("read");
    let f = frames(&b);
    // Record 51 claims 2^31-1 bytes (more than the file: rejected before reading);
    // record 201 claims 1000 bytes more than it has (inside the file: its CRC fails).
    let (a, alen) = f[50];
    b[a..a + 4].copy_from_slice(&0x7fff_ffffu32.to_le_bytes());
    let (c, clen) = f[200];
    let claimed = (clen - 8 + 1000) as u32;
    b[c..c + 4].copy_from_slice(&claimed.to_le_bytes());
    std::fs::write(&seg, &b).expect("write");
    check(&dir, &seg, &b, &[51, 201], (alen + clen) as u64, false);
}

#[test]
fn a_broken_segment_header_keeps_every_record() {
    let (dir, seg) = setup("header");
    let mut b = std::fs::read(&seg).expect("read");
    b[..8].copy_from_slice(b"garbage!");
    std::fs::write(&seg, &b).expect("write");
    check(&dir, &seg, &b, &[], 8, true);
}

#[test]
fn a_zeroed_stretch_loses_exactly_the_records_it_touches() {
    let (dir, seg) = setup("zeroed");
    let mut b = std::fs::read(&seg).expect("read");
    let f = frames(&b);
    // From the middle of record 10 to the middle of record 14: 10..=14 are lost, and
    // the skipped bytes are those five frames.
    let from = f[9].0 + 20;
    let to = f[13].0 + 20;
    b[from..to].fill(0);
    std::fs::write(&seg, &b).expect("write");
    let skipped: usize = f[9..14].iter().map(|x| x.1).sum();
    check(&dir, &seg, &b, &[10, 11, 12, 13, 14], skipped as u64, false);
}
