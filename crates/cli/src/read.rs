//! `mizu read FILE...`: stream entries out of capture files.
//!
//! Files are read in the order given, as one capture (rotated files of one tcpdump run
//! continue each other's connections). Entries are written as soon as they complete, so
//! memory does not grow with the file size.

use crate::output::{Format, Writer};
use clap::Args;
use mizu_dissect::Limits;
use mizu_engine::{Engine, EngineConfig, EngineStats};
use mizu_pipeline::{End, Options, Sink};
use mizu_source::{FileSource, PacketSource, SourceError, SourceErrorKind, SourceStats};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const EXIT_UNREADABLE: u8 = 3;
const EXIT_TRUNCATED: u8 = 4;
const EXIT_OUTPUT: u8 = 5;

#[derive(Args)]
#[command(
    after_help = "Exit status: 0 ok; 2 bad usage; 3 an input could not be read \
(missing, not a capture, empty) or nothing in the inputs could be decoded (every packet of \
an unsupported link type); 4 an input was truncated or corrupt part-way (what could be \
decoded was printed); 5 output could not be written.\n\n\
Sizes: K, KiB, M, MiB, G, GiB are powers of two (1M = 1048576 bytes); KB, MB, GB powers \
of ten (1MB = 1000000 bytes).\n\n\
Examples:\n  mizu read capture.pcap\n  mizu read --format har capture.pcap > calls.har\n  \
tcpdump -w - -i any port 80 | mizu read -"
)]
pub struct ReadArgs {
    /// Capture files (pcap or pcapng, from tcpdump -w or Wireshark). `-` reads stdin.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,

    /// Output format. Default: table on a terminal, jsonl otherwise.
    #[arg(long, short = 'f', value_enum)]
    format: Option<Format>,

    /// Print packet, flow, entry, gap and drop counters to stderr at the end.
    #[arg(long)]
    stats: bool,

    /// Print the counters as JSON (to stderr) instead of a table. Implies --stats.
    #[arg(long)]
    stats_json: bool,

    /// Body bytes kept per message after decompression (bigger bodies are cut and marked
    /// `truncated`). Accepts K/M/G (KiB, MiB, GiB: powers of two) and KB/MB/GB (powers
    /// of ten).
    #[arg(long, default_value = "1M", value_parser = parse_size)]
    max_body: usize,

    /// Bytes of requests waiting for their responses kept per connection (Redis pipelines
    /// and transactions of thousands of commands). Past it the oldest requests are shown
    /// without their response and their replies on their own, said once per connection.
    /// Accepts K/M/G suffixes.
    #[arg(long, default_value = "16M", value_parser = parse_size)]
    max_pending: usize,

    /// One memory budget for everything decoding buffers across all connections
    /// (unfinished messages, out-of-order segments, pending requests, bodies). Over it the
    /// largest of the least recently active connections are dropped, their unfinished
    /// entries marked `gap` with a diagnostic and counted (--stats). K/M/G suffixes; 0: no
    /// budget. Default: 512M, or twice --max-body if that is more.
    #[arg(long, value_parser = parse_size)]
    max_memory: Option<usize>,

    /// `.proto` file, or a directory of them (imports resolved inside it): gRPC messages
    /// are decoded with their field names (compiled in-process, no protoc needed).
    #[arg(long, value_name = "FILE_OR_DIR")]
    proto: Option<PathBuf>,

    #[command(flatten)]
    pub(crate) hub: crate::serve::ReadHubArgs,
}

/// Parses a size with the one meaning used everywhere ([`mizu_store::parse_size`]):
/// `64K`, `1M`, `1MiB` are powers of two, `512KB`, `1MB` powers of ten.
pub fn parse_size(s: &str) -> Result<usize, String> {
    mizu_store::parse_size(s)
        .and_then(|n| usize::try_from(n).map_err(|_| format!("`{s}` is too large")))
}

fn open(path: &Path) -> Result<FileSource, SourceError> {
    if path.as_os_str() == "-" {
        FileSource::from_reader("stdin".to_owned(), Box::new(std::io::stdin()))
    } else {
        FileSource::open(path)
    }
}

