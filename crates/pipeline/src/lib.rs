//! The one loop every capture runs: a [`PacketSource`] feeds an [`Engine`], finished
//! entries go to a [`Sink`]. `mizu read` (files), `mizu tap --local` (live rings → the
//! in-process hub) and `mizu agent` (live rings → batches to a hub) all call [`run`];
//! only the source and the sink differ, so a live packet takes exactly the path a pcap
//! packet takes.
//!
//! How to use it:
//!
//! ```no_run
//! use mizu_engine::{Engine, EngineConfig};
//! use mizu_pipeline::{Options, Sink, run};
//! use mizu_source::PacketSource;
//!
//! struct Print;
//! impl Sink for Print {
//!     fn push(&mut self, e: mizu_model::Entry) { println!("{}", e.protocol.name); }
//! }
//!
//! let mut source = mizu_source::FileSource::open("x.pcap".as_ref())?;
//! let config = EngineConfig { capture: source.capture_kind(), ..EngineConfig::default() };
//! let mut engine = Engine::new(config, mizu_dissectors::Registry::default().dissectors());
//! let end = run(&mut source, &mut engine, &mut Print, &Options::default())?;
//! engine.finish(&mut |e| Print.push(e)); // after the last source
//! # let _ = end;
//! # Ok::<(), mizu_source::SourceError>(())
//! ```
//!
//! For a live source use [`Options::live`]: the loop then waits at most `poll_ms` for
//! packets and, about every `tick_ms` of wall-clock time, calls [`Engine::tick`] with
//! the current time (flows that went quiet still produce their last entries; the engine
//! itself reads no clock) and [`Sink::tick`] with [`Progress`] (status lines, batch
//! flushes, namespace rescans). [`Sink::stopped`] ends the loop (Ctrl-C, failed output).
//! The loop never calls [`Engine::finish`]: a caller reading several files in a row
//! keeps connections open across them.

use mizu_engine::Engine;
use mizu_model::Entry;
use mizu_source::{Next, PacketSource, SourceError, SourceStats};
use mizu_wire::RawPacket;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Where entries (and, optionally, raw packets) go.
pub trait Sink {
    /// One finished entry.
    fn push(&mut self, e: Entry);

    /// A vector the engine may append entries to directly (batching sinks: saves one
    /// call per entry). [`Sink::batch_grew`] is called after each append.
    fn batch(&mut self) -> Option<&mut Vec<Entry>> {
        None
    }

    /// Entries were appended to [`Sink::batch`].
    fn batch_grew(&mut self) {}

    /// Every packet, before the engine sees it (e.g. `--pcap-out`).
    fn packet(&mut self, _pkt: &RawPacket<'_>) {}

    /// Live sources only, about every [`Options::tick_ms`] (also when no packet came).
    fn tick(&mut self, _progress: &mut Progress<'_>) {}

    /// True to end the loop (Ctrl-C, output failed).
    fn stopped(&self) -> bool {
        false
    }
}

/// What [`Sink::tick`] can look at (and change: the source, to add or remove sockets).
pub struct Progress<'a> {
    /// Wall-clock time, nanoseconds since the epoch.
    pub now: u64,
    pub source: &'a mut dyn PacketSource,
    pub engine: &'a Engine,
}

impl Progress<'_> {
    /// The source's counters.
    pub fn source_stats(&self) -> SourceStats {
        self.source.stats()
    }
}

/// How the loop runs.
#[derive(Clone, Debug)]
pub struct Options {
    /// Tick the engine and the sink by wall clock (live sources).
    pub live: bool,
    /// Longest wait for a packet before ticking anyway.
    pub poll_ms: u32,
    /// Wall-clock interval between ticks.
    pub tick_ms: u64,
}

impl Default for Options {
    /// Files: no waiting, no wall-clock ticks (the output depends only on the packets).
    fn default() -> Options {
        Options {
            live: false,
            poll_ms: 0,
            tick_ms: 1000,
        }
    }
}

impl Options {
    /// Live capture: wait up to 100 ms for packets, tick every second.
    pub fn live() -> Options {
        Options {
            live: true,
            poll_ms: 100,
            tick_ms: 1000,
        }
    }
}

/// Why [`run`] returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// The source has no more packets.
    Exhausted,
    /// [`Sink::stopped`] said so.
    Stopped,
}

/// Wall-clock now, nanoseconds since the epoch (the time base of capture timestamps).
pub fn now_nanos() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

