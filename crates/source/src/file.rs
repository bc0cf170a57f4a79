//! [`FileSource`]: streaming reader for pcap and pcapng captures.
//!
//! The record and block headers are parsed here rather than with `pcap-file` 2.0
//! (which the tests still use as an independent writer), because that crate:
//!
//! * ignores `if_tsresol` for pcapng Enhanced Packet Blocks (it reads every
//!   timestamp as nanoseconds, so the default microsecond files come out 1000×
//!   too small), and has no `if_tsoffset`;
//! * reports a file cut in the middle of a packet as a bare `UnexpectedEof`,
//!   without how many bytes were needed or left;
//! * always allocates an 8 MB window and, for pcapng, a `Vec` of options per packet.
//!
//! The formats are simple: a 24-byte file header and 16-byte record headers for
//! pcap; length-prefixed blocks for pcapng.
//!
//! Reading goes through one owned read window (a [`Window`]: a 1 MiB `Vec<u8>`
//! allocated once, plus the start and end of its unread bytes). Headers are parsed
//! in place and [`FileSource::next_packet`] returns the packet as a slice of the
//! window, so each byte is copied once, by the `read` call of the underlying
//! stream. When a record needs more bytes than remain, the unread tail moves to the
//! front of the window and the free space behind it is refilled (looping on short
//! reads and retrying on `Interrupted`). A record larger than the window grows it to
//! fit; the window never shrinks, so memory is bounded by the largest record (at
//! most 16 MiB of packet, beyond which a record is reported as corrupt), never by
//! the file size. Unknown pcapng blocks are read and discarded through the window
//! without being buffered whole.
//!
//! Supported: pcap in both byte orders with microsecond (`a1b2c3d4`) and
//! nanosecond (`a1b23c4d`) timestamps, and the "modified" pcap of old Linux
//! patches (`a1b2cd34`, 24-byte records); pcapng in both byte orders with any number
//! of sections, one Interface Description Block per interface (own link type,
//! snap length, `if_tsresol` as 10^-n or 2^-n, `if_tsoffset`), Enhanced, Simple
//! and obsolete Packet Blocks, and Interface Statistics Blocks (`isb_ifdrop` feeds
//! [`SourceStats::dropped`]). Simple Packet Blocks carry no timestamp; they get
//! the previous packet's.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use mizu_wire::{LinkType, Nanos, RawPacket};

use crate::{PacketSource, SourceError, SourceStats};

/// Largest captured packet accepted; larger records are reported as corrupt.
const MAX_PACKET: usize = 16 << 20;
/// Largest pcapng block read into memory (a packet plus its headers and options).
const MAX_BLOCK: usize = MAX_PACKET + (64 << 10);
/// Initial size of the read window; it grows only for larger records.
const WINDOW: usize = 1 << 20;

const PCAP_MAGIC_US: u32 = 0xa1b2_c3d4;
const PCAP_MAGIC_NS: u32 = 0xa1b2_3c4d;
const PCAP_MAGIC_MODIFIED: u32 = 0xa1b2_cd34;
const PCAPNG_SHB: [u8; 4] = [0x0a, 0x0d, 0x0d, 0x0a];
const PCAPNG_BOM_BE: [u8; 4] = [0x1a, 0x2b, 0x3c, 0x4d];
const PCAPNG_BOM_LE: [u8; 4] = [0x4d, 0x3c, 0x2b, 0x1a];

const BLOCK_IDB: u32 = 1;
const BLOCK_PB: u32 = 2;
const BLOCK_SPB: u32 = 3;
const BLOCK_ISB: u32 = 5;
const BLOCK_EPB: u32 = 6;

const OPT_END: u16 = 0;
const OPT_IF_TSRESOL: u16 = 9;
const OPT_IF_TSOFFSET: u16 = 14;
const OPT_ISB_IFDROP: u16 = 5;

/// Reads packets from a pcap or pcapng file or stream.
pub struct FileSource {
    name: String,
    win: Window,
    format: Format,
    stats: SourceStats,
    /// Set after the end or an error: later calls return `Ok(None)`.
    done: bool,
}

impl std::fmt::Debug for FileSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileSource")
            .field("name", &self.name)
            .field("stats", &self.stats)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

