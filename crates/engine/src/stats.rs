//! Counters for every stage, so nothing is dropped silently: `mizu read --stats` prints
//! them and the hub will export them.

use mizu_dissect::{DiagKind, Diagnostic};
use mizu_reassembly::ReassemblyStats;
use mizu_wire::DecodeStats;
use serde::Serialize;
use std::collections::BTreeMap;

/// Per-protocol counters.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ProtocolStats {
    /// Connections this protocol was detected on.
    pub flows: u64,
    pub entries: u64,
    pub diagnostics: u64,
    /// `diagnostics` by kind (`gap`, `malformed`…, see [`DiagKind`]); only kinds seen.
    pub diagnostics_by_kind: BTreeMap<&'static str, u64>,
}

/// What the engine saw and what it could not use.
#[derive(Clone, Debug, Default, Serialize)]
pub struct EngineStats {
    pub decode: DecodeStats,
    pub reassembly: ReassemblyStats,
    /// TCP connections seen.
    pub flows: u64,
    pub active_flows: u64,
    /// Connections handed to a dissector.
    pub flows_dissected: u64,
    /// Connections with payload that no dissector recognised.
    pub flows_unparsed: u64,
    /// Connections that closed without carrying any payload.
    pub flows_empty: u64,
    /// Closed connections by reason (fin, rst, idle, evicted, endofinput).
    pub flows_closed: BTreeMap<String, u64>,
    /// Payload bytes no dissector parsed (unknown protocols, leftovers at close).
    pub unparsed_bytes: u64,
    /// `unparsed_bytes` by reason: a dissector's (bytes it consumed but could show in no
    /// entry: `kafka: malformed or oversized frames`…), [`NOT_RECOGNISED`](crate::NOT_RECOGNISED)
    /// or [`UNFINISHED`](crate::UNFINISHED). The values add up to `unparsed_bytes`. At most
    /// [`MAX_UNPARSED_REASONS`](crate::MAX_UNPARSED_REASONS) reasons; later ones count
    /// under `other`.
    pub unparsed_reasons: BTreeMap<String, u64>,
    /// Bytes skipped before the first recognised message of a connection joined mid-stream.
    pub midstream_skipped_bytes: u64,
    /// Bytes dropped because a session left too much unconsumed.
    pub session_overflow_bytes: u64,
    /// Gap events delivered to sessions, and bytes they covered.
    pub session_gaps: u64,
    pub session_gap_bytes: u64,
    pub entries: u64,
    pub diagnostics: u64,
    /// `diagnostics` by kind (`gap`, `truncated`, `malformed`, `decompress`, `limit`,
    /// `unsupported`, `unanswered`, `peer_error`); only kinds seen. The values add up to
    /// `diagnostics`.
    pub diagnostics_by_kind: BTreeMap<&'static str, u64>,
    /// Protocol switches (`101 Switching Protocols`).
    pub upgrades: u64,
    /// Upgrades to protocols no dissector speaks, by token (bytes counted as unparsed).
    pub upgrades_unparsed: BTreeMap<String, u64>,
    pub protocols: BTreeMap<String, ProtocolStats>,
    /// The memory budget (`EngineConfig::max_memory`; 0: none), bytes counted against it
    /// now, and the most ever counted (measured after each packet, before shedding).
    pub memory_budget: u64,
    pub memory_used: u64,
    pub memory_peak: u64,
    /// Connections closed early to keep the budget (`flows_closed.shed`), and the buffered
    /// stream bytes they dropped (also counted as session gap bytes, or unparsed bytes for
    /// connections still being probed).
    pub memory_shed_flows: u64,
    pub memory_shed_bytes: u64,
    /// The datagram (UDP) path: datagrams, pseudo-flows, unrecognised bytes.
    pub datagrams: crate::DatagramStats,
}

impl EngineStats {
    /// Counts what one session call produced for protocol `id`: its entries and its
    /// diagnostics, in total and by kind.
    pub(crate) fn count_output(&mut self, id: &str, entries: usize, diagnostics: &[Diagnostic]) {
        let ps = self.protocols.entry(id.to_owned()).or_default();
        ps.entries += entries as u64;
        ps.diagnostics += diagnostics.len() as u64;
        for d in diagnostics {
            *ps.diagnostics_by_kind.entry(d.kind.as_str()).or_default() += 1;
        }
        self.entries += entries as u64;
        self.diagnostics += diagnostics.len() as u64;
        for d in diagnostics {
            *self.diagnostics_by_kind.entry(d.kind.as_str()).or_default() += 1;
        }
    }

    /// `diagnostics_by_kind` with every kind, zeros included (for exporters that want a
    /// stable set of series).
    pub fn diagnostics_by_every_kind(&self) -> Vec<(&'static str, u64)> {
        DiagKind::ALL
            .iter()
            .map(|k| {
                let n = self
                    .diagnostics_by_kind
                    .get(k.as_str())
                    .copied()
                    .unwrap_or(0);
                (k.as_str(), n)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diagnostics_are_counted_by_kind_and_add_up() {
        let mut st = EngineStats::default();
        let d = |k| Diagnostic::new(k, "x");
        st.count_output("http1", 2, &[d(DiagKind::Gap), d(DiagKind::Gap)]);
        st.count_output("redis", 1, &[d(DiagKind::Malformed)]);
        assert_eq!(st.entries, 3);
        assert_eq!(st.diagnostics, 3);
        assert_eq!(st.diagnostics_by_kind.get("gap"), Some(&2));
        assert_eq!(st.diagnostics_by_kind.get("malformed"), Some(&1));
        assert_eq!(
            st.protocols["http1"].diagnostics_by_kind.get("gap"),
            Some(&2)
        );
        assert_eq!(st.protocols["redis"].diagnostics, 1);
        let every = st.diagnostics_by_every_kind();
        assert_eq!(every.len(), DiagKind::ALL.len());
        assert_eq!(every.iter().map(|(_, n)| n).sum::<u64>(), st.diagnostics);
        assert!(every.contains(&("limit", 0)));
    }
}
