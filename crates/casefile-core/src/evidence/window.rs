//! The incident window: cut plain-text logs to `--since`/`--until`, line by line.
//!
//! A line's time is read from its first 64 bytes, in any of the forms logs commonly start with:
//! ISO 8601 (`2026-11-23T10:00:00.123Z`, `2026-11-23 10:00:00,123 +0100`, also after a prefix
//! such as `time="` or `[`), `2026/11/23 10:00:00`, syslog's `Nov 23 10:00:00` (the year is the
//! one that puts the line at or before the file's modification time) and the access-log form
//! `23/Nov/2026:10:00:00 +0000`. A time without an offset is read in the zone the caller gives
//! (the machine's own). Lines without a time belong to the record above (a stack trace stays with
//! its message); lines before the first timed line are kept, because nothing says they are
//! outside the window.

use chrono::{
    DateTime, Datelike, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, TimeZone, Utc,
};
use chrono_tz::Tz;

/// Reads a `--since`/`--until` time: RFC 3339 (`2026-11-23T14:00:00Z`), a local date and time
/// (`2026-11-23T14:00`, `2026-11-23 14:00:00`) or date (`2026-11-23`, midnight) read in `zone`,
/// or a duration before `now` (`90m`, `24h`, `7d`, `2w`, `30s`). The error says what forms work.
pub fn parse_time<Z: TimeZone>(
    text: &str,
    now: DateTime<Utc>,
    zone: &Z,
) -> Result<DateTime<Utc>, String> {
    let text = text.trim();
    if let Ok(instant) = DateTime::parse_from_rfc3339(text) {
        return Ok(instant.with_timezone(&Utc));
    }
    let local = |naive: NaiveDateTime| zone.from_local_datetime(&naive).earliest();
    for format in [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
    ] {
        if let Some(t) = NaiveDateTime::parse_from_str(text, format)
            .ok()
            .and_then(local)
        {
            return Ok(t.with_timezone(&Utc));
        }
    }
    if let Some(t) = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .and_then(local)
    {
        return Ok(t.with_timezone(&Utc));
    }
    if let Some(seconds) = duration_seconds(text) {
        return Ok(now - chrono::Duration::seconds(seconds));
    }
    Err(format!(
        "{text:?} is not a time; write 2026-11-23T14:00:00Z, 2026-11-23T14:00 (local time), 2026-11-23, or a duration ago like 90m, 24h or 7d"
    ))
}

/// Seconds in a duration written as a number and a unit: `30s`, `90m` (or `90min`), `24h`,
/// `7d`, `2w`.
fn duration_seconds(text: &str) -> Option<i64> {
    let text = text.trim();
    let (number, unit) = text.split_at(
        text.find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len()),
    );
    let seconds = match unit.trim() {
        "s" => 1,
        "m" | "min" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 604_800,
        _ => return None,
    };
    Some(number.parse::<i64>().ok()?.saturating_mul(seconds))
}

/// Reads a duration such as `--deadline 10m`: `30s`, `90m`, `2h`, `1d`. The error says what
/// forms work.
pub fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    duration_seconds(text)
        .and_then(|seconds| u64::try_from(seconds).ok())
        .filter(|&seconds| seconds > 0)
        .map(std::time::Duration::from_secs)
        .ok_or_else(|| {
            format!("{text:?} is not a duration; write a number and a unit, like 30s, 10m or 2h")
        })
}

/// How many bytes at the start of a line are searched for its time.
const SEARCH: usize = 64;

/// The window and how to read times that carry no offset.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Window {
    /// Keep records at or after this instant.
    pub since: Option<DateTime<Utc>>,
    /// Keep records at or before this instant.
    pub until: Option<DateTime<Utc>>,
    /// The zone of times written without an offset.
    pub zone: Tz,
}

impl Window {
    /// Whether the window restricts anything.
    pub fn is_open(&self) -> bool {
        self.since.is_none() && self.until.is_none()
    }

    /// Whether `instant` lies inside the window.
    pub fn contains(&self, instant: DateTime<Utc>) -> bool {
        self.since.is_none_or(|since| instant >= since)
            && self.until.is_none_or(|until| instant <= until)
    }

    /// Whether a file last modified at `modified` holds only records before the window, so a
    /// rotated log can be skipped without reading it.
    pub fn ends_before(&self, modified: DateTime<Utc>) -> bool {
        self.since.is_some_and(|since| modified < since)
    }
}

/// Cuts one file's lines to a window, keeping multi-line records whole. Feed it the file's
/// lines in order, in pieces that end at line ends.
#[derive(Debug, Clone)]
pub struct WindowFilter {
    window: Window,
    /// The time of year-less (syslog) stamps is resolved against this instant.
    reference: DateTime<Utc>,
    /// Whether the current record is kept.
    keeping: bool,
    /// Whether any line carried a time.
    saw_time: bool,
    /// Lines dropped so far.
    dropped_lines: u64,
    /// Bytes dropped so far.
    dropped_bytes: u64,
    /// Whether a timed line after `until` has been seen (the rest can be skipped).
    past_end: bool,
}

