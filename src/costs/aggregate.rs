//! Read-time aggregation of cost line items into [`CostRecord`]s, keyed by
//! (charge period, billing period, account, service, resource, tag set, category, currency).
//!
//! Every reader feeds rows here; memory grows with the number of distinct keys, not with the
//! number of input rows. Strings and tag sets are interned to `u32` ids so a key is a small,
//! fixed-size value that hashes fast; readers of dictionary-encoded Parquet map each dictionary
//! value once per batch and then only copy ids. This module does no I/O.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::CostRecord;
use crate::model::{ChargeCategory, Period, Tags};

pub(crate) use super::fast::{FastMap, Sym, NONE};

/// String interner: each distinct string is stored once.
#[derive(Default)]
pub(crate) struct Interner {
    ids: FastMap<Box<str>, Sym>,
    strings: Vec<Box<str>>,
}

impl Interner {
    pub(crate) fn intern(&mut self, s: &str) -> Sym {
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        self.strings.push(s.into());
        let id = Sym::try_from(self.strings.len()).unwrap_or(Sym::MAX);
        self.ids.insert(s.into(), id);
        id
    }

    pub(crate) fn get(&self, id: Sym) -> &str {
        if id == NONE {
            return "";
        }
        self.strings.get(id as usize - 1).map_or("", |s| s)
    }
}

/// Key of one aggregated record; dates as days since the common era to keep it `Copy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Key {
    pub start: i32,
    pub end: i32,
    /// `i32::MIN` when the input has no billing period.
    pub billing: i32,
    pub account: Sym,
    pub service: Sym,
    pub resource: Sym,
    pub tags: Sym,
    pub category: ChargeCategory,
    pub currency: Sym,
}

#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Sums {
    pub billed: Decimal,
    pub effective: Decimal,
    pub rows: u64,
}

pub(crate) const NO_DATE: i32 = i32::MIN;

pub(crate) const OVERFLOW: &str = "amounts add up beyond the range of a decimal (about 7.9e28)";
pub(crate) const PRECISION: &str =
    "amounts add up to more than 28 significant digits: tally cannot keep the sum exact";

#[cfg(test)]
pub(crate) fn day_number(d: NaiveDate) -> i32 {
    chrono::Datelike::num_days_from_ce(&d)
}

pub(crate) fn from_day_number(n: i32) -> Option<NaiveDate> {
    (n != NO_DATE).then(|| NaiveDate::from_num_days_from_ce_opt(n)).flatten()
}

impl Sums {
    #[inline]
    fn absorb(&mut self, other: Sums) -> Result<(), &'static str> {
        // Exact or an error: a rounded sum would pass a reconciliation on the same arithmetic.
        let exact = |a, b| {
            super::exact::add(a, b).map_err(|e| match e {
                super::exact::MoneyError::Overflow => OVERFLOW,
                super::exact::MoneyError::Precision => PRECISION,
            })
        };
        self.billed = exact(self.billed, other.billed)?;
        self.effective = exact(self.effective, other.effective)?;
        self.rows += other.rows;
        Ok(())
    }
}

/// Powers of ten that fit an `i64`, to bring two mantissas to one scale.
const POW10: [i64; 19] = {
    let mut p = [1i64; 19];
    let mut i = 1;
    while i < 19 {
        p[i] = p[i - 1] * 10;
        i += 1;
    }
    p
};

/// An amount as an `i64` mantissa and its scale (`Decimal`'s own, so any number of decimals
/// up to its 28), when the mantissa fits: within ±9.2e18 units of its last decimal. Anything
/// else (larger, a negative zero) is `None` and takes the `Decimal` path.
#[inline]
fn to_fixed(d: Decimal) -> Option<(i64, u8)> {
    if d.is_zero() && d.is_sign_negative() {
        return None;
    }
    Some((i64::try_from(d.mantissa()).ok()?, u8::try_from(d.scale()).ok()?))
}

/// The `Decimal` a fixed-point sum stands for: `mantissa` at `scale` (at most 28: the largest
/// scale of the amounts added, see [`add_fixed`]).
fn from_fixed(mantissa: i64, scale: u8) -> Decimal {
    Decimal::new(mantissa, u32::from(scale))
}

/// Add one fixed-point amount to a sum the way `Decimal` addition would, scale included:
/// adding to a zero sum gives the addend (with its scale), adding a zero changes nothing, any
/// other sum takes the larger scale, the other mantissa multiplied up to it. Output shows the
/// scale (`1.50` stays `1.50`), so the fast path must keep it exactly as the `Decimal` fold
/// did. `None` when a mantissa leaves `i64` (a sum that large, or that many decimals on a
/// large sum): the cell spills to `Decimal`s.
#[inline]
fn add_fixed(sum: i64, sum_scale: u8, m: i64, scale: u8) -> Option<(i64, u8)> {
    if sum == 0 {
        return Some((m, scale));
    }
    if m == 0 {
        return Some((sum, sum_scale));
    }
    if sum_scale == scale {
        return Some((sum.checked_add(m)?, scale));
    }
    let up = |v: i64, by: u8| v.checked_mul(*POW10.get(usize::from(by))?);
    let total = if sum_scale > scale {
        sum.checked_add(up(m, sum_scale - scale)?)?
    } else {
        up(sum, scale - sum_scale)?.checked_add(m)?
    };
    Some((total, sum_scale.max(scale)))
}

/// One day of one group: both sums as an `i64` mantissa and a scale, with the line count, in
/// 20 bytes (a `Decimal` cell was 40, a cell of `i64` fields 24): the mantissas are kept as
/// `u32` halves so the cell aligns to 4 bytes, and the count, both scales and the spilled mark
/// share one word. The cells of both reading workers were most of the export's peak memory.
/// A cell whose mantissa would leave `i64` (a large sum, or one at many decimals) or whose
/// count would pass [`Cell::MAX_ROWS`] is *spilled*: its sums move to [`Store::spans`] as
/// `Decimal`s and every later line of it goes there too. No rows and not spilled is an empty
/// cell. (Until session 6 the sums were `i64` units of 1e-10: every credit line of a CUR 2.0
/// file, a tenth of a rate with 10 decimals, spilled, ~180k `Decimal` records per worker at
/// 10M lines.)
#[derive(Debug, Clone, Copy, Default)]
struct Cell {
    billed: [u32; 2],
    effective: [u32; 2],
    /// Rows (the low 21 bits), billed scale (5 bits), effective scale (5), spilled (1).
    meta: u32,
}

const fn join(halves: [u32; 2]) -> i64 {
    ((halves[1] as u64) << 32 | halves[0] as u64) as i64
}

