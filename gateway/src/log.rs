//! The functions' log lines, as Lambda's advanced logging controls ask of a
//! custom runtime: `AWS_LAMBDA_LOG_FORMAT` (`JSON` or `Text`) and
//! `AWS_LAMBDA_LOG_LEVEL` (the template's `LoggingConfig`) are read once, at
//! init; every request then gets one line with its route, status, duration
//! and input bytes. Lambda captures stderr; each line is written whole.
//!
//! Hand-written rather than a `tracing` subscriber: one line per request
//! needs neither spans nor a registry, and the functions' cold start pays
//! for every crate linked in.

use std::fmt::Write as _;
use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};

/// `AWS_LAMBDA_LOG_FORMAT`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

/// `AWS_LAMBDA_LOG_LEVEL`, least severe first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
    Fatal,
}

impl Level {
    /// Lambda's names, case-insensitive; `None` for anything else.
    pub fn parse(name: &str) -> Option<Level> {
        Some(match name.to_ascii_uppercase().as_str() {
            "TRACE" => Level::Trace,
            "DEBUG" => Level::Debug,
            "INFO" => Level::Info,
            "WARN" => Level::Warn,
            "ERROR" => Level::Error,
            "FATAL" => Level::Fatal,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Level::Trace => "TRACE",
            Level::Debug => "DEBUG",
            Level::Info => "INFO",
            Level::Warn => "WARN",
            Level::Error => "ERROR",
            Level::Fatal => "FATAL",
        }
    }
}

/// A field's value: written by hand, not through a `serde_json::Value` map,
/// so the first request's line costs little of the cold start.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Field<'a> {
    Text(&'a str),
    Count(u64),
    /// Milliseconds, written with 3 decimals.
    Ms(f64),
}

/// `text` as a JSON string literal.
pub(crate) fn json_string(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Where a function's lines go and how they look.
#[derive(Clone, Debug)]
pub struct Logger {
    pub format: Format,
    /// Lines below it are dropped.
    pub level: Level,
    /// `AWS_LAMBDA_FUNCTION_NAME`, on every JSON line.
    pub function: String,
}

impl Logger {
    /// As Lambda configures it: JSON only when `AWS_LAMBDA_LOG_FORMAT` is
    /// `JSON`; level `INFO` when `AWS_LAMBDA_LOG_LEVEL` is unset or unknown.
    pub fn from_env() -> Logger {
        let var = |name: &str| std::env::var(name).unwrap_or_default();
        Logger {
            format: if var("AWS_LAMBDA_LOG_FORMAT").eq_ignore_ascii_case("json") { Format::Json } else { Format::Text },
            level: Level::parse(&var("AWS_LAMBDA_LOG_LEVEL")).unwrap_or(Level::Info),
            function: var("AWS_LAMBDA_FUNCTION_NAME"),
        }
    }

    /// Whether a line at `level` is written (so a caller can skip building it).
    pub fn enabled(&self, level: Level) -> bool {
        level >= self.level
    }

    /// The line for `message` (without its newline), or `None` below the level.
    /// `fields` follow the message: JSON members, or ` key=value` in text.
    pub fn line(
        &self,
        at: SystemTime,
        level: Level,
        request_id: Option<&str>,
        message: &str,
        fields: &[(&str, Field)],
    ) -> Option<String> {
        if !self.enabled(level) {
            return None;
        }
        let mut line = String::with_capacity(160 + message.len());
        let timestamp = timestamp(at);
        match self.format {
            Format::Json => {
                line.push_str("{\"timestamp\":\"");
                line.push_str(&timestamp);
                line.push_str("\",\"level\":\"");
                line.push_str(level.name());
                line.push('"');
                if let Some(id) = request_id {
                    line.push_str(",\"requestId\":");
                    json_string(&mut line, id);
                }
                line.push_str(",\"functionName\":");
                json_string(&mut line, &self.function);
                line.push_str(",\"message\":");
                json_string(&mut line, message);
                for (name, value) in fields {
                    line.push(',');
                    json_string(&mut line, name);
                    line.push(':');
                    match *value {
                        Field::Text(text) => json_string(&mut line, text),
                        Field::Count(n) => {
                            let _ = write!(line, "{n}");
                        }
                        Field::Ms(ms) if ms.is_finite() => {
                            let _ = write!(line, "{ms:.3}");
                        }
                        Field::Ms(_) => line.push_str("null"),
                    }
                }
                line.push('}');
            }
            Format::Text => {
                let _ = write!(line, "{timestamp}\t{}\t{}\t", request_id.unwrap_or("-"), level.name());
                // One record a line, whatever the message holds.
                line.push_str(&message.replace('\n', "\\n"));
                for (name, value) in fields {
                    let _ = match *value {
                        Field::Text(text) => write!(line, " {name}={}", text.replace('\n', "\\n")),
                        Field::Count(n) => write!(line, " {name}={n}"),
                        Field::Ms(ms) => write!(line, " {name}={ms:.3}"),
                    };
                }
            }
        }
        Some(line)
    }

    /// Writes [`Logger::line`] for now to stderr, in one write.
    pub fn log(&self, level: Level, request_id: Option<&str>, message: &str, fields: &[(&str, Field)]) {
        if let Some(mut line) = self.line(SystemTime::now(), level, request_id, message, fields) {
            line.push('\n');
            let _ = std::io::stderr().lock().write_all(line.as_bytes());
        }
    }
}

/// RFC 3339 in UTC with milliseconds, as Lambda stamps its own records:
/// `2026-11-27T21:00:00.123Z`.
pub fn timestamp(at: SystemTime) -> String {
    let since = at.duration_since(UNIX_EPOCH).unwrap_or_default();
    let (year, month, day, hour, minute, second) = civil(since.as_secs());
    format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}.{:03}Z", since.subsec_millis())
}

/// (year, month, day, hour, minute, second) in UTC for a Unix time in seconds
/// (Howard Hinnant's civil-from-days).
pub fn civil(secs: u64) -> (i64, u32, u32, u32, u32, u32) {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day, (rem / 3600) as u32, ((rem % 3600) / 60) as u32, (rem % 60) as u32)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use serde_json::{json, Value};

