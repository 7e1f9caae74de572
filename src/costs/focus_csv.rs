//! FOCUS 1.x CSV: `BilledCost`, `EffectiveCost`, `ChargeCategory`, `ChargePeriodStart`/`End`,
//! `SubAccountId`, `ServiceName`, `ResourceId`, `BillingCurrency`, `Tags` (a JSON object).
//! `NULL` cells, as the FOCUS sample data writes them, are empty.

use std::io::Read;
use std::path::Path;

use super::aggregate::{Aggregator, FastMap, Key, Sym, NONE};
use super::charge::focus_category;
use super::values::{checked_day_span, day_floor, parse_decimal, parse_timestamp};
use super::{csv_error, Ctx};
use crate::error::InputError;

pub(crate) fn read(
    path: &Path,
    headers: &[String],
    mut reader: csv::Reader<Box<dyn Read>>,
    ctx: &Ctx<'_>,
    agg: &mut Aggregator,
) -> Result<(), InputError> {
    let opt = |name: &str| headers.iter().position(|h| h == name);
    let req = |name: &str| {
        opt(name)
            .ok_or_else(|| InputError::invalid(path, Some(1), format!("FOCUS file without a {name} column")))
    };
    let billed_col = req("BilledCost")?;
    let effective_col = req("EffectiveCost")?;
    let category_col = req("ChargeCategory")?;
    let start_col = req("ChargePeriodStart")?;
    let end_col = req("ChargePeriodEnd")?;
    let account_col = opt("SubAccountId").or(opt("BillingAccountId"));
    let service_col = opt("ServiceName");
    let service_code_col = opt("x_ServiceCode");
    let resource_col = opt("ResourceId");
    let currency_col = opt("BillingCurrency");
    let billing_col = opt("BillingPeriodStart");
    let tags_col = opt("Tags");

    // Rows of one resource repeat the same Tags text: parse each distinct text once.
    let mut tag_cache: FastMap<Box<str>, Sym> = FastMap::default();
    let mut record = csv::StringRecord::new();
    let mut pairs = Vec::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_error(path, &e)),
        }
        let line = record.position().and_then(|p| u32::try_from(p.line()).ok());
        let bad = |col: &str, msg: String| InputError::invalid(path, line, format!("{col}: {msg}"));
        let get = |i: usize| match record.get(i).unwrap_or("") {
            "NULL" => "",
            v => v,
        };
        let opt = |i: Option<usize>| i.map_or("", get);

        let billed = parse_decimal(get(billed_col)).map_err(|m| bad("BilledCost", m))?;
        let effective = parse_decimal(get(effective_col)).map_err(|m| bad("EffectiveCost", m))?;
        let service = opt(service_col);
        let category =
            focus_category(get(category_col), service, opt(service_code_col)).ok_or_else(|| {
                bad(
                    "ChargeCategory",
                    format!(
                        "\"{}\" is not one of Usage, Purchase, Tax, Credit, Adjustment",
                        get(category_col)
                    ),
                )
            })?;
        let start = parse_timestamp(get(start_col)).map_err(|m| bad("ChargePeriodStart", m))?;
        let end = parse_timestamp(get(end_col)).map_err(|m| bad("ChargePeriodEnd", m))?;
        let (start_day, end_day) = checked_day_span(start, end).map_err(|m| bad("ChargePeriodStart", m))?;
        agg.see_end(end.max(start));
        let billing = match opt(billing_col) {
            "" => super::aggregate::NO_DATE,
            s => day_floor(parse_timestamp(s).map_err(|m| bad("BillingPeriodStart", m))?),
        };
        let tags_text = opt(tags_col);
        let tags = match tag_cache.get(tags_text) {
            Some(&id) => id,
            None => {
                pairs.clear();
                parse_tags_json(tags_text, agg, &mut pairs).map_err(|m| bad("Tags", m))?;
                ctx.retain_tags(agg, &mut pairs);
                let id = agg.tag_set(&mut pairs);
                tag_cache.insert(tags_text.into(), id);
                id
            }
        };
        let resource = opt(resource_col);
        let currency = opt(currency_col);
        super::values::check_currency(currency).map_err(|m| bad("BillingCurrency", m))?;
        let key = Key {
            start: start_day,
            end: end_day,
            billing,
            account: agg.strings.intern(opt(account_col)),
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
        agg.add(key, billed, effective).map_err(|m| bad("BilledCost", m.to_string()))?;
    }
    Ok(())
}

/// FOCUS `Tags` as JSON: an object of key -> value. Non-string values (which the spec does not
/// allow but exports contain) keep their JSON text; `null` values are dropped.
pub(crate) fn parse_tags_json(
    text: &str,
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
        pairs.push((agg.strings.intern(&k), agg.strings.intern(&v)));
    }
    Ok(())
}