const fn split(v: i64) -> [u32; 2] {
    [v as u64 as u32, (v as u64 >> 32) as u32]
}

impl Cell {
    /// Lines one cell counts; one more spills it.
    const MAX_ROWS: u32 = (1 << 21) - 1;
    const SPILLED: u32 = 1 << 31;

    #[inline]
    fn rows(&self) -> u32 {
        self.meta & Self::MAX_ROWS
    }

    #[inline]
    fn spilled(&self) -> bool {
        self.meta & Self::SPILLED != 0
    }

    #[inline]
    fn scales(&self) -> (u8, u8) {
        (((self.meta >> 21) & 31) as u8, ((self.meta >> 26) & 31) as u8)
    }

    /// Add in place; `false` (cell untouched) when the cell cannot hold it.
    #[inline]
    fn add(&mut self, p: &Pending) -> bool {
        let (billed_scale, effective_scale) = self.scales();
        let (Some((b, bs)), Some((e, es)), Some(rows)) = (
            add_fixed(join(self.billed), billed_scale, p.billed, p.billed_scale),
            add_fixed(join(self.effective), effective_scale, p.effective, p.effective_scale),
            self.rows().checked_add(p.rows).filter(|&r| r <= Self::MAX_ROWS),
        ) else {
            return false;
        };
        // Scales are at most 28 (a `Decimal`'s): 5 bits each.
        *self = Cell {
            billed: split(b),
            effective: split(e),
            meta: rows | u32::from(bs) << 21 | u32::from(es) << 26,
        };
        true
    }

    fn sums(&self) -> Sums {
        let (billed_scale, effective_scale) = self.scales();
        Sums {
            billed: from_fixed(join(self.billed), billed_scale),
            effective: from_fixed(join(self.effective), effective_scale),
            rows: u64::from(self.rows()),
        }
    }
}

/// A line waiting to be added to its day cell.
#[derive(Debug, Clone, Copy)]
struct Pending {
    /// Index of the cell in [`Store::chunks`], all chunks end to end.
    cell: u32,
    billed: i64,
    effective: i64,
    rows: u32,
    billed_scale: u8,
    effective_scale: u8,
}

/// Lines resolved to their cell before any cell is touched: see [`Store`].
const PENDING: usize = 512;

/// A one-day line waiting for its slab to be looked up (see [`Store`]): its group and window,
/// the window's first day, its day in the window and its amounts.
#[derive(Debug, Clone, Copy)]
struct Line {
    slab: SlabKey,
    base: i32,
    day: u32,
    billed: i64,
    effective: i64,
    rows: u32,
    billed_scale: u8,
    effective_scale: u8,
}

/// Everything of a key but its charge period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Group {
    billing: i32,
    account: Sym,
    service: Sym,
    resource: Sym,
    tags: Sym,
    category: ChargeCategory,
    currency: Sym,
}

/// A group and one of its windows of [`SLAB_DAYS`] days: what a slab of cells belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct SlabKey {
    group: Group,
    window: i32,
}

/// Hashed as four words instead of eight fields: one lookup per input line, where each
/// word is a dependent multiply.
impl std::hash::Hash for SlabKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        let g = &self.group;
        let pair = |a: u32, b: u32| u64::from(a) | (u64::from(b) << 32);
        state.write_u64(pair(g.billing as u32, g.account));
        state.write_u64(pair(g.service, g.resource));
        state.write_u64(pair(g.tags, g.currency));
        state.write_u64(pair(self.window as u32, u32::from(g.category as u8)));
    }
}

/// Days of one slab: a group's cells for this many consecutive days, from the group's
/// billing day (a bill's month fits one slab) or, without one, from a multiple of it.
const SLAB_DAYS: i32 = 31;
/// Slabs per chunk of cells (~10 MiB): cells are allocated a chunk at a time, never moved.
/// Large, so that most of a chunk is whole huge pages (see [`new_chunk`]); a chunk's pages
/// are touched only as its slabs are made, so a small bill's chunk costs what it uses.
const CHUNK_SLABS: usize = 16 * 1024;
const CHUNK_CELLS: usize = CHUNK_SLABS * SLAB_DAYS as usize;

/// A chunk of empty cells, zeroed by the allocator (fresh pages: nothing touched yet), and
/// on Linux in transparent huge pages where whole ones fit: lines land on random cells of
/// tens of megabytes, and with 4 KiB pages nearly every add missed the TLB too (a test of
/// random adds over 64 MiB on the bench VM: a quarter less CPU, 150x fewer page faults).
#[allow(unsafe_code)]
fn new_chunk() -> Box<[Cell]> {
    let chunk = Box::<[Cell]>::new_zeroed_slice(CHUNK_CELLS);
    // SAFETY: `Cell` is plain integers (`u32`s), for which all-zero bytes are a valid value:
    // the empty cell, `Cell::default()`.
    let chunk = unsafe { chunk.assume_init() };
    crate::source::advise_huge_pages(&chunk);
    chunk
}

/// The aggregation map, in two levels: most lines are one day long and a bill has far fewer
/// (account, service, tags, ...) groups than group-days, so a map from a group (and a window
/// of [`SLAB_DAYS`] days) to its slab of fixed-point day cells replaces one large hash map
/// keyed by the day too. A slab is the window's cells, in fixed-size chunks of cells that
/// never move or grow: the map's value is the slab's first cell, so a line costs one probe of
/// the map and one touch of its cell. Multi-day lines (monthly fees, tax) and spilled cells go
/// to `spans`, summed as `Decimal`s.
///
/// Neither the map (~100k groups of a CUR 2.0 month, megabytes) nor the cells of a month of
/// groups fit in a core's cache, and input lines come in no useful order, so each probe and
/// each add is a cache miss. Both are therefore done in batches of [`PENDING`] lines, each
/// batch in two short loops whose iterations do not depend on each other, so the processor
/// has several misses in flight instead of one: one-day lines wait in `lines` until their
/// batch's slabs are looked up (each line's cell goes to `pending`), then the cells are
/// updated from `pending`. Order within a cell is kept (the scale of a `Decimal` sum depends
/// on it when a sum passes through zero): everything in `pending` arrived before everything
/// in `lines`.
///
/// Memory: a slab is 31 cells of 20 bytes whether or not every day has lines; the runs that
/// grew per group before took up to twice that (a vector's doubling) and moved on growth.
#[derive(Default)]
struct Store {
    groups: FastMap<SlabKey, u32>,
    /// Each slab's group and first day, by slab number.
    slabs: Vec<(Group, i32)>,
    chunks: Vec<Box<[Cell]>>,
    spans: FastMap<Key, Sums>,
    lines: Vec<Line>,
    pending: Vec<Pending>,
}

