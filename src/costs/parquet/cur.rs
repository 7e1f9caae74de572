//! CUR rows (legacy snake_case Parquet and CUR 2.0): amounts with their amortization columns,
//! line types, services, tags from one column per key or from the `resource_tags` map.

use arrow_array::RecordBatch;
use arrow_schema::Schema;

use super::decode::{decimals, syms};
use super::map::{map_values, MapTags};
use super::{at, take, BatchState, ColFn, RowError};
use crate::costs::aggregate::{Aggregator, Key, NONE, NO_DATE};
use crate::costs::charge::{cur_category, cur_effective, is_support, Amortization, CurType};
use crate::costs::row::{self, Col, Layout};
use crate::costs::values::{checked_day_span, day_floor};
use crate::costs::Ctx;

#[allow(clippy::too_many_arguments)]
pub(super) fn cur_batch(
    batch: &RecordBatch,
    col: &ColFn<'_>,
    layout: &Layout,
    tag_columns: &[(usize, String)],
    schema: &Schema,
    st: &mut BatchState,
    ctx: &Ctx<'_>,
    agg: &mut Aggregator,
) -> Result<(), RowError> {
    let n = batch.num_rows();
    let mut d = Vec::with_capacity(7);
    for c in [
        Col::Billed,
        Col::SpEffective,
        Col::SpCommitment,
        Col::SpUsed,
        Col::RiEffective,
        Col::RiUnusedUpfront,
        Col::RiUnusedRecurring,
    ] {
        let mut v = take(&mut st.decimals);
        let array = col(c);
        // An amortization column the file lacks stays empty (zero on every row, see `at`)
        // rather than a batch of zeros written and read again.
        if array.is_some() || c == Col::Billed {
            decimals(array.as_ref(), n, &mut v).map_err(|(r, m)| (r, format!("{}: {m}", layout.name(c))))?;
        }
        d.push(v);
    }
    let mut s = super::sym_columns(
        &[
            Col::ChargeType,
            Col::Account,
            Col::ServiceCode,
            Col::ServiceName,
            Col::Resource,
            Col::Currency,
            Col::RiArn,
        ],
        col,
        layout,
        n,
        st,
        agg,
    )?;
    let t = super::period_columns(col, layout, n, st)?;
    // Tags: one column per key (legacy), or the CUR 2.0 map.
    let mut tag_cols = Vec::with_capacity(tag_columns.len());
    for (i, key) in tag_columns {
        let mut v = take(&mut st.syms);
        syms(batch.column_by_name(schema.field(*i).name()), n, agg, &mut v)
            .map_err(|(r, m)| (r, format!("{key}: {m}")))?;
        tag_cols.push((agg.strings.intern(key), v));
    }
    let map_tags = match col(Col::Tags) {
        Some(a) => Some(MapTags::new(&a, n, agg, st, ctx, "user_")?),
        None => None,
    };

    let packable = map_tags.is_none() && tag_cols.len() <= 4;
    let (unblended, sp_eff, sp_commit, sp_used, ri_eff, ri_upfront, ri_recurring) =
        (&d[0], &d[1], &d[2], &d[3], &d[4], &d[5], &d[6]);
    // CUR 2.0 keeps the product name in the `product` map, not a column of its own.
    if layout.get(Col::ServiceName).is_none() {
        if let Some(a) = col(Col::ProductMap) {
            map_values(&a, n, "product_name", agg, &mut s[3])
                .map_err(|(r, m)| (r, format!("product: {m}")))?;
        }
    }
    let (line_type, account, code, name, resource, currency, ri_arn) =
        (&s[0], &s[1], &s[2], &s[3], &s[4], &s[5], &s[6]);
    let (start, end, billing) = (&t[0], &t[1], &t[2]);
    let usd = agg.strings.intern("USD");
    let usage = super::usage::UsageCols::read(col, layout, n, agg)?;
    for r in 0..n {
        let (ty, category, service) =
            *st.kinds.entry((line_type[r], code[r], name[r])).or_insert_with(|| {
                let ty = CurType::parse(agg.strings.get(line_type[r]));
                let category =
                    cur_category(ty, is_support(agg.strings.get(code[r]), agg.strings.get(name[r])));
                let service = row::service(agg.strings.get(code[r]), agg.strings.get(name[r])).into_owned();
                let service = if service.is_empty() { NONE } else { agg.strings.intern(&service) };
                (ty, category, service)
            });
        if ty == CurType::Unknown {
            *agg.unknown_types.entry(agg.strings.get(line_type[r]).to_string()).or_default() += 1;
        }
        if start[r] == i64::MIN {
            return Err((r, "line_item_usage_start_date is empty".into()));
        }
        let end_r = if end[r] == i64::MIN { start[r] } else { end[r] };
        let amort = Amortization {
            sp_effective_cost: at(sp_eff, r),
            sp_total_commitment_to_date: at(sp_commit, r),
            sp_used_commitment: at(sp_used, r),
            ri_effective_cost: at(ri_eff, r),
            ri_unused_amortized_upfront: at(ri_upfront, r),
            ri_unused_recurring_fee: at(ri_recurring, r),
            reservation: ri_arn[r] != NONE,
        };
        let effective = cur_effective(ty, unblended[r], &amort);
        let (sd, ed) = checked_day_span(start[r], end_r).map_err(|m| (r, m))?;
        agg.see_period(start[r], end_r, category);
        let packed = packable.then(|| {
            tag_cols.iter().enumerate().fold(0u128, |acc, (i, (_, v))| acc | (u128::from(v[r]) << (32 * i)))
        });
        let cached = packed.and_then(|p| st.tag_rows.get(&p).copied());
        let tags = match cached {
            Some(t) => t,
            None => {
                st.pairs.clear();
                for (key, values) in &tag_cols {
                    if values[r] != NONE {
                        st.pairs.push((*key, values[r]));
                    }
                }
                if let Some(m) = &map_tags {
                    m.row(r, &mut st.pairs);
                }
                // Ids are never NONE (0) in a pair, so a packed 0 half is "no pair".
                let map_packed =
                    (tag_cols.is_empty() && map_tags.is_some() && st.pairs.len() <= 2).then(|| {
                        st.pairs.iter().enumerate().fold(0u128, |acc, (i, (k, v))| {
                            acc | ((u128::from(*k) << 32 | u128::from(*v)) << (64 * i))
                        })
                    });
                match map_packed.and_then(|p| st.map_rows.get(&p).copied()) {
                    Some(t) => t,
                    None => {
                        let mut pairs = std::mem::take(&mut st.pairs);
                        let t = agg.tag_set(&mut pairs);
                        st.pairs = pairs;
                        if let Some(p) = packed {
                            st.tag_rows.insert(p, t);
                        }
                        if let Some(p) = map_packed {
                            st.map_rows.insert(p, t);
                        }
                        t
                    }
                }
            }
        };
        let key = Key {
            start: sd,
            end: ed,
            billing: if billing[r] == i64::MIN { NO_DATE } else { day_floor(billing[r]) },
            account: account[r],
            service,
            resource: if ctx.keep_resource_ids { resource[r] } else { NONE },
            tags,
            category,
            currency: if currency[r] == NONE { usd } else { currency[r] },
        };
        agg.add(key, unblended[r], effective).map_err(|m| (r, m))?;
        if let Some(u) = &usage {
            u.add(
                agg,
                r,
                category,
                key.service,
                key.currency,
                unblended[r],
                effective,
                start[r],
                end_r,
                ty.consumes(),
            )?;
        }
    }
    st.decimals.extend(d);
    st.syms.extend(s);
    st.times.extend(t);
    st.syms.extend(tag_cols.into_iter().map(|(_, v)| v));
    Ok(())
}
