//! Bounds on money amounts and checked money arithmetic.
//!
//! `rust_decimal` panics when `+ - * /` or `Sum` overflow (its range is about 7.9e28). Every
//! amount tally reads is bounded here ([`MAX_AMOUNT`]), so sums of any realistic number of lines
//! stay far inside that range, and the arithmetic the audit does on money goes through the
//! checked helpers below, which report overflow instead of panicking. `tests/it/hardening.rs`
//! fails on a new unchecked `Sum` or `+=` of amounts in `src/`.

use std::str::FromStr;

use rust_decimal::Decimal;

/// Largest magnitude of one amount: 10^15 (a quadrillion in any currency) is more than any bill,
/// and 7.9e13 such amounts still sum without overflow.
pub const MAX_AMOUNT: Decimal = Decimal::from_parts(2_764_472_320, 232_830, 0, false, 0);

/// Most fractional digits an amount may have: `Decimal` keeps 28 and would round a 29th away
/// silently (a 29-decimal amount became 0).
const MAX_FRACTION_DIGITS: usize = 28;

/// An amount as text, strictly: `-`? digits (`.` digits)? (`e` exponent)?. No `_`, no `+inf`, no
/// thousands separators, at most 28 decimals, magnitude at most [`MAX_AMOUNT`].
pub fn parse_amount(text: &str) -> Result<Decimal, String> {
    let t = text.trim();
    let (mantissa, exponent) = match t.find(['e', 'E']) {
        Some(i) => (&t[..i], Some(&t[i + 1..])),
        None => (t, None),
    };
    let digits = mantissa.strip_prefix('-').unwrap_or(mantissa);
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let well_formed = !int.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
        && (!digits.contains('.') || !frac.is_empty())
        && exponent.is_none_or(|e| {
            let e = e.strip_prefix(['-', '+']).unwrap_or(e);
            !e.is_empty() && e.len() <= 3 && e.bytes().all(|b| b.is_ascii_digit())
        });
    if !well_formed {
        return Err(format!("\"{t}\" is not a decimal amount"));
    }
    // Trailing zeros carry no value (`1.50000…0` with 32 decimals is 1.5 exactly).
    if exponent.is_none() && frac.trim_end_matches('0').len() > MAX_FRACTION_DIGITS {
        return Err(format!("\"{t}\" has more than {MAX_FRACTION_DIGITS} decimals"));
    }
    let parsed = match exponent {
        Some(_) => Decimal::from_scientific(t),
        None => Decimal::from_str(t),
    }
    .map_err(|_| format!("\"{t}\" is out of the range of a decimal amount"))?;
    if parsed.is_zero() && digits.bytes().any(|b| (b'1'..=b'9').contains(&b)) && exponent.is_some() {
        return Err(format!("\"{t}\" is too small to represent (it would read as 0)"));
    }
    check_amount(parsed).map_err(|e| format!("\"{t}\": {e}"))
}

/// An amount from anywhere (a double in Parquet, a JSON string, an API answer) within bounds.
pub fn check_amount(d: Decimal) -> Result<Decimal, String> {
    if d.abs() > MAX_AMOUNT {
        Err(format!("amount {d} is beyond the supported range of ±{MAX_AMOUNT}"))
    } else {
        Ok(d)
    }
}

/// Sum of amounts, `None` on overflow (instead of `Sum`'s panic).
pub fn checked_sum(amounts: impl IntoIterator<Item = Decimal>) -> Option<Decimal> {
    amounts.into_iter().try_fold(Decimal::ZERO, Decimal::checked_add)
}

/// `total += amount`, saturating at the bound instead of panicking. Only for totals of amounts
/// already within [`MAX_AMOUNT`], where saturation cannot happen before 7.9e13 lines; the
/// reconciliation check of the audit would then report it.
pub fn add_to(total: &mut Decimal, amount: Decimal) {
    *total = total.checked_add(amount).unwrap_or(if amount.is_sign_negative() {
        Decimal::MIN
    } else {
        Decimal::MAX
    });
}

/// `part * 100 / whole`, `None` when `whole` is zero or the quotient overflows.
pub fn percent(part: Decimal, whole: Decimal) -> Option<Decimal> {
    if whole.is_zero() {
        return None;
    }
    part.checked_mul(Decimal::ONE_HUNDRED)?.checked_div(whole)
}

/// Active ISO 4217 codes (and the few AWS bills in). "XYZ" is three capitals but no currency:
/// a budget in it could never compare with any spend.
const CURRENCIES: &str = "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB \
BRL BSD BTN BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP \
GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW \
KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN \
NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS \
SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD \
XCG XOF XPF YER ZAR ZMW ZWG";

/// Whether `code` is an ISO 4217 currency code.
pub fn is_known_currency(code: &str) -> bool {
    code.len() == 3 && CURRENCIES.split_ascii_whitespace().any(|c| c == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn currencies() {
        assert!(is_known_currency("USD") && is_known_currency("EUR") && is_known_currency("JPY"));
        assert!(!is_known_currency("XYZ") && !is_known_currency("usd") && !is_known_currency("US"));
    }

    #[test]
    fn bound_is_ten_to_the_fifteen() {
        assert_eq!(MAX_AMOUNT, Decimal::from(1_000_000_000_000_000_i64));
    }

    #[test]
    fn strict_amounts() {
        assert_eq!(parse_amount("1234.56"), Ok(Decimal::new(123_456, 2)));
        assert_eq!(parse_amount("-0.5"), Ok(Decimal::new(-5, 1)));
        assert_eq!(parse_amount("1.5E-7"), Ok(Decimal::new(15, 8)));
        for bad in ["1_000.00", "1,000", "", "-", "1.", ".5", "1e", "NaN", "inf", "+1", "1 000", "0x10"] {
            assert!(parse_amount(bad).is_err(), "{bad:?} must be refused");
        }
        assert!(parse_amount("0.00000000000000000000000000001").unwrap_err().contains("28 decimals"));
        assert!(parse_amount("1e27").unwrap_err().contains("range"));
        assert!(parse_amount("1000000000000001").is_err());
        assert!(parse_amount("1e-40").is_err(), "reads as 0");
    }

    #[test]
    fn checked_helpers_never_panic() {
        assert_eq!(checked_sum([Decimal::MAX, Decimal::ONE]), None);
        let mut t = Decimal::MAX;
        add_to(&mut t, Decimal::ONE);
        assert_eq!(t, Decimal::MAX);
        assert_eq!(percent(Decimal::ONE, Decimal::new(1, 28)), None);
        assert_eq!(percent(Decimal::ONE, Decimal::ZERO), None);
        assert_eq!(percent(Decimal::ONE, Decimal::TWO), Some(Decimal::from(50)));
    }
}