impl Store {
    #[inline]
    fn add(&mut self, key: Key, sums: Sums) -> Result<(), &'static str> {
        let Some((slab, base, day)) = place(&key) else {
            return self.spans.entry(key).or_default().absorb(sums);
        };
        if let (Some((billed, billed_scale)), Some((effective, effective_scale)), Ok(rows)) =
            (to_fixed(sums.billed), to_fixed(sums.effective), u32::try_from(sums.rows))
        {
            self.lines.push(Line { slab, base, day, billed, effective, rows, billed_scale, effective_scale });
            if self.lines.len() >= PENDING {
                self.flush()?;
            }
            return Ok(());
        }
        // An amount the cells cannot hold: everything before it first, then the cell moves
        // to `spans` for good.
        self.flush()?;
        let Some(first) = self.slab(slab, base) else {
            return self.spans.entry(key).or_default().absorb(sums);
        };
        let Store { chunks, spans, .. } = self;
        if let Some(c) = cell_mut(chunks, first * SLAB_DAYS as u32 + day) {
            spill(c, key, spans)?;
        }
        spans.entry(key).or_default().absorb(sums)
    }

    /// Add another store's cell to cell number `cell` here (a merge).
    #[inline]
    fn add_cell(&mut self, cell: u32, c: &Cell) -> Result<(), &'static str> {
        if !self.lines.is_empty() {
            self.resolve()?;
        }
        let (billed_scale, effective_scale) = c.scales();
        self.pending.push(Pending {
            cell,
            billed: join(c.billed),
            effective: join(c.effective),
            rows: c.rows(),
            billed_scale,
            effective_scale,
        });
        if self.pending.len() >= PENDING {
            self.flush()?;
        }
        Ok(())
    }

    /// The cell of a one-day line (its group's slab made if new), else `None`.
    #[inline]
    fn dense_cell(&mut self, key: &Key) -> Option<u32> {
        let (slab, base, day) = place(key)?;
        Some(self.slab(slab, base)? * SLAB_DAYS as u32 + day)
    }

    /// The number of the slab of `key` (whose first day is `base`), made if new; `None` past
    /// the cells a `u32` can number.
    #[inline]
    fn slab(&mut self, key: SlabKey, base: i32) -> Option<u32> {
        match self.groups.get(&key) {
            Some(&slab) => Some(slab),
            None => self.new_slab(key, base),
        }
    }

    #[cold]
    fn new_slab(&mut self, key: SlabKey, base: i32) -> Option<u32> {
        // A new slab's cells must have `u32` indexes: past that (4 billion cells), lines take
        // the spans.
        let next = u32::try_from(self.slabs.len())
            .ok()
            .filter(|n| n.checked_add(1).and_then(|m| m.checked_mul(SLAB_DAYS as u32)).is_some())?;
        if self.slabs.len() == self.chunks.len() * CHUNK_SLABS {
            self.chunks.push(new_chunk());
        }
        self.slabs.push((key.group, base));
        self.groups.insert(key, next);
        Some(next)
    }

    /// Look up the slabs of the waiting lines, in order: each line's cell goes to `pending`
    /// (or, past the cells a `u32` can number, its sums to `spans`).
    fn resolve(&mut self) -> Result<(), &'static str> {
        let lines = std::mem::take(&mut self.lines);
        let mut result = Ok(());
        for l in &lines {
            match self.slab(l.slab, l.base) {
                Some(slab) => self.pending.push(Pending {
                    cell: slab * SLAB_DAYS as u32 + l.day,
                    billed: l.billed,
                    effective: l.effective,
                    rows: l.rows,
                    billed_scale: l.billed_scale,
                    effective_scale: l.effective_scale,
                }),
                None => {
                    let day = l.base.saturating_add(i32::try_from(l.day).unwrap_or(0));
                    let sums = Sums {
                        billed: from_fixed(l.billed, l.billed_scale),
                        effective: from_fixed(l.effective, l.effective_scale),
                        rows: u64::from(l.rows),
                    };
                    if let Err(e) = self.spans.entry(l.slab.group.key(day)).or_default().absorb(sums) {
                        result = Err(e);
                        break;
                    }
                }
            }
        }
        self.lines = lines;
        self.lines.clear();
        result
    }

    /// Apply the waiting and pending lines to their cells, in order.
    fn flush(&mut self) -> Result<(), &'static str> {
        self.resolve()?;
        let Store { slabs, chunks, spans, pending, .. } = self;
        let mut result = Ok(());
        for p in pending.iter() {
            let Some(cell) = cell_mut(chunks, p.cell) else { continue };
            if !cell.spilled() && cell.add(p) {
                continue;
            }
            let Some(key) = slab_key(slabs, p.cell) else { continue };
            let sums = Sums {
                billed: from_fixed(p.billed, p.billed_scale),
                effective: from_fixed(p.effective, p.effective_scale),
                rows: u64::from(p.rows),
            };
            if let Err(e) = spill(cell, key, spans).and_then(|()| spans.entry(key).or_default().absorb(sums))
            {
                result = Err(e);
                break;
            }
        }
        pending.clear();
        result
    }

    /// The slabs: each one's group, first day and cells.
    fn slabs(&self) -> impl Iterator<Item = (Group, i32, &[Cell])> {
        self.slabs
            .iter()
            .zip(self.chunks.iter().flat_map(|c| c.chunks(SLAB_DAYS as usize)))
            .map(|(&(group, base), cells)| (group, base, cells))
    }

    /// Every record; pending lines must have been flushed.
    fn entries(mut self) -> impl Iterator<Item = (Key, Sums)> {
        debug_assert!(self.pending.is_empty() && self.lines.is_empty(), "entries() before flush()");
        let slabs: Vec<Vec<(Group, i32)>> = self.slabs.chunks(CHUNK_SLABS).map(<[_]>::to_vec).collect();
        // A chunk's records at a time, the chunk freed once read (a merge adds them elsewhere).
        let dense = std::mem::take(&mut self.chunks).into_iter().zip(slabs).flat_map(|(cells, slabs)| {
            let mut records = Vec::new();
            for (slab, (group, base)) in cells.chunks(SLAB_DAYS as usize).zip(slabs) {
                for (day, c) in (base..).zip(slab) {
                    if c.rows() > 0 {
                        records.push((group.key(day), c.sums()));
                    }
                }
            }
            records
        });
        dense.chain(self.spans)
    }
}

