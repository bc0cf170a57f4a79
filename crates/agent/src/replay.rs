//! Replay mode (`mizu agent --read FILE…`): capture files (or a pcap stream on stdin)
//! through the same engine `mizu read` uses, into the agent. Used by tests and to feed
//! a hub from recorded traffic; live capture plugs into [`Agent::push`] the same way.

use crate::{Agent, CaptureStats};
use mizu_engine::{Engine, EngineConfig, EngineStats};
use mizu_source::{FileSource, PacketSource, SourceError};
use std::path::PathBuf;

/// What a replay read.
#[derive(Clone, Debug, Default)]
pub struct ReplayStats {
    pub packets: u64,
    pub entries: u64,
    /// Input problems (unreadable or truncated files), one line each.
    pub errors: Vec<String>,
}

/// The capture counters an agent reports, from its packet count, the source's kernel
/// drops, its own queue drops and the engine's counters (replay and live capture alike).
pub fn capture_stats(packets: u64, dropped: u64, queue: u64, s: &EngineStats) -> CaptureStats {
    CaptureStats {
        packets,
        kernel_drops: dropped,
        flows: s.flows,
        entries_by_protocol: s
            .protocols
            .iter()
            .filter(|(_, v)| v.entries > 0)
            .map(|(k, v)| (k.clone(), v.entries))
            .collect(),
        parse_errors: s.flows_unparsed + s.upgrades_unparsed.values().sum::<u64>(),
        diagnostics_by_kind: s
            .diagnostics_by_kind
            .iter()
            .map(|(k, v)| ((*k).to_owned(), *v))
            .collect(),
        queue_drops: queue,
        worker_packets: Vec::new(),
    }
}

impl Agent {
    /// Reads the files in order as one capture (`-` is standard input), pushing every
    /// entry; returns at the end of the input (the agent keeps sending).
    pub fn replay(&self, files: &[PathBuf], config: EngineConfig) -> ReplayStats {
        let mut engine = Engine::new(config, mizu_dissectors::Registry::default().dissectors());
        let ring = self.packet_ring();
        let mut out = ReplayStats::default();
        let mut dropped = 0u64;
        let mut entries = 0u64;
        let mut sink = |e| {
            entries += 1;
            self.push(e);
        };
        for path in files {
            let src: Result<FileSource, SourceError> = if path.as_os_str() == "-" {
                FileSource::from_reader("stdin".to_owned(), Box::new(std::io::stdin()))
            } else {
                FileSource::open(path)
            };
            let mut src = match src {
                Ok(s) => s,
                Err(e) => {
                    out.errors.push(e.to_string());
                    continue;
                }
            };
            loop {
                match src.next_packet() {
                    Ok(Some(p)) => {
                        if let Some(r) = &ring {
                            r.lock().unwrap_or_else(|e| e.into_inner()).push(&p);
                        }
                        engine.push(&p, &mut sink);
                        out.packets += 1;
                        if out.packets % 256 == 0 {
                            let s = src.stats();
                            self.set_capture_stats(capture_stats(
                                out.packets,
                                dropped + s.dropped,
                                0,
                                &engine.stats(),
                            ));
                        }
                    }
                    Ok(None) => break,
                    Err(e) => {
                        out.errors.push(e.to_string());
                        break;
                    }
                }
            }
            dropped += src.stats().dropped;
        }
        engine.finish(&mut sink);
        out.entries = entries;
        self.set_capture_stats(capture_stats(out.packets, dropped, 0, &engine.stats()));
        out
    }
}
