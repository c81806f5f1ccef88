//! The picture CloudWatch would show, kept locally: each route's requests,
//! statuses, cold starts and latency as the runner saw them (API Gateway's
//! and Lambda's own metrics), beside the sums of what the functions' EMF
//! records report ([`emf`]). Shown as a table when the server stops and on
//! SIGUSR1 ([`table`]), and as Prometheus text on `--metrics-port`
//! ([`prometheus`]). A malformed record is a warning naming the function.

pub mod emf;
pub mod prometheus;
pub mod quantiles;
pub mod table;

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::log::{self, Sparse};
use quantiles::Quantiles;

/// Every request the server answers and every record a function prints.
pub static METRICS: Registry = Registry::new();

/// How often a function's malformed records are warned about at most.
const WARN_EVERY: Duration = Duration::from_secs(10);

/// Rows of EMF sums at most: a record's `Route` is whatever the function
/// printed, so past this many, new routes count in one `(other routes)` row
/// of their function. The template's own routes are far fewer.
const MAX_EMF_ROWS: usize = 256;
/// Metrics a row keeps at most (a directive names up to 100; records may
/// name different ones); later names are not added.
const MAX_ROW_METRICS: usize = 100;

/// The route of the row new routes share past [`MAX_EMF_ROWS`].
pub const OTHER_ROUTES: &str = "(other routes)";

pub struct Registry {
    state: Mutex<State>,
}

/// A row's key: the function's name in the template (`segment`) and the
/// route (`GET /segment`; `$default` for a function URL, as its event's
/// `routeKey` says).
pub type Row = (String, String);

#[derive(Default)]
struct State {
    requests: BTreeMap<Row, Requests>,
    emf: BTreeMap<Row, Reported>,
    /// Per function: malformed records seen, and when to warn again.
    malformed: BTreeMap<String, (u64, Sparse)>,
}

/// What the runner saw of one route.
#[derive(Clone, Debug, Default)]
pub struct Requests {
    /// Status → answers with it.
    pub statuses: BTreeMap<u16, u64>,
    /// Requests that started an instance.
    pub cold_starts: u64,
    /// From the request read to the answer, in milliseconds (API Gateway's
    /// `Latency`).
    pub latency: Quantiles,
}

impl Requests {
    pub fn count(&self) -> u64 {
        self.statuses.values().sum()
    }

    /// Answers whose status is in `class` (4 for 4xx).
    pub fn in_class(&self, class: u16) -> u64 {
        self.statuses.iter().filter(|(s, _)| **s / 100 == class).map(|(_, n)| n).sum()
    }
}

/// What one function's records said for one route.
#[derive(Clone, Debug, Default)]
pub struct Reported {
    pub namespace: String,
    pub records: u64,
    /// Each metric, in the order records first named it.
    pub metrics: Vec<Reading>,
}

/// One EMF metric's values over every record of a row.
#[derive(Clone, Debug)]
pub struct Reading {
    pub name: String,
    pub unit: Option<String>,
    pub sum: f64,
    pub count: u64,
    /// A duration's values, for its quantiles (other metrics keep none).
    pub durations: Option<Quantiles>,
}

impl Reading {
    /// A duration (Seconds, Milliseconds, Microseconds): shown by its
    /// quantiles, since a sum of durations tells nothing.
    pub fn is_time(&self) -> bool {
        self.durations.is_some()
    }
}

fn is_time_unit(unit: Option<&str>) -> bool {
    matches!(unit, Some("Seconds" | "Milliseconds" | "Microseconds"))
}

/// A copy of everything, for one table or one scrape.
#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    pub requests: BTreeMap<Row, Requests>,
    pub emf: BTreeMap<Row, Reported>,
    /// Per function: malformed records seen.
    pub malformed: BTreeMap<String, u64>,
}

impl Default for Registry {
    fn default() -> Self {
        Registry::new()
    }
}