#[derive(Debug)]
enum Format {
    Pcap(Pcap),
    PcapNg(PcapNg),
}

#[derive(Debug)]
struct Pcap {
    big_endian: bool,
    /// Multiplier from the fraction field to nanoseconds (1000 or 1).
    frac_ns: u64,
    link: LinkType,
    /// Record header length: 16, or 24 for the modified format.
    record_len: usize,
}

#[derive(Debug, Default)]
struct PcapNg {
    big_endian: bool,
    /// Interfaces of the current section, by id.
    ifaces: Vec<Iface>,
    /// Latest `isb_ifdrop` per interface of the current section.
    drops: Vec<u64>,
    /// Drops of the sections before the current one.
    drops_before: u64,
    /// Timestamp of the previous packet (for Simple Packet Blocks).
    last_ts: Nanos,
}

#[derive(Debug)]
struct Iface {
    link: LinkType,
    snaplen: u32,
    res: TsRes,
    /// `if_tsoffset`, in nanoseconds.
    offset_ns: i128,
}

/// How to turn timestamp ticks into nanoseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TsRes {
    Mul(u64),
    Div(u64),
    /// ticks × 10^9 / 2^n
    Bin(u32),
}

impl TsRes {
    /// From an `if_tsresol` option value.
    fn from_option(v: u8) -> TsRes {
        if v & 0x80 == 0 {
            let n = u32::from(v);
            if n <= 9 {
                TsRes::Mul(10u64.pow(9 - n))
            } else {
                TsRes::Div(10u64.checked_pow(n - 9).unwrap_or(u64::MAX))
            }
        } else {
            TsRes::Bin(u32::from(v & 0x7f))
        }
    }
}

impl Iface {
    fn ts(&self, ticks: u64) -> Nanos {
        let ns = match self.res {
            TsRes::Mul(m) => ticks.saturating_mul(m),
            TsRes::Div(d) => ticks / d,
            TsRes::Bin(n) => {
                let v = (u128::from(ticks) * 1_000_000_000) >> n.min(127);
                u64::try_from(v).unwrap_or(u64::MAX)
            }
        };
        if self.offset_ns == 0 {
            ns
        } else {
            let v = (i128::from(ns) + self.offset_ns).clamp(0, i128::from(u64::MAX));
            u64::try_from(v).unwrap_or(0)
        }
    }
}

/// The read window: the input stream and the bytes read from it but not yet
/// consumed, `buf[start..end]`.
struct Window {
    input: Box<dyn Read + Send>,
    /// Its length is the window size; only `start..end` holds unread data.
    buf: Vec<u8>,
    start: usize,
    end: usize,
}

impl Window {
    fn new(input: Box<dyn Read + Send>) -> Window {
        Window {
            input,
            buf: vec![0; WINDOW],
            start: 0,
            end: 0,
        }
    }

    /// Unread bytes in the window.
    fn avail(&self) -> usize {
        self.end - self.start
    }

    /// The unread bytes.
    fn data(&self) -> &[u8] {
        self.buf.get(self.start..self.end).unwrap_or_default()
    }

    /// Marks `n` unread bytes (at most [`Window::avail`]) as consumed. They stay in
    /// place until the next [`Window::fill`].
    fn consume(&mut self, n: usize) {
        self.start += n.min(self.avail());
    }

