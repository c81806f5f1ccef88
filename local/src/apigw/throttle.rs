//! API Gateway's throttling: a token bucket per route. A request takes a
//! token; the bucket holds at most `burst` tokens and gains `rate` a second;
//! a request that finds it empty is answered 429 without reaching the
//! function.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::log::Sparse;
use crate::template::Throttle;

/// One route's bucket.
#[derive(Debug)]
pub struct Bucket {
    limits: Throttle,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    tokens: f64,
    refilled: Instant,
    /// Which refusals are worth a log line.
    refusals: Sparse,
}

/// A route refusing requests is logged at most this often.
const LOG_EVERY: Duration = Duration::from_secs(10);

/// What [`Bucket::take`] decided.
#[derive(Debug, PartialEq, Eq)]
pub enum Admission {
    Admitted,
    /// Refused; `log` for the first refusal, then at most once every 10 s.
    Refused {
        log: bool,
    },
}

impl Bucket {
    /// A full bucket: a burst is admitted at once.
    pub fn new(limits: Throttle) -> Bucket {
        Bucket {
            limits,
            state: Mutex::new(State {
                tokens: limits.burst,
                refilled: Instant::now(),
                refusals: Sparse::new(LOG_EVERY),
            }),
        }
    }

    pub fn limits(&self) -> Throttle {
        self.limits
    }

    pub fn take(&self) -> Admission {
        self.take_at(Instant::now())
    }

    fn take_at(&self, now: Instant) -> Admission {
        let mut state = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let elapsed = now.saturating_duration_since(state.refilled).as_secs_f64();
        state.tokens = (state.tokens + elapsed * self.limits.rate).min(self.limits.burst);
        state.refilled = now;
        if state.tokens >= 1.0 {
            state.tokens -= 1.0;
            Admission::Admitted
        } else {
            Admission::Refused { log: state.refusals.occur(now).is_some() }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn admitted(bucket: &Bucket, at: Instant, requests: usize) -> usize {
        (0..requests).filter(|_| bucket.take_at(at) == Admission::Admitted).count()
    }

    #[test]
    fn a_burst_then_the_rate() {
        let bucket = Bucket::new(Throttle { rate: 10.0, burst: 5.0 });
        let start = Instant::now();
        assert_eq!(admitted(&bucket, start, 8), 5, "a full bucket admits the burst");
        assert_eq!(bucket.take_at(start), Admission::Refused { log: false });
        // 10 a second: 3 tokens in 0.3 s, never more than the burst.
        assert_eq!(admitted(&bucket, start + Duration::from_millis(300), 8), 3);
        assert_eq!(admitted(&bucket, start + Duration::from_secs(60), 100), 5);
        // A clock that goes backwards adds nothing.
        assert_eq!(admitted(&bucket, start, 1), 0);
    }

    #[test]
    fn refusals_are_logged_at_most_every_ten_seconds() {
        let bucket = Bucket::new(Throttle { rate: 0.0, burst: 1.0 });
        let now = Instant::now();
        assert_eq!(bucket.take_at(now), Admission::Admitted);
        assert_eq!(bucket.take_at(now), Admission::Refused { log: true });
        assert_eq!(bucket.take_at(now + Duration::from_secs(9)), Admission::Refused { log: false });
        assert_eq!(bucket.take_at(now + Duration::from_secs(10)), Admission::Refused { log: true });
    }

    #[test]
    fn zero_limits_refuse_everything() {
        let now = Instant::now();
        assert_eq!(admitted(&Bucket::new(Throttle { rate: 100.0, burst: 0.0 }), now, 10), 0);
        let no_rate = Bucket::new(Throttle { rate: 0.0, burst: 2.0 });
        assert_eq!(admitted(&no_rate, now + Duration::from_secs(3600), 10), 2);
    }
}