/// Where a one-day line goes: its slab's key, the slab's first day and the line's day in it;
/// `None` for any other line (or a day too far from its billing day for an `i32`).
#[inline]
fn place(key: &Key) -> Option<(SlabKey, i32, u32)> {
    if key.end.wrapping_sub(key.start) != 1 {
        return None;
    }
    let group = Group {
        billing: key.billing,
        account: key.account,
        service: key.service,
        resource: key.resource,
        tags: key.tags,
        category: key.category,
        currency: key.currency,
    };
    // Windows start at the billing day: a billing month's lines share one slab.
    let anchor = if key.billing == NO_DATE { 0 } else { i64::from(key.billing) };
    let offset = i64::from(key.start) - anchor;
    let window = i32::try_from(offset.div_euclid(i64::from(SLAB_DAYS))).ok()?;
    let day = u32::try_from(offset.rem_euclid(i64::from(SLAB_DAYS))).ok()?;
    let base = i32::try_from(anchor + i64::from(window) * i64::from(SLAB_DAYS)).ok()?;
    Some((SlabKey { group, window }, base, day))
}

/// Cell number `index` of the chunks, all end to end.
#[inline]
fn cell_mut(chunks: &mut [Box<[Cell]>], index: u32) -> Option<&mut Cell> {
    let i = index as usize;
    chunks.get_mut(i / CHUNK_CELLS)?.get_mut(i % CHUNK_CELLS)
}

/// The key of the record cell number `index` holds.
fn slab_key(slabs: &[(Group, i32)], index: u32) -> Option<Key> {
    let (group, base) = slabs.get(index as usize / SLAB_DAYS as usize)?;
    Some(group.key(base + i32::try_from(index % SLAB_DAYS as u32).ok()?))
}

/// Move a cell's sums to `spans` (once) and mark it, so its later lines go there too.
fn spill(cell: &mut Cell, key: Key, spans: &mut FastMap<Key, Sums>) -> Result<(), &'static str> {
    if cell.spilled() {
        return Ok(());
    }
    if cell.rows() > 0 {
        spans.entry(key).or_default().absorb(cell.sums())?;
    }
    *cell = Cell { meta: Cell::SPILLED, ..Cell::default() };
    Ok(())
}

/// The day cells of one slab (see [`Aggregator::dense_groups`]).
pub(crate) struct DayCells<'a> {
    base: i32,
    cells: &'a [Cell],
}

impl DayCells<'_> {
    /// First day and number of days held.
    pub(crate) fn span(&self) -> (i32, i32) {
        (self.base, i32::try_from(self.cells.len()).unwrap_or(i32::MAX))
    }

    /// Whether `day` has a record here: [`DayCells::at`] is `Some`.
    #[inline]
    pub(crate) fn has(&self, day: i32) -> bool {
        day.checked_sub(self.base)
            .and_then(|i| usize::try_from(i).ok())
            .and_then(|i| self.cells.get(i))
            .is_some_and(|c| c.rows() > 0)
    }

    /// The sums of `day`, `None` when the group has no line on it here (none at all, or its
    /// cell moved to the spans).
    #[inline]
    pub(crate) fn at(&self, day: i32) -> Option<Sums> {
        let i = usize::try_from(day.checked_sub(self.base)?).ok()?;
        self.cells.get(i).filter(|c| c.rows() > 0).map(Cell::sums)
    }
}

impl Group {
    fn key(&self, day: i32) -> Key {
        let g = self;
        Key {
            start: day,
            end: day + 1,
            billing: g.billing,
            account: g.account,
            service: g.service,
            resource: g.resource,
            tags: g.tags,
            category: g.category,
            currency: g.currency,
        }
    }
}
/// Accumulates rows of any format.
#[derive(Default)]
pub(crate) struct Aggregator {
    pub strings: Interner,
    /// Tag sets as sorted (key, value) id pairs; id 0 is the empty set.
    tag_ids: FastMap<Box<[(Sym, Sym)]>, Sym>,
    tag_sets: Vec<Box<[(Sym, Sym)]>>,
    map: Store,
    /// Latest charge period end seen (seconds since the epoch).
    pub last_end: Option<i64>,
    /// First start and latest end of usage lines at most a day long (seconds since the
    /// epoch): what the data covers, for `as_of`. Tax, fees, credits and monthly charges
    /// are dated to the whole billing period by construction and say nothing about it.
    pub usage_span: Option<(i64, i64)>,
    pub rows: u64,
    /// Line item types no mapping knows, with their counts: reported once, not per row.
    pub unknown_types: std::collections::BTreeMap<String, u64>,
    /// Usage for unit rates, when the read asks for it.
    pub usage: super::usage::UsageTable,
}

impl Aggregator {
    /// Intern a tag set given as (key, value) id pairs in any order; empty values are dropped
    /// (CUR writes an empty cell for every tag column a line does not carry).
    pub(crate) fn tag_set(&mut self, pairs: &mut Vec<(Sym, Sym)>) -> Sym {
        pairs.retain(|&(_, v)| v != NONE && !self.strings.get(v).is_empty());
        if pairs.is_empty() {
            return NONE;
        }
        pairs.sort_unstable_by(|a, b| self.strings.get(a.0).cmp(self.strings.get(b.0)));
        pairs.dedup_by_key(|p| p.0);
        if let Some(&id) = self.tag_ids.get(&pairs[..]) {
            return id;
        }
        self.tag_sets.push(pairs.clone().into_boxed_slice());
        let id = Sym::try_from(self.tag_sets.len()).unwrap_or(Sym::MAX);
        self.tag_ids.insert(pairs.clone().into_boxed_slice(), id);
        id
    }

    /// Add one line. Fails only when a sum leaves Decimal's range (about 7.9e28), which no
    /// real bill reaches: garbage input gets an error, not a panic.
    #[inline]
    pub(crate) fn add(&mut self, key: Key, billed: Decimal, effective: Decimal) -> Result<(), String> {
        self.map.add(key, Sums { billed, effective, rows: 1 })?;
        self.rows += 1;
        Ok(())
    }

    /// Add `rows` lines already summed elsewhere (an Athena result row).
    pub(crate) fn add_many(
        &mut self,
        key: Key,
        billed: Decimal,
        effective: Decimal,
        rows: u64,
    ) -> Result<(), String> {
        self.map.add(key, Sums { billed, effective, rows })?;
        self.rows += rows;
        Ok(())
    }

    pub(crate) fn see_end(&mut self, end_epoch_secs: i64) {
        self.last_end = Some(self.last_end.map_or(end_epoch_secs, |e| e.max(end_epoch_secs)));
    }

    /// Record a line's charge period `[start, end)` (seconds) for `as_of`: every line for the
    /// last end, usage lines of at most a day for the usage span.
    #[inline]
    pub(crate) fn see_period(&mut self, start: i64, end: i64, category: ChargeCategory) {
        let end = end.max(start);
        self.see_end(end);
        if category == ChargeCategory::Usage && end - start <= 86_400 {
            self.see_usage(start, end);
        }
    }

