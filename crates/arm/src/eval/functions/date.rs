//! Date functions: `utcNow`, `dateTimeAdd`, `dateTimeFromEpoch`, `dateTimeToEpoch`.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, TimeDelta, Timelike, Utc};

use super::super::EvalError;
use super::string::non_deterministic;
use super::{f, Call, Def};
use crate::value::Value;

pub(super) const FUNCTIONS: &[Def] = &[
    f("utcnow", 0, 1, utc_now),
    f("datetimeadd", 2, 3, date_time_add),
    f("datetimefromepoch", 1, 1, from_epoch),
    f("datetimetoepoch", 1, 1, to_epoch),
];

fn utc_now(c: &Call<'_, '_>) -> Result<Value, EvalError> {
    if c.args.len() == 1 {
        c.str(0)?;
    }
    Ok(non_deterministic(c.name))
}

/// Parses the date-time forms ARM accepts (ISO 8601 with `T` or a space, with or without zone).
pub(crate) fn parse_date_time(text: &str) -> Option<DateTime<Utc>> {
    let t = text.trim();
    let iso = t.replacen(' ', "T", 1);
    if let Ok(d) = DateTime::parse_from_rfc3339(&iso) {
        return Some(d.with_timezone(&Utc));
    }
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%m/%d/%Y %I:%M:%S %p",
    ] {
        if let Ok(n) = NaiveDateTime::parse_from_str(t.trim_end_matches('Z'), fmt)
            .or_else(|_| NaiveDateTime::parse_from_str(iso.trim_end_matches('Z'), fmt))
        {
            return Some(n.and_utc());
        }
    }
    NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|n| n.and_utc())
}

/// ISO 8601 duration. ARM converts years to 365 days and months to 30 days (documented:
/// `dateTimeAdd('2024-01-01', 'P1Y')` is `2024-12-31`).
pub(crate) fn parse_duration(text: &str) -> Option<TimeDelta> {
    let (negative, rest) = match text.trim().strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, text.trim()),
    };
    let rest = rest.strip_prefix(['P', 'p'])?;
    let mut seconds = 0f64;
    let mut in_time = false;
    let mut number = String::new();
    let mut any = false;
    for ch in rest.chars() {
        match ch {
            'T' | 't' if number.is_empty() => in_time = true,
            '0'..='9' | '.' | ',' => number.push(if ch == ',' { '.' } else { ch }),
            unit => {
                let n: f64 = number.parse().ok()?;
                number.clear();
                any = true;
                seconds += n * match (unit.to_ascii_uppercase(), in_time) {
                    ('Y', false) => 365.0 * 86_400.0,
                    ('M', false) => 30.0 * 86_400.0,
                    ('W', false) => 7.0 * 86_400.0,
                    ('D', false) => 86_400.0,
                    ('H', true) => 3_600.0,
                    ('M', true) => 60.0,
                    ('S', true) => 1.0,
                    _ => return None,
                };
            }
        }
    }
    if !number.is_empty() || !any || !seconds.is_finite() || seconds.abs() > 3.0e11 {
        return None;
    }
    let millis = (seconds * 1000.0).round() as i64;
    let delta = TimeDelta::try_milliseconds(millis)?;
    Some(if negative { -delta } else { delta })
}

/// Formats with a .NET standard (`u`, `o`, `s`, `d`, ...) or custom (`yyyyMMdd`) format string.
pub(crate) fn format_date_time(d: &DateTime<Utc>, format: Option<&str>) -> String {
    let pattern = match format {
        None => {
            if d.nanosecond() == 0 {
                "yyyy-MM-ddTHH:mm:ssZ"
            } else {
                "yyyy-MM-ddTHH:mm:ss.fffffffZ"
            }
        }
        Some("u") => "yyyy-MM-dd HH:mm:ssZ",
        Some("o") | Some("O") => "yyyy-MM-ddTHH:mm:ss.fffffffZ",
        Some("s") => "yyyy-MM-ddTHH:mm:ss",
        Some("d") => "M/d/yyyy",
        Some("D") => "dddd, MMMM d, yyyy",
        Some("t") => "h:mm tt",
        Some("T") => "h:mm:ss tt",
        Some("g") => "M/d/yyyy h:mm tt",
        Some("G") => "M/d/yyyy h:mm:ss tt",
        Some("f") => "dddd, MMMM d, yyyy h:mm tt",
        Some("F") | Some("U") => "dddd, MMMM d, yyyy h:mm:ss tt",
        Some("r") | Some("R") => "ddd, dd MMM yyyy HH:mm:ss 'GMT'",
        Some("M") | Some("m") => "MMMM d",
        Some("Y") | Some("y") => "MMMM yyyy",
        Some(custom) => custom,
    };
    custom_format(d, pattern)
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

fn custom_format(d: &DateTime<Utc>, pattern: &str) -> String {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let mut n = 1;
        while i + n < chars.len() && chars[i + n] == c {
            n += 1;
        }
        let month = d.month0() as usize;
        let hour12 = match d.hour() % 12 {
            0 => 12,
            h => h,
        };
        match c {
            'y' => match n {
                1 => out.push_str(&(d.year() % 100).to_string()),
                2 => out.push_str(&format!("{:02}", d.year() % 100)),
                _ => out.push_str(&format!("{:0n$}", d.year())),
            },
            'M' => match n {
                1 => out.push_str(&(month + 1).to_string()),
                2 => out.push_str(&format!("{:02}", month + 1)),
                3 => out.push_str(&MONTHS[month][..3]),
                _ => out.push_str(MONTHS[month]),
            },
            'd' => match n {
                1 => out.push_str(&d.day().to_string()),
                2 => out.push_str(&format!("{:02}", d.day())),
                3 => out.push_str(&DAYS[d.weekday().num_days_from_monday() as usize][..3]),
                _ => out.push_str(DAYS[d.weekday().num_days_from_monday() as usize]),
            },
            'H' => out.push_str(&if n == 1 {
                d.hour().to_string()
            } else {
                format!("{:02}", d.hour())
            }),
            'h' => out.push_str(&if n == 1 {
                hour12.to_string()
            } else {
                format!("{hour12:02}")
            }),
            'm' => out.push_str(&if n == 1 {
                d.minute().to_string()
            } else {
                format!("{:02}", d.minute())
            }),
            's' => out.push_str(&if n == 1 {
                d.second().to_string()
            } else {
                format!("{:02}", d.second())
            }),
            'f' | 'F' => {
                let digits = format!("{:09}", d.nanosecond());
                let mut frac = digits[..n.min(9)].to_string();
                if c == 'F' {
                    frac = frac.trim_end_matches('0').to_string();
                    if frac.is_empty() && out.ends_with('.') {
                        out.pop();
                    }
                }
                out.push_str(&frac);
            }
            't' => {
                let ampm = if d.hour() < 12 { "AM" } else { "PM" };
                out.push_str(if n == 1 { &ampm[..1] } else { ampm });
            }
            'z' => out.push_str(match n {
                1 => "+0",
                2 => "+00",
                _ => "+00:00",
            }),
            'K' => out.push('Z'),
            '\'' | '"' => {
                let close = chars[i + 1..]
                    .iter()
                    .position(|x| *x == c)
                    .map_or(chars.len(), |p| p + i + 1);
                out.extend(&chars[i + 1..close]);
                i = close + 1;
                continue;
            }
            '\\' => {
                if let Some(next) = chars.get(i + 1) {
                    out.push(*next);
                }
                i += 2;
                continue;
            }
            other => {
                for _ in 0..n {
                    out.push(other);
                }
            }
        }
        i += n;
    }
    out
}