impl WindowFilter {
    /// A filter for a file last modified at `reference` (used to give syslog stamps a year).
    pub fn new(window: Window, reference: DateTime<Utc>) -> WindowFilter {
        WindowFilter {
            window,
            reference,
            keeping: true,
            saw_time: false,
            dropped_lines: 0,
            dropped_bytes: 0,
            past_end: false,
        }
    }

    /// Appends the lines of `input` that belong to the window to `out`.
    pub fn filter(&mut self, input: &[u8], out: &mut Vec<u8>) {
        for line in input.split_inclusive(|&b| b == b'\n') {
            if let Some(time) = line_time(line, self.window.zone, self.reference) {
                self.saw_time = true;
                self.keeping = self.window.contains(time);
                if self.window.until.is_some_and(|until| time > until) {
                    self.past_end = true;
                }
            }
            if self.keeping {
                out.extend_from_slice(line);
            } else {
                self.dropped_lines += 1;
                self.dropped_bytes += line.len() as u64;
            }
        }
    }

    /// Whether any line carried a time.
    pub fn saw_time(&self) -> bool {
        self.saw_time
    }

    /// Whether a record after the window's end has been seen; in a log written in order, the
    /// rest of the file is outside the window too.
    pub fn past_end(&self) -> bool {
        self.past_end
    }

    /// Lines and bytes dropped so far.
    pub fn dropped(&self) -> (u64, u64) {
        (self.dropped_lines, self.dropped_bytes)
    }
}

/// The time a log line starts with, if it has one.
pub fn line_time(line: &[u8], zone: Tz, reference: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let head = &line[..line.len().min(SEARCH)];
    for start in 0..head.len() {
        let rest = &head[start..];
        let first = rest[0];
        // A stamp starts a word: not in the middle of a number or name.
        if start > 0 && head[start - 1].is_ascii_alphanumeric() {
            continue;
        }
        let found = if first.is_ascii_digit() {
            iso_or_slashed(rest, zone).or_else(|| access_log(rest))
        } else if first.is_ascii_uppercase() {
            syslog(rest, zone, reference)
        } else {
            None
        };
        if found.is_some() {
            return found;
        }
    }
    None
}

/// Reads `N` ASCII digits.
fn digits(bytes: &[u8], at: usize, n: usize) -> Option<u32> {
    let slice = bytes.get(at..at + n)?;
    slice.iter().try_fold(0u32, |acc, &b| {
        b.is_ascii_digit().then(|| acc * 10 + u32::from(b - b'0'))
    })
}

/// `YYYY-MM-DD[T ]HH:MM:SS[.frac][Z|±HH:MM|±HHMM]` or with `/` between the date parts.
fn iso_or_slashed(s: &[u8], zone: Tz) -> Option<DateTime<Utc>> {
    let year = digits(s, 0, 4)?;
    let sep = *s.get(4)?;
    if sep != b'-' && sep != b'/' || s.get(7) != Some(&sep) {
        return None;
    }
    let month = digits(s, 5, 2)?;
    let day = digits(s, 8, 2)?;
    if !matches!(s.get(10), Some(b'T' | b' ')) {
        return None;
    }
    let (hour, minute, second) = clock(s, 11)?;
    let mut at = 19;
    at = skip_fraction(s, at);
    let date = NaiveDate::from_ymd_opt(year as i32, month, day)?;
    let naive = date.and_hms_opt(hour, minute, second)?;
    let offset = offset_at(s, at);
    Some(resolve(naive, offset, zone))
}

/// `HH:MM:SS` at `at`.
fn clock(s: &[u8], at: usize) -> Option<(u32, u32, u32)> {
    let hour = digits(s, at, 2)?;
    let minute = digits(s, at + 3, 2)?;
    let second = digits(s, at + 6, 2)?;
    (s.get(at + 2) == Some(&b':') && s.get(at + 5) == Some(&b':')).then_some((hour, minute, second))
}

/// Skips `.123` or `,123`.
fn skip_fraction(s: &[u8], mut at: usize) -> usize {
    if matches!(s.get(at), Some(b'.' | b',')) && s.get(at + 1).is_some_and(u8::is_ascii_digit) {
        at += 1;
        while s.get(at).is_some_and(u8::is_ascii_digit) {
            at += 1;
        }
    }
    at
}