    pub(crate) fn see_usage(&mut self, start: i64, end: i64) {
        self.usage_span = Some(self.usage_span.map_or((start, end), |(a, b)| (a.min(start), b.max(end))));
    }

    /// Fold another aggregator (a worker's) into this one, re-interning its ids.
    pub(crate) fn merge(&mut self, mut other: Aggregator) -> Result<(), String> {
        other.map.flush()?;
        let mut str_map: FastMap<Sym, Sym> = FastMap::default();
        let mut remap = |this: &mut Self, id: Sym| -> Sym {
            if id == NONE {
                return NONE;
            }
            *str_map.entry(id).or_insert_with(|| this.strings.intern(other.strings.get(id)))
        };
        let mut tag_map: FastMap<Sym, Sym> = FastMap::default();
        let mut remap_key = |this: &mut Self, key: Key| -> Key {
            let tags = match tag_map.get(&key.tags) {
                Some(&t) => t,
                None => {
                    let mut pairs: Vec<(Sym, Sym)> = match key.tags {
                        NONE => Vec::new(),
                        t => other.tag_sets[t as usize - 1].to_vec(),
                    };
                    for p in &mut pairs {
                        *p = (remap(this, p.0), remap(this, p.1));
                    }
                    let t = this.tag_set(&mut pairs);
                    tag_map.insert(key.tags, t);
                    t
                }
            };
            Key {
                account: remap(this, key.account),
                service: remap(this, key.service),
                resource: remap(this, key.resource),
                currency: remap(this, key.currency),
                tags,
                ..key
            }
        };
        // Slab by slab: the group is remapped and found once for its days (it was once per
        // record), each chunk of cells freed once read. Each record of `other` is added once,
        // as before.
        let mut store = std::mem::take(&mut other.map);
        let slabs = std::mem::take(&mut store.slabs);
        for (chunk, slabs) in std::mem::take(&mut store.chunks).into_iter().zip(slabs.chunks(CHUNK_SLABS)) {
            for (cells, &(group, base)) in chunk.chunks(SLAB_DAYS as usize).zip(slabs) {
                if cells.iter().all(|c| c.rows() == 0) {
                    continue;
                }
                let key = remap_key(self, group.key(base));
                // The slab of the same window here (its first day is `base` too).
                let first = self.map.dense_cell(&key);
                for ((day, i), c) in (base..).zip(0u32..).zip(cells) {
                    if c.rows() == 0 {
                        continue;
                    }
                    match first {
                        Some(first) => self.map.add_cell(first + i, c)?,
                        None => self.map.add(Key { start: day, end: day + 1, ..key }, c.sums())?,
                    }
                }
            }
        }
        for (key, sums) in store.spans {
            let key = remap_key(self, key);
            self.map.add(key, sums)?;
        }
        self.rows += other.rows;
        if let Some(e) = other.last_end {
            self.see_end(e);
        }
        if let Some((a, b)) = other.usage_span {
            self.see_usage(a, b);
        }
        for (t, n) in other.unknown_types {
            *self.unknown_types.entry(t).or_default() += n;
        }
        for (key, sums) in std::mem::take(&mut other.usage).entries() {
            let key = super::usage::UsageKey {
                service: remap(self, key.service),
                usage_type: remap(self, key.usage_type),
                region: remap(self, key.region),
                unit: remap(self, key.unit),
                operation: remap(self, key.operation),
                currency: remap(self, key.currency),
            };
            let (line, rows) = sums.line();
            self.usage.add(key, line, rows)?;
        }
        Ok(())
    }

    /// Add one usage line to the usage table (see [`super::usage`]): only usage charges with
    /// a usage type count.
    #[inline]
    /// `consumes`: the line's quantity is usage consumed (see [`super::charge::CurType::consumes`]);
    /// other usage-category lines (negations, discounts) add their cost but neither quantity
    /// nor a line to the count.
    pub(crate) fn add_usage(
        &mut self,
        category: ChargeCategory,
        key: super::usage::UsageKey,
        mut line: super::usage::UsageLine,
        consumes: bool,
    ) -> Result<(), String> {
        if category != ChargeCategory::Usage || key.usage_type == NONE {
            return Ok(());
        }
        if !consumes {
            line.quantity = Decimal::ZERO;
        }
        self.usage.add(key, line, u64::from(consumes))
    }

    /// The usage table as public records, sorted by (usage type, region, unit, currency).
    pub(crate) fn take_usage(&mut self) -> Vec<super::usage::Usage> {
        if self.usage.is_empty() {
            return Vec::new();
        }
        let table = std::mem::take(&mut self.usage);
        let mut out: Vec<super::usage::Usage> =
            table.entries().filter_map(|(k, s)| s.usage(&k, |id| self.strings.get(id).to_string())).collect();
        out.sort_by(|a, b| {
            (&a.usage_type, &a.region, &a.unit, &a.operation, &a.service, &a.currency).cmp(&(
                &b.usage_type,
                &b.region,
                &b.unit,
                &b.operation,
                &b.service,
                &b.currency,
            ))
        });
        out
    }

    /// Resolve ids and return the records sorted by key, for deterministic output. Fails
    /// only as [`Aggregator::add`] does, for lines still pending.
    pub(crate) fn into_records(mut self) -> Result<Vec<CostRecord>, String> {
        self.map.flush()?;
        // Sort on ranks of the strings and tag sets (the order of the records' fields, by
        // value) instead of comparing the records' strings and tag maps.
        let ranks = self.string_ranks();
        let tag_ranks = self.tag_set_ranks(&ranks);
        let rank = |id: Sym| ranks.get(id as usize).copied().unwrap_or(0);
        let mut entries: Vec<(Key, Sums)> = std::mem::take(&mut self.map).entries().collect();
        for (k, _) in &mut entries {
            // A billing day outside the calendar is shown as none: sort it as none.
            if from_day_number(k.billing).is_none() {
                k.billing = NO_DATE;
            }
        }
        entries.sort_by_key(|(k, _)| {
            (
                k.start,
                k.end,
                k.billing,
                rank(k.account),
                rank(k.service),
                (k.resource != NONE, rank(k.resource)),
                tag_ranks.get(k.tags as usize).copied().unwrap_or(0),
                k.category,
                rank(k.currency),
            )
        });
        let mut out = Vec::with_capacity(entries.len());
        out.extend(entries.into_iter().filter_map(|(k, s)| {
            let start = from_day_number(k.start)?;
            let end = from_day_number(k.end)?;
            let tags: Tags = match k.tags {
                NONE => Tags::new(),
                t => self.tag_sets[t as usize - 1]
                    .iter()
                    .map(|&(key, v)| (self.strings.get(key).to_string(), self.strings.get(v).to_string()))
                    .collect(),
            };
            Some(CostRecord {
                period: Period { start, end },
                billing_period_start: from_day_number(k.billing),
                account: self.strings.get(k.account).to_string(),
                service: self.strings.get(k.service).to_string(),
                resource_id: (k.resource != NONE).then(|| self.strings.get(k.resource).to_string()),
                tags,
                category: k.category,
                currency: self.strings.get(k.currency).to_string(),
                billed: s.billed,
                effective: s.effective,
                rows: s.rows,
            })
        }));
        Ok(out)
    }