    use super::*;

    fn logger(format: Format, level: Level) -> Logger {
        Logger { format, level, function: "segment".into() }
    }

    /// 2026-11-21T06:10:00.250Z, the events/ fixtures' time.
    fn at() -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(1_795_241_400_250)
    }

    #[test]
    fn json_lines_carry_the_fields() {
        let message = "quote \" backslash \\ newline \n tab \t bell \u{7} 分词";
        let fields =
            [("route", Field::Text("GET /segment")), ("status", Field::Count(200)), ("durationMs", Field::Ms(1.23456))];
        let line = logger(Format::Json, Level::Info).line(at(), Level::Info, Some("r-1"), message, &fields).unwrap();
        assert!(!line.contains('\n'), "{line}");
        let parsed: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(
            parsed,
            json!({"timestamp": "2026-11-21T06:10:00.250Z", "level": "INFO", "requestId": "r-1",
                   "functionName": "segment", "message": message,
                   "route": "GET /segment", "status": 200, "durationMs": 1.235})
        );
    }

    #[test]
    fn text_lines_stay_one_line() {
        let line = logger(Format::Text, Level::Info).line(
            at(),
            Level::Error,
            None,
            "two\nlines",
            &[("route", Field::Text("a b")), ("durationMs", Field::Ms(0.5))],
        );
        assert_eq!(line.unwrap(), "2026-11-21T06:10:00.250Z\t-\tERROR\ttwo\\nlines route=a b durationMs=0.500");
    }

    #[test]
    fn lines_below_the_level_are_dropped() {
        let warn = logger(Format::Json, Level::Warn);
        assert!(warn.line(at(), Level::Info, None, "x", &[]).is_none());
        assert!(warn.line(at(), Level::Error, None, "x", &[]).is_some());
        assert_eq!(Level::parse("debug"), Some(Level::Debug));
        assert_eq!(Level::parse("verbose"), None);
    }

    #[test]
    fn dates() {
        assert_eq!(timestamp(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        assert_eq!(civil(951_782_400), (2000, 2, 29, 0, 0, 0));
        assert_eq!(timestamp(at()), "2026-11-21T06:10:00.250Z");
    }
}