pub fn run(args: ReadArgs) -> ExitCode {
    let rules = match args.hub.rules() {
        Ok(r) => r,
        Err(code) => return code,
    };
    let (mut filter, mut serving) = match (args.hub.filter(), args.hub.start()) {
        (Ok(f), Ok(s)) => (f, s),
        (Err(code), _) | (_, Err(code)) => return code,
    };
    if let Some(s) = &serving
        && !args.files.iter().any(|f| f.as_os_str() == "-")
    {
        s.export_packets_from(args.files.clone());
    }
    let stdout = std::io::stdout();
    let format = args.format.unwrap_or(if stdout.is_terminal() {
        Format::Table
    } else {
        Format::Jsonl
    });
    let config = EngineConfig {
        limits: Limits {
            max_body: args.max_body,
            max_pending_bytes: args.max_pending,
            ..Limits::default()
        },
        max_memory: args
            .max_memory
            .unwrap_or_else(|| (512 << 20).max(args.max_body.saturating_mul(2))),
        ..EngineConfig::default()
    };
    let registry = match args.proto.as_deref().map(crate::proto::registry) {
        None => mizu_dissectors::Registry::default(),
        Some(Ok(r)) => r,
        Some(Err(e)) => {
            eprintln!("mizu: --proto: {e}");
            return ExitCode::from(2);
        }
    };
    let mut engine = Engine::new(config, registry.dissectors());
    // `tcpdump -w - | mizu read -`: show each entry as soon as it completes.
    let immediate = args.files.iter().any(|f| f.as_os_str() == "-");
    // Files: decode on this thread, filter and print on another (the two cores of a
    // laptop or node each do half). A pipe or a hub being filled: all on this thread.
    let mut out = if immediate || serving.is_some() || (format == Format::None && filter.is_none())
    {
        let mut writer = Writer::new(
            format,
            std::io::BufWriter::with_capacity(1 << 16, stdout.lock()),
        );
        writer.immediate = immediate;
        writer.rules = rules;
        Output::Inline {
            writer,
            filter: filter.take(),
            error: None,
        }
    } else {
        Output::threaded(format, filter.take(), rules)
    };
    let mut status = 0u8;
    let mut totals = SourceStats::default();

    let mut sink = ReadSink {
        out: &mut out,
        serving: &mut serving,
        links: std::collections::BTreeSet::new(),
    };

    // Link types met that mizu cannot decode, per file.
    let mut unsupported: Vec<(&Path, std::collections::BTreeSet<u32>, u64)> = Vec::new();
    'files: for path in &args.files {
        let unsupported_before = engine.stats().decode.unsupported_link;
        let mut source = match open(path) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("mizu: {e}");
                status = status.max(EXIT_UNREADABLE);
                continue;
            }
        };
        sink.links.clear();
        let end = mizu_pipeline::run(&mut source, &mut engine, &mut sink, &Options::default());
        let links = std::mem::take(&mut sink.links);
        let n = engine.stats().decode.unsupported_link - unsupported_before;
        if n > 0 {
            unsupported.push((path.as_path(), links, n));
        }
        let s = source.stats();
        totals.packets += s.packets;
        totals.bytes += s.bytes;
        totals.dropped += s.dropped;
        match end {
            Ok(End::Exhausted) => {}
            Ok(End::Stopped) => break 'files,
            Err(e) => {
                eprintln!("mizu: {e}");
                status = status.max(match e.kind() {
                    SourceErrorKind::Truncated | SourceErrorKind::Corrupt => EXIT_TRUNCATED,
                    SourceErrorKind::NotACapture | SourceErrorKind::Empty | SourceErrorKind::Io => {
                        EXIT_UNREADABLE
                    }
                });
            }
        }
    }
    engine.finish(&mut |e| sink.push(e));
    drop(sink);
    let (write_error, skipped) = out.finish();
    let est = engine.stats();
    for (path, links, n) in &unsupported {
        let list: Vec<String> = links.iter().map(u32::to_string).collect();
        eprintln!(
            "mizu: {}: {n} packets of link type {} (LINKTYPE numbers) that mizu cannot decode: nothing in them was decoded. Supported: Ethernet (1), Linux cooked (113, 276), raw IP (101, 228, 229), loopback (0, 108); capture with `tcpdump -i any` or on an Ethernet interface.",
            path.display(),
            list.join(", ")
        );
    }
    if est.decode.packets > 0 && est.decode.unsupported_link == est.decode.packets {
        status = status.max(EXIT_UNREADABLE);
    }
    if let Some(e) = write_error
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        eprintln!("mizu: cannot write output: {e}");
        status = status.max(EXIT_OUTPUT);
    }
    if args.stats || args.stats_json {
        print_stats(&totals, &est, skipped, args.stats_json);
    }
    if let Some(s) = serving {
        let code = s.finish();
        if status != 0 {
            return ExitCode::from(status);
        }
        return code;
    }
    ExitCode::from(status)
}

