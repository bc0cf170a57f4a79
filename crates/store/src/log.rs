//! The on-disk segment log behind `--data-dir`: append-only files of length-framed,
//! CRC32-checked records, one file per id range, deleted whole when eviction passes them.
//!
//! ```text
//! seg-<first id, 20 digits>.log  =  "MIZUSEG1"  frame*
//! frame    = len:u32le  crc32(payload):u32le  payload[len]
//! payload  = id:u64le  timestamp:i64le  base_len:u32le  base-json  entry-json
//! ```
//!
//! A batch is written with one `write_all` and then `fdatasync`ed before [`Log::append`]
//! returns; the store acknowledges nothing earlier. A crash can therefore leave only a
//! torn tail (a partial or CRC-failing last frame, never acknowledged): recovery truncates
//! it. A damaged frame in the middle of a file (disk corruption) also ends that file's
//! recovery there; later files are still read.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufReader, Read, Write};
use std::path::{Path, PathBuf};

const MAGIC: &[u8; 8] = b"MIZUSEG1";
const FRAME_HEADER: usize = 8;
const PAYLOAD_HEADER: usize = 20;
/// A frame longer than this is corruption, not data (the store's record cap is lower).
pub(crate) const MAX_FRAME: usize = 1 << 30;

/// One record read back from disk.
pub(crate) struct RawRecord {
    pub id: u64,
    pub timestamp: i64,
    pub base_len: u32,
    pub data: Vec<u8>,
}

/// What recovery found and did.
#[derive(Debug, Default, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecoveryReport {
    /// Segment files read.
    pub segments: u64,
    /// Records recovered.
    pub records: u64,
    /// Bytes cut off the end of files: torn (never acknowledged) or damaged frames.
    pub truncated_bytes: u64,
    /// Files whose frames failed a check somewhere (torn tail or corruption).
    pub damaged_files: u64,
}

struct Segment {
    first_id: u64,
    /// Id of the last record in the file; `None` while empty.
    last_id: Option<u64>,
    path: PathBuf,
    bytes: u64,
}

pub(crate) struct Log {
    dir: PathBuf,
    /// Oldest first; the last one is the active segment.
    segments: Vec<Segment>,
    active: File,
    segment_max: u64,
    sync: bool,
    buf: Vec<u8>,
}

fn segment_path(dir: &Path, first_id: u64) -> PathBuf {
    dir.join(format!("seg-{first_id:020}.log"))
}