/// `Z`, `±HH:MM` or `±HHMM` at `at`, possibly after one space.
fn offset_at(s: &[u8], mut at: usize) -> Option<FixedOffset> {
    if s.get(at) == Some(&b' ') && matches!(s.get(at + 1), Some(b'+' | b'-')) {
        at += 1;
    }
    match s.get(at)? {
        b'Z' => FixedOffset::east_opt(0),
        sign @ (b'+' | b'-') => {
            let hours = digits(s, at + 1, 2)?;
            let minutes = digits(s, at + 3, 2).or_else(|| {
                (s.get(at + 3) == Some(&b':'))
                    .then(|| digits(s, at + 4, 2))
                    .flatten()
            })?;
            let seconds = (hours * 3600 + minutes * 60) as i32;
            FixedOffset::east_opt(if *sign == b'-' { -seconds } else { seconds })
        }
        _ => None,
    }
}

/// A local time in `offset` if given, else in `zone` (the earlier instant of a repeated hour,
/// the first valid one after a gap).
fn resolve(naive: NaiveDateTime, offset: Option<FixedOffset>, zone: Tz) -> DateTime<Utc> {
    if let Some(offset) = offset {
        return (naive - chrono::Duration::seconds(i64::from(offset.local_minus_utc()))).and_utc();
    }
    match zone.from_local_datetime(&naive) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.with_timezone(&Utc),
        LocalResult::None => zone
            .from_local_datetime(&(naive + chrono::Duration::hours(1)))
            .earliest()
            .map_or_else(|| naive.and_utc(), |t| t.with_timezone(&Utc)),
    }
}

const MONTHS: [&[u8; 3]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];

fn month(s: &[u8]) -> Option<u32> {
    let name = s.get(..3)?;
    MONTHS
        .iter()
        .position(|m| m.as_slice() == name)
        .map(|i| i as u32 + 1)
}

/// `Mmm dd HH:MM:SS` (day space-padded), in `zone`, in the year that puts it no later than a
/// day after `reference`.
fn syslog(s: &[u8], zone: Tz, reference: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let month = month(s)?;
    if s.get(3) != Some(&b' ') {
        return None;
    }
    let day = match (s.get(4)?, s.get(5)?) {
        (b' ', d) if d.is_ascii_digit() => u32::from(d - b'0'),
        _ => digits(s, 4, 2)?,
    };
    if s.get(6) != Some(&b' ') {
        return None;
    }
    let (hour, minute, second) = clock(s, 7)?;
    let local_reference = reference.with_timezone(&zone);
    let year = local_reference.year();
    let at = |year: i32| {
        let naive = NaiveDate::from_ymd_opt(year, month, day)?.and_hms_opt(hour, minute, second)?;
        Some(resolve(naive, None, zone))
    };
    let this_year = at(year)?;
    if this_year > reference + chrono::Duration::days(1) {
        at(year - 1)
    } else {
        Some(this_year)
    }
}