/// The pipeline's sink for `read`: the in-process hub (`--serve`) or the output.
struct ReadSink<'a> {
    out: &'a mut Output,
    serving: &'a mut Option<crate::serve::Serving>,
    /// Link types of the current file that mizu cannot decode.
    links: std::collections::BTreeSet<u32>,
}

impl Sink for ReadSink<'_> {
    fn push(&mut self, e: mizu_model::Entry) {
        if let Some(s) = self.serving.as_mut() {
            if let Output::Inline {
                filter: Some(f), ..
            } = &mut *self.out
                && !f.keep(&e)
            {
                return;
            }
            s.push(e);
            return;
        }
        self.out.push(e);
    }

    /// Threaded printing: entries land straight in the batch (no per-entry call).
    fn batch(&mut self) -> Option<&mut Vec<mizu_model::Entry>> {
        if self.serving.is_some() {
            return None;
        }
        self.out.batch()
    }

    fn batch_grew(&mut self) {
        self.out.batch_grew();
    }

    fn packet(&mut self, pkt: &mizu_wire::RawPacket<'_>) {
        if let mizu_source::LinkType::Unknown(n) = pkt.link {
            self.links.insert(n);
        }
    }

    fn stopped(&self) -> bool {
        self.out.failed()
    }
}

/// Entries handed to the printing thread at a time, and the estimated bytes that also
/// close a batch (so a run of big-body entries cannot pile up in memory). Usually the
/// byte estimate closes it first (about 1800 small entries): big batches mean few
/// wake-ups; printed batches go back to the decoding thread, which frees their entries.
const BATCH_ENTRIES: usize = 4096;
const BATCH_BYTES: u64 = 1 << 20;
/// Batches queued between the threads before decoding waits for printing.
const BATCHES_QUEUED: usize = 2;
/// Printed entries at least this big (request + response bytes) are freed by the printing
/// thread rather than sent back to the decoder.
const BIG_ENTRY: u64 = 64 << 10;

/// Where entries go: filtered and printed here, or by a second thread.
enum Output {
    Inline {
        writer: Writer<std::io::BufWriter<std::io::StdoutLock<'static>>>,
        filter: Option<crate::serve::ReadFilter>,
        error: Option<std::io::Error>,
    },
    Threaded {
        tx: Option<std::sync::mpsc::SyncSender<Vec<mizu_model::Entry>>>,
        /// Printed batches coming back, so their entries are freed by this thread (which
        /// allocated them) and their (megabyte-sized) buffers are reused instead of
        /// allocated and page-faulted in for every batch.
        empties: std::sync::mpsc::Receiver<Vec<mizu_model::Entry>>,
        batch: Vec<mizu_model::Entry>,
        batch_bytes: u64,
        /// Entries of `batch` already added to `batch_bytes`.
        counted: usize,
        failed: std::sync::Arc<std::sync::atomic::AtomicBool>,
        thread: Option<std::thread::JoinHandle<(Option<std::io::Error>, u64)>>,
    },
}

