//! FOCUS 1.x CSV: `BilledCost`, `EffectiveCost`, `ChargeCategory`, `ChargePeriodStart`/`End`,
//! `SubAccountId`, `ServiceName`, `ResourceId`, `BillingCurrency`, `Tags` (a JSON object).
//! Columns and cells as [`super::row`] says (`NULL` cells, as the FOCUS sample data writes
//! them, are empty).

use std::io::Read;
use std::path::Path;

use super::aggregate::{Aggregator, FastMap, Key, Sym, NONE};
use super::charge::{focus_category, unknown_focus_category};
use super::row::{self, Col, Layout, Naming};
use super::usage::{UsageKey, UsageLine};
use super::values::{checked_day_span, day_floor, parse_decimal, parse_timestamp};
use super::{csv_error_at, Ctx, Lines};
use crate::error::InputError;

pub(crate) fn read(
    path: &Path,
    headers: &[String],
    mut reader: csv::Reader<Box<dyn Read>>,
    lines: Lines,
    ctx: &Ctx<'_>,
    agg: &mut Aggregator,
) -> Result<(), InputError> {
    let cols = Layout::find(Naming::Focus, headers)
        .map_err(|m| InputError::invalid(path, Some(1), format!("FOCUS file with {m}")))?;

    // Rows of one resource repeat the same Tags text: parse each distinct text once.
    let mut tag_cache: FastMap<Box<str>, Sym> = FastMap::default();
    let usage = ctx.usage_rates && cols.has_usage();
    let mut record = csv::StringRecord::new();
    let mut pairs = Vec::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_error_at(path, &e, lines)),
        }
        let line = lines.of(record.position());
        let bad =
            |col: Col, msg: String| InputError::invalid(path, line, format!("{}: {msg}", cols.name(col)));
        let get = |i: usize| row::text(record.get(i).unwrap_or(""));
        let opt = |c: Col| cols.get(c).map_or("", get);

        let billed = parse_decimal(opt(Col::Billed)).map_err(|m| bad(Col::Billed, m))?;
        let effective = parse_decimal(opt(Col::Effective)).map_err(|m| bad(Col::Effective, m))?;
        let service = opt(Col::ServiceName);
        let charge = opt(Col::ChargeType);
        let category = focus_category(charge, service, opt(Col::ServiceCode), opt(Col::CommitmentStatus))
            .ok_or_else(|| bad(Col::ChargeType, unknown_focus_category(charge)))?;
        let start = parse_timestamp(opt(Col::Start)).map_err(|m| bad(Col::Start, m))?;
        let end = parse_timestamp(opt(Col::End)).map_err(|m| bad(Col::End, m))?;
        let (start_day, end_day) = checked_day_span(start, end).map_err(|m| bad(Col::Start, m))?;
        agg.see_period(start, end, category);
        let billing = match opt(Col::BillingStart) {
            "" => super::aggregate::NO_DATE,
            s => day_floor(parse_timestamp(s).map_err(|m| bad(Col::BillingStart, m))?),
        };
        let tags_text = opt(Col::Tags);
        let tags = match tag_cache.get(tags_text) {
            Some(&id) => id,
            None => {
                pairs.clear();
                parse_tags_json(tags_text, ctx, agg, &mut pairs).map_err(|m| bad(Col::Tags, m))?;
                ctx.retain_tags(agg, &mut pairs);
                let id = agg.tag_set(&mut pairs);
                tag_cache.insert(tags_text.into(), id);
                id
            }
        };
        let resource = opt(Col::Resource);
        super::values::check_currency(opt(Col::Currency)).map_err(|m| bad(Col::Currency, m))?;
        let key = Key {
            start: start_day,
            end: end_day,
            billing,
            account: agg.strings.intern(opt(Col::Account)),
            service: agg.strings.intern(service),
            resource: if ctx.keep_resource_ids && !resource.is_empty() {
                agg.strings.intern(resource)
            } else {
                NONE
            },
            tags,
            category,
            currency: agg.strings.intern(row::currency(opt(Col::Currency))),
        };
        agg.add(key, billed, effective).map_err(|m| bad(Col::Billed, m.to_string()))?;
        if usage {
            let quantity = parse_decimal(opt(Col::UsageAmount)).map_err(|m| bad(Col::UsageAmount, m))?;
            let usage_key = UsageKey {
                service: key.service,
                usage_type: agg.strings.intern(opt(Col::UsageType)),
                region: agg.strings.intern(opt(Col::Region)),
                unit: agg.strings.intern(opt(Col::PricingUnit)),
                operation: agg.strings.intern(opt(Col::Operation)),
                currency: key.currency,
            };
            let line = UsageLine { quantity, billed, effective, start, end };
            agg.add_usage(category, usage_key, line, true).map_err(|m| bad(Col::UsageAmount, m))?;
        }
    }
    Ok(())
}

/// FOCUS `Tags` as JSON: an object of key -> value, keys compared with the configured ones as
/// [`super::values::TagKeys::resolve_spelled`] says. Non-string values (which the spec does not
/// allow but exports contain) keep their JSON text; `null` values are dropped.
pub(crate) fn parse_tags_json(
    text: &str,
    ctx: &Ctx<'_>,
    agg: &mut Aggregator,
    pairs: &mut Vec<(Sym, Sym)>,
) -> Result<(), String> {
    if text.trim().is_empty() {
        return Ok(());
    }
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("not a JSON object of tags: {e}"))?;
    let serde_json::Value::Object(map) = value else {
        return Err("not a JSON object of tags".to_string());
    };
    for (k, v) in map {
        let v = match v {
            serde_json::Value::Null => continue,
            serde_json::Value::String(s) => s,
            other => other.to_string(),
        };
        // Keys trimmed as values are (and as the Parquet readers' map keys are).
        let k = ctx.tag_keys.resolve_spelled(row::text(&k));
        pairs.push((agg.strings.intern(&k), agg.strings.intern(row::text(&v))));
    }
    Ok(())
}
