//! FOCUS rows: billed and effective cost, charge categories, tags from a map column or JSON text.

use arrow_array::RecordBatch;
use arrow_schema::DataType;

use super::decode::{decimals, syms};
use super::map::MapTags;
use super::{take, BatchState, ColFn, RowError};
use crate::costs::aggregate::{Aggregator, FastMap, Key, Sym, NONE, NO_DATE};
use crate::costs::charge::{focus_category, unknown_focus_category};
use crate::costs::row::{Col, Layout};
use crate::costs::values::{checked_day_span, day_floor};
use crate::costs::Ctx;

pub(super) fn focus_batch(
    batch: &RecordBatch,
    col: &ColFn<'_>,
    layout: &Layout,
    st: &mut BatchState,
    ctx: &Ctx<'_>,
    agg: &mut Aggregator,
) -> Result<(), RowError> {
    let n = batch.num_rows();
    let mut d = Vec::with_capacity(2);
    for c in [Col::Billed, Col::Effective] {
        let mut v = take(&mut st.decimals);
        decimals(col(c).as_ref(), n, &mut v).map_err(|(r, m)| (r, format!("{}: {m}", layout.name(c))))?;
        d.push(v);
    }
    let s = super::sym_columns(
        &[
            Col::ChargeType,
            Col::Account,
            Col::ServiceName,
            Col::ServiceCode,
            Col::Resource,
            Col::Currency,
            Col::CommitmentStatus,
        ],
        col,
        layout,
        n,
        st,
        agg,
    )?;
    let t = super::period_columns(col, layout, n, st)?;
    // Tags: a map column, or JSON text.
    let tags_array = col(Col::Tags);
    let map_tags = match &tags_array {
        Some(a) if matches!(a.data_type(), DataType::Map(..)) => Some(MapTags::new(a, n, agg, st, ctx, "")?),
        _ => None,
    };
    let mut json = take(&mut st.syms);
    if map_tags.is_none() {
        syms(tags_array.as_ref(), n, agg, &mut json).map_err(|(r, m)| (r, format!("Tags: {m}")))?;
    }
    let mut categories: FastMap<(Sym, Sym, Sym, Sym), Option<crate::model::ChargeCategory>> =
        FastMap::default();
    let (billed, effective) = (&d[0], &d[1]);
    let (category, account, service, service_code, resource, currency, commitment) =
        (&s[0], &s[1], &s[2], &s[3], &s[4], &s[5], &s[6]);
    let (start, end, billing) = (&t[0], &t[1], &t[2]);
    let usd = agg.strings.intern("USD");
    let usage = super::usage::UsageCols::read(col, layout, n, agg)?;
    for r in 0..n {
        let cat = *categories
            .entry((category[r], service[r], service_code[r], commitment[r]))
            .or_insert_with(|| {
                focus_category(
                    agg.strings.get(category[r]),
                    agg.strings.get(service[r]),
                    agg.strings.get(service_code[r]),
                    agg.strings.get(commitment[r]),
                )
            });
        let Some(cat) = cat else {
            return Err((
                r,
                format!("ChargeCategory: {}", unknown_focus_category(agg.strings.get(category[r]))),
            ));
        };
        if start[r] == i64::MIN {
            return Err((r, "ChargePeriodStart is empty".into()));
        }
        let end_r = if end[r] == i64::MIN { start[r] } else { end[r] };
        let (sd, ed) = checked_day_span(start[r], end_r).map_err(|m| (r, m))?;
        agg.see_period(start[r], end_r, cat);
        let tags = if let Some(m) = &map_tags {
            st.pairs.clear();
            m.row(r, &mut st.pairs);
            let mut pairs = std::mem::take(&mut st.pairs);
            let id = agg.tag_set(&mut pairs);
            st.pairs = pairs;
            id
        } else if json[r] == NONE {
            NONE
        } else if let Some(&id) = st.tag_json.get(&json[r]) {
            id
        } else {
            let text = agg.strings.get(json[r]).to_string();
            let mut pairs = Vec::new();
            crate::costs::focus_csv::parse_tags_json(&text, ctx, agg, &mut pairs)
                .map_err(|m| (r, format!("Tags: {m}")))?;
            ctx.retain_tags(agg, &mut pairs);
            let id = agg.tag_set(&mut pairs);
            st.tag_json.insert(json[r], id);
            id
        };
        let key = Key {
            start: sd,
            end: ed,
            billing: if billing[r] == i64::MIN { NO_DATE } else { day_floor(billing[r]) },
            account: account[r],
            service: service[r],
            resource: if ctx.keep_resource_ids { resource[r] } else { NONE },
            tags,
            category: cat,
            currency: if currency[r] == NONE { usd } else { currency[r] },
        };
        agg.add(key, billed[r], effective[r]).map_err(|m| (r, m))?;
        if let Some(u) = &usage {
            u.add(agg, r, cat, key.service, key.currency, billed[r], effective[r], start[r], end_r, true)?;
        }
    }
    st.decimals.extend(d);
    st.syms.extend(s);
    st.times.extend(t);
    st.syms.push(json);
    Ok(())
}