/// Runs `source` into `engine` and `sink` until the source ends or the sink stops.
/// A source error is returned after every packet before it was processed.
pub fn run(
    source: &mut dyn PacketSource,
    engine: &mut Engine,
    sink: &mut dyn Sink,
    opts: &Options,
) -> Result<End, SourceError> {
    let tick_every = Duration::from_millis(opts.tick_ms.max(1));
    let mut next_tick = Instant::now() + tick_every;
    // Checking the clock on every packet costs more than the check is worth.
    let mut until_clock = 0u32;
    loop {
        if sink.stopped() {
            return Ok(End::Stopped);
        }
        let mut idle = false;
        match source.poll_packet(opts.poll_ms)? {
            Next::Packet(pkt) => {
                sink.packet(&pkt);
                if let Some(batch) = sink.batch() {
                    engine.push_into(&pkt, batch);
                    sink.batch_grew();
                } else {
                    engine.push(&pkt, &mut |e| sink.push(e));
                }
            }
            Next::Idle => idle = true,
            Next::End => return Ok(End::Exhausted),
        }
        if !opts.live {
            continue;
        }
        if !idle && until_clock > 0 {
            until_clock -= 1;
            continue;
        }
        until_clock = 256;
        if Instant::now() >= next_tick {
            next_tick = Instant::now() + tick_every;
            let now = now_nanos();
            engine.tick(now, &mut |e| sink.push(e));
            let mut progress = Progress {
                now,
                source: &mut *source,
                engine: &*engine,
            };
            sink.tick(&mut progress);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mizu_engine::EngineConfig;
    use mizu_wire::LinkType;

    /// A source that hands out frames, then idles `idle` times, then ends.
    struct Scripted {
        frames: Vec<Vec<u8>>,
        at: usize,
        idle: usize,
    }

    impl PacketSource for Scripted {
        fn next_packet(&mut self) -> Result<Option<RawPacket<'_>>, SourceError> {
            Ok(None)
        }
        fn poll_packet(&mut self, _timeout_ms: u32) -> Result<Next<'_>, SourceError> {
            if self.at < self.frames.len() {
                self.at += 1;
                return Ok(Next::Packet(RawPacket {
                    ts: 1_000_000_000 * self.at as u64,
                    link: LinkType::Raw,
                    data: &self.frames[self.at - 1],
                    orig_len: self.frames[self.at - 1].len() as u32,
                }));
            }
            if self.idle > 0 {
                self.idle -= 1;
                std::thread::sleep(Duration::from_millis(2));
                return Ok(Next::Idle);
            }
            Ok(Next::End)
        }
        fn stats(&self) -> SourceStats {
            SourceStats::default()
        }
        fn name(&self) -> &str {
            "scripted"
        }
        fn capture_kind(&self) -> &'static str {
            "af_packet"
        }
    }

    #[derive(Default)]
    struct Collect {
        entries: Vec<Entry>,
        packets: usize,
        ticks: usize,
    }

    impl Sink for Collect {
        fn push(&mut self, e: Entry) {
            self.entries.push(e);
        }
        fn packet(&mut self, _pkt: &RawPacket<'_>) {
            self.packets += 1;
        }
        fn tick(&mut self, p: &mut Progress<'_>) {
            assert!(p.now > 0);
            self.ticks += 1;
        }
    }

    fn ipv4_tcp(sport: u16, dport: u16, seq: u32, flags: u8, payload: &[u8]) -> Vec<u8> {
        let total = 40 + payload.len();
        let mut p = vec![
            0x45,
            0,
            (total >> 8) as u8,
            total as u8,
            0,
            0,
            0x40,
            0,
            64,
            6,
            0,
            0,
        ];
        p.extend_from_slice(&[10, 0, 0, 1, 10, 0, 0, 2]);
        if sport != 80 {
            // client -> server
        } else {
            p[12..20].copy_from_slice(&[10, 0, 0, 2, 10, 0, 0, 1]);
        }
        p.extend_from_slice(&sport.to_be_bytes());
        p.extend_from_slice(&dport.to_be_bytes());
        p.extend_from_slice(&seq.to_be_bytes());
        p.extend_from_slice(&0u32.to_be_bytes());
        p.extend_from_slice(&[0x50, flags, 0xff, 0xff, 0, 0, 0, 0]);
        p.extend_from_slice(payload);
        p
    }

    #[test]
    fn live_loop_feeds_the_engine_ticks_and_stamps_the_capture_kind() {
        let req = b"GET /x HTTP/1.1\r\nHost: a\r\n\r\n";
        let resp = b"HTTP/1.1 204 No Content\r\n\r\n";
        let mut src = Scripted {
            frames: vec![
                ipv4_tcp(40000, 80, 1, 0x18, req),
                ipv4_tcp(80, 40000, 1, 0x18, resp),
            ],
            at: 0,
            idle: 3,
        };
        let config = EngineConfig {
            capture: src.capture_kind(),
            ..EngineConfig::default()
        };
        let mut engine = Engine::new(config, mizu_dissectors::Registry::default().dissectors());
        let mut sink = Collect::default();
        let opts = Options {
            live: true,
            poll_ms: 1,
            tick_ms: 1,
        };
        let end = run(&mut src, &mut engine, &mut sink, &opts).expect("runs");
        assert_eq!(end, End::Exhausted);
        assert_eq!(sink.packets, 2);
        assert!(sink.ticks >= 1, "idle polls tick the sink");
        assert_eq!(sink.entries.len(), 1);
        assert_eq!(sink.entries[0].capture, "af_packet");
    }
}
