//! A mergeable latency sketch with bounded memory: a sparse log-bucket histogram
//! (DDSketch's idea, without its crate). Every value lands in bucket
//! `floor(ln(v) / ln(GAMMA))`; a quantile is answered with its bucket's midpoint, so the
//! relative error is at most `(GAMMA - 1) / 2` ≈ 2.5%. Values are microseconds; buckets
//! stop at [`MAX_BUCKET`] (≈ 3 h; larger values share the last bucket), so a sketch holds
//! at most `MAX_BUCKET + 2` (index, count) pairs whatever the traffic.

use serde::Serialize;

/// Ratio between bucket bounds.
pub const GAMMA: f64 = 1.05;
/// Last bucket index (values ≥ `GAMMA^MAX_BUCKET` µs share it).
pub const MAX_BUCKET: u16 = 480;

/// Sparse histogram: (bucket, count) pairs sorted by bucket. Bucket 0 holds values
/// below 1 µs; bucket `i + 1` holds `[GAMMA^i, GAMMA^(i+1))`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sketch {
    buckets: Vec<(u16, u32)>,
    count: u64,
    max_us: u64,
}

/// Quantiles in milliseconds (3 decimals), as the APIs report them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Quantiles {
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    pub max: f64,
}

fn bucket_of(us: u64) -> u16 {
    if us == 0 {
        return 0;
    }
    let i = ((us as f64).ln() / GAMMA.ln()).floor();
    if i >= f64::from(MAX_BUCKET) {
        MAX_BUCKET + 1
    } else {
        i as u16 + 1
    }
}

/// The value a bucket stands for (µs): the geometric middle of its bounds.
fn value_of(b: u16) -> f64 {
    if b == 0 {
        return 0.0;
    }
    GAMMA.powf(f64::from(b - 1) + 0.5)
}

fn ms3(us: f64) -> f64 {
    (us / 1000.0 * 1000.0).round() / 1000.0
}

impl Sketch {
    pub fn new() -> Sketch {
        Sketch::default()
    }

    pub fn add(&mut self, us: u64) {
        let b = bucket_of(us);
        self.count += 1;
        self.max_us = self.max_us.max(us);
        match self.buckets.binary_search_by_key(&b, |&(k, _)| k) {
            Ok(i) => self.buckets[i].1 = self.buckets[i].1.saturating_add(1),
            Err(i) => self.buckets.insert(i, (b, 1)),
        }
    }

    pub fn merge(&mut self, other: &Sketch) {
        for &(b, c) in &other.buckets {
            match self.buckets.binary_search_by_key(&b, |&(k, _)| k) {
                Ok(i) => self.buckets[i].1 = self.buckets[i].1.saturating_add(c),
                Err(i) => self.buckets.insert(i, (b, c)),
            }
        }
        self.count += other.count;
        self.max_us = self.max_us.max(other.max_us);
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    /// The value (µs) at quantile `q` in [0, 1]; 0 for an empty sketch.
    pub fn quantile_us(&self, q: f64) -> f64 {
        if self.count == 0 {
            return 0.0;
        }
        // Nearest rank: the smallest value with at least q·n values at or below it.
        let rank = ((q.clamp(0.0, 1.0) * self.count as f64).ceil() as u64).saturating_sub(1);
        let mut seen = 0u64;
        for &(b, c) in &self.buckets {
            seen += u64::from(c);
            if seen > rank {
                // Never report more than the largest value seen.
                return value_of(b).min(self.max_us as f64);
            }
        }
        self.max_us as f64
    }

    pub fn quantiles(&self) -> Quantiles {
        Quantiles {
            p50: ms3(self.quantile_us(0.50)),
            p95: ms3(self.quantile_us(0.95)),
            p99: ms3(self.quantile_us(0.99)),
            max: ms3(self.max_us as f64),
        }
    }

    /// Heap bytes held (for the memory-bound tests).
    pub fn heap_bytes(&self) -> usize {
        self.buckets.capacity() * std::mem::size_of::<(u16, u32)>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_are_within_the_relative_error() {
        let mut s = Sketch::new();
        for v in 1..=10_000u64 {
            s.add(v * 100); // 0.1 ms .. 1 s
        }
        for (q, want) in [(0.5, 500_000.0), (0.95, 950_000.0), (0.99, 990_000.0)] {
            let got = s.quantile_us(q);
            assert!(
                (got - want).abs() / want < 0.03,
                "q{q}: got {got}, want ~{want}"
            );
        }
        assert_eq!(s.count(), 10_000);
        assert_eq!(s.quantiles().max, 1000.0);
    }

    #[test]
    fn merge_equals_adding_everything_to_one() {
        let (mut a, mut b, mut all) = (Sketch::new(), Sketch::new(), Sketch::new());
        for v in 0..500u64 {
            a.add(v * 7);
            all.add(v * 7);
            b.add(v * 13 + 1);
            all.add(v * 13 + 1);
        }
        a.merge(&b);
        assert_eq!(a, all);
    }

    #[test]
    fn memory_is_bounded_whatever_the_values() {
        let mut s = Sketch::new();
        let mut v = 1u64;
        for _ in 0..100_000 {
            s.add(v);
            v = v
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
        }
        s.add(0);
        s.add(u64::MAX);
        assert!(s.buckets.len() <= usize::from(MAX_BUCKET) + 2);
        assert_eq!(s.quantile_us(1.0), value_of(MAX_BUCKET + 1));
    }

    #[test]
    fn empty_and_tiny() {
        let mut s = Sketch::new();
        assert_eq!(s.quantiles(), Quantiles::default());
        s.add(0);
        assert_eq!(s.quantile_us(0.5), 0.0);
        s.add(1);
        assert_eq!(s.quantile_us(1.0), 1.0);
    }
}
