//! Output formats of `mizu read`: JSON lines (the entry model), a one-line-per-entry
//! table (like the UI's list row), and HAR 1.2 (importable by Chrome DevTools).
//! Every format is written incrementally: nothing is held back until the end.

use mizu_model::Entry;
use std::io::{self, Write};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One JSON entry per line (the Mizu-compatible entry model, docs/entry.md).
    Jsonl,
    /// One aligned line per entry: time, protocol, method, status, summary, endpoints, latency.
    Table,
    /// HTTP Archive 1.2 (open in Chrome DevTools > Network > Import HAR). HTTP entries only.
    Har,
    /// Decode everything but print no entries (use with --stats to count).
    None,
}

pub struct Writer<W: Write> {
    format: Format,
    out: W,
    written: u64,
    skipped: u64,
    /// Reused serialisation buffer.
    buf: Vec<u8>,
    /// Write every entry out at once (reading a live pipe): latency over throughput.
    pub immediate: bool,
    /// `--traffic-validation-file`: JSON lines get the `rules` object of the entries a
    /// rule applies to.
    pub rules: Option<std::sync::Arc<mizu_analysis::rules::RuleSet>>,
}

impl<W: Write> Writer<W> {
    pub fn new(format: Format, out: W) -> Writer<W> {
        Writer {
            format,
            out,
            written: 0,
            skipped: 0,
            buf: Vec::with_capacity(1 << 17),
            immediate: false,
            rules: None,
        }
    }

    /// Entries the format could not express (non-HTTP entries in HAR).
    pub fn skipped(&self) -> u64 {
        self.skipped
    }

    pub fn write(&mut self, e: &Entry) -> io::Result<()> {
        match self.format {
            Format::None => {}
            Format::Jsonl => {
                // Entries accumulate in `buf` and go out in 64 KiB writes. Long strings
                // (bodies) bypass `buf`: they are escaped and written in 64 KiB pieces, so
                // printing a body holds no second copy of it.
                let out = &mut self.out;
                let mut spill_error = None;
                let mut spill = |b: &[u8]| match out.write_all(b) {
                    Ok(()) => Ok(()),
                    Err(err) => {
                        let kind = err.kind();
                        spill_error = Some(err);
                        Err(io::Error::from(kind))
                    }
                };
                let written = e.write_json_spilling(&mut self.buf, &mut spill);
                if let Some(err) = spill_error {
                    return Err(err);
                }
                written.map_err(io::Error::other)?;
                // The entry's closing brace is always in `buf` (only whole leading
                // pieces spill), so the object can be extended there.
                if let Some(out) = self.rules.as_ref().and_then(|r| r.evaluate(e)) {
                    mizu_analysis::rules::splice_member(&mut self.buf, "rules", &out.to_json());
                }
                self.buf.push(b'\n');
                if self.buf.len() >= 1 << 16 {
                    self.out.write_all(&self.buf)?;
                    self.buf.clear();
                    if self.buf.capacity() > 4 << 20 {
                        // An entry with many large fields: do not keep its peak.
                        self.buf = Vec::with_capacity(1 << 17);
                    }
                }
            }
            Format::Table => {
                if self.written == 0 {
                    writeln!(
                        self.out,
                        "{:<23} {:<6} {:<7} {:>6}  {:<40} {:<45} {:>10}",
                        "TIME", "PROTO", "METHOD", "STATUS", "SUMMARY", "SRC -> DST", "LATENCY"
                    )?;
                }
                writeln!(self.out, "{}", table_row(e))?;
            }
            Format::Har => {
                let Some(v) = mizu_model::har::entry(e) else {
                    self.skipped += 1;
                    return Ok(());
                };
                if self.written == 0 {
                    self.out.write_all(mizu_model::har::PREAMBLE.as_bytes())?;
                } else {
                    self.out.write_all(b",\n")?;
                }
                serde_json::to_writer(&mut self.out, &v)?;
            }
        }
        self.written += 1;
        if self.immediate {
            self.out.write_all(&self.buf)?;
            self.buf.clear();
            self.out.flush()?;
        }
        Ok(())
    }

    /// Closes the document (HAR) and flushes.
    pub fn finish(&mut self) -> io::Result<()> {
        self.out.write_all(&self.buf)?;
        self.buf.clear();
        if self.format == Format::Har {
            if self.written == 0 {
                self.out.write_all(mizu_model::har::PREAMBLE.as_bytes())?;
            }
            self.out.write_all(mizu_model::har::EPILOGUE.as_bytes())?;
            // Written once: a second finish must not close the document twice.
            self.format = Format::Jsonl;
        }
        self.out.flush()
    }
}

fn truncate_chars(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

fn table_row(e: &Entry) -> String {
    let sum = mizu_dissectors::registry::summarize(e);
    let time = e.start_time.replace('T', " ");
    let time = time.get(..23).unwrap_or(&time).to_owned();
    let status = sum.status.map_or_else(|| "-".to_owned(), |s| s.to_string());
    let latency = if e.response.is_none() {
        "-".to_owned()
    } else if e.elapsed_micros < 1000 {
        format!("{}µs", e.elapsed_micros)
    } else {
        format!("{:.1}ms", e.elapsed_micros as f64 / 1000.0)
    };
    let mut flags = String::new();
    if e.gap {
        flags.push_str(" [gap]");
    }
    if e.truncated {
        flags.push_str(" [truncated]");
    }
    format!(
        "{:<23} {:<6} {:<7} {:>6}  {:<40} {:<45} {:>10}{}",
        time,
        e.protocol.abbr,
        truncate_chars(&sum.method, 7),
        status,
        truncate_chars(&sum.summary, 40),
        format!("{}:{} -> {}:{}", e.src.ip, e.src.port, e.dst.ip, e.dst.port),
        latency,
        flags
    )
}
