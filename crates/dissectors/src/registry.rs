//! The protocol table: a [`Registry`] value built from the `protocols!` list in `lib.rs`
//! (one line per protocol) and a [`Config`]. Everything protocol-specific outside the
//! dissectors is derived from it: the engine's dissector list and port hints, the filter
//! language's protocol macros and facet vocabulary, and the hub's [`ProtocolTable`]
//! (colours, abbreviations, summaries) — so a new protocol needs no edit anywhere else.

use std::sync::Arc;

use mizu_dissect::{
    Dissector, ProtocolInfo, ProtocolTable, Summary, generic_summary, protocol_macros,
};
use mizu_model::Entry;

use crate::Config;

/// A protocol's constructor: its module's `dissector` function.
pub type Constructor = fn(&Config) -> Arc<dyn Dissector>;

/// The dissectors of one configuration, in probing order. Cheap to clone.
#[derive(Clone)]
pub struct Registry {
    dissectors: Arc<[Arc<dyn Dissector>]>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.dissectors.iter().map(|d| d.info().id))
            .finish()
    }
}

impl Default for Registry {
    fn default() -> Registry {
        Registry::new(&Config::default())
    }
}

impl Registry {
    /// Every compiled-in dissector, configured by `config`.
    pub fn new(config: &Config) -> Registry {
        let mut list: Vec<Arc<dyn Dissector>> = crate::CONSTRUCTORS
            .iter()
            .map(|make| make(config))
            .collect();
        // Stable: the list's order breaks ties.
        list.sort_by_key(|d| d.info().priority);
        Registry {
            dissectors: list.into(),
        }
    }

    /// The dissectors, lowest `priority` first (the engine may reorder by port hints).
    pub fn dissectors(&self) -> &[Arc<dyn Dissector>] {
        &self.dissectors
    }

    /// The dissector with this stable id (`http1`).
    pub fn by_id(&self, id: &str) -> Option<&Arc<dyn Dissector>> {
        self.dissectors.iter().find(|d| d.info().id == id)
    }

    /// Every protocol's static descriptor, in probing order.
    pub fn infos(&self) -> Vec<&'static ProtocolInfo> {
        self.dissectors.iter().map(|d| d.info()).collect()
    }

    /// The list-row summary of an entry (see [`summarize_with`]).
    pub fn summarize(&self, entry: &Entry) -> Summary {
        summarize_with(&self.dissectors, entry)
    }

    /// The filter language's protocol macros (`name → expansion`), one or more per
    /// protocol from [`ProtocolInfo::macros`], first definition of a name winning.
    pub fn macros(&self) -> Vec<(&'static str, &'static str)> {
        protocol_macros(&self.infos())
    }

    /// The usual server ports of every protocol (sorted, no repeats): the reassembler's
    /// hints for orienting connections whose handshake was not captured.
    pub fn server_ports(&self) -> Vec<u16> {
        let mut ports: Vec<u16> = self
            .infos()
            .iter()
            .flat_map(|i| i.ports.iter().copied())
            .collect();
        ports.sort_unstable();
        ports.dedup();
        ports
    }

    /// The table the hub needs: descriptors, macros and summaries, without the hub
    /// linking any dissector itself.
    pub fn table(&self) -> ProtocolTable {
        let dissectors = self.dissectors.clone();
        ProtocolTable::new(self.infos(), move |e: &Entry| {
            dissectors.iter().find_map(|d| d.summarize(e))
        })
    }
}

/// The list-row summary of an entry: the first dissector that recognises it, else
/// [`generic_summary`] (method and path for HTTP-shaped payloads, the protocol's badge
/// text otherwise).
pub fn summarize_with(dissectors: &[Arc<dyn Dissector>], entry: &Entry) -> Summary {
    if let Some(s) = dissectors.iter().find_map(|d| d.summarize(entry)) {
        return s;
    }
    generic_summary(entry)
}

/// The default registry, built once (for callers that need no configuration, such as
/// the summaries of `mizu read`'s table output).
pub fn default_registry() -> &'static Registry {
    static DEFAULT: std::sync::OnceLock<Registry> = std::sync::OnceLock::new();
    DEFAULT.get_or_init(Registry::default)
}

/// The list-row summary with the default registry.
pub fn summarize(entry: &Entry) -> Summary {
    default_registry().summarize(entry)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_priorities_are_unique() {
        let r = Registry::default();
        let mut ids: Vec<_> = r.infos().iter().map(|i| i.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), r.dissectors().len());
        assert!(r.by_id("http1").is_some());
        assert!(r.by_id("nope").is_none());
        let prios: Vec<_> = r.infos().iter().map(|i| i.priority).collect();
        assert!(prios.windows(2).all(|w| w[0] <= w[1]), "sorted by priority");
    }

    #[test]
    fn every_protocol_has_its_macro() {
        let r = Registry::default();
        let macros = r.macros();
        for info in r.infos() {
            assert!(
                macros.iter().any(|(n, _)| *n == info.macro_name),
                "{} has no `{}` macro",
                info.id,
                info.macro_name
            );
        }
    }
}
