//! The metrics as two plain-text tables: what the runner saw of each route
//! (as API Gateway's and Lambda's metrics would show it), and what the
//! functions' EMF records added up to.

use super::{Reading, Snapshot};

/// Both tables, each line ending in a newline; a line saying so when there
/// is nothing yet.
pub fn render(seen: &Snapshot) -> String {
    let mut out = String::new();
    if seen.requests.is_empty() {
        out.push_str("no requests yet\n");
    } else {
        let mut rows = vec![cells(&[
            "function", "route", "requests", "2xx", "4xx", "5xx", "cold", "p50 ms", "p99 ms", "statuses",
        ])];
        for ((function, route), r) in &seen.requests {
            let others: Vec<String> =
                r.statuses.iter().filter(|(s, _)| **s / 100 != 2).map(|(s, n)| format!("{s}×{n}")).collect();
            rows.push(vec![
                function.clone(),
                route.clone(),
                r.count().to_string(),
                r.in_class(2).to_string(),
                r.in_class(4).to_string(),
                r.in_class(5).to_string(),
                r.cold_starts.to_string(),
                ms(r.latency.quantile(0.5)),
                ms(r.latency.quantile(0.99)),
                others.join(" "),
            ]);
        }
        out.push_str("requests by route (latency: from the request read to the answer, as API Gateway's Latency)\n");
        out.push_str(&align(&rows, &[0, 1, 9]));
    }
    if !seen.emf.is_empty() {
        // One column a metric, in the order records first named them.
        let mut names: Vec<(&str, bool)> = Vec::new();
        for reported in seen.emf.values() {
            for reading in &reported.metrics {
                if !names.iter().any(|(n, _)| *n == reading.name) {
                    names.push((&reading.name, reading.is_time()));
                }
            }
        }
        let mut header = cells(&["function", "route", "namespace", "records"]);
        header.extend(
            names.iter().map(|(name, time)| if *time { format!("{name} p50/p99") } else { (*name).to_owned() }),
        );
        let mut rows = vec![header];
        for ((function, route), reported) in &seen.emf {
            let mut row =
                vec![function.clone(), route.clone(), reported.namespace.clone(), reported.records.to_string()];
            for (name, _) in &names {
                row.push(reported.metrics.iter().find(|r| r.name == *name).map_or_else(|| "-".to_owned(), cell));
            }
            rows.push(row);
        }
        out.push_str("the functions' EMF records (sums; durations as p50/p99)\n");
        out.push_str(&align(&rows, &[0, 1, 2]));
    }
    for (function, n) in &seen.malformed {
        out.push_str(&format!("{function}: {n} malformed EMF record(s), which CloudWatch would drop\n"));
    }
    out
}

fn cells(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| (*s).to_owned()).collect()
}

fn cell(reading: &Reading) -> String {
    match &reading.durations {
        Some(durations) => format!("{}/{}", ms(durations.quantile(0.5)), ms(durations.quantile(0.99))),
        None => number(reading.sum),
    }
}

fn ms(value: Option<f64>) -> String {
    value.map_or_else(|| "-".to_owned(), |v| format!("{v:.2}"))
}

/// Whole numbers as such, others to two decimals.
fn number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x:.2}")
    }
}

/// Columns padded to their widest cell: the `text` columns to the left,
/// the others (numbers) to the right; no line ends in spaces.
fn align(rows: &[Vec<String>], text: &[usize]) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| rows.iter().filter_map(|r| r.get(c)).map(|s| s.chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (c, value) in row.iter().enumerate() {
            let pad = widths[c].saturating_sub(value.chars().count());
            if c > 0 {
                line.push_str("  ");
            }
            if text.contains(&c) {
                line.push_str(value);
                line.push_str(&" ".repeat(pad));
            } else {
                line.push_str(&" ".repeat(pad));
                line.push_str(value);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::Registry;
    use super::*;
    use std::time::Duration;

    #[test]
    fn the_tables_show_every_row_and_column() {
        let metrics = Registry::new();
        assert_eq!(render(&metrics.snapshot()), "no requests yet\n");
        metrics.request("segment", "GET /segment", 200, Duration::from_millis(3), true);
        metrics.request("segment", "GET /segment", 413, Duration::from_millis(1), false);
        metrics.request("hello", "GET /hello", 200, Duration::from_micros(500), true);
        let record = r#"{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"lambda-toolbox","Dimensions":[["Route"]],"Metrics":[{"Name":"Words","Unit":"Count"},{"Name":"Duration","Unit":"Milliseconds"}]}]},"Route":"GET /segment","Words":7,"Duration":0.5}"#;
        metrics.log_line("segment", record);
        metrics.log_line("segment", record);
        let table = render(&metrics.snapshot());
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines[1].split_whitespace().collect::<Vec<_>>()[..4], ["function", "route", "requests", "2xx"]);
        assert!(lines[2].starts_with("hello     GET /hello    "), "{table}");
        assert!(lines[3].ends_with("3.00  413×1"), "{table}");
        let segment: Vec<&str> = lines[3].split_whitespace().collect();
        assert_eq!(
            segment,
            ["segment", "GET", "/segment", "2", "1", "1", "0", "1", "1.00", "3.00", "413×1"],
            "{table}"
        );
        let emf: Vec<&str> = lines[6].split_whitespace().collect();
        assert_eq!(emf, ["segment", "GET", "/segment", "lambda-toolbox", "2", "14", "0.50/0.50"], "{table}");
        assert!(lines[5].ends_with("Words  Duration p50/p99"), "{table}");
    }
}
