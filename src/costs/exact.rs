//! Money arithmetic that never panics and never rounds silently.
//!
//! `rust_decimal` holds 96 bits of mantissa (about 28 significant digits). Its `+` panics past
//! about 7.9e28, and `checked_add` returns a *rounded* sum when the exact one needs more digits
//! than fit (`1e27 + 0.001`): a reconciliation built on the same arithmetic cannot see that.
//! [`add`] refuses both. [`ExactSum`] is the independent check: it keeps one `i128` sum of
//! mantissas per scale (0..=28) and compares two sums by exact carry propagation, never through
//! `Decimal` addition, so it catches a rounding anywhere in the summing path.

use std::fmt;

use rust_decimal::Decimal;

/// Why a sum cannot be represented exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoneyError {
    /// Beyond `Decimal`'s range (about ±7.9e28).
    Overflow,
    /// The exact result needs more than the about 28 significant digits a `Decimal` holds.
    Precision,
}

impl fmt::Display for MoneyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MoneyError::Overflow => "amounts add up beyond the range of a decimal (about 7.9e28)",
            MoneyError::Precision => {
                "amounts add up to more than 28 significant digits: the sum cannot be kept exactly"
            }
        })
    }
}

impl std::error::Error for MoneyError {}

/// `a + b`, exactly, or an error. Decimal addition keeps the larger scale of its operands
/// unless the exact result does not fit in 96 bits, in which case it drops decimals
/// (rounding): a smaller scale than both operands' is that rounding (or, at the very edge of
/// the range, a dropped trailing zero: refused too, to be safe).
#[inline]
pub fn add(a: Decimal, b: Decimal) -> Result<Decimal, MoneyError> {
    let sum = a.checked_add(b).ok_or(MoneyError::Overflow)?;
    // Adding a zero returns the other operand as it is (scale included): exact.
    if !a.is_zero() && !b.is_zero() && sum.scale() < a.scale().max(b.scale()) {
        return Err(MoneyError::Precision);
    }
    Ok(sum)
}

/// `a - b`, exactly, or an error.
#[inline]
pub fn sub(a: Decimal, b: Decimal) -> Result<Decimal, MoneyError> {
    add(a, -b)
}

/// Sum of any number of amounts, exact whatever their count and scales: per scale, the sum of
/// the mantissas (each below 2^96, so 2^31 amounts of one scale before an `i128` could fill;
/// past that the sum says so rather than wrap).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ExactSum {
    by_scale: [i128; 29],
    overflowed: bool,
}

impl ExactSum {
    pub fn push(&mut self, d: Decimal) {
        let s = d.scale().min(28) as usize;
        match self.by_scale[s].checked_add(d.mantissa()) {
            Some(v) => self.by_scale[s] = v,
            None => self.overflowed = true,
        }
    }

    /// Add another sum's amounts to this one (two parts of a sum made apart).
    pub fn absorb(&mut self, other: &ExactSum) {
        self.overflowed |= other.overflowed;
        for (a, b) in self.by_scale.iter_mut().zip(other.by_scale) {
            match a.checked_add(b) {
                Some(v) => *a = v,
                None => self.overflowed = true,
            }
        }
    }

    /// Whether two sums are the same number (not only the same `Decimal` after rounding).
    /// `false` when either overflowed its counters.
    pub fn same_as(&self, other: &ExactSum) -> bool {
        if self.overflowed || other.overflowed {
            return false;
        }
        // The difference, from the finest scale up: what a scale's bucket holds beyond a
        // multiple of ten cannot be cancelled by coarser buckets.
        let mut carry: i128 = 0;
        for s in (0..=28).rev() {
            let Some(t) = self.by_scale[s].checked_sub(other.by_scale[s]).and_then(|d| d.checked_add(carry))
            else {
                return false;
            };
            if s == 0 {
                return t == 0;
            }
            if t % 10 != 0 {
                return false;
            }
            carry = t / 10;
        }
        false
    }

    /// Whether this sum is exactly `d`.
    pub fn equals(&self, d: Decimal) -> bool {
        let mut one = ExactSum::default();
        one.push(d);
        self.same_as(&one)
    }

    /// The sum as a `Decimal` when it is one exactly (see [`add`]).
    pub fn to_decimal(&self) -> Result<Decimal, MoneyError> {
        if self.overflowed {
            return Err(MoneyError::Overflow);
        }
        let mut total = Decimal::ZERO;
        for (s, m) in self.by_scale.iter().enumerate() {
            if *m == 0 {
                continue;
            }
            let d = Decimal::try_from_i128_with_scale(*m, s as u32).map_err(|_| MoneyError::Overflow)?;
            total = add(total, d)?;
        }
        Ok(total)
    }
}

impl FromIterator<Decimal> for ExactSum {
    fn from_iter<I: IntoIterator<Item = Decimal>>(iter: I) -> Self {
        let mut s = ExactSum::default();
        for d in iter {
            s.push(d);
        }
        s
    }
}

impl fmt::Display for ExactSum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.to_decimal() {
            Ok(d) => write!(f, "{d}"),
            Err(e) => write!(f, "(not representable: {e})"),
        }
    }
}

/// The exact sum of `amounts` as a `Decimal`, or an error (never a panic, never a rounding).
pub fn sum(amounts: impl IntoIterator<Item = Decimal>) -> Result<Decimal, MoneyError> {
    amounts.into_iter().try_fold(Decimal::ZERO, add)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn add_refuses_rounding_and_overflow() {
        assert_eq!(add(d("1.5"), d("2.25")), Ok(d("3.75")));
        assert_eq!(add(d("1.50"), d("-1.50")).unwrap().scale(), 2);
        assert_eq!(add(d("5"), d("0.000")), Ok(d("5")), "a zero addend is exact");
        let big = d("1000000000000000000000000000"); // 1e27
        assert_eq!(add(big, d("0.001")), Err(MoneyError::Precision));
        assert_eq!(add(Decimal::MAX, Decimal::ONE), Err(MoneyError::Overflow));
        assert_eq!(sum([d("4e28").round(), d("4e28").round()]), Err(MoneyError::Overflow));
    }

    #[test]
    fn exact_sums_compare_exactly() {
        let a: ExactSum = [d("0.1"), d("0.20"), d("-0.3")].into_iter().collect();
        assert!(a.equals(Decimal::ZERO));
        let b: ExactSum = [d("1000000000000000000000000000"), d("0.001")].into_iter().collect();
        // Decimal addition would round this to 1e27; the exact sum does not.
        assert!(!b.equals(d("1000000000000000000000000000")));
        assert_eq!(b.to_decimal(), Err(MoneyError::Precision));
        let c: ExactSum = [d("0.001"), d("1000000000000000000000000000")].into_iter().collect();
        assert!(b.same_as(&c));
        let x: ExactSum = [d("12.345"), d("0.655")].into_iter().collect();
        assert!(x.equals(d("13.000")) && x.equals(d("13")));
        assert_eq!(x.to_string(), "13.000");
        let many: ExactSum = std::iter::repeat_n(Decimal::MAX, 1000).collect();
        let mut other = ExactSum::default();
        for _ in 0..999 {
            other.push(Decimal::MAX);
        }
        assert!(!many.same_as(&other));
        other.push(Decimal::MAX);
        assert!(many.same_as(&other), "beyond Decimal's range, still exact");
    }
}