impl Output {
    fn threaded(
        format: Format,
        mut filter: Option<crate::serve::ReadFilter>,
        rules: Option<std::sync::Arc<mizu_analysis::rules::RuleSet>>,
    ) -> Output {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<mizu_model::Entry>>(BATCHES_QUEUED);
        let failed = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = failed.clone();
        let (back, empties) =
            std::sync::mpsc::sync_channel::<Vec<mizu_model::Entry>>(BATCHES_QUEUED + 1);
        let spawned = std::thread::Builder::new()
            .name("mizu-print".into())
            .spawn(move || {
                let stdout = std::io::stdout();
                let mut writer = Writer::new(
                    format,
                    std::io::BufWriter::with_capacity(1 << 16, stdout.lock()),
                );
                writer.rules = rules;
                let mut error = None;
                'batches: for mut batch in rx {
                    for e in &batch {
                        if filter.as_mut().is_some_and(|f| !f.keep(e)) {
                            continue;
                        }
                        if let Err(err) = writer.write(e) {
                            error = Some(err);
                            flag.store(true, std::sync::atomic::Ordering::Relaxed);
                            break 'batches;
                        }
                        if filter.as_ref().is_some_and(|f| f.exhausted()) {
                            // `limit(n)` reached: tell the decoder to stop.
                            flag.store(true, std::sync::atomic::Ordering::Relaxed);
                            break 'batches;
                        }
                    }
                    // Back to the decoder with its entries: it frees them there. Memory
                    // is freed far more cheaply by the thread that allocated it (mimalloc:
                    // a free from another thread takes the slow, atomic path; it was ~15%
                    // of all instructions of `mizu read` on keep-alive HTTP/1). Full or
                    // gone: dropped here, and the decoder allocates a new batch instead.
                    // Entries with large bodies are freed here, at once, so a returning
                    // batch never holds a big body longer than printing it took.
                    batch.retain(|e| e.request_size + e.response_size < BIG_ENTRY);
                    let _ = back.try_send(batch);
                }
                if error.is_none()
                    && let Err(err) = writer.finish()
                {
                    error = Some(err);
                }
                (error, writer.skipped())
            });
        match spawned {
            Ok(handle) => Output::Threaded {
                tx: Some(tx),
                empties,
                batch: Vec::with_capacity(BATCH_ENTRIES + 64),
                batch_bytes: 0,
                counted: 0,
                failed,
                thread: Some(handle),
            },
            // The OS refused a thread: report it as an output failure (exit 5).
            Err(e) => Output::Inline {
                writer: Writer::new(
                    format,
                    std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock()),
                ),
                filter: None,
                error: Some(std::io::Error::other(format!(
                    "cannot start the printing thread: {e}"
                ))),
            },
        }
    }

    fn push(&mut self, e: mizu_model::Entry) {
        match self {
            Output::Inline {
                writer,
                filter,
                error,
            } => {
                if error.is_some() || filter.as_mut().is_some_and(|f| !f.keep(&e)) {
                    return;
                }
                if let Err(err) = writer.write(&e) {
                    *error = Some(err);
                }
            }
            Output::Threaded { batch, .. } => {
                batch.push(e);
                self.batch_grew();
            }
        }
    }

    /// The batch being filled, when printing is threaded (and has not failed).
    fn batch(&mut self) -> Option<&mut Vec<mizu_model::Entry>> {
        match self {
            Output::Threaded {
                tx: Some(_), batch, ..
            } => Some(batch),
            _ => None,
        }
    }

    /// Entries were appended to the batch: count them, and send it once full.
    fn batch_grew(&mut self) {
        let Output::Threaded {
            tx,
            empties,
            batch,
            batch_bytes,
            counted,
            ..
        } = self
        else {
            return;
        };
        for e in &batch[*counted..] {
            *batch_bytes += 512 + e.request_size + e.response_size;
        }
        *counted = batch.len();
        if batch.len() >= BATCH_ENTRIES || *batch_bytes >= BATCH_BYTES {
            let next = empties.try_recv().map_or_else(
                |_| Vec::with_capacity(BATCH_ENTRIES + 64),
                |mut printed| {
                    printed.clear();
                    printed
                },
            );
            let full = std::mem::replace(batch, next);
            *batch_bytes = 0;
            *counted = 0;
            // A send fails only when the printer has stopped on an error, which
            // `failed` reports.
            if let Some(t) = tx
                && t.send(full).is_err()
            {
                *tx = None;
            }
        }
    }

    /// Output can no longer be written, or the filter's `limit(n)` is reached (stop
    /// decoding).
    fn failed(&self) -> bool {
        match self {
            Output::Inline { error, filter, .. } => {
                error.is_some() || filter.as_ref().is_some_and(|f| f.exhausted())
            }
            Output::Threaded { failed, tx, .. } => {
                tx.is_none() || failed.load(std::sync::atomic::Ordering::Relaxed)
            }
        }
    }

    /// Flushes everything; returns the first write error and the entries the format
    /// could not express.
    fn finish(self) -> (Option<std::io::Error>, u64) {
        match self {
            Output::Inline {
                mut writer, error, ..
            } => {
                let fin = writer.finish().err();
                (error.or(fin), writer.skipped())
            }
            Output::Threaded {
                mut tx,
                batch,
                thread,
                ..
            } => {
                if let Some(t) = tx.take() {
                    if !batch.is_empty() {
                        let _ = t.send(batch);
                    }
                    drop(t);
                }
                match thread.map(std::thread::JoinHandle::join) {
                    Some(Ok(r)) => r,
                    _ => (
                        Some(std::io::Error::other("the printing thread panicked")),
                        0,
                    ),
                }
            }
        }
    }
}

