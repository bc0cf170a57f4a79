//! The agent list `/status` shows: bounded, and disconnected agents expire.
//!
//! An agent stays listed while connected. Once disconnected it is kept for
//! [`crate::Limits::agent_expiry`] (so a restarting agent keeps its counters), then
//! dropped; and the list never holds more than [`crate::Limits::max_agent_records`]
//! agents: past that, the disconnected agent seen longest ago goes first. Every agent
//! dropped is counted (`agentsExpired` in `/status`, `mizu_hub_agents_expired_total`).
//! Connected agents are never dropped (their number is bounded by `max_agents`).

use crate::{AgentStatus, Limits};
use std::collections::BTreeMap;

/// Longest agent or node name kept (longer ones are cut at a character boundary).
pub const MAX_NAME_BYTES: usize = 128;

/// Cuts a client-given name to [`MAX_NAME_BYTES`].
pub(crate) fn bounded_name(mut s: String) -> String {
    if s.len() > MAX_NAME_BYTES {
        let mut end = MAX_NAME_BYTES;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
    }
    s
}

/// Drops expired agents, then the stalest disconnected ones until there is room for
/// `room` more. Returns how many were dropped.
pub(crate) fn prune(
    map: &mut BTreeMap<String, AgentStatus>,
    now_ms: i64,
    limits: &Limits,
    room: usize,
) -> u64 {
    let before = map.len();
    let expiry = i64::try_from(limits.agent_expiry.as_millis()).unwrap_or(i64::MAX);
    map.retain(|_, a| a.connected || now_ms.saturating_sub(a.last_seen) < expiry);
    let max = limits.max_agent_records.max(1);
    while map.len() + room > max {
        let stalest = map
            .iter()
            .filter(|(_, a)| !a.connected)
            .min_by_key(|(_, a)| a.last_seen)
            .map(|(k, _)| k.clone());
        match stalest {
            Some(k) => {
                map.remove(&k);
            }
            None => break,
        }
    }
    (before - map.len()) as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn agent(name: &str, connected: bool, last_seen: i64) -> (String, AgentStatus) {
        (
            name.to_owned(),
            AgentStatus {
                agent: name.to_owned(),
                connected,
                last_seen,
                ..AgentStatus::default()
            },
        )
    }

    #[test]
    fn expires_and_bounds_disconnected_agents_only() {
        let limits = Limits {
            max_agent_records: 3,
            agent_expiry: Duration::from_secs(10),
            ..Limits::default()
        };
        let mut m: BTreeMap<_, _> = [
            agent("old", false, 0),
            agent("live-old", true, 0),
            agent("recent", false, 9_000),
            agent("newer", false, 9_500),
        ]
        .into_iter()
        .collect();
        // At 10.5 s "old" expired (10.5 s unseen); "recent" goes to make room for one more.
        assert_eq!(prune(&mut m, 10_500, &limits, 1), 2);
        let left: Vec<_> = m.keys().map(String::as_str).collect();
        assert_eq!(left, ["live-old", "newer"]);
        // Connected agents are never dropped, even past the bound.
        let mut m: BTreeMap<_, _> = (0..5).map(|i| agent(&format!("a{i}"), true, 0)).collect();
        assert_eq!(prune(&mut m, 1 << 40, &limits, 1), 0);
        assert_eq!(m.len(), 5);
        let long = "é".repeat(100);
        assert_eq!(bounded_name(long).len(), 128);
    }
}
