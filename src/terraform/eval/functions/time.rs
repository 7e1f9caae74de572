//! Date and time functions on RFC 3339 timestamps: `formatdate`, `timeadd`, `timecmp`.
//! (`timestamp` and `plantimestamp` are not pure: unknown.)

use chrono::{DateTime, Datelike, FixedOffset, SecondsFormat, Timelike};

use super::{arity, text, EvalError, EvalResult, Value};

pub(super) fn apply(name: &str, args: &[Value]) -> Option<EvalResult> {
    let result = match name {
        "formatdate" => (|| {
            arity(name, args, 2, 2)?;
            let (spec, ts) = (text(name, &args[0])?, text(name, &args[1])?);
            formatdate(&spec, &parse(name, &ts)?).map(Value::String)
        })(),
        "timeadd" => (|| {
            arity(name, args, 2, 2)?;
            let (ts, duration) = (text(name, &args[0])?, text(name, &args[1])?);
            let t = parse(name, &ts)?;
            let nanos = parse_duration(&duration)
                .ok_or_else(|| EvalError::new(format!("timeadd: invalid duration {duration:?}")))?;
            let t = t
                .checked_add_signed(chrono::Duration::nanoseconds(nanos))
                .ok_or_else(|| EvalError::new("timeadd: result out of range"))?;
            Ok(Value::String(rfc3339(&t)))
        })(),
        "timecmp" => (|| {
            arity(name, args, 2, 2)?;
            let (a, b) = (parse(name, &text(name, &args[0])?)?, parse(name, &text(name, &args[1])?)?);
            Ok(Value::Number(match a.cmp(&b) {
                std::cmp::Ordering::Less => -1.0,
                std::cmp::Ordering::Equal => 0.0,
                std::cmp::Ordering::Greater => 1.0,
            }))
        })(),
        _ => return None,
    };
    Some(result)
}

fn parse(name: &str, s: &str) -> Result<DateTime<FixedOffset>, EvalError> {
    // Go's RFC 3339 layout: upper-case `T` between date and time.
    if s.as_bytes().get(10) != Some(&b'T') {
        return Err(EvalError::new(format!("{name}: not a valid RFC3339 timestamp: {s:?}")));
    }
    DateTime::parse_from_rfc3339(s)
        .map_err(|e| EvalError::new(format!("{name}: not a valid RFC3339 timestamp: {s:?}: {e}")))
}

/// Go's `time.RFC3339` layout: whole seconds, `Z` for UTC.
fn rfc3339(t: &DateTime<FixedOffset>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A Go duration (`1h30m`, `-1.5s`, `300ms`) in nanoseconds.
fn parse_duration(s: &str) -> Option<i64> {
    let (negative, mut rest) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    if rest == "0" {
        return Some(0);
    }
    if rest.is_empty() {
        return None;
    }
    let mut total = 0f64;
    while !rest.is_empty() {
        let num_len = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        let number: f64 = rest[..num_len].parse().ok()?;
        rest = &rest[num_len..];
        let unit_len = rest.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(rest.len());
        let unit = match &rest[..unit_len] {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return None,
        };
        rest = &rest[unit_len..];
        total += number * unit;
    }
    let total = if negative { -total } else { total };
    (total.abs() < 9.2e18).then_some(total.round() as i64)
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
const DAYS: [&str; 7] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

/// Terraform's `formatdate` specification language (`YYYY-MM-DD'T'hh:mm:ssZ`).
fn formatdate(spec: &str, t: &DateTime<FixedOffset>) -> Result<String, EvalError> {
    let chars: Vec<char> = spec.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            // A quoted literal; '' is a literal quote.
            i += 1;
            if chars.get(i) == Some(&'\'') {
                out.push('\'');
                i += 1;
                continue;
            }
            loop {
                match chars.get(i) {
                    None => return Err(EvalError::new("formatdate: unterminated literal '")),
                    Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                        out.push('\'');
                        i += 2;
                    }
                    Some('\'') => {
                        i += 1;
                        break;
                    }
                    Some(ch) => {
                        out.push(*ch);
                        i += 1;
                    }
                }
            }
            continue;
        }
        if !c.is_ascii_alphabetic() {
            out.push(c);
            i += 1;
            continue;
        }
        let mut n = 1;
        while chars.get(i + n) == Some(&c) {
            n += 1;
        }
        i += n;
        let hour12 = match t.hour() % 12 {
            0 => 12,
            h => h,
        };
        let offset = t.offset().local_minus_utc();
        let (sign, abs) = (if offset < 0 { '-' } else { '+' }, offset.abs());
        let (oh, om) = (abs / 3600, abs % 3600 / 60);
        let piece = match (c, n) {
            ('Y', 4) => format!("{:04}", t.year()),
            ('Y', 2) => format!("{:02}", t.year() % 100),
            ('M', 4) => MONTHS[t.month0() as usize].to_string(),
            ('M', 3) => MONTHS[t.month0() as usize][..3].to_string(),
            ('M', 2) => format!("{:02}", t.month()),
            ('M', 1) => t.month().to_string(),
            ('D', 2) => format!("{:02}", t.day()),
            ('D', 1) => t.day().to_string(),
            ('E', 4) => DAYS[t.weekday().num_days_from_monday() as usize].to_string(),
            ('E', 3) => DAYS[t.weekday().num_days_from_monday() as usize][..3].to_string(),
            ('h', 2) => format!("{:02}", t.hour()),
            ('h', 1) => t.hour().to_string(),
            ('H', 2) => format!("{hour12:02}"),
            ('H', 1) => hour12.to_string(),
            ('A', 2) | ('a', 2) => {
                let s = if t.hour() < 12 { "AM" } else { "PM" };
                if c == 'a' {
                    s.to_lowercase()
                } else {
                    s.to_string()
                }
            }
            ('m', 2) => format!("{:02}", t.minute()),
            ('m', 1) => t.minute().to_string(),
            ('s', 2) => format!("{:02}", t.second()),
            ('s', 1) => t.second().to_string(),
            ('Z', 1) if offset == 0 => "Z".to_string(),
            ('Z', 1) | ('Z', 5) => format!("{sign}{oh:02}:{om:02}"),
            ('Z', 3) if offset == 0 => "UTC".to_string(),
            ('Z', 3) | ('Z', 4) => format!("{sign}{oh:02}{om:02}"),
            _ => {
                let token: String = std::iter::repeat_n(c, n).collect();
                return Err(EvalError::new(format!("formatdate: invalid date format verb {token:?}")));
            }
        };
        out.push_str(&piece);
    }
    Ok(out)
}
