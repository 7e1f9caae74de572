//! Legacy CUR CSV (`category/Name` columns such as `lineItem/UnblendedCost` and
//! `resourceTags/user:team`), plain or gzip. Billed = `lineItem/UnblendedCost`; effective =
//! the amortized cost from the `savingsPlan/*` and `reservation/*` columns (see
//! [`super::charge::cur_effective`]).

use std::io::Read;
use std::path::Path;

use super::aggregate::{Aggregator, Key, Sym, NONE};
use super::charge::{cur_category, cur_effective, is_support, Amortization, CurType};
use super::values::{checked_day_span, cur_csv_tag_key, parse_decimal, parse_timestamp};
use super::{csv_error, Ctx};
use crate::error::InputError;

struct Columns {
    unblended: usize,
    line_type: usize,
    start: usize,
    end: usize,
    account: usize,
    billing_start: Option<usize>,
    product_code: Option<usize>,
    product_name: Option<usize>,
    resource: Option<usize>,
    currency: Option<usize>,
    sp_effective: Option<usize>,
    sp_commitment: Option<usize>,
    sp_used: Option<usize>,
    ri_effective: Option<usize>,
    ri_unused_upfront: Option<usize>,
    ri_unused_recurring: Option<usize>,
    ri_arn: Option<usize>,
    /// Column index and tag key (as the user wrote it, `user:` dropped).
    tags: Vec<(usize, String)>,
}

impl Columns {
    fn find(path: &Path, headers: &[String]) -> Result<Self, InputError> {
        let opt = |name: &str| headers.iter().position(|h| h == name);
        let req = |name: &str| {
            opt(name).ok_or_else(|| {
                InputError::invalid(path, Some(1), format!("CUR file without a {name} column"))
            })
        };
        Ok(Columns {
            unblended: req("lineItem/UnblendedCost")?,
            line_type: req("lineItem/LineItemType")?,
            start: req("lineItem/UsageStartDate")?,
            end: req("lineItem/UsageEndDate")?,
            account: req("lineItem/UsageAccountId")?,
            billing_start: opt("bill/BillingPeriodStartDate"),
            product_code: opt("lineItem/ProductCode"),
            product_name: opt("product/ProductName"),
            resource: opt("lineItem/ResourceId"),
            currency: opt("lineItem/CurrencyCode"),
            sp_effective: opt("savingsPlan/SavingsPlanEffectiveCost"),
            sp_commitment: opt("savingsPlan/TotalCommitmentToDate"),
            sp_used: opt("savingsPlan/UsedCommitment"),
            ri_effective: opt("reservation/EffectiveCost"),
            ri_unused_upfront: opt("reservation/UnusedAmortizedUpfrontFeeForBillingPeriod"),
            ri_unused_recurring: opt("reservation/UnusedRecurringFee"),
            ri_arn: opt("reservation/ReservationARN"),
            tags: headers
                .iter()
                .enumerate()
                .filter_map(|(i, h)| cur_csv_tag_key(h).map(|k| (i, k.to_string())))
                .collect(),
        })
    }
}

pub(crate) fn read(
    path: &Path,
    headers: &[String],
    mut reader: csv::Reader<Box<dyn Read>>,
    ctx: &Ctx<'_>,
    agg: &mut Aggregator,
) -> Result<(), InputError> {
    let cols = Columns::find(path, headers)?;
    let tag_key_ids: Vec<(usize, Sym)> = cols
        .tags
        .iter()
        .filter(|(_, k)| ctx.keeps_tag(k))
        .map(|(i, k)| (*i, agg.strings.intern(k)))
        .collect();
    let mut record = csv::StringRecord::new();
    let mut pairs: Vec<(Sym, Sym)> = Vec::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_error(path, &e)),
        }
        let line = record.position().and_then(|p| u32::try_from(p.line()).ok());
        let bad = |col: &str, msg: String| InputError::invalid(path, line, format!("{col}: {msg}"));
        let get = |i: usize| record.get(i).unwrap_or("");
        let opt = |i: Option<usize>| i.map_or("", get);
        let money = |i: Option<usize>, name: &str| {
            i.map_or(Ok(Default::default()), |i| parse_decimal(get(i)).map_err(|m| bad(name, m)))
        };

        let unblended = parse_decimal(get(cols.unblended)).map_err(|m| bad("lineItem/UnblendedCost", m))?;
        let type_text = get(cols.line_type);
        let line_type = CurType::parse(type_text);
        if line_type == CurType::Unknown {
            *agg.unknown_types.entry(type_text.to_string()).or_default() += 1;
        }
        let amort = Amortization {
            sp_effective_cost: money(cols.sp_effective, "savingsPlan/SavingsPlanEffectiveCost")?,
            sp_total_commitment_to_date: money(cols.sp_commitment, "savingsPlan/TotalCommitmentToDate")?,
            sp_used_commitment: money(cols.sp_used, "savingsPlan/UsedCommitment")?,
            ri_effective_cost: money(cols.ri_effective, "reservation/EffectiveCost")?,
            ri_unused_amortized_upfront: money(
                cols.ri_unused_upfront,
                "reservation/UnusedAmortizedUpfrontFeeForBillingPeriod",
            )?,
            ri_unused_recurring_fee: money(cols.ri_unused_recurring, "reservation/UnusedRecurringFee")?,
            reservation: !opt(cols.ri_arn).trim().is_empty(),
        };
        let effective = cur_effective(line_type, unblended, &amort);

        let start = parse_timestamp(get(cols.start)).map_err(|m| bad("lineItem/UsageStartDate", m))?;
        let end = parse_timestamp(get(cols.end)).map_err(|m| bad("lineItem/UsageEndDate", m))?;
        let (start_day, end_day) =
            checked_day_span(start, end).map_err(|m| bad("lineItem/UsageStartDate", m))?;
        agg.see_end(end.max(start));
        let billing = match cols.billing_start.map(get).filter(|s| !s.trim().is_empty()) {
            Some(s) => super::values::day_floor(
                parse_timestamp(s).map_err(|m| bad("bill/BillingPeriodStartDate", m))?,
            ),
            None => super::aggregate::NO_DATE,
        };

        let code = opt(cols.product_code);
        let name = opt(cols.product_name);
        let category = cur_category(line_type, is_support(code, name));
        let service = if name.is_empty() { code } else { name };
        let resource = opt(cols.resource).trim();
        let currency = opt(cols.currency).trim();
        super::values::check_currency(currency).map_err(|m| bad("lineItem/CurrencyCode", m))?;

        pairs.clear();
        for &(i, key) in &tag_key_ids {
            let v = get(i);
            if !v.is_empty() {
                pairs.push((key, agg.strings.intern(v)));
            }
        }
        let tags = agg.tag_set(&mut pairs);
        let key = Key {
            start: start_day,
            end: end_day,
            billing,
            account: agg.strings.intern(get(cols.account).trim()),
            service: agg.strings.intern(service),
            resource: if ctx.keep_resource_ids && !resource.is_empty() {
                agg.strings.intern(resource)
            } else {
                NONE
            },
            tags,
            category,
            currency: agg.strings.intern(if currency.is_empty() { "USD" } else { currency }),
        };
        agg.add(key, unblended, effective).map_err(|m| bad("lineItem/UnblendedCost", m.to_string()))?;
    }
    Ok(())
}
