//! `map<string, string>` columns: CUR 2.0's `resource_tags` (`user_*` keys) and `product`,
//! FOCUS's `Tags`.

use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef};

use super::decode::{syms, syms_where, text_is};
use super::{BatchState, RowError};
use crate::costs::aggregate::{Aggregator, Sym, NONE};
use crate::costs::Ctx;

/// The value under `key` of each row of a `map<string, string>` column (CUR 2.0's `product`),
/// [`NONE`] where the row has none.
pub(super) fn map_values(
    array: &ArrayRef,
    n: usize,
    key: &str,
    agg: &mut Aggregator,
    out: &mut Vec<Sym>,
) -> Result<(), RowError> {
    let Some(map) = array.as_map_opt() else {
        return Err((0, format!("column of type {}, expected a map", array.data_type())));
    };
    // Keys are compared as text and only the wanted key's values are interned: the other
    // attributes are never read.
    let hits = text_is(map.keys(), key, agg)?;
    let mut values = Vec::new();
    syms_where(map.values(), |i| hits.get(i).copied().unwrap_or(false), agg, &mut values)?;
    let offsets = map.value_offsets();
    out.clear();
    for r in 0..n {
        let mut v = NONE;
        if !map.is_null(r) {
            let a = usize::try_from(offsets[r]).unwrap_or(0);
            let b = usize::try_from(offsets[r + 1]).unwrap_or(0);
            if let Some(i) = (a..b.min(hits.len())).find(|&i| hits[i]) {
                v = values.get(i).copied().unwrap_or(NONE);
            }
        }
        out.push(v);
    }
    Ok(())
}

/// A `map<string, string>` tag column, keys already mapped to the keys tally reports.
pub(super) struct MapTags {
    offsets: Vec<usize>,
    keys: Vec<Sym>,
    values: Vec<Sym>,
    null_rows: Vec<bool>,
}

impl MapTags {
    /// `prefix`: only keys with it are user tags (CUR 2.0's `user_`); it is removed.
    pub(super) fn new(
        array: &ArrayRef,
        n: usize,
        agg: &mut Aggregator,
        st: &mut BatchState,
        ctx: &Ctx<'_>,
        prefix: &str,
    ) -> Result<Self, RowError> {
        let Some(map) = array.as_map_opt() else {
            return Err((0, format!("tags column of type {}, expected a map", array.data_type())));
        };
        let mut raw_keys = Vec::new();
        syms(Some(map.keys()), map.keys().len(), agg, &mut raw_keys)?;
        let keys: Vec<Sym> = raw_keys
            .into_iter()
            .map(|k| {
                if k == NONE {
                    return NONE;
                }
                *st.tag_key.entry(k).or_insert_with(|| {
                    let raw = agg.strings.get(k).to_string();
                    let key = match raw.strip_prefix(prefix) {
                        Some(rest) if !prefix.is_empty() => agg.strings.intern(&ctx.tag_keys.resolve(rest)),
                        // FOCUS keeps the spelling: compared as the CSV readers compare.
                        Some(_) => agg.strings.intern(&ctx.tag_keys.resolve_spelled(&raw)),
                        None => NONE,
                    };
                    if key != NONE && !ctx.keeps_tag(agg.strings.get(key)) {
                        NONE
                    } else {
                        key
                    }
                })
            })
            .collect();
        // Only the values of kept keys are interned (an export reads the owner tag alone).
        let mut values = Vec::new();
        syms_where(map.values(), |i| keys.get(i).is_some_and(|k| *k != NONE), agg, &mut values)?;
        let offsets = map.value_offsets().iter().map(|o| usize::try_from(*o).unwrap_or(0)).collect();
        // A null map row may still point at entries: it has no tags.
        let null_rows = (0..n).map(|r| map.is_null(r)).collect();
        Ok(MapTags { offsets, keys, values, null_rows })
    }

    pub(super) fn row(&self, r: usize, out: &mut Vec<(Sym, Sym)>) {
        if self.null_rows.get(r).copied().unwrap_or(true) {
            return;
        }
        let (a, b) = (self.offsets[r], self.offsets[r + 1]);
        for i in a..b.min(self.keys.len()) {
            if self.keys[i] != NONE && self.values.get(i).is_some_and(|v| *v != NONE) {
                out.push((self.keys[i], self.values[i]));
            }
        }
    }
}
