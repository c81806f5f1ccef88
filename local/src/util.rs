//! Ids and timestamps, without pulling in uuid/chrono/rand.

use std::io::Read;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn seed() -> u64 {
    static SEED: OnceLock<u64> = OnceLock::new();
    *SEED.get_or_init(|| {
        let mut bytes = [0u8; 8];
        if std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut bytes)).is_ok() {
            u64::from_le_bytes(bytes)
        } else {
            now_ms() as u64 ^ u64::from(std::process::id())
        }
    })
}

/// A fresh 64-bit random-looking number (splitmix64 over a random seed).
pub fn random_u64() -> u64 {
    let mut z = seed().wrapping_add(COUNTER.fetch_add(1, Ordering::Relaxed).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A version-4 UUID, the shape of Lambda request ids.
pub fn uuid() -> String {
    let a = random_u64();
    let b = random_u64();
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        ((b >> 48) & 0x3fff) | 0x8000,
        b & 0xffff_ffff_ffff
    )
}

pub fn hex(n: usize) -> String {
    let mut out = String::new();
    while out.len() < n {
        out.push_str(&format!("{:016x}", random_u64()));
    }
    out.truncate(n);
    out
}

pub fn now_ms() -> u128 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0)
}

pub use toolbox_gateway::log::civil;

/// API Gateway's request time: `21/Nov/2026:06:10:00 +0000`.
pub fn apigw_time(ms: u128) -> String {
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let (y, mo, d, h, mi, s) = civil((ms / 1000) as u64);
    format!("{d:02}/{}/{y}:{h:02}:{mi:02}:{s:02} +0000", MONTHS[(mo - 1) as usize])
}

/// `2026/11/21`, the date part of a log stream name.
pub fn log_date(ms: u128) -> String {
    let (y, mo, d, ..) = civil((ms / 1000) as u64);
    format!("{y}/{mo:02}/{d:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        // 1795241400 is the events/ fixtures' timeEpoch / 1000.
        assert_eq!(apigw_time(1_795_241_400_000), "21/Nov/2026:06:10:00 +0000");
        assert_eq!(log_date(0), "1970/01/01");
        assert_eq!(civil(951_782_400), (2000, 2, 29, 0, 0, 0));
    }

    #[test]
    fn uuids_are_v4_shaped_and_distinct() {
        let a = uuid();
        let b = uuid();
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
        assert!(matches!(&a[19..20], "8" | "9" | "a" | "b"), "{a}");
    }
}
