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
//! torn tail (a partial or CRC-failing last frame, never acknowledged): recovery cuts it.
//!
//! Recovery keeps everything intact (disk corruption is not a crash):
//! * a frame that fails a check (length, CRC, id order) is skipped and reading
//!   resynchronises on the next valid frame: a position whose length fits in the file,
//!   whose id is plausible (above the last good one, and at most one per 28 skipped
//!   bytes beyond it, as ids are consecutive) and whose CRC matches;
//! * a damaged 8-byte file header is skipped the same way (the frames after it are read);
//! * a length is never trusted before it is checked against the bytes left in the file,
//!   so a corrupt length cannot make recovery allocate more than the file holds;
//! * a file with damage before its end is never cut: it is moved aside
//!   (`seg-….log.damaged`, kept for inspection) and a clean copy of its valid frames takes
//!   its place; only a torn tail (no valid frame after it) is cut off;
//! * the [`RecoveryReport`] names each damaged file, the bytes skipped, the records lost
//!   (the gap in ids around the damage) and where the original went; `mizu hub` prints it
//!   at startup.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
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

/// Smallest frame: header plus payload header (an empty record).
const MIN_FRAME: u64 = (FRAME_HEADER + PAYLOAD_HEADER) as u64;
/// Ids tolerated beyond the consecutive-id bound when resynchronising.
const ID_SLACK: u64 = 1024;
/// File bytes held in memory at a time while reading (more only for a larger frame).
const WINDOW: usize = 1 << 20;

/// What recovery found and did.
#[derive(Debug, Default, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecoveryReport {
    /// Segment files read.
    pub segments: u64,
    /// Records recovered.
    pub records: u64,
    /// Bytes cut off the end of files: torn writes (never acknowledged), or damaged last
    /// frames with no valid frame after them.
    pub truncated_bytes: u64,
    /// Files whose frames failed a check somewhere (torn tail or corruption).
    pub damaged_files: u64,
    /// Damaged bytes skipped before the end of files (bad frames, bad file headers).
    pub skipped_bytes: u64,
    /// Records lost to that damage: the ids missing between the intact records around it.
    pub lost_records: u64,
    /// Each damaged file, what was skipped and where the original went.
    pub files: Vec<DamagedSegment>,
}

/// One segment file recovery found damaged.
#[derive(Debug, Default, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DamagedSegment {
    /// The segment file.
    pub file: PathBuf,
    /// Its 8-byte header was not `MIZUSEG1`.
    pub bad_header: bool,
    /// Damaged regions before the end of the file, and their bytes.
    pub regions: u64,
    pub skipped_bytes: u64,
    /// Records lost in those regions (ids missing between intact neighbours).
    pub lost_records: u64,
    /// Bytes of an unfinished or damaged end cut off (no valid frame after them).
    pub tail_bytes: u64,
    /// Intact records kept from the file.
    pub records_kept: u64,
    /// Where the original file was moved (damage before its end); `None` when only a
    /// tail was cut.
    pub moved_to: Option<PathBuf>,
}

