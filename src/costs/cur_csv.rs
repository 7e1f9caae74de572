//! CUR as CSV, plain or gzip: legacy CUR (`category/Name` columns such as
//! `lineItem/UnblendedCost` and `resourceTags/user:team`) and CUR 2.0 (snake_case columns such
//! as `line_item_unblended_cost`, tags in the `resource_tags` map written as JSON). Billed =
//! the unblended cost; effective = the amortized cost from the Savings Plan and reservation
//! columns (see [`super::charge::cur_effective`]). Columns and cells as [`super::row`] says.

use std::io::Read;
use std::path::Path;

use super::aggregate::{Aggregator, Key, Sym, NONE};
use super::charge::{cur_category, cur_effective, is_support, Amortization, CurType};
use super::row::{self, Col, Layout, Naming};
use super::usage::{UsageKey, UsageLine};
use super::values::{checked_day_span, cur_csv_tag_key, parse_decimal, parse_timestamp};
use super::{csv_error_at, Ctx, Lines};
use crate::error::InputError;

/// CUR 2.0 map keys of user tags start with this; legacy snake_case tag columns with
/// `resource_tags_` + it.
const USER_PREFIX: &str = "user_";

/// Tag columns of one file: column index and tag key as reported.
fn tag_columns(naming: Naming, headers: &[String], ctx: &Ctx<'_>) -> Vec<(usize, String)> {
    headers
        .iter()
        .enumerate()
        .filter_map(|(i, h)| match naming {
            Naming::CurSlash => cur_csv_tag_key(h).map(|k| (i, ctx.tag_keys.resolve_spelled(k))),
            _ => h
                .strip_prefix("resource_tags_")
                .and_then(|k| k.strip_prefix(USER_PREFIX))
                .map(|k| (i, ctx.tag_keys.resolve(k))),
        })
        .filter(|(_, k)| ctx.keeps_tag(k))
        .collect()
}

pub(crate) fn read(
    path: &Path,
    naming: Naming,
    headers: &[String],
    mut reader: csv::Reader<Box<dyn Read>>,
    lines: Lines,
    ctx: &Ctx<'_>,
    agg: &mut Aggregator,
) -> Result<(), InputError> {
    let cols = Layout::find(naming, headers)
        .map_err(|m| InputError::invalid(path, Some(1), format!("CUR file with {m}")))?;
    let tag_key_ids: Vec<(usize, Sym)> =
        tag_columns(naming, headers, ctx).iter().map(|(i, k)| (*i, agg.strings.intern(k))).collect();
    let map_tags = cols.get(Col::Tags);
    let product_map = cols.get(Col::ProductMap);
    let usage = ctx.usage_rates && cols.has_usage();
    let mut record = csv::StringRecord::new();
    let mut pairs: Vec<(Sym, Sym)> = Vec::new();
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
        let money = |c: Col| {
            cols.get(c).map_or(Ok(Default::default()), |i| parse_decimal(get(i)).map_err(|m| bad(c, m)))
        };

        let unblended = money(Col::Billed)?;
        let type_text = opt(Col::ChargeType);
        let line_type = CurType::parse(type_text);
        if line_type == CurType::Unknown {
            *agg.unknown_types.entry(type_text.to_string()).or_default() += 1;
        }
        let amort = Amortization::from_columns(money, opt)?;
        let effective = cur_effective(line_type, unblended, &amort);

        let start = parse_timestamp(opt(Col::Start)).map_err(|m| bad(Col::Start, m))?;
        let end = parse_timestamp(opt(Col::End)).map_err(|m| bad(Col::End, m))?;
        let (start_day, end_day) = checked_day_span(start, end).map_err(|m| bad(Col::Start, m))?;
        let billing = match opt(Col::BillingStart) {
            "" => super::aggregate::NO_DATE,
            s => super::values::day_floor(parse_timestamp(s).map_err(|m| bad(Col::BillingStart, m))?),
        };

        let code = opt(Col::ServiceCode);
        let product_name;
        let name = match product_map {
            Some(i) => {
                product_name = json_map_value(get(i), "product_name").map_err(|m| bad(Col::ProductMap, m))?;
                product_name.as_deref().map_or("", row::text)
            }
            None => opt(Col::ServiceName),
        };
        let category = cur_category(line_type, is_support(code, name));
        agg.see_period(start, end, category);
        let service = row::service(code, name);
        let resource = opt(Col::Resource);
        super::values::check_currency(opt(Col::Currency)).map_err(|m| bad(Col::Currency, m))?;

        pairs.clear();
        for &(i, key) in &tag_key_ids {
            let v = get(i);
            if !v.is_empty() {
                pairs.push((key, agg.strings.intern(v)));
            }
        }
        if let Some(i) = map_tags {
            map_tag_pairs(get(i), ctx, agg, &mut pairs).map_err(|m| bad(Col::Tags, m))?;
        }
        let tags = agg.tag_set(&mut pairs);
        let key = Key {
            start: start_day,
            end: end_day,
            billing,
            account: agg.strings.intern(opt(Col::Account)),
            service: agg.strings.intern(&service),
            resource: if ctx.keep_resource_ids && !resource.is_empty() {
                agg.strings.intern(resource)
            } else {
                NONE
            },
            tags,
            category,
            currency: agg.strings.intern(row::currency(opt(Col::Currency))),
        };
        agg.add(key, unblended, effective).map_err(|m| bad(Col::Billed, m.to_string()))?;
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
            let line = UsageLine { quantity, billed: unblended, effective, start, end };
            agg.add_usage(category, usage_key, line, line_type.consumes())
                .map_err(|m| bad(Col::UsageAmount, m))?;
        }
    }
    Ok(())
}

/// One value of a CUR 2.0 map column written as JSON text (`{"product_name": "..."}`).
fn json_map_value(text: &str, key: &str) -> Result<Option<String>, String> {
    if text.is_empty() {
        return Ok(None);
    }
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("not a JSON object: {e}"))?;
    let serde_json::Value::Object(map) = value else {
        return Err("not a JSON object".to_string());
    };
    Ok(map.get(key).and_then(|v| v.as_str()).map(str::to_string))
}

/// The user tags of a CUR 2.0 `resource_tags` cell (JSON text): `user_*` keys, restored to the
/// configured spelling; other keys (`aws_*`) are not user tags.
fn map_tag_pairs(
    text: &str,
    ctx: &Ctx<'_>,
    agg: &mut Aggregator,
    pairs: &mut Vec<(Sym, Sym)>,
) -> Result<(), String> {
    if text.is_empty() {
        return Ok(());
    }
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("not a JSON object of tags: {e}"))?;
    let serde_json::Value::Object(map) = value else {
        return Err("not a JSON object of tags".to_string());
    };
    for (k, v) in map {
        let Some(rest) = k.strip_prefix(USER_PREFIX) else { continue };
        let key = ctx.tag_keys.resolve(rest);
        if !ctx.keeps_tag(&key) {
            continue;
        }
        let v = match v {
            serde_json::Value::Null => continue,
            serde_json::Value::String(s) => s,
            other => other.to_string(),
        };
        let v = row::text(&v);
        if !v.is_empty() {
            pairs.push((agg.strings.intern(&key), agg.strings.intern(v)));
        }
    }
    Ok(())
}
