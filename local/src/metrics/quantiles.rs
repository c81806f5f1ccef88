//! Durations kept in bounded memory for their p50 and p99: the first 4,096
//! exactly, then a histogram of logarithmic buckets, each 1 % wider than
//! the one before, so a quantile is off by at most half a percent whatever
//! the number of requests (a long-running server keeps a few hundred
//! counters a route, not every duration).

use std::collections::BTreeMap;

/// The smallest duration told apart from zero, in milliseconds (1 µs).
const FLOOR_MS: f64 = 0.001;
/// Each bucket's upper bound is this factor times its lower bound.
const GROWTH: f64 = 1.01;
/// Durations kept exactly before the histogram takes over.
const EXACT: usize = 4096;

#[derive(Clone, Debug, Default)]
pub struct Quantiles {
    /// The durations while there are at most [`EXACT`] (then empty).
    exact: Vec<f64>,
    /// Bucket index → how many durations fell in it (index 0: ≤ FLOOR_MS).
    buckets: BTreeMap<u32, u64>,
    count: u64,
    sum_ms: f64,
}

impl Quantiles {
    pub fn record(&mut self, ms: f64) {
        let ms = if ms.is_finite() { ms.max(0.0) } else { 0.0 };
        self.count += 1;
        self.sum_ms += ms;
        if self.buckets.is_empty() && self.exact.len() < EXACT {
            self.exact.push(ms);
            return;
        }
        for ms in std::mem::take(&mut self.exact).into_iter().chain([ms]) {
            *self.buckets.entry(bucket(ms)).or_default() += 1;
        }
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    pub fn sum_ms(&self) -> f64 {
        self.sum_ms
    }

    /// The nearest-rank `q` quantile (0 < q ≤ 1): the smallest duration at
    /// least `q` of all are no greater than, to within half a percent.
    /// `None` before any duration.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        if self.count == 0 {
            return None;
        }
        let rank = ((q * self.count as f64).ceil() as u64).clamp(1, self.count);
        if self.buckets.is_empty() {
            let mut sorted = self.exact.clone();
            sorted.sort_by(f64::total_cmp);
            return sorted.get(rank as usize - 1).copied();
        }
        let mut seen = 0;
        for (&index, &n) in &self.buckets {
            seen += n;
            if seen >= rank {
                return Some(representative(index));
            }
        }
        None
    }
}

/// The largest duration told apart, in milliseconds (a day): longer ones
/// share the top bucket, so a histogram has at most about 2,500 buckets.
const CEILING_MS: f64 = 86_400_000.0;

fn bucket(ms: f64) -> u32 {
    if ms <= FLOOR_MS {
        0
    } else {
        ((ms.min(CEILING_MS) / FLOOR_MS).ln() / GROWTH.ln()).ceil() as u32
    }
}

/// The middle (geometric) of a bucket: within half a percent of anything in it.
fn representative(index: u32) -> f64 {
    if index == 0 {
        return FLOOR_MS;
    }
    FLOOR_MS * GROWTH.powf(index as f64 - 0.5)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_are_the_nearest_rank_within_half_a_percent() {
        let mut q = Quantiles::default();
        assert_eq!(q.quantile(0.5), None);
        // 1..=1000 ms in a scrambled order, ten times: p50 is 500, p99 990,
        // exact for the first 4,096, within half a percent after.
        for round in 0..10 {
            for i in 0..1000u64 {
                q.record(((i * 7919) % 1000 + 1) as f64);
            }
            for (quantile, exact) in [(0.5, 500.0), (0.99, 990.0), (1.0, 1000.0), (0.001, 1.0)] {
                let got = q.quantile(quantile).unwrap();
                match round {
                    0..=3 => assert_eq!(got, exact, "round {round}, p{quantile}"),
                    _ => {
                        assert!((got - exact).abs() / exact <= 0.005, "round {round}, p{quantile}: {got}, not {exact}")
                    }
                }
            }
        }
        assert_eq!((q.count(), q.sum_ms()), (10_000, 5_005_000.0));
        assert!(q.exact.is_empty(), "the histogram took over");
        // One request: every quantile is it; nothing odd breaks it.
        let mut one = Quantiles::default();
        one.record(0.42);
        assert_eq!(one.quantile(0.99), Some(0.42));
        for odd in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            one.record(odd);
        }
        assert_eq!(one.quantile(0.01), Some(0.0));
    }
}