fn print_stats(src: &SourceStats, st: &EngineStats, har_skipped: u64, json: bool) {
    if json {
        let v = serde_json::json!({ "source": src, "engine": st, "harSkipped": har_skipped });
        eprintln!("{v}");
        return;
    }
    let r = &st.reassembly;
    let d = &st.decode;
    let mut lines = vec![
        format!("packets          {} ({} bytes)", src.packets, src.bytes),
        format!(
            "decoded          tcp {}  udp {}  other {}  non-ip {}  malformed {}  truncated(snaplen) {}  unsupported-link {}",
            d.tcp, d.udp, d.other, d.non_ip, d.malformed, d.truncated, d.unsupported_link
        ),
        format!(
            "ip fragments     {} seen, {} datagrams reassembled, {} dropped",
            d.fragments, d.fragments_reassembled, d.fragments_dropped
        ),
        format!(
            "flows            {} tcp ({} mid-stream), {} dissected, {} unparsed, {} empty",
            st.flows, r.midstream_pickups, st.flows_dissected, st.flows_unparsed, st.flows_empty
        ),
        format!("entries          {}", st.entries),
    ];
    for (id, p) in &st.protocols {
        lines.push(format!(
            "  {id:<14} {} flows, {} entries, {} diagnostics",
            p.flows, p.entries, p.diagnostics
        ));
    }
    if st.diagnostics > 0 {
        let kinds: Vec<String> = st
            .diagnostics_by_kind
            .iter()
            .map(|(k, n)| format!("{k} {n}"))
            .collect();
        lines.push(format!(
            "diagnostics      {} ({})",
            st.diagnostics,
            kinds.join(", ")
        ));
    }
    lines.push(format!(
        "gaps             {} ({} bytes never captured)",
        r.gaps, r.gap_bytes
    ));
    lines.push(format!(
        "duplicates       {} segments ({} bytes), overlap {} bytes, out-of-order {} segments",
        r.duplicate_segments, r.duplicate_bytes, r.overlap_bytes, r.out_of_order_segments
    ));
    lines.push(format!(
        "drops            out-of-order buffer {} bytes, flows evicted {}, session overflow {} bytes, ignored segments {}",
        r.ooo_dropped_bytes, r.flows_evicted, st.session_overflow_bytes, r.ignored_segments
    ));
    if st.memory_budget > 0 {
        lines.push(format!(
            "memory           budget {} bytes, peak {} bytes, shed {} flows ({} buffered bytes)",
            st.memory_budget, st.memory_peak, st.memory_shed_flows, st.memory_shed_bytes
        ));
    }
    lines.push(format!(
        "unparsed         {} bytes ({} skipped before the first message of mid-stream flows)",
        st.unparsed_bytes, st.midstream_skipped_bytes
    ));
    if !st.unparsed_reasons.is_empty() {
        let list: Vec<String> = st
            .unparsed_reasons
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect();
        lines.push(format!("  skipped by dissectors: {}", list.join(", ")));
    }
    if st.upgrades > 0 {
        let list: Vec<String> = st
            .upgrades_unparsed
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect();
        lines.push(format!(
            "upgrades         {} (not dissected: {})",
            st.upgrades,
            if list.is_empty() {
                "none".to_owned()
            } else {
                list.join(", ")
            }
        ));
    }
    if src.dropped > 0 {
        lines.push(format!("capture drops    {} packets", src.dropped));
    }
    if har_skipped > 0 {
        lines.push(format!(
            "har              {har_skipped} non-HTTP entries left out"
        ));
    }
    eprintln!("{}", lines.join("\n"));
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes_parse_with_binary_units() {
        assert_eq!(parse_size("1024"), Ok(1024));
        assert_eq!(parse_size("64K"), Ok(64 << 10));
        assert_eq!(parse_size("1M"), Ok(1 << 20));
        assert_eq!(parse_size("1MiB"), Ok(1 << 20));
        assert_eq!(parse_size("1KiB"), Ok(1024));
        // One meaning everywhere: decimal units are powers of ten.
        assert_eq!(parse_size("512KB"), Ok(512_000));
        assert_eq!(parse_size("2gb"), Ok(2_000_000_000));
        assert!(parse_size("12Q").is_err_and(|e| e.contains("unknown size unit")));
        assert!(parse_size("lots").is_err());
    }
}