impl Registry {
    pub const fn new() -> Registry {
        Registry {
            state: Mutex::new(State { requests: BTreeMap::new(), emf: BTreeMap::new(), malformed: BTreeMap::new() }),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// One answered request.
    pub fn request(&self, function: &str, route: &str, status: u16, latency: Duration, cold_start: bool) {
        let mut state = self.state();
        let row = state.requests.entry((function.to_owned(), route.to_owned())).or_default();
        *row.statuses.entry(status).or_default() += 1;
        row.cold_starts += u64::from(cold_start);
        row.latency.record(latency.as_secs_f64() * 1000.0);
    }

    /// One line `function` printed: counted if it is an EMF record, warned
    /// about (at most every 10 s a function, with the count between) if it
    /// is a malformed one, ignored otherwise.
    pub fn log_line(&self, function: &str, line: &str) {
        let Some(read) = emf::read(line) else { return };
        let mut state = self.state();
        match read {
            Ok(record) => {
                let mut key = (function.to_owned(), record.route.clone().unwrap_or_else(|| "-".to_owned()));
                if state.emf.len() >= MAX_EMF_ROWS && !state.emf.contains_key(&key) {
                    key.1 = OTHER_ROUTES.to_owned();
                }
                let row = state.emf.entry(key).or_default();
                row.namespace = record.namespace;
                row.records += 1;
                for metric in record.metrics {
                    let at = match row.metrics.iter().position(|r| r.name == metric.name) {
                        Some(at) => at,
                        None if row.metrics.len() >= MAX_ROW_METRICS => continue,
                        None => {
                            let durations = is_time_unit(metric.unit.as_deref()).then(Quantiles::default);
                            let reading =
                                Reading { name: metric.name, unit: metric.unit, sum: 0.0, count: 0, durations };
                            row.metrics.push(reading);
                            row.metrics.len() - 1
                        }
                    };
                    let reading = &mut row.metrics[at];
                    for value in metric.values {
                        reading.sum += value;
                        reading.count += 1;
                        if let Some(durations) = &mut reading.durations {
                            durations.record(value);
                        }
                    }
                }
            }
            Err(why) => {
                let (count, sparse) =
                    state.malformed.entry(function.to_owned()).or_insert_with(|| (0, Sparse::new(WARN_EVERY)));
                *count += 1;
                if let Some(unlogged) = sparse.occur(Instant::now()) {
                    let more = match unlogged {
                        0 => String::new(),
                        n => format!(" ({n} more malformed since the last warning)"),
                    };
                    drop(state);
                    log::line(
                        function,
                        &format!("warning: malformed EMF record, CloudWatch would drop it: {why}{more}"),
                    );
                }
            }
        }
    }

    pub fn snapshot(&self) -> Snapshot {
        let state = self.state();
        Snapshot {
            requests: state.requests.clone(),
            emf: state.emf.clone(),
            malformed: state.malformed.iter().map(|(f, (n, _))| (f.clone(), *n)).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(route: &str, words: u64, duration: f64) -> String {
        serde_json::json!({
            "_aws": {"Timestamp": 1u64, "CloudWatchMetrics": [{"Namespace": "ns", "Dimensions": [["Route"]],
                "Metrics": [{"Name": "Requests", "Unit": "Count"}, {"Name": "Words", "Unit": "Count"},
                            {"Name": "Duration", "Unit": "Milliseconds"}]}]},
            "Route": route, "Requests": 1, "Words": words, "Duration": duration
        })
        .to_string()
    }

    /// A known sequence of requests and records adds up, row by row.
    #[test]
    fn the_counters_add_up() {
        let metrics = Registry::new();
        for (status, cold) in [(200, true), (200, false), (400, false), (413, false), (200, true)] {
            metrics.request("segment", "GET /segment", status, Duration::from_millis(2), cold);
        }
        metrics.request("hello", "GET /hello", 500, Duration::from_millis(9), true);
        for words in [3, 4, 5] {
            metrics.log_line("segment", &record("GET /segment", words, 1.5));
        }
        metrics.log_line("segment", "an ordinary line");
        metrics.log_line("segment", "{\"_aws\": {\"Timestamp\": 1}}");
        metrics.log_line("segment", "{\"_aws\": broken");

        let seen = metrics.snapshot();
        let segment = &seen.requests[&("segment".to_owned(), "GET /segment".to_owned())];
        assert_eq!((segment.count(), segment.in_class(2), segment.in_class(4), segment.cold_starts), (5, 3, 2, 2));
        assert_eq!(segment.statuses.get(&413), Some(&1));
        assert!((segment.latency.quantile(0.99).unwrap() - 2.0).abs() < 0.01);
        let hello = &seen.requests[&("hello".to_owned(), "GET /hello".to_owned())];
        assert_eq!((hello.count(), hello.in_class(5), hello.cold_starts), (1, 1, 1));
        let reported = &seen.emf[&("segment".to_owned(), "GET /segment".to_owned())];
        assert_eq!((reported.namespace.as_str(), reported.records), ("ns", 3));
        let sums: Vec<(&str, f64)> = reported.metrics.iter().map(|r| (r.name.as_str(), r.sum)).collect();
        assert_eq!(sums, [("Requests", 3.0), ("Words", 12.0), ("Duration", 4.5)]);
        assert!(reported.metrics[2].is_time() && !reported.metrics[1].is_time());
        assert_eq!(seen.malformed.get("segment"), Some(&2));
    }

    /// Routes and metric names come from what a function prints: memory
    /// stays bounded whatever it prints.
    #[test]
    fn a_function_printing_endless_routes_and_names_costs_bounded_rows() {
        let metrics = Registry::new();
        for i in 0..MAX_EMF_ROWS + 50 {
            metrics.log_line("wild", &record(&format!("GET /r{i}"), 1, 1.0));
        }
        let seen = metrics.snapshot();
        assert_eq!(seen.emf.len(), MAX_EMF_ROWS + 1);
        assert_eq!(seen.emf[&("wild".to_owned(), OTHER_ROUTES.to_owned())].records, 50);
        for i in 0..MAX_ROW_METRICS + 10 {
            let line = serde_json::json!({
                "_aws": {"Timestamp": 1u64, "CloudWatchMetrics": [{"Namespace": "ns", "Dimensions": [["Route"]],
                    "Metrics": [{"Name": format!("m{i}")}]}]},
                "Route": "GET /r0", format!("m{i}"): 1
            });
            metrics.log_line("wild", &line.to_string());
        }
        let row = &metrics.snapshot().emf[&("wild".to_owned(), "GET /r0".to_owned())];
        assert_eq!(row.metrics.len(), MAX_ROW_METRICS);
    }
}
