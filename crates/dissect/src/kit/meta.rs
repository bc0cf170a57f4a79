//! The capture facts every parsed message carries until it becomes (part of) an entry.

use mizu_model::Nanos;

/// When a message started, how many wire bytes it took, whether it was cut or follows
/// lost bytes, and the diagnostics its entry will show. One value instead of five
/// arguments.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MessageMeta {
    /// Capture time of the message's first byte.
    pub ts: Nanos,
    /// Wire bytes of the message.
    pub size: u64,
    /// The message was cut (snaplen, a limit, the connection ended).
    pub truncated: bool,
    /// Bytes were lost before or inside the message.
    pub gap: bool,
    /// Texts for the entry's `diagnostics`.
    pub diagnostics: Vec<String>,
}

impl MessageMeta {
    pub fn new(ts: Nanos, size: u64) -> MessageMeta {
        MessageMeta {
            ts,
            size,
            ..MessageMeta::default()
        }
    }

    /// Heap bytes of the diagnostics' texts (for memory accounting).
    pub fn diagnostic_bytes(&self) -> usize {
        self.diagnostics.iter().map(String::len).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_starts_clean() {
        let mut m = MessageMeta::new(7, 12);
        assert_eq!((m.ts, m.size, m.truncated, m.gap), (7, 12, false, false));
        m.diagnostics.push("abc".into());
        m.diagnostics.push("de".into());
        assert_eq!(m.diagnostic_bytes(), 5);
    }
}
