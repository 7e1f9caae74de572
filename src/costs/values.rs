//! Cell values of cost files: money as exact decimals, timestamps as UTC, and the tag-key
//! spellings of the different formats. No I/O; errors are messages the reader places at a
//! file and line.

use std::fmt::Write as _;
use std::str::FromStr;

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;

/// A money cell as text. Empty cells are zero (CUR leaves amortization columns empty on lines
/// they do not apply to), and so are the words tools write for a missing value: `NULL` (the
/// FOCUS sample data, SQL exports), `None` (Python CUR generators), `null`. `1.5E-7`
/// notation, which legacy CUR CSVs use for tiny amounts, is read exactly. More significant
/// digits than a `Decimal` holds (about 28) is an error, never a silent rounding.
pub(crate) fn parse_decimal(text: &str) -> Result<Decimal, String> {
    let t = text.trim();
    if t.is_empty() || t == "NULL" || t == "None" || t == "null" {
        return Ok(Decimal::ZERO);
    }
    let d = crate::money::parse_amount(t)?;
    // Short cells cannot lose digits; only long ones are checked.
    if t.len() > 28 && significant_digits(t) > significant_digits(&d.normalize().to_string()) {
        return Err(format!(
            "\"{t}\" has more significant digits than tally keeps exactly (28): it would be rounded"
        ));
    }
    Ok(d)
}

/// Significant digits of a plain or scientific decimal text: leading zeros and trailing
/// zeros of the fraction do not count.
fn significant_digits(t: &str) -> usize {
    let mantissa = t.split(['e', 'E']).next().unwrap_or(t);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let has_point = mantissa.contains('.');
    let trimmed = digits.trim_start_matches('0');
    let trimmed = if has_point { trimmed.trim_end_matches('0') } else { trimmed };
    trimmed.len()
}

/// A Parquet `double` amount. Doubles cannot hold most decimal fractions exactly, so we take
/// the shortest decimal that reads back as the same double (what the writer most plausibly
/// meant, and what a CSV of the same export shows), not its exact binary expansion.
pub(crate) fn decimal_from_f64(v: f64) -> Result<Decimal, String> {
    if !v.is_finite() {
        return Err(format!("{v} is not an amount"));
    }
    if v == 0.0 {
        return Ok(Decimal::ZERO);
    }
    // The same bound as text amounts (`money::MAX_AMOUNT`), so sums cannot overflow.
    if v.abs() > 1e15 {
        return Err(format!("{v} is beyond the supported range of ±1000000000000000"));
    }
    if let Some((m, scale)) = shortest_fixed(v) {
        return Ok(Decimal::new(m, scale));
    }
    let mut buf = StackStr::default();
    if write!(buf, "{v}").is_ok() {
        if let Ok(d) = Decimal::from_str(buf.as_str()) {
            return Ok(d);
        }
    }
    // Shortest form too long for the stack buffer or Decimal's 28 digits (1e-30, 1e40):
    // scientific notation keeps the significant digits.
    let sci = format!("{v:e}");
    Decimal::from_scientific(&sci).map_err(|_| format!("{v} is out of the range of a decimal amount"))
}

const POW10: [f64; 11] = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10];

/// The shortest decimal of `v` as (mantissa, scale) without formatting, when it has at most
/// 10 decimals and a mantissa below 2^49; `None` sends the caller to the general path.
///
/// Why this equals the shortest round-trip form: for scales 0, 1, 2... take the integer `m`
/// nearest `v * 10^s` and keep it if `m / 10^s` (a correctly rounded IEEE division of exact
/// operands) is `v` again. Below 2^49 a double's rounding interval is under a quarter of a
/// unit of `m`, so at most one `m` per scale round-trips and the rounded product finds it;
/// the first scale that round-trips has the fewest digits, which is what `{}` prints.
///
/// When `v * 10^10` is below 2^49 one step does: a decimal of scale `s <= 10` that
/// round-trips is, times `10^(10 - s)`, the one integer that round-trips at scale 10, so the
/// scale-10 integer with its trailing zeros removed is the shortest form, and if no integer
/// round-trips at scale 10 none does at a smaller scale. CUR amounts (8 to 10 decimals) took
/// nine divisions the other way.
fn shortest_fixed(v: f64) -> Option<(i64, u32)> {
    const LIMIT: f64 = (1u64 << 49) as f64;
    let x = v * POW10[10];
    if x.abs() < LIMIT {
        let mut m = round_half_away(x);
        // `m as f64` is exact: |m| < 2^49.
        if m as f64 / POW10[10] != v {
            return None;
        }
        let mut scale = 10;
        while scale > 0 && m % 10 == 0 {
            m /= 10;
            scale -= 1;
        }
        return Some((m, scale));
    }
    for (scale, p) in POW10.iter().enumerate() {
        let x = v * p;
        if x.abs() >= LIMIT {
            return None;
        }
        let m = round_half_away(x);
        // `m as f64` is exact: |m| < 2^49.
        if m as f64 / p == v {
            #[allow(clippy::cast_possible_truncation)]
            return Some((m, scale as u32));
        }
    }
    None
}