/// `dd/Mmm/yyyy:HH:MM:SS ±HHMM` (the common and combined access-log formats).
fn access_log(s: &[u8]) -> Option<DateTime<Utc>> {
    let day = digits(s, 0, 2)?;
    if s.get(2) != Some(&b'/') || s.get(6) != Some(&b'/') {
        return None;
    }
    let month = month(s.get(3..6)?)?;
    let year = digits(s, 7, 4)?;
    if s.get(11) != Some(&b':') {
        return None;
    }
    let (hour, minute, second) = clock(s, 12)?;
    let naive =
        NaiveDate::from_ymd_opt(year as i32, month, day)?.and_hms_opt(hour, minute, second)?;
    Some(resolve(naive, offset_at(s, 20), chrono_tz::UTC))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_take_a_number_and_a_unit() {
        assert_eq!(
            parse_duration("90s"),
            Ok(std::time::Duration::from_secs(90))
        );
        assert_eq!(
            parse_duration(" 10m "),
            Ok(std::time::Duration::from_secs(600))
        );
        assert_eq!(
            parse_duration("2h"),
            Ok(std::time::Duration::from_secs(7200))
        );
        for bad in ["", "10", "0s", "-5m", "ten minutes", "5y"] {
            let error = parse_duration(bad).expect_err(bad);
            assert!(error.contains("30s, 10m or 2h"), "{error}");
        }
    }

    #[test]
    fn parse_time_reads_instants_local_times_and_durations() {
        let now = utc("2026-11-23T20:00:00Z");
        let zone = chrono_tz::Europe::Berlin;
        for (text, expect) in [
            ("2026-11-23T14:00:00Z", "2026-11-23T14:00:00Z"),
            ("2026-11-23T14:00", "2026-11-23T13:00:00Z"),
            ("2026-11-23 14:00:30", "2026-11-23T13:00:30Z"),
            ("2026-11-23", "2026-11-22T23:00:00Z"),
            ("90m", "2026-11-23T18:30:00Z"),
            ("24h", "2026-11-22T20:00:00Z"),
            ("7d", "2026-11-16T20:00:00Z"),
        ] {
            assert_eq!(parse_time(text, now, &zone), Ok(utc(expect)), "{text}");
        }
        let error = parse_time("yesterday", now, &zone).expect_err("not a time");
        assert!(error.contains("\"yesterday\" is not a time"), "{error}");
    }

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().expect("test instant")
    }

    fn time(line: &str) -> Option<DateTime<Utc>> {
        line_time(
            line.as_bytes(),
            chrono_tz::America::Denver,
            utc("2026-11-23T20:00:00Z"),
        )
    }

    #[test]
    fn reads_iso_times_with_and_without_offsets() {
        assert_eq!(
            time("2026-11-23T10:00:00Z info start"),
            Some(utc("2026-11-23T10:00:00Z"))
        );
        assert_eq!(
            time("2026-11-23 10:00:00,123 +0100 [main] x"),
            Some(utc("2026-11-23T09:00:00Z"))
        );
        assert_eq!(
            time("2026-11-23T10:00:00.5-07:00 x"),
            Some(utc("2026-11-23T17:00:00Z"))
        );
        // No offset: the zone given (Denver, UTC-7 in November).
        assert_eq!(
            time("2026/11/23 10:00:00 x"),
            Some(utc("2026-11-23T17:00:00Z"))
        );
    }

    #[test]
    fn reads_times_after_a_prefix() {
        assert_eq!(
            time("time=\"2026-11-23T10:00:00Z\" level=info msg=x"),
            Some(utc("2026-11-23T10:00:00Z"))
        );
        assert_eq!(
            time("{\"ts\":\"2026-11-23T10:00:00Z\",\"msg\":\"x\"}"),
            Some(utc("2026-11-23T10:00:00Z"))
        );
        assert_eq!(
            time("[2026-11-23 10:00:00Z] x"),
            Some(utc("2026-11-23T10:00:00Z"))
        );
    }

    #[test]
    fn gives_syslog_stamps_the_year_that_ends_at_the_reference() {
        assert_eq!(
            time("Nov 23 10:00:00 host sshd[1]: x"),
            Some(utc("2026-11-23T17:00:00Z"))
        );
        assert_eq!(
            time("Nov  3 10:00:00 host sshd[1]: x"),
            Some(utc("2026-11-03T17:00:00Z"))
        );
        // December is after the reference (23 Nov 2026): last year.
        assert_eq!(
            time("Dec 30 10:00:00 host x"),
            Some(utc("2025-12-30T17:00:00Z"))
        );
    }

    #[test]
    fn reads_access_log_times() {
        assert_eq!(
            time("203.0.113.9 - - [23/Nov/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 200"),
            Some(utc("2026-11-23T10:00:00Z"))
        );
    }

    #[test]
    fn finds_no_time_in_continuation_lines_and_numbers() {
        assert_eq!(time("\tat com.example.Main.run(Main.java:42)"), None);
        assert_eq!(time("version 120.0.6099.109"), None);
        assert_eq!(time("12026-11-23T10:00:00Z"), None);
        assert_eq!(time(""), None);
    }

    #[test]
    fn keeps_multi_line_records_whole_and_leading_untimed_lines() {
        let window = Window {
            since: Some(utc("2026-11-23T10:00:00Z")),
            until: Some(utc("2026-11-23T11:00:00Z")),
            zone: chrono_tz::UTC,
        };
        let log = "header without time\n\
                   2026-11-23T09:00:00Z old\n\
                   \tat old.trace\n\
                   2026-11-23T10:30:00Z inside\n\
                   \tat inside.trace\n\
                   2026-11-23T12:00:00Z late\n\
                   \tat late.trace\n";
        let mut filter = WindowFilter::new(window, utc("2026-11-23T12:00:00Z"));
        let mut out = Vec::new();
        // Fed in two pieces split at a line end.
        let (a, b) = log.split_at(log.find("\tat inside").expect("split point"));
        filter.filter(a.as_bytes(), &mut out);
        filter.filter(b.as_bytes(), &mut out);
        assert_eq!(
            String::from_utf8(out).expect("utf-8"),
            "header without time\n2026-11-23T10:30:00Z inside\n\tat inside.trace\n"
        );
        assert!(filter.saw_time());
        assert!(filter.past_end());
        assert_eq!(filter.dropped().0, 4);
    }

    #[test]
    fn an_open_window_keeps_everything() {
        let window = Window {
            since: None,
            until: None,
            zone: chrono_tz::UTC,
        };
        assert!(window.is_open());
        let mut filter = WindowFilter::new(window, utc("2026-11-23T12:00:00Z"));
        let mut out = Vec::new();
        filter.filter(b"2020-01-01T00:00:00Z a\nb\r\n\xff\xfe\n", &mut out);
        assert_eq!(out, b"2020-01-01T00:00:00Z a\nb\r\n\xff\xfe\n");
    }
}