    /// Apply the lines still pending, so [`Aggregator::dense_groups`] and
    /// [`Aggregator::spans`] see every record. Fails only as [`Aggregator::add`] does.
    pub(crate) fn finish(&mut self) -> Result<(), String> {
        Ok(self.map.flush()?)
    }

    /// The one-day groups' slabs: each as the key of its first day (`start` is the slab's
    /// first day, `end` that day + 1) with its cells' sums by day from there, `None` for a
    /// day without lines. A group has one slab per window of days it has lines in (one for a
    /// billing month), the slabs' days disjoint. With [`Aggregator::spans`], every record
    /// [`Aggregator::into_records`] makes, each exactly once; [`Aggregator::finish`] first.
    pub(crate) fn dense_groups(&self) -> impl Iterator<Item = (Key, DayCells<'_>)> {
        self.map.slabs().map(|(group, base, cells)| (group.key(base), DayCells { base, cells }))
    }

    /// The records that are not one day of a dense group: multi-day lines and cells that left
    /// fixed point.
    pub(crate) fn spans(&self) -> impl Iterator<Item = (&Key, &Sums)> {
        self.map.spans.iter()
    }

    /// A tag set's (key, value) pairs, sorted by key; empty for `NONE`.
    pub(crate) fn tag_pairs(&self, tags: Sym) -> &[(Sym, Sym)] {
        match tags {
            NONE => &[],
            t => self.tag_sets.get(t as usize - 1).map_or(&[], |s| s),
        }
    }

    /// Ranks of strings and of tag sets, in the order [`Aggregator::into_records`] sorts by.
    pub(crate) fn ranks(&self) -> (Vec<u32>, Vec<u32>) {
        let ranks = self.string_ranks();
        let tag_ranks = self.tag_set_ranks(&ranks);
        (ranks, tag_ranks)
    }

    /// Rank of every string id (`NONE` as the empty string) in string order; equal strings
    /// share a rank.
    fn string_ranks(&self) -> Vec<u32> {
        let n = Sym::try_from(self.strings.strings.len()).unwrap_or(Sym::MAX).saturating_add(1);
        let mut ids: Vec<Sym> = (0..n).collect();
        ids.sort_unstable_by(|&a, &b| self.strings.get(a).cmp(self.strings.get(b)));
        dense_ranks(&ids, |a, b| self.strings.get(a) == self.strings.get(b))
    }

    /// Rank of every tag set id (`NONE` as the empty set) in the order of the records' tag
    /// maps: lexicographic over (key, value) pairs sorted by key.
    fn tag_set_ranks(&self, ranks: &[u32]) -> Vec<u32> {
        let set = |id: Sym| -> &[(Sym, Sym)] {
            if id == NONE {
                &[]
            } else {
                self.tag_sets.get(id as usize - 1).map_or(&[], |s| s)
            }
        };
        let r = |id: Sym| ranks.get(id as usize).copied().unwrap_or(0);
        let pairs = |id: Sym| set(id).iter().map(move |&(k, v)| (r(k), r(v)));
        let n = Sym::try_from(self.tag_sets.len()).unwrap_or(Sym::MAX).saturating_add(1);
        let mut ids: Vec<Sym> = (0..n).collect();
        ids.sort_unstable_by(|&a, &b| pairs(a).cmp(pairs(b)));
        dense_ranks(&ids, |a, b| pairs(a).eq(pairs(b)))
    }
}