/// `x.round() as i64` for `|x| < 2^49` (half away from zero) without a call to libm's
/// `round`, which baseline x86-64 has no instruction for.
#[inline]
fn round_half_away(x: f64) -> i64 {
    #[allow(clippy::cast_possible_truncation)]
    let t = x as i64;
    // Exact: the fraction of a double below 2^49 is representable.
    let frac = x - t as f64;
    if frac >= 0.5 {
        t + 1
    } else if frac <= -0.5 {
        t - 1
    } else {
        t
    }
}

/// A small fixed buffer so formatting a double allocates nothing.
struct StackStr {
    buf: [u8; 40],
    len: usize,
}

impl Default for StackStr {
    fn default() -> Self {
        Self { buf: [0; 40], len: 0 }
    }
}

impl StackStr {
    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.buf[..self.len]).unwrap_or("")
    }
}

impl std::fmt::Write for StackStr {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        if end > self.buf.len() {
            return Err(std::fmt::Error);
        }
        self.buf[self.len..end].copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// A timestamp cell: `2023-11-01T00:00:00.000Z`, `2024-09-18 23:00:00`, RFC 3339 with an
/// offset (converted to UTC), or a bare date. Returns seconds since the Unix epoch.
pub(crate) fn parse_timestamp(text: &str) -> Result<i64, String> {
    let t = text.trim();
    if let Some(secs) = plain_timestamp(t) {
        return Ok(secs);
    }
    let bad = || format!("\"{t}\" is not a timestamp");
    if t.len() == 10 {
        return NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .map(|d| d.and_hms_opt(0, 0, 0).map_or(0, |dt| dt.and_utc().timestamp()))
            .map_err(|_| bad());
    }
    let naive = t.strip_suffix('Z').unwrap_or(t);
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(naive, fmt) {
            return Ok(dt.and_utc().timestamp());
        }
    }
    DateTime::parse_from_rfc3339(t)
        .or_else(|_| DateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S%.f%:z"))
        // `2026-11-02 00:00:00+00`: SQL engines' text for a timestamp with time zone.
        .or_else(|_| DateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S%.f%#z"))
        .map(|dt| dt.timestamp())
        .map_err(|_| bad())
}

/// `YYYY-MM-DDTHH:MM:SSZ` or `YYYY-MM-DD HH:MM:SS` (what exports and tally itself write),
/// read without chrono's pattern parser, which was a tenth of a line-by-line export; `None`
/// for anything else (the general parser decides).
fn plain_timestamp(t: &str) -> Option<i64> {
    let b = t.as_bytes();
    if !(b.len() == 19 || (b.len() == 20 && b[19] == b'Z')) {
        return None;
    }
    if b[4] != b'-' || b[7] != b'-' || !(b[10] == b'T' || b[10] == b' ') || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let n = |r: std::ops::Range<usize>| -> Option<u32> {
        b.get(r)?.iter().try_fold(0u32, |n, &c| c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0')))
    };
    let date = NaiveDate::from_ymd_opt(i32::try_from(n(0..4)?).ok()?, n(5..7)?, n(8..10)?)?;
    let time = date.and_hms_opt(n(11..13)?, n(14..16)?, n(17..19)?)?;
    Some(time.and_utc().timestamp())
}

const SECS_PER_DAY: i64 = 86_400;

/// Day number (days from the common era, as [`super::aggregate::day_number`]) of 1970-01-01.
pub(crate) const CE_DAY_OF_EPOCH: i32 = 719_163;

/// Day number (as [`super::aggregate::day_number`]) of the day containing `secs`.
pub(crate) fn day_floor(secs: i64) -> i32 {
    i32::try_from(secs.div_euclid(SECS_PER_DAY) + i64::from(CE_DAY_OF_EPOCH))
        .unwrap_or(super::aggregate::NO_DATE)
}

/// The record period of a charge `[start, end)` at day granularity: from the day of its start
/// to the day boundary at or after its end, at least one day. An hourly line is one day; a
/// monthly tax line keeps its month.
pub(crate) fn day_span(start: i64, end: i64) -> (i32, i32) {
    let first = day_floor(start);
    let last = day_floor(end).saturating_add(i32::from(end.rem_euclid(SECS_PER_DAY) != 0));
    (first, last.max(first.saturating_add(1)))
}

/// A currency cell: empty (USD, as CUR leaves it on some lines) or an ISO 4217 code.
pub(crate) fn check_currency(code: &str) -> Result<(), String> {
    if code.is_empty() || code == "USD" || crate::money::is_known_currency(code) {
        Ok(())
    } else {
        Err(format!("\"{code}\" is not an ISO 4217 currency code"))
    }
}

/// [`day_span`] for a row, refusing dates outside the calendar tally can represent (a garbage
/// timestamp must not silently drop its money).
pub(crate) fn checked_day_span(start: i64, end: i64) -> Result<(i32, i32), String> {
    // Years 1970 to 9000, as snapshots: beyond, dates print as `+10000-01-01` and a garbage
    // year becomes the data's "today".
    static RANGE: std::sync::LazyLock<(i32, i32)> = std::sync::LazyLock::new(|| {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).map_or(0, |d| d.num_days_from_ce());
        (day(1970, 1, 1), day(9000, 12, 31))
    });
    // An end before the start is a corrupt line, not a one-day charge.
    if end < start {
        return Err("the charge period ends before it starts".to_string());
    }
    let (a, b) = day_span(start, end);
    let (min, max) = *RANGE;
    let ok = |d: i32| (min..=max).contains(&d);
    if ok(a) && ok(b) {
        Ok((a, b))
    } else {
        Err("charge period outside the years 1970 to 9000".to_string())
    }
}

/// `resourceTags/user:team` -> `team`; `resourceTags/aws:createdBy` -> `aws:createdBy`.
pub(crate) fn cur_csv_tag_key(column: &str) -> Option<&str> {
    let rest = column.strip_prefix("resourceTags/")?;
    Some(rest.strip_prefix("user:").unwrap_or(rest))
}

/// How CUR's Parquet and CUR 2.0 spell a tag key: lower-cased, anything not alphanumeric as
/// `_`. `cost-center` and `Cost Center` both become `cost_center`.
pub(crate) fn normalize_tag_key(key: &str) -> String {
    key.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' }).collect()
}

/// Maps normalized tag keys back to the spelling the user configured (owner and required
/// tags), so `team` in `tally.hcl` matches `resource_tags_user_team`. Unknown keys stay as
/// the file spells them.
#[derive(Debug, Clone, Default)]
pub(crate) struct TagKeys {
    known: Vec<(String, String)>,
    /// Keys of formats that keep the spelling match only as written (`tag_key_match =
    /// "exact"` in tally.hcl). CUR Parquet and CUR 2.0 lost the spelling: normalized there.
    exact: bool,
}

impl TagKeys {
    pub(crate) fn with_match(keys: &[String], exact: bool) -> Self {
        Self { exact, ..Self::new(keys) }
    }

    pub(crate) fn new(keys: &[String]) -> Self {
        let mut known: Vec<(String, String)> =
            keys.iter().map(|k| (normalize_tag_key(k), k.clone())).collect();
        // First configured spelling wins when two normalize alike.
        known.sort_by(|a, b| a.0.cmp(&b.0));
        known.dedup_by(|a, b| a.0 == b.0);
        Self { known, exact: false }
    }

    /// A tag key from a format that keeps the spelling (CUR CSV, FOCUS): compared with the
    /// configured keys the way CUR Parquet and CUR 2.0 compare them (see [`normalize_tag_key`]:
    /// `Owner`, `owner` and `OWNER` are one key), so one bill gives the same owners whatever
    /// its format; with `exact`, only as written. A match is reported under the configured
    /// spelling; any other key as written.
    pub(crate) fn resolve_spelled(&self, key: &str) -> String {
        if self.exact {
            return key.to_string();
        }
        let normalized = normalize_tag_key(key);
        match self.known.binary_search_by(|(n, _)| n.as_str().cmp(&normalized)) {
            Ok(i) => self.known[i].1.clone(),
            Err(_) => key.to_string(),
        }
    }

    pub(crate) fn resolve(&self, normalized: &str) -> String {
        match self.known.binary_search_by(|(n, _)| n.as_str().cmp(normalized)) {
            Ok(i) => self.known[i].1.clone(),
            Err(_) => normalized.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_timestamps_read_as_chrono_reads_them() {
        for t in
            ["2024-09-01T00:00:00Z", "2024-09-01 23:59:59", "2024-02-29T12:30:01Z", "1969-12-31T23:59:59Z"]
        {
            let slow = NaiveDateTime::parse_from_str(
                t.trim_end_matches('Z'),
                if t.contains('T') { "%Y-%m-%dT%H:%M:%S" } else { "%Y-%m-%d %H:%M:%S" },
            )
            .unwrap()
            .and_utc()
            .timestamp();
            assert_eq!(plain_timestamp(t), Some(slow), "{t}");
        }
        // Not plain: left to the general parser, which reads or refuses them as before.
        for t in
            ["2023-02-29T00:00:00Z", "2024-09-01T00:00:60Z", "2024-09-01T00:00:00.5Z", "2024-09-01X00:00:00"]
        {
            assert_eq!(plain_timestamp(t), None, "{t}");
        }
        assert!(parse_timestamp("2023-02-29T00:00:00Z").is_err());
    }

    #[test]
    fn decimals() {
        assert_eq!(parse_decimal("0.0000008000").unwrap().to_string(), "0.0000008000");
        assert_eq!(parse_decimal("1.5E-7").unwrap().to_string(), "0.00000015");
        assert_eq!(parse_decimal("").unwrap(), Decimal::ZERO);
        assert_eq!(parse_decimal("NULL").unwrap(), Decimal::ZERO);
        assert_eq!(parse_decimal("-2.6137").unwrap().to_string(), "-2.6137");
        assert!(parse_decimal("12,5").is_err());
        assert_eq!(parse_decimal("None").unwrap(), Decimal::ZERO);
        assert_eq!(parse_decimal(" null ").unwrap(), Decimal::ZERO);
        // 28 significant digits are kept; 30 would be rounded: refused.
        assert_eq!(
            parse_decimal("0.1234567890123456789012345678").unwrap().to_string(),
            "0.1234567890123456789012345678"
        );
        assert_eq!(parse_decimal("1.50000000000000000000000000000000").unwrap(), Decimal::new(15, 1));
        let err = parse_decimal("1.23456789012345678901234567891").unwrap_err();
        assert!(err.contains("more than 28 decimals"), "{err}");
    }

    #[test]
    fn doubles_take_their_shortest_decimal() {
        assert_eq!(decimal_from_f64(0.1).unwrap().to_string(), "0.1");
        assert_eq!(decimal_from_f64(0.1 + 0.2).unwrap().to_string(), "0.30000000000000004");
        assert_eq!(decimal_from_f64(-1234.5678).unwrap().to_string(), "-1234.5678");
        assert_eq!(decimal_from_f64(1e-30).unwrap(), Decimal::ZERO, "below 28 decimals rounds to zero");
        assert!(decimal_from_f64(f64::NAN).is_err());
        assert!(decimal_from_f64(1e40).is_err());
    }

    #[test]
    fn the_fast_path_agrees_with_formatting() {
        let slow = |v: f64| Decimal::from_str(&format!("{v}")).unwrap();
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for i in 0..200_000u64 {
            let r = next();
            let v = match i % 4 {
                // CUR-like: rounded to 2..10 decimals.
                0 => ((r % 10_000_000_000) as f64 / 1e8 * 1e8).round() / 10f64.powi((r % 9 + 2) as i32),
                1 => (r % 1_000_000) as f64 / 100.0 - 5000.0,
                2 => f64::from_bits(r >> 2) % 1e6,
                _ => (r as f64 / u64::MAX as f64) * 2.0,
            };
            if !v.is_finite() || v == 0.0 {
                continue;
            }
            let fast = shortest_fixed(v).map(|(m, s)| Decimal::new(m, s));
            if let Some(f) = fast {
                let want = slow(v);
                assert_eq!((f, f.scale()), (want, want.scale()), "{v:e}");
            }
        }
        assert_eq!(shortest_fixed(0.1), Some((1, 1)));
        assert_eq!(shortest_fixed(-1234.5678), Some((-12345678, 4)));
        assert_eq!(shortest_fixed(0.1 + 0.2), None, "17 digits: the general path");
        assert_eq!(shortest_fixed(1e300), None);
        assert_eq!(shortest_fixed(2.0), Some((2, 0)));
        assert_eq!(shortest_fixed(-0.5), Some((-5, 1)));
        assert_eq!(shortest_fixed(1e-10), Some((1, 10)));
        assert_eq!(shortest_fixed(1e-11), None, "11 decimals: the general path");
        assert_eq!(shortest_fixed(123_456_789.25), Some((12_345_678_925, 2)), "beyond one step");
        assert_eq!(shortest_fixed(0.499_999_999_999_999_94), None);
        for x in [0.5f64, 1.5, 2.5, -0.5, -2.5, 0.499_999_999_999_999_94, 1e15 + 0.5, -7.25] {
            #[allow(clippy::cast_possible_truncation)]
            let want = x.round() as i64;
            assert_eq!(round_half_away(x), want, "{x}");
        }
    }

    #[test]
    fn timestamps_and_days() {
        let t = parse_timestamp("2023-11-01T00:00:00.000Z").unwrap();
        assert_eq!(t, parse_timestamp("2023-11-01 00:00:00").unwrap());
        assert_eq!(t, parse_timestamp("2023-11-01").unwrap());
        assert_eq!(t, parse_timestamp("2023-11-01T01:00:00+01:00").unwrap());
        assert!(parse_timestamp("yesterday").is_err());
        assert_eq!(t, parse_timestamp("2023-11-01 00:00:00+00").unwrap());
        let h = 3600;
        let (a, b) = day_span(t + 22 * h, t + 23 * h);
        assert_eq!(b - a, 1);
        let (c, d) = day_span(t + 23 * h, t + 24 * h);
        assert_eq!((c, d), (a, b), "an hour ending at midnight stays in its day");
        let (m0, m1) = day_span(t, parse_timestamp("2023-12-01T00:00:00Z").unwrap());
        assert_eq!(m1 - m0, 30);
        assert_eq!(day_span(t, t), (a, a + 1), "an empty charge period is one day");
        assert!(checked_day_span(i64::MAX / 2, i64::MAX / 2).is_err());
        assert!(checked_day_span(t, t).is_ok());
    }

    #[test]
    fn tag_keys() {
        assert_eq!(cur_csv_tag_key("resourceTags/user:team"), Some("team"));
        assert_eq!(cur_csv_tag_key("resourceTags/aws:createdBy"), Some("aws:createdBy"));
        assert_eq!(cur_csv_tag_key("lineItem/UnblendedCost"), None);
        let keys = TagKeys::new(&["CostCenter".into(), "team".into()]);
        assert_eq!(keys.resolve("costcenter"), "CostCenter");
        assert_eq!(keys.resolve("cost_center"), "cost_center");
        assert_eq!(keys.resolve("team"), "team");
        // Formats that keep the spelling compare as CUR 2.0 does, unless told to be exact.
        assert_eq!(keys.resolve_spelled("Team"), "team");
        assert_eq!(keys.resolve_spelled("costcenter"), "CostCenter");
        assert_eq!(keys.resolve_spelled("env"), "env");
        let exact = TagKeys::with_match(&["team".into()], true);
        assert_eq!(exact.resolve_spelled("Team"), "Team");
        assert_eq!(exact.resolve_spelled("team"), "team");
    }
}