impl RecoveryReport {
    /// One line per damaged file, for the startup log (empty when all was intact).
    pub fn messages(&self) -> Vec<String> {
        self.files
            .iter()
            .map(|d| {
                let name = d.file.file_name().map_or_else(
                    || d.file.display().to_string(),
                    |n| n.to_string_lossy().into_owned(),
                );
                let mut parts = Vec::new();
                if d.bad_header {
                    parts.push("its header was damaged".to_owned());
                }
                if d.regions > 0 {
                    parts.push(format!(
                        "skipped {} damaged region{} ({} bytes, {} record{} lost)",
                        d.regions,
                        if d.regions == 1 { "" } else { "s" },
                        d.skipped_bytes,
                        d.lost_records,
                        if d.lost_records == 1 { "" } else { "s" },
                    ));
                }
                if d.tail_bytes > 0 {
                    parts.push(format!(
                        "cut {} bytes of an unfinished or damaged write off its end",
                        d.tail_bytes
                    ));
                }
                let mut line = format!(
                    "recovery: {name}: {}; kept {} intact records",
                    parts.join(", "),
                    d.records_kept
                );
                if let Some(m) = &d.moved_to {
                    line.push_str(&format!(
                        "; the original file was moved to {} (delete it once inspected)",
                        m.display()
                    ));
                }
                line
            })
            .collect()
    }
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
            let scan = read_segment(&path, next_id, &mut |r: RawRecord| {
                report.records += 1;
                on_record(r);
            })?;
            let bytes = repair(&path, &scan, &mut report)?;
            if let Some(l) = scan.last_id {
                next_id = next_id.max(l + 1);
            }
            segments.push(Segment {
                first_id,
                last_id: scan.last_id,
                path,
                bytes,
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

/// What reading one segment found.
#[derive(Default)]
struct Scan {
    last_id: Option<u64>,
    file_len: u64,
    bad_header: bool,
    /// Runs of valid frames `[start, end)`, in file order.
    runs: Vec<(u64, u64)>,
    /// Damaged regions before the last valid frame: (bytes, records lost).
    regions: Vec<(u64, u64)>,
    /// Bytes after the last valid frame (a torn or damaged end).
    tail: u64,
    records: u64,
}

/// A forward-moving window over a file: at most [`WINDOW`] bytes (or one frame) held.
struct Window {
    file: File,
    len: u64,
    start: u64,
    buf: Vec<u8>,
}

impl Window {
    /// The bytes `pos..pos + n`; the caller has checked they are inside the file.
    fn get(&mut self, pos: u64, n: usize) -> io::Result<&[u8]> {
        let end = self.start + self.buf.len() as u64;
        if pos < self.start || pos > end {
            self.buf.clear();
            self.start = pos;
            self.file.seek(SeekFrom::Start(pos))?;
        } else if pos + n as u64 > end {
            // Keep what is still ahead, read the rest.
            self.buf.drain(..(pos - self.start) as usize);
            self.start = pos;
            self.file
                .seek(SeekFrom::Start(self.start + self.buf.len() as u64))?;
        }
        let want = (n.max(WINDOW) as u64).min(self.len - pos) as usize;
        if self.buf.len() < n {
            let have = self.buf.len();
            self.buf.resize(want, 0);
            let got = read_full(&mut self.file, &mut self.buf[have..])?;
            self.buf.truncate(have + got);
            if self.buf.len() < n {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "segment file shrank while being read",
                ));
            }
        }
        let at = (pos - self.start) as usize;
        Ok(&self.buf[at..at + n])
    }
}

/// A valid frame at `pos`: its payload length and record.
fn frame_at(
    w: &mut Window,
    pos: u64,
    ids: std::ops::RangeInclusive<u64>,
) -> io::Result<Option<(u64, RawRecord)>> {
    let left = w.len - pos;
    if left < MIN_FRAME {
        return Ok(None);
    }
    let head = w.get(pos, FRAME_HEADER + PAYLOAD_HEADER)?;
    let len = u64::from(u32::from_le_bytes([head[0], head[1], head[2], head[3]]));
    let crc = u32::from_le_bytes([head[4], head[5], head[6], head[7]]);
    let mut id = [0u8; 8];
    id.copy_from_slice(&head[8..16]);
    let id = u64::from_le_bytes(id);
    let base_len = u32::from_le_bytes([head[24], head[25], head[26], head[27]]);
    // Cheap checks first; the length is checked against the file before anything is read.
    if len < PAYLOAD_HEADER as u64
        || len > MAX_FRAME as u64
        || len > left - FRAME_HEADER as u64
        || !ids.contains(&id)
        || u64::from(base_len) > len - PAYLOAD_HEADER as u64
    {
        return Ok(None);
    }
    let payload = w.get(pos + FRAME_HEADER as u64, len as usize)?;
    if crc32fast::hash(payload) != crc {
        return Ok(None);
    }
    let mut ts = [0u8; 8];
    ts.copy_from_slice(&payload[8..16]);
    Ok(Some((
        len,
        RawRecord {
            id,
            timestamp: i64::from_le_bytes(ts),
            base_len,
            data: payload[PAYLOAD_HEADER..].to_vec(),
        },
    )))
}

/// Reads one segment, skipping damage and resynchronising after it.
fn read_segment(
    path: &Path,
    min_id: u64,
    on_record: &mut dyn FnMut(RawRecord),
) -> io::Result<Scan> {
    let file = File::open(path)?;
    let len = file.metadata()?.len();
    let mut w = Window {
        file,
        len,
        start: 0,
        buf: Vec::new(),
    };
    let mut scan = Scan {
        file_len: len,
        ..Scan::default()
    };
    let magic_len = MAGIC.len() as u64;
    if len < magic_len || w.get(0, MAGIC.len())? != MAGIC {
        scan.bad_header = true;
    }
    let mut pos = magic_len.min(len);
    // Start of the damage being skipped, if any (a bad header is damage from byte 0).
    let mut bad_from: Option<u64> = scan.bad_header.then_some(0);
    let mut run_start = pos;
    while pos < len {
        let expected = scan.last_id.map_or(min_id, |l| l + 1);
        // Reading in step: any higher id (the CRC decides). Resynchronising: ids are
        // consecutive, so at most one record per MIN_FRAME bytes skipped (plus slack).
        let ids = match bad_from {
            None => expected..=u64::MAX,
            Some(b) => {
                expected
                    ..=expected
                        .saturating_add((pos - b) / MIN_FRAME)
                        .saturating_add(ID_SLACK)
            }
        };
        match frame_at(&mut w, pos, ids)? {
            Some((flen, rec)) => {
                if let Some(b) = bad_from.take() {
                    scan.regions.push((pos - b, rec.id - expected));
                    run_start = pos;
                }
                scan.last_id = Some(rec.id);
                scan.records += 1;
                on_record(rec);
                pos += FRAME_HEADER as u64 + flen;
            }
            None => {
                if bad_from.is_none() {
                    if pos > run_start {
                        scan.runs.push((run_start, pos));
                    }
                    bad_from = Some(pos);
                }
                pos += 1;
            }
        }
    }
    match bad_from {
        Some(b) => scan.tail = len - b,
        None if pos > run_start => scan.runs.push((run_start, pos)),
        None => {}
    }
    Ok(scan)
}

/// Makes the file on disk match what recovery kept, and reports the damage. Returns the
/// file's new length.
fn repair(path: &Path, scan: &Scan, report: &mut RecoveryReport) -> io::Result<u64> {
    let magic_len = MAGIC.len() as u64;
    let mid_damage = scan.bad_header || !scan.regions.is_empty();
    if !mid_damage && scan.tail == 0 {
        return Ok(scan.file_len.max(magic_len));
    }
    let mut d = DamagedSegment {
        file: path.to_owned(),
        bad_header: scan.bad_header,
        regions: scan.regions.len() as u64,
        skipped_bytes: scan.regions.iter().map(|r| r.0).sum(),
        lost_records: scan.regions.iter().map(|r| r.1).sum(),
        tail_bytes: scan.tail,
        records_kept: scan.records,
        moved_to: None,
    };
    report.damaged_files += 1;
    report.truncated_bytes += scan.tail;
    report.skipped_bytes += d.skipped_bytes;
    report.lost_records += d.lost_records;
    let new_len;
    if mid_damage {
        // Never cut intact frames: keep the original aside, write a clean copy.
        let aside = aside_path(path);
        fs::rename(path, &aside)?;
        let mut src = File::open(&aside)?;
        let tmp = path.with_extension("log.tmp");
        let mut out = OpenOptions::new()
            .create(true)
            .truncate(true)
            .write(true)
            .open(&tmp)?;
        out.write_all(MAGIC)?;
        let mut written = magic_len;
        for &(a, b) in &scan.runs {
            src.seek(SeekFrom::Start(a))?;
            written += io::copy(&mut (&mut src).take(b - a), &mut out)?;
        }
        out.sync_all()?;
        drop(out);
        fs::rename(&tmp, path)?;
        if let Some(dir) = path.parent() {
            sync_dir(dir)?;
        }
        d.moved_to = Some(aside);
        new_len = written;
    } else {
        // Only a torn (or damaged) end with nothing valid after it: cut it.
        let keep = scan.file_len - scan.tail;
        let f = OpenOptions::new().write(true).open(path)?;
        f.set_len(keep.max(magic_len))?;
        f.sync_all()?;
        new_len = keep.max(magic_len);
    }
    report.files.push(d);
    Ok(new_len)
}

/// `seg-….log.damaged`, or `.damaged-2`, `-3`… if taken.
fn aside_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".damaged");
    let first = PathBuf::from(&name);
    if !first.exists() {
        return first;
    }
    (2u32..)
        .map(|i| {
            let mut n = name.clone();
            n.push(format!("-{i}"));
            PathBuf::from(n)
        })
        .find(|p| !p.exists())
        .unwrap_or(first)
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