/// `ranks[id]` for ids listed in sorted order, equal neighbours sharing a rank.
fn dense_ranks(sorted: &[Sym], same: impl Fn(Sym, Sym) -> bool) -> Vec<u32> {
    let mut ranks = vec![0u32; sorted.len()];
    let mut rank = 0u32;
    for (i, &id) in sorted.iter().enumerate() {
        if i > 0 && !same(sorted[i - 1], id) {
            rank += 1;
        }
        if let Some(slot) = ranks.get_mut(id as usize) {
            *slot = rank;
        }
    }
    ranks
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(agg: &mut Aggregator, account: &str, tags: &[(&str, &str)]) -> Key {
        let mut pairs: Vec<(Sym, Sym)> =
            tags.iter().map(|(k, v)| (agg.strings.intern(k), agg.strings.intern(v))).collect();
        let tags = agg.tag_set(&mut pairs);
        let d = day_number(NaiveDate::from_ymd_opt(2026, 10, 1).unwrap());
        Key {
            start: d,
            end: d + 1,
            billing: NO_DATE,
            account: agg.strings.intern(account),
            service: agg.strings.intern("Amazon EC2"),
            resource: NONE,
            tags,
            category: ChargeCategory::Usage,
            currency: agg.strings.intern("USD"),
        }
    }

    #[test]
    fn tag_order_and_empty_values_do_not_split_keys() {
        let mut agg = Aggregator::default();
        let a = key(&mut agg, "1", &[("team", "a"), ("env", "prod"), ("cc", "")]);
        let b = key(&mut agg, "1", &[("env", "prod"), ("team", "a")]);
        assert_eq!(a, b);
        assert_eq!(key(&mut agg, "1", &[("cc", "")]).tags, NONE);
    }

    #[test]
    fn merge_re_interns_and_sums_exactly() {
        let mut a = Aggregator::default();
        let ka = key(&mut a, "1", &[("team", "x")]);
        a.add(ka, Decimal::new(1, 2), Decimal::new(2, 2)).unwrap();
        let mut b = Aggregator::default();
        let _ = b.strings.intern("padding so ids differ");
        let kb = key(&mut b, "1", &[("team", "x")]);
        b.add(kb, Decimal::new(3, 2), Decimal::new(4, 2)).unwrap();
        let kc = key(&mut b, "2", &[]);
        b.add(kc, Decimal::ONE, Decimal::ONE).unwrap();
        a.merge(b).unwrap();
        let recs = a.into_records().unwrap();
        assert_eq!(recs.len(), 2);
        assert_eq!(
            (recs[0].account.as_str(), recs[0].billed, recs[0].effective),
            ("1", Decimal::new(4, 2), Decimal::new(6, 2))
        );
        assert_eq!(recs[0].tags.get("team"), Some("x"));
        assert_eq!(recs[0].rows, 2);
    }

    /// A merge adds each record of the other aggregator once, as `add_many` of that record
    /// would: days of many groups, windows far apart, multi-day spans, cells that spill (an
    /// amount at 20 decimals) on either side, sums through zero, other interning orders.
    #[test]
    fn merge_adds_each_record_of_the_other_once() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut lines = Vec::new();
        for _ in 0..6_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let account = format!("{}", x % 7);
            let team = ["a", "b", ""][(x >> 8) as usize % 3];
            let day = i32::try_from((x >> 12) % 90).unwrap() - 30;
            let span = if (x >> 20).is_multiple_of(13) { 5 } else { 1 };
            let scale =
                if (x >> 24).is_multiple_of(97) { 20 } else { u32::try_from((x >> 30) % 12).unwrap() };
            let amount = Decimal::new(i64::try_from((x >> 34) % 2_001).unwrap() - 1_000, scale);
            lines.push((account, team, day, span, amount, -amount));
        }
        let fill = |agg: &mut Aggregator, lines: &[(String, &str, i32, i32, Decimal, Decimal)]| {
            for (account, team, day, span, b, e) in lines {
                let mut k = key(agg, account, &[("team", team)]);
                k.start += day;
                k.end = k.start + span;
                agg.add(k, *b, *e).unwrap();
            }
        };
        let (first, second) = lines.split_at(2_500);
        let other = || {
            let mut b = Aggregator::default();
            let _ = b.strings.intern("padding so ids differ");
            fill(&mut b, second);
            b
        };
        let mut merged = Aggregator::default();
        fill(&mut merged, first);
        merged.merge(other()).unwrap();
        let mut want = Aggregator::default();
        fill(&mut want, first);
        for r in other().into_records().unwrap() {
            let tags: Vec<(&str, &str)> = r.tags.iter().collect();
            let mut k = key(&mut want, &r.account, &tags);
            k.start = chrono::Datelike::num_days_from_ce(&r.period.start);
            k.end = chrono::Datelike::num_days_from_ce(&r.period.end);
            want.add_many(k, r.billed, r.effective, r.rows).unwrap();
        }
        let show = |recs: Vec<CostRecord>| -> Vec<String> {
            recs.iter()
                .map(|r| {
                    format!(
                        "{} {} {} {:?} {} {} {}",
                        r.period.start, r.period.end, r.account, r.tags, r.billed, r.effective, r.rows
                    )
                })
                .collect()
        };
        let got = show(merged.into_records().unwrap());
        assert!(got.len() > 1_000, "{}", got.len());
        assert_eq!(got, show(want.into_records().unwrap()));
    }

    #[test]
    fn two_level_store_equals_a_plain_map() {
        // Days in random order, far apart, multi-day spans and several groups: the store must
        // give exactly what one hash map gives.
        let mut agg = Aggregator::default();
        let mut plain: std::collections::BTreeMap<(i32, i32, Sym, Sym), (Decimal, u64)> = Default::default();
        let mut x: u64 = 7;
        for i in 0..20_000u64 {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let mut k =
                key(&mut agg, &format!("{}", x >> 60), &[("team", if i % 3 == 0 { "a" } else { "b" })]);
            let day = k.start + i32::try_from((x >> 33) % 400).unwrap() - 200;
            let span = if x.is_multiple_of(17) { 30 } else { 1 };
            k.start = day;
            k.end = day + span;
            let amount = Decimal::new(i64::try_from(x % 10_000).unwrap(), 2);
            agg.add(k, amount, amount).unwrap();
            let e = plain.entry((k.start, k.end, k.account, k.tags)).or_default();
            e.0 += amount;
            e.1 += 1;
        }
        agg.map.flush().unwrap();
        let got: std::collections::BTreeMap<(i32, i32, Sym, Sym), (Decimal, u64)> =
            std::mem::take(&mut agg.map)
                .entries()
                .map(|(k, s)| ((k.start, k.end, k.account, k.tags), (s.billed, s.rows)))
                .collect();
        assert_eq!(got, plain);
    }

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    /// Sums of one key through the aggregator, as the records show them.
    fn sum_through(amounts: &[(Decimal, Decimal)]) -> (String, String, u64) {
        let mut agg = Aggregator::default();
        let k = key(&mut agg, "1", &[("team", "a")]);
        for &(b, e) in amounts {
            agg.add(k, b, e).unwrap();
        }
        let recs = agg.into_records().unwrap();
        assert_eq!(recs.len(), 1);
        (recs[0].billed.to_string(), recs[0].effective.to_string(), recs[0].rows)
    }

    /// What a plain `Decimal` fold gives (the reference the fixed-point cells must equal,
    /// scale included).
    fn decimal_fold(amounts: &[(Decimal, Decimal)]) -> (String, String, u64) {
        let (mut b, mut e) = (Decimal::ZERO, Decimal::ZERO);
        for &(x, y) in amounts {
            b += x;
            e += y;
        }
        (b.to_string(), e.to_string(), amounts.len() as u64)
    }

    #[test]
    fn fixed_point_cells_equal_decimal_sums_at_the_edges() {
        let cases: Vec<Vec<(Decimal, Decimal)>> = vec![
            // Mixed scales: the sum keeps the largest.
            vec![(d("1.5"), d("1.5")), (d("0.25"), d("2")), (d("3"), d("0.0000000001"))],
            // Negative values and a sum through zero: Decimal then takes the next addend's
            // scale, and a zero addend leaves the scale alone.
            vec![(d("1.50"), d("-2")), (d("-1.50"), d("2")), (d("0.1"), d("0.000")), (d("0.000"), d("7"))],
            vec![(d("-0.01"), d("0")), (d("0.01"), d("0")), (d("0"), d("0.0"))],
            vec![(d("0.00"), d("0.00"))],
            // Many decimals: 11 stays in the cell (a credit), 28 takes the Decimal path, the
            // cell spills and stays exact.
            vec![(d("1.25"), d("1")), (d("0.00000000001"), d("1")), (d("2.5"), d("1"))],
            vec![(d("-0.00000000001"), d("0.5")), (d("-0.12345678901"), d("-0.5")), (d("0"), d("0.50"))],
            vec![(d("0.1234567890123456789012345678"), d("0")), (d("1"), d("1"))],
            vec![(d("1"), d("0")), (d("0.1234567890123456789012345678"), d("0"))],
            // At the edge of an i64 mantissa, then beyond: overflow spills, as does a scale the
            // sum cannot be brought to.
            vec![(d("900000000.0000000001"), d("1")), (d("900000000"), d("1")), (d("-1800000000"), d("1"))],
            vec![(d("922337203.6854775807"), d("0")), (d("0.0000000001"), d("0"))],
            vec![(d("-922337203.6854775808"), d("0")), (d("-0.0000000001"), d("0")), (d("5"), d("5"))],
            vec![(d("9223372036854775807"), d("0")), (d("1"), d("0")), (d("-5"), d("0"))],
            vec![(d("10"), d("0")), (d("0.000000000000000001"), d("0")), (d("2"), d("0"))],
            vec![(d("0.000000000000000001"), d("0")), (d("-0.000000000000000001"), d("0")), (d("3"), d("0"))],
            // Large amounts that are not fixed-point at all.
            vec![(d("12345678901234567890.5"), d("1")), (d("1.25"), d("1"))],
        ];
        for amounts in &cases {
            assert_eq!(sum_through(amounts), decimal_fold(amounts), "{amounts:?}");
        }
    }

    #[test]
    fn fixed_point_cells_equal_decimal_sums_on_random_lines() {
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..300 {
            let n = 1 + next() % 40;
            let amounts: Vec<(Decimal, Decimal)> = (0..n)
                .map(|_| {
                    let mut amount = || {
                        let r = next();
                        // Up to 17 decimals: a large sum brought to many decimals leaves an
                        // i64 and the cell spills; within 28 digits, so the fold is exact.
                        let scale = u32::try_from(r % 18).unwrap();
                        let m = match r % 5 {
                            0 => 0,
                            1 => i64::try_from((r >> 8) % 100).unwrap() - 50,
                            _ => i64::try_from((r >> 8) % 2_000_000_000).unwrap() - 1_000_000_000,
                        };
                        Decimal::new(m, scale)
                    };
                    (amount(), amount())
                })
                .collect();
            assert_eq!(sum_through(&amounts), decimal_fold(&amounts), "{amounts:?}");
        }
    }

    #[test]
    fn fixed_point_conversions() {
        assert_eq!(to_fixed(d("1.5")), Some((15, 1)));
        assert_eq!(to_fixed(d("-0.0000000001")), Some((-1, 10)));
        assert_eq!(to_fixed(d("-0.00000000001")), Some((-1, 11)), "11 decimals: a credit");
        assert_eq!(to_fixed(d("0.1234567890123456789012345678")), None, "beyond i64");
        assert_eq!(to_fixed(d("922337203.6854775807")), Some((i64::MAX, 10)));
        assert_eq!(to_fixed(d("922337203.6854775808")), None, "beyond i64");
        let mut negative_zero = d("0.00");
        negative_zero.set_sign_negative(true);
        assert_eq!(to_fixed(negative_zero), None, "negative zero");
        assert_eq!(to_fixed(Decimal::MAX), None);
        assert_eq!(from_fixed(150, 2), d("1.50"));
        assert_eq!(from_fixed(-1, 10).to_string(), "-0.0000000001");
        assert_eq!(add_fixed(i64::MAX, 0, 1, 0), None);
        assert_eq!(add_fixed(0, 3, 5, 1), Some((5, 1)), "a zero sum takes the addend's scale");
        assert_eq!(add_fixed(5, 1, 0, 4), Some((5, 1)), "a zero addend keeps the sum's scale");
        assert_eq!(add_fixed(15, 1, -1, 11), Some((149_999_999_999, 11)), "1.5 - 0.00000000001");
        assert_eq!(add_fixed(-1, 11, 15, 1), Some((149_999_999_999, 11)));
        assert_eq!(add_fixed(1, 0, 1, 19), None, "10^19 is beyond i64");
        assert_eq!(add_fixed(1, 0, 1, 18), Some((1_000_000_000_000_000_001, 18)));
        assert_eq!(add_fixed(10, 0, 1, 18), None, "10 * 10^18 is beyond i64");
        assert_eq!(std::mem::size_of::<Cell>(), 20);
    }

    #[test]
    fn a_cell_past_its_line_count_spills_and_counts_on() {
        let mut agg = Aggregator::default();
        let k = key(&mut agg, "1", &[]);
        let max = u64::from(Cell::MAX_ROWS);
        agg.add_many(k, d("1.5"), d("1"), max - 1).unwrap();
        agg.add(k, d("0.25"), d("1")).unwrap();
        agg.add(k, d("-0.00000000001"), d("1")).unwrap();
        agg.add_many(k, d("2"), d("1"), 5).unwrap();
        let recs = agg.into_records().unwrap();
        assert_eq!(recs.len(), 1);
        assert_eq!((recs[0].billed.to_string(), recs[0].rows), ("3.74999999999".to_string(), max + 6));
        assert_eq!(recs[0].effective.to_string(), "4");
    }

    #[test]
    fn records_are_sorted_by_their_values() {
        // Interning order differs from string order: the ranks must follow the strings.
        let mut agg = Aggregator::default();
        for (account, team) in [("b", "z"), ("a", "y"), ("b", ""), ("a", "x"), ("c", "y")] {
            let tags: &[(&str, &str)] = if team.is_empty() { &[] } else { &[("team", team)] };
            let k = key(&mut agg, account, tags);
            agg.add(k, Decimal::ONE, Decimal::ONE).unwrap();
        }
        let k = key(&mut agg, "", &[("env", "b"), ("team", "y")]);
        agg.add(k, Decimal::ONE, Decimal::ONE).unwrap();
        let k = key(&mut agg, "", &[("env", "a"), ("team", "z")]);
        agg.add(k, Decimal::ONE, Decimal::ONE).unwrap();
        let recs = agg.into_records().unwrap();
        assert_eq!(recs.len(), 7);
        let mut want = recs.clone();
        want.sort_by(CostRecord::cmp_key);
        assert_eq!(recs, want);
    }

    #[test]
    fn overflow_is_an_error_not_a_panic() {
        let mut a = Aggregator::default();
        let k = key(&mut a, "1", &[]);
        a.add(k, Decimal::MAX, Decimal::ZERO).unwrap();
        assert!(a.add(k, Decimal::MAX, Decimal::ZERO).is_err());
    }

    #[test]
    fn a_sum_past_28_digits_is_an_error_not_a_rounding() {
        let mut a = Aggregator::default();
        let k = key(&mut a, "1", &[]);
        a.add(k, d("1000000000000000000000000000"), Decimal::ZERO).unwrap();
        let err = a
            .add(k, d("0.00000000001"), Decimal::ZERO)
            .and_then(|()| a.into_records().map(|_| ()))
            .unwrap_err();
        assert!(err.contains("28 significant digits"), "{err}");
    }
}