fn date_time_add(c: &Call<'_, '_>) -> Result<Value, EvalError> {
    let base = c.str(0)?;
    let d =
        parse_date_time(base).ok_or_else(|| c.err(format!("'{base}' is not a valid date-time")))?;
    let duration = c.str(1)?;
    let delta = parse_duration(duration)
        .ok_or_else(|| c.err(format!("'{duration}' is not a valid ISO 8601 duration")))?;
    let result = d
        .checked_add_signed(delta)
        .ok_or_else(|| c.err("the resulting date is out of range"))?;
    let format = if c.args.len() > 2 {
        Some(c.str(2)?)
    } else {
        None
    };
    Ok(Value::String(format_date_time(&result, format)))
}

fn from_epoch(c: &Call<'_, '_>) -> Result<Value, EvalError> {
    let secs = c.int(0)?;
    let d = DateTime::<Utc>::from_timestamp(secs, 0)
        .ok_or_else(|| c.err(format!("{secs} is out of the range of dates")))?;
    Ok(Value::String(format_date_time(&d, None)))
}

fn to_epoch(c: &Call<'_, '_>) -> Result<Value, EvalError> {
    let text = c.str(0)?;
    parse_date_time(text)
        .map(|d| Value::Int(d.timestamp()))
        .ok_or_else(|| c.err(format!("'{text}' is not a valid date-time")))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{fails, ok};
    use serde_json::json;

    #[test]
    fn dates() {
        // Documented: years count 365 days and months 30 days.
        assert_eq!(
            ok("[dateTimeAdd('2023-01-01 00:00:00Z', 'P1Y')]"),
            json!("2024-01-01T00:00:00Z")
        );
        assert_eq!(
            ok("[dateTimeAdd('2024-01-01 00:00:00Z', 'P1Y')]"),
            json!("2024-12-31T00:00:00Z")
        );
        assert_eq!(
            ok("[dateTimeAdd('2023-02-01 00:00:00Z', 'P1M')]"),
            json!("2023-03-03T00:00:00Z")
        );
        assert_eq!(
            ok("[dateTimeAdd('2024-02-01 00:00:00Z', 'P1M')]"),
            json!("2024-03-02T00:00:00Z")
        );
        assert_eq!(
            ok("[dateTimeAdd('2020-04-07 14:53:14Z', '-P9D', 'u')]"),
            json!("2020-03-29 14:53:14Z")
        );
        assert_eq!(
            ok("[dateTimeAdd('2020-04-07 14:53:14Z', 'PT1H', 'G')]"),
            json!("4/7/2020 3:53:14 PM")
        );
        assert_eq!(
            ok("[dateTimeAdd('2020-04-07T14:53:14Z', 'PT1H30M', 'yyyyMMddHHmm')]"),
            json!("202004071623")
        );
        assert_eq!(
            ok("[dateTimeFromEpoch(1683040573)]"),
            json!("2023-05-02T15:16:13Z")
        );
        assert_eq!(
            ok("[dateTimeToEpoch('2023-05-02T15:16:13Z')]"),
            json!(1683040573)
        );
    }

    #[test]
    fn errors() {
        assert!(fails("[dateTimeAdd('yesterday', 'P1D')]")
            .message
            .contains("date-time"));
        assert!(fails("[dateTimeAdd('2020-01-01', 'P1X')]")
            .message
            .contains("duration"));
        assert!(fails("[dateTimeAdd('2020-01-01', '1D')]")
            .message
            .contains("duration"));
    }

    #[test]
    fn utc_now_is_unknown() {
        assert!(ok("[utcNow('u')]")["$unknown"]
            .as_str()
            .is_some_and(|s| s.contains("utcNow")));
        assert!(ok("[dateTimeAdd(utcNow(), 'P1D')]")
            .get("$unknown")
            .is_some());
    }
}
