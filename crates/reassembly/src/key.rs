//! Flow keys and the small, fast hasher used for the flow table.
//!
//! A flow is the *unordered* pair of its two endpoints, so both directions of a
//! connection find the same entry with a single hash lookup: [`FlowKey::new`] puts the
//! smaller endpoint first and tells which one the sender was.
//!
//! The hasher is the multiply-and-rotate scheme of `rustc-hash` 2 (FxHash): a couple of
//! multiplications per key, far cheaper than SipHash. It is not DoS-resistant, which
//! is acceptable for a bounded table that evicts under pressure.

use std::hash::{BuildHasher, Hash, Hasher};
use std::net::SocketAddr;

/// The two endpoints of a flow, smaller first. IPv6 flow labels are cleared so that
/// both directions (which may carry different labels) map to the same key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct FlowKey {
    pub lo: SocketAddr,
    pub hi: SocketAddr,
}

fn normalise(addr: SocketAddr) -> SocketAddr {
    match addr {
        SocketAddr::V4(_) => addr,
        SocketAddr::V6(mut v6) => {
            v6.set_flowinfo(0);
            SocketAddr::V6(v6)
        }
    }
}

impl FlowKey {
    /// The key of the flow `src -> dst`, and whether `src` is the `lo` endpoint.
    #[inline]
    pub fn new(src: SocketAddr, dst: SocketAddr) -> (FlowKey, bool) {
        let (src, dst) = (normalise(src), normalise(dst));
        if src <= dst {
            (FlowKey { lo: src, hi: dst }, true)
        } else {
            (FlowKey { lo: dst, hi: src }, false)
        }
    }
}

#[inline]
fn hash_addr<H: Hasher>(addr: &SocketAddr, state: &mut H) {
    match addr {
        SocketAddr::V4(v4) => {
            state.write_u64((u64::from(u32::from(*v4.ip())) << 16) | u64::from(v4.port()))
        }
        SocketAddr::V6(v6) => {
            state.write_u128(u128::from(*v6.ip()));
            state.write_u64((u64::from(v6.scope_id()) << 16) | u64::from(v6.port()));
        }
    }
}

impl Hash for FlowKey {
    #[inline]
    fn hash<H: Hasher>(&self, state: &mut H) {
        hash_addr(&self.lo, state);
        hash_addr(&self.hi, state);
    }
}

const K: u64 = 0xf135_7aea_2e62_a9c5;

/// An FxHash-style hasher (see the module docs).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct FxHasher {
    hash: u64,
}

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = self.hash.wrapping_add(word).wrapping_mul(K);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word) ^ ((rest.len() as u64) << 56));
        }
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_u16(&mut self, i: u16) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    #[inline]
    fn write_u128(&mut self, i: u128) {
        self.add(i as u64);
        self.add((i >> 64) as u64);
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.hash.rotate_left(26)
    }
}

/// Builds [`FxHasher`]s; stateless, so hashing is deterministic across runs.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct FxBuildHasher;

impl BuildHasher for FxBuildHasher {
    type Hasher = FxHasher;
    #[inline]
    fn build_hasher(&self) -> FxHasher {
        FxHasher::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_directions_share_a_key() {
        let a: SocketAddr = "10.0.0.1:50000".parse().expect("addr");
        let b: SocketAddr = "10.0.0.2:80".parse().expect("addr");
        let (k1, a_lo) = FlowKey::new(a, b);
        let (k2, b_lo) = FlowKey::new(b, a);
        assert_eq!(k1, k2);
        assert_ne!(a_lo, b_lo);
        let h = |k: &FlowKey| FxBuildHasher.hash_one(k);
        assert_eq!(h(&k1), h(&k2));
    }

    #[test]
    fn ipv6_flow_label_ignored() {
        let a = SocketAddr::V6(std::net::SocketAddrV6::new(
            "fe80::1".parse().expect("ip"),
            1234,
            7,
            0,
        ));
        let a2 = SocketAddr::V6(std::net::SocketAddrV6::new(
            "fe80::1".parse().expect("ip"),
            1234,
            9,
            0,
        ));
        let b: SocketAddr = "[fe80::2]:443".parse().expect("addr");
        assert_eq!(FlowKey::new(a, b).0, FlowKey::new(b, a2).0);
    }
}