    /// Makes `need` bytes available at `start` unless the input ends first, growing
    /// the window if it is smaller; returns the unread bytes available (fewer than
    /// `need` only at the end of the input).
    fn fill(&mut self, need: usize) -> io::Result<usize> {
        if self.avail() >= need {
            return Ok(self.avail());
        }
        if self.start + need > self.buf.len() {
            // Move the unread tail to the front.
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
            if need > self.buf.len() {
                self.buf.resize(need, 0);
            }
        }
        while self.avail() < need {
            // Not empty: `start + need <= buf.len()` and `end < start + need`.
            let Some(free) = self.buf.get_mut(self.end..) else {
                break;
            };
            match self.input.read(free) {
                Ok(0) => break,
                Ok(n) => self.end += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(self.avail())
    }

    /// Reads and discards `n` bytes; returns how many there were (fewer than `n` at
    /// the end of the input).
    fn skip(&mut self, n: u64) -> io::Result<u64> {
        let mut skipped = 0u64;
        loop {
            let take = (n - skipped).min(self.avail() as u64);
            self.start += take as usize;
            skipped += take;
            if skipped == n {
                return Ok(skipped);
            }
            // The window is empty: refill all of it.
            self.start = 0;
            self.end = 0;
            match self.input.read(&mut self.buf) {
                Ok(0) => return Ok(skipped),
                Ok(got) => self.end = got,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }
}

/// Where the packet sits in the window, decided before borrowing it.
struct Meta {
    ts: Nanos,
    link: LinkType,
    start: usize,
    len: usize,
    orig_len: u32,
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn u16_at(b: &[u8], at: usize, big: bool) -> Option<u16> {
    let s = b.get(at..at.checked_add(2)?)?;
    let a = [s[0], s[1]];
    Some(if big {
        u16::from_be_bytes(a)
    } else {
        u16::from_le_bytes(a)
    })
}

fn u32_at(b: &[u8], at: usize, big: bool) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    let a = [s[0], s[1], s[2], s[3]];
    Some(if big {
        u32::from_be_bytes(a)
    } else {
        u32::from_le_bytes(a)
    })
}

fn u64_at(b: &[u8], at: usize, big: bool) -> Option<u64> {
    let s = b.get(at..at.checked_add(8)?)?;
    let mut a = [0u8; 8];
    a.copy_from_slice(s);
    Some(if big {
        u64::from_be_bytes(a)
    } else {
        u64::from_le_bytes(a)
    })
}

/// Iterates over pcapng options: (code, value).
fn options(b: &[u8], big: bool) -> impl Iterator<Item = (u16, &[u8])> {
    let mut at = 0usize;
    std::iter::from_fn(move || {
        let code = u16_at(b, at, big)?;
        let len = usize::from(u16_at(b, at + 2, big)?);
        if code == OPT_END {
            return None;
        }
        let value = b.get(at + 4..at + 4 + len)?;
        at += 4 + len.next_multiple_of(4);
        Some((code, value))
    })
}

impl FileSource {
    /// Opens a capture file; `-` reads standard input. Detects pcap vs pcapng by magic.
    pub fn open(path: &Path) -> Result<FileSource, SourceError> {
        let name = path.display().to_string();
        if path.as_os_str() == "-" {
            return FileSource::from_reader(name, Box::new(io::stdin()));
        }
        let file = File::open(path).map_err(|source| SourceError::Io {
            name: name.clone(),
            action: "cannot open",
            source,
        })?;
        FileSource::from_reader(name, Box::new(file))
    }

    /// Reads a capture from any byte stream; `name` is used in messages.
    pub fn from_reader(name: String, r: Box<dyn Read + Send>) -> Result<FileSource, SourceError> {
        let mut src = FileSource {
            name,
            win: Window::new(r),
            format: Format::PcapNg(PcapNg::default()),
            stats: SourceStats::default(),
            done: false,
        };
        let n = src.fill(4)?;
        if n == 0 {
            return Err(SourceError::Empty { name: src.name });
        }
        let first = src.win.data();
        let Some(&[a, b, c, d]) = first.get(..4) else {
            return Err(src.not_a_capture(first));
        };
        let magic = [a, b, c, d];
        src.win.consume(4);
        if magic == PCAPNG_SHB {
            let m = src.fill(4)?;
            let Some(&[a, b, c, d]) = src.win.data().get(..4) else {
                return Err(src.truncated(8, 4 + m as u64));
            };
            src.win.consume(4);
            src.read_shb([a, b, c, d])?;
            return Ok(src);
        }
        let (big_endian, kind) = match (u32::from_be_bytes(magic), u32::from_le_bytes(magic)) {
            (m, _) if is_pcap_magic(m) => (true, m),
            (_, m) if is_pcap_magic(m) => (false, m),
            _ => return Err(src.not_a_capture(&magic)),
        };
        let m = src.fill(20)?;
        if m < 20 {
            return Err(src.truncated(24, 4 + m as u64));
        }
        let linktype = u32_at(src.win.data(), 16, big_endian).unwrap_or_default();
        src.win.consume(20);
        src.format = Format::Pcap(Pcap {
            big_endian,
            frac_ns: if kind == PCAP_MAGIC_NS { 1 } else { 1000 },
            // The upper bits hold FCS information; the link type is the low 16.
            link: LinkType::from_dlt(linktype & 0xffff),
            record_len: if kind == PCAP_MAGIC_MODIFIED { 24 } else { 16 },
        });
        Ok(src)
    }

    fn not_a_capture(&self, first: &[u8]) -> SourceError {
        SourceError::NotACapture {
            name: self.name.clone(),
            first: hex(first),
        }
    }

    fn truncated(&mut self, needed: u64, left: u64) -> SourceError {
        self.done = true;
        SourceError::Truncated {
            name: self.name.clone(),
            packets: self.stats.packets,
            needed,
            left,
        }
    }

    fn corrupt(&mut self, reason: String) -> SourceError {
        self.done = true;
        SourceError::Corrupt {
            name: self.name.clone(),
            packets: self.stats.packets,
            reason,
        }
    }

    fn io_error(&mut self, source: io::Error) -> SourceError {
        self.done = true;
        SourceError::Io {
            name: self.name.clone(),
            action: "read error",
            source,
        }
    }

    /// Makes `need` bytes available in the window; returns the bytes available
    /// (fewer only at the end of the input).
    fn fill(&mut self, need: usize) -> Result<usize, SourceError> {
        self.win.fill(need).map_err(|e| self.io_error(e))
    }

    fn next_pcap(&mut self) -> Result<Option<Meta>, SourceError> {
        let Format::Pcap(p) = &self.format else {
            return Ok(None);
        };
        let (big, frac_ns, link, record_len) = (p.big_endian, p.frac_ns, p.link, p.record_len);
        let n = self.fill(record_len)?;
        if n == 0 {
            return Ok(None);
        }
        if n < record_len {
            return Err(self.truncated(record_len as u64, n as u64));
        }
        let hdr = self.win.data();
        let field = |at| u32_at(hdr, at, big).unwrap_or_default();
        let (sec, frac, caplen, orig_len) = (field(0), field(4), field(8), field(12));
        self.win.consume(record_len);
        let len = caplen as usize;
        if len > MAX_PACKET {
            return Err(self.corrupt(format!(
                "a packet record says {caplen} captured bytes, more than the {} MiB limit",
                MAX_PACKET >> 20
            )));
        }
        let m = self.fill(len)?;
        if m < len {
            return Err(self.truncated(len as u64, m as u64));
        }
        let start = self.win.start;
        self.win.consume(len);
        let ts = u64::from(sec)
            .saturating_mul(1_000_000_000)
            .saturating_add(u64::from(frac).saturating_mul(frac_ns));
        Ok(Some(Meta {
            ts,
            link,
            start,
            len,
            orig_len,
        }))
    }

    /// Reads a Section Header Block whose type and length were already consumed;
    /// `len` holds the raw block-length bytes.
    fn read_shb(&mut self, len: [u8; 4]) -> Result<(), SourceError> {
        let n = self.fill(4)?;
        let Some(&[a, b, c, d]) = self.win.data().get(..4) else {
            return Err(self.truncated(12, 8 + n as u64));
        };
        self.win.consume(4);
        let big = match [a, b, c, d] {
            PCAPNG_BOM_BE => true,
            PCAPNG_BOM_LE => false,
            other => {
                return Err(self.corrupt(format!(
                    "section header has byte-order magic {}, expected 1a 2b 3c 4d",
                    hex(&other)
                )));
            }
        };
        let total = if big {
            u32::from_be_bytes(len)
        } else {
            u32::from_le_bytes(len)
        } as usize;
        if total < 28 || !total.is_multiple_of(4) || total > MAX_BLOCK {
            return Err(self.corrupt(format!("section header block length {total} is invalid")));
        }
        let rest = total - 12;
        let m = self.fill(rest)?;
        if m < rest {
            return Err(self.truncated(total as u64, 12 + m as u64));
        }
        let body = self.win.data();
        let major = u16_at(body, 0, big).unwrap_or_default();
        let trailer = u32_at(body, rest - 4, big);
        self.win.consume(rest);
        if major != 1 {
            return Err(self.corrupt(format!(
                "pcapng version {major} is not supported (only version 1)"
            )));
        }
        if trailer != Some(total as u32) {
            return Err(self.corrupt("section header block lengths disagree".to_string()));
        }
        let drops_before = match &self.format {
            Format::PcapNg(ng) => ng.drops_before + ng.drops.iter().sum::<u64>(),
            Format::Pcap(_) => 0,
        };
        self.format = Format::PcapNg(PcapNg {
            big_endian: big,
            ifaces: Vec::new(),
            drops: Vec::new(),
            drops_before,
            last_ts: match &self.format {
                Format::PcapNg(ng) => ng.last_ts,
                Format::Pcap(_) => 0,
            },
        });
        Ok(())
    }

    fn next_pcapng(&mut self) -> Result<Option<Meta>, SourceError> {
        loop {
            let Format::PcapNg(ng) = &self.format else {
                return Ok(None);
            };
            let big = ng.big_endian;
            let n = self.fill(8)?;
            if n == 0 {
                return Ok(None);
            }
            let Some(&[t0, t1, t2, t3, l0, l1, l2, l3]) = self.win.data().get(..8) else {
                return Err(self.truncated(8, n as u64));
            };
            let head = [t0, t1, t2, t3, l0, l1, l2, l3];
            self.win.consume(8);
            if head[..4] == PCAPNG_SHB {
                self.read_shb([l0, l1, l2, l3])?;
                continue;
            }
            let btype = u32_at(&head, 0, big).unwrap_or_default();
            let total = u32_at(&head, 4, big).unwrap_or_default() as usize;
            if total < 12 || !total.is_multiple_of(4) {
                return Err(self.corrupt(format!(
                    "block of type {btype:#x} has invalid length {total}"
                )));
            }
            let rest = total - 8;
            if !matches!(
                btype,
                BLOCK_IDB | BLOCK_PB | BLOCK_SPB | BLOCK_ISB | BLOCK_EPB
            ) {
                // Read and discard through the window, without buffering the block.
                let skipped = self.win.skip(rest as u64).map_err(|e| self.io_error(e))?;
                if skipped < rest as u64 {
                    return Err(self.truncated(total as u64, 8 + skipped));
                }
                continue;
            }
            if total > MAX_BLOCK {
                return Err(self.corrupt(format!(
                    "block of type {btype:#x} is {total} bytes, more than the {} MiB limit",
                    MAX_BLOCK >> 20
                )));
            }
            let m = self.fill(rest)?;
            if m < rest {
                return Err(self.truncated(total as u64, 8 + m as u64));
            }
            let at = self.win.start;
            let body_len = rest - 4;
            let trailer = u32_at(self.win.data(), body_len, big);
            self.win.consume(rest);
            if trailer != Some(total as u32) {
                return Err(self.corrupt(format!(
                    "block of type {btype:#x}: leading and trailing lengths disagree"
                )));
            }
            if let Some(meta) = self.parse_block(btype, at, body_len, big)? {
                return Ok(Some(meta));
            }
        }
    }

    /// Interprets a block whose body is `self.win.buf[at..at + body_len]` (already
    /// consumed, so still in place).
    fn parse_block(
        &mut self,
        btype: u32,
        at: usize,
        body_len: usize,
        big: bool,
    ) -> Result<Option<Meta>, SourceError> {
        let Format::PcapNg(ng) = &mut self.format else {
            return Ok(None);
        };
        let body = self.win.buf.get(at..at + body_len).unwrap_or_default();
        match btype {
            BLOCK_IDB => {
                let (Some(link), Some(snaplen)) = (u16_at(body, 0, big), u32_at(body, 4, big))
                else {
                    return Err(self.corrupt("interface description block is too short".into()));
                };
                let mut iface = Iface {
                    link: LinkType::from_dlt(u32::from(link)),
                    snaplen,
                    res: TsRes::Mul(1000),
                    offset_ns: 0,
                };
                for (code, value) in options(body.get(8..).unwrap_or_default(), big) {
                    match (code, value) {
                        (OPT_IF_TSRESOL, [v]) => iface.res = TsRes::from_option(*v),
                        (OPT_IF_TSOFFSET, v) if v.len() == 8 => {
                            let secs = u64_at(v, 0, big).unwrap_or_default() as i64;
                            iface.offset_ns = i128::from(secs) * 1_000_000_000;
                        }
                        _ => {}
                    }
                }
                ng.ifaces.push(iface);
                ng.drops.push(0);
                Ok(None)
            }
            BLOCK_ISB => {
                let id = u32_at(body, 0, big).unwrap_or(u32::MAX) as usize;
                for (code, value) in options(body.get(12..).unwrap_or_default(), big) {
                    if code == OPT_ISB_IFDROP
                        && let (Some(d), Some(slot)) = (u64_at(value, 0, big), ng.drops.get_mut(id))
                    {
                        *slot = d;
                    }
                }
                self.stats.dropped = ng.drops_before + ng.drops.iter().sum::<u64>();
                Ok(None)
            }
            BLOCK_EPB | BLOCK_PB => {
                let id = if btype == BLOCK_EPB {
                    u32_at(body, 0, big)
                } else {
                    u16_at(body, 0, big).map(u32::from)
                };
                let (Some(id), Some(hi), Some(lo), Some(caplen), Some(orig_len)) = (
                    id,
                    u32_at(body, 4, big),
                    u32_at(body, 8, big),
                    u32_at(body, 12, big),
                    u32_at(body, 16, big),
                ) else {
                    return Err(self.corrupt("packet block is too short".into()));
                };
                if caplen as usize > body_len - 20 {
                    return Err(self.corrupt(format!(
                        "packet block says {caplen} captured bytes but holds {}",
                        body_len - 20
                    )));
                }
                let Some(iface) = ng.ifaces.get(id as usize) else {
                    let known = ng.ifaces.len();
                    return Err(self.corrupt(format!(
                        "packet refers to interface {id}, but the section describes {known}"
                    )));
                };
                let ts = iface.ts((u64::from(hi) << 32) | u64::from(lo));
                ng.last_ts = ts;
                Ok(Some(Meta {
                    ts,
                    link: iface.link,
                    start: at + 20,
                    len: caplen as usize,
                    orig_len,
                }))
            }
            BLOCK_SPB => {
                let Some(orig_len) = u32_at(body, 0, big) else {
                    return Err(self.corrupt("simple packet block is too short".into()));
                };
                let Some(iface) = ng.ifaces.first() else {
                    return Err(
                        self.corrupt("simple packet block before any interface description".into())
                    );
                };
                let mut len = (orig_len as usize).min(body_len - 4);
                if iface.snaplen != 0 {
                    len = len.min(iface.snaplen as usize);
                }
                Ok(Some(Meta {
                    ts: ng.last_ts,
                    link: iface.link,
                    start: at + 4,
                    len,
                    orig_len,
                }))
            }
            _ => Ok(None),
        }
    }
}

fn is_pcap_magic(m: u32) -> bool {
    matches!(m, PCAP_MAGIC_US | PCAP_MAGIC_NS | PCAP_MAGIC_MODIFIED)
}

impl PacketSource for FileSource {
    fn next_packet(&mut self) -> Result<Option<RawPacket<'_>>, SourceError> {
        if self.done {
            return Ok(None);
        }
        let meta = match self.format {
            Format::Pcap(_) => self.next_pcap()?,
            Format::PcapNg(_) => self.next_pcapng()?,
        };
        let Some(m) = meta else {
            self.done = true;
            return Ok(None);
        };
        let data = self
            .win
            .buf
            .get(m.start..m.start + m.len)
            .unwrap_or_default();
        self.stats.packets += 1;
        self.stats.bytes += data.len() as u64;
        Ok(Some(RawPacket {
            ts: m.ts,
            link: m.link,
            data,
            orig_len: m.orig_len,
        }))
    }

    fn stats(&self) -> SourceStats {
        self.stats.clone()
    }

    fn name(&self) -> &str {
        &self.name
    }
}

#[cfg(test)]
mod tests;