fn parse_segment_name(name: &str) -> Option<u64> {
    name.strip_prefix("seg-")?
        .strip_suffix(".log")?
        .parse()
        .ok()
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

impl Log {
    /// Opens (creating if needed) the log in `dir`, handing every valid record to
    /// `on_record` oldest first. Returns the log, the id the next record must have at
    /// least (one past the highest id ever written, even if its segment is empty), and
    /// what recovery did.
    pub(crate) fn open(
        dir: &Path,
        segment_max: u64,
        sync: bool,
        mut on_record: impl FnMut(RawRecord),
    ) -> io::Result<(Log, u64, RecoveryReport)> {
        fs::create_dir_all(dir)?;
        let mut names: Vec<(u64, PathBuf)> = Vec::new();
        for e in fs::read_dir(dir)? {
            let e = e?;
            if let Some(first) = e.file_name().to_str().and_then(parse_segment_name) {
                names.push((first, e.path()));
            }
        }
        names.sort_by_key(|(id, _)| *id);
        let mut report = RecoveryReport::default();
        let mut segments = Vec::new();
        let mut next_id = 1u64;
        for (first_id, path) in names {
            report.segments += 1;
            next_id = next_id.max(first_id);
            let (last_id, good_len, damaged) =
                read_segment(&path, next_id, &mut |r: RawRecord| {
                    report.records += 1;
                    on_record(r);
                })?;
            let len = fs::metadata(&path)?.len();
            if damaged || good_len < len {
                report.damaged_files += 1;
                report.truncated_bytes += len.saturating_sub(good_len);
                let f = OpenOptions::new().write(true).open(&path)?;
                if good_len < MAGIC.len() as u64 {
                    f.set_len(0)?;
                    (&f).write_all(MAGIC)?;
                } else {
                    f.set_len(good_len)?;
                }
                f.sync_all()?;
            }
            if let Some(l) = last_id {
                next_id = next_id.max(l + 1);
            }
            segments.push(Segment {
                first_id,
                last_id,
                path,
                bytes: good_len.max(MAGIC.len() as u64),
            });
        }
        let active = match segments.last() {
            Some(s) => OpenOptions::new().append(true).open(&s.path)?,
            None => {
                let (f, seg) = create_segment(dir, next_id)?;
                segments.push(seg);
                f
            }
        };
        let log = Log {
            dir: dir.to_owned(),
            segments,
            active,
            segment_max,
            sync,
            buf: Vec::new(),
        };
        Ok((log, next_id, report))
    }

    /// Appends a batch (ids ascending) durably: written and, with `sync`, flushed to the
    /// disk before returning. On error nothing of the batch counts: the file is cut back.
    pub(crate) fn append<'a>(
        &mut self,
        records: impl Iterator<Item = (u64, i64, u32, &'a [u8])> + Clone,
    ) -> io::Result<()> {
        let Some((first_id, ..)) = records.clone().next() else {
            return Ok(());
        };
        let active_bytes = self.segments.last().map_or(0, |s| s.bytes);
        if active_bytes > MAGIC.len() as u64 && active_bytes >= self.segment_max {
            self.rotate(first_id)?;
        }
        self.buf.clear();
        let mut last = first_id;
        for (id, ts, base_len, data) in records {
            let len = PAYLOAD_HEADER + data.len();
            let len32 = u32::try_from(len)
                .ok()
                .filter(|l| (*l as usize) <= MAX_FRAME)
                .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "record too large"))?;
            let start = self.buf.len();
            self.buf.extend_from_slice(&len32.to_le_bytes());
            self.buf.extend_from_slice(&[0; 4]);
            self.buf.extend_from_slice(&id.to_le_bytes());
            self.buf.extend_from_slice(&ts.to_le_bytes());
            self.buf.extend_from_slice(&base_len.to_le_bytes());
            self.buf.extend_from_slice(data);
            let crc = crc32fast::hash(&self.buf[start + FRAME_HEADER..]);
            self.buf[start + 4..start + 8].copy_from_slice(&crc.to_le_bytes());
            last = id;
        }
        let result = self.active.write_all(&self.buf).and_then(|()| {
            if self.sync {
                self.active.sync_data()
            } else {
                Ok(())
            }
        });
        let Some(seg) = self.segments.last_mut() else {
            return Err(io::Error::other("segment log has no active segment"));
        };
        match result {
            Ok(()) => {
                seg.bytes += self.buf.len() as u64;
                seg.last_id = Some(last);
                if self.buf.capacity() > 4 << 20 {
                    self.buf = Vec::new();
                }
                Ok(())
            }
            Err(e) => {
                // Cut a partial write back so the next batch does not follow garbage.
                let _ = self.active.set_len(seg.bytes);
                Err(e)
            }
        }
    }

    fn rotate(&mut self, first_id: u64) -> io::Result<()> {
        let (f, seg) = create_segment(&self.dir, first_id)?;
        self.active = f;
        self.segments.push(seg);
        Ok(())
    }

    /// Deletes the files all of whose records have ids below `first_live` (evicted from
    /// memory), never the active one.
    pub(crate) fn drop_before(&mut self, first_live: u64) -> io::Result<()> {
        while self.segments.len() > 1 {
            let dead = match self.segments[0].last_id {
                Some(l) => l < first_live,
                None => true,
            };
            if !dead {
                break;
            }
            let seg = self.segments.remove(0);
            match fs::remove_file(&seg.path) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Bytes in all segment files.
    pub(crate) fn disk_bytes(&self) -> u64 {
        self.segments.iter().map(|s| s.bytes).sum()
    }

    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    /// Number of segment files.
    pub(crate) fn segment_count(&self) -> usize {
        self.segments.len()
    }

    /// First id of the oldest segment file (ids before it were evicted in an earlier run).
    pub(crate) fn first_segment_id(&self) -> Option<u64> {
        self.segments.first().map(|s| s.first_id)
    }
}

fn create_segment(dir: &Path, first_id: u64) -> io::Result<(File, Segment)> {
    let path = segment_path(dir, first_id);
    let mut f = OpenOptions::new()
        .create(true)
        .truncate(true)
        .write(true)
        .open(&path)?;
    f.write_all(MAGIC)?;
    f.sync_all()?;
    sync_dir(dir)?;
    drop(f);
    let f = OpenOptions::new().append(true).open(&path)?;
    Ok((
        f,
        Segment {
            first_id,
            last_id: None,
            path,
            bytes: MAGIC.len() as u64,
        },
    ))
}

/// Reads one segment. Returns (last id, length of the valid prefix, damage seen).
fn read_segment(
    path: &Path,
    min_id: u64,
    on_record: &mut dyn FnMut(RawRecord),
) -> io::Result<(Option<u64>, u64, bool)> {
    let mut r = BufReader::with_capacity(1 << 20, File::open(path)?);
    let mut magic = [0u8; 8];
    if read_full(&mut r, &mut magic)? < MAGIC.len() || &magic != MAGIC {
        return Ok((None, 0, true));
    }
    let mut good = MAGIC.len() as u64;
    let mut last: Option<u64> = None;
    let mut payload = Vec::new();
    loop {
        let mut head = [0u8; FRAME_HEADER];
        let n = read_full(&mut r, &mut head)?;
        if n == 0 {
            return Ok((last, good, false));
        }
        if n < FRAME_HEADER {
            return Ok((last, good, true));
        }
        let len = u32::from_le_bytes([head[0], head[1], head[2], head[3]]) as usize;
        let crc = u32::from_le_bytes([head[4], head[5], head[6], head[7]]);
        if !(PAYLOAD_HEADER..=MAX_FRAME).contains(&len) {
            return Ok((last, good, true));
        }
        payload.clear();
        payload.resize(len, 0);
        if read_full(&mut r, &mut payload)? < len || crc32fast::hash(&payload) != crc {
            return Ok((last, good, true));
        }
        let word = |i: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&payload[i..i + 8]);
            b
        };
        let id = u64::from_le_bytes(word(0));
        let timestamp = i64::from_le_bytes(word(8));
        let base_len = u32::from_le_bytes([payload[16], payload[17], payload[18], payload[19]]);
        let data_len = len - PAYLOAD_HEADER;
        if id < min_id || last.is_some_and(|l| id <= l) || base_len as usize > data_len {
            return Ok((last, good, true));
        }
        on_record(RawRecord {
            id,
            timestamp,
            base_len,
            data: payload[PAYLOAD_HEADER..].to_vec(),
        });
        last = Some(id);
        good += (FRAME_HEADER + len) as u64;
    }
}

/// `read_exact` that reports how much it got instead of failing at EOF.
fn read_full(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match r.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}
